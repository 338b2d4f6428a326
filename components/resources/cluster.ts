import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { ClusterConfig, InitPeer, NodeSpec } from "../core/types";
import type { ConfigWarning } from "../core/config";
import { bootstrapPeers, isBootstrapNode, joinPeers } from "../core/render";
import { membershipGateInputs } from "../core/membership";
import type { LiveView } from "../adapters/liveView";
import { describePlan, planChanges, type ChangePlan } from "../core/changePlan";
import { plannedNodes } from "../core/plannedNodes";

export { plannedNodes };
import { driftWarnings } from "../core/drift";
import { containerName, STOP_TIMEOUT_SECONDS } from "../core/containerSpec";
import { clusterEndpoints, dockerEngines, engineSlug } from "../core/endpoints";
import { ClusterRecord } from "../providers/clusterRecord";
import { AdminPassword } from "../providers/adminPassword";
import { clusterRecordInputs } from "../core/placement";
import { RaftMember } from "../providers/raftMember";
import { RaftRemoval } from "../providers/raftRemoval";
import { DataSync, type SyncPlacement } from "../providers/dataSync";
import { RaftPromotion } from "../providers/raftPromotion";
import { RetiredContainer } from "../providers/retiredContainer";
import { HostGuard } from "../providers/hostGuard";
import { PROVIDER_VERSION } from "../providers/version";
import { hostGuardPlans } from "../core/guard";
import { NodeReady, RestartGate, RollGate } from "../providers/rolling";
import { clusterRollSpec, rollOrder, withTlsContents } from "../core/rolling";
import { accessFor } from "../core/access";
import { providerAccess, type AccessArgs } from "../providers/access";
import { containerDigest, RaftNode } from "./raftNode";

export interface TuGraphClusterArgs {
    /** The validated stack (core/config parseClusterConfig): nodes, bootstrap, image, tunables, TLS, membership policy. No default. */
    readonly config: ClusterConfig;
    /** `tugraph:adminPassword`, a Pulumi secret: the password the cluster is given and logged into with. No default. */
    readonly adminPassword: pulumi.Input<string>;
    /** `tugraph:tlsKey`: inline PEM key of the web port's TLS (a secret). Defaults to none: the key file on each host (tls.keyFile). */
    readonly tlsKey?: pulumi.Input<string>;
    /** `tugraph:tlsCert`: inline PEM certificate of the web port's TLS (a secret). Defaults to none: the certificate file on each host (tls.certFile). */
    readonly tlsCert?: pulumi.Input<string>;
    /** What parseClusterConfig found suspicious; logged on this component (pulumi.log.warn). Defaults to none. */
    readonly warnings?: readonly ConfigWarning[];
    /**
     * The live membership, read (read-only) before the program builds the cluster; or why
     * not. With it the membership plan is checked as a whole against the cluster and
     * ordered for it; without it the plan comes from the config alone. Defaults to none:
     * the plan from the config alone.
     */
    readonly live?: LiveView;
    /**
     * Joiners the last deployment recorded as started from a copy (its stack output
     * `copiedNodeIds`). With the bootstrap members, and the joiners this deployment copies
     * before, the only members a copy may come from. Defaults to none.
     */
    readonly copied?: readonly number[];
}

/**
 * A TuGraph Bolt-raft cluster: bootstrap members start from init peers; every
 * later change of membership runs one at a time on the leader, in the order of
 * the one planner (core/changePlan.ts): failed or port-reused tombstones, then
 * joins (learner, data copy, container, promotion), then healthy tombstones.
 */
export class TuGraphCluster extends pulumi.ComponentResource {
    public readonly nodes: Record<number, RaftNode> = {};
    public readonly boltEndpoints: pulumi.Output<Record<string, string>>;
    public readonly neo4jUri: pulumi.Output<string>;
    public readonly resolverAddresses: pulumi.Output<string[]>;
    public readonly voterIds: pulumi.Output<number[]>;
    public readonly learnerIds: pulumi.Output<number[]>;
    /** Joiners whose data came from a copy (their DataSync completed): with the bootstrap members, the only copy sources. */
    public readonly copiedNodeIds: pulumi.Output<number[]>;
    /** Secret: confirms the cluster's current admin password without holding it (adapters/passwordVerifier.ts). */
    public readonly adminPasswordVerifier: pulumi.Output<string>;

