// tugraph-ha: one stack file -> a TuGraph Bolt-raft HA cluster on Docker hosts.
//
// The flow, top to bottom:
//   1. components/core/config/     validates every `tugraph:*` key at once into a typed ClusterConfig
//   2. components/adapters/liveView.ts reads the live membership (read-only, short deadlines)
//   3. components/resources/cluster.ts plans and wires it: the one planner (components/core/changePlan.ts)
//      checks the membership changes as a whole against the live cluster and orders them; one Docker
//      provider per host; a cluster record that refuses changes to what is fixed once a node exists
//      (components/providers/clusterRecord.ts); bootstrap nodes (components/resources/raftNode.ts:
//      rendered lgraph.json + container), one at a time, each ready before the next (rolling.ts);
//      the admin password set or rotated (adminPassword.ts); then one change at a time on the
//      leader: removals (raftRemoval.ts, then retiredContainer.ts stops the container), joins
//      learner first (raftMember.ts, then dataSync.ts copies a member's data, then the
//      container, then raftPromotion.ts for a voter once it has caught up).
//   4. the outputs returned at the end tell clients where the cluster is.
// Pure planning lives in components/core; components/resources only wires resources.
import * as pulumi from "@pulumi/pulumi";
import { SECRET_KEYS, formatConfigErrors, parseClusterConfig, rawFromPulumiConfig } from "./components/core/config";
import { TuGraphCluster } from "./components/resources/cluster";
import { readLiveMembership } from "./components/adapters/liveView";
import { passwordAccess } from "./components/adapters/passwordVerifier";

// Which secret keys the stack stores encrypted (for the plain-text warning). The SDK's
// isConfigSecret is internal (untyped): when it is missing, we do not know, and do not warn.
const isConfigSecret = (pulumi.runtime as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
const encryptedKeys = isConfigSecret && SECRET_KEYS.filter((key) => isConfigSecret(`tugraph:${key}`));

export = async () => {
    const parsed = parseClusterConfig(rawFromPulumiConfig(pulumi.runtime.allConfig()), { stack: pulumi.getStack(), encryptedKeys });
    if (!parsed.ok) {
        for (const w of parsed.warnings) pulumi.log.warn(w.message);
        throw new pulumi.RunError(`the stack config has ${parsed.errors.length} problem(s):\n${formatConfigErrors(parsed.errors)}`);
    }

    const secrets = new pulumi.Config("tugraph");
    const adminPassword = secrets.requireSecret("adminPassword");
    // A read-only look at the live membership (short deadlines): the membership plan is then
    // checked as a whole and ordered against the cluster, in preview and in up alike. It logs in
    // only when the verifier the last deployment exported confirms the stack's password is the
    // cluster's current one (TuGraph logs every refused password): a pending rotation is a note.
    const last = await lastOutputs();
    const verifier = typeof last.adminPasswordVerifier === "string" && last.adminPasswordVerifier !== "" ? last.adminPasswordVerifier : undefined;
    const live = await readLiveMembership(parsed.config, passwordAccess(parsed.config.adminUser, await plainValue(adminPassword), verifier));
    const cluster = new TuGraphCluster("tugraph", {
        config: parsed.config,
        adminPassword,
        tlsKey: secrets.getSecret("tlsKey"),
        tlsCert: secrets.getSecret("tlsCert"),
        warnings: parsed.warnings,
        live,
        // Joiners the last deployment copied data to: with the bootstrap members, the only copy sources.
        copied: Array.isArray(last.copiedNodeIds) ? last.copiedNodeIds.filter((x): x is number => Number.isInteger(x)) : [],
    });

    return {
        boltEndpoints: cluster.boltEndpoints,
        neo4jUri: cluster.neo4jUri,
        resolverAddresses: cluster.resolverAddresses,
        voterIds: cluster.voterIds,
        learnerIds: cluster.learnerIds,
        // Joiners whose data came from a copy (DataSync); the next run reads it back (lastOutputs).
        copiedNodeIds: cluster.copiedNodeIds,
        // Secret. Confirms the current admin password without holding it; the next run reads it back
        // (lastOutputs), and `npm run plan` / `npm run status` take it from TUGRAPH_ADMIN_PASSWORD_VERIFIER.
        adminPasswordVerifier: cluster.adminPasswordVerifier,
    };
};

/**
 * The outputs this stack exported at its last update (adminPasswordVerifier, copiedNodeIds), or
 * none. Read with the engine's own stack-outputs invoke (what a StackReference reads), so nothing
 * is added to the state and a refresh stays clean.
 */
async function lastOutputs(): Promise<Record<string, unknown>> {
    try {
        const name = `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
        const r = (await pulumi.runtime.invoke("pulumi:pulumi:readStackOutputs", { name })) as { outputs?: Record<string, unknown> };
        return r?.outputs ?? {};
    } catch {
        return {}; // no earlier update (or no backend to ask): nothing is known
    }
}

/** The value of a (secret) output, for the program's own read-only cluster call; never logged. */
function plainValue(o: pulumi.Output<string>): Promise<string> {
    return new Promise((resolve) => o.apply((v) => resolve(v)));
}
