// Latency of leader discovery and of one add / one remove against a 3-node
// simulator cluster on 127.0.0.1 (median of 20 each). Not a test: run with
//   npx ts-node --transpile-only test/providers/bench-membership.ts
import { discover } from "../../components/adapters/boltAdmin";
import { ensureMember, removeMember } from "../../components/adapters/membershipOps";
import { DEFAULT_PASSWORD, DEFAULT_USER, SimulatorCluster } from "../simulator/harness";

const N = 20;
const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (xs: number[]) => `median ${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}, n=${xs.length})`;

async function main() {
    const c = new SimulatorCluster();
    try {
        await c.start([{ id: 1 }, { id: 2 }, { id: 3 }]);
        await c.waitForLeader(15_000);
        const o = {
            seeds: [1, 2, 3].map((i) => c.boltAddress(i)),
            user: DEFAULT_USER,
            password: DEFAULT_PASSWORD,
            callTimeoutMs: 3000,
            totalTimeoutMs: 30_000,
        };
        await discover(o); // warm-up (module load)
        const disc: number[] = [];
        for (let i = 0; i < N; i++) {
            const t = process.hrtime.bigint();
            const d = await discover(o);
            disc.push(Number(process.hrtime.bigint() - t) / 1e6);
            if (d.leaderId === undefined) throw new Error("no leader");
        }
        const adds: number[] = [];
        const removes: number[] = [];
        for (let i = 0; i < N; i++) {
            const id = 10 + i; // a fresh id each round (a voter that is never started: the 3 running voters keep quorum)
            const s = await c.allocate(id);
            let t = process.hrtime.bigint();
            await ensureMember(o, { nodeId: id, ip: s.ip, boltPort: s.boltPort, raftPort: s.raftPort, role: "voter" });
            adds.push(Number(process.hrtime.bigint() - t) / 1e6);
            t = process.hrtime.bigint();
            await removeMember(o, id, { minVoters: 3, allowUnsafeRemoval: false });
            removes.push(Number(process.hrtime.bigint() - t) / 1e6);
        }
        console.log(`leader discovery (listRaftNodes on 3 seeds + getRaftStatus on the leader): ${fmt(disc)}`);
        console.log(`add (discovery + gates + addRaftNode + verify listing):                  ${fmt(adds)}`);
        console.log(`remove (discovery + gates + removeRaftNode + new-leader confirmation):    ${fmt(removes)}`);
        console.log(`add+remove pair: median ${median(adds.map((a, i) => a + removes[i])).toFixed(1)} ms`);
    } finally {
        await c.cleanup();
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
