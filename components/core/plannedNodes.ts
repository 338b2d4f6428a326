// The stack's nodes as the one membership planner (changePlan.ts) sees them. Pure.
import type { PlannedNode } from "./changePlan";
import { isBootstrapNode } from "./render";
import type { ClusterConfig } from "./types";

export function plannedNodes(config: ClusterConfig): PlannedNode[] {
    return config.nodes.map((n) => ({
        id: n.id,
        ip: n.ip,
        boltPort: n.boltPort,
        raftPort: n.raftPort,
        role: n.role,
        removed: n.removed,
        dockerHost: n.dockerHost,
        bootstrap: isBootstrapNode(config, n),
    }));
}