    constructor(name: string, args: TuGraphClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tugraph:index:Cluster", name, {}, opts);
        const { config } = args;
        for (const w of args.warnings ?? []) pulumi.log.warn(w.message, this);
        const live = config.nodes.filter((n) => !n.removed);

        const plan = checkedPlan(config, args.live, args.copied ?? [], this);
        const engines = hostEngines(name, config, this);
        const sshInputs = config.sshOptions.length > 0 ? { sshOptions: [...config.sshOptions] } : {};
        // tugraph:raftGuard: each host's firewall for the raft ports, updated before any membership
        // change of this update (a joiner's ip is allowed before its add), removed on destroy.
        const guards = hostGuardPlans(config).map(
            (g) =>
                new HostGuard(
                    `${name}-guard-${engineSlug(g.dockerHost)}`,
                    { ...g, image: config.raftGuard!.image, providerVersion: PROVIDER_VERSION, ...sshInputs },
                    { parent: this, dependsOn: [engines.get(g.dockerHost)!.image] },
                ),
        );
        const imagesOn = (hosts: string[]) => [...new Set(hosts)].map((h) => engines.get(h)!.image);

        // How the membership resources (and the record's read-only question) reach the cluster.
        const access = providerAccess(accessFor(config, { adminPassword: args.adminPassword }));
        const gateInputs = membershipGateInputs(config);
        const { knownVoters } = gateInputs;
        const common = {
            ...access,
            // Gates: minimum voters, quorum counting voters that are down now, and the
            // voters the stack declares (the listing hides promotions).
            minVoters: config.membership.minVoters,
            allowUnsafeRemoval: config.membership.allowUnsafeRemoval,
            ...gateInputs,
        };
        const peers = bootstrapPeers(config);
        // Guards what must never change (bootstrap members, each node's placement); every container waits for it.
        const record = new ClusterRecord(`${name}-record`, { ...clusterRecordInputs(config, peers), ...access }, { parent: this });

        const addNode = (node: NodeSpec, initPeers: pulumi.Input<InitPeer[]>, dependsOn: pulumi.Resource[]) => {
            const raftNode = new RaftNode(
                `${name}-node-${node.id}`,
                {
                    config,
                    node,
                    initPeers,
                    image: engines.get(node.dockerHost)!.image.imageId,
                    provider: engines.get(node.dockerHost)!.provider,
                    tlsKey: args.tlsKey,
                    tlsCert: args.tlsCert,
                },
                { parent: this, dependsOn },
            );
            this.nodes[node.id] = raftNode;
            return raftNode;
        };

        // Rolling changes: every node's container changes one at a time, each waiting until the one
        // before is back and caught up (NodeReady), after a health check of the whole cluster when a
        // cluster-wide setting changes (RollGate). Bootstrap members go learners/followers first, leader last.
        const rollAccess = { ...access, knownVoters };
        const gate = new RollGate(
            `${name}-roll-gate`,
            { ...rollAccess, rollSpec: pulumi.all([args.tlsKey, args.tlsCert]).apply(([key, cert]) => withTlsContents(clusterRollSpec(config), key, cert)) },
            { parent: this, dependsOn: [record] },
        );
        const ready = (node: NodeSpec, raftNode: RaftNode) =>
            new NodeReady(
                `${name}-ready-${node.id}`,
                {
                    ...rollAccess,
                    nodeId: node.id,
                    container: raftNode.containerName,
                    spec: raftNode.spec,
                    bolt: raftNode.boltEndpoint,
                    joiner: !isBootstrapNode(config, node),
                },
                { parent: this, dependsOn: [raftNode] },
            );

        // Before each container is replaced: the node has applied past the last membership change
        // and settled (membership.settleSeconds), so its stop drops no queued write.
        const restartGate = (node: NodeSpec, initPeers: pulumi.Input<InitPeer[]>, dependsOn: pulumi.Resource[]) =>
            new RestartGate(
                `${name}-restart-${node.id}`,
                {
                    ...rollAccess,
                    nodeId: node.id,
                    container: containerName(config, node),
                    spec: containerDigest(config, node, {
                        image: engines.get(node.dockerHost)!.image.imageId,
                        initPeers,
                        tlsKey: args.tlsKey,
                        tlsCert: args.tlsCert,
                    }),
                    bolt: `${node.ip}:${node.boltPort}`,
                    settleMs: config.membership.settleMs,
                },
                { parent: this, dependsOn },
            );

        // Bootstrap members: init peers come straight from the (guarded) record's input,
        // so their rendered config is known in preview and never depends on later nodes.
        const bootstrapNodes: RaftNode[] = [];
        let rolled: pulumi.Resource[] = [record, gate];
        for (const n of rollOrder(
            live.filter((x) => isBootstrapNode(config, x)),
            args.live?.membership,
        )) {
            const raftNode = addNode(n, peers, [...rolled, restartGate(n, peers, rolled)]);
            bootstrapNodes.push(raftNode);
            rolled = [ready(n, raftNode)];
        }

        // Membership changes, one at a time, after the bootstrap members exist; after the
        // record too: once every bootstrap member is tombstoned, it is the only guard left.
        // The admin password is set (or rotated) once the bootstrap members run, before any change logs in with it.
        const password = new AdminPassword(`${name}-admin-password`, access, { parent: this, dependsOn: [record, ...bootstrapNodes, ...rolled] });
        this.adminPasswordVerifier = pulumi.secret(password.verifier);
        let previous: pulumi.Resource[] = [record, ...bootstrapNodes, ...rolled, password, ...guards];
        // Copy sources: the bootstrap members (they started together), the joiners the last
        // deployment recorded as copied, and the joiners of this chain once their copy is done.
        const liveIds = new Set(live.map((n) => n.id));
        const copySources = new Set([
            ...live.filter((n) => isBootstrapNode(config, n)).map((n) => n.id),
            ...(args.copied ?? []).filter((id) => liveIds.has(id)),
        ]);
        const syncs: DataSync[] = [];
        const w: Wiring = {
            name,
            parent: this,
            config,
            access,
            common,
            knownVoters,
            sshInputs,
            live,
            copySources,
            syncs,
            imagesOn,
            addNode,
            ready,
            restartGate,
        };
        for (const step of plan.chain) {
            const node = config.nodes.find((n) => n.id === step.nodeId)!;
            previous = step.kind === "remove" ? retire(w, node, previous) : join(w, node, previous);
        }

        const endpoints = clusterEndpoints(config);
        this.boltEndpoints = pulumi.output(endpoints.boltEndpoints);
        this.neo4jUri = pulumi.output(endpoints.neo4jUri);
        this.resolverAddresses = pulumi.output(endpoints.resolverAddresses);
        this.voterIds = pulumi.output(endpoints.voterIds);
        this.learnerIds = pulumi.output(endpoints.learnerIds);
        this.copiedNodeIds = pulumi
            .all(syncs.map((s) => pulumi.all([s.syncedAt, s.nodeId]).apply(([, id]) => id)))
            .apply((ids) => [...ids].sort((a, b) => a - b));
        this.registerOutputs({
            boltEndpoints: this.boltEndpoints,
            neo4jUri: this.neo4jUri,
            resolverAddresses: this.resolverAddresses,
            voterIds: this.voterIds,
            learnerIds: this.learnerIds,
            copiedNodeIds: this.copiedNodeIds,
            adminPasswordVerifier: this.adminPasswordVerifier,
        });
    }
}

