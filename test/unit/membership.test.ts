// Pure membership planning: chain order, safety gates, planner (+ fast-check properties).
import * as assert from "assert";
import fc from "fast-check";
import {
    applyRemove, checkAddSafe, checkCanChange, checkRemovalSafe, DesiredNode, LiveMember, LiveMembership,
    majority, membershipChain, membershipGateInputs, planMembership, quorumVoterIds, toInitPeers, voterIds,
} from "../../components/core/membership";
import type { NodeSpec } from "../../components/core/types";

const member = (id: number, extra: Partial<LiveMember> = {}): LiveMember => ({
    id, ip: "127.0.0.1", boltPort: 7686 + id, raftPort: 8999 + id, isLeader: false, isLearner: false, ...extra,
});
const live = (ids: number[], o: { leader?: number; down?: number[]; learners?: number[]; known?: number[] } = {}): LiveMembership => ({
    members: ids.map((id) => member(id, { isLeader: id === o.leader, isLearner: (o.learners ?? []).includes(id) })),
    leaderId: o.leader,
    downIds: o.down ?? [],
    knownVoters: o.known,
});
const spec = (id: number, extra: Partial<NodeSpec> = {}): NodeSpec => ({
    id, ip: "127.0.0.1", boltPort: 7686 + id, raftPort: 8999 + id, webPort: 7069 + id, role: "voter",
    dockerHost: "unix:///var/run/docker.sock", dataDir: `/d/${id}`, logDir: `/l/${id}`, removed: false, ...extra,
});
const desired = (id: number, extra: Partial<DesiredNode> = {}): DesiredNode => ({
    id, ip: "127.0.0.1", boltPort: 7686 + id, raftPort: 8999 + id, role: "voter", removed: false, ...extra,
});
const policy = { minVoters: 3, allowUnsafeRemoval: false };

describe("membership: chain order", () => {
    it("puts removals (by id) before additions (by id) and skips bootstrap members", () => {
        const chain = membershipChain({
            nodes: [spec(5), spec(1), spec(3, { removed: true }), spec(2), spec(4, { role: "learner" }), spec(9, { removed: true }), spec(6)],
            bootstrap: [1, 2, 3],
        });
        assert.deepStrictEqual(chain, [
            { kind: "remove", nodeId: 3 }, { kind: "remove", nodeId: 9 },
            { kind: "member", nodeId: 4 }, { kind: "member", nodeId: 5 }, { kind: "member", nodeId: 6 },
        ]);
    });
    it("membershipGateInputs: planned voters exclude tombstones, known voters are the stack's voters", () => {
        const nodes = [spec(1), spec(2), spec(3, { removed: true }), spec(4), spec(5, { role: "learner" })];
        assert.deepStrictEqual(membershipGateInputs({ nodes }), { plannedVoters: 3, knownVoters: [1, 2, 3, 4] });
    });
    it("is empty for a bootstrap-only cluster", () => {
        assert.deepStrictEqual(membershipChain({ nodes: [spec(1), spec(2), spec(3)], bootstrap: [1, 2, 3] }), []);
    });
    it("property: removals always precede members, each id once, sorted within kind", () => {
        fc.assert(fc.property(
            fc.uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 30 }), removed: fc.boolean(), boot: fc.boolean() }), { selector: (n) => n.id, maxLength: 12 }),
            (ns) => {
                const chain = membershipChain({ nodes: ns.map((n) => spec(n.id, { removed: n.removed })), bootstrap: ns.filter((n) => n.boot).map((n) => n.id) });
                const firstMember = chain.findIndex((c) => c.kind === "member");
                if (firstMember >= 0) assert.ok(chain.slice(firstMember).every((c) => c.kind === "member"));
                const ids = chain.map((c) => c.nodeId);
                assert.strictEqual(new Set(ids).size, ids.length);
                for (const k of ["remove", "member"]) {
                    const ks = chain.filter((c) => c.kind === k).map((c) => c.nodeId);
                    assert.deepStrictEqual(ks, [...ks].sort((a, b) => a - b));
                }
                for (const n of ns) {
                    const want = n.removed ? "remove" : n.boot ? undefined : "member";
                    assert.strictEqual(chain.find((c) => c.nodeId === n.id)?.kind, want);
                }
            },
        ));
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
        const e = assert.throws(() => checkAddSafe(l, 6, "voter"), (err: Error) => {
            assert.match(err.message, /refusing adding\/promoting node 6 as a voter: voter\(s\) 4 is down or not caught up/);
            assert.match(err.message, /copy of a member's data directory \(TuGraph has no snapshots\)/);
            assert.match(err.message, /`role: learner` first and promote/);
            assert.match(err.message, /run `pulumi up` again once the voters are healthy/);
            return true;
        });
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
        assert.throws(() => checkRemovalSafe(applyRemove(l, 2), 3, p), /refusing removing node 3: it would leave 1 voter\(s\) \(3 planned\), below the minimum of 3/);
        // The single failed-node replacement stays allowed.
        assert.strictEqual(checkRemovalSafe(live([1, 2, 3], { leader: 1, down: [3] }), 3, p), "remove");
        // The planner stops at the second removal.
        const steps = planMembership([desired(1), desired(2, { removed: true }), desired(3, { removed: true }), desired(4), desired(5)], l, policy);
        assert.deepStrictEqual(steps.map((s) => [s.kind, s.nodeId, !!s.refused]), [["remove", 2, false], ["remove", 3, true], ["add", 4, true], ["add", 5, true]]);
        assert.match(steps[1].refused!, /below the minimum of 3/);
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
        assert.deepStrictEqual(toInitPeers([member(2), member(1)]).map((p) => Object.keys(p).sort().join()), [
            "bolt_port,bolt_raft_node_id,bolt_raft_port,ip", "bolt_port,bolt_raft_node_id,bolt_raft_port,ip",
        ]);
        assert.deepStrictEqual(toInitPeers([member(2), member(1)]).map((p) => p.bolt_raft_node_id), [1, 2]);
    });
});

