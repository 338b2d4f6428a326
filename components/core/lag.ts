// Pure: is a member keeping up with the leader? Judged by NUMBERS only.
//
// Why numbers and never the progress state name (see
// docs/tugraph-facts.md, "A joiner that cannot catch up"):
// TuGraph never sends raft snapshots, so the leader's progress for a joiner on
// an empty disk never enters StateSnapshot. The joiner bootstraps its own log
// from its init peers and acks that small index; the leader's `match` for it
// stays frozen there, below the leader's `commit`, while its state shows
// mostly StateReplicate. So:
//
// - caught-up:       match has reached the leader's commit (or is within
//                    `bound` of it while the commit moves and match follows),
//                    and, when we asked the member itself, its own applied is
//                    within `bound` of the leader's commit;
// - catching-up:     behind, but match advanced between two samples of the
//                    same leader (or it holds the log and is still applying);
// - cannot-catch-up: behind at an earlier sample and match has not advanced
//                    since: TuGraph has no snapshots, the fix is a copy of a
//                    healthy member's data directory (or its removal); or its
//                    match is below the leader's `raftlog.first`: the leader
//                    compacted away the entries it needs (it compacts when
//                    applied - first >= keep_logs + 100000, whatever its
//                    followers' progress), and nothing is ever sent to it again;
// - unknown:         not enough numbers to tell (one sample that shows it
//                    behind, no progress for it, or it did not answer: a
//                    member that is down is not judged by frozen numbers).
//
// Plain functions and data only: the membership providers' closure
// serializer inlines this module (through boltAdmin.laggingFromStatus).

export type LagState = "caught-up" | "catching-up" | "cannot-catch-up" | "unknown";

/** The parts of the LEADER's getRaftStatus this needs (boltAdmin's RaftStatus fits). */
export interface LeaderSample {
    readonly id: number;
    readonly commit: number;
    /** raftlog.first: the last index the leader compacted away, 0 (or absent) while its log was never compacted. */
    readonly first?: number;
    readonly progress: Readonly<Record<number, { readonly match: number }>>;
}

/** A member's own getRaftStatus numbers; null: it was asked and did not answer. */
export interface OwnSample {
    readonly applied: number;
    readonly commit: number;
}

export interface LagInput {
    /** The leader's status now. */
    readonly leader: LeaderSample;
    /** An earlier status of the same leader (ignored if another node led then), at least a heartbeat before. */
    readonly earlier?: LeaderSample;
    /** Members' own numbers, by id; a missing id was not asked, null means no answer. */
    readonly own?: Readonly<Record<number, OwnSample | null>>;
    /** Entries a member may be behind while the commit moves (in flight); default DEFAULT_LAG_BOUND. */
    readonly bound?: number;
}

export interface MemberLag {
    readonly id: number;
    readonly state: LagState;
    readonly match?: number; // the leader's match for it
    readonly behind?: number; // leader commit - match (>= 0)
    /** cannot-catch-up only: "compacted" (match below the leader's raftlog.first: final at once) or "frozen" (match stayed below the commit). */
    readonly cause?: "compacted" | "frozen";
    readonly reason: string; // why, naming the fix when there is one
}

export const DEFAULT_LAG_BOUND = 8;

export const LAG_FIX = "TuGraph has no raft snapshots: start it from a copy of a healthy member's data directory (raftlog included), or remove it";

/** Classifies one member from the leader's numbers (and its own, when given). */
export function classifyMember(id: number, input: LagInput): MemberLag {
    const { leader } = input;
    const bound = Math.max(0, input.bound ?? DEFAULT_LAG_BOUND);
    const commit = leader.commit;
    if (id === leader.id) return { id, state: "caught-up", reason: "the leader" };
    const p = leader.progress[id];
    if (!p) return { id, state: "unknown", reason: "the leader has no progress for it (not a member of its configuration, or leadership just changed)" };
    const match = p.match;
    const behind = Math.max(0, commit - match);
    const earlier = input.earlier && input.earlier.id === leader.id ? input.earlier : undefined;
    const before = earlier?.progress[id];
    const own = input.own?.[id];
    const at = { id, match, behind };

    // Below the leader's first index: the entries it needs were compacted away and TuGraph
    // sends no snapshots, so it can never catch up, whatever it does. A match of 0 is also
    // what a new leader shows before it heard from a member: it counts only when the member
    // answers and a second sample of the same leader still shows it below first.
    const first = leader.first ?? 0;
    if (first > 0 && match < first && (match > 0 || (own !== null && before !== undefined && before.match < first))) {
        return {
            ...at,
            state: "cannot-catch-up",
            cause: "compacted",
            reason: `match ${match} is below the leader's raftlog.first ${first}: the leader compacted away the entries it needs; ${LAG_FIX}`,
        };
    }
    if (own === null) {
        // Down or hanging: frozen numbers say nothing about whether it could catch up once back.
        return { ...at, state: "unknown", reason: `it did not answer (the leader's match for it ${match}, commit ${commit})` };
    }
    if (before !== undefined && behind > 0 && before.match < earlier!.commit && match <= before.match) {
        return {
            ...at,
            state: "cannot-catch-up",
            cause: "frozen",
            reason: `match ${match} stayed below the leader's commit ${commit} between two samples; ${LAG_FIX}`,
        };
    }
    if (behind > 0) {
        if (before === undefined) {
            return {
                ...at,
                state: "unknown",
                reason: `match ${match} is ${behind} behind the leader's commit ${commit}; one sample cannot tell whether it advances`,
            };
        }
        const commitMoved = commit > earlier!.commit;
        if (match <= before.match) {
            // Caught up at the earlier sample, behind now: the commit moved on under it.
            return {
                ...at,
                state: "unknown",
                reason: `match ${match} is ${behind} behind the leader's commit ${commit}, which moved since the earlier sample`,
            };
        }
        if (!commitMoved || behind > bound) {
            return { ...at, state: "catching-up", reason: `match ${before.match} -> ${match}, ${behind} behind the leader's commit ${commit}` };
        }
        // Behind by what is in flight while the commit moves: fall through to the own check.
    }
    if (own !== undefined && commit - own.applied > bound) {
        return { ...at, state: "catching-up", reason: `it has the log (match ${match}) but has applied only ${own.applied} of the leader's commit ${commit}` };
    }
    return {
        ...at,
        state: "caught-up",
        reason:
            behind === 0 ? `match ${match} at the leader's commit ${commit}` : `match ${match} within ${bound} of the leader's commit ${commit} and advancing`,
    };
}

/** Every member in the leader's progress, by id (the leader included: caught up). */
export function classifyLag(input: LagInput): MemberLag[] {
    const ids = new Set(Object.keys(input.leader.progress).map(Number));
    ids.add(input.leader.id);
    return [...ids].sort((a, b) => a - b).map((id) => classifyMember(id, input));
}

/** Ids (sorted) the numbers do not show caught up: what the membership gates count as down. */
export function notCaughtUp(input: LagInput): number[] {
    return classifyLag(input)
        .filter((m) => m.state !== "caught-up")
        .map((m) => m.id);
}
