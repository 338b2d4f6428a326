// The program's read-only look at the live membership, before it builds the
// cluster: the one planner (core/changePlan.ts) then checks the whole plan
// against it and orders it. Short deadlines, never a hang; an unreachable
// cluster (a first deployment, or an outage) is a note, not an error.
// It logs in only with a password known to be current (adapters/passwordVerifier.ts):
// TuGraph writes the password of every refused login into the node's log, so
// when the stack's password may not be current yet (a rotation pending, no
// record), it says so and asks nothing.
import type { ClusterConfig } from "../core/types";
import { knownVoterIds, type LiveMembership } from "../core/membership";
import type { PasswordAccess } from "./passwordVerifier";
import { adminOptions, discover, isAdminError, type AdminOptions } from "./boltAdmin";
import { accessFor } from "../core/access";
import { classifyLag, type MemberLag } from "../core/lag";

export interface LiveView {
    readonly membership?: LiveMembership;
    /** How far behind each member is, judged by numbers over two samples (only taken when someone is behind). */
    readonly lag?: readonly MemberLag[];
    readonly note?: string;
}

/**
 * `access`: a password the caller knows to be the cluster's current one (a string, or
 * passwordAccess's answer), or why there is none (then nothing is asked).
 */
export async function readLiveMembership(cfg: ClusterConfig, access: string | PasswordAccess, budgetMs = 5000): Promise<LiveView> {
    const known = typeof access === "string" ? { password: access } : access;
    if ("unknown" in known) return { note: known.unknown };
    // The stack's access spec, with short deadlines: this look must never hold the program up.
    const spec = accessFor(cfg, { adminPassword: known.password });
    const o: AdminOptions = {
        ...adminOptions(spec),
        log: undefined,
        callTimeoutMs: Math.min(2000, spec.callTimeoutMs),
        totalTimeoutMs: budgetMs,
        deadlineAt: Date.now() + budgetMs,
    };
    try {
        // Someone behind: discovery samples the leader's numbers twice, a second apart, which tells
        // "catching up" from "cannot catch up".
        const d = await discover(o, { lagSampleMs: 1000 });
        if (d.reachable.length === 0) {
            return { note: `no member answered (a first deployment, or the cluster is down): ${d.errors.slice(0, 3).join("; ")}` };
        }
        const knownVoters = knownVoterIds(cfg.nodes);
        const membership = { members: d.members, leaderId: d.leaderId, downIds: d.downIds, knownVoters, unreachableFromHere: d.unreachableFromHere };
        if (!d.status || !d.earlierStatus) return { membership };
        // A member that does not answer is not judged by its frozen numbers (it may catch up once back).
        const own = Object.fromEntries(d.members.filter((m) => !d.reachable.includes(`${m.ip}:${m.boltPort}`)).map((m) => [m.id, null]));
        return { membership, lag: classifyLag({ leader: d.status, earlier: d.earlierStatus, own }) };
    } catch (e) {
        // Known current, and refused all the same: changed outside the stack. The plan then comes from the config.
        if (isAdminError(e, "auth"))
            return { note: `the cluster refused the admin password the last deployment recorded (changed outside the stack?): ${(e as Error).message}` };
        return { note: (e as Error).message };
    }
}
