// Donor choice for a joiner's data copy (pure): unit cases + fast-check properties.
import * as assert from "assert";
import fc from "fast-check";
import { chooseDonor, progressCandidate, type DonorChoice, type DonorVerdict, type ProgressMember } from "../../components/core/donor";
import { majority } from "../../components/core/membership";
import { refusalText } from "../../components/core/verdict";

type Member = ProgressMember;
const m = (id: number, o: Partial<Member> = {}): Member => ({ id, isLeader: false, isVoter: true, up: true, match: 100, copySource: true, ...o });
const leader = (id: number) => m(id, { isLeader: true, match: undefined });

/** The choice from the leader's numbers, as the provider makes it (core/donor.ts progressCandidate). */
function choose(o: { members: Member[]; leaderCommit: number; joinerId: number; maxLag?: number; allowWriteOutageForSync?: boolean }): DonorVerdict {
    return chooseDonor({
        members: o.members.map((x) => progressCandidate(x, o.leaderCommit, o.maxLag)),
        joinerId: o.joinerId,
        allowWriteOutageForSync: o.allowWriteOutageForSync,
    });
}
/** The chosen donor (fails on a refusal). */
function chosen(v: DonorVerdict): DonorChoice {
    assert.ok(v.ok, v.ok ? "" : `refused (${v.code}): ${refusalText(v)}`);
    return v.donor;
}
/** The refusal's code and text (fails on a pass). */
function refusal(v: DonorVerdict): { code: string; message: string } {
    assert.ok(!v.ok, v.ok ? `chose ${v.donor.id}: ${v.why}` : "");
    return { code: v.code, message: refusalText(v) };
}

describe("donor choice", () => {
    it("prefers a caught-up learner over voters", () => {
        const c = chosen(choose({ members: [leader(1), m(2), m(3), m(4, { isVoter: false })], leaderCommit: 100, joinerId: 5 }));
        assert.deepStrictEqual([c.id, c.kind], [4, "learner"]);
    });
    it("takes a follower voter when the others keep a majority, the least lagging first", () => {
        const c = chosen(choose({ members: [leader(1), m(2, { match: 95 }), m(3, { match: 99 }), m(4), m(5)], leaderCommit: 100, joinerId: 6 }));
        assert.deepStrictEqual([c.id, c.kind], [4, "voter"]);
    });
    it("never picks the leader, the joiner, a down or a lagging member, and says why for each", () => {
        // voters 1,2,3,5,6,7 (joiner 7 included): majority 4; running and caught up: 1, 5, 6
        const r = refusal(
            choose({
                members: [leader(1), m(2, { up: false }), m(3, { match: 3 }), m(4, { isVoter: false, match: undefined }), m(5), m(6), m(7, { up: false })],
                leaderCommit: 100,
                joinerId: 7,
            }),
        );
        assert.strictEqual(r.code, "only-leader-can-donate");
        for (const re of [
            /2 is down/,
            /3 is not caught up \(match 3, commit 100\)/,
            /4 is not caught up \(no match known\)/,
            /stopping voter 5 would leave 2 of 6 voters/,
        ])
            assert.match(r.message, re);
    });
    it("refuses a voter whose stop would lose the majority, counting a voter-joiner and down voters", () => {
        const r = refusal(choose({ members: [leader(1), m(2), m(3, { up: false }), m(4, { match: 0 })], leaderCommit: 100, joinerId: 4 }));
        assert.match(r.message, /stopping voter 2 would leave 1 of 4 voters/);
        assert.match(r.message, /allowWriteOutageForSync/);
    });
    it("a one-node cluster: refused unless allowWriteOutageForSync, and the message names it", () => {
        const r = refusal(choose({ members: [leader(1)], leaderCommit: 5, joinerId: 2 }));
        assert.strictEqual(r.code, "only-leader-can-donate");
        assert.match(r.message, /only the leader \(1\)/);
        assert.match(r.message, /set allowWriteOutageForSync/);
        const c = chosen(choose({ members: [leader(1)], leaderCommit: 5, joinerId: 2, allowWriteOutageForSync: true }));
        assert.deepStrictEqual([c.id, c.kind], [1, "leader"]);
    });
    it("refuses without a leader that is up", () => {
        const r = refusal(choose({ members: [m(1), m(2)], leaderCommit: 5, joinerId: 3 }));
        assert.strictEqual(r.code, "no-leader");
        assert.match(r.message, /no leader/);
    });
    it("maxLag decides what caught up means", () => {
        const members = [leader(1), m(2, { isVoter: false, match: 90 }), m(3), m(4)];
        assert.strictEqual(chosen(choose({ members, leaderCommit: 100, joinerId: 5 })).id, 2); // default maxLag 10
        assert.strictEqual(chosen(choose({ members, leaderCommit: 100, joinerId: 5, maxLag: 10 })).id, 2);
        assert.strictEqual(chosen(choose({ members, leaderCommit: 100, joinerId: 5, maxLag: 9 })).id, 3);
    });
});

