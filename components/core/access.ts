// How everything that talks to the cluster reaches it, built once from the stack
// (accessFor): the program (resources/cluster.ts) hands it to every cluster-calling
// provider, and its read-only look at the live membership (adapters/liveView.ts),
// `npm run plan` and `npm run status` log in with the same spec. Pure.
import type { ClusterConfig } from "./types";

/** The cluster's address book and credentials. */
export interface ClusterAccess<P = string> {
    /** "ip:boltPort" of every node of the stack that is not removed: the first addresses asked. */
    readonly seeds: string[];
    /** `tugraph:adminUser`. Defaults to "admin" (config DEFAULTS). */
    readonly adminUser: string;
    /** The cluster's current admin password: a secret Output in the program; in plan and status a plain string known to be current. */
    readonly adminPassword: P;
    /** `tugraph:membership.callTimeoutSeconds` in ms: the deadline of one admin call. Defaults to 10000 ms (config DEFAULTS). */
    readonly callTimeoutMs: number;
    /** `tugraph:membership.totalTimeoutSeconds` in ms: the bound on one operation, retries included. Defaults to 120000 ms (config DEFAULTS). */
    readonly totalTimeoutMs: number;
}

/** The access spec of a stack: its live nodes' Bolt addresses, its admin user and timeouts, and the given password. */
export function accessFor<P>(config: Pick<ClusterConfig, "nodes" | "adminUser" | "membership">, secrets: { readonly adminPassword: P }): ClusterAccess<P> {
    return {
        seeds: config.nodes.filter((n) => !n.removed).map((n) => `${n.ip}:${n.boltPort}`),
        adminUser: config.adminUser,
        adminPassword: secrets.adminPassword,
        callTimeoutMs: config.membership.callTimeoutMs,
        totalTimeoutMs: config.membership.totalTimeoutMs,
    };
}
