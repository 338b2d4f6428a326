// The one membership planner: what `pulumi preview`, `pulumi up` and
// `npm run plan` say and do about raft membership. Pure.
//
// Given the stack's nodes and (when the cluster answers) its live membership,
// it returns
//   - `chain`: the order in which the cluster component wires the membership
//     resources (every tombstone and every joiner of the stack, applied or
//     not: an applied one is a no-op for the engine), and
//   - `steps`: the changes still to make, in that order, each with the verdict
//     of its gate, checked against the membership the steps before it lead to.
// A step refused anywhere refuses the whole plan before anything changes
// (the program throws), with the fix that is true for the situation.
//
// Order (facts: docs/tugraph-facts.md; lessons of etcd/TiDB operators):
//   1. tombstones of FAILED members (down now), and tombstones whose ports a
//      new node on the same Docker host reuses: remove first (the replacement
//      needs the ports, a failed voter only weakens the quorum);
//   2. joins, one at a time, LEARNER FIRST: add as learner, copy a member's
//      data (TuGraph has no snapshots), start, and for a declared voter
//      promote once caught up. An empty voter never exists, so growth never
//      lowers fault tolerance;
//   3. tombstones of healthy members: remove last (grow, then shrink).
// Without a live view (first deployment, cluster unreachable) the order is
// tombstones, then joins, and the steps come from the config alone.
import { chooseDonor } from "./donor";
import { applyRemove, checkAddSafe, checkRemovalSafe, isMember, knownVoterIds, voterIds, type DesiredNode, type LiveMembership } from "./membership";
import { pass, refusalText, refuse, type RefusalCode, type Verdict } from "./verdict";

export interface PlannedNode extends DesiredNode {
    readonly dockerHost: string;
    readonly bootstrap: boolean;
}

export interface PlanPolicy {
    readonly minVoters: number;
    readonly allowUnsafeRemoval: boolean;
    readonly allowWriteOutageForSync?: boolean;
    /**
     * Joiners the last deployment recorded as started from a copy (the stack output
     * `copiedNodeIds`). With the bootstrap members and the joiners this plan copies before,
     * the only members that may donate. Defaults to none.
     */
    readonly copied?: readonly number[];
}

/** What the cluster component wires, in this order. */
export interface ChainItem {
    readonly kind: "remove" | "join";
    readonly nodeId: number;
}

export type StepKind = "remove" | "add-learner" | "sync" | "start" | "promote" | "conflict";

export interface PlanStep {
    readonly kind: StepKind;
    readonly nodeId: number;
    readonly text: string; // "remove 3", "add 6 as learner", "sync 6 from 2", ...
    readonly verdict: string; // the gate's verdict ("quorum kept: ...") or why it is refused, with the fix
    readonly refused: boolean;
    readonly code?: RefusalCode; // a refused step's gate code
    readonly blocking: boolean; // a refusal that refuses the whole plan
}

export interface ChangePlan {
    readonly fromLive: boolean;
    readonly chain: ChainItem[];
    readonly steps: PlanStep[];
    /** Set when the plan is refused as a whole: every refused step, with its fix. */
    readonly refusal?: string;
}

const portsOf = (n: Pick<PlannedNode, "boltPort" | "raftPort">) => [n.boltPort, n.raftPort];

/** A new node on `r`'s Docker host that uses one of `r`'s ports (TuGraph binds 0.0.0.0: ip does not matter). */
export function reusesPortsOf(r: PlannedNode, nodes: readonly PlannedNode[]): PlannedNode | undefined {
    return nodes.find((n) => !n.removed && n.id !== r.id && n.dockerHost === r.dockerHost && portsOf(n).some((p) => portsOf(r).includes(p)));
}

/** The chain: rank 0 remove-first tombstones, 1 joins, 2 remove-last tombstones; by id within a rank. */
export function chainOrder(nodes: readonly PlannedNode[], live?: LiveMembership): ChainItem[] {
    const down = new Set(live?.downIds ?? []);
    const rank = (n: PlannedNode): number => {
        if (!n.removed) return 1;
        if (!live) return 0;
        const newcomer = reusesPortsOf(n, nodes);
        if (newcomer && !isMember(live, newcomer.id)) return 0;
        if (isMember(live, n.id) && down.has(n.id)) return 0;
        return 2;
    };
    return nodes
        .filter((n) => n.removed || !n.bootstrap)
        .map((n) => ({ n, r: rank(n) }))
        .sort((a, b) => a.r - b.r || a.n.id - b.n.id)
        .map(({ n }) => ({ kind: n.removed ? ("remove" as const) : ("join" as const), nodeId: n.id }));
}

