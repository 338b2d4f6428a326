// What the live cluster says that the stack does not: warnings for preview,
// `npm run plan` and `pulumi up`, each with the exact fix. Pure. Nothing here
// changes anything: drift is never repaired implicitly.
import type { MemberLag } from "./lag";
import { voterIds, type LiveMembership } from "./membership";
import type { PlannedNode } from "./changePlan";

export function driftWarnings(nodes: readonly PlannedNode[], live: LiveMembership, lag: readonly MemberLag[] = []): string[] {
    const out: string[] = [];
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const down = new Set(live.downIds);
    const voters = new Set(voterIds(live));
    if (live.leaderId === undefined) {
        out.push(`the cluster has no leader right now: no membership change can run; bring members back (a majority of the voters must be up), then run again`);
    }
    for (const m of live.members) {
        const n = byId.get(m.id);
        if (!n) {
            out.push(
                `node ${m.id} at ${m.ip}:${m.boltPort}/${m.raftPort} is a raft member the stack does not know: add it to tugraph:nodes with that address to keep it, or add an entry for it with \`removed: true\` to remove it`,
            );
            continue;
        }
        if (!n.removed && n.role === "learner" && voters.has(m.id) && !m.isLearner) {
            out.push(
                `node ${m.id} is a voter in the cluster but the stack says learner: TuGraph cannot demote; set its role to voter (or set \`removed: true\` and add a learner under a new id)`,
            );
        }
    }
    for (const id of [...voters].filter((v) => down.has(v)).sort((a, b) => a - b)) {
        const stuck = lag.find((l) => l.id === id && l.state === "cannot-catch-up");
        out.push(
            stuck
                ? `voter ${id} cannot catch up (${stuck.reason}): set \`resync\` on node ${id} (any new value) so it gets a fresh copy, or replace it (\`removed: true\` and a new node)`
                : `voter ${id} is down or behind the leader: the cluster cannot lose another voter; bring it back, or replace it (\`removed: true\` on it and a new node with a new id)`,
        );
    }
    for (const l of lag.filter((x) => x.state === "cannot-catch-up" && !voters.has(x.id))) {
        out.push(`learner ${l.id} cannot catch up (${l.reason}): set \`resync\` on node ${l.id} (any new value) so it gets a fresh copy`);
    }
    for (const id of live.unreachableFromHere ?? []) {
        const m = live.members.find((x) => x.id === id)!;
        out.push(
            `node ${id}'s address ${m.ip}:${m.boltPort} does not answer from this machine, while the leader sees node ${id} up to date: ` +
                `TuGraph's ROUTE hands clients each node's raft ip (tugraph:nodes[].ip), so neo4j:// clients here will be sent to an address they cannot reach ` +
                `("Unable to retrieve routing information"); make ${m.ip}:${m.boltPort} reachable from the clients (firewall, routes), or give node ${id} an ip they reach`,
        );
    }
    const members = new Set(live.members.map((m) => m.id));
    const notMembers = nodes.filter((n) => n.bootstrap && !n.removed && !members.has(n.id)).map((n) => n.id);
    if (live.members.length > 0 && notMembers.length > 0) {
        const formed = nodes.filter((n) => n.bootstrap && members.has(n.id)).map((n) => n.id);
        out.push(
            `bootstrap node(s) ${notMembers.join(", ")} are not members of the running cluster: if the cluster was formed without them, ` +
                `set \`tugraph:bootstrap: [${formed.join(", ")}]\` (bootstrap is only the first deployment's voters); if they were removed outside the stack, set \`removed: true\` on them and add new nodes with new ids`,
        );
    }
    return out;
}