/**
 * The membership plan, checked as a whole against the live cluster when it answers: a step its
 * gate would refuse refuses the whole plan here, before any resource is registered (the engine
 * runs whatever was registered before a program error, e.g. with --skip-preview).
 */
function checkedPlan(config: ClusterConfig, live: LiveView | undefined, copied: readonly number[], parent: pulumi.Resource): ChangePlan {
    const planned = plannedNodes(config);
    const plan = planChanges(planned, live?.membership, { ...config.membership, copied });
    if (live?.note) pulumi.log.warn(`membership plan from the config alone: ${live.note}`, parent);
    if (live?.membership) for (const w of driftWarnings(planned, live.membership, live.lag)) pulumi.log.warn(w, parent);
    for (const line of describePlan(plan)) pulumi.log.info(line, parent);
    if (plan.refusal) throw new pulumi.RunError(plan.refusal);
    return plan;
}

/** One provider (and image) per distinct Docker engine: each stands for one host. */
function hostEngines(name: string, config: ClusterConfig, parent: pulumi.Resource): Map<string, { provider: docker.Provider; image: docker.RemoteImage }> {
    const engines = new Map<string, { provider: docker.Provider; image: docker.RemoteImage }>();
    for (const engine of dockerEngines(config)) {
        // sshOpts: the same ssh client arguments the data copy uses (adapters/dockerEngine.ts), only when given.
        const ssh = config.sshOptions.length > 0 ? { sshOpts: [...config.sshOptions] } : {};
        const provider = new docker.Provider(`${name}-engine-${engine.slug}`, { host: engine.host, ...ssh }, { parent });
        // keepLocally: an image on a host is the user's to remove, not ours.
        const image = new docker.RemoteImage(`${name}-image-${engine.slug}`, { name: config.image, keepLocally: true }, { parent, provider });
        engines.set(engine.host, { provider, image });
    }
    return engines;
}

