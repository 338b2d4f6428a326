// What must never change about a node once it exists, and the check that says so.
// A node's raft address is in every member's log, and its data directory holds
// its log and vote: moving either (a new ip or port, another Docker host, another
// directory) would restart it as a stranger or on an empty disk, which raft's
// safety does not survive. Ids of removed nodes stay retired for the same reason.
// Pure: used by the ClusterRecord provider's check and tested directly.
import { ClusterConfig, InitPeer, NodeSpec } from "./types";

export interface Placement {
    readonly id: number;
    readonly ip: string;
    readonly boltPort: number;
    readonly raftPort: number;
    readonly dockerHost: string;
    readonly dataDir: string;
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
 * Compares what was recorded with what the stack declares now. Returns the inputs to
 * record (every id ever seen: one dropped from the stack stays remembered) and one
 * failure per forbidden change, each naming the key and the fix.
 */
export function checkClusterRecord(olds: ClusterRecordInputs | undefined, news: ClusterRecordInputs): { inputs: ClusterRecordInputs; failures: RecordFailure[] } {
    const failures: RecordFailure[] = [];
    if (!olds || !Array.isArray(olds.nodes)) return { inputs: news, failures };

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

    const before = new Map(olds.nodes.map((p) => [p.id, p]));
    for (const now of news.nodes) {
        const was = before.get(now.id);
        if (!was) continue;
        if (was.removed && !now.removed) {
            failures.push({
                property: "nodes",
                reason: `tugraph:nodes: node ${now.id} was removed from the cluster; raft must never see a removed id again. Fix: keep \`removed: true\` on it and give the new node a new id.`,
            });
            continue;
        }
        if (now.removed) continue;
        for (const field of FIXED) {
            if (was[field] !== now[field]) {
                failures.push({
                    property: "nodes",
                    reason:
                        `tugraph:nodes: node ${now.id}'s ${field} changed from ${JSON.stringify(was[field])} to ${JSON.stringify(now[field])}: ` +
                        `a node's address, Docker host and data directory are fixed once it exists (its raft membership and its log live there). ` +
                        `Fix: put ${JSON.stringify(was[field])} back; to move a node, set \`removed: true\` on it and add a new node with a new id.`,
                });
            }
        }
    }
    // Remember ids the stack no longer lists, so they stay retired.
    const listed = new Set(news.nodes.map((p) => p.id));
    const forgotten = olds.nodes.filter((p) => !listed.has(p.id)).map((p) => ({ ...p, removed: true }));
    const nodes = [...news.nodes, ...forgotten].sort((a, b) => a.id - b.id);
    return { inputs: { bootstrap: news.bootstrap, nodes }, failures };
}
