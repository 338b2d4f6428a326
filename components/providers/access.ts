// How every cluster-calling resource reaches the cluster, and which of those
// inputs only change how it gets there: a change of one of them is an update
// that makes no cluster call (refresh and delete then use the current values).
import type * as pulumi from "@pulumi/pulumi";
import { UNKNOWN } from "../adapters/validate";

export interface AccessArgs {
    seeds: pulumi.Input<pulumi.Input<string>[]>; // "ip:boltPort" of known members
    adminUser: pulumi.Input<string>;
    adminPassword: pulumi.Input<string>; // arrives as a Pulumi secret; stored secret
    callTimeoutMs: pulumi.Input<number>;
    totalTimeoutMs: pulumi.Input<number>;
    // Always false: TuGraph's Bolt has no TLS (docs/tugraph-facts.md). Kept as an input so that
    // states written with it diff clean; tlsCa and insecureSkipVerify are refused by check.
    encrypted?: pulumi.Input<boolean>;
    providerVersion?: pulumi.Input<number>; // components/providers/version.ts: a change stores the new provider text
}

export const ACCESS_UPDATE_KEYS = [
    "adminUser",
    "adminPassword",
    "callTimeoutMs",
    "totalTimeoutMs",
    "encrypted",
    "tlsCa", // no longer an input: listed so that a state holding it records its removal (no cluster call)
    "insecureSkipVerify", // idem
    "providerVersion",
] as const;

/** The keys among `keys` whose new value is unknown (preview) or differs from the old one. */
export function changedKeys(keys: readonly string[], olds: Record<string, unknown>, news: Record<string, unknown>): string[] {
    return keys.filter((k) => news[k] === UNKNOWN || news[k] !== olds[k]);
}
