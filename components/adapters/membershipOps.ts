// Gated membership operations on a live cluster: what the dynamic providers
// (RaftMember, RaftRemoval) run. Plain functions only (the Pulumi closure
// serializer copies them, and what they use, into the provider text).

import type { InitPeer, Role } from "../core/types";
import { checkAddSafe, checkRemovalSafe, sameAddress, toInitPeers, type RemovalPolicy } from "../core/membership";
import { adminError, callAdd, checkLeaderSettled, callRemove, discover, listRaftNodes, waitForRemoval, withLeader, type AdminError, type AdminOptions, type Discovery } from "./boltAdmin";

export interface MemberSpec {
    readonly nodeId: number;
    readonly ip: string;
    readonly boltPort: number;
    readonly raftPort: number;
    readonly role: Role;
}

export interface AddResult {
    readonly initPeers: InitPeer[];  // the live listing right after the add (or when found already added)
    readonly called: boolean;        // false: already a member at this address, nothing was called
    readonly leaderId: number;
    readonly listedLearner: boolean; // the node's is_learner in the listing (true may be stale after a promotion)
}

/**
 * Makes `spec` a member: already a member at the same address -> nothing to
 * do (a listed learner that should be a voter and is not known to be one is
 * promoted); at another address -> conflict error (TuGraph would keep the old
 * address); otherwise gates, then addRaftNode/addRaftLearnerNode on the
 * leader, verified in the leader's listing. Retries (leader change, lost
 * connection, missed deadline) re-check membership first, so a call that did
 * apply is never repeated.
 */
export async function ensureMember(o: AdminOptions, spec: MemberSpec, knownVoters: readonly number[] = []): Promise<AddResult> {
    const id = spec.nodeId;
    const want = `${spec.ip}:${spec.boltPort}/${spec.raftPort}`;
    return withLeader(o, `adding node ${id} (${want}) as a ${spec.role}`, async (d) => {
        const live = { ...d, knownVoters };
        const m = d.members.find((x) => x.id === id);
        if (m) {
            if (!sameAddress(m, spec)) {
                throw adminError(
                    "conflict",
                    `node ${id} is already a member at ${m.ip}:${m.boltPort}/${m.raftPort}, not ${want}; TuGraph keeps the old address on a ` +
                        `duplicate add: remove it first (removed: true), then add the node under a new id`,
                );
            }
            let called = false;
            if (spec.role === "voter" && m.isLearner && !knownVoters.includes(id)) {
                checkAddSafe(live, id, "voter");
                checkLeaderSettled(d);
                await callAdd(o, d.leaderAddress, id, spec.ip, spec.boltPort, spec.raftPort, false);
                called = true;
            }
            return { initPeers: toInitPeers(d.members), called, leaderId: d.leaderId, listedLearner: m.isLearner };
        }
        const clash = d.members.find((x) => x.ip === spec.ip && (x.boltPort === spec.boltPort || x.raftPort === spec.raftPort || x.raftPort === spec.boltPort || x.boltPort === spec.raftPort));
        if (clash) {
            throw adminError("conflict", `node ${id} would use ${want}, but member ${clash.id} already uses ${clash.ip}:${clash.boltPort}/${clash.raftPort}`);
        }
        checkAddSafe(live, id, spec.role);
        checkLeaderSettled(d);
        await callAdd(o, d.leaderAddress, id, spec.ip, spec.boltPort, spec.raftPort, spec.role === "learner");
        const after = await listRaftNodes(o, d.leaderAddress);
        const added = after.find((x) => x.id === id);
        if (!added) {
            throw adminError("not-applied", `node ${id} not listed by the leader ${d.leaderAddress} after its add`, d.leaderAddress, "listRaftNodes");
        }
        return { initPeers: toInitPeers(after), called: true, leaderId: d.leaderId, listedLearner: added.isLearner };
    });
}

/**
 * Promotes learner `spec` with addRaftNode on the leader (gated). The listing
 * will still say is_learner afterwards: the caller keeps the truth.
 */
