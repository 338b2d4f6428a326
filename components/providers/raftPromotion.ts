// RaftPromotion: a learner becomes a voter only once it has caught up (by
// numbers: core/lag.ts). It follows the node's container in the chain, so a
// joiner declared voter is added as a learner, synced, started, waited for,
// and only then counts in the quorum: an empty voter never exists.
//   create -> wait until caught up (a match frozen below the commit fails at
//             once with the fix: resync), then addRaftNode on the leader (gated)
//   delete -> nothing: TuGraph has no demotion (remove the node instead)
import * as pulumi from "@pulumi/pulumi";
import { adminOptions } from "../adapters/boltAdmin";
import { promoteMember, waitCaughtUp } from "../adapters/membershipOps";
import { asProps, validateCommon, validateMember, validateVersion, UNKNOWN } from "../adapters/validate";
import { definedOnly, without } from "./props";
import { ACCESS_UPDATE_KEYS, changedKeys, type AccessArgs } from "./access";
import { withSecretPassword } from "./secretOptions";

/** Promotes a learner to voter once it has caught up (addRaftNode on the leader), with the stack's access spec. */
export interface RaftPromotionArgs extends AccessArgs {
    /** The learner's raft id. No default. */
    nodeId: pulumi.Input<number>;
    /** Its IPv4 address. No default. */
    ip: pulumi.Input<string>;
    /** Its Bolt port. No default. */
    boltPort: pulumi.Input<number>;
    /** Its raft port. No default. */
    raftPort: pulumi.Input<number>;
    /** Ids the stack declares voters, removed ones included (core/membership.ts knownVoterIds): the listing hides promotions. Defaults to none. */
    knownVoters?: pulumi.Input<number[]>;
}

const OUTPUT_KEYS = ["promotedAt", "lagAtPromotion"];

export const raftPromotionProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, newInputs: any) {
        const news = without(asProps(newInputs), OUTPUT_KEYS) as any;
        const f = [...validateCommon(news), ...validateMember({ ...news, role: "voter", initPeers: UNKNOWN }), ...validateVersion(news)];
        return { inputs: definedOnly(news), failures: f };
    },

    async diff(_id: string, olds: any, news: any) {
        const replaces = changedKeys(["nodeId", "ip", "boltPort", "raftPort"], olds, news);
        const changed = changedKeys(ACCESS_UPDATE_KEYS, olds, news);
        return { changes: replaces.length + changed.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 };
    },

    async create(inputs: any) {
        const o = adminOptions(inputs);
        const what = `promoting node ${inputs.nodeId}`;
        const lag = await waitCaughtUp(o, inputs.nodeId, what, { deadlineAt: Date.now() + inputs.totalTimeoutMs });
        const spec = { nodeId: inputs.nodeId, ip: inputs.ip, boltPort: inputs.boltPort, raftPort: inputs.raftPort, role: "voter" as const };
        await promoteMember(
            o,
            spec,
            (inputs.knownVoters ?? []).filter((x: number) => x !== inputs.nodeId),
        );
        return {
            id: `promoted-${inputs.nodeId}`,
            outs: definedOnly({ ...without(inputs, OUTPUT_KEYS), promotedAt: new Date().toISOString(), lagAtPromotion: lag.reason }),
        };
    },

    async update(_id: string, olds: any, news: any) {
        return { outs: definedOnly({ ...without(news, OUTPUT_KEYS), promotedAt: olds.promotedAt, lagAtPromotion: olds.lagAtPromotion }) };
    },

    async delete() {
        // No demotion in TuGraph: the voter stays a voter until its node is removed.
    },
};

export class RaftPromotion extends pulumi.dynamic.Resource {
    public readonly promotedAt!: pulumi.Output<string>;
    constructor(name: string, args: RaftPromotionArgs, opts?: pulumi.CustomResourceOptions) {
        super(raftPromotionProvider, name, { ...args, promotedAt: undefined, lagAtPromotion: undefined }, withSecretPassword(opts), "tugraph", "RaftPromotion");
    }
}
