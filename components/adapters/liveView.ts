// The program's read-only look at the live membership, before it builds the
// cluster: the one planner (core/changePlan.ts) then checks the whole plan
// against it and orders it. Short deadlines, never a hang; an unreachable
// cluster (a first deployment, or an outage) or a refused password (a new
// cluster still on TuGraph's default, or a rotation) is a note, not an error.
import type { ClusterConfig } from "../core/types";
import type { LiveMembership } from "../core/membership";
import { discover, type AdminError } from "./boltAdmin";
import { classifyLag, type MemberLag } from "../core/lag";

export interface LiveView {
    readonly membership?: LiveMembership;
    /** How far behind each member is, judged by numbers over two samples (only taken when someone is behind). */
    readonly lag?: readonly MemberLag[];
    readonly note?: string;
}

/** `tlsCa`: the PEM the nodes' certificates are verified against when TLS is on (tugraph:tlsCa). */
export async function readLiveMembership(cfg: ClusterConfig, password: string, tlsCa?: string, budgetMs = 5000): Promise<LiveView> {
    const seeds = cfg.nodes.filter((n) => !n.removed).map((n) => `${n.ip}:${n.boltPort}`);
    const o = {
        seeds,
        user: cfg.adminUser,
        password,
        callTimeoutMs: Math.min(2000, cfg.membership.callTimeoutMs),
        totalTimeoutMs: budgetMs,
        deadlineAt: Date.now() + budgetMs,
        encrypted: cfg.tls.enabled,
        ...(tlsCa !== undefined ? { tlsCa } : {}),
        ...(cfg.tls.insecureSkipVerify !== undefined ? { insecureSkipVerify: cfg.tls.insecureSkipVerify } : {}),
    };
    try {
        // Someone behind: discovery samples the leader's numbers twice, a second apart, which tells
        // "catching up" from "cannot catch up".
        const d = await discover(o, { lagSampleMs: 1000 });
        if (d.reachable.length === 0) {
            return { note: `no member answered (a first deployment, or the cluster is down): ${d.errors.slice(0, 3).join("; ")}` };
        }
        const knownVoters = cfg.nodes.filter((n) => n.role === "voter" && !n.removed).map((n) => n.id);
        const membership = { members: d.members, leaderId: d.leaderId, downIds: d.downIds, knownVoters };
        if (!d.status || !d.earlierStatus) return { membership };
        // A member that does not answer is not judged by its frozen numbers (it may catch up once back).
        const own = Object.fromEntries(d.members.filter((m) => !d.reachable.includes(`${m.ip}:${m.boltPort}`)).map((m) => [m.id, null]));
        return { membership, lag: classifyLag({ leader: d.status, earlier: d.earlierStatus, own }) };
    } catch (e) {
        // A refused password is what a new cluster (TuGraph's default password) or a rotation
        // (the stack's is new) looks like: AdminPassword sets it. The plan then comes from the config.
        if ((e as AdminError).kind === "auth")
            return { note: `the cluster refused the stack's admin password (a new cluster, or a rotation AdminPassword will make): ${(e as Error).message}` };
        return { note: (e as Error).message };
    }
}
