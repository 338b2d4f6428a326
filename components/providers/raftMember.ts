// RaftMember: the raft membership of one non-bootstrap node, as a Pulumi
// dynamic resource.
//   check  -> validates; pins `initPeers` to the value recorded at creation
//   create -> addRaftNode / addRaftLearnerNode on the leader (gated, idempotent)
//   update -> promotion learner -> voter (addRaftNode on the leader); a change
//             of credentials or policy only is recorded, with no cluster call
//   delete -> gated removeRaftNode. Runs only when a node entry is deleted
//             outright or the stack is destroyed: `removed: true` (a
//             RaftRemoval, run BEFORE additions) is the safe way to remove.
//   read   -> live membership, trusted only from a confirmed leader with a
//             majority; otherwise the state is kept (refreshNote says why).
//             Drift (another address, removed outside the stack) is recorded
//             in `drift`, never repaired: the next update refuses, naming the fix.
// TuGraph's listing does not update is_learner after a promotion, so `role`
// in this resource's state is the truth.
//
// The provider object is closure-serialized into the state and run later by a
// plain node process (no ts-node): it only captures plain functions
// (components/adapters/*, components/core/membership.ts are copied by value)
// and requires "neo4j-driver" inside the calls. test/providers/serialization
// checks this by running the serialized text in a fresh process.

import * as pulumi from "@pulumi/pulumi";
import { withSecretPassword } from "./secretOptions";
import type { InitPeer } from "../core/types";
import { confirmedView, ensureMember, promoteMember, removeMember } from "../adapters/membershipOps";
import { adminOptions } from "../adapters/boltAdmin";
import { validateCommon, validateMember, validateVersion, UNKNOWN } from "../adapters/validate";
import { without } from "./props";
import { providerOf, withOutputs } from "./shape";
import { ACCESS_UPDATE_KEYS, type AccessArgs, type AccessProps } from "./access";

/** A raft member added on the leader (addRaftNode / addRaftLearnerNode), with the stack's access spec. */
export interface RaftMemberArgs extends AccessArgs {
    /** The node's raft id; a change replaces the member. No default. */
    nodeId: pulumi.Input<number>;
    /** Its IPv4 address (TuGraph does not resolve names); a change replaces the member. No default. */
    ip: pulumi.Input<string>;
    /** Its Bolt port; a change replaces the member. No default. */
    boltPort: pulumi.Input<number>;
    /** Its raft port; a change replaces the member. No default. */
    raftPort: pulumi.Input<number>;
    /** The role the stack declares. No default (the stack's node role, "voter" by default). */
    role: pulumi.Input<"voter" | "learner">;
    /**
     * The joiner's init peers: the membership predicted right after the join, incl. itself
     * (from the stack). An INPUT pinned at creation: check() keeps the recorded value for
     * ever after, so the joiner's lgraph.json (rendered from it) is the same in every later
     * preview and update. (The dynamic provider host has no preview of update: outputs in
     * preview are the checked inputs, so an output-only value would be unknown there and the
     * container would show as replaced.) No default.
     */
    initPeers: pulumi.Input<InitPeer[]>;
    /** Ids the stack declares voters, removed ones included (core/membership.ts knownVoterIds): the listing hides promotions. Defaults to none. */
    knownVoters?: pulumi.Input<number[]>;
    /** The removal gate of delete: refuse going below this many voters. Defaults to 3. */
    minVoters?: pulumi.Input<number>;
    /** The removal gate of delete: allow a removal that loses quorum or goes below minVoters. Defaults to false. */
    allowUnsafeRemoval?: pulumi.Input<boolean>;
    /** The removal gate of delete: voters the stack declares (a replacement is not a shrink). Defaults to none. */
    plannedVoters?: pulumi.Input<number>;
    /** Refused by check; present only in states written before Bolt TLS was dropped. Defaults to none. */
    tlsCa?: pulumi.Input<string>;
    /** Refused by check; present only in states written before Bolt TLS was dropped. Defaults to none. */
    insecureSkipVerify?: pulumi.Input<boolean>;
    /**
     * "learner": add as a learner whatever `role` says; a RaftPromotion makes a declared
     * voter a voter once synced and caught up (learner-first). Defaults to none: add as `role`.
     */
    joinAs?: pulumi.Input<"learner">;
}

