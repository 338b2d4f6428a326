// Typed decisions, in the shape of etcd's membership errors
// (server/etcdserver/api/membership/errors.go: comparable values such as
// ErrIDRemoved): a gate either passes, saying why, or refuses with a code a
// caller can compare, why, and the fix that is true for the situation.
// Pure: the gates (core/membership.ts), the donor choice (core/donor.ts) and
// the planner (core/changePlan.ts) return verdicts; only a provider's boundary
// turns a refusal into an error (`RefusedError`), and only once.

/** Why a change was refused: one code per rule, compared by callers and tests. */
export type RefusalCode =
    /** The cluster has no leader (or none that is up). */
    | "no-leader"
    /** Fewer than a majority of the voters are up. */
    | "no-quorum"
    /** A voter is down or behind, so another voter may not join. */
    | "voters-lagging"
    /** With the added voter, the voters up would not be a majority. */
    | "quorum-after-add"
    /** The node is the last voter. */
    | "last-voter"
    /** The voters left after a removal would not have a majority up. */
    | "quorum-after-removal"
    /** A removal would go below `minVoters`. */
    | "below-min-voters"
    /** Only the leader could donate its data directory (a write outage). */
    | "only-leader-can-donate"
    /** No member that may donate (a bootstrap member or a node started from a copy) can: the leader is none either. */
    | "no-copy-source"
    /** A node is a member at another address than the stack declares. */
    | "member-elsewhere"
    /** A cluster-wide roll on a cluster without a leader or with a voter down or behind. */
    | "cluster-unhealthy"
    /** A member's match stays frozen below the commit: it needs a fresh copy. */
    | "cannot-catch-up";

export interface Pass {
    readonly ok: true;
    readonly why: string;
}

export interface Refusal<C extends RefusalCode = RefusalCode> {
    readonly ok: false;
    readonly code: C;
    readonly why: string;
    /** What the user does about it (may be empty when there is nothing to do but wait). */
    readonly fix: string;
}

export type Verdict<C extends RefusalCode = RefusalCode> = Pass | Refusal<C>;

export function pass(why: string): Pass {
    return { ok: true, why };
}

export function refuse<C extends RefusalCode>(code: C, why: string, fix: string): Refusal<C> {
    return { ok: false, code, why, fix };
}

/** A refusal as the user reads it: "why: fix". */
export function refusalText(r: Refusal): string {
    return r.fix ? `${r.why}: ${r.fix}` : r.why;
}

/**
 * The one error a refusal becomes, at a provider's boundary (or where an adapter
 * stops a change). `what` names the change ("removing node 3"); the message is
 * "refusing <what>: <why>: <fix>". Never retried.
 */
export interface RefusedError extends Error {
    readonly name: "RefusedError";
    readonly code: RefusalCode;
    readonly why: string;
    readonly fix: string;
}

/**
 * A RefusedError. A plain Error with the refusal's fields, not a class: Pulumi's closure
 * serializer rewrites `class ... extends Error` so that `super(message)` no longer sets the
 * message (a provider then threw an error whose message was undefined).
 */
export function refusedError(what: string, r: Refusal): RefusedError {
    const e = new Error(`refusing ${what}: ${refusalText(r)}`);
    e.name = "RefusedError";
    return Object.assign(e, { code: r.code, why: r.why, fix: r.fix }) as RefusedError;
}

/** Returns the pass (with whatever it carries); throws a refusal as a RefusedError naming `what`. */
export function must<V extends Pass | Refusal>(what: string, v: V): Extract<V, Pass> {
    if (!v.ok) throw refusedError(what, v as Refusal);
    return v as Extract<V, Pass>;
}

/** True for a RefusedError. */
export function isRefused(e: unknown): e is RefusedError {
    return e instanceof Error && e.name === "RefusedError" && "code" in e;
}
