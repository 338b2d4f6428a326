// Pure membership gates (the planner that orders them is tested in changePlan.test.ts).
import * as assert from "assert";
import { planChanges } from "../../components/core/changePlan";
import {
    applyRemove,
    checkAddSafe,
    checkCanChange,
    checkRemovalSafe,
    DesiredNode,
    LiveMember,
    LiveMembership,
    membershipGateInputs,
    quorumVoterIds,
    toInitPeers,
} from "../../components/core/membership";
import type { NodeSpec } from "../../components/core/types";

const member = (id: number, extra: Partial<LiveMember> = {}): LiveMember => ({
    id,
    ip: "127.0.0.1",
    boltPort: 7686 + id,
    raftPort: 8999 + id,
    isLeader: false,
    isLearner: false,
    ...extra,
});
const live = (ids: number[], o: { leader?: number; down?: number[]; learners?: number[]; known?: number[] } = {}): LiveMembership => ({
    members: ids.map((id) => member(id, { isLeader: id === o.leader, isLearner: (o.learners ?? []).includes(id) })),
    leaderId: o.leader,
    downIds: o.down ?? [],
    knownVoters: o.known,
});
const spec = (id: number, extra: Partial<NodeSpec> = {}): NodeSpec => ({
    id,
    ip: "127.0.0.1",
    boltPort: 7686 + id,
    raftPort: 8999 + id,
    webPort: 7069 + id,
    role: "voter",
    dockerHost: "unix:///var/run/docker.sock",
    dataDir: `/d/${id}`,
    logDir: `/l/${id}`,
    removed: false,
    ...extra,
});
const desired = (id: number, extra: Partial<DesiredNode> = {}): DesiredNode => ({
    id,
    ip: "127.0.0.1",
    boltPort: 7686 + id,
    raftPort: 8999 + id,
    role: "voter",
    removed: false,
    ...extra,
});
const policy = { minVoters: 3, allowUnsafeRemoval: false };

describe("membership: gate inputs", () => {
    it("membershipGateInputs: planned voters exclude tombstones, known voters are the stack's voters", () => {
        const nodes = [spec(1), spec(2), spec(3, { removed: true }), spec(4), spec(5, { role: "learner" })];
        assert.deepStrictEqual(membershipGateInputs({ nodes }), { plannedVoters: 3, knownVoters: [1, 2, 3, 4] });
    });
});