/** Plain-data inputs/outputs as the provider sees them. */
export interface RaftMemberProps extends AccessProps {
    nodeId: number;
    ip: string;
    boltPort: number;
    raftPort: number;
    role: "voter" | "learner";
    initPeers: InitPeer[];
    knownVoters?: number[];
    minVoters?: number;
    allowUnsafeRemoval?: boolean;
    plannedVoters?: number;
    tlsCa?: string; // only in states written before Bolt TLS was dropped
    insecureSkipVerify?: boolean; // idem
    joinAs?: "learner";
    // outputs
    listedRole?: "voter" | "learner"; // what listRaftNodes said at the last create/read (may lag behind role)
    roleNote?: string;
    refreshNote?: string; // set by a refresh that could not trust any listing (the state was kept)
    drift?: string; // set by a refresh that found the member changed outside the stack
    driftKind?: "address" | "removed";
}

const REPLACE_KEYS = ["nodeId", "ip", "boltPort", "raftPort"] as const;
// Credentials and policy: a change is an UPDATE that makes no cluster call
// (update copies the new inputs), so that refresh and delete run with the
// current password and limits instead of the ones from creation. seeds,
// knownVoters and plannedVoters are deliberately left out: they change on
// every grow or shrink of the stack, and an update of every membership
// resource each time would only be preview noise (they are refreshed
// whenever an update runs anyway, and delete/read also try every recorded
// init peer).
const UPDATE_KEYS = [...ACCESS_UPDATE_KEYS, "minVoters", "allowUnsafeRemoval"] as const;
// Outputs only: never carried from one result into the next by a spread of inputs.
const OUTPUT_KEYS = ["listedRole", "roleNote", "refreshNote", "drift", "driftKind"];

/** The refusal for a member that changed outside the stack, with the fix that is true for it. */
function driftRefusal(p: RaftMemberProps): Error {
    const fix =
        p.driftKind === "removed"
            ? `raft must never see a removed id again, so tugraph-ha will not add it back. Fix: set \`removed: true\` on node ${p.nodeId} (the entry stays as a tombstone) and add the node again under a new id`
            : `TuGraph cannot move a member, and tugraph-ha never removes a live member implicitly. Fix: set \`removed: true\` on node ${p.nodeId} (removes the member at its live address) and add the node again under a new id at the address you want`;
    return new Error(`node ${p.nodeId} changed outside the stack: ${p.drift}. ${fix}; then run \`pulumi up\`.`);
}

