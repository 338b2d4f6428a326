// The admin password on a live cluster: what the AdminPassword provider runs.
// TuGraph's `CALL dbms.security.changePassword(old, new)` changes the password of
// the session's user; run on the leader, it is replicated to every member.
//
// TuGraph logs every refused Bolt login WITH the attempted password in clear
// (docs/tugraph-facts.md). So these functions log in only with a password known to
// be current: the one the resource's state records, TuGraph's default on a cluster
// the stack just created, or the one the previous step has just set. They never try
// a list of candidates. Passwords travel as query PARAMETERS (never in the statement
// text) and never appear in a message: every error and progress line is scrubbed.
// Plain functions (closure-serialized with the provider).

import {
    adminError,
    checkLeaderSettled,
    discover,
    getRaftStatus,
    isAdminError,
    runCall,
    scrub,
    withLeader,
    type AdminError,
    type AdminOptions,
} from "./boltAdmin";

/** What a fresh TuGraph (and a fresh simulator) has for `admin`. */
export const TUGRAPH_DEFAULT_PASSWORD = "73@TuGraph";

/** After every member has the change in its log: time for its apply (the next heartbeats carry the commit). */
const APPLY_SETTLE_MS = 1000;

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

/** Whether the cluster accepts `password` (read-only): "accepted", "refused", or "unreachable" when no member answered. */
export async function checkPassword(o: AdminOptions, password: string): Promise<"accepted" | "refused" | "unreachable"> {
    const so = scrubbed(o, [password]);
    try {
        const d = await discover({ ...so, password, deadlineAt: Math.min(o.deadlineAt ?? Infinity, Date.now() + o.totalTimeoutMs) });
        return d.reachable.length === 0 ? "unreachable" : "accepted";
    } catch (e) {
        if (isAdminError(e, "auth")) return "refused";
        rethrowScrubbed(e, [password]);
    }
}

/**
 * After the change on the leader (which applied it before answering): waits until
 * the leader shows every member that was up at the change (`skip`: the ones the
 * discovery saw down or behind) holding the change in its log (match >= the leader's
 * commit after the change), then lets their apply settle. Only the leader is asked
 * with the new password: a member that has not applied it would log the refused
 * password, and a member that was down applies it from the log when it is back.
 */
async function waitReplicated(o: AdminOptions, leaderAddress: string, password: string, skip: readonly number[], deadlineAt: number): Promise<void> {
    const po = { ...o, password, deadlineAt };
    const target = (await getRaftStatus(po, leaderAddress)).commit;
    for (;;) {
        const st = await getRaftStatus(po, leaderAddress).catch(() => undefined);
        const behind = st ? Object.entries(st.progress).filter(([id, p]) => p.match < target && !skip.includes(Number(id))) : [];
        if (st && st.raftState === "StateLeader" && behind.length === 0) break;
        if (Date.now() + 200 >= deadlineAt) {
            throw adminError(
                "not-applied",
                `the new admin password was set on the leader, but ${st ? `member(s) ${behind.map(([id]) => id).join(", ")} did not receive it` : "the leader stopped answering"} ` +
                    `within ${o.totalTimeoutMs} ms (not replicated yet): run \`pulumi up\` again`,
            );
        }
        await pause(200);
    }
    await pause(Math.min(APPLY_SETTLE_MS, Math.max(0, deadlineAt - Date.now() - 500)));
}

/**
 * Changes the password of `o.user` from `current` (known to be the cluster's: the
 * state's, or TuGraph's default on a new cluster) to `desired`, on the leader, and
 * waits until it is replicated. Only `current` is tried before the change. A change
 * whose answer was lost is judged by logging in with `current` again (accepted: not
 * applied, so it is made again; refused: applied): never by trying `desired`.
 * `what` names `current` in messages ("TuGraph's default", "the password recorded in state").
 */
export async function changeFromKnown(o: AdminOptions, current: string, desired: string, what: string): Promise<string> {
    const all = [current, desired];
    const deadlineAt = Math.min(o.deadlineAt ?? Infinity, Date.now() + o.totalTimeoutMs);
    const so = { ...scrubbed(o, all), deadlineAt };
    try {
        let leaderAddress: string | undefined;
        let down: readonly number[] = []; // members down or behind at the change: not waited for
        let sent = false; // a changePassword went out (its answer may have been lost)
        for (;;) {
            try {
                await withLeader({ ...so, password: current }, `changing the admin password of user '${o.user}'`, async (d, ob) => {
                    leaderAddress = d.leaderAddress;
                    down = d.downIds;
                    // A change whose answer was lost may still wait in the raft log (TuGraph's call then hangs, with
                    // no error): once the leader has applied its whole log, the login above has told whether it was
                    // applied (refused: applied). Only then is it proposed again, never while it may still apply.
                    if (sent) checkLeaderSettled(d);
                    sent = true;
                    await runCall(ob, d.leaderAddress, "changePassword", "CALL dbms.security.changePassword($old, $new)", { old: current, new: desired });
                });
                break;
            } catch (e) {
                if (isAdminError(e, "auth")) {
                    if (sent) break; // refused after a change whose answer was lost: the change was applied
                    throw adminError(
                        "auth",
                        `the cluster refused ${what} of user '${o.user}' (asked: ${o.seeds.join(", ")}): its password was changed outside the stack, ` +
                            `or this is not the cluster the stack created. ${NOT_TRIED} Fix: see README, Admin password (a cluster whose password is not known)`,
                        e.address,
                    );
                }
                // The answer was lost (or the call never ran): ask again, with the current password only.
                if (!sent || Date.now() + 500 >= deadlineAt) throw e;
            }
        }
        await waitReplicated(so, leaderAddress!, desired, down, deadlineAt);
        return `changed from ${what} to the configured password on the leader (replicated) at ${new Date().toISOString()}`;
    } catch (e) {
        rethrowScrubbed(e, all);
    }
}

/** Said wherever tugraph-ha stops instead of trying another password. */
export const NOT_TRIED =
    "No other password was tried: TuGraph writes the password of every refused login into the node's log, so tugraph-ha logs in only with one it knows to be current.";
