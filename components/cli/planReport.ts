// ClusterConfig -> the text `npm run plan` prints. Pure. Static plan only: it
// shows what the stack file asks for; a later live plan can append what the
// running cluster's membership would need (see planCommand.ts).

import type { ClusterConfig, NodeSpec } from "../core/types";
import { CONTAINER_PATHS } from "../core/types";
import { initPeersFor, isBootstrapNode, lgraphJsonText, renderLgraphConfig } from "../core/render";
import { containerName } from "../core/containerSpec";

export const SECRET_MASK = "[secret]";

export interface PlanContext {
    readonly project: string;
    readonly stack: string;
    readonly encryptedKeys: readonly string[];
    readonly secretValues: readonly string[];
}

// Replaces every occurrence of a secret value; longest first so overlaps stay masked.
export function maskSecrets(text: string, secrets: readonly string[]): string {
    return [...secrets].filter(s => s.length > 0).sort((a, b) => b.length - a.length)
        .reduce((t, s) => t.split(s).join(SECRET_MASK), text);
}

// lgraph.json must never carry a secret (the password goes through the admin
// API, TLS material through files): refuse to print one that does.
export function assertNoSecrets(text: string, secrets: readonly string[], what: string): void {
    if (secrets.some(s => s.length > 0 && text.includes(s))) {
        throw new Error(`${what} contains a secret value; refusing to print it (this is a bug in rendering)`);
    }
}

function nodeHeader(cfg: ClusterConfig, n: NodeSpec): string {
    const state = n.removed ? "to be removed" : isBootstrapNode(cfg, n) ? "bootstrap" : "joins";
    return `=== node ${n.id} | ${n.role} | ${state} | host ${n.ip} via ${n.dockerHost} | container ${containerName(cfg, n)} ===`;
}

function nodeSection(cfg: ClusterConfig, n: NodeSpec, ctx: PlanContext): string[] {
    const lines = [nodeHeader(cfg, n)];
    if (n.removed) {
        lines.push("to be removed: leaves the raft membership first, then its container is dropped;",
            `its data stays on disk in ${n.dataDir}`);
        return lines;
    }
    lines.push(`ports: bolt ${n.boltPort}, raft ${n.raftPort}, web ${n.webPort}`,
        `volumes: ${n.dataDir} -> ${CONTAINER_PATHS.data}, ${n.logDir} -> ${CONTAINER_PATHS.log}`);
    if (!isBootstrapNode(cfg, n)) {
        lines.push(`joins with ${n.role === "learner" ? "addRaftLearnerNode" : "addRaftNode"}; init peers predicted; recorded at join time`);
    }
    const text = lgraphJsonText(renderLgraphConfig(cfg, n, initPeersFor(cfg, n)));
    assertNoSecrets(text, ctx.secretValues, `lgraph.json of node ${n.id}`);
    lines.push(`${CONTAINER_PATHS.config}:`, text.trimEnd());
    return lines;
}

export function planReport(cfg: ClusterConfig, ctx: PlanContext): string {
    const secretState = (key: string, set: boolean) =>
        ctx.encryptedKeys.includes(key) ? `${SECRET_MASK} (encrypted)` : set ? SECRET_MASK : "not set";
    const live = cfg.nodes.filter(n => !n.removed);
    const m = cfg.membership;
    const header = [
        `Plan for stack ${ctx.stack} of project ${ctx.project} (from the stack file only: no Pulumi CLI, no cluster access)`,
        `image: ${cfg.image}`,
        `admin: user ${cfg.adminUser}, password ${secretState("adminPassword", true)}`,
        `tls: ${cfg.tls.enabled ? `on (key ${cfg.tls.keyFile ?? secretState("tlsKey", true)}, cert ${cfg.tls.certFile ?? secretState("tlsCert", true)})` : "off"}`,
        `nodes: ${live.length} (${live.filter(n => n.role === "voter").length} voters, ${live.filter(n => n.role === "learner").length} learners)` +
            `, ${cfg.nodes.length - live.length} to be removed`,
        `bootstrap: ${cfg.bootstrap.join(", ")}`,
        `membership: minVoters ${m.minVoters}, call timeout ${m.callTimeoutMs / 1000}s, total ${m.totalTimeoutMs / 1000}s, ` +
            `unsafe removal ${m.allowUnsafeRemoval ? "allowed" : "refused"}`,
    ];
    const sections = cfg.nodes.map(n => nodeSection(cfg, n, ctx).join("\n"));
    return maskSecrets([header.join("\n"), ...sections].join("\n\n") + "\n", ctx.secretValues);
}
