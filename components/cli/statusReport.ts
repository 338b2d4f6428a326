// `npm run status`, the pure part: what every member answered -> one row per
// member, the problems (each naming its fix), the exit code, and the text or
// JSON to print. No I/O; statusCommand.ts has boltAdmin's discovery gather the answers.
//
// Exit codes: 0 healthy; 2 no leader, or a voter is down or cannot catch up.
// (1, invalid config, and usage errors are decided before any node is asked.)
//
// Lag is judged by numbers (core/lag.ts), never by a raft state name: TuGraph
// shows a joiner that cannot catch up as mostly StateReplicate.

import type { NodeAnswer as BoltNodeAnswer } from "../adapters/boltAdmin";
import { majority } from "../core/membership";
import type { ClusterConfig, Role } from "../core/types";
import { classifyMember, LagState, MemberLag, OwnSample } from "../core/lag";

/** The parts of boltAdmin's RaftStatus this needs. */
export interface NodeStatus {
    readonly id: number;
    readonly term: number;
    readonly commit: number;
    readonly applied: number;
    readonly raftState: string;
    /** raftlog.first: the last compacted index (0 while never compacted); a match below the leader's cannot catch up. */
    readonly first?: number;
    readonly progress: Readonly<Record<number, { readonly match: number }>>;
}

/** What one address answered within its deadline (discovery keeps every node's answer). */
export type NodeAnswer = BoltNodeAnswer<NodeStatus>;

export interface StatusInput {
    readonly stack: string;
    readonly cfg: ClusterConfig;
    readonly answers: readonly NodeAnswer[];
    /** The leader's status again, a while after the first answers (taken when someone was behind). */
    readonly leaderAgain?: NodeStatus;
}

export interface StatusRow {
    readonly id: number;
    readonly address: string;
    readonly role: Role;
    readonly leader: boolean;
    readonly reachable: boolean;
    readonly applied: number | null;
    readonly commit: number | null;
    readonly lag: number | null; // entries behind the leader's commit (the worse of its match and its own applied)
    readonly state: LagState;
    readonly member: boolean; // in the live membership
    readonly inStack: boolean; // a non-removed node of the stack file
    readonly note: string;
}

export interface StatusReport {
    readonly code: 0 | 2;
    readonly leader: number | null;
    readonly term: number | null;
    readonly commit: number | null;
    readonly rows: readonly StatusRow[];
    readonly problems: readonly string[]; // make the exit code 2
    readonly notes: readonly string[]; // worth knowing, not unhealthy
}

const STATE_TEXT: Record<LagState, string> = {
    "caught-up": "caught up",
    "catching-up": "catching up",
    "cannot-catch-up": "cannot catch up",
    unknown: "unknown",
};

/** The leader: a node whose own status says StateLeader; the highest term wins. */
export function findLeader(answers: readonly NodeAnswer[]): NodeAnswer | undefined {
    let best: NodeAnswer | undefined;
    for (const a of answers) {
        if (a.status?.raftState === "StateLeader" && (!best || a.status.term > best.status!.term)) best = a;
    }
    return best;
}

