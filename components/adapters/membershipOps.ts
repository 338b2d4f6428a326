// Gated membership operations on a live cluster: what the dynamic providers
// (RaftMember, RaftRemoval) run. Plain functions only (the Pulumi closure
// serializer copies them, and what they use, into the provider text).

import type { InitPeer, Role } from "../core/types";
import { addWhat, checkAddSafe, checkRemovalSafe, isMember, sameAddress, toInitPeers, type RemovalPolicy } from "../core/membership";
import { must } from "../core/verdict";
import {
    adminError,
    callAdd,
    checkLeaderSettled,
    callRemove,
    discover,
    getRaftStatus,
    listRaftNodes,
    waitForRemoval,
    withLeader,
    isAdminError,
    type AdminOptions,
    type Discovery,
    type RaftStatus,
} from "./boltAdmin";
import { classifyMember, type MemberLag } from "../core/lag";
import { progressCandidate, type DonorCandidate } from "../core/donor";

export interface MemberSpec {
    readonly nodeId: number;
    readonly ip: string;
    readonly boltPort: number;
    readonly raftPort: number;
    readonly role: Role;
}

export interface AddResult {
    readonly initPeers: InitPeer[]; // the live listing right after the add (or when found already added)
    readonly called: boolean; // false: already a member at this address, nothing was called
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
    let promoted: Proposed | undefined; // a promotion in place, proposed by an earlier attempt
    return withLeader(o, `adding node ${id} (${want}) as a ${spec.role}`, async (d, ob) => {
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
            let called = promoted !== undefined;
            if (spec.role === "voter" && m.isLearner && !knownVoters.includes(id) && !promotionApplied(promoted, d)) {
                must(addWhat(id, "voter"), checkAddSafe(live, id, "voter"));
                checkLeaderSettled(d);
                promoted = { leaderId: d.leaderId, term: d.status!.term, lastIndex: d.status!.lastIndex };
                await callAdd(ob, d.leaderAddress, id, spec.ip, spec.boltPort, spec.raftPort, false);
                called = true;
            }
            return { initPeers: toInitPeers(d.members), called, leaderId: d.leaderId, listedLearner: m.isLearner };
        }
        const clash = d.members.find(
            (x) =>
                x.ip === spec.ip &&
                (x.boltPort === spec.boltPort || x.raftPort === spec.raftPort || x.raftPort === spec.boltPort || x.boltPort === spec.raftPort),
        );
        if (clash) {
            throw adminError("conflict", `node ${id} would use ${want}, but member ${clash.id} already uses ${clash.ip}:${clash.boltPort}/${clash.raftPort}`);
        }
        must(addWhat(id, spec.role), checkAddSafe(live, id, spec.role));
        checkLeaderSettled(d);
        await callAdd(ob, d.leaderAddress, id, spec.ip, spec.boltPort, spec.raftPort, spec.role === "learner");
        const after = await listRaftNodes(ob, d.leaderAddress);
        const added = after.find((x) => x.id === id);
        if (!added) {
            throw adminError("not-applied", `node ${id} not listed by the leader ${d.leaderAddress} after its add`, d.leaderAddress, "listRaftNodes");
        }
        return { initPeers: toInitPeers(after), called: true, leaderId: d.leaderId, listedLearner: added.isLearner };
    });
}

/** Where a promotion was proposed: the leader, its term and its last index just before the call. */
interface Proposed {
    readonly leaderId: number;
    readonly term: number;
    readonly lastIndex: number;
}

/**
 * Whether a promotion proposed at `p` is known to be applied: the same leader still leads in
 * the same term and has applied past `p.lastIndex`. tugraph-ha proposes only to a settled
 * leader (checkLeaderSettled), which raft does not drop, and changes one member at a time;
 * so in the same term the entry after `p.lastIndex` is the promotion, committed and applied.
 * Another leader or term: unknown (the entry may or may not have survived).
 */
