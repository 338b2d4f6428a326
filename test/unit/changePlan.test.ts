// The one membership planner (components/core/changePlan.ts), pure: order, gates and
// whole-plan refusal, with property checks over random stacks and live states.
import * as assert from "assert";
import fc from "fast-check";
import { chainOrder, describePlan, planChanges, type PlannedNode } from "../../components/core/changePlan";
import { majority, voterIds, type LiveMembership } from "../../components/core/membership";

const node = (id: number, extra: Partial<PlannedNode> = {}): PlannedNode => ({
    id,
    ip: `10.0.0.${id}`,
    boltPort: 7687,
    raftPort: 8000,
    role: "voter",
    removed: false,
    dockerHost: `ssh://h${id}`,
    bootstrap: id <= 3,
    ...extra,
});
const live = (ids: number[], o: { leader?: number; down?: number[]; learners?: number[] } = {}): LiveMembership => ({
    members: ids.map((id) => ({
        id,
        ip: `10.0.0.${id}`,
        boltPort: 7687,
        raftPort: 8000,
        isLeader: id === (o.leader ?? ids[0]),
        isLearner: (o.learners ?? []).includes(id),
    })),
    leaderId: o.leader ?? ids[0],
    downIds: o.down ?? [],
});
const policy = { minVoters: 3, allowUnsafeRemoval: false };
const texts = (p: ReturnType<typeof planChanges>) => p.steps.map((s) => s.text);