export function statusReport(input: StatusInput): StatusReport {
    const { cfg, answers } = input;
    const byAddress = new Map(answers.map((a) => [a.address, a]));
    const leaderAnswer = findLeader(answers);
    const leaderStatus = leaderAnswer?.status;
    const again = input.leaderAgain && leaderStatus && input.leaderAgain.id === leaderStatus.id ? input.leaderAgain : undefined;
    const leaderNow = again ?? leaderStatus;
    // Membership: the leader's listing; without a leader, the largest listing any node gave.
    const listing = leaderAnswer?.listing ?? [...answers].map((a) => a.listing ?? []).sort((a, b) => b.length - a.length)[0] ?? [];
    const stackNodes = cfg.nodes.filter((n) => !n.removed);
    const removedIds = new Set(cfg.nodes.filter((n) => n.removed).map((n) => n.id));
    const ids = [...new Set([...listing.map((m) => m.id), ...stackNodes.map((n) => n.id)])].sort((a, b) => a - b);
    // Nobody listed the membership (nobody answered): the stack's nodes are presumed members.
    const listed = listing.length > 0;

    const own: Record<number, OwnSample | null> = {};
    const rowsBase = ids.map((id) => {
        const live = listing.find((m) => m.id === id);
        const spec = stackNodes.find((n) => n.id === id);
        const address = live ? `${live.ip}:${live.boltPort}` : `${spec!.ip}:${spec!.boltPort}`;
        const a = byAddress.get(address);
        const reachable = !!a && !a.error && !!a.listing;
        // The listing does not update is_learner after a promotion: a voter is one the listing or the stack says is one.
        const role: Role = live ? (!live.isLearner || spec?.role === "voter" ? "voter" : "learner") : (spec?.role ?? "voter");
        if (live) own[id] = reachable && a!.status ? { applied: a!.status.applied, commit: a!.status.commit } : null;
        return { id, live, member: !!live || !listed, spec, address, a, reachable, role };
    });

    const lags = new Map<number, MemberLag>();
    if (leaderNow) {
        for (const r of rowsBase) {
            if (r.live) lags.set(r.id, classifyMember(r.id, { leader: leaderNow, earlier: again ? leaderStatus : undefined, own }));
        }
    }

    const problems: string[] = [];
    const notes: string[] = [];
    const rows: StatusRow[] = rowsBase.map((r) => {
        const lag = lags.get(r.id);
        const st = r.reachable ? r.a!.status : undefined;
        const isLeader = !!leaderAnswer && r.address === leaderAnswer.address;
        let lagNumber: number | null = null;
        if (leaderNow && r.live) {
            const behind = [lag?.behind, st ? Math.max(0, leaderNow.commit - st.applied) : undefined].filter((x): x is number => x !== undefined);
            lagNumber = isLeader ? 0 : behind.length ? Math.max(...behind) : null;
        }
        const what = `${r.role} ${r.id} at ${r.address}`;
        let note = "";
        if (!r.reachable) {
            const why = r.a?.error ?? "not asked";
            note = `no answer: ${why}`;
            const msg = `${what} is unreachable (${why}): start it, or check its host and network`;
            if (r.member) (r.role === "voter" ? problems : notes).push(msg);
        }
        if (lag && lag.state === "cannot-catch-up") {
            note = note || lag.reason;
            const msg = `${what} cannot catch up: ${lag.reason}`;
            if (r.role === "voter") problems.push(msg);
            else notes.push(msg);
        } else if (lag && r.reachable && lag.state !== "caught-up") {
            note = lag.reason;
            notes.push(`${what} is ${STATE_TEXT[lag.state]}: ${lag.reason}`);
        }
        if (!r.member && r.spec) {
            note = note || "not a member";
            notes.push(
                `node ${r.id} of the stack is not in the live membership: \`pulumi up\` adds it (or it was removed outside Pulumi: run \`pulumi refresh\`)`,
            );
        } else if (r.live && !r.spec) {
            note = note || (removedIds.has(r.id) ? "removed in the stack, still a member" : "not in the stack file");
            notes.push(
                removedIds.has(r.id)
                    ? `node ${r.id} is marked removed: true but is still a member: \`pulumi up\` removes it`
                    : `member ${r.id} at ${r.address} is not in the stack file: add its entry to the stack, or remove it from the cluster`,
            );
        } else if (r.live && r.spec && r.spec.role !== r.role) {
            notes.push(`node ${r.id} is a ${r.role} in the cluster but a ${r.spec.role} in the stack: \`pulumi up\` changes it`);
        }
        return {
            id: r.id,
            address: r.address,
            role: r.role,
            leader: isLeader,
            reachable: r.reachable,
            applied: st ? st.applied : null,
            commit: st ? st.commit : null,
            lag: lagNumber,
            state: lag?.state ?? "unknown",
            member: r.member,
            inStack: !!r.spec,
            note,
        };
    });

    const voters = rows.filter((r) => r.member && r.role === "voter");
    const upVoters = voters.filter((r) => r.reachable && r.state !== "cannot-catch-up");
    if (!leaderAnswer) {
        const asked = answers.length;
        const answered = answers.filter((a) => !a.error).length;
        problems.unshift(
            `no leader: ${answered} of ${asked} asked node(s) answered and none is leader` +
                (voters.length ? `; ${upVoters.length} of ${voters.length} voters answer and a leader needs ${majority(voters.length)}` : "") +
                `: start the members that are down (a majority of the voters must be up to elect a leader)`,
        );
    } else if (voters.length > 0) {
        const need = majority(voters.length);
        const spare = upVoters.length - need;
        const summary =
            `${upVoters.length} of ${voters.length} voters up and caught up: ` +
            (spare >= 0
                ? `the cluster can lose ${spare} more`
                : `below the majority of ${need}, so new writes cannot commit: bring voters back (or give a stranded joiner its data copy)`);
        if (problems.length > 0) problems.push(summary);
        else notes.unshift(summary);
    }
    const code: 0 | 2 = problems.length > 0 ? 2 : 0;
    return {
        code,
        rows,
        problems,
        notes,
        leader: leaderAnswer ? leaderStatus!.id : null,
        term: leaderStatus ? leaderStatus.term : null,
        commit: leaderNow ? leaderNow.commit : null,
    };
}

