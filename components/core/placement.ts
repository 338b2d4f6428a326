// What must never change about a node once it exists, and the check that says so.
// A node's raft address is in every member's log, and its data directory holds
// its log and vote: moving either (a new ip or port, another Docker host, another
// directory) would restart it as a stranger or on an empty disk, which raft's
// safety does not survive. Ids of removed nodes stay retired for the same reason.
// Pure: used by the ClusterRecord provider's check and tested directly.
import { ClusterConfig, InitPeer, NodeSpec } from "./types";

/** Where a node of the stack lives: fixed once it exists (only `removed` may change, once). */
export interface Placement {
    /** The node's raft id. */
    readonly id: number;
    /** Its IPv4 address. */
    readonly ip: string;
    /** Its Bolt port. */
    readonly boltPort: number;
    /** Its raft port. */
    readonly raftPort: number;
    /** The Docker engine it runs on. */
    readonly dockerHost: string;
    /** Its data directory on that host. */
    readonly dataDir: string;
    /** Marked `removed: true` in the stack. */
    readonly removed: boolean;
}

export interface ClusterRecordInputs {
    /** Init peers of the bootstrap members, fixed at the first deployment. */
    readonly bootstrap: InitPeer[];
    /** Every node ever declared, by id: placements of live nodes are fixed; removed ids stay retired. */
    readonly nodes: Placement[];
}

export interface RecordFailure {
    readonly property: string;
    readonly reason: string;
}

const FIXED = ["ip", "boltPort", "raftPort", "dockerHost", "dataDir"] as const;

export function placementOf(n: NodeSpec): Placement {
    return { id: n.id, ip: n.ip, boltPort: n.boltPort, raftPort: n.raftPort, dockerHost: n.dockerHost, dataDir: n.dataDir, removed: n.removed };
}

export function clusterRecordInputs(cfg: ClusterConfig, bootstrap: InitPeer[]): ClusterRecordInputs {
    return { bootstrap, nodes: [...cfg.nodes].sort((a, b) => a.id - b.id).map(placementOf) };
}

function peerList(peers: readonly InitPeer[]): string {
    return peers.map((p) => `${p.bolt_raft_node_id}@${p.ip}:${p.bolt_port}/${p.bolt_raft_port}`).join(", ");
}

/**
 * The live members as a confirmed leader lists them, or why they could not be read: what
 * the record check asks when a change can only be judged by the cluster. (Not the program's
 * LiveView of adapters/liveView.ts, which also carries lag and a note.)
 */
export type MemberListing =
    | { readonly members: readonly { readonly id: number; readonly ip: string; readonly boltPort: number; readonly raftPort: number }[] }
    | { readonly unreachable: string };

export interface RecordCheck {
    readonly inputs: ClusterRecordInputs;
    readonly failures: RecordFailure[];
    /** A change that only the live membership can judge (call again with `live`). */
    readonly needsLive: boolean;
}

/** `inner` lies strictly below `outer` (both absolute paths). */
export const isWithinDir = (inner: string, outer: string) => inner.startsWith(outer.endsWith("/") ? outer : `${outer}/`);
const nested = (a: string, b: string) => a === b || isWithinDir(a, b) || isWithinDir(b, a);

/**
 * Compares what was recorded with what the stack declares now. Returns the inputs to
 * record (every id ever seen: one dropped from the stack stays remembered) and one
 * failure per forbidden change, each naming the key and the fix.
 *
 * The record is written at the start of an update, before any membership change runs,
 * so "recorded as removed" means "declared removed", and "recorded placement" may
 * belong to a node whose add was refused. Bringing such a node back, or correcting its
 * placement, is judged by the live membership: a revival is fine while the node is still
 * a member at its address (the removal never happened); a move is fine while the node
 * never joined (not a member, not a bootstrap node).
 */
