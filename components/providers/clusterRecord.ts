import * as pulumi from "@pulumi/pulumi";
import { checkClusterRecord, ClusterRecordInputs, MemberListing } from "../core/placement";
import { adminOptions } from "../adapters/boltAdmin";
import { confirmedView } from "../adapters/membershipOps";
import { validateAccess, validateVersion } from "../adapters/validate";
import { without } from "./props";
import { providerOf, withOutputs, type Unchecked } from "./shape";
import { withSecretPassword } from "./secretOptions";
import type { AccessArgs, AccessProps } from "./access";

// Records, once, what must never change in a running cluster: the bootstrap members
// (every node's lgraph.json embeds them as init peers) and each node's placement
// (address, Docker host, data directory). check() refuses a change before any
// container is touched (every container depends on this record), in preview too.
// Only when a change can be judged by the live membership alone (bringing back a node
// marked removed, correcting the placement of a node whose add never happened) does
// check() ask the cluster, read-only. No other cluster calls.

/** What is recorded (bootstrap members, placements), and how to reach the cluster for the read-only question (the stack's access spec). */
export interface ClusterRecordArgs extends ClusterRecordInputs, AccessArgs {}

/** Inputs and outputs as the provider sees them. */
export interface ClusterRecordProps extends ClusterRecordInputs, AccessProps {
    // outputs a refresh sets; never part of the inputs compared by diff
    refreshNote?: string;
    drift?: string;
    unknownMembers?: number[];
}

const OUTPUT_KEYS = ["refreshNote", "drift", "unknownMembers"];
const isRecord = (v: Unchecked<ClusterRecordProps>): v is ClusterRecordInputs => Array.isArray(v.nodes) && Array.isArray(v.bootstrap);

/** Structural checks of the recorded shape (the rules of each field live in the config and placement checks). */
function validateShape(news: Unchecked<ClusterRecordProps>): { property: string; reason: string }[] {
    const f = validateAccess(news);
    validateVersion(news, f);
    if (!Array.isArray(news.bootstrap) || news.bootstrap.length === 0) f.push({ property: "bootstrap", reason: "must be a non-empty list of init peers" });
    if (!Array.isArray(news.nodes) || news.nodes.length === 0) f.push({ property: "nodes", reason: "must be a non-empty list of node placements" });
    return f;
}

export const clusterRecordProvider = providerOf<ClusterRecordProps>({
    outputs: OUTPUT_KEYS,
    async check(unchecked, olds) {
        const shape = validateShape(unchecked);
        if (shape.length > 0) return shape;
        const news = unchecked as ClusterRecordProps; // its shape is checked above; each field's rules are checkClusterRecord's
        const prior = isRecord(olds) ? olds : undefined;
        let r = checkClusterRecord(prior, news);
        if (r.needsLive) {
            // Read-only, and only a confirmed leader's listing counts (a lone stale node's does not).
            let live: MemberListing;
            try {
                const v = await confirmedView({ ...adminOptions(news), totalTimeoutMs: news.callTimeoutMs });
                live = v.confirmed ? { members: v.confirmed.members } : { unreachable: v.note };
            } catch (e) {
                live = { unreachable: String((e as Error)?.message ?? e) }; // scrubbed by the admin client
            }
            r = checkClusterRecord(prior, news, live);
        }
        return { inputs: { ...news, ...r.inputs }, failures: r.failures };
    },
    diff(olds, news) {
        // Any change of the record's inputs is an update (what may change is check's to judge).
        const inputsOf = (p: ClusterRecordProps) => JSON.stringify(without(p, OUTPUT_KEYS));
        return { changes: inputsOf(olds) !== inputsOf(news) };
    },
    async create() {
        return { id: "cluster", outs: {} };
    },
    async update() {
        return {}; // the new record; a refresh's notes are not carried over
    },
    // delete: forgetting the record changes nothing in the cluster.
    async read(_id, props) {
        // Reports members the stack does not know, and recorded nodes at another live address;
        // changes nothing (what to do with them is the stack's decision).
        const v = await confirmedView({ ...adminOptions(props), totalTimeoutMs: props.callTimeoutMs });
        const kept = without(props, OUTPUT_KEYS);
        if (!v.confirmed) return { ...kept, refreshNote: v.note };
        const recorded = new Map((props.nodes ?? []).map((n) => [n.id, n]));
        const unknown = v.confirmed.members.filter((m) => !recorded.has(m.id));
        const notes = unknown.map(
            (m) =>
                `node ${m.id} at ${m.ip}:${m.boltPort}/${m.raftPort} is a member the stack does not know: add it to tugraph:nodes with that address, ` +
                `or add an entry for it with \`removed: true\` to remove it`,
        );
        for (const m of v.confirmed.members) {
            const n = recorded.get(m.id);
            if (n && !n.removed && (n.ip !== m.ip || n.boltPort !== m.boltPort || n.raftPort !== m.raftPort)) {
                notes.push(
                    `node ${m.id} is a member at ${m.ip}:${m.boltPort}/${m.raftPort}, but the stack says ${n.ip}:${n.boltPort}/${n.raftPort}: ` +
                        `set \`removed: true\` on it and add the node again under a new id`,
                );
            }
        }
        return { ...kept, unknownMembers: unknown.map((m) => m.id), drift: notes.length > 0 ? notes.join("; ") : undefined };
    },
});

export class ClusterRecord extends pulumi.dynamic.Resource {
    public readonly bootstrap!: pulumi.Output<ClusterRecordInputs["bootstrap"]>;
    public readonly nodes!: pulumi.Output<ClusterRecordInputs["nodes"]>;
    /** Set by a refresh: members the stack does not know, or at another address, with the fix. */
    public readonly drift!: pulumi.Output<string | undefined>;
    public readonly unknownMembers!: pulumi.Output<number[] | undefined>;
    constructor(name: string, args: ClusterRecordArgs, opts?: pulumi.CustomResourceOptions) {
        super(clusterRecordProvider, name, withOutputs(args, OUTPUT_KEYS), withSecretPassword(opts), "tugraph", "ClusterRecord");
    }
}
