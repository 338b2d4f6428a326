// RaftRemoval: a declared removal (the node's entry has `removed: true`).
//   create -> gated removeRaftNode on the leader; nothing to do when the node
//             is already gone; waits for a leader other than the removed node
//             (removing the leader is allowed: TuGraph steps down)
//   diff   -> a changed nodeId is a different removal (replace); changed
//             credentials or policy are an update
//   update -> no cluster call: records the new inputs (so that refresh uses
//             the current password), keeps what create found
//   delete -> nothing: forgetting a tombstone never re-adds the node
//   read   -> reports whether the node is (again) a member; an unreachable
//             cluster keeps the state (refreshNote says so)
// The container of a tombstoned node is no longer declared, so Pulumi deletes
// it at the END of the update, after this removal; its data dir stays.
//
// Serialization: see raftMember.ts.

import * as pulumi from "@pulumi/pulumi";
import { withSecretPassword } from "./secretOptions";
import { confirmedView, removeMember } from "../adapters/membershipOps";
import { adminOptions } from "../adapters/boltAdmin";
import { validateCommon, validateRemovalPolicy, validateVersion } from "../adapters/validate";
import { without } from "./props";
import { ACCESS_UPDATE_KEYS, type AccessArgs, type AccessProps } from "./access";
import { providerOf, withOutputs } from "./shape";

/** Removes a tombstoned node from the membership (removeRaftNode on the leader) after the removal gates, with the stack's access spec. */
export interface RaftRemovalArgs extends AccessArgs {
    /** The raft id to remove. No default. */
    nodeId: pulumi.Input<number>;
    /** Refuse going below this many voters. No default here (the stack's `membership.minVoters`: 3, or the voter count when smaller). */
    minVoters: pulumi.Input<number>;
    /** Allow a removal that loses quorum or goes below minVoters (never the last voter). No default here (the stack's, false by default). */
    allowUnsafeRemoval: pulumi.Input<boolean>;
    /** Voters the stack declares (non-removed voters): a replacement (remove 3, add 4) is not a shrink. Defaults to none. */
    plannedVoters?: pulumi.Input<number>;
    /** Ids the stack declares voters, removed ones included (core/membership.ts knownVoterIds): the listing hides promotions. Defaults to none. */
    knownVoters?: pulumi.Input<number[]>;
    /** Refused by check; present only in states written before Bolt TLS was dropped. Defaults to none. */
    tlsCa?: pulumi.Input<string>;
    /** Refused by check; present only in states written before Bolt TLS was dropped. Defaults to none. */
    insecureSkipVerify?: pulumi.Input<boolean>;
}

export interface RaftRemovalProps extends AccessProps {
    nodeId: number;
    minVoters: number;
    allowUnsafeRemoval: boolean;
    plannedVoters?: number;
    knownVoters?: number[];
    tlsCa?: string; // only in states written before Bolt TLS was dropped
    insecureSkipVerify?: boolean; // idem
    // outputs
    wasMember?: boolean;
    wasLeader?: boolean;
    stillMember?: boolean;
    refreshNote?: string; // set by a refresh that could not trust any listing (the state was kept)
}

const REMOVAL_OUTPUTS = ["wasMember", "wasLeader", "stillMember", "refreshNote"];

export const raftRemovalProvider = providerOf<RaftRemovalProps>({
    outputs: REMOVAL_OUTPUTS,
    // A changed nodeId is a different removal.
    replaceOn: ["nodeId"],
    // Credentials and policy are an update (no cluster call); seeds, knownVoters and
    // plannedVoters are not: they change on every grow or shrink (preview noise only).
    updateOn: [...ACCESS_UPDATE_KEYS, "minVoters", "allowUnsafeRemoval"],
    check(news) {
        const failures = validateCommon(news);
        validateRemovalPolicy(news, failures);
        validateVersion(news, failures);
        if (news.minVoters === undefined) failures.push({ property: "minVoters", reason: "is required" });
        if (news.allowUnsafeRemoval === undefined) failures.push({ property: "allowUnsafeRemoval", reason: "is required" });
        return failures;
    },

    async create(inputs) {
        const r = await removeMember(
            adminOptions(inputs),
            inputs.nodeId,
            { minVoters: inputs.minVoters, allowUnsafeRemoval: inputs.allowUnsafeRemoval, plannedVoters: inputs.plannedVoters },
            inputs.knownVoters ?? [],
        );
        return { id: `removed-${inputs.nodeId}`, outs: { wasMember: r.wasMember, wasLeader: r.wasLeader, stillMember: false } };
    },

    async update(olds) {
        // No cluster call: the new inputs recorded, what create found kept (a refresh note is not).
        return { wasMember: olds.wasMember, wasLeader: olds.wasLeader, stillMember: olds.stillMember };
    },

    // delete: forgetting a tombstone must never re-add or touch the node.

    async read(_id, props) {
        // Only a confirmed leader's listing may change state; bad credentials still fail.
        const v = await confirmedView({ ...adminOptions(props), totalTimeoutMs: props.callTimeoutMs }, props.knownVoters ?? []);
        if (!v.confirmed) return { ...props, refreshNote: v.note };
        const stillMember = v.confirmed.members.some((m) => m.id === props.nodeId);
        return { ...without(props, ["refreshNote"]), stillMember };
    },
});

export class RaftRemoval extends pulumi.dynamic.Resource {
    public readonly nodeId!: pulumi.Output<number>;
    public readonly wasMember!: pulumi.Output<boolean>;
    public readonly wasLeader!: pulumi.Output<boolean>;
    public readonly stillMember!: pulumi.Output<boolean>;
    /** Set when the last refresh reached no member (the state was kept as it was). */
    public readonly refreshNote!: pulumi.Output<string | undefined>;

    constructor(name: string, args: RaftRemovalArgs, opts?: pulumi.CustomResourceOptions) {
        super(raftRemovalProvider, name, withOutputs(args, REMOVAL_OUTPUTS), withSecretPassword(opts), "tugraph", "RaftRemoval");
    }
}
