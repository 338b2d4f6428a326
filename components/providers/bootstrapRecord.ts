import * as pulumi from "@pulumi/pulumi";
import { InitPeer } from "../core/types";

// Records the members that bootstrapped the cluster, once. Every node's
// lgraph.json embeds this list (bolt_raft_init_peers), so a later change to it
// would re-render and restart every bootstrap node for nothing: TuGraph ignores
// init peers once a raft log exists. check() refuses such a change before any
// container is touched; the containers depend on this record.

export interface BootstrapRecordInputs {
    peers: InitPeer[];
}

function peerList(peers: InitPeer[]): string {
    return peers.map((p) => `${p.bolt_raft_node_id}@${p.ip}:${p.bolt_port}/${p.bolt_raft_port}`).join(", ");
}

function samePeers(a: InitPeer[], b: InitPeer[]): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

export const bootstrapRecordProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds: any, news: any) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        if (olds && Array.isArray(olds.peers) && Array.isArray(news.peers) && !samePeers(olds.peers, news.peers)) {
            const ids = olds.peers.map((p: InitPeer) => p.bolt_raft_node_id).join(", ");
            failures.push({
                property: "peers",
                reason:
                    `tugraph:bootstrap now resolves to [${peerList(news.peers)}] but this cluster was bootstrapped with ` +
                    `[${peerList(olds.peers)}]. Bootstrap members cannot change once the cluster exists: it would restart ` +
                    `every node for nothing. Fix: set \`tugraph:bootstrap: [${ids}]\` in the stack file and keep the ` +
                    `bootstrap nodes' addresses as they were; to move a node, mark it \`removed: true\` and add a new node with a new id.`,
            });
        }
        return { inputs: news, failures };
    },
    async diff(_id: string, olds: any, news: any) {
        return { changes: !samePeers(olds.peers ?? [], news.peers ?? []) };
    },
    async create(inputs: any) {
        return { id: "bootstrap", outs: { peers: inputs.peers } };
    },
    async update(_id: string, _olds: any, news: any) {
        return { outs: { peers: news.peers } };
    },
    async delete() {
        // Forgetting the record changes nothing in the cluster.
    },
};

export class BootstrapRecord extends pulumi.dynamic.Resource {
    public readonly peers!: pulumi.Output<InitPeer[]>;
    constructor(name: string, args: { peers: InitPeer[] }, opts?: pulumi.CustomResourceOptions) {
        super(bootstrapRecordProvider, name, { peers: args.peers }, opts, "tugraph", "BootstrapRecord");
    }
}