export function promotionApplied(p: Proposed | undefined, d: Discovery): boolean {
    const st = d.status;
    return !!p && !!st && d.leaderId === p.leaderId && st.term === p.term && st.applied > p.lastIndex && st.applied >= st.lastIndex;
}

/**
 * Promotes learner `spec` with addRaftNode on the leader (gated). The listing
 * will still say is_learner afterwards: the caller keeps the truth. A call that
 * missed its deadline (or lost its connection) is judged again before any retry:
 * the listing cannot show a promotion, so it counts as applied once the leader it
 * was proposed to has applied past it in the same term (promotionApplied). Only when
 * that cannot be known (another leader or term) is it proposed again, to a settled
 * leader: addRaftNode on a voter is a no-op in TuGraph.
 */
export async function promoteMember(o: AdminOptions, spec: MemberSpec, knownVoters: readonly number[] = []): Promise<void> {
    const id = spec.nodeId;
    let proposed: Proposed | undefined;
    await withLeader(o, `promoting node ${id} to voter`, async (d, ob) => {
        if (promotionApplied(proposed, d)) {
            o.log?.(
                `promoting node ${id} to voter: the earlier call did not answer, but leader ${d.leaderId} applied it (term ${d.status!.term}, applied ${d.status!.applied} > ${proposed!.lastIndex}): not proposed again`,
            );
            return;
        }
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
        must(addWhat(id, "voter"), checkAddSafe({ ...d, knownVoters: knownVoters.filter((x) => x !== id) }, id, "voter"));
        checkLeaderSettled(d);
        proposed = { leaderId: d.leaderId, term: d.status!.term, lastIndex: d.status!.lastIndex };
        await callAdd(ob, d.leaderAddress, id, spec.ip, spec.boltPort, spec.raftPort, false);
    });
}

export interface RemoveResult {
    readonly wasMember: boolean;
    readonly wasLeader: boolean;
    readonly leaderId?: number; // the leader after the removal
}

/**
 * Removes node `nodeId` with removeRaftNode on the leader, after the gates.
 * Not a member -> nothing to do. Removing the leader is allowed (TuGraph
 * steps down); either way this returns only once a leader other than the
 * removed node is confirmed and no longer lists it, so the next change finds
 * a leader.
 */
export async function removeMember(o: AdminOptions, nodeId: number, policy: RemovalPolicy, knownVoters: readonly number[] = []): Promise<RemoveResult> {
    const deadlineAt = Date.now() + o.totalTimeoutMs;
    let removedLeader = false;
    let called = false;
    return withLeader(o, `removing node ${nodeId}`, async (d, ob) => {
        if (!isMember(d, nodeId)) return { wasMember: called, wasLeader: removedLeader, leaderId: d.leaderId };
        must(`removing node ${nodeId}`, checkRemovalSafe({ ...d, knownVoters }, nodeId, policy));
        const isLeader = d.leaderId === nodeId;
        checkLeaderSettled(d);
        try {
            called = true;
            removedLeader = removedLeader || isLeader;
            await callRemove(ob, d.leaderAddress, nodeId);
        } catch (e) {
            // A leader that removes itself steps down and may drop our connection: check the outcome instead.
            if (!(isLeader && isAdminError(e, "connection", "not-leader"))) throw e;
        }
        const after = await waitForRemoval(ob, nodeId, deadlineAt);
        return { wasMember: true, wasLeader: isLeader, leaderId: after.leaderId };
    });
}

/** What a refresh (or a read-only question) may trust. */
export type ConfirmedView = { confirmed: Discovery & { leaderId: number }; note?: undefined } | { confirmed?: undefined; note: string };

/**
 * One discovery whose listing may change state: only from a leader confirmed
 * by its own status, while a majority of the voters answers. A lone or stale
 * node (an old member up alone, a removed node that still thinks it belongs)
 * has no leader, or no majority: its listing is not trusted, and the caller
 * keeps its state with the note. An unreachable cluster is an outage, exactly
 * when `pulumi refresh` is run: no throw. Bad credentials still throw.
 * `knownVoters`: voters the stack knows of (the listing hides promotions).
 */
