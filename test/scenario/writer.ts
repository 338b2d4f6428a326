// A test client that writes through a cluster while it changes: auto-commit
// CREATEs on the leader (found by discovery; a `not leader` or lost connection
// re-discovers it after a short pause), records every acknowledged write and the
// longest gap between two acknowledgements. At the end it reads every id back.
import { discover, runCall } from "../../components/adapters/boltAdmin";
import { DEFAULT_PASSWORD, DEFAULT_USER } from "../simulator/harness";

export interface WriterResult {
    acknowledged: number;
    lost: number[];
    longestGapMs: number;
    retries: number;
}

export async function startWriter(seeds: string[], label = "w"): Promise<{ stop(): Promise<WriterResult> }> {
    const o = { seeds, user: DEFAULT_USER, password: DEFAULT_PASSWORD, callTimeoutMs: 3000, totalTimeoutMs: 3000 };
    let leader: string | undefined;
    const find = async () => (await discover(o)).leaderAddress;
    leader = await find();
    if (!leader) throw new Error("writer: no leader to write to");
    await runCall(o, leader, "createLabel", `CALL db.createVertexLabel('${label}', 'id', 'id', 'INT64', false)`).catch(() => undefined);
    const acked: number[] = [];
    let running = true;
    let last = Date.now();
    let longest = 0;
    let retries = 0;
    const loop = (async () => {
        let id = 0;
        while (running) {
            id++;
            try {
                if (!leader) leader = await find();
                if (!leader) throw new Error("no leader");
                await runCall(o, leader, "write", `CREATE (n:${label} {id: ${id}})`);
                acked.push(id);
                const now = Date.now();
                longest = Math.max(longest, now - last);
                last = now;
            } catch {
                retries++;
                leader = undefined;
                await new Promise((r) => setTimeout(r, 100));
            }
            await new Promise((r) => setTimeout(r, 20));
        }
    })();
    return {
        async stop() {
            running = false;
            await loop;
            // Every acknowledged write must be on the leader at the end.
            let rows: Record<string, unknown>[] = [];
            for (let i = 0; i < 50 && rows.length === 0; i++) {
                const l = await find().catch(() => undefined);
                if (l) rows = await runCall(o, l, "read", `MATCH (n:${label}) RETURN n.id AS id`).catch(() => []);
                if (rows.length === 0) await new Promise((r) => setTimeout(r, 200));
            }
            const have = new Set(rows.map((r) => Number(r.id)));
            return { acknowledged: acked.length, lost: acked.filter((x) => !have.has(x)), longestGapMs: longest, retries };
        },
    };
}