/** What the membership steps are wired with: the component's names, access and gate inputs, and its node factories. */
interface Wiring {
    readonly name: string;
    readonly parent: pulumi.Resource;
    readonly config: ClusterConfig;
    readonly access: AccessArgs;
    /** The access spec plus the gates' inputs (minVoters, allowUnsafeRemoval, plannedVoters, knownVoters). */
    readonly common: AccessArgs & { minVoters: number; allowUnsafeRemoval: boolean; plannedVoters: number; knownVoters: number[] };
    readonly knownVoters: number[];
    readonly sshInputs: { sshOptions?: string[] };
    /** The stack's nodes that are not removed. */
    readonly live: readonly NodeSpec[];
    /** The members a copy may come from so far; each join adds its node once its copy is wired. */
    readonly copySources: Set<number>;
    /** Every join's DataSync, in chain order (the stack output copiedNodeIds). */
    readonly syncs: DataSync[];
    imagesOn(hosts: string[]): pulumi.Resource[];
    addNode(node: NodeSpec, initPeers: pulumi.Input<InitPeer[]>, dependsOn: pulumi.Resource[]): RaftNode;
    ready(node: NodeSpec, raftNode: RaftNode): pulumi.Resource;
    /** The node settles (applied past the last membership change, then the settle period) before its container is replaced. */
    restartGate(node: NodeSpec, initPeers: pulumi.Input<InitPeer[]>, dependsOn: pulumi.Resource[]): pulumi.Resource;
}

/** Where a node runs, as the data copy needs it. */
function placement(config: ClusterConfig, n: NodeSpec): SyncPlacement {
    return { id: n.id, ip: n.ip, boltPort: n.boltPort, webPort: n.webPort, dockerHost: n.dockerHost, container: containerName(config, n), dataDir: n.dataDir };
}

/** A removal: the membership first, then its container stops right away (a replacement may reuse its ports); Pulumi deletes it at the end. */
function retire(w: Wiring, node: NodeSpec, previous: pulumi.Resource[]): pulumi.Resource[] {
    const removal = new RaftRemoval(`${w.name}-removal-${node.id}`, { ...w.common, nodeId: node.id }, { parent: w.parent, dependsOn: previous });
    return [
        new RetiredContainer(
            `${w.name}-retired-${node.id}`,
            {
                nodeId: node.id,
                dockerHost: node.dockerHost,
                container: containerName(w.config, node),
                stopTimeoutSeconds: STOP_TIMEOUT_SECONDS,
                providerVersion: w.access.providerVersion,
                ...w.sshInputs,
            },
            { parent: w.parent, dependsOn: [removal] },
        ),
    ];
}

/** A join, learner first: add, copy a member's data (no snapshots in TuGraph), start, then promote a voter. */
function join(w: Wiring, node: NodeSpec, previous: pulumi.Resource[]): pulumi.Resource[] {
    const { name, parent, config, access, knownVoters } = w;
    const member = new RaftMember(
        `${name}-member-${node.id}`,
        {
            ...w.common,
            nodeId: node.id,
            ip: node.ip,
            boltPort: node.boltPort,
            raftPort: node.raftPort,
            role: node.role,
            joinAs: "learner",
            initPeers: joinPeers(config, node),
        },
        { parent, dependsOn: previous },
    );
    const sync = new DataSync(
        `${name}-sync-${node.id}`,
        {
            ...access,
            nodeId: node.id,
            joiner: placement(config, node),
            members: w.live.filter((n) => n.id !== node.id).map((n) => placement(config, n)),
            copySources: [...w.copySources].filter((id) => id !== node.id).sort((a, b) => a - b),
            image: config.image,
            stopTimeoutSeconds: STOP_TIMEOUT_SECONDS,
            settleMs: config.membership.settleMs,
            allowWriteOutageForSync: config.membership.allowWriteOutageForSync,
            ...(node.resync !== undefined ? { resync: node.resync } : {}),
            knownVoters,
            ...w.sshInputs,
        },
        // Its helper containers run the stack's image on the joiner's and the donor's hosts:
        // after those hosts' image pulls, never racing them.
        { parent, dependsOn: [member, ...w.imagesOn([node.dockerHost, ...w.live.map((n) => n.dockerHost)])] },
    );
    w.syncs.push(sync);
    w.copySources.add(node.id);
    const container = w.addNode(node, member.initPeers, [sync, w.restartGate(node, member.initPeers, [sync])]);
    const ready = [w.ready(node, container)];
    if (node.role !== "voter") return ready;
    return [
        new RaftPromotion(
            `${name}-promotion-${node.id}`,
            { ...access, nodeId: node.id, ip: node.ip, boltPort: node.boltPort, raftPort: node.raftPort, knownVoters },
            { parent, dependsOn: ready },
        ),
    ];
}