export async function confirmedView(o: AdminOptions, knownVoters: readonly number[] = []): Promise<ConfirmedView> {
    const keep = (why: string): ConfirmedView => ({ note: `not refreshed at ${new Date().toISOString()}: ${why}; state kept as it was` });
    let d: Discovery;
    try {
        d = await discover(o);
    } catch (e) {
        if (isAdminError(e, "auth")) throw e;
        return keep((e as Error).message);
    }
    if (d.reachable.length === 0) return keep(`no member answered (${d.errors.join("; ")})`);
    if (d.leaderId === undefined) {
        return keep(`no confirmed leader among the members that answered (${d.reachable.join(", ")}): a listing without a leader may be stale`);
    }
    const voters = d.members.filter((m) => !m.isLearner || knownVoters.includes(m.id));
    const up = voters.filter((m) => d.reachable.includes(`${m.ip}:${m.boltPort}`)).length;
    const need = Math.floor(voters.length / 2) + 1;
    if (up < need) return keep(`only ${up} of ${voters.length} voters answered (a majority is ${need}): the leader's listing is not confirmed`);
    return { confirmed: d as Discovery & { leaderId: number } };
}

/**
 * Waits until member `id` has caught up with the leader, judged by numbers
 * (core/lag.ts): two samples of the leader's progress at least `sampleMs`
 * apart. A member whose match stays frozen below the commit for
 * `stuckAfterMs` cannot catch up (TuGraph has no snapshots) and fails at once
 * with the fix, instead of being retried until the deadline.
 */
export async function waitCaughtUp(
    o: AdminOptions,
    id: number,
    what: string,
    opts: { deadlineAt: number; stuckAfterMs?: number; sampleMs?: number },
): Promise<MemberLag> {
    const sampleMs = opts.sampleMs ?? 500;
    const stuckAfterMs = opts.stuckAfterMs ?? 10_000;
    const bounded: AdminOptions = { ...o, deadlineAt: Math.min(o.deadlineAt ?? Infinity, opts.deadlineAt) };
    let earlier: RaftStatus | undefined;
    let stuckSince: number | undefined;
    let sampleTime = 0;
    let last: string;
    for (;;) {
        try {
            const d = await discover(bounded);
            if (d.status && d.leaderId !== undefined) {
                const lag = classifyMember(id, { leader: d.status, earlier });
                last = `${lag.state}: ${lag.reason}`;
                if (lag.state === "caught-up") return lag;
                if (lag.state === "cannot-catch-up" && lag.cause === "compacted") {
                    // Final at once: the leader compacted away what it needs.
                    throw adminError(
                        "cannot-catch-up",
                        `${what}: node ${id} cannot catch up: ${lag.reason}. Fix: set \`resync\` on node ${id} (any new value) and run \`pulumi up\` again`,
                    );
                }
                if (lag.state === "cannot-catch-up") {
                    stuckSince ??= Date.now();
                    if (Date.now() - stuckSince >= stuckAfterMs) {
                        throw adminError(
                            "cannot-catch-up",
                            `${what}: node ${id} cannot catch up: the leader's match for it stayed at ${lag.match} below its commit ${d.status.commit} for ${Math.round((Date.now() - stuckSince) / 1000)} s. ` +
                                `TuGraph has no raft snapshots: it needs a fresh copy of a member's data directory. Fix: set \`resync\` on node ${id} ` +
                                `(any new value) and run \`pulumi up\` again`,
                        );
                    }
                } else stuckSince = undefined;
                if (!earlier || earlier.id !== d.status.id || Date.now() - sampleTime >= sampleMs) {
                    earlier = d.status;
                    sampleTime = Date.now();
                }
            } else last = d.leaderId === undefined ? "no leader" : "no leader status";
        } catch (e) {
            if (isAdminError(e, "auth", "cannot-catch-up")) throw e;
            last = (e as Error).message;
        }
        if (Date.now() + sampleMs >= opts.deadlineAt) {
            throw adminError("not-ready", `${what}: node ${id} has not caught up before the deadline (${last})`);
        }
        o.log?.(`${what}: waiting for node ${id} to catch up (${last})`);
        await new Promise((r) => setTimeout(r, sampleMs));
    }
}
/**
 * Before `id` is stopped (the donor of a data copy) or restarted (a rolling change). TuGraph
 * applies a membership change at once, on its raft thread, and saves its raft store's apply
 * index, while the writes committed before it may still wait on its apply thread; Stop()
 * drops that queue, and a restart (or a copy of the data directory) resumes from the larger
 * of the graph's and the store's index: those writes are then lost on that node for good
 * (docs/tugraph-facts.md). So: the node must have applied what the leader had committed when
 * asked (which covers every membership change made so far), and then keep running `settleMs`
 * for its apply thread to drain. No index TuGraph shows covers that queue: the settle is a time.
 * A node that does not answer is not waited for (a stopped node has no queue left to lose).
 * Returns what it waited for, for the log.
 */
