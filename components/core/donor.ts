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
//   down or lagging) the choice is refused unless `allowWriteOutageForSync` is set.

import { majority } from "./membership";

export interface DonorCandidate {
    readonly id: number;
    readonly isLeader: boolean;
    readonly isVoter: boolean; // voters: listed as voter OR known to be one (the listing lies after a promotion)
    readonly up: boolean; // reachable over Bolt, container running
    readonly match?: number; // the leader's progress match for it (undefined: unknown)
}

export interface DonorInput {
    readonly members: readonly DonorCandidate[]; // the whole live membership, leader included
    readonly leaderCommit: number; // the leader's commit index
    readonly joinerId: number; // never a donor; counted as a voter when it is one
    readonly maxLag?: number; // default 10 entries
    readonly allowWriteOutageForSync?: boolean; // let the leader donate when nobody else can
}

export interface DonorChoice {
    readonly id: number;
    readonly kind: "learner" | "voter" | "leader";
    readonly lag: number;
    readonly reason: string;
}

export const DEFAULT_MAX_LAG = 10;

/** A refused choice. A plain Error with name/kind set, like gateError. */
export function donorError(message: string): Error & { kind: "donor" } {
    const e = new Error(message) as Error & { kind: "donor" };
    e.name = "DonorChoiceError";
    e.kind = "donor";
    return e;
}

function lagOf(m: DonorCandidate, commit: number): number {
    if (m.isLeader) return 0;
    return m.match === undefined ? Number.POSITIVE_INFINITY : Math.max(0, commit - m.match);
}

export function chooseDonor(input: DonorInput): DonorChoice {
    const maxLag = input.maxLag ?? DEFAULT_MAX_LAG;
    const commit = input.leaderCommit;
    const leaders = input.members.filter((m) => m.isLeader);
    if (leaders.length !== 1 || !leaders[0].up) {
        throw donorError(
            `cannot choose a donor for node ${input.joinerId}: the cluster has no leader that is up right now; ` +
                `wait for an election or bring members back, then retry`,
        );
    }
    const leader = leaders[0];
    const caughtUp = (m: DonorCandidate) => m.up && lagOf(m, commit) <= maxLag;
    const voters = input.members.filter((m) => m.isVoter || m.isLeader);
    const healthyVoters = voters.filter((m) => m.id !== input.joinerId && caughtUp(m));
    const need = majority(voters.length);
    const why: string[] = [];
    const candidates: DonorChoice[] = [];
    for (const m of [...input.members].sort((a, b) => a.id - b.id)) {
        if (m.id === input.joinerId || m.isLeader) continue;
        const lag = lagOf(m, commit);
        if (!m.up) {
            why.push(`${m.id} is down`);
            continue;
        }
        if (lag > maxLag) {
            why.push(`${m.id} is not caught up (${m.match === undefined ? "no match known" : `match ${m.match}, commit ${commit}`})`);
            continue;
        }
        if (m.isVoter) {
            const remaining = healthyVoters.filter((v) => v.id !== m.id).length;
            if (remaining < need) {
                why.push(`stopping voter ${m.id} would leave ${remaining} of ${voters.length} voters running and caught up (a majority is ${need})`);
                continue;
            }
            candidates.push({
                id: m.id,
                kind: "voter",
                lag,
                reason: `voter ${m.id}: caught up (lag ${lag}), ${remaining} of ${voters.length} voters keep running`,
            });
        } else {
            candidates.push({ id: m.id, kind: "learner", lag, reason: `learner ${m.id}: caught up (lag ${lag}), not in the quorum` });
        }
    }
    const rank = (c: DonorChoice) => (c.kind === "learner" ? 0 : 1);
    candidates.sort((a, b) => rank(a) - rank(b) || a.lag - b.lag || a.id - b.id);
    if (candidates.length > 0) return candidates[0];
    const others = why.length ? `: ${why.join("; ")}` : " (it is the only member)";
    if (input.allowWriteOutageForSync) {
        return {
            id: leader.id,
            kind: "leader",
            lag: 0,
            reason: `leader ${leader.id}: no other member can donate${others}; allowed by allowWriteOutageForSync`,
        };
    }
    throw donorError(
        `refusing to copy data for node ${input.joinerId}: only the leader (${leader.id}) could donate${others}. ` +
            `The donor is stopped for the copy, so this means a write outage (and an election when there are other voters). ` +
            `Bring a caught-up member up, or set allowWriteOutageForSync to accept the outage`,
    );
}
