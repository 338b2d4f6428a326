// Rolling changes as resources. A cluster-wide setting (image, tunables, TLS,
// verbose, web, containerPrefix) replaces every node's container; the cluster
// component chains the containers so the engine replaces them one at a time:
//   RollGate  -> before the first container: when the cluster-wide settings
//                change, the cluster must be healthy (a leader, every voter up
//                and caught up), or nothing is restarted.
//   RestartGate -> before each node's container: when that container is about to be
//                replaced, the node must have applied past the last membership change and
//                then run the settle period (membership.settleSeconds): TuGraph drops the
//                writes still queued on its apply thread when it stops, and after a
//                membership change those are lost for good (docs/tugraph-facts.md).
//   NodeReady -> after each node's container: when that container changed, wait
//                until the node is back and caught up (by numbers) before the
//                next node's container may change. A node that does not come
//                back stops the roll with the fix; the nodes after it are untouched.
// On a first deployment RollGate only records; NodeReady waits until its node answers
// Bolt (and a joiner until it has caught up): readiness is asked of the node, so the
// containers need no Docker health wait (the health check stays, for `docker ps`).
import * as pulumi from "@pulumi/pulumi";
import { adminOptions, discover, waitBoltAnswers } from "../adapters/boltAdmin";
import { waitCaughtUp, waitSettled } from "../adapters/membershipOps";
import { isSettleMs, SETTLE_MS_DEFAULT, SETTLE_MS_MAX } from "../core/nodeRules";
import { validateAccess, validateVersion, UNKNOWN } from "../adapters/validate";
import { checkRollSafe } from "../core/rolling";
import { must } from "../core/verdict";
import { ACCESS_UPDATE_KEYS, type AccessArgs, type AccessProps } from "./access";
import { providerOf, withOutputs, type Unchecked } from "./shape";
import { withSecretPassword } from "./secretOptions";

/** The stack's access spec, and the voters it knows of. */
export interface RollingAccessArgs extends AccessArgs {
    /** Ids the stack declares voters, removed ones included (core/membership.ts knownVoterIds): the listing hides promotions. Defaults to none. */
    knownVoters?: pulumi.Input<number[]>;
}

/** The gate before a cluster-wide roll. */
export interface RollGateArgs extends RollingAccessArgs {
    /** A digest of the cluster-wide settings (core/rolling.ts clusterRollSpec): a change is a roll, judged healthy first. No default. */
    rollSpec: pulumi.Input<string>;
}

/** A node's readiness after its container changed. */
export interface NodeReadyArgs extends RollingAccessArgs {
    /** The node's raft id. No default. */
    nodeId: pulumi.Input<number>;
    /** Its container's name (for messages). No default. */
    container: pulumi.Input<string>;
    /** A digest of what the container is made of (RaftNode.spec): a change waits until the node is back and caught up. No default. */
    spec: pulumi.Input<string>;
    /** The node's own `ip:boltPort`, asked for a Bolt handshake. Defaults to none (older states): not asked. */
    bolt?: pulumi.Input<string>;
    /** A node that joined after bootstrap: its first readiness also waits until it has caught up. Defaults to false. */
    joiner?: pulumi.Input<boolean>;
}

/** What both rolling providers record: the stack's access spec and its known voters. */
interface RollingAccessProps extends AccessProps {
    knownVoters?: number[];
}

export interface RollGateProps extends RollingAccessProps {
    rollSpec: string;
}

export interface NodeReadyProps extends RollingAccessProps {
    nodeId: number;
    container: string;
    spec: string;
    bolt?: string;
    joiner?: boolean;
    // outputs
    readyAt?: string;
    lag?: string;
}

/** The access rules, and that `key`'s `value` is a string. */
function checkAccess(news: Unchecked<RollingAccessProps>, key: string, value: unknown) {
    const f = validateAccess(news);
    validateVersion(news, f);
    if (value !== UNKNOWN && typeof value !== "string") f.push({ property: key, reason: "must be a string" });
    return f;
}

export const rollGateProvider = providerOf<RollGateProps>({
    // A change of the roll spec is what the gate acts on; a change of access settings is only recorded.
    updateOn: ["rollSpec", ...ACCESS_UPDATE_KEYS],
    check: (news) => checkAccess(news, "rollSpec", news.rollSpec),
    async create() {
        return { id: "roll-gate", outs: {} };
    },
    async update(olds, news) {
        if (olds.rollSpec === news.rollSpec) return {};
        // Never start a roll on an unhealthy cluster: each restart takes a voter away for a while.
        const o = adminOptions(news);
        const d = await discover({ ...o, deadlineAt: Date.now() + news.totalTimeoutMs });
        must(
            "a rolling change of every node (image, tunables, TLS, verbose, web or containerPrefix)",
            checkRollSafe({ ...d, knownVoters: news.knownVoters ?? [] }),
        );
        return {};
    },
});

/**
 * A node is ready when it answers Bolt (a handshake every 100 ms; states written before `bolt`
 * existed skip it) and, when asked, has caught up by the leader's numbers; all within the
 * access's totalTimeoutMs. Returns the lag verdict when it waited for the catch-up.
 */
async function waitReady(p: NodeReadyProps, what: string, catchUp: boolean): Promise<string | undefined> {
    const deadlineAt = Date.now() + p.totalTimeoutMs;
    if (p.bolt) await waitBoltAnswers(p.bolt, deadlineAt);
    return catchUp ? (await waitCaughtUp(adminOptions(p), p.nodeId, what, { deadlineAt })).reason : undefined;
}