export async function waitSettled(
    o: AdminOptions,
    member: { readonly id: number; readonly address: string },
    what: string,
    opts: { readonly settleMs: number; readonly deadlineAt: number; readonly pollMs?: number },
): Promise<string> {
    const pollMs = opts.pollMs ?? 100;
    const bounded: AdminOptions = { ...o, deadlineAt: Math.min(o.deadlineAt ?? Infinity, opts.deadlineAt) };
    const d = await discover(bounded);
    if (!d.reachable.includes(member.address)) return `node ${member.id} does not answer: nothing queued to wait for`;
    let target = d.status?.commit;
    let last: string;
    for (;;) {
        try {
            const st = await getRaftStatus(bounded, member.address);
            // Without a leader's number, its own commit: what it knows to be committed, conf changes included.
            target ??= st.commit;
            if (st.applied >= target) break;
            last = `applied ${st.applied} of ${target}`;
        } catch (e) {
            if (isAdminError(e, "auth")) throw e;
            last = (e as Error).message;
        }
        if (Date.now() + pollMs >= opts.deadlineAt) {
            throw adminError("not-ready", `${what}: node ${member.id} has not applied the leader's commit ${target ?? "?"} before the deadline (${last})`);
        }
        await new Promise((r) => setTimeout(r, pollMs));
    }
    if (opts.settleMs > 0) {
        if (Date.now() + opts.settleMs > opts.deadlineAt) {
            throw adminError("not-ready", `${what}: the settle period of ${opts.settleMs} ms would run past the deadline; raise totalTimeoutSeconds`);
        }
        o.log?.(`${what}: node ${member.id} has applied ${target}; letting it settle ${opts.settleMs} ms (membership.settleSeconds) before it stops`);
        await new Promise((r) => setTimeout(r, opts.settleMs));
    }
    return `node ${member.id} applied ${target}, then settled ${opts.settleMs} ms`;
}

/**
 * Donor candidates from a discovery: caught up by the leader's numbers, up = answered and not
 * lagging; `copySources`: the members that may donate (bootstrap members and nodes the stack
 * knows started from a copy): any other member, one the stack does not know included, never does.
 */
export function donorCandidates(d: Discovery, knownVoters: readonly number[], copySources: readonly number[]): DonorCandidate[] {
    return d.members.map((m) =>
        progressCandidate(
            {
                id: m.id,
                isLeader: m.id === d.leaderId,
                isVoter: !m.isLearner || knownVoters.includes(m.id),
                up: d.reachable.includes(`${m.ip}:${m.boltPort}`) && !d.downIds.includes(m.id),
                match: d.status?.progress[m.id]?.match,
                copySource: copySources.includes(m.id),
            },
            d.status?.commit ?? 0,
        ),
    );
}
