// Rolling changes, pure: which settings every node's container carries (a
// change of any of them restarts every node: it must roll), and in which order
// the nodes go. One node at a time, the leader last (its restart is the one
// that costs an election); each waits until the one before is back and caught
// up (components/providers/rolling.ts).
import { voterIds, type LiveMembership } from "./membership";
import { pass, refuse, type Verdict } from "./verdict";
import type { ClusterConfig, NodeSpec } from "./types";

/** A short stable digest (FNV-1a, 32 bit, hex) of a text: an input that changes when the text does. */
export function digest(text: string): string {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) {
        h ^= text.charCodeAt(i);
        h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(16).padStart(8, "0");
}

/** The cluster-wide settings every container carries: a change replaces every container (a roll). */
export function clusterRollSpec(cfg: ClusterConfig): string {
    const { image, containerPrefix, verbose, web, raft, tls } = cfg;
    return digest(JSON.stringify({ image, containerPrefix, verbose, web, raft, tls }));
}

/**
 * A roll spec that also changes when inline TLS contents (tugraph:tlsKey / tlsCert) change: a new
 * key or certificate changes every container's uploads (the Docker plugin replaces them), so the
 * gates must see it too. Without inline TLS the spec is left as it was (no update of existing stacks).
 */
export function withTlsContents(spec: string, key: string | undefined, cert: string | undefined): string {
    return key || cert ? digest(`${spec}\n${digest(`${key ?? ""}\n${cert ?? ""}`)}`) : spec;
}

/** Nodes in roll order: learners, then followers, then the leader; by id within each. */
export function rollOrder(nodes: readonly NodeSpec[], live?: LiveMembership): NodeSpec[] {
    const rank = (n: NodeSpec) => (live?.leaderId === n.id ? 2 : n.role === "learner" ? 0 : 1);
    return [...nodes].sort((a, b) => rank(a) - rank(b) || a.id - b.id);
}

/**
 * A cluster-wide roll restarts one node at a time: it starts only on a healthy cluster, a leader
 * and every voter up and caught up (`knownVoters` among them: the listing hides promotions).
 */
export function checkRollSafe(live: LiveMembership): Verdict<"cluster-unhealthy"> {
    const behind = voterIds(live).filter((v) => live.downIds.includes(v));
    if (live.leaderId === undefined || behind.length > 0) {
        return refuse(
            "cluster-unhealthy",
            `the cluster is not healthy (${live.leaderId === undefined ? "no leader" : `voter(s) ${behind.join(", ")} down or behind`}); a roll restarts ` +
                `one node at a time and needs every voter up. Nothing was restarted`,
            "fix the cluster (`npm run status` shows it), then run `pulumi up` again",
        );
    }
    return pass(`a leader, and all ${voterIds(live).length} voters up and caught up`);
}