const dash = (v: unknown) => (v === null || v === undefined ? "-" : String(v));

export function statusText(stack: string, rep: StatusReport): string {
    const head = rep.leader === null ? `stack ${stack}: NO LEADER` : `stack ${stack}: leader ${rep.leader} (term ${rep.term}, commit ${rep.commit})`;
    const table = [
        ["id", "address", "role", "leader", "reachable", "applied", "commit", "lag", "state"],
        ...rep.rows.map((r) => [
            String(r.id),
            r.address,
            r.role + (r.member ? "" : " (not a member)"),
            r.leader ? "yes" : "-",
            r.reachable ? "yes" : "NO",
            dash(r.applied),
            dash(r.commit),
            dash(r.lag),
            STATE_TEXT[r.state],
        ]),
    ];
    const widths = table[0].map((_, k) => Math.max(...table.map((row) => row[k].length)));
    const lines = [head, ...table.map((row) => row.map((c, k) => (k === row.length - 1 ? c : c.padEnd(widths[k]))).join("  "))];
    if (rep.problems.length) lines.push("problems:", ...rep.problems.map((p) => `  - ${p}`));
    if (rep.notes.length) lines.push("notes:", ...rep.notes.map((p) => `  - ${p}`));
    lines.push(rep.code === 0 ? "healthy (exit 0)" : `UNHEALTHY (exit ${rep.code})`);
    return lines.join("\n") + "\n";
}

/** Exactly one JSON object: leader and members (with a few extra keys). */
export function statusJson(stack: string, rep: StatusReport): string {
    return (
        JSON.stringify(
            {
                stack,
                leader: rep.leader,
                term: rep.term,
                commit: rep.commit,
                healthy: rep.code === 0,
                exitCode: rep.code,
                members: rep.rows.map((r) => ({
                    id: r.id,
                    address: r.address,
                    role: r.role,
                    leader: r.leader,
                    reachable: r.reachable,
                    applied: r.applied,
                    commit: r.commit,
                    lag: r.lag,
                    state: r.state,
                    member: r.member,
                    inStack: r.inStack,
                    note: r.note,
                })),
                problems: rep.problems,
                notes: rep.notes,
            },
            null,
            2,
        ) + "\n"
    );
}
