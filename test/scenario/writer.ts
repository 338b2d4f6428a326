// A writer for a cluster that changes under it (rolling changes): the scenario's
// neo4j:// Writer (hosts.ts), plus the label it writes and, at the end, a read-back
// of every acknowledged write on the leader.
import { discover, runCall } from "../../components/adapters/boltAdmin";
import { DEFAULT_PASSWORD, DEFAULT_USER } from "../simulator/harness";
import { Writer } from "./hosts";

export interface WriterResult {
    acknowledged: number;
    /** Every acknowledged id, in order. */
    acked: number[];
    lost: number[];
    longestGapMs: number;
    retries: number;
}

/** `writeTimeoutMs`: how long one write may take (an apply thread slowed by a test knob needs more than the default 5 s). */
export async function startWriter(seeds: string[], opts: { writeTimeoutMs?: number } = {}): Promise<{ stop(): Promise<WriterResult> }> {
    const o = { seeds, user: DEFAULT_USER, password: DEFAULT_PASSWORD, callTimeoutMs: 3000, totalTimeoutMs: 3000 };
    const leader = async () => (await discover(o)).leaderAddress;
    const first = await leader();
    if (!first) throw new Error("writer: no leader to write to");
    await runCall(o, first, "createLabel", "CALL db.createVertexLabel('w', 'id', 'id', 'INT64', false)").catch(() => undefined);
    const w = new Writer(() => seeds, 50, opts.writeTimeoutMs ?? 5000).start();
    return {
        async stop() {
            await w.stop();
            let rows: Record<string, unknown>[] = [];
            for (let i = 0; i < 50 && rows.length === 0; i++) {
                const l = await leader().catch(() => undefined);
                if (l) rows = await runCall(o, l, "read", "MATCH (n:w) RETURN n.id AS id").catch(() => []);
                if (rows.length === 0) await new Promise((r) => setTimeout(r, 200));
            }
            const have = new Set(rows.map((r) => Number(r.id)));
            const retries = Object.values(w.failures).reduce((a, b) => a + b, 0);
            return { acknowledged: w.acked.length, acked: [...w.acked], lost: w.acked.filter((x) => !have.has(x)), longestGapMs: w.maxGapMs, retries };
        },
    };
}
