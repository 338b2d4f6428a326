// Hanging calls converge (docs/tugraph-facts.md: TuGraph's membership calls have no deadline,
// and a change can be applied while its caller never hears back). After a call's deadline the
// membership is read again before any retry: a change that was applied is never proposed again.
// Against simulator clusters; the fault lose_admin_answers (simulator-only) applies a change and
// never answers its call.
import * as assert from "assert";
import * as fs from "fs";
import { ensureMember, promoteMember, removeMember } from "../../components/adapters/membershipOps";
import type { AdminOptions } from "../../components/adapters/boltAdmin";
import { DEFAULT_PASSWORD, DEFAULT_USER, type SimulatorCluster } from "../simulator/harness";
import { follower, listing, startCluster } from "./engine";

const calls = (c: SimulatorCluster, id: number, call: string) =>
    fs
        .readFileSync(c.logFile(id), "utf8")
        .split("\n")
        .filter((l) => l.includes(`admin call ${call}`)).length;

describe("hanging calls converge: after a deadline the membership is read again, an applied change is never proposed again", function () {
    this.timeout(120_000);
    let c: SimulatorCluster;
    let leader = 0;
    const lines: string[] = [];
    const opts = (): AdminOptions => ({
        seeds: [1, 2, 3].map((i) => c.boltAddress(i)),
        user: DEFAULT_USER,
        password: DEFAULT_PASSWORD,
        callTimeoutMs: 600,
        totalTimeoutMs: 15_000,
        log: (m) => lines.push(m),
    });
    before(async () => {
        c = await startCluster();
        leader = await c.waitForLeader();
    });
    after(() => c?.cleanup());
    beforeEach(() => (lines.length = 0));
    afterEach(() => c.setFault(leader, "lose_admin_answers", false).catch(() => undefined));

    it("an add whose answer never comes: found applied in the listing, not proposed again", async () => {
        const s = await c.allocate(4);
        await c.setFault(leader, "lose_admin_answers", true);
        const r = await ensureMember(opts(), { nodeId: 4, ip: s.ip, boltPort: s.boltPort, raftPort: s.raftPort, role: "learner" });
        assert.ok(r.initPeers.some((p) => p.bolt_raft_node_id === 4));
        assert.ok(
            lines.some((l) => /did not answer within 600 ms/.test(l)),
            lines.join("\n"),
        );
        assert.strictEqual(calls(c, leader, "addRaftLearnerNode(4"), 1, "proposed once");
        assert.deepStrictEqual(
            (await listing(c, leader)).map((m) => m.id),
            [1, 2, 3, 4],
        );
    });

    it("a promotion whose answer never comes: the listing cannot show it, the leader's term and applied index do; not proposed again", async () => {
        await c.startJoiner(4, { copyFrom: await follower(c, [1, 2, 3]) });
        const s = c.nodeSpec(4);
        await c.setFault(leader, "lose_admin_answers", true);
        await promoteMember(opts(), { nodeId: 4, ip: s.ip, boltPort: s.boltPort, raftPort: s.raftPort, role: "voter" });
        assert.ok(
            lines.some((l) => /the earlier call did not answer, but leader \d+ applied it .*not proposed again/.test(l)),
            lines.join("\n"),
        );
        assert.strictEqual(calls(c, leader, "addRaftNode(4"), 1, "proposed once");
        assert.match(fs.readFileSync(c.logFile(leader), "utf8"), /node 4 is now a raft voter/);
    });

    it("a removal whose answer never comes: found applied, not proposed again; the next change goes through", async () => {
        await c.setFault(leader, "lose_admin_answers", true);
        const r = await removeMember(opts(), 4, { minVoters: 3, allowUnsafeRemoval: false }, [1, 2, 3, 4]);
        assert.strictEqual(r.wasMember, true);
        assert.strictEqual(calls(c, leader, "removeRaftNode(4"), 1, "proposed once");
        await c.setFault(leader, "lose_admin_answers", false);
        const s = await c.allocate(5);
        await ensureMember(opts(), { nodeId: 5, ip: s.ip, boltPort: s.boltPort, raftPort: s.raftPort, role: "learner" });
        assert.deepStrictEqual(
            (await listing(c, leader)).map((m) => m.id),
            [1, 2, 3, 5],
        );
    });
});
