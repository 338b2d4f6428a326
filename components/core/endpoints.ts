import { ClusterConfig } from "./types";

// Where things are: Docker engines to talk to, and how clients reach the cluster.

export interface DockerEngine {
    readonly host: string;
    /** Stable, name-safe form of the address, used in resource names. */
    readonly slug: string;
}

export function engineSlug(host: string): string {
    return (
        host
            .replace(/^[a-z]+:\/\//, "")
            .replace(/[^A-Za-z0-9]+/g, "-")
            .replace(/^-|-$/g, "")
            .toLowerCase() || "local"
    );
}

/** Every distinct engine that runs a declared (non-removed) node, in first-use order. */
export function dockerEngines(config: ClusterConfig): DockerEngine[] {
    const seen = new Map<string, DockerEngine>();
    for (const node of config.nodes) {
        if (!node.removed && !seen.has(node.dockerHost)) {
            seen.set(node.dockerHost, { host: node.dockerHost, slug: engineSlug(node.dockerHost) });
        }
    }
    return [...seen.values()];
}

export interface ClusterEndpoints {
    /** node id -> "ip:boltPort" */
    readonly boltEndpoints: Record<string, string>;
    /**
     * A routing URI whose initial router is the first bootstrap member; clients that
     * pass resolverAddresses to a custom resolver (as the manual's Python example
     * does) survive that member being down. Always plain neo4j://: TuGraph's Bolt has
     * no TLS, whatever `tls` says (it only makes the web port HTTPS), so neo4j+s:// and
     * neo4j+ssc:// cannot reach a node. Traffic and passwords go in clear: keep Bolt on
     * a private network (README, Security).
     */
    readonly neo4jUri: string;
    readonly resolverAddresses: string[];
    readonly voterIds: number[];
    readonly learnerIds: number[];
}

export function clusterEndpoints(config: ClusterConfig): ClusterEndpoints {
    const live = config.nodes.filter((n) => !n.removed);
    const address = (n: { ip: string; boltPort: number }) => `${n.ip}:${n.boltPort}`;
    const router = live.find((n) => config.bootstrap.includes(n.id)) ?? live[0];
    return {
        boltEndpoints: Object.fromEntries(live.map((n) => [String(n.id), address(n)])),
        // Plain neo4j:// whatever tls says: TuGraph's Bolt has no TLS (docs/tugraph-facts.md).
        neo4jUri: router ? `neo4j://${address(router)}` : "",
        resolverAddresses: live.map(address),
        voterIds: live.filter((n) => n.role === "voter").map((n) => n.id),
        learnerIds: live.filter((n) => n.role === "learner").map((n) => n.id),
    };
}
