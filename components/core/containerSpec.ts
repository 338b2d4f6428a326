import { CONTAINER_PATHS, ClusterConfig, NodeSpec } from "./types";

// What a node's container looks like, apart from the rendered config and
// secrets: plain data, so tests (and the Docker scenario tests) can apply it
// without Pulumi.

export interface ContainerSpec {
    readonly name: string;
    readonly command: string[];
    readonly volumes: { hostPath: string; containerPath: string; readOnly?: boolean }[];
    readonly healthcheck: { tests: string[]; interval: string; timeout: string; retries: number; startPeriod: string };
    readonly labels: { label: string; value: string }[];
}

/** Seconds a node's container gets to stop cleanly (SIGTERM runs lgraph_server's own shutdown) before a kill. */
export const STOP_TIMEOUT_SECONDS = 120;

export function containerName(config: ClusterConfig, node: NodeSpec): string {
    return `${config.containerPrefix}${node.id}`;
}

export function containerSpec(config: ClusterConfig, node: NodeSpec): ContainerSpec {
    const volumes: ContainerSpec["volumes"] = [
        { hostPath: node.dataDir, containerPath: CONTAINER_PATHS.data },
        { hostPath: node.logDir, containerPath: CONTAINER_PATHS.log },
    ];
    if (config.tls.enabled && config.tls.keyFile) {
        volumes.push({ hostPath: config.tls.keyFile, containerPath: CONTAINER_PATHS.serverKey, readOnly: true });
    }
    if (config.tls.enabled && config.tls.certFile) {
        volumes.push({ hostPath: config.tls.certFile, containerPath: CONTAINER_PATHS.serverCert, readOnly: true });
    }
    return {
        name: containerName(config, node),
        // Foreground mode: the container lives exactly as long as the server.
        command: ["lgraph_server", "-c", CONTAINER_PATHS.config, "-d", "run"],
        volumes,
        // The images have bash; /dev/tcp needs no extra tool inside the container.
        healthcheck: {
            tests: ["CMD", "bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${node.boltPort}`],
            interval: "10s",
            timeout: "3s",
            retries: 3,
            startPeriod: "30s",
        },
        // Only what never changes for a node: a changed label replaces the container.
        labels: [{ label: "tugraph-ha.node-id", value: String(node.id) }],
    };
}
