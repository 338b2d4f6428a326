// What the settle period (tugraph:membership.settleSeconds) must cover: how long a follower's
// graph trails the leader's acknowledgement of a write under a writer that never pauses. A
// stop right after a membership change loses the writes still queued on the stopped node's
// apply thread (docs/tugraph-facts.md); no index TuGraph exposes shows that queue draining,
// so the wait is a time, and this is the time it has to beat.
//
//   npx ts-node --transpile-only test/simulator/bench-settle.ts [seconds=20] [rounds=3]
//
// Starts 3 simulator nodes (processes) unless TUGRAPH_BENCH_SEEDS=ip:port,... names an
// existing cluster (TuGraph itself: TUGRAPH_BENCH_PASSWORD, default TuGraph's); it then
// writes `CREATE (n:settle_bench {id})` one after the other on the leader (label created if
// missing) and polls every follower's count. For write i acknowledged at a_i and first seen
// in a follower's count at v_i, the lag is v_i - a_i (an upper bound: a poll takes time too).
import neo4j, { Driver } from "neo4j-driver";
import { discover } from "../../components/adapters/boltAdmin";
import { DEFAULT_PASSWORD, DEFAULT_USER, SimulatorCluster } from "./harness";

const seconds = Number(process.argv[2] ?? 20);
const rounds = Number(process.argv[3] ?? 3);
const password = process.env.TUGRAPH_BENCH_PASSWORD ?? DEFAULT_PASSWORD;
const LABEL = "settle_bench";

const drv = (a: string): Driver =>
    neo4j.driver(`bolt://${a}`, neo4j.auth.basic(DEFAULT_USER, password), {
        logging: { level: "error", logger: () => undefined },
        maxConnectionPoolSize: 2,
        disableLosslessIntegers: true,
    });

async function count(d: Driver): Promise<number> {
    const s = d.session({ database: "default" });
    try {
        return Number((await s.run(`MATCH (n:${LABEL}) RETURN count(n)`)).records[0].get(0));
    } finally {
        await s.close();
    }
}

async function round(seeds: string[], base: number) {
    const o = { seeds, user: DEFAULT_USER, password, callTimeoutMs: 3000, totalTimeoutMs: 10_000 };
    const d0 = await discover(o);
    if (!d0.leaderAddress) throw new Error(`no leader among ${seeds.join(", ")}`);
    const followers = d0.members.filter((m) => m.id !== d0.leaderId).map((m) => `${m.ip}:${m.boltPort}`);
    const leader = drv(d0.leaderAddress);
    const fdrivers = followers.map(drv);
    const s = leader.session({ database: "default" });
    await s.run(`CALL db.createVertexLabel('${LABEL}', 'id', 'id', 'INT64', false)`).catch(() => undefined);
    const start0 = await count(leader);
    const acked: number[] = []; // ack time of write k (k = index + 1 after start0)
    const seen: { t: number; n: number }[][] = followers.map(() => []);
    const until = Date.now() + seconds * 1000;
    let stop = false;
    const pollers = fdrivers.map(async (d, k) => {
        while (!stop) seen[k].push({ n: await count(d), t: Date.now() });
    });
    for (let i = 1; Date.now() < until; i++) {
        await s.run(`CREATE (n:${LABEL} {id: ${base + start0 + i}})`);
        acked.push(Date.now());
    }
    const last = start0 + acked.length;
    // let every follower show the last write, then stop polling
    const drainedBy = Date.now() + 30_000;
    while (Date.now() < drainedBy && seen.some((x) => (x[x.length - 1]?.n ?? 0) < last)) await new Promise((r) => setTimeout(r, 20));
    stop = true;
    await Promise.all(pollers);
    await s.close();
    const out = followers.map((f, k) => {
        const lags: number[] = [];
        let j = 0;
        for (let i = 0; i < acked.length; i++) {
            const want = start0 + i + 1;
            while (j < seen[k].length && seen[k][j].n < want) j++;
            if (j < seen[k].length) lags.push(seen[k][j].t - acked[i]);
        }
        lags.sort((a, b) => a - b);
        const polls = seen[k];
        const pollMs = polls.length > 1 ? (polls[polls.length - 1].t - polls[0].t) / (polls.length - 1) : NaN;
        return {
            follower: f,
            writes: lags.length,
            p50: lags[Math.floor(lags.length / 2)],
            p99: lags[Math.floor(lags.length * 0.99)],
            max: lags[lags.length - 1],
            pollMs,
        };
    });
    await Promise.all([leader.close(), ...fdrivers.map((d) => d.close())]);
    return { writes: acked.length, perSecond: acked.length / seconds, out };
}

async function main() {
    let c: SimulatorCluster | undefined;
    let seeds = (process.env.TUGRAPH_BENCH_SEEDS ?? "").split(",").filter(Boolean);
    if (seeds.length === 0) {
        c = new SimulatorCluster();
        await c.start([{ id: 1 }, { id: 2 }, { id: 3 }]);
        await c.waitForLeader(15_000);
        seeds = [1, 2, 3].map((id) => c!.boltAddress(id));
    }
    try {
        let worst = 0;
        for (let r = 0; r < rounds; r++) {
            const res = await round(seeds, r * 10_000_000);
            for (const o of res.out) {
                worst = Math.max(worst, o.max);
                console.log(
                    `round ${r + 1}: ${res.writes} writes (${res.perSecond.toFixed(0)}/s); follower ${o.follower}: lag p50 ${o.p50} ms, p99 ${o.p99} ms, max ${o.max} ms (a poll every ${o.pollMs.toFixed(1)} ms)`,
                );
            }
        }
        console.log(`worst follower lag behind the leader's acknowledgement: ${worst} ms`);
    } finally {
        await c?.cleanup();
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