export function checkClusterRecord(olds: ClusterRecordInputs | undefined, news: ClusterRecordInputs, live?: MemberListing): RecordCheck {
    const failures: RecordFailure[] = [];
    if (!olds || !Array.isArray(olds.nodes)) return { inputs: news, failures, needsLive: false };
    let needsLive = false;
    const unreachable = live && "unreachable" in live ? live.unreachable : undefined;
    const member = (id: number) => (live && "members" in live ? live.members.find((m) => m.id === id) : undefined);
    const unverified = (id: number) => ` (Whether node ${id} is a raft member could not be checked: ${unreachable}. Run again when the cluster answers.)`;

    if (JSON.stringify(olds.bootstrap) !== JSON.stringify(news.bootstrap)) {
        const ids = olds.bootstrap.map((p) => p.bolt_raft_node_id).join(", ");
        failures.push({
            property: "bootstrap",
            reason:
                `tugraph:bootstrap now resolves to [${peerList(news.bootstrap)}] but this cluster was bootstrapped with ` +
                `[${peerList(olds.bootstrap)}]. Bootstrap members cannot change once the cluster exists: it would restart ` +
                `every node for nothing. Fix: set \`tugraph:bootstrap: [${ids}]\` in the stack file and keep the ` +
                `bootstrap nodes' addresses as they were; to move a node, mark it \`removed: true\` and add a new node with a new id.`,
        });
    }

    const bootstrapIds = new Set(olds.bootstrap.map((p) => p.bolt_raft_node_id));
    const before = new Map(olds.nodes.map((p) => [p.id, p]));
    for (const now of news.nodes) {
        const was = before.get(now.id);
        if (!was) {
            // A new node must not start on a directory a recorded node left on disk.
            const owner = olds.nodes.find((p) => p.dockerHost === now.dockerHost && nested(p.dataDir, now.dataDir));
            if (owner && !now.removed) {
                failures.push({
                    property: "nodes",
                    reason: `tugraph:nodes: node ${now.id}'s dataDir ${now.dataDir} overlaps ${owner.dataDir}, the data directory node ${owner.id} left on ${now.dockerHost}: a new node must start on a directory of its own. Fix: give node ${now.id} another dataDir.`,
                });
            }
            continue;
        }
        if (was.removed && !now.removed) {
            if (!live) {
                needsLive = true;
                continue;
            }
            const m = member(now.id);
            if (m && m.ip === now.ip && m.boltPort === now.boltPort && m.raftPort === now.raftPort) continue; // never actually removed
            failures.push({
                property: "nodes",
                reason:
                    `tugraph:nodes: node ${now.id} was marked removed${unreachable ? "" : " and is no longer a raft member"}; raft must never see a removed id again. ` +
                    `Fix: keep \`removed: true\` on it and give the new node a new id.${unreachable ? unverified(now.id) : ""}`,
            });
            continue;
        }
        if (now.removed) continue;
        const changed = FIXED.filter((field) => was[field] !== now[field]);
        if (changed.length === 0) continue;
        if (!bootstrapIds.has(now.id)) {
            if (!live) {
                needsLive = true;
                continue;
            }
            if (!unreachable && !member(now.id)) continue; // its add never happened: nothing lives at the old place
        }
        for (const field of changed) {
            failures.push({
                property: "nodes",
                reason:
                    `tugraph:nodes: node ${now.id}'s ${field} changed from ${JSON.stringify(was[field])} to ${JSON.stringify(now[field])}: ` +
                    `a node's address, Docker host and data directory are fixed once it exists (its raft membership and its log live there). ` +
                    `Fix: put ${JSON.stringify(was[field])} back; to move a node, set \`removed: true\` on it and add a new node with a new id.` +
                    (unreachable && !bootstrapIds.has(now.id) ? unverified(now.id) : ""),
            });
        }
    }
    // Remember ids the stack no longer lists, so they stay retired.
    const listed = new Set(news.nodes.map((p) => p.id));
    const forgotten = olds.nodes.filter((p) => !listed.has(p.id)).map((p) => ({ ...p, removed: true }));
    const nodes = [...news.nodes, ...forgotten].sort((a, b) => a.id - b.id);
    return { inputs: { bootstrap: news.bootstrap, nodes }, failures, needsLive };
}