describe("membership: planner", () => {
    it("plans the manual's failed-node replacement: remove 3, then add 4", () => {
        const steps = planMembership([desired(1), desired(2), desired(3, { removed: true }), desired(4)], live([1, 2, 3], { leader: 1, down: [3] }), policy);
        assert.deepStrictEqual(steps, [{ kind: "remove", nodeId: 3 }, { kind: "add", nodeId: 4, role: "voter" }]);
    });
    it("growing 3 -> 5 voters in one run: the first joiner is left lagging, so the second voter is refused", () => {
        const steps = planMembership([desired(1), desired(2), desired(3), desired(4), desired(5)], live([1, 2, 3], { leader: 1 }), policy);
        assert.deepStrictEqual(steps[0], { kind: "add", nodeId: 4, role: "voter" });
        assert.match(steps[1].refused!, /refusing adding\/promoting node 5 as a voter: voter\(s\) 4 is down or not caught up/);
        // learners may follow a voter in the same run
        const mixed = planMembership([desired(1), desired(2), desired(3), desired(4), desired(5, { role: "learner" })], live([1, 2, 3], { leader: 1 }), policy);
        assert.ok(mixed.every((s) => !s.refused), JSON.stringify(mixed));
    });
    it("refuses a shrink below the minimum and marks the rest not run", () => {
        const steps = planMembership([desired(1), desired(2), desired(3, { removed: true }), desired(4, { role: "learner" })], live([1, 2, 3], { leader: 1 }), policy);
        assert.match(steps[0].refused!, /below the minimum of 3/);
        assert.match(steps[1].refused!, /not run: step 1 was refused/);
    });
    it("reports an id at another address as a conflict, promotes listed learners the stack wants as voters", () => {
        const steps = planMembership([desired(1), desired(2), desired(3), desired(4, { ip: "10.0.0.4" }), desired(5)], live([1, 2, 3, 4, 5], { leader: 1, learners: [5] }), policy);
        assert.deepStrictEqual(steps.map((s) => s.kind), ["conflict", "promote"]);
    });

    // Random clusters and desired lists: whatever the planner accepts keeps
    // quorum after every step, never goes below the minimum (counting the
    // planned voters), and runs removals first.
    const arbLive = fc
        .uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 9 }), learner: fc.boolean(), down: fc.boolean() }), { selector: (m) => m.id, minLength: 1, maxLength: 7 })
        .chain((ms) => fc.record({
            ms: fc.constant(ms),
            leaderPick: fc.nat(),
            hasLeader: fc.boolean(),
        }))
        .map(({ ms, leaderPick, hasLeader }) => {
            const upVoters = ms.filter((m) => !m.learner && !m.down);
            const leader = hasLeader && upVoters.length > 0 ? upVoters[leaderPick % upVoters.length].id : undefined;
            return live(ms.map((m) => m.id), { leader, down: ms.filter((m) => m.down && m.id !== leader).map((m) => m.id), learners: ms.filter((m) => m.learner).map((m) => m.id) });
        });
    const arbDesired = fc.uniqueArray(
        fc.record({ id: fc.integer({ min: 1, max: 12 }), learner: fc.boolean(), removed: fc.boolean() }),
        { selector: (d) => d.id, maxLength: 10 },
    ).map((ds) => ds.map((d) => desired(d.id, { role: d.learner ? "learner" : "voter", removed: d.removed })));

    it("property: no accepted plan loses quorum or goes below minVoters; removals come first", () => {
        fc.assert(fc.property(arbLive, arbDesired, fc.integer({ min: 1, max: 5 }), (l, ds, minVoters) => {
            const steps = planMembership(ds, l, { minVoters, allowUnsafeRemoval: false });
            const kinds = steps.map((s) => s.kind);
            const lastRemove = kinds.lastIndexOf("remove");
            const firstOther = kinds.findIndex((k) => k !== "remove");
            if (lastRemove >= 0 && firstOther >= 0) assert.ok(lastRemove < firstOther, `removals first: ${kinds}`);
            const planned = ds.filter((d) => !d.removed && d.role === "voter").length;
            let state = l;
            for (const s of steps) {
                if (s.refused) break;
                const before = voterIds(state);
                if (s.kind === "remove") {
                    state = applyRemove(state, s.nodeId);
                    const after = voterIds(state);
                    if (before.includes(s.nodeId)) {
                        // Outcome: never below minVoters, counting at most one pending replacement
                        // (a planned voter that does not exist yet), and never zero voters.
                        assert.ok(after.length >= 1);
                        const pending = planned > after.length ? 1 : 0;
                        assert.ok(after.length + pending >= minVoters, `min voters: ${after.length} left (+${pending} pending) < ${minVoters}`);
                    }
                } else if (s.kind === "add") {
                    // the joiner is not running right after its add, and (empty disk, no snapshots) does not catch up afterwards
                    const d = ds.find((x) => x.id === s.nodeId)!;
                    if (d.role === "voter") {
                        assert.deepStrictEqual(quorumVoterIds(state).filter((id) => state.downIds.includes(id)), [], "a voter joins only when every voter is up");
                    }
                    const next: LiveMembership = { ...state, members: [...state.members, member(d.id, { isLearner: d.role === "learner", ip: d.ip })], downIds: [...state.downIds, d.id] };
                    const q = quorumVoterIds(next);
                    assert.ok(q.filter((id) => !next.downIds.includes(id)).length >= majority(q.length), "quorum right after an add");
                    state = next;
                    continue;
                } else if (s.kind === "promote") {
                    state = { ...state, knownVoters: [...(state.knownVoters ?? []), s.nodeId] };
                }
                const q = quorumVoterIds(state);
                assert.ok(state.leaderId !== undefined, "a leader after each step");
                assert.ok(q.filter((id) => !state.downIds.includes(id)).length >= majority(q.length), `quorum after ${s.kind} ${s.nodeId}`);
            }
        }), { numRuns: 500 });
    });

    it("property: a removal the gate accepts (no override) keeps quorum and minVoters", () => {
        fc.assert(fc.property(arbLive, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 5 }), (l, id, minVoters) => {
            let verdict: string;
            try {
                verdict = checkRemovalSafe(l, id, { minVoters, allowUnsafeRemoval: false });
            } catch {
                return;
            }
            if (verdict === "not-a-member") return assert.ok(!l.members.some((m) => m.id === id));
            const wasVoter = voterIds(l).includes(id);
            const after = applyRemove(l, id);
            if (!wasVoter) return;
            const q = quorumVoterIds(after);
            assert.ok(q.length >= minVoters);
            assert.ok(q.filter((x) => !after.downIds.includes(x)).length >= majority(q.length));
        }), { numRuns: 1000 });
    });
});
