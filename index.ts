// tugraph-ha: one stack file -> a TuGraph Bolt-raft HA cluster on Docker hosts.
//
// The flow, top to bottom:
//   1. components/core/config.ts   validates every `tugraph:*` key at once into a typed ClusterConfig
//   2. components/resources/cluster.ts wires it: one Docker provider per host; a cluster record
//      that refuses changes to what is fixed once a node exists (components/providers/clusterRecord.ts);
//      bootstrap nodes (components/resources/raftNode.ts: rendered lgraph.json + container); then
//      membership changes one at a time on the leader (components/providers/raftRemoval.ts,
//      raftMember.ts), each joining node's container after its add.
//   3. the outputs below tell clients where the cluster is.
// Pure planning lives in components/core; components/resources only wires resources.
import * as pulumi from "@pulumi/pulumi";
import { SECRET_KEYS, formatConfigErrors, parseClusterConfig, rawFromPulumiConfig } from "./components/core/config";
import { TuGraphCluster } from "./components/resources/cluster";

// Which secret keys the stack stores encrypted (for the plain-text warning). The SDK's
// isConfigSecret is internal (untyped): when it is missing, we do not know, and do not warn.
const isConfigSecret = (pulumi.runtime as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
const encryptedKeys = isConfigSecret && SECRET_KEYS.filter((key) => isConfigSecret(`tugraph:${key}`));

const parsed = parseClusterConfig(rawFromPulumiConfig(pulumi.runtime.allConfig()), { stack: pulumi.getStack(), encryptedKeys });
if (!parsed.ok) {
    for (const w of parsed.warnings) pulumi.log.warn(w.message);
    throw new pulumi.RunError(`the stack config has ${parsed.errors.length} problem(s):\n${formatConfigErrors(parsed.errors)}`);
}

const secrets = new pulumi.Config("tugraph");
const cluster = new TuGraphCluster("tugraph", {
    config: parsed.config,
    adminPassword: secrets.requireSecret("adminPassword"),
    tlsKey: secrets.getSecret("tlsKey"),
    tlsCert: secrets.getSecret("tlsCert"),
    // A CA certificate is public: kept as given (a secret stays one).
    tlsCa: isConfigSecret?.("tugraph:tlsCa") ? secrets.getSecret("tlsCa") : secrets.get("tlsCa"),
    warnings: parsed.warnings,
});

export const boltEndpoints = cluster.boltEndpoints;
export const neo4jUri = cluster.neo4jUri;
export const resolverAddresses = cluster.resolverAddresses;
export const voterIds = cluster.voterIds;
export const learnerIds = cluster.learnerIds;
