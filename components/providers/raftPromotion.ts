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
import { validateCommon, validateMember, validateVersion, UNKNOWN } from "../adapters/validate";
import { ACCESS_UPDATE_KEYS, type AccessArgs, type AccessProps } from "./access";
import { providerOf, withOutputs } from "./shape";
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

/** Inputs and outputs as the provider sees them. */
export interface RaftPromotionProps extends AccessProps {
    nodeId: number;
    ip: string;
    boltPort: number;
    raftPort: number;
    knownVoters?: number[];
    // outputs
    promotedAt?: string;
    lagAtPromotion?: string;
}

const PROMOTION_OUTPUTS = ["promotedAt", "lagAtPromotion"];

export const raftPromotionProvider = providerOf<RaftPromotionProps>({
    outputs: PROMOTION_OUTPUTS,
    replaceOn: ["nodeId", "ip", "boltPort", "raftPort"],
    deleteBeforeReplace: true,
    updateOn: ACCESS_UPDATE_KEYS,
    check(news) {
        return [...validateCommon(news), ...validateMember({ ...news, role: "voter", initPeers: UNKNOWN }), ...validateVersion(news)];
    },
    async create(inputs) {
        const o = adminOptions(inputs);
        const what = `promoting node ${inputs.nodeId}`;
        const lag = await waitCaughtUp(o, inputs.nodeId, what, { deadlineAt: Date.now() + inputs.totalTimeoutMs });
        const spec = { nodeId: inputs.nodeId, ip: inputs.ip, boltPort: inputs.boltPort, raftPort: inputs.raftPort, role: "voter" as const };
        await promoteMember(
            o,
            spec,
            (inputs.knownVoters ?? []).filter((x) => x !== inputs.nodeId),
        );
        return { id: `promoted-${inputs.nodeId}`, outs: { promotedAt: new Date().toISOString(), lagAtPromotion: lag.reason } };
    },
    // update: the promotion is not repeated (the outputs are kept); delete: no demotion in TuGraph,
    // the voter stays a voter until its node is removed.
});

export class RaftPromotion extends pulumi.dynamic.Resource {
    public readonly promotedAt!: pulumi.Output<string>;
    constructor(name: string, args: RaftPromotionArgs, opts?: pulumi.CustomResourceOptions) {
        super(raftPromotionProvider, name, withOutputs(args, PROMOTION_OUTPUTS), withSecretPassword(opts), "tugraph", "RaftPromotion");
    }
}
