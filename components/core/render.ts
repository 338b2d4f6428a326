// Pure rendering of a node's lgraph.json, key for key as in the TuGraph
// manual's Bolt-HA example. No Pulumi, no I/O: the same input gives the same bytes.

import { ClusterConfig, CONTAINER_PATHS, InitPeer, NodeSpec, RaftTunables } from "./types";
import { TUNABLE_KEYS } from "./config";

export const initPeerOf = (n: NodeSpec): InitPeer => ({
    // Key order is the manual's: bolt_raft_node_id, ip, bolt_raft_port, bolt_port.
    bolt_raft_node_id: n.id,
    ip: n.ip,
    bolt_raft_port: n.raftPort,
    bolt_port: n.boltPort,
});

const byId = (a: NodeSpec, b: NodeSpec) => a.id - b.id;

export const isBootstrapNode = (cfg: ClusterConfig, node: NodeSpec): boolean => cfg.bootstrap.includes(node.id);

// The init peers the cluster was (or will be) formed from, sorted by id.
// Tombstoned bootstrap members stay in: a node's init peers never change once
// it started (TuGraph ignores them when a raft log exists), so the text of a
// bootstrap node's lgraph.json must not change either.
export function bootstrapPeers(cfg: ClusterConfig): InitPeer[] {
    return cfg.nodes
        .filter((n) => cfg.bootstrap.includes(n.id))
        .sort(byId)
        .map(initPeerOf);
}

// The membership a joining node will see once it has been added: the current
// non-removed voters plus the node itself (as in the manual: node 4, added
// after removing 3, lists 1, 2, 4). Only a PREDICTION for preview and plan:
// the membership resource records the real membership at join time and that
// is what the node's lgraph.json is rendered from.
export function joinPeers(cfg: ClusterConfig, node: NodeSpec): InitPeer[] {
    return cfg.nodes
        .filter((n) => n.id === node.id || (n.role === "voter" && !n.removed))
        .sort(byId)
        .map(initPeerOf);
}

// Init peers to render for a node: the bootstrap set for bootstrap members,
// the predicted join membership for everyone else.
export function initPeersFor(cfg: ClusterConfig, node: NodeSpec): InitPeer[] {
    return isBootstrapNode(cfg, node) ? bootstrapPeers(cfg) : joinPeers(cfg, node);
}

export function renderLgraphConfig(cfg: ClusterConfig, node: NodeSpec, initPeers: readonly InitPeer[]): Record<string, unknown> {
    const tunables: Partial<Record<keyof RaftTunables, number>> = {};
    for (const name of TUNABLE_KEYS) {
        const v = cfg.raft[name];
        if (v !== undefined) tunables[name] = v;
    }
    return {
        directory: CONTAINER_PATHS.data,
        host: node.ip,
        port: node.webPort,
        bolt_port: node.boltPort,
        bolt_raft_port: node.raftPort,
        bolt_raft_node_id: node.id,
        // Re-built so the key order is the manual's whatever the caller passed.
        bolt_raft_init_peers: initPeers.map((p) => ({
            bolt_raft_node_id: p.bolt_raft_node_id,
            ip: p.ip,
            bolt_raft_port: p.bolt_raft_port,
            bolt_port: p.bolt_port,
        })),
        verbose: cfg.verbose,
        log_dir: CONTAINER_PATHS.log,
        disable_auth: false,
        ssl_auth: cfg.tls.enabled,
        server_key: CONTAINER_PATHS.serverKey,
        server_cert: CONTAINER_PATHS.serverCert,
        web: cfg.web,
        ...tunables,
    };
}

// Deterministic text: 2-space JSON and a trailing newline.
export function lgraphJsonText(obj: Record<string, unknown>): string {
    return `${JSON.stringify(obj, null, 2)}\n`;
}
