// Pure membership planning and safety gates for TuGraph Bolt-raft clusters.
//
// No I/O and no imports of Pulumi or the driver: this module is used by the
// cluster component (order of the membership resources), by the dynamic
// providers (gates, checked against the live cluster right before a change;
// the Pulumi closure serializer inlines these plain functions into the
// provider text), and by the plan command.
//
// Facts this relies on (docs/tugraph-facts.md, "Membership changes"):
// - one membership change at a time, on the leader;
// - `db.bolt.listRaftNodes()` does NOT update is_learner after a learner is
//   promoted with addRaftNode: callers pass the roles they know to be true
//   (`knownVoters`) and a voter is anyone the listing OR the caller says is one
//   (we never demote, so "voter once" stays "voter");
// - a node that joins is started only AFTER its add call, so right after an
//   add the joiner counts as a voter that is not up yet.

import type { ClusterConfig, InitPeer, Role } from "./types";
import { pass, refuse, type Verdict } from "./verdict";

// ---------------------------------------------------------------------------
// Live membership as the admin client observes it

export interface LiveMember {
    readonly id: number;
    readonly ip: string;
    readonly boltPort: number;
    readonly raftPort: number;
    readonly isLeader: boolean;
    readonly isLearner: boolean; // as LISTED: may be stale (true) after a promotion
}

export interface LiveMembership {
    readonly members: readonly LiveMember[];
    readonly leaderId?: number; // undefined: no leader right now
    readonly downIds: readonly number[]; // members seen down (unreachable over Bolt, or lagging in the leader's progress)
    /** Ids known to be voters whatever the listing says (see knownVoterIds: the one meaning of the name). */
    readonly knownVoters?: readonly number[];
    /**
     * Members the leader sees up to date whose Bolt address does not answer from the machine
     * that asked: the routing address problem (ROUTE hands clients each node's raft ip). Default none.
     */
    readonly unreachableFromHere?: readonly number[];
}

export function majority(voterCount: number): number {
    return Math.floor(voterCount / 2) + 1;
}

/** Ids of voters: listed as voter, or known to be one (the listing lies after promotion). Sorted. */
export function voterIds(live: LiveMembership): number[] {
    const known = new Set(live.knownVoters ?? []);
    return live.members
        .filter((m) => !m.isLearner || known.has(m.id))
        .map((m) => m.id)
        .sort((a, b) => a - b);
}

export function isMember(live: LiveMembership, id: number): boolean {
    return live.members.some((m) => m.id === id);
}

export function upVoterIds(live: LiveMembership): number[] {
    const down = new Set(live.downIds);
    return quorumVoterIds(live).filter((id) => !down.has(id));
}

export function describeMembership(live: LiveMembership): string {
    const down = new Set(live.downIds);
    const voters = new Set(voterIds(live));
    const items = [...live.members]
        .sort((a, b) => a.id - b.id)
        .map((m) => `${m.id}${m.id === live.leaderId ? "*" : ""}(${voters.has(m.id) ? "voter" : "learner"}${down.has(m.id) ? ",down" : ""})`);
    return `[${items.join(" ")}]`;
}

// ---------------------------------------------------------------------------
// Gates. Each returns a verdict (core/verdict.ts): a pass, or a refusal with
// its code, why and fix; nothing is changed by a refused step. The caller
// names the change when it turns a refusal into an error.

/**
 * The voter set quorum checks use. The truth lies between the listed voters
 * and the listed voters plus `knownVoters` (the listing does not show
 * promotions; knownVoters may name a voter-to-be that is still a learner).
 * Counting an extra UP voter never makes a quorum check fail that would pass
 * without it, while an extra DOWN one can: the worst case is the listed
 * voters plus the known voters that are down. Sorted.
 */
export function quorumVoterIds(live: LiveMembership): number[] {
    const down = new Set(live.downIds);
    const known = new Set(live.knownVoters ?? []);
    return live.members
        .filter((m) => !m.isLearner || (known.has(m.id) && down.has(m.id)))
        .map((m) => m.id)
        .sort((a, b) => a - b);
}

function countUp(ids: readonly number[], live: LiveMembership): number {
    const down = new Set(live.downIds);
    return ids.filter((id) => !down.has(id)).length;
}

/** Any change: a leader, and a majority of the voters up. */
export function checkCanChange(live: LiveMembership): Verdict<"no-leader" | "no-quorum"> {
    if (live.leaderId === undefined) {
        return refuse("no-leader", `the cluster has no leader right now ${describeMembership(live)}`, "wait for an election or bring members back");
    }
    const voters = quorumVoterIds(live);
    const up = countUp(voters, live);
    if (up < majority(voters.length)) {
        return refuse(
            "no-quorum",
            `only ${up} of ${voters.length} voters are up (a majority needs ${majority(voters.length)}) ${describeMembership(live)}`,
            "bring the voters that are down back up, then run again",
        );
    }
    return pass(`a leader, and ${up} of ${voters.length} voters up`);
}

