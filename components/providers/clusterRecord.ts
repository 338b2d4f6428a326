import * as pulumi from "@pulumi/pulumi";
import { checkClusterRecord, ClusterRecordInputs } from "../core/placement";

// Records, once, what must never change in a running cluster: the bootstrap members
// (every node's lgraph.json embeds them as init peers) and each node's placement
// (address, Docker host, data directory). check() refuses a change before any
// container is touched (every container depends on this record), in preview too.
// No cluster calls: creating, updating or deleting the record changes nothing in TuGraph.

export const clusterRecordProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds: any, news: any) {
        const hasOlds = olds && Array.isArray(olds.nodes);
        return checkClusterRecord(hasOlds ? olds : undefined, news);
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
    constructor(name: string, args: ClusterRecordInputs, opts?: pulumi.CustomResourceOptions) {
        super(clusterRecordProvider, name, { bootstrap: args.bootstrap, nodes: args.nodes }, opts, "tugraph", "ClusterRecord");
    }
}