/** The membership after a learner's add, as the gates see it: a member that is down (not caught up) until it starts on its copy. */
function afterAddLearner(s: LiveMembership, n: PlannedNode): LiveMembership {
    return {
        ...s,
        members: [...s.members, { id: n.id, ip: n.ip, boltPort: n.boltPort, raftPort: n.raftPort, isLeader: false, isLearner: true }],
        downIds: [...s.downIds.filter((x) => x !== n.id), n.id],
    };
}

/** A gate's verdict with the planner's own words for a pass (the gate's why when there are none). */
const judged = (v: Verdict, passText?: string): Verdict => (v.ok && passText !== undefined ? pass(passText) : v);

export function planChanges(nodes: readonly PlannedNode[], live: LiveMembership | undefined, policy: PlanPolicy): ChangePlan {
    const chain = chainOrder(nodes, live);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const steps: PlanStep[] = [];
    const push = (kind: StepKind, nodeId: number, text: string, verdict: string) =>
        steps.push({ kind, nodeId, text, verdict, refused: false, blocking: false });
    /** One step per verdict: a refusal shows why and the fix, and carries its code. */
    const judge = (kind: StepKind, nodeId: number, text: string, v: Verdict, blocking = true) =>
        steps.push(
            v.ok
                ? { kind, nodeId, text, verdict: v.why, refused: false, blocking: false }
                : { kind, nodeId, text, verdict: refusalText(v), refused: true, blocking, code: v.code },
        );

    if (!live) {
        for (const c of chain) {
            const n = byId.get(c.nodeId)!;
            if (c.kind === "remove") push("remove", n.id, `remove ${n.id}`, "judged against the live cluster when it runs");
            else {
                push("add-learner", n.id, `add ${n.id} as learner`, "judged against the live cluster when it runs");
                push("sync", n.id, `sync ${n.id} from a caught-up member`, "donor chosen when it runs");
                push("start", n.id, `start ${n.id}`, "after its data is in place");
                if (n.role === "voter") push("promote", n.id, `promote ${n.id} when caught up`, "judged against the live cluster when it runs");
            }
        }
        return { fromLive: false, chain, steps };
    }

    const plannedVoters = nodes.filter((n) => !n.removed && n.role === "voter").length;
    // Copy sources: bootstrap members, joiners recorded as copied, and joiners this plan copies first.
    const copied = new Set([...nodes.filter((n) => n.bootstrap).map((n) => n.id), ...(policy.copied ?? []).filter((id) => byId.has(id))]);
    // Known voters (knownVoterIds) among current members: a joiner is a learner until its own promotion step.
    let state: LiveMembership = {
        ...live,
        knownVoters: [...new Set([...(live.knownVoters ?? []), ...knownVoterIds(nodes)])].filter((id) => isMember(live, id)).sort((a, b) => a - b),
    };
    for (const c of chain) {
        const n = byId.get(c.nodeId)!;
        const m = state.members.find((x) => x.id === n.id);
        if (c.kind === "remove") {
            if (!m) continue; // not (or no longer) a member: nothing to do
            const left = voterIds(state).filter((x) => x !== n.id);
            const down = new Set(state.downIds);
            const reuse = reusesPortsOf(n, nodes);
            const why = state.downIds.includes(n.id)
                ? "it is down"
                : reuse && !isMember(state, reuse.id)
                  ? `node ${reuse.id} reuses its ports`
                  : "healthy: removed after any joins";
            const g = judged(
                checkRemovalSafe(state, n.id, { ...policy, plannedVoters }),
                `quorum kept: ${left.filter((x) => !down.has(x)).length} of ${left.length} voters up after it (${why}); its container is stopped, its data kept`,
            );
            judge("remove", n.id, `remove ${n.id}`, g);
            if (g.ok) state = applyRemove(state, n.id);
            continue;
        }
        if (m) {
            if (m.ip !== n.ip || m.boltPort !== n.boltPort || m.raftPort !== n.raftPort) {
                judge(
                    "conflict",
                    n.id,
                    `node ${n.id}`,
                    refuse(
                        "member-elsewhere",
                        `it is a member at ${m.ip}:${m.boltPort}/${m.raftPort}, but the stack says ${n.ip}:${n.boltPort}/${n.raftPort}`,
                        `set \`removed: true\` on node ${n.id} and add the node again under a new id`,
                    ),
                );
                continue;
            }
            // A listed learner the stack declares a voter: promoted already (the listing hides it) or to promote.
            if (n.role === "voter" && m.isLearner && !(live.knownVoters ?? []).includes(n.id)) {
                const g = judged(
                    checkAddSafe(state, n.id, "voter"),
                    "once it is caught up (a no-op if it was promoted already: the listing does not show promotions)",
                );
                judge("promote", n.id, `promote ${n.id} when caught up`, g, false);
                if (g.ok) state = { ...state, knownVoters: [...(state.knownVoters ?? []), n.id] };
            }
            continue;
        }
        // A new node: learner first, its data, its container, then (a declared voter) its promotion.
        const up = voterIds(state).filter((x) => !state.downIds.includes(x)).length;
        const add = judged(
            checkAddSafe(state, n.id, "learner"),
            `majority up (${up} of ${voterIds(state).length} voters); a learner does not count in the quorum`,
        );
        judge("add-learner", n.id, `add ${n.id} as learner`, add);
        if (!add.ok) continue;
        state = afterAddLearner(state, n);
        const voters = new Set(voterIds(state));
        const down = new Set(state.downIds);
        // What the plan knows of each member: its role, and whether it is up and caught up (downIds holds
        // both kinds of unhealthy). No numbers: the provider judges the real ones when it runs.
        const donor = chooseDonor({
            joinerId: n.id,
            allowWriteOutageForSync: policy.allowWriteOutageForSync,
            members: state.members.map((x) => ({
                id: x.id,
                role: x.id === state.leaderId ? "leader" : voters.has(x.id) ? "voter" : "learner",
                up: !down.has(x.id),
                caughtUp: !down.has(x.id),
                copySource: copied.has(x.id),
            })),
        });
        judge("sync", n.id, `sync ${n.id} from ${donor.ok ? donor.donor.id : "?"}`, donor);
        if (!donor.ok) continue;
        push("start", n.id, `start ${n.id}`, "on the copy; waits until it has caught up");
        copied.add(n.id);
        state = { ...state, downIds: state.downIds.filter((x) => x !== n.id) };
        if (n.role === "voter") {
            const after = voterIds(state).length + 1;
            const g = judged(checkAddSafe(state, n.id, "voter"), `it votes at once: ${after} voters, a majority is ${Math.floor(after / 2) + 1}`);
            judge("promote", n.id, `promote ${n.id} when caught up`, g);
            if (g.ok) state = { ...state, knownVoters: [...(state.knownVoters ?? []), n.id] };
        }
    }

    const refused = steps.filter((s) => s.refused && s.blocking);
    const refusal =
        refused.length === 0
            ? undefined
            : `refusing the whole membership plan, nothing was changed:\n` +
              refused.map((s) => `  - ${s.text}: ${s.verdict}`).join("\n") +
              `\nthe plan was: ${steps.map((s) => s.text).join(" -> ")}`;
    return { fromLive: true, chain, steps, refusal };
}

/** One line per step, as preview and `npm run plan` print them. */
export function describePlan(plan: ChangePlan): string[] {
    const head = plan.fromLive
        ? "membership steps of this update (checked against the live cluster):"
        : "membership steps (from the config alone: the cluster did not answer):";
    if (plan.steps.length === 0) return [plan.fromLive ? "membership: no change" : "membership: no change declared"];
    return [head, ...plan.steps.map((s, i) => `  ${i + 1}. ${s.text}: ${s.refused ? `REFUSED: ${s.verdict}` : s.verdict}`)];
}