describe("changePlan: the one membership planner", () => {
    it("only copy sources donate: bootstrap members, joiners recorded as copied, joiners this plan copies first; never a member the stack does not know", () => {
        // Bootstrap members 1-3 removed long ago; 4 and 5 joined; 7 is a member the stack does not know; 6 joins now.
        const nodes = [
            node(1, { removed: true }),
            node(2, { removed: true }),
            node(3, { removed: true }),
            node(4, { bootstrap: false }),
            node(5, { bootstrap: false, role: "learner" }),
            node(6, { bootstrap: false }),
        ];
        const state = live([4, 5, 7], { leader: 4, learners: [5, 7] });
        // Nothing recorded: 5 may have started on an empty disk, 7 is unknown: only the leader is left.
        const none = planChanges(nodes, state, policy);
        const sync = none.steps.find((x) => x.kind === "sync")!;
        assert.ok(sync.refused, sync.verdict);
        assert.match(sync.verdict, /5 did not start from a copy \(or the stack does not know it\), so it is never a copy source/);
        assert.match(sync.verdict, /7 did not start from a copy/);
        // 5 recorded as copied by the last deployment: it donates; 7 never does.
        assert.strictEqual(planChanges(nodes, state, { ...policy, copied: [5, 7] }).steps.find((x) => x.kind === "sync")!.text, "sync 6 from 5");
        // A joiner this plan copies first is a source for the next one: 4 (copied earlier) leads alone and
        // donates once, with the write outage allowed; then 5, copied by this plan, donates.
        const two = planChanges([...nodes, node(8, { bootstrap: false, role: "learner" })], live([4], { leader: 4 }), {
            ...policy,
            minVoters: 1,
            allowWriteOutageForSync: true,
            copied: [4],
        });
        assert.deepStrictEqual(
            two.steps.filter((x) => x.kind === "sync").map((x) => x.text),
            ["sync 5 from 4", "sync 6 from 5", "sync 8 from 5"],
        );
    });

    it("a healthy move grows first, learner first, then shrinks", () => {
        const p = planChanges(
            [node(1), node(2, { removed: true }), node(3, { removed: true }), node(4, { bootstrap: false }), node(5, { bootstrap: false })],
            live([1, 2, 3]),
            policy,
        );
        assert.strictEqual(p.refusal, undefined);
        assert.deepStrictEqual(texts(p), [
            "add 4 as learner",
            "sync 4 from 2",
            "start 4",
            "promote 4 when caught up",
            "add 5 as learner",
            "sync 5 from 2",
            "start 5",
            "promote 5 when caught up",
            "remove 2",
            "remove 3",
        ]);
        assert.deepStrictEqual(p.chain, [
            { kind: "join", nodeId: 4 },
            { kind: "join", nodeId: 5 },
            { kind: "remove", nodeId: 2 },
            { kind: "remove", nodeId: 3 },
        ]);
    });

    it("a failed member is removed first; a new node on the same host and ports waits for its removal", () => {
        const failed = planChanges(
            [node(1), node(2), node(3, { removed: true }), node(4, { bootstrap: false }), node(5, { bootstrap: false })],
            live([1, 2, 3, 5], { down: [3], learners: [5] }),
            policy,
        );
        assert.deepStrictEqual(
            failed.chain.map((c) => `${c.kind} ${c.nodeId}`),
            ["remove 3", "join 4", "join 5"],
        );
        assert.match(failed.steps[0].verdict, /quorum kept: .* \(it is down\)/);
        const sameHost = [node(1), node(2), node(3, { removed: true }), node(4, { bootstrap: false, dockerHost: "ssh://h3", boltPort: 7687 })];
        assert.deepStrictEqual(
            chainOrder(sameHost, live([1, 2, 3])).map((c) => `${c.kind} ${c.nodeId}`),
            ["remove 3", "join 4"],
        );
        const elsewhere = [node(1), node(2), node(3, { removed: true }), node(4, { bootstrap: false })];
        assert.deepStrictEqual(
            chainOrder(elsewhere, live([1, 2, 3])).map((c) => `${c.kind} ${c.nodeId}`),
            ["join 4", "remove 3"],
        );
    });

    it("a plan with one refused step is refused as a whole, each refusal with its fix; the order is kept", () => {
        const p = planChanges(
            [node(1), node(2, { removed: true }), node(3, { removed: true }), node(4, { removed: true }), node(5)],
            live([1, 2, 3, 4, 5], { down: [5] }),
            { minVoters: 1, allowUnsafeRemoval: false },
        );
        assert.ok(p.refusal);
        assert.match(p.refusal!, /^refusing the whole membership plan, nothing was changed:\n {2}- remove 4: the 2 voters left would need 2 up/);
        assert.match(p.refusal!, /set allowUnsafeRemoval to override/);
        assert.match(p.refusal!, /the plan was: remove 2 -> remove 3 -> remove 4$/);
        // The steps carry the gates' codes: the planner combines verdicts, it does not parse their text.
        assert.deepStrictEqual(
            p.steps.map((s) => [s.text, s.code]),
            [
                ["remove 2", undefined],
                ["remove 3", undefined],
                ["remove 4", "quorum-after-removal"],
            ],
        );
    });

    it("without a live view: the config's order, and it says so", () => {
        const p = planChanges([node(1), node(2), node(3, { removed: true }), node(4, { bootstrap: false, role: "learner" })], undefined, policy);
        assert.strictEqual(p.fromLive, false);
        assert.deepStrictEqual(texts(p), ["remove 3", "add 4 as learner", "sync 4 from a caught-up member", "start 4"]);
        assert.match(describePlan(p)[0], /from the config alone/);
    });

    it("a member at another address than the stack says is a conflict with the fix; an unknown donor situation names the setting", () => {
        const moved = planChanges(
            [node(1), node(2), node(3), node(4, { bootstrap: false })],
            { ...live([1, 2, 3]), members: [...live([1, 2, 3, 4]).members.slice(0, 3), { ...live([4]).members[0], ip: "10.9.9.9", isLeader: false }] },
            policy,
        );
        assert.match(
            moved.refusal!,
            /node 4: it is a member at 10\.9\.9\.9:7687\/8000, but the stack says 10\.0\.0\.4:7687\/8000: set `removed: true` on node 4/,
        );
        const lonely = planChanges([node(1), node(2, { bootstrap: false, role: "learner" })], live([1]), { ...policy, minVoters: 1 });
        assert.match(lonely.refusal!, /sync 2 from \?: only the leader \(1\) could donate.*allowWriteOutageForSync/);
        assert.deepStrictEqual(
            [moved.steps.find((s) => s.refused)?.code, lonely.steps.find((s) => s.refused)?.code],
            ["member-elsewhere", "only-leader-can-donate"],
        );
        const consent = planChanges([node(1), node(2, { bootstrap: false, role: "learner" })], live([1]), {
            ...policy,
            minVoters: 1,
            allowWriteOutageForSync: true,
        });
        assert.strictEqual(consent.refusal, undefined);
        assert.deepStrictEqual(texts(consent), ["add 2 as learner", "sync 2 from 1", "start 2"]);
    });

    it("property: the chain holds every tombstone and every non-bootstrap node once; an accepted plan never leaves a state without quorum", () => {
        fc.assert(
            fc.property(
                fc.integer({ min: 3, max: 7 }), // live voters 1..n
                fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 3 }), // down ids
                fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 3 }), // tombstones
                fc.integer({ min: 0, max: 3 }), // joiners
                fc.boolean(),
                (n, down, tomb, joiners, learnerJoin) => {
                    const ids = Array.from({ length: n }, (_, i) => i + 1);
                    const nodes = [
                        ...ids.map((id) => node(id, { bootstrap: true, removed: tomb.includes(id) })),
                        ...Array.from({ length: joiners }, (_, i) => node(10 + i, { bootstrap: false, role: learnerJoin ? "learner" : "voter" })),
                    ];
                    if (nodes.filter((x) => !x.removed && x.role === "voter").length === 0) return;
                    const l = live(ids, { leader: ids.find((i) => !down.includes(i)) ?? 1, down: down.filter((d) => d <= n) });
                    const p = planChanges(nodes, l, { minVoters: 1, allowUnsafeRemoval: false });
                    const want = nodes
                        .filter((x) => x.removed || !x.bootstrap)
                        .map((x) => x.id)
                        .sort((a, b) => a - b);
                    assert.deepStrictEqual(
                        p.chain.map((c) => c.nodeId).sort((a, b) => a - b),
                        want,
                    );
                    if (p.refusal) return;
                    // Replay the accepted steps: before each change, a leader and a majority of voters up.
                    let voters = new Set(voterIds(l));
                    const up = new Set(ids.filter((i) => !l.downIds.includes(i)));
                    for (const s of p.steps) {
                        const upVoters = [...voters].filter((v) => up.has(v)).length;
                        assert.ok(upVoters >= majority(voters.size), `${s.text}: ${upVoters} of ${voters.size} voters up`);
                        if (s.kind === "remove") {
                            voters.delete(s.nodeId);
                            up.delete(s.nodeId);
                        }
                        if (s.kind === "start") up.add(s.nodeId);
                        if (s.kind === "promote") voters = new Set([...voters, s.nodeId]);
                    }
                },
            ),
            { numRuns: 300 },
        );
    });
});