export async function promoteMember(o: AdminOptions, spec: MemberSpec, knownVoters: readonly number[] = []): Promise<void> {
    const id = spec.nodeId;
    await withLeader(o, `promoting node ${id} to voter`, async (d) => {
        const m = d.members.find((x) => x.id === id);
        if (!m) {
            throw adminError("conflict", `node ${id} is not a member, so it cannot be promoted (removed outside Pulumi? run \`pulumi refresh\`)`);
        }
        if (!sameAddress(m, spec)) {
            throw adminError("conflict", `node ${id} is a member at ${m.ip}:${m.boltPort}/${m.raftPort}, not ${spec.ip}:${spec.boltPort}/${spec.raftPort}`);
        }
        // etcd's rule: promote a learner only once it is in sync. A voter that
        // cannot vote yet weakens quorum. Retried (it may be catching up)
        // until totalTimeoutMs.
        if (d.downIds.includes(id)) {
            const p = d.status?.progress[id];
            const answers = d.reachable.includes(`${m.ip}:${m.boltPort}`);
            throw adminError(
                "not-ready",
                `refusing to promote learner ${id}: ` +
                    (answers && p
                        ? `it has not caught up with the leader (progress ${p.state}, match ${p.match} < commit ${d.status!.commit})`
                        : `it does not answer at ${m.ip}:${m.boltPort}`) +
                    `; start it and let it sync, then run again`,
            );
        }
        // Count it as a learner for the gate whatever knownVoters says: it is being promoted now.
        checkAddSafe({ ...d, knownVoters: knownVoters.filter((x) => x !== id) }, id, "voter");
        checkLeaderSettled(d);
        await callAdd(o, d.leaderAddress, id, spec.ip, spec.boltPort, spec.raftPort, false);
    });
}

export interface RemoveResult {
    readonly wasMember: boolean;
    readonly wasLeader: boolean;
    readonly leaderId?: number;      // the leader after the removal
}

/**
 * Removes node `nodeId` with removeRaftNode on the leader, after the gates.
 * Not a member -> nothing to do. Removing the leader is allowed (TuGraph
 * steps down); either way this returns only once a leader other than the
 * removed node is confirmed and no longer lists it, so the next change finds
 * a leader.
 */
export async function removeMember(
    o: AdminOptions,
    nodeId: number,
    policy: RemovalPolicy,
    knownVoters: readonly number[] = [],
): Promise<RemoveResult> {
    const deadlineAt = Date.now() + o.totalTimeoutMs;
    let removedLeader = false;
    let called = false;
    return withLeader(o, `removing node ${nodeId}`, async (d) => {
        const verdict = checkRemovalSafe({ ...d, knownVoters }, nodeId, policy);
        if (verdict === "not-a-member") {
            return { wasMember: called, wasLeader: removedLeader, leaderId: d.leaderId };
        }
        const isLeader = d.leaderId === nodeId;
        checkLeaderSettled(d);
        try {
            called = true;
            removedLeader = removedLeader || isLeader;
            await callRemove(o, d.leaderAddress, nodeId);
        } catch (e) {
            // A leader that removes itself steps down and may drop our connection: check the outcome instead.
            if (!(isLeader && ((e as AdminError).kind === "connection" || (e as AdminError).kind === "not-leader"))) throw e;
        }
        const after = await waitForRemoval(o, nodeId, deadlineAt);
        return { wasMember: true, wasLeader: isLeader, leaderId: after.leaderId };
    });
}

/**
 * One discovery for a refresh (the providers' read). An unreachable cluster is
 * an outage, exactly when `pulumi refresh` is run: no throw, but a note for the
 * state (which the caller keeps as it was). Bad credentials still throw.
 */
export async function discoverForRefresh(o: AdminOptions): Promise<{ discovery: Discovery; note?: undefined } | { discovery?: undefined; note: string }> {
    const note = (why: string) => ({ note: `not refreshed at ${new Date().toISOString()}: no member answered (${why}); state kept as it was` });
    try {
        const d = await discover(o);
        return d.reachable.length === 0 ? note(d.errors.join("; ")) : { discovery: d };
    } catch (e) {
        if ((e as AdminError).kind === "auth") throw e;
        return note((e as Error).message);
    }
}
