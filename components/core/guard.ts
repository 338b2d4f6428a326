// What each host's raft guard allows (tugraph:raftGuard): pure. Every node of the stack, a
// tombstone included (it leaves the guard with its entry, after its removal), may reach the
// raft ports of the nodes on a host; with boltClients, those networks and the nodes the Bolt ports.
import type { ClusterConfig } from "./types";

export interface HostGuardPlan {
    readonly dockerHost: string;
    readonly raftPorts: number[];
    readonly boltPorts: number[];
    readonly peers: string[];
    readonly boltClients?: string[];
}

/** One plan per Docker host that runs a live node; none without tugraph:raftGuard. */
export function hostGuardPlans(config: ClusterConfig): HostGuardPlan[] {
    if (!config.raftGuard) return [];
    const peers = [...new Set(config.nodes.map((n) => n.ip))].sort();
    const hosts = [...new Set(config.nodes.filter((n) => !n.removed).map((n) => n.dockerHost))];
    return hosts.map((dockerHost) => {
        const here = config.nodes.filter((n) => !n.removed && n.dockerHost === dockerHost);
        return {
            dockerHost,
            raftPorts: [...new Set(here.map((n) => n.raftPort))].sort((a, b) => a - b),
            boltPorts: [...new Set(here.map((n) => n.boltPort))].sort((a, b) => a - b),
            peers,
            ...(config.raftGuard!.boltClients ? { boltClients: [...config.raftGuard!.boltClients] } : {}),
        };
    });
}
