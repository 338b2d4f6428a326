import * as pulumi from "@pulumi/pulumi";
import { checkClusterRecord, ClusterRecordInputs, LiveView } from "../core/placement";
import { adminOptions, discover } from "../adapters/boltAdmin";
import { withSecretPassword } from "./secretOptions";

// Records, once, what must never change in a running cluster: the bootstrap members
// (every node's lgraph.json embeds them as init peers) and each node's placement
// (address, Docker host, data directory). check() refuses a change before any
// container is touched (every container depends on this record), in preview too.
// Only when a change can be judged by the live membership alone (bringing back a node
// marked removed, correcting the placement of a node whose add never happened) does
// check() ask the cluster, read-only. No other cluster calls.

export interface ClusterRecordArgs extends ClusterRecordInputs {
    /** How to reach the cluster for that read-only question. */
    readonly seeds: string[];
    readonly adminUser: string;
    readonly adminPassword: pulumi.Input<string>;
    readonly callTimeoutMs: number;
    readonly totalTimeoutMs: number;
    readonly encrypted: boolean;
}

export const clusterRecordProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds: any, news: any) {
        const prior = olds && Array.isArray(olds.nodes) ? olds : undefined;
        let r = checkClusterRecord(prior, news);
        if (r.needsLive) {
            let live: LiveView;
            try {
                const d = await discover({ ...adminOptions(news), totalTimeoutMs: news.callTimeoutMs });
                live = d.reachable.length > 0 ? { members: d.members } : { unreachable: `no member answered: ${d.errors.join("; ")}` };
            } catch (e) {
                live = { unreachable: String((e as Error)?.message ?? e) }; // scrubbed by the admin client
            }
            r = checkClusterRecord(prior, news, live);
        }
        return { inputs: { ...news, ...r.inputs }, failures: r.failures };
    },
    async diff(_id: string, olds: any, news: any) {
        return { changes: JSON.stringify(olds) !== JSON.stringify(news) };
    },
    async create(inputs: any) {
        return { id: "cluster", outs: inputs };
    },
    async update(_id: string, _olds: any, news: any) {
        return { outs: news };
    },
    async delete() {
        // Forgetting the record changes nothing in the cluster.
    },
};

export class ClusterRecord extends pulumi.dynamic.Resource {
    public readonly bootstrap!: pulumi.Output<ClusterRecordInputs["bootstrap"]>;
    public readonly nodes!: pulumi.Output<ClusterRecordInputs["nodes"]>;
    constructor(name: string, args: ClusterRecordArgs, opts?: pulumi.CustomResourceOptions) {
        super(clusterRecordProvider, name, { ...args }, withSecretPassword(opts), "tugraph", "ClusterRecord");
    }
}
