// The typed cluster description every other module works from. Produced only
// by parseClusterConfig (components/core/config/) from the `tugraph:*` stack keys.
// Secrets (admin password, TLS key) are deliberately NOT part of it: they travel
// as Pulumi secrets from the program to the resources that need them.

export type Role = "voter" | "learner";

export interface NodeSpec {
    readonly id: number; // bolt_raft_node_id, integer > 0, unique
    readonly ip: string; // IPv4 literal: TuGraph does not resolve names
    readonly boltPort: number; // default 7687
    readonly raftPort: number; // default 8000
    readonly webPort: number; // default 7070 (lgraph.json "port")
    readonly role: Role; // default "voter"
    readonly dockerHost: string; // unix://, tcp:// or ssh:// address; default unix:///var/run/docker.sock
    readonly dataDir: string; // host directory mounted at /var/lib/lgraph/data
    readonly logDir: string; // host directory mounted at /var/log/lgraph_log
    readonly removed: boolean; // tombstone: remove from raft membership, then drop the container; data stays on disk
    readonly resync?: string; // a new value copies a member's data to this node again (a joiner that cannot catch up)
}

// bolt_raft_* tunables, only rendered when set. Names are TuGraph's own.
export interface RaftTunables {
    readonly bolt_raft_tick_interval?: number;
    readonly bolt_raft_election_tick?: number;
    readonly bolt_raft_heartbeat_tick?: number;
    readonly bolt_raft_logstore_cache?: number;
    readonly bolt_raft_logstore_threads?: number;
    readonly bolt_raft_logstore_keep_logs?: number;
    readonly bolt_raft_logstore_gc_interval?: number;
}

export interface TlsSettings {
    readonly enabled: boolean; // lgraph.json ssl_auth: HTTPS on the web port, nothing else
    // Where key and cert come from when enabled: inline PEM secrets (tugraph:tlsKey,
    // tugraph:tlsCert) or host files (keyFile/certFile). Either way they end up in
    // the container at the fixed paths below.
    readonly keyFile?: string;
    readonly certFile?: string;
    // Only the web port uses them (HTTPS): TuGraph's Bolt and raft have no TLS (docs/tugraph-facts.md).
}

export interface MembershipSettings {
    readonly callTimeoutMs: number; // deadline of one admin call (TuGraph's have none)
    readonly totalTimeoutMs: number; // bound on retries + leader re-discovery for one change
    /**
     * `membership.settleSeconds` in ms (default 2000): before a member is stopped for a data
     * copy (the DataSync donor) or restarted by a rolling change, it must have applied what the
     * leader had committed (so past the last membership change), then run this much longer.
     * TuGraph applies a membership change at once and saves its store's apply index while the
     * writes before it may still wait on its apply thread; a stop drops them, and a restart (or
     * a copy) resumes past them: lost on that node for good (docs/tugraph-facts.md).
     */
    readonly settleMs: number;
    readonly minVoters: number; // removal refused below this (default 3 when the cluster has >= 3 voters)
    readonly allowUnsafeRemoval: boolean;
    readonly allowWriteOutageForSync: boolean; // let the leader be the donor of a data copy when no other member can (a write outage)
}

export interface ClusterConfig {
    readonly image: string;
    readonly adminUser: string;
    readonly verbose: 0 | 1 | 2;
    readonly raft: RaftTunables;
    readonly tls: TlsSettings;
    readonly web: string; // lgraph.json "web"
    readonly containerPrefix: string; // container name = `${containerPrefix}${id}`
    readonly nodes: readonly NodeSpec[]; // in stack order, tombstones included
    readonly bootstrap: readonly number[]; // ids that formed the cluster from init peers (sorted)
    readonly membership: MembershipSettings;
    readonly sshOptions: readonly string[]; // extra ssh client arguments for ssh:// docker hosts (default none)
    readonly raftGuard?: RaftGuard; // the host firewall for the raft port (default: none)
}

/**
 * tugraph:raftGuard: on every host, only the stack's nodes may reach the raft ports (TuGraph's
 * raft has no authentication), and with boltClients only those networks and the nodes the Bolt ports.
 */
export interface RaftGuard {
    readonly image: string; // an image with iptables on every host; its helper runs with NET_ADMIN on the host network
    readonly boltClients?: readonly string[]; // IPv4 addresses or CIDR blocks allowed to Bolt (default: Bolt not guarded)
}

export const CONTAINER_PATHS = {
    config: "/usr/local/etc/lgraph.json",
    data: "/var/lib/lgraph/data",
    log: "/var/log/lgraph_log",
    serverKey: "/usr/local/etc/lgraph/server-key.pem",
    serverCert: "/usr/local/etc/lgraph/server-cert.pem",
} as const;

// One item of bolt_raft_init_peers, in TuGraph's own spelling (it is rendered as is).
export interface InitPeer {
    readonly bolt_raft_node_id: number;
    readonly ip: string;
    readonly bolt_raft_port: number;
    readonly bolt_port: number;
}