/** The change `checkAddSafe` judges, as its refusal names it. */
export function addWhat(nodeId: number, role: Role): string {
    return role === "voter" ? `adding/promoting node ${nodeId} as a voter` : `adding node ${nodeId} as a learner`;
}

/**
 * Adding a node (or promoting a learner).
 *
 * A LEARNER does not count in the quorum: it needs a leader and a majority
 * of the voters up (checkCanChange), nothing more.
 *
 * A VOTER counts in the quorum from the moment it is added, but a node that
 * joins later starts on an empty data directory and can never catch up on its
 * own (TuGraph has no raft snapshots: it needs a copy of a member's data
 * directory). So a new voter is added only when every current voter is up
 * and caught up (none in downIds): a voter that joined earlier and is still
 * lagging (e.g. left on an empty disk) would otherwise be joined by another
 * one that cannot vote either, and growing 3 -> 5 in one update would leave
 * 5 voters with 2 dead. The joiner itself is not running yet, so the voters
 * that are up must also be a majority of the grown voter set (etcd's
 * IsReadyToPromoteMember counts the member to be promoted in the future
 * quorum the same way). Promoting a learner that is up and caught up only
 * needs that majority.
 */
export function checkAddSafe(live: LiveMembership, nodeId: number, role: Role): Verdict<"no-leader" | "no-quorum" | "voters-lagging" | "quorum-after-add"> {
    const can = checkCanChange(live);
    if (!can.ok || role === "learner") return can;
    const voters = quorumVoterIds(live).filter((id) => id !== nodeId);
    const down = new Set(live.downIds);
    const wasUp = isMember(live, nodeId) && !down.has(nodeId); // a running, caught-up learner being promoted
    const lagging = voters.filter((id) => down.has(id));
    // Promoting a learner that is up and caught up adds a voter that votes at
    // once (the recommended path: learner first, promote once caught up), so
    // it only needs the majority rule below, also while a failed voter waits
    // for its removal. Any other new voter cannot vote yet: all voters up.
    if (lagging.length > 0 && !wasUp) {
        return refuse(
            "voters-lagging",
            `voter(s) ${lagging.join(", ")} ${lagging.length === 1 ? "is" : "are"} down or not caught up with the leader ${describeMembership(live)}`,
            `every voter must be up and caught up before another voter joins: a voter counts in the quorum ` +
                `whether it can vote or not. A node that joined later needs a copy of a member's data directory (TuGraph has no snapshots), ` +
                `without it it never catches up. Join new nodes as \`role: learner\` first and promote them to voter once they have caught up; ` +
                `copy a member's data directory to a lagging joiner (or remove a failed voter with removed: true), then run \`pulumi up\` again once the voters are healthy`,
        );
    }
    const after = voters.length + 1;
    const upAfter = countUp(voters, live) + (wasUp ? 1 : 0);
    if (upAfter < majority(after)) {
        return refuse(
            "quorum-after-add",
            `with ${after} voters a majority is ${majority(after)}, but only ${upAfter} would be up ${describeMembership(live)}`,
            "remove failed members first (removed: true), then add",
        );
    }
    return pass(`${upAfter} of ${after} voters up with it (a majority is ${majority(after)})`);
}

export interface RemovalPolicy {
    readonly minVoters: number; // refuse going below this many voters ...
    readonly allowUnsafeRemoval: boolean; // ... unless the stack overrides
    // Voters the stack will have once every declared change is made (e.g. a
    // failed node replaced: remove 3, then add 4). It counts voters that do
    // not exist yet, so at most ONE of them is credited: the minimum is
    // checked against max(left, min(plannedVoters, left + 1)), i.e. at most
    // one replacement in flight. Two tombstones with two joiners in one run
    // then stop at the second removal instead of leaving one voter (after
    // which the adds would be refused).
    readonly plannedVoters?: number;
}

/**
 * Removing node `nodeId`. Not a member: nothing to do (idempotent, a pass). A
 * learner can always go. A voter may go only if (a) the voters left, plus at
 * most one planned replacement, stay >= minVoters and (b) the voters left that
 * are up are a majority of the voters left (worst case, see quorumVoterIds);
 * both overridable by allowUnsafeRemoval, except removing the last voter which
 * is always refused.
 */