describe("membership: gates", () => {
    it("refuses any change without a leader", () => {
        assert.throws(() => checkCanChange(live([1, 2, 3])), /no leader/);
    });
    it("refuses any change when a majority of voters is down", () => {
        assert.throws(() => checkCanChange(live([1, 2, 3], { leader: 1, down: [2, 3] })), /only 1 of 3 voters are up/);
        checkCanChange(live([1, 2, 3], { leader: 1, down: [3] }));
    });
    it("learners do not count for quorum", () => {
        checkCanChange(live([1, 2, 3, 4, 5], { leader: 1, down: [4, 5], learners: [4, 5] }));
    });
    it("refuses adding a voter that would leave the up voters short of a majority (joiner not running yet)", () => {
        assert.throws(() => checkAddSafe(live([1], { leader: 1 }), 2, "voter"), /with 2 voters a majority is 2, but only 1/);
        checkAddSafe(live([1, 2, 3], { leader: 1 }), 4, "voter");
        checkAddSafe(live([1, 2], { leader: 1 }), 4, "voter"); // the manual's case after removing 3
    });
    it("refuses adding a voter unless every voter is up and caught up; the message names them and says what to do", () => {
        // 5 voters, one lagging: a majority would still be up, yet a second voter that cannot vote is refused.
        const l = live([1, 2, 3, 4, 5], { leader: 1, down: [4] });
        const e = assert.throws(
            () => checkAddSafe(l, 6, "voter"),
            (err: Error) => {
                assert.match(err.message, /refusing adding\/promoting node 6 as a voter: voter\(s\) 4 is down or not caught up/);
                assert.match(err.message, /copy of a member's data directory \(TuGraph has no snapshots\)/);
                assert.match(err.message, /`role: learner` first and promote/);
                assert.match(err.message, /run `pulumi up` again once the voters are healthy/);
                return true;
            },
        );
        void e;
        assert.throws(() => checkAddSafe(live([1, 2, 3, 4, 5], { leader: 1, down: [4, 5] }), 6, "voter"), /voter\(s\) 4, 5 are down or not caught up/);
        // A promoted voter the listing still shows as learner counts too.
        assert.throws(() => checkAddSafe(live([1, 2, 3, 4], { leader: 1, learners: [4], down: [4], known: [4] }), 5, "voter"), /voter\(s\) 4 is down/);
    });
    it("adding a learner keeps the old rule: a learner does not count in the quorum", () => {
        checkAddSafe(live([1, 2, 3], { leader: 1, down: [3] }), 4, "learner");
        checkAddSafe(live([1, 2, 3, 4], { leader: 1, down: [4], learners: [4] }), 5, "learner");
        // and a lagging learner does not block a voter
        checkAddSafe(live([1, 2, 3, 4], { leader: 1, down: [4], learners: [4] }), 5, "voter");
        assert.throws(() => checkAddSafe(live([1, 2, 3], { leader: 1, down: [2, 3] }), 4, "learner"), /only 1 of 3 voters are up/);
    });
    it("the manual's failed-node case: voters 1,2,3, 3 killed: remove 3 first, then adding voter 4 is allowed", () => {
        const l = live([1, 2, 3], { leader: 1, down: [3] });
        assert.throws(() => checkAddSafe(l, 4, "voter"), /voter\(s\) 3 is down/);
        assert.strictEqual(checkRemovalSafe(l, 3, { ...policy, plannedVoters: 3 }), "remove");
        checkAddSafe(applyRemove(l, 3), 4, "voter");
    });
    it("promoting a running, caught-up learner counts it as up (allowed while a failed voter waits for its removal)", () => {
        checkAddSafe(live([1, 2, 3, 4], { leader: 1, down: [3], learners: [4] }), 4, "voter");
        assert.throws(() => checkAddSafe(live([1, 2, 3, 4], { leader: 1, down: [3, 4], learners: [4] }), 4, "voter"), /voter\(s\) 3 is down/);
    });
    it("removal: not a member is a no-op verdict, learners may always go", () => {
        assert.strictEqual(checkRemovalSafe(live([1, 2, 3], { leader: 1 }), 7, policy), "not-a-member");
        assert.strictEqual(checkRemovalSafe(live([1, 2, 3, 4], { leader: 1, learners: [4] }), 4, policy), "remove");
    });
    it("removal: refuses going below minVoters unless the stack plans enough voters or overrides", () => {
        const l = live([1, 2, 3], { leader: 1, down: [3] });
        assert.throws(() => checkRemovalSafe(l, 3, policy), /leave 2 voter\(s\), below the minimum of 3.*allowUnsafeRemoval/);
        assert.strictEqual(checkRemovalSafe(l, 3, { ...policy, plannedVoters: 3 }), "remove"); // replace a failed node
        assert.strictEqual(checkRemovalSafe(l, 3, { ...policy, allowUnsafeRemoval: true }), "remove");
        assert.strictEqual(checkRemovalSafe(live([1, 2, 3, 4], { leader: 1 }), 4, policy), "remove");
    });
    it("removal: planned voters credit at most one replacement in flight", () => {
        // Tombstone 2 and 3 while adding 4 and 5 (planned voters 1, 4, 5): the first removal is a
        // replacement in flight, the second would leave one voter and is refused.
        const l = live([1, 2, 3], { leader: 1 });
        const p = { ...policy, plannedVoters: 3 };
        assert.strictEqual(checkRemovalSafe(l, 2, p), "remove");
        assert.throws(
            () => checkRemovalSafe(applyRemove(l, 2), 3, p),
            /refusing removing node 3: it would leave 1 voter\(s\) \(3 planned\), below the minimum of 3/,
        );
        // The single failed-node replacement stays allowed.
        assert.strictEqual(checkRemovalSafe(live([1, 2, 3], { leader: 1, down: [3] }), 3, p), "remove");
        // The planner avoids that state altogether: a healthy move grows first, then shrinks.
        const planned = [1, 2, 3, 4, 5].map((id) => ({ ...desired(id, { removed: id === 2 || id === 3 }), dockerHost: `h${id}`, bootstrap: id <= 3 }));
        const plan = planChanges(planned, l, policy);
        assert.strictEqual(plan.refusal, undefined);
        assert.deepStrictEqual(
            plan.steps.filter((x) => x.kind === "remove" || x.kind === "promote").map((x) => x.text),
            ["promote 4 when caught up", "promote 5 when caught up", "remove 2", "remove 3"],
        );
    });
    it("removal: refuses losing quorum counting the voters down now", () => {
        const l = live([1, 2, 3, 4, 5], { leader: 1, down: [4, 5] });
        assert.throws(() => checkRemovalSafe(l, 2, { ...policy, minVoters: 1 }), /4 voters left would need 3 up.*only 2/);
        assert.strictEqual(checkRemovalSafe(l, 5, { ...policy, minVoters: 1 }), "remove");
    });
    it("removal: the leader may be removed; the last voter never", () => {
        assert.strictEqual(checkRemovalSafe(live([1, 2, 3, 4], { leader: 1 }), 1, policy), "remove");
        assert.throws(() => checkRemovalSafe(live([1], { leader: 1 }), 1, { minVoters: 1, allowUnsafeRemoval: true }), /last voter/);
    });
    it("the listing hides promotions: known voters that are down count against quorum", () => {
        // 4 and 5 were promoted (listed learner) and are down: true voters {1,2,3,4,5}, 3 up.
        const l = live([1, 2, 3, 4, 5], { leader: 1, learners: [4, 5], down: [4, 5], known: [4, 5] });
        assert.deepStrictEqual(quorumVoterIds(l), [1, 2, 3, 4, 5]);
        assert.throws(() => checkRemovalSafe(l, 3, { ...policy, minVoters: 1 }), /would need 3 up.*only 2/);
        const blind = live([1, 2, 3, 4, 5], { leader: 1, learners: [4, 5], down: [4, 5] });
        assert.strictEqual(checkRemovalSafe(blind, 3, { ...policy, minVoters: 1 }), "remove", "without knownVoters the lie would let it through");
    });
    it("toInitPeers sorts and spells TuGraph's keys", () => {
        assert.deepStrictEqual(
            toInitPeers([member(2), member(1)]).map((p) => Object.keys(p).sort().join()),
            ["bolt_port,bolt_raft_node_id,bolt_raft_port,ip", "bolt_port,bolt_raft_node_id,bolt_raft_port,ip"],
        );
        assert.deepStrictEqual(
            toInitPeers([member(2), member(1)]).map((p) => p.bolt_raft_node_id),
            [1, 2],
        );
    });
});
