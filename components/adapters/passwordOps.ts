// The admin password on a live cluster: what the AdminPassword provider runs.
// TuGraph's `CALL dbms.security.changePassword(old, new)` changes the password of
// the session's user; run on the leader, it is replicated to every member.
// Passwords travel as query PARAMETERS (never in the statement text) and never
// appear in a message: every error and progress line is scrubbed of all of them.
// Plain functions (closure-serialized with the provider).

import { adminError, discover, runCall, scrub, withLeader, type AdminError, type AdminOptions } from "./boltAdmin";

/** What a fresh TuGraph (and a fresh simulator) has for `admin`. */
export const TUGRAPH_DEFAULT_PASSWORD = "73@TuGraph";

export interface ConvergeResult {
    /** "desired": nothing to do; "previous": changed from a password recorded in state; "default": changed from TuGraph's default. */
    readonly from: "desired" | "previous" | "default";
    readonly note: string;
}

function scrubAll(text: string, passwords: readonly string[]): string {
    // Longest first: a password that contains another is removed whole.
    return [...passwords].sort((a, b) => b.length - a.length).reduce((t, p) => scrub(t, p), text);
}

function pause(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Errors and progress of `o` with every one of `passwords` removed. */
function scrubbed(o: AdminOptions, passwords: readonly string[]): AdminOptions {
    const log = o.log;
    return { ...o, log: log ? (m: string) => log(scrubAll(m, passwords)) : undefined };
}

function rethrowScrubbed(e: unknown, passwords: readonly string[]): never {
    const err = e as AdminError;
    if (err && typeof err.message === "string") {
        err.message = scrubAll(err.message, passwords);
        if (typeof err.stack === "string") err.stack = scrubAll(err.stack, passwords);
        throw err;
    }
    throw adminError("server", scrubAll(String(e), passwords));
}

/** Logs in with `password`: true when a leader is found (the password works), false on an authentication failure. */
async function works(o: AdminOptions, password: string): Promise<boolean> {
    try {
        await withLeader({ ...o, password }, "checking the admin password", async () => undefined);
        return true;
    } catch (e) {
        if ((e as AdminError).kind === "auth") return false;
        throw e;
    }
}

/**
 * After a change on the leader: waits until every member that answers accepts
 * `password` (the change is replicated; a follower that has not applied it yet
 * would refuse the membership calls that follow), within the operation's time.
 */
async function waitAccepted(o: AdminOptions, password: string, deadlineAt: number): Promise<void> {
    for (;;) {
        try {
            const d = await discover({ ...o, password, deadlineAt });
            if (d.reachable.length > 0) return;
        } catch (e) {
            if ((e as AdminError).kind !== "auth") throw e;
            if (Date.now() + 200 >= deadlineAt) {
                throw adminError(
                    "not-applied",
                    `the new admin password was set on the leader, but ${(e as AdminError).address ?? "a member"} did not accept it within ${o.totalTimeoutMs} ms (not replicated yet): run \`pulumi up\` again`,
                );
            }
        }
        await pause(200);
    }
}

/**
 * Makes `desired` the password of `o.user`: tries `desired` first (nothing to
 * do when it works), then each of `previous` (passwords recorded in state,
 * newest first), then TuGraph's default; the first one the cluster accepts is
 * changed to `desired` on the leader. A change whose answer was lost is judged
 * by logging in with `desired` again, so it is never repeated blindly.
 */
export async function convergePassword(o: AdminOptions, desired: string, previous: readonly string[]): Promise<ConvergeResult> {
    const candidates = [...new Set([...previous, TUGRAPH_DEFAULT_PASSWORD])].filter((p) => p && p !== desired);
    const all = [desired, ...candidates];
    const deadlineAt = Math.min(o.deadlineAt ?? Infinity, Date.now() + o.totalTimeoutMs);
    const so = { ...scrubbed(o, all), deadlineAt };
    try {
        if (await works(so, desired)) return { from: "desired", note: "the cluster already has the configured password: nothing changed" };
        for (const old of candidates) {
            if (!(await works(so, old))) continue;
            const from = old === TUGRAPH_DEFAULT_PASSWORD && !previous.includes(old) ? "default" : "previous";
            try {
                await withLeader({ ...so, password: old }, `changing the admin password of user '${o.user}'`, async (d, ob) => {
                    await runCall(ob, d.leaderAddress, "changePassword", "CALL dbms.security.changePassword($old, $new)", { old, new: desired });
                });
            } catch (e) {
                // The change may have applied although its answer was lost (then the old password is refused).
                if (!(await works(so, desired).catch(() => false))) throw e;
            }
            await waitAccepted(so, desired, deadlineAt);
            return {
                from,
                note:
                    from === "default"
                        ? `changed from TuGraph's default to the configured password on the leader (replicated) at ${new Date().toISOString()}`
                        : `rotated from the previous password to the configured one on the leader (replicated) at ${new Date().toISOString()}`,
            };
        }
        throw adminError(
            "auth",
            `the cluster accepts neither the configured admin password of user '${o.user}', nor the previous one(s) recorded in the stack's state, ` +
                `nor TuGraph's default (asked: ${o.seeds.join(", ")}): its password was changed outside the stack. Fix: set tugraph:adminPassword to the ` +
                `password the cluster has now (\`pulumi config set --secret tugraph:adminPassword <current>\`) and run \`pulumi up\`; then set the one you want and run \`pulumi up\` again`,
        );
    } catch (e) {
        rethrowScrubbed(e, all);
    }
}

/**
 * Which of `passwords` the cluster accepts now (read-only, for refresh): its
 * index, -1 when none, or undefined when no member answered.
 */
export async function acceptedPassword(o: AdminOptions, passwords: readonly string[]): Promise<number | undefined> {
    const so = scrubbed(o, passwords);
    try {
        for (let i = 0; i < passwords.length; i++) {
            try {
                const d = await discover({ ...so, password: passwords[i], deadlineAt: Date.now() + o.totalTimeoutMs });
                if (d.reachable.length === 0) return undefined;
                return i;
            } catch (e) {
                if ((e as AdminError).kind !== "auth") throw e;
            }
        }
        return -1;
    } catch (e) {
        rethrowScrubbed(e, passwords);
    }
}