export function checkRemovalSafe(
    live: LiveMembership,
    nodeId: number,
    policy: RemovalPolicy,
): Verdict<"no-leader" | "no-quorum" | "last-voter" | "quorum-after-removal" | "below-min-voters"> {
    if (!isMember(live, nodeId)) return pass("not a member: nothing to do");
    const can = checkCanChange(live);
    if (!can.ok) return can;
    if (!voterIds(live).includes(nodeId)) return pass("a learner: not in the quorum");
    const left = voterIds(live).filter((id) => id !== nodeId);
    if (left.length === 0) {
        return refuse("last-voter", `it is the last voter ${describeMembership(live)}`, "keep it: a cluster needs at least one voter");
    }
    const qLeft = quorumVoterIds(live).filter((id) => id !== nodeId);
    const upLeft = countUp(qLeft, live);
    const override = "set allowUnsafeRemoval to override";
    if (upLeft < majority(qLeft.length) && !policy.allowUnsafeRemoval) {
        return refuse(
            "quorum-after-removal",
            `the ${qLeft.length} voters left would need ${majority(qLeft.length)} up for a quorum, but only ${upLeft} are up now ${describeMembership(live)}`,
            override,
        );
    }
    // At most one replacement in flight (see RemovalPolicy.plannedVoters).
    const effective = Math.max(left.length, Math.min(policy.plannedVoters ?? 0, left.length + 1));
    if (effective < policy.minVoters && !policy.allowUnsafeRemoval) {
        return refuse(
            "below-min-voters",
            `it would leave ${left.length} voter(s)` +
                (policy.plannedVoters !== undefined ? ` (${policy.plannedVoters} planned)` : "") +
                `, below the minimum of ${policy.minVoters} ${describeMembership(live)}`,
            override,
        );
    }
    return pass(`${upLeft} of ${qLeft.length} voters up after it`);
}

// ---------------------------------------------------------------------------
// Inputs of the membership resources

/**
 * `knownVoters`, with one meaning wherever the name appears (provider inputs, the
 * live view, the planner's state): the ids the stack declares `role: voter`,
 * removed ones included (a tombstoned voter votes until its removal is applied).
 * TuGraph's listing keeps showing a promoted learner as a learner, so a listed
 * learner among them may be a voter, and the gates count one that is down against
 * quorum (quorumVoterIds). A joiner is no voter before its promotion: whoever adds
 * or promotes a node leaves that node out (a provider drops its own id, the planner
 * keeps current members only). Sorted.
 */
export function knownVoterIds(nodes: readonly Pick<DesiredNode, "id" | "role">[]): number[] {
    return nodes
        .filter((n) => n.role === "voter")
        .map((n) => n.id)
        .sort((a, b) => a - b);
}

/**
 * Extra inputs the cluster component should pass to every RaftRemoval and
 * RaftMember (spread them into the args):
 * - plannedVoters: voters the stack declares (non-removed voters), so that
 *   replacing a failed node (remove 3, add 4) is not refused as a shrink
 *   below minVoters;
 * - knownVoters: knownVoterIds.
 */
export function membershipGateInputs(cfg: Pick<ClusterConfig, "nodes">): { plannedVoters: number; knownVoters: number[] } {
    return {
        plannedVoters: cfg.nodes.filter((n) => !n.removed && n.role === "voter").length,
        knownVoters: knownVoterIds(cfg.nodes),
    };
}

// ---------------------------------------------------------------------------
// Desired nodes and the membership after a removal (used by core/changePlan.ts, the one planner)

export interface DesiredNode {
    readonly id: number;
    readonly ip: string;
    readonly boltPort: number;
    readonly raftPort: number;
    readonly role: Role;
    readonly removed: boolean;
}

export function sameAddress(m: Pick<LiveMember, "ip" | "boltPort" | "raftPort">, d: Pick<DesiredNode, "ip" | "boltPort" | "raftPort">): boolean {
    return m.ip === d.ip && m.boltPort === d.boltPort && m.raftPort === d.raftPort;
}

/** The membership after removing `id` (a removed leader is replaced by another up voter, if any). */
export function applyRemove(live: LiveMembership, id: number): LiveMembership {
    const members = live.members.filter((m) => m.id !== id);
    let leaderId = live.leaderId;
    if (leaderId === id) {
        const rest: LiveMembership = { ...live, members, leaderId: undefined };
        leaderId = upVoterIds(rest)[0];
    }
    return {
        members: members.map((m) => ({ ...m, isLeader: m.id === leaderId })),
        leaderId,
        downIds: live.downIds.filter((x) => x !== id),
        knownVoters: (live.knownVoters ?? []).filter((x) => x !== id),
    };
}

/** Init peers of a listing, in TuGraph's spelling, sorted by id. */
export function toInitPeers(members: readonly Pick<LiveMember, "id" | "ip" | "boltPort" | "raftPort">[]): InitPeer[] {
    return [...members].sort((a, b) => a.id - b.id).map((m) => ({ bolt_raft_node_id: m.id, ip: m.ip, bolt_port: m.boltPort, bolt_raft_port: m.raftPort }));
}
