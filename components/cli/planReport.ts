// ClusterConfig -> the text `npm run plan` prints. Pure. Static plan only: it
// shows what the stack file asks for; a later live plan can append what the
// running cluster's membership would need (see planCommand.ts).
// Secrets never reach this module: ClusterConfig has none, and the secret keys
// are printed as SECRET_MASK by their name, never by searching text for values.

import type { ClusterConfig, NodeSpec } from "../core/types";
import { CONTAINER_PATHS } from "../core/types";
import { initPeersFor, isBootstrapNode, lgraphJsonText, renderLgraphConfig } from "../core/render";
import { containerName } from "../core/containerSpec";

export const SECRET_MASK = "[secret]";

export interface PlanContext {
    readonly project: string;
    readonly stack: string;
    readonly encryptedKeys: readonly string[];
}

function nodeHeader(cfg: ClusterConfig, n: NodeSpec): string {
    const state = n.removed ? "to be removed" : isBootstrapNode(cfg, n) ? "bootstrap" : "joins";
    return `=== node ${n.id} | ${n.role} | ${state} | host ${n.ip} via ${n.dockerHost} | container ${containerName(cfg, n)} ===`;
}

function nodeSection(cfg: ClusterConfig, n: NodeSpec): string[] {
    const lines = [nodeHeader(cfg, n)];
    if (n.removed) {
        lines.push("to be removed: leaves the raft membership first, then its container is dropped;", `its data stays on disk in ${n.dataDir}`);
        return lines;
    }
    lines.push(
        `ports: bolt ${n.boltPort}, raft ${n.raftPort}, web ${n.webPort}`,
        `volumes: ${n.dataDir} -> ${CONTAINER_PATHS.data}, ${n.logDir} -> ${CONTAINER_PATHS.log}`,
    );
    if (!isBootstrapNode(cfg, n)) {
        lines.push(`joins with ${n.role === "learner" ? "addRaftLearnerNode" : "addRaftNode"}; init peers predicted; recorded at join time`);
    }
    // ClusterConfig carries no secret, so neither does this text: nothing to mask.
    const text = lgraphJsonText(renderLgraphConfig(cfg, n, initPeersFor(cfg, n)));
    lines.push(`${CONTAINER_PATHS.config}:`, text.trimEnd());
    return lines;
}

export function planReport(cfg: ClusterConfig, ctx: PlanContext): string {
    const secretState = (key: string, set: boolean) => (ctx.encryptedKeys.includes(key) ? `${SECRET_MASK} (encrypted)` : set ? SECRET_MASK : "not set");
    const live = cfg.nodes.filter((n) => !n.removed);
    const m = cfg.membership;
    const header = [
        `Plan for stack ${ctx.stack} of project ${ctx.project} (from the stack file only: no Pulumi CLI, no cluster access)`,
        `image: ${cfg.image}`,
        `admin: user ${cfg.adminUser}, password ${secretState("adminPassword", true)}`,
        `tls: ${
            cfg.tls.enabled
                ? `on for the web port only (key ${cfg.tls.keyFile ?? secretState("tlsKey", true)}, cert ${cfg.tls.certFile ?? secretState("tlsCert", true)}); ` +
                  "Bolt and raft stay plain text (TuGraph has no TLS there)"
                : "off (Bolt and raft are plain text in any case)"
        }`,
        `nodes: ${live.length} (${live.filter((n) => n.role === "voter").length} voters, ${live.filter((n) => n.role === "learner").length} learners)` +
            `, ${cfg.nodes.length - live.length} to be removed`,
        `bootstrap: ${cfg.bootstrap.join(", ")}`,
        `membership: minVoters ${m.minVoters}, call timeout ${m.callTimeoutMs / 1000}s, total ${m.totalTimeoutMs / 1000}s, ` +
            `unsafe removal ${m.allowUnsafeRemoval ? "allowed" : "refused"}`,
    ];
    const sections = cfg.nodes.map((n) => nodeSection(cfg, n).join("\n"));
    return [header.join("\n"), ...sections].join("\n\n") + "\n";
}
