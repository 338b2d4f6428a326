// RetiredContainer: stops the container of a node that has just left the raft
// membership (its RaftRemoval), before any later change of the chain, so that
// a replacement reusing its ports on the same host can start. Pulumi deletes
// the container itself only at the end of the update (dropped resources go
// last). The data directory is never touched.
import * as pulumi from "@pulumi/pulumi";
import { engineFor, statusOf } from "../adapters/dockerEngine";
import { asProps, validateVersion, UNKNOWN } from "../adapters/validate";
import { definedOnly, without } from "./props";

/** Stops a removed node's container at once (its ports may be reused); Pulumi deletes the container at the end. */
export interface RetiredContainerArgs {
    /** The removed node's raft id. No default. */
    nodeId: pulumi.Input<number>;
    /** The Docker engine the container runs on (unix://, tcp:// or ssh://). No default. */
    dockerHost: pulumi.Input<string>;
    /** The container's name. No default. */
    container: pulumi.Input<string>;
    /** Seconds TuGraph gets to stop cleanly before a SIGKILL. No default (the stack's nodes use 120). */
    stopTimeoutSeconds: pulumi.Input<number>;
    /** components/providers/version.ts: raising it stores the current provider text (an update). Defaults to none. */
    providerVersion?: pulumi.Input<number>;
    /** Extra ssh client arguments for an ssh:// dockerHost (tugraph:sshOptions). Defaults to none. */
    sshOptions?: pulumi.Input<string[]>;
}

const OUTPUT_KEYS = ["wasRunning", "stoppedAt"];

export const retiredContainerProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, newInputs: any) {
        const news = without(asProps(newInputs), OUTPUT_KEYS) as any;
        const f = validateVersion(news);
        for (const k of ["dockerHost", "container"])
            if (news[k] !== UNKNOWN && (typeof news[k] !== "string" || !news[k])) f.push({ property: k, reason: "must be a non-empty string" });
        return { inputs: definedOnly(news), failures: f };
    },
    async diff(_id: string, olds: any, news: any) {
        const changed = ["dockerHost", "container", "stopTimeoutSeconds", "providerVersion"].filter((k) => news[k] === UNKNOWN || news[k] !== olds[k]);
        return { changes: changed.length > 0 };
    },
    async create(inputs: any) {
        const c = engineFor(inputs.dockerHost, inputs.sshOptions).getContainer(inputs.container);
        const running = await c.inspect().then(
            (i) => i.State.Running,
            (e) => (statusOf(e) === 404 ? false : Promise.reject(e)),
        );
        if (running) {
            if (process.env.TUGRAPH_HA_PROGRESS !== "0")
                process.stderr.write(`tugraph-ha: stopping the container ${inputs.container} of removed node ${inputs.nodeId} (its data stays)\n`);
            await c.stop({ t: inputs.stopTimeoutSeconds }).catch((e) => (statusOf(e) === 304 ? undefined : Promise.reject(e)));
        }
        return {
            id: `retired-${inputs.nodeId}`,
            outs: definedOnly({ ...without(inputs, OUTPUT_KEYS), wasRunning: running, stoppedAt: new Date().toISOString() }),
        };
    },
    async update(_id: string, olds: any, news: any) {
        return { outs: definedOnly({ ...without(news, OUTPUT_KEYS), wasRunning: olds.wasRunning, stoppedAt: olds.stoppedAt }) };
    },
    async delete() {
        // The container itself is the docker provider's to delete; nothing to undo here.
    },
};

export class RetiredContainer extends pulumi.dynamic.Resource {
    constructor(name: string, args: RetiredContainerArgs, opts?: pulumi.CustomResourceOptions) {
        super(retiredContainerProvider, name, { ...args, wasRunning: undefined, stoppedAt: undefined }, opts, "tugraph", "RetiredContainer");
    }
}
