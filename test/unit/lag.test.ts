// core/lag.ts: members judged by numbers (match vs the leader's commit, over
// samples), never by the progress state name. Examples from the facts file's
// "How a joiner that cannot catch up looks", then properties.
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { classifyLag, classifyMember, DEFAULT_LAG_BOUND, LagInput, LeaderSample, notCaughtUp } from "../../components/core/lag";
import { laggingFromStatus, parseRaftStatus, RaftStatus } from "../../components/adapters/boltAdmin";

type Progress = Record<number, { match: number; next: number; state: string }>;
const leaderStatus = (commit: number, progress: Progress, id = 1): RaftStatus => ({
    id,
    lead: id,
    term: 3,
    commit,
    applied: commit,
    raftState: "StateLeader",
    lastIndex: commit,
    first: 0,
    progress,
});
const pr = (match: number, state = "StateReplicate") => ({ match, next: match + 1, state });

describe("lag by numbers (core/lag.ts)", () => {
    it("the facts file's joiner: mostly StateReplicate, match frozen at its bootstrap index 4 below commit -> lagging now, cannot catch up over two samples", () => {
        const earlier = leaderStatus(40, { 1: pr(40), 2: pr(40), 3: pr(40), 4: pr(4, "StateReplicate") });
        const now = leaderStatus(41, { 1: pr(41), 2: pr(41), 3: pr(41), 4: pr(4, "StateReplicate") });
        // One sample: the state name says replicating, the numbers say behind.
        assert.deepStrictEqual(laggingFromStatus(now), [4]);
        assert.equal(classifyMember(4, { leader: now }).state, "unknown");
        const j = classifyMember(4, { leader: now, earlier, own: { 4: { applied: 4, commit: 4 } } });
        assert.equal(j.state, "cannot-catch-up");
        assert.equal(j.behind, 37);
        assert.match(j.reason, /match 4 stayed below the leader's commit 41 between two samples/);
        assert.match(j.reason, /copy of a healthy member's data directory/);
        assert.deepStrictEqual(
            classifyLag({ leader: now, earlier }).map((m) => [m.id, m.state]),
            [
                [1, "caught-up"],
                [2, "caught-up"],
                [3, "caught-up"],
                [4, "cannot-catch-up"],
            ],
        );
    });

    it("compaction: a match below the leader's raftlog.first can never catch up, from one sample; first 0 means never compacted", () => {
        const compacted = (commit: number, first: number, progress: Progress): RaftStatus => ({ ...leaderStatus(commit, progress), first });
        // Node 3 was down while the leader compacted past its match: final at once, even when it does not answer now.
        const now = compacted(250_000, 120_000, { 1: pr(250_000), 2: pr(249_990), 3: pr(110_000, "StateProbe") });
        const j = classifyMember(3, { leader: now });
        assert.equal(j.state, "cannot-catch-up");
        assert.equal(j.cause, "compacted");
        assert.match(j.reason, /match 110000 is below the leader's raftlog\.first 120000: the leader compacted away the entries it needs/);
        assert.equal(classifyMember(3, { leader: now, own: { 3: null } }).state, "cannot-catch-up");
        // A member at or above first is judged as before (node 2 is in flight).
        assert.notEqual(classifyMember(2, { leader: now }).state, "cannot-catch-up");
        // The same numbers with first 0 (never compacted): one sample cannot tell.
        assert.equal(classifyMember(3, { leader: { ...now, first: 0 } }).state, "unknown");
        // match 0 is also what a new leader shows before it heard from a member: not final from one sample, nor for a member that does not answer...
        const fresh = compacted(250_000, 120_000, { 1: pr(250_000), 2: pr(0, "StateProbe") });
        assert.equal(classifyMember(2, { leader: fresh }).state, "unknown");
        assert.equal(classifyMember(2, { leader: fresh, earlier: fresh, own: { 2: null } }).state, "unknown");
        // ...but a member that answers and stays at 0 below first over two samples of that leader is stranded.
        const again = compacted(250_010, 120_000, { 1: pr(250_010), 2: pr(0, "StateProbe") });
        const k = classifyMember(2, { leader: again, earlier: fresh });
        assert.deepStrictEqual([k.state, k.cause], ["cannot-catch-up", "compacted"]);
        // parseRaftStatus reads raftlog.first (0 while never compacted).
        assert.equal(parseRaftStatus(JSON.stringify({ id: "1", raftlog: { first: 0, last: 9 } })).first, 0);
        assert.equal(parseRaftStatus(JSON.stringify({ id: "1", raftlog: { first: 120000, last: 250000 } })).first, 120000);
    });

    it("a young cluster: the joiner is only 1 behind (commit 5, match 4) and is still not caught up", () => {
        const now = leaderStatus(5, { 1: pr(5), 2: pr(5), 3: pr(5), 4: pr(4) });
        assert.deepStrictEqual(laggingFromStatus(now), [4]);
        // it just acked for the first time: advancing but at rest, so catching up, not caught up
        const first = leaderStatus(5, { 1: pr(5), 2: pr(5), 3: pr(5), 4: pr(0, "StateProbe") });
        assert.equal(classifyMember(4, { leader: now, earlier: first }).state, "catching-up");
        // and at the next sample it is frozen
        assert.equal(classifyMember(4, { leader: now, earlier: now }).state, "cannot-catch-up");
    });

    it("a healthy follower in StateProbe at the commit is caught up (the state name is not used)", () => {
        const now = leaderStatus(41, { 1: pr(41), 2: pr(41, "StateProbe"), 3: pr(41, "StateSnapshot") });
        assert.deepStrictEqual(laggingFromStatus(now), []);
        // the older test status: 11 behind in StateProbe, 12 at the commit in StateProbe
        const st = parseRaftStatus(
            JSON.stringify({
                applied: 41,
                commit: 41,
                id: "a",
                lead: "a",
                raftState: "StateLeader",
                term: 7,
                progress: { 1: pr(41), a: pr(41), b: pr(12, "StateProbe"), c: pr(41, "StateProbe") },
                raftlog: { first: 1, last: 41 },
            }),
        );
        assert.deepStrictEqual(laggingFromStatus(st), [11]);
        assert.deepStrictEqual(laggingFromStatus({ ...st, raftState: "StateFollower" }), []);
    });

    it("under write load: behind by what is in flight while match follows the moving commit is caught up; far behind is catching up", () => {
        const earlier = leaderStatus(100, { 1: pr(100), 2: pr(97), 3: pr(60) });
        const now = leaderStatus(130, { 1: pr(130), 2: pr(127), 3: pr(90) });
        const by = Object.fromEntries(classifyLag({ leader: now, earlier }).map((m) => [m.id, m.state]));
        assert.deepStrictEqual(by, { 1: "caught-up", 2: "caught-up", 3: "catching-up" });
        // caught up before, the commit moved on under it: cannot tell yet
        assert.equal(classifyMember(2, { leader: now, earlier: leaderStatus(100, { 1: pr(100), 2: pr(127) }) }).state, "unknown");
        assert.equal(classifyMember(2, { leader: leaderStatus(130, { 2: pr(100) }), earlier: leaderStatus(100, { 2: pr(100) }) }).state, "unknown");
    });

    it("its own applied must follow: holding the log but applying slowly is catching up", () => {
        const now = leaderStatus(200, { 1: pr(200), 2: pr(200) });
        assert.equal(classifyMember(2, { leader: now, own: { 2: { applied: 200 - DEFAULT_LAG_BOUND, commit: 200 } } }).state, "caught-up");
        const slow = classifyMember(2, { leader: now, own: { 2: { applied: 150, commit: 200 } } });
        assert.equal(slow.state, "catching-up");
        assert.match(slow.reason, /applied only 150 of the leader's commit 200/);
    });

    it("no answer, no progress, another leader's sample: unknown, never caught up", () => {
        const now = leaderStatus(50, { 1: pr(50), 2: pr(50), 3: pr(10) });
        const earlier = leaderStatus(50, { 1: pr(50), 2: pr(50), 3: pr(10) });
        assert.equal(classifyMember(2, { leader: now, own: { 2: null } }).state, "unknown");
        // down and frozen: not "cannot catch up" (a restarted member catches up from the log)
        const down = classifyMember(3, { leader: now, earlier, own: { 3: null } });
        assert.equal(down.state, "unknown");
        assert.match(down.reason, /did not answer/);
        assert.equal(classifyMember(9, { leader: now }).state, "unknown");
        assert.equal(classifyMember(3, { leader: now, earlier: { ...earlier, id: 2 } }).state, "unknown");
    });
});

// ---------------------------------------------------------------- properties
const STATES = ["StateProbe", "StateReplicate", "StateSnapshot", "", "whatever"];
const sample = fc
    .record({
        commit: fc.integer({ min: 0, max: 1000 }),
        members: fc.uniqueArray(fc.integer({ min: 2, max: 20 }), { maxLength: 8 }),
    })
    .chain(({ commit, members }) =>
        fc.record({
            commit: fc.constant(commit),
            matches: fc.tuple(...members.map((id) => fc.tuple(fc.constant(id), fc.integer({ min: 0, max: commit + 3 }), fc.constantFrom(...STATES)))),
        }),
    );
const toLeader = (s: { commit: number; matches: [number, number, string][] }, id = 1): LeaderSample & { progress: Progress } => ({
    id,
    commit: s.commit,
    progress: Object.fromEntries([[id, pr(s.commit)], ...s.matches.map(([m, match, state]) => [m, pr(match, state)])]),
});

describe("lag by numbers: properties", () => {
    it("the state names never matter", () => {
        fc.assert(
            fc.property(sample, sample, fc.constantFrom(...STATES), (a, b, other) => {
                const input: LagInput = { leader: toLeader(a), earlier: toLeader(b) };
                const renamed = (l: LeaderSample & { progress: Progress }) => ({
                    ...l,
                    progress: Object.fromEntries(Object.entries(l.progress).map(([k, p]) => [k, { ...p, state: other }])),
                });
                assert.deepStrictEqual(classifyLag({ leader: renamed(input.leader as any), earlier: renamed(input.earlier as any) }), classifyLag(input));
            }),
        );
    });

    it("one sample: caught up exactly when match has reached the commit; the leader always is", () => {
        fc.assert(
            fc.property(sample, (a) => {
                const leader = toLeader(a);
                for (const m of classifyLag({ leader })) {
                    const match = leader.progress[m.id].match;
                    assert.equal(m.state === "caught-up", m.id === 1 || match >= a.commit, `${m.id}: ${m.reason}`);
                    assert.notEqual(m.state, "cannot-catch-up");
                }
                assert.deepStrictEqual(
                    notCaughtUp({ leader }),
                    a.matches
                        .filter(([, match]) => match < a.commit)
                        .map(([id]) => id)
                        .sort((x, y) => x - y),
                );
            }),
        );
    });

    it("two samples: behind and not advancing is cannot-catch-up unless it did not answer; advancing is never cannot-catch-up", () => {
        fc.assert(
            fc.property(sample, fc.integer({ min: 0, max: 50 }), fc.array(fc.integer({ min: 0, max: 30 })), fc.boolean(), (a, commitGain, gains, answered) => {
                const earlier = toLeader(a);
                const later = toLeader({ commit: a.commit + commitGain, matches: a.matches.map(([id, match, st], k) => [id, match + (gains[k] ?? 0), st]) });
                const own = Object.fromEntries(a.matches.map(([id]) => [id, answered ? { applied: later.commit, commit: later.commit } : null]));
                for (const m of classifyLag({ leader: later, earlier, own })) {
                    if (m.id === 1) continue;
                    const before = earlier.progress[m.id].match;
                    const now = later.progress[m.id].match;
                    if (!answered) assert.equal(m.state, "unknown");
                    else if (now < later.commit && before < earlier.commit && now === before) assert.equal(m.state, "cannot-catch-up", m.reason);
                    if (now > before) assert.notEqual(m.state, "cannot-catch-up");
                    if (m.state === "caught-up") assert.ok(later.commit - now <= DEFAULT_LAG_BOUND);
                    if (m.state === "cannot-catch-up") assert.match(m.reason, /data directory/);
                }
            }),
        );
    });

    it("a sample of another leader is ignored", () => {
        fc.assert(
            fc.property(sample, sample, (a, b) => {
                assert.deepStrictEqual(classifyLag({ leader: toLeader(a), earlier: toLeader(b, 7) }), classifyLag({ leader: toLeader(a) }));
            }),
        );
    });
});
