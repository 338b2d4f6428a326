import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { ClusterConfig, InitPeer, NodeSpec } from "../core/types";
import type { ConfigWarning } from "../core/config";
import { bootstrapPeers, isBootstrapNode, joinPeers } from "../core/render";
import { membershipChain, membershipGateInputs } from "../core/membership";
import { clusterEndpoints, dockerEngines } from "../core/endpoints";
import { ClusterRecord } from "../providers/clusterRecord";
import { AdminPassword } from "../providers/adminPassword";
import { clusterRecordInputs } from "../core/placement";
import { RaftMember } from "../providers/raftMember";
import { RaftRemoval } from "../providers/raftRemoval";
import { PROVIDER_VERSION } from "../providers/version";
import { RaftNode } from "./raftNode";

export interface TuGraphClusterArgs {
    readonly config: ClusterConfig;
    readonly adminPassword: pulumi.Input<string>;
    readonly tlsKey?: pulumi.Input<string>;
    readonly tlsCert?: pulumi.Input<string>;
    /** PEM the admin client verifies the nodes' certificate against (tugraph:tlsCa). */
    readonly tlsCa?: pulumi.Input<string>;
    /** What parseClusterConfig found suspicious; logged on this component (pulumi.log.warn). */
    readonly warnings?: readonly ConfigWarning[];
}

/**
 * A TuGraph Bolt-raft cluster: bootstrap members start from init peers; every
 * later change of membership (removals first, then joins and promotions) runs
 * one at a time on the leader before the joining node's container starts.
 */
export class TuGraphCluster extends pulumi.ComponentResource {
    public readonly nodes: Record<number, RaftNode> = {};
    public readonly boltEndpoints: pulumi.Output<Record<string, string>>;
    public readonly neo4jUri: pulumi.Output<string>;
    public readonly resolverAddresses: pulumi.Output<string[]>;
    public readonly voterIds: pulumi.Output<number[]>;
    public readonly learnerIds: pulumi.Output<number[]>;

    constructor(name: string, args: TuGraphClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tugraph:index:Cluster", name, {}, opts);
        const { config } = args;
        for (const w of args.warnings ?? []) pulumi.log.warn(w.message, this);
        const live = config.nodes.filter((n) => !n.removed);

        // One provider (and image) per distinct Docker engine: each stands for one host.
        const engines = new Map<string, { provider: docker.Provider; image: docker.RemoteImage }>();
        for (const engine of dockerEngines(config)) {
            const provider = new docker.Provider(`${name}-engine-${engine.slug}`, { host: engine.host }, { parent: this });
            // keepLocally: an image on a host is the user's to remove, not ours.
            const image = new docker.RemoteImage(`${name}-image-${engine.slug}`, { name: config.image, keepLocally: true }, { parent: this, provider });
            engines.set(engine.host, { provider, image });
        }

        // How the membership resources (and the record's read-only question) reach the cluster.
        const access = {
            seeds: live.map((n) => `${n.ip}:${n.boltPort}`),
            adminUser: config.adminUser,
            adminPassword: args.adminPassword,
            callTimeoutMs: config.membership.callTimeoutMs,
            totalTimeoutMs: config.membership.totalTimeoutMs,
            encrypted: config.tls.enabled,
            tlsCa: args.tlsCa,
            insecureSkipVerify: config.tls.insecureSkipVerify,
            // Raising it stores the current provider text in every membership resource (see version.ts).
            providerVersion: PROVIDER_VERSION,
        };
        const common = {
            ...access,
            // Gates: minimum voters, quorum counting voters that are down now, and the
            // voters the stack declares (the listing hides promotions).
            minVoters: config.membership.minVoters,
            allowUnsafeRemoval: config.membership.allowUnsafeRemoval,
            ...membershipGateInputs(config),
        };
        const peers = bootstrapPeers(config);
        // Guards what must never change (bootstrap members, each node's placement); every container waits for it.
        const record = new ClusterRecord(`${name}-record`, { ...clusterRecordInputs(config, peers), ...access }, { parent: this });

        const addNode = (node: NodeSpec, initPeers: pulumi.Input<InitPeer[]>, dependsOn: pulumi.Resource[]) => {
            const raftNode = new RaftNode(`${name}-node-${node.id}`, {
                config, node, initPeers,
                image: engines.get(node.dockerHost)!.image.imageId,
                provider: engines.get(node.dockerHost)!.provider,
                tlsKey: args.tlsKey, tlsCert: args.tlsCert,
            }, { parent: this, dependsOn });
            this.nodes[node.id] = raftNode;
            return raftNode;
        };

        // Bootstrap members: init peers come straight from the (guarded) record's input,
        // so their rendered config is known in preview and never depends on later nodes.
        const bootstrapNodes = live.filter((n) => isBootstrapNode(config, n)).map((n) => addNode(n, peers, [record]));

        // Membership changes, one at a time, after the bootstrap members exist; after the
        // record too: once every bootstrap member is tombstoned, it is the only guard left.
        // The admin password is set (or rotated) once the bootstrap members run, before any change logs in with it.
        const password = new AdminPassword(`${name}-admin-password`, access, { parent: this, dependsOn: [record, ...bootstrapNodes] });
        let previous: pulumi.Resource[] = [record, ...bootstrapNodes, password];
        for (const step of membershipChain(config)) {
            const node = config.nodes.find((n) => n.id === step.nodeId)!;
            if (step.kind === "remove") {
                previous = [new RaftRemoval(`${name}-removal-${node.id}`, {
                    ...common,
                    nodeId: node.id,
                }, { parent: this, dependsOn: previous })];
            } else {
                const member = new RaftMember(`${name}-member-${node.id}`, {
                    ...common,
                    nodeId: node.id, ip: node.ip, boltPort: node.boltPort, raftPort: node.raftPort, role: node.role,
                    initPeers: joinPeers(config, node),
                }, { parent: this, dependsOn: previous });
                // The joiner's container starts only after its add (the offline data copy, not
                // automated yet, belongs in between), and the next change waits for that container.
                previous = [addNode(node, member.initPeers, [member])];
            }
        }

        const endpoints = clusterEndpoints(config);
        this.boltEndpoints = pulumi.output(endpoints.boltEndpoints);
        this.neo4jUri = pulumi.output(endpoints.neo4jUri);
        this.resolverAddresses = pulumi.output(endpoints.resolverAddresses);
        this.voterIds = pulumi.output(endpoints.voterIds);
        this.learnerIds = pulumi.output(endpoints.learnerIds);
        this.registerOutputs({
            boltEndpoints: this.boltEndpoints,
            neo4jUri: this.neo4jUri,
            resolverAddresses: this.resolverAddresses,
            voterIds: this.voterIds,
            learnerIds: this.learnerIds,
        });
    }
}
