// The routing address check: a member the leader sees up to date whose Bolt address does not
// answer from the deploying machine is named in the drift warnings (preview, plan and up),
// with TuGraph's ROUTE behaviour and the fix; a member that is simply down is not.
import { strict as assert } from "node:assert";
import { driftWarnings } from "../../components/core/drift";
import type { PlannedNode } from "../../components/core/changePlan";

const nodes: PlannedNode[] = [1, 2, 3].map((id) => ({
    id,
    ip: `10.77.0.1${id}`,
    boltPort: 7687,
    raftPort: 8000,
    role: "voter",
    removed: false,
    dockerHost: `ssh://root@10.77.0.1${id}`,
    bootstrap: true,
}));
const members = nodes.map((n) => ({ id: n.id, ip: n.ip, boltPort: 7687, raftPort: 8000, isLeader: n.id === 1, isLearner: false }));

describe("driftWarnings: the routing address", () => {
    it("names a member that is up for the leader but does not answer from here, with ROUTE's reason and the fix", () => {
        const w = driftWarnings(nodes, { members, leaderId: 1, downIds: [2], unreachableFromHere: [2] });
        const routing = w.filter((x) => /does not answer from this machine/.test(x));
        assert.equal(routing.length, 1, w.join("\n"));
        assert.match(routing[0], /^node 2's address 10\.77\.0\.12:7687 does not answer from this machine, while the leader sees node 2 up to date/);
        assert.match(routing[0], /ROUTE hands clients each node's raft ip/);
        assert.match(routing[0], /make 10\.77\.0\.12:7687 reachable from the clients/);
    });
    it("says nothing about routing when every member answers, or when the silent one is down for the leader too", () => {
        for (const live of [
            { members, leaderId: 1, downIds: [] },
            { members, leaderId: 1, downIds: [3] },
        ]) {
            const w = driftWarnings(nodes, live);
            assert.ok(!w.some((x) => /does not answer from this machine/.test(x)), w.join("\n"));
        }
    });
});
