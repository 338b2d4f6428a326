// RetiredContainer: stops the container of a node that has just left the raft
// membership (its RaftRemoval), before any later change of the chain, so that
// a replacement reusing its ports on the same host can start. Pulumi deletes
// the container itself only at the end of the update (dropped resources go
// last). The data directory is never touched.
import * as pulumi from "@pulumi/pulumi";
import { engineFor, statusOf } from "../adapters/dockerEngine";
import { validateVersion, UNKNOWN } from "../adapters/validate";
import { providerOf, withOutputs } from "./shape";

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

/** Inputs and outputs as the provider sees them. */
export interface RetiredContainerProps {
    nodeId: number;
    dockerHost: string;
    container: string;
    stopTimeoutSeconds: number;
    providerVersion?: number;
    sshOptions?: string[];
    // outputs
    wasRunning?: boolean;
    stoppedAt?: string;
}

const RETIRED_OUTPUTS = ["wasRunning", "stoppedAt"];

export const retiredContainerProvider = providerOf<RetiredContainerProps>({
    outputs: RETIRED_OUTPUTS,
    updateOn: ["dockerHost", "container", "stopTimeoutSeconds", "providerVersion"],
    check(news) {
        const f = validateVersion(news);
        for (const k of ["dockerHost", "container"] as const)
            if (news[k] !== UNKNOWN && (typeof news[k] !== "string" || !news[k])) f.push({ property: k, reason: "must be a non-empty string" });
        return f;
    },
    async create(inputs) {
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
        return { id: `retired-${inputs.nodeId}`, outs: { wasRunning: running, stoppedAt: new Date().toISOString() } };
    },
    // update keeps what create found; delete: the container itself is the docker provider's to delete.
});

export class RetiredContainer extends pulumi.dynamic.Resource {
    constructor(name: string, args: RetiredContainerArgs, opts?: pulumi.CustomResourceOptions) {
        super(retiredContainerProvider, name, withOutputs(args, RETIRED_OUTPUTS), opts, "tugraph", "RetiredContainer");
    }
}