export const raftMemberProvider = providerOf<RaftMemberProps>({
    outputs: OUTPUT_KEYS,
    check(news, olds) {
        const failures = [...validateCommon(news), ...validateMember(news), ...validateVersion(news)];
        if (olds.role === "voter" && news.role === "learner") {
            failures.push({
                property: "role",
                reason: `node ${news.nodeId} is a voter; demotion to learner is not supported: set removed: true, then add it again under a new id as a learner`,
            });
        }
        // Init peers are fixed when the node joins: the stack's prediction
        // changes with every grow or shrink, the recorded value never does.
        // Not across a replacement (another id or address: a new join).
        const pinned = Array.isArray(olds.initPeers) && REPLACE_KEYS.every((k) => olds[k] === news[k]);
        return { inputs: pinned ? { ...news, initPeers: olds.initPeers } : news, failures };
    },

    diff(olds, news) {
        // A member changed outside the stack is never repaired implicitly (a replace would
        // remove a live voter, or re-add a removed id): it shows as an update, and update
        // refuses until the stack says what to do. Diff itself must not throw: the engine's
        // refresh calls it too, and a throw there fails the refresh and records nothing.
        if (olds.drift && news.nodeId === olds.nodeId) return { changes: true, replaces: [], deleteBeforeReplace: false, stables: ["initPeers", "nodeId"] };
        const replaces: string[] = [];
        const changes: string[] = [];
        for (const k of REPLACE_KEYS) {
            if (news[k] === (UNKNOWN as unknown) || news[k] !== olds[k]) replaces.push(k);
        }
        if (news.role === (UNKNOWN as unknown) || (olds.role === "learner" && news.role === "voter")) changes.push("role");
        for (const k of UPDATE_KEYS) {
            if (news[k] === (UNKNOWN as unknown) || news[k] !== olds[k]) changes.push(k);
        }
        return {
            changes: replaces.length > 0 || changes.length > 0,
            replaces,
            // The same id cannot be a member twice: the old membership goes first.
            deleteBeforeReplace: replaces.length > 0,
            stables: replaces.length === 0 ? ["initPeers", "nodeId"] : [],
        };
    },

    async create(inputs) {
        const joinRole = inputs.joinAs ?? inputs.role;
        const spec = { nodeId: inputs.nodeId, ip: inputs.ip, boltPort: inputs.boltPort, raftPort: inputs.raftPort, role: joinRole };
        const r = await ensureMember(
            adminOptions(inputs),
            spec,
            (inputs.knownVoters ?? []).filter((x) => x !== inputs.nodeId),
        );
        const self = r.initPeers.find((p) => p.bolt_raft_node_id === inputs.nodeId);
        const listedRole = r.listedLearner ? "learner" : "voter";
        // Found already a voter while the stack says learner: the truth is voter (demotion is not supported).
        const role = inputs.role === "voter" || listedRole === "voter" ? "voter" : "learner";
        let roleNote = r.called ? `added as ${joinRole}` : `already a member at ${self?.ip}:${self?.bolt_port}/${self?.bolt_raft_port}: no call made`;
        if (joinRole !== inputs.role) roleNote += `; promoted by its RaftPromotion once synced and caught up`;
        if (role !== inputs.role) roleNote += `; it is a voter although the stack says learner (demotion is not supported)`;
        if (role === "voter" && listedRole === "learner")
            roleNote += "; promoted: listRaftNodes keeps showing is_learner=true after a promotion, role here is the truth";
        // The recorded init peers are the pinned input; a different live membership is only noted
        // (TuGraph reads init peers on a node's first start only, and a joiner starts from a copy of a member's raft log).
        const ids = (ps: readonly InitPeer[]) =>
            ps
                .map((p) => `${p.bolt_raft_node_id}@${p.ip}:${p.bolt_port}/${p.bolt_raft_port}`)
                .sort()
                .join(",");
        if (ids(r.initPeers) !== ids(inputs.initPeers ?? [])) {
            roleNote += `; the live membership after the add [${ids(r.initPeers)}] differs from the recorded init peers [${ids(inputs.initPeers ?? [])}]`;
        }
        return { id: String(inputs.nodeId), outs: { role, listedRole, roleNote } };
    },

    async update(olds, news) {
        if (olds.drift && news.nodeId === olds.nodeId) throw driftRefusal(olds);
        // Learner-first stacks promote through RaftPromotion (after the data copy and the catch-up).
        if (olds.role === "learner" && news.role === "voter" && news.joinAs !== "learner") {
            const spec = { nodeId: news.nodeId, ip: news.ip, boltPort: news.boltPort, raftPort: news.raftPort, role: news.role };
            await promoteMember(adminOptions(news), spec, news.knownVoters ?? []);
            return {
                initPeers: olds.initPeers ?? news.initPeers,
                listedRole: "learner" as const,
                roleNote: "promoted with addRaftNode; listRaftNodes keeps showing is_learner=true after a promotion: role here is the truth",
            };
        }
        // No cluster call: new credentials/policy (and seeds, and the provider text), the recorded facts kept.
        return { initPeers: olds.initPeers ?? news.initPeers, role: olds.role ?? news.role, listedRole: olds.listedRole, roleNote: olds.roleNote };
    },

    async delete(props) {
        const voters = props.knownVoters ?? [];
        await removeMember(
            adminOptions(props),
            props.nodeId,
            {
                minVoters: props.minVoters ?? 3,
                allowUnsafeRemoval: props.allowUnsafeRemoval ?? false,
                plannedVoters: props.plannedVoters,
            },
            props.role === "voter" ? [...voters, props.nodeId] : voters,
        ).catch((e: Error) => {
            e.message = `deleting the membership of node ${props.nodeId}: ${e.message}. (To remove a node, set \`removed: true\` on its entry: that removes it before any addition; deleting the entry outright removes it only at the end of the update.)`;
            throw e;
        });
    },

    async read(_id, props) {
        // Only a confirmed leader's listing may change state (an outage or a lone stale node keeps
        // it, with a note); bad credentials still fail. Drift is recorded, never repaired here.
        const known = [...(props.knownVoters ?? []), ...(props.role === "voter" ? [props.nodeId] : [])];
        const v = await confirmedView({ ...adminOptions(props), totalTimeoutMs: props.callTimeoutMs }, known);
        if (!v.confirmed) return { ...props, refreshNote: v.note };
        const d = v.confirmed;
        const kept = without(props, ["refreshNote", "drift", "driftKind"]);
        const m = d.members.find((x) => x.id === props.nodeId);
        const stackAddress = `${props.ip}:${props.boltPort}/${props.raftPort}`;
        if (!m) {
            // Kept, not dropped: dropping it would make the next `up` add the removed id again.
            const drift = `leader ${d.leaderId} no longer lists node ${props.nodeId} (${stackAddress}): it was removed outside the stack (seen ${new Date().toISOString()})`;
            return { ...kept, drift, driftKind: "removed" as const };
        }
        if (m.ip !== props.ip || m.boltPort !== props.boltPort || m.raftPort !== props.raftPort) {
            const drift = `leader ${d.leaderId} lists node ${props.nodeId} at ${m.ip}:${m.boltPort}/${m.raftPort}, but the stack says ${stackAddress}`;
            return { ...kept, drift, driftKind: "address" as const };
        }
        const listedRole = m.isLearner ? "learner" : "voter";
        const role = props.role === "voter" ? "voter" : listedRole;
        return {
            ...kept,
            role,
            listedRole,
            roleNote:
                role !== listedRole
                    ? "listRaftNodes says learner, but this node was promoted: TuGraph does not update is_learner after a promotion"
                    : props.roleNote,
        };
    },
});

export class RaftMember extends pulumi.dynamic.Resource {
    /** The join membership, pinned at creation (an input, see RaftMemberArgs.initPeers): the joiner's lgraph.json is rendered from it. */
    public readonly initPeers!: pulumi.Output<InitPeer[]>;
    /** The truth (the listing lies after promotion). */
    public readonly role!: pulumi.Output<"voter" | "learner">;
    public readonly nodeId!: pulumi.Output<number>;
    public readonly listedRole!: pulumi.Output<"voter" | "learner">;
    public readonly roleNote!: pulumi.Output<string>;
    /** Set when the last refresh could not trust any listing (the state was kept as it was). */
    public readonly refreshNote!: pulumi.Output<string | undefined>;
    /** Set when the last refresh found the member changed outside the stack (the next `up` refuses, naming the fix). */
    public readonly drift!: pulumi.Output<string | undefined>;

    constructor(name: string, args: RaftMemberArgs, opts?: pulumi.CustomResourceOptions) {
        super(raftMemberProvider, name, withOutputs(args, OUTPUT_KEYS), withSecretPassword(opts), "tugraph", "RaftMember");
    }
}
