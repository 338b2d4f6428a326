// Which member donates its data directory to a joiner (pure; no I/O).
//
// The donor is STOPPED for the copy (see components/adapters/dataSync.ts), so it
// must be a member whose absence the cluster survives without a write outage:
// - never the leader while another member can donate (stopping it means an
//   election and failed writes);
// - up and caught up: its `match` in the leader's progress is within `maxLag`
//   entries of the leader's commit (a member that cannot catch up has a frozen,
//   small match: its copy would not help the joiner);
// - learners first (they do not count in the quorum);
// - a voter only if the voters that stay running and caught up while it is
//   stopped are still a majority of ALL voters (down ones and a voter-joiner that
//   is not running yet included);
// - when only the leader could donate (a one-node cluster, or every other member
//   down or lagging) the choice is refused unless `allowWriteOutageForSync` is set;
// - only a copy source: a bootstrap member (the bootstrap members started together,
//   from their init peers) or a node the stack knows started from a copy (its DataSync
//   completed). A member that started on an empty disk can replay the whole raft log
//   and look caught up by every number while it lacks everything that never went
//   through the log (docs/tugraph-facts.md); a member the stack does not know may be
//   such a node. Neither is ever chosen, the leader included.

import { majority } from "./membership";
import { pass, refuse, type Pass, type Refusal } from "./verdict";

/** A possible donor: what the choice needs to know of a member, and nothing it would have to invent. */
export interface DonorCandidate {
    readonly id: number;
    /** "voter": listed as voter OR known to be one (the listing lies after a promotion). */
    readonly role: "leader" | "voter" | "learner";
    /** Reachable over Bolt, container running. */
    readonly up: boolean;
    /** Within `maxLag` entries of the leader's commit (the leader always is). */
    readonly caughtUp: boolean;
    /** Entries behind the leader's commit, when known: ranks candidates and shows in the reason. */
    readonly lag?: number;
    /** Why it is not caught up, in the numbers known ("match 3, commit 100"); shown when it is not. */
    readonly behind?: string;
    /** A bootstrap member, or a node the stack knows started from a copy: the only members that may donate. */
    readonly copySource: boolean;
}

export interface DonorInput {
    /** The whole live membership, leader included. */
    readonly members: readonly DonorCandidate[];
    /** Never a donor; counted as a voter when it is one. */
    readonly joinerId: number;
    /** Let the leader donate when nobody else can. Defaults to false. */
    readonly allowWriteOutageForSync?: boolean;
}

export interface DonorChoice {
    readonly id: number;
    readonly kind: "learner" | "voter" | "leader";
    readonly lag?: number;
}

/** The donor choice: a pass names the donor (its why is the reason shown), a refusal says why nobody can donate. */
export type DonorVerdict = (Pass & { readonly donor: DonorChoice }) | Refusal<"no-leader" | "only-leader-can-donate" | "no-copy-source">;

export const DEFAULT_MAX_LAG = 10;

/** A member as the leader's progress shows it (progressCandidate's input). */
export interface ProgressMember {
    readonly id: number;
    readonly isLeader: boolean;
    readonly isVoter: boolean;
    readonly up: boolean;
    readonly match?: number;
    readonly copySource: boolean;
}

/** What the leader's progress says of a member, as a candidate (the leader's numbers: commit and the member's match). */
export function progressCandidate(m: ProgressMember, leaderCommit: number, maxLag = DEFAULT_MAX_LAG): DonorCandidate {
    const role = m.isLeader ? "leader" : m.isVoter ? "voter" : "learner";
    const copySource = m.copySource;
    if (m.isLeader) return { id: m.id, role, up: m.up, caughtUp: true, lag: 0, copySource };
    if (m.match === undefined) return { id: m.id, role, up: m.up, caughtUp: false, behind: "no match known", copySource };
    const lag = Math.max(0, leaderCommit - m.match);
    return { id: m.id, role, up: m.up, caughtUp: lag <= maxLag, lag, behind: `match ${m.match}, commit ${leaderCommit}`, copySource };
}

const lagText = (lag?: number) => (lag === undefined ? "" : ` (lag ${lag})`);

export function chooseDonor(input: DonorInput): DonorVerdict {
    const leaders = input.members.filter((m) => m.role === "leader");
    if (leaders.length !== 1 || !leaders[0].up) {
        return refuse(
            "no-leader",
            `no donor can be chosen for node ${input.joinerId}: the cluster has no leader that is up right now`,
            "wait for an election or bring members back, then retry",
        );
    }
    const leader = leaders[0];
    const healthy = (m: DonorCandidate) => m.up && m.caughtUp;
    const voters = input.members.filter((m) => m.role !== "learner");
    const healthyVoters = voters.filter((m) => m.id !== input.joinerId && healthy(m));
    const need = majority(voters.length);
    const why: string[] = [];
    const candidates: (Pass & { donor: DonorChoice })[] = [];
    for (const m of [...input.members].sort((a, b) => a.id - b.id)) {
        if (m.id === input.joinerId || m.role === "leader") continue;
        if (!m.copySource) {
            why.push(`${m.id} did not start from a copy (or the stack does not know it), so it is never a copy source`);
            continue;
        }
        if (!m.up) {
            why.push(`${m.id} is down`);
            continue;
        }
        if (!m.caughtUp) {
            why.push(`${m.id} is not caught up (${m.behind ?? "behind the leader"})`);
            continue;
        }
        if (m.role === "voter") {
            const remaining = healthyVoters.filter((v) => v.id !== m.id).length;
            if (remaining < need) {
                why.push(`stopping voter ${m.id} would leave ${remaining} of ${voters.length} voters running and caught up (a majority is ${need})`);
                continue;
            }
            candidates.push({
                ...pass(`voter ${m.id}: caught up${lagText(m.lag)}, ${remaining} of ${voters.length} voters keep running`),
                donor: { id: m.id, kind: "voter", lag: m.lag },
            });
        } else {
            candidates.push({ ...pass(`learner ${m.id}: caught up${lagText(m.lag)}, not in the quorum`), donor: { id: m.id, kind: "learner", lag: m.lag } });
        }
    }
    const rank = (c: DonorChoice) => (c.kind === "learner" ? 0 : 1);
    candidates.sort((a, b) => rank(a.donor) - rank(b.donor) || (a.donor.lag ?? 0) - (b.donor.lag ?? 0) || a.donor.id - b.donor.id);
    if (candidates.length > 0) return candidates[0];
    const others = why.length ? `: ${why.join("; ")}` : " (it is the only member)";
    if (!leader.copySource) {
        return refuse(
            "no-copy-source",
            `no member can donate${others}; and the leader (${leader.id}) did not start from a copy (or the stack does not know it), so it is never a copy source either`,
            "bring up a bootstrap member or a node that joined from a copy",
        );
    }
    if (input.allowWriteOutageForSync) {
        return {
            ...pass(`leader ${leader.id}: no other member can donate${others}; allowed by allowWriteOutageForSync`),
            donor: { id: leader.id, kind: "leader", lag: 0 },
        };
    }
    return refuse(
        "only-leader-can-donate",
        `only the leader (${leader.id}) could donate${others}. ` +
            `The donor is stopped for the copy, so this means a write outage (and an election when there are other voters)`,
        "bring a caught-up member up, or set allowWriteOutageForSync to accept the outage",
    );
}