const READY_OUTPUTS = ["readyAt", "lag"];

export const nodeReadyProvider = providerOf<NodeReadyProps>({
    outputs: READY_OUTPUTS,
    // A change of the node's container spec is what the resource acts on; a change of access settings is only recorded.
    updateOn: ["spec", ...ACCESS_UPDATE_KEYS],
    check: (news) => checkAccess(news, "spec", news.spec),
    async create(inputs) {
        // A new container: the node must answer Bolt (a handshake, no login: a bootstrap node's
        // password may not be the stack's yet). A joiner must also catch up, judged on the leader.
        // This is what gates a container, also one whose create failed before (the engine then only
        // updates it, with no wait): this resource is still to be created, so it waits.
        const what = `node ${inputs.nodeId} (container ${inputs.container})`;
        try {
            const lag = await waitReady(inputs, what, inputs.joiner === true);
            return { id: `ready-${inputs.nodeId}`, outs: { readyAt: new Date().toISOString(), lag } };
        } catch (e) {
            throw new Error(
                `${what} did not become ready: ${(e as Error).message}. Look at the container's log on its host, fix the node, ` +
                    `then run \`pulumi up\` again: it waits for this node again before anything that depends on it`,
                { cause: e },
            );
        }
    },
    async update(olds, news) {
        // The spec unchanged (access settings only): recorded, nothing waited for.
        if (olds.spec === news.spec) return {};
        const what = `rolling change: node ${news.nodeId} (container ${news.container})`;
        try {
            const lag = await waitReady(news, what, true);
            return { readyAt: new Date().toISOString(), lag };
        } catch (e) {
            throw new Error(
                `${what} did not come back and catch up: ${(e as Error).message}. The roll stopped here: the nodes after it were not touched. ` +
                    `Look at the container's log on its host, fix the node (or revert the change), then run \`pulumi up\` again`,
                { cause: e },
            );
        }
    },
});

/** The gate before a node's container is replaced. */
export interface RestartGateArgs extends RollingAccessArgs {
    /** The node's raft id. No default. */
    nodeId: pulumi.Input<number>;
    /** Its container's name (for messages). No default. */
    container: pulumi.Input<string>;
    /** The digest of the container about to run (the same as its NodeReady's spec): a change means a restart. No default. */
    spec: pulumi.Input<string>;
    /** The node's own `ip:boltPort`, asked for its applied index. No default. */
    bolt: pulumi.Input<string>;
    /** membership.settleSeconds in ms: how long the node runs after it applied past the last membership change. Defaults to SETTLE_MS_DEFAULT (2000). */
    settleMs?: pulumi.Input<number>;
}

export interface RestartGateProps extends RollingAccessProps {
    nodeId: number;
    container: string;
    spec: string;
    bolt: string;
    settleMs?: number;
    // outputs
    settled?: string;
}

const RESTART_OUTPUTS = ["settled"];

export const restartGateProvider = providerOf<RestartGateProps>({
    outputs: RESTART_OUTPUTS,
    // A change of the container spec about to run is a restart; a change of access settings is only recorded.
    updateOn: ["spec", ...ACCESS_UPDATE_KEYS],
    check(news) {
        const f = checkAccess(news, "spec", news.spec);
        if (news.settleMs !== undefined && news.settleMs !== UNKNOWN && !isSettleMs(news.settleMs))
            f.push({ property: "settleMs", reason: `must be an integer number of ms from 0 to ${SETTLE_MS_MAX} (membership.settleSeconds)` });
        return f;
    },
    async create(inputs) {
        // A new node (nothing runs yet), or a stack that had no gate before: nothing is asked (a
        // login with a password that may not be current yet would land in the node's log).
        return { id: `restart-gate-${inputs.nodeId}`, outs: {} };
    },
    async update(olds, news) {
        if (olds.spec === news.spec) return { settled: olds.settled };
        // The container is about to be replaced (stopped, then started on the new spec).
        const what = `rolling change: node ${news.nodeId} (container ${news.container})`;
        try {
            const settled = await waitSettled(adminOptions(news), { id: news.nodeId, address: news.bolt }, what, {
                settleMs: news.settleMs ?? SETTLE_MS_DEFAULT,
                deadlineAt: Date.now() + news.totalTimeoutMs,
            });
            return { settled };
        } catch (e) {
            throw new Error(
                `${what}: not restarted, it did not settle: ${(e as Error).message}. Nothing was restarted on this node; ` +
                    `fix the cluster (\`npm run status\` shows it), then run \`pulumi up\` again`,
                { cause: e },
            );
        }
    },
});

export class RollGate extends pulumi.dynamic.Resource {
    constructor(name: string, args: RollGateArgs, opts?: pulumi.CustomResourceOptions) {
        super(rollGateProvider, name, { ...args }, withSecretPassword(opts), "tugraph", "RollGate");
    }
}

export class NodeReady extends pulumi.dynamic.Resource {
    constructor(name: string, args: NodeReadyArgs, opts?: pulumi.CustomResourceOptions) {
        super(nodeReadyProvider, name, withOutputs(args, READY_OUTPUTS), withSecretPassword(opts), "tugraph", "NodeReady");
    }
}

export class RestartGate extends pulumi.dynamic.Resource {
    constructor(name: string, args: RestartGateArgs, opts?: pulumi.CustomResourceOptions) {
        super(restartGateProvider, name, withOutputs(args, RESTART_OUTPUTS), withSecretPassword(opts), "tugraph", "RestartGate");
    }
}