describe("donor choice: only a copy source donates", () => {
    it("a member that did not start from a copy (or the stack does not know) is never chosen, however caught up; another is", () => {
        const c = chosen(
            choose({ members: [leader(1), m(2), m(3, { isVoter: false, copySource: false }), m(4, { isVoter: false })], leaderCommit: 100, joinerId: 5 }),
        );
        assert.deepStrictEqual([c.id, c.kind], [4, "learner"], "learner 3 is caught up but did not start from a copy: learner 4 donates");
        assert.strictEqual(chosen(choose({ members: [leader(1), m(2, { copySource: false }), m(3), m(4)], leaderCommit: 100, joinerId: 5 })).id, 3);
    });
    it("refuses, saying why, when only such members could donate; with allowWriteOutageForSync the leader donates only if it is a copy source", () => {
        const members = [leader(1), m(2, { isVoter: false, copySource: false }), m(3, { isVoter: false, copySource: false })];
        const r = refusal(choose({ members, leaderCommit: 100, joinerId: 4 }));
        assert.strictEqual(r.code, "only-leader-can-donate");
        assert.match(r.message, /2 did not start from a copy \(or the stack does not know it\), so it is never a copy source/);
        assert.strictEqual(chosen(choose({ members, leaderCommit: 100, joinerId: 4, allowWriteOutageForSync: true })).kind, "leader");
        const unknownLeader = [{ ...leader(1), copySource: false }, m(2, { isVoter: false, copySource: false })];
        const u = refusal(choose({ members: unknownLeader, leaderCommit: 100, joinerId: 4, allowWriteOutageForSync: true }));
        assert.strictEqual(u.code, "no-copy-source");
        assert.match(u.message, /the leader \(1\) did not start from a copy .*never a copy source either/);
    });
});

describe("donor choice: properties", () => {
    const arb = fc
        .uniqueArray(
            fc.record({
                id: fc.integer({ min: 1, max: 9 }),
                isVoter: fc.boolean(),
                up: fc.boolean(),
                match: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
                copySource: fc.boolean(),
            }),
            { selector: (x) => x.id, minLength: 1, maxLength: 7 },
        )
        .chain((ms) =>
            fc.record({
                ms: fc.constant(ms),
                leaderIdx: fc.integer({ min: 0, max: ms.length - 1 }),
                joinerId: fc.integer({ min: 1, max: 10 }),
                commit: fc.integer({ min: 0, max: 120 }),
                maxLag: fc.integer({ min: 0, max: 20 }),
                allow: fc.boolean(),
            }),
        );

    it("a chosen donor is safe to stop; a refusal happens only when no non-leader is", () => {
        fc.assert(
            fc.property(arb, ({ ms, leaderIdx, joinerId, commit, maxLag, allow }) => {
                const members: Member[] = ms.map((x, i) => (i === leaderIdx ? { ...x, isLeader: true, isVoter: true, up: true } : { ...x, isLeader: false }));
                const ok = (x: Member) => x.up && (x.isLeader || (x.match !== undefined && commit - x.match <= maxLag));
                const voters = members.filter((x) => x.isVoter);
                const need = majority(voters.length);
                const safe = members.filter((x) => {
                    if (x.isLeader || x.id === joinerId || !ok(x) || !x.copySource) return false;
                    if (!x.isVoter) return true;
                    return voters.filter((v) => v.id !== joinerId && v.id !== x.id && ok(v)).length >= need;
                });
                const v = choose({ members, leaderCommit: commit, joinerId, maxLag, allowWriteOutageForSync: allow });
                if (!v.ok) {
                    assert.strictEqual(safe.length, 0, `refused although ${safe.map((x) => x.id)} could donate: ${refusalText(v)}`);
                    const leaderIsSource = members[leaderIdx].copySource;
                    assert.ok(!allow || !leaderIsSource);
                    assert.strictEqual(v.code, leaderIsSource ? "only-leader-can-donate" : "no-copy-source");
                    if (leaderIsSource) assert.match(refusalText(v), /allowWriteOutageForSync/);
                    return;
                }
                const choice = v.donor;
                if (choice.kind === "leader") {
                    assert.ok(allow && members[leaderIdx].copySource);
                    assert.strictEqual(safe.length, 0);
                    return;
                }
                assert.ok(
                    safe.some((x) => x.id === choice.id),
                    `chose ${choice.id}, safe were ${safe.map((x) => x.id)}`,
                );
                assert.notStrictEqual(choice.id, joinerId);
                // learners first
                if (safe.some((x) => !x.isVoter)) assert.strictEqual(choice.kind, "learner");
            }),
            { numRuns: 500 },
        );
    });
});
