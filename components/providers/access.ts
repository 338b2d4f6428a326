// How every cluster-calling resource reaches the cluster, and which of those
// inputs only change how it gets there: a change of one of them is an update
// that makes no cluster call (refresh and delete then use the current values).
// The spec itself is built once from the stack (core/access.ts accessFor); providerAccess
// makes it the providers' inputs.
import type * as pulumi from "@pulumi/pulumi";
import { UNKNOWN } from "../adapters/validate";
import type { ClusterAccess } from "../core/access";
import { PROVIDER_VERSION } from "./version";

/** The access inputs of every cluster-calling resource: the stack's access spec (core/access.ts), as inputs. */
export interface AccessArgs {
    /** "ip:boltPort" of known members: the stack's nodes that are not removed. No default. */
    seeds: pulumi.Input<pulumi.Input<string>[]>;
    /** The admin user. No default here (the stack's `tugraph:adminUser`, itself "admin" by default). */
    adminUser: pulumi.Input<string>;
    /** The cluster's current admin password; arrives as a Pulumi secret and is stored secret. No default. */
    adminPassword: pulumi.Input<string>;
    /** Deadline of one admin call, in ms (1000 to 600000). No default here (the stack's, 10000 by default). */
    callTimeoutMs: pulumi.Input<number>;
    /** Bound on one operation with its retries, in ms (at least callTimeoutMs). No default here (the stack's, 120000 by default). */
    totalTimeoutMs: pulumi.Input<number>;
    /**
     * Always false: TuGraph's Bolt has no TLS (docs/tugraph-facts.md). Kept as an input so that
     * states written with it diff clean; tlsCa and insecureSkipVerify are refused by check.
     * Defaults to false.
     */
    encrypted?: pulumi.Input<boolean>;
    /** components/providers/version.ts: raising it stores the current provider text (an update, no cluster call). Defaults to none. */
    providerVersion?: pulumi.Input<number>;
}

/** The access inputs as a provider receives them: plain values. */
export interface AccessProps extends ClusterAccess<string> {
    encrypted?: boolean;
    providerVersion?: number;
}

/** The stack's access spec as the providers' inputs, with the provider text version. */
export function providerAccess(access: ClusterAccess<pulumi.Input<string>>): AccessArgs {
    return {
        ...access,
        encrypted: false, // TuGraph's Bolt has no TLS (docs/tugraph-facts.md); kept so that existing states diff clean
        // Raising it stores the current provider text in every membership resource (see version.ts).
        providerVersion: PROVIDER_VERSION,
    };
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
export function changedKeys(keys: readonly string[], olds: object, news: object): string[] {
    const o = olds as Readonly<Record<string, unknown>>;
    const n = news as Readonly<Record<string, unknown>>;
    return keys.filter((k) => n[k] === UNKNOWN || n[k] !== o[k]);
}
