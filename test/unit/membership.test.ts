// Pure membership gates (the planner that orders them is tested in changePlan.test.ts).
import * as assert from "assert";
import { planChanges } from "../../components/core/changePlan";
import {
    addWhat,
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
import { isRefused, refusedError, must, refusalText, type Refusal, type RefusalCode, type Verdict } from "../../components/core/verdict";

/** A refusal with `code`; its text (why: fix) matches `re`. */
function refused(v: Verdict, code: RefusalCode, re?: RegExp): void {
    assert.strictEqual(v.ok, false, `expected a refusal (${code}), got a pass: ${v.why}`);
    assert.strictEqual((v as Refusal).code, code, refusalText(v as Refusal));
    if (re) assert.match(refusalText(v as Refusal), re);
}

/** A pass (its why matches `re`). */
function passes(v: Verdict, re?: RegExp, message?: string): void {
    assert.ok(v.ok, `${message ?? "expected a pass"}: ${v.ok ? "" : `${v.code}: ${refusalText(v)}`}`);
    if (re) assert.match(v.why, re);
}

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
        refused(checkCanChange(live([1, 2, 3])), "no-leader", /no leader/);
    });
    it("refuses any change when a majority of voters is down", () => {
        refused(checkCanChange(live([1, 2, 3], { leader: 1, down: [2, 3] })), "no-quorum", /only 1 of 3 voters are up/);
        passes(checkCanChange(live([1, 2, 3], { leader: 1, down: [3] })));
    });
    it("learners do not count for quorum", () => {
        passes(checkCanChange(live([1, 2, 3, 4, 5], { leader: 1, down: [4, 5], learners: [4, 5] })));
    });
    it("refuses adding a voter that would leave the up voters short of a majority (joiner not running yet)", () => {
        refused(checkAddSafe(live([1], { leader: 1 }), 2, "voter"), "quorum-after-add", /with 2 voters a majority is 2, but only 1/);
        passes(checkAddSafe(live([1, 2, 3], { leader: 1 }), 4, "voter"));
        passes(checkAddSafe(live([1, 2], { leader: 1 }), 4, "voter")); // the manual's case after removing 3
    });
    it("refuses adding a voter unless every voter is up and caught up; the message names them and says what to do", () => {
        // 5 voters, one lagging: a majority would still be up, yet a second voter that cannot vote is refused.
        const l = live([1, 2, 3, 4, 5], { leader: 1, down: [4] });
        const v = checkAddSafe(l, 6, "voter");
        refused(v, "voters-lagging");
        // The message a provider throws, as the user reads it.
        const message = refusedError(addWhat(6, "voter"), v as Refusal).message;
        assert.match(message, /refusing adding\/promoting node 6 as a voter: voter\(s\) 4 is down or not caught up/);
        assert.match(message, /copy of a member's data directory \(TuGraph has no snapshots\)/);
        assert.match(message, /`role: learner` first and promote/);
        assert.match(message, /run `pulumi up` again once the voters are healthy/);
        refused(checkAddSafe(live([1, 2, 3, 4, 5], { leader: 1, down: [4, 5] }), 6, "voter"), "voters-lagging", /voter\(s\) 4, 5 are down or not caught up/);
        // A promoted voter the listing still shows as learner counts too.
        refused(checkAddSafe(live([1, 2, 3, 4], { leader: 1, learners: [4], down: [4], known: [4] }), 5, "voter"), "voters-lagging", /voter\(s\) 4 is down/);
    });
    it("adding a learner keeps the old rule: a learner does not count in the quorum", () => {
        passes(checkAddSafe(live([1, 2, 3], { leader: 1, down: [3] }), 4, "learner"));
        passes(checkAddSafe(live([1, 2, 3, 4], { leader: 1, down: [4], learners: [4] }), 5, "learner"));
        // and a lagging learner does not block a voter
        passes(checkAddSafe(live([1, 2, 3, 4], { leader: 1, down: [4], learners: [4] }), 5, "voter"));
        refused(checkAddSafe(live([1, 2, 3], { leader: 1, down: [2, 3] }), 4, "learner"), "no-quorum", /only 1 of 3 voters are up/);
    });
    it("the manual's failed-node case: voters 1,2,3, 3 killed: remove 3 first, then adding voter 4 is allowed", () => {
        const l = live([1, 2, 3], { leader: 1, down: [3] });
        refused(checkAddSafe(l, 4, "voter"), "voters-lagging", /voter\(s\) 3 is down/);
        passes(checkRemovalSafe(l, 3, { ...policy, plannedVoters: 3 }));
        passes(checkAddSafe(applyRemove(l, 3), 4, "voter"));
    });
    it("promoting a running, caught-up learner counts it as up (allowed while a failed voter waits for its removal)", () => {
        passes(checkAddSafe(live([1, 2, 3, 4], { leader: 1, down: [3], learners: [4] }), 4, "voter"));
        refused(checkAddSafe(live([1, 2, 3, 4], { leader: 1, down: [3, 4], learners: [4] }), 4, "voter"), "voters-lagging", /voter\(s\) 3 is down/);
    });
    it("removal: not a member is a no-op verdict, learners may always go", () => {
        passes(checkRemovalSafe(live([1, 2, 3], { leader: 1 }), 7, policy), /not a member/);
        passes(checkRemovalSafe(live([1, 2, 3, 4], { leader: 1, learners: [4] }), 4, policy));
    });
    it("removal: refuses going below minVoters unless the stack plans enough voters or overrides", () => {
        const l = live([1, 2, 3], { leader: 1, down: [3] });
        refused(checkRemovalSafe(l, 3, policy), "below-min-voters", /leave 2 voter\(s\), below the minimum of 3.*allowUnsafeRemoval/);
        passes(checkRemovalSafe(l, 3, { ...policy, plannedVoters: 3 })); // replace a failed node
        passes(checkRemovalSafe(l, 3, { ...policy, allowUnsafeRemoval: true }));
        passes(checkRemovalSafe(live([1, 2, 3, 4], { leader: 1 }), 4, policy));
    });
    it("removal: planned voters credit at most one replacement in flight", () => {
        // Tombstone 2 and 3 while adding 4 and 5 (planned voters 1, 4, 5): the first removal is a
        // replacement in flight, the second would leave one voter and is refused.
        const l = live([1, 2, 3], { leader: 1 });
        const p = { ...policy, plannedVoters: 3 };
        passes(checkRemovalSafe(l, 2, p));
        assert.throws(
            () => must("removing node 3", checkRemovalSafe(applyRemove(l, 2), 3, p)),
            (e: Error) =>
                isRefused(e) &&
                e.code === "below-min-voters" &&
                /refusing removing node 3: it would leave 1 voter\(s\) \(3 planned\), below the minimum of 3/.test(e.message),
        );
        // The single failed-node replacement stays allowed.
        passes(checkRemovalSafe(live([1, 2, 3], { leader: 1, down: [3] }), 3, p));
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
        refused(checkRemovalSafe(l, 2, { ...policy, minVoters: 1 }), "quorum-after-removal", /4 voters left would need 3 up.*only 2/);
        passes(checkRemovalSafe(l, 5, { ...policy, minVoters: 1 }));
    });
    it("removal: the leader may be removed; the last voter never", () => {
        passes(checkRemovalSafe(live([1, 2, 3, 4], { leader: 1 }), 1, policy));
        refused(checkRemovalSafe(live([1], { leader: 1 }), 1, { minVoters: 1, allowUnsafeRemoval: true }), "last-voter", /last voter/);
    });
    it("the listing hides promotions: known voters that are down count against quorum", () => {
        // 4 and 5 were promoted (listed learner) and are down: true voters {1,2,3,4,5}, 3 up.
        const l = live([1, 2, 3, 4, 5], { leader: 1, learners: [4, 5], down: [4, 5], known: [4, 5] });
        assert.deepStrictEqual(quorumVoterIds(l), [1, 2, 3, 4, 5]);
        refused(checkRemovalSafe(l, 3, { ...policy, minVoters: 1 }), "quorum-after-removal", /would need 3 up.*only 2/);
        const blind = live([1, 2, 3, 4, 5], { leader: 1, learners: [4, 5], down: [4, 5] });
        passes(checkRemovalSafe(blind, 3, { ...policy, minVoters: 1 }), undefined, "without knownVoters the lie would let it through");
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
