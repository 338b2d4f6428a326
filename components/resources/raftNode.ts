import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { CONTAINER_PATHS, ClusterConfig, InitPeer, NodeSpec } from "../core/types";
import { lgraphJsonText, renderLgraphConfig } from "../core/render";
import { containerSpec, STOP_TIMEOUT_SECONDS } from "../core/containerSpec";
import { digest, withTlsContents } from "../core/rolling";

export interface RaftNodeArgs {
    /** The validated stack: the cluster-wide settings every node's lgraph.json and container carry. No default. */
    readonly config: ClusterConfig;
    /** This node of the stack. No default. */
    readonly node: NodeSpec;
    /** Fixed when the node is first created: bootstrap peers, or the membership recorded at join time. No default. */
    readonly initPeers: pulumi.Input<InitPeer[]>;
    /** The image id on this node's Docker host (its RemoteImage). No default. */
    readonly image: pulumi.Input<string>;
    /** The Docker provider of this node's host. No default. */
    readonly provider: docker.Provider;
    /** Inline PEM key (a Pulumi secret) when TLS comes from the stack rather than host files. Defaults to none: tls.keyFile on the host. */
    readonly tlsKey?: pulumi.Input<string>;
    /** Inline PEM certificate (a Pulumi secret), with tlsKey. Defaults to none: tls.certFile on the host. */
    readonly tlsCert?: pulumi.Input<string>;
}

/** A node's rendered lgraph.json. */
export function lgraphJsonOf(config: ClusterConfig, node: NodeSpec, initPeers: pulumi.Input<InitPeer[]>): pulumi.Output<string> {
    return pulumi.output(initPeers).apply((peers) => lgraphJsonText(renderLgraphConfig(config, node, peers)));
}

/**
 * A digest of what a node's container is made of (image, rendered config, shape, inline TLS
 * contents): it changes exactly when the container is replaced. The gates before (RestartGate)
 * and after (NodeReady) a container act on its change.
 */
export function containerDigest(
    config: ClusterConfig,
    node: NodeSpec,
    a: { image: pulumi.Input<string>; initPeers: pulumi.Input<InitPeer[]>; tlsKey?: pulumi.Input<string>; tlsCert?: pulumi.Input<string> },
): pulumi.Output<string> {
    const spec = containerSpec(config, node);
    return pulumi
        .all([a.image, lgraphJsonOf(config, node, a.initPeers), a.tlsKey, a.tlsCert])
        .apply(([image, lgraph, key, cert]) => withTlsContents(digest(JSON.stringify({ image, lgraph, spec })), key, cert));
}

/** One TuGraph raft member: its rendered lgraph.json and the container that runs it. */
export class RaftNode extends pulumi.ComponentResource {
    public readonly nodeId: number;
    public readonly boltEndpoint: string;
    public readonly containerName: string;
    public readonly lgraphJson: pulumi.Output<string>;
    public readonly container: docker.Container;
    /** A digest of what the container is made of (image, rendered config, shape): changes exactly when the container is replaced. */
    public readonly spec: pulumi.Output<string>;

    constructor(name: string, args: RaftNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tugraph:index:RaftNode", name, {}, opts);
        const { config, node } = args;
        const spec = containerSpec(config, node);

        this.nodeId = node.id;
        this.boltEndpoint = `${node.ip}:${node.boltPort}`;
        this.containerName = spec.name;
        this.lgraphJson = lgraphJsonOf(config, node, args.initPeers);
        // Inline TLS contents count too (they are uploaded): a rotation then passes this node's gates.
        this.spec = containerDigest(config, node, args);

        const uploads: docker.types.input.ContainerUpload[] = [{ file: CONTAINER_PATHS.config, content: this.lgraphJson }];
        if (args.tlsKey) uploads.push({ file: CONTAINER_PATHS.serverKey, content: args.tlsKey, permissions: "0600" });
        if (args.tlsCert) uploads.push({ file: CONTAINER_PATHS.serverCert, content: args.tlsCert });

        this.container = new docker.Container(
            `${name}-container`,
            {
                name: spec.name,
                image: args.image,
                networkMode: "host",
                command: spec.command,
                volumes: spec.volumes,
                uploads,
                restart: "unless-stopped",
                healthcheck: spec.healthcheck,
                labels: spec.labels,
                mustRun: true,
                // No wait for Docker's health status (its first probe comes only after a whole
                // interval): each node's NodeReady asks the node itself. The health check stays for `docker ps`.
                wait: false,
                // Only anonymous volumes would go; the data and log directories are host binds and stay.
                removeVolumes: false,
                // The Docker plugin stops a container it replaces or destroys with this grace, then
                // force-removes it; its default, 0, is a SIGKILL, and TuGraph then loses applies still
                // queued (docs/tugraph-facts.md). Changing it updates state only, no restart.
                destroyGraceSeconds: STOP_TIMEOUT_SECONDS,
            },
            // A component's dependsOn does not reach its children: pass it on, so the container
            // really waits (for the bootstrap record's check, or for the node's add).
            { parent: this, provider: args.provider, deleteBeforeReplace: true, dependsOn: opts?.dependsOn },
        );

        this.registerOutputs({
            nodeId: this.nodeId,
            boltEndpoint: this.boltEndpoint,
            containerName: this.containerName,
            lgraphJson: this.lgraphJson,
        });
    }
}
