// HostGuard: one per Docker host of a stack with tugraph:raftGuard. Its rules let only the
// stack's nodes reach the raft ports of the nodes on that host (TuGraph's raft has no
// authentication) and, with boltClients, keep the Bolt ports to those networks and the nodes
// (adapters/hostGuard.ts). An update follows the stack's nodes (a joiner's ip is allowed before
// its membership add); delete (destroy, or the guard taken out of the stack) removes the rules.
import * as pulumi from "@pulumi/pulumi";
import { applyGuard, removeGuard } from "../adapters/hostGuard";
import { validateVersion, UNKNOWN } from "../adapters/validate";
import { providerOf } from "./shape";

/** The guard of one host. */
export interface HostGuardArgs {
    /** The host's Docker engine (unix://, tcp:// or ssh://). No default. */
    dockerHost: pulumi.Input<string>;
    /** An image with iptables, present on the host (tugraph:raftGuard.image). No default. */
    image: pulumi.Input<string>;
    /** Raft ports of the stack's nodes on this host. No default. */
    raftPorts: pulumi.Input<number[]>;
    /** Bolt ports of the stack's nodes on this host (guarded only with boltClients). No default. */
    boltPorts: pulumi.Input<number[]>;
    /** The ips of every node of the stack, tombstones included (a removed node leaves the guard with its entry). No default. */
    peers: pulumi.Input<string[]>;
    /** Networks allowed to Bolt besides the nodes. Defaults to none: Bolt is not guarded. */
    boltClients?: pulumi.Input<string[]>;
    /** Extra ssh client arguments for an ssh:// dockerHost (tugraph:sshOptions). Defaults to none. */
    sshOptions?: pulumi.Input<string[]>;
    /** components/providers/version.ts. Defaults to none. */
    providerVersion?: pulumi.Input<number>;
}

export interface HostGuardProps {
    dockerHost: string;
    image: string;
    raftPorts: number[];
    boltPorts: number[];
    peers: string[];
    boltClients?: string[];
    sshOptions?: string[];
    providerVersion?: number;
    appliedAt?: string;
}

export const hostGuardProvider = providerOf<HostGuardProps>({
    outputs: ["appliedAt"],
    diff(olds, news) {
        const same = (k: keyof HostGuardProps) => JSON.stringify(olds[k] ?? null) === JSON.stringify(news[k] ?? null) && news[k] !== UNKNOWN;
        const replaces = same("dockerHost") ? [] : ["dockerHost"];
        const updates = (["image", "raftPorts", "boltPorts", "peers", "boltClients", "providerVersion"] as const).filter((k) => !same(k));
        return { changes: replaces.length + updates.length > 0, replaces };
    },
    check(news) {
        const f = validateVersion(news);
        for (const k of ["dockerHost", "image"] as const)
            if (news[k] !== UNKNOWN && (typeof news[k] !== "string" || !news[k])) f.push({ property: k, reason: "must be a non-empty string" });
        for (const k of ["raftPorts", "boltPorts", "peers"] as const)
            if (news[k] !== UNKNOWN && !Array.isArray(news[k])) f.push({ property: k, reason: "must be a list" });
        return f;
    },
    async create(inputs) {
        await applyGuard(inputs);
        return { id: `guard-${inputs.dockerHost}`, outs: { appliedAt: new Date().toISOString() } };
    },
    async update(_olds, news) {
        await applyGuard(news);
        return { appliedAt: new Date().toISOString() };
    },
    async delete(props) {
        await removeGuard(props);
    },
});

export class HostGuard extends pulumi.dynamic.Resource {
    constructor(name: string, args: HostGuardArgs, opts?: pulumi.CustomResourceOptions) {
        super(hostGuardProvider, name, { ...args, appliedAt: undefined }, opts, "tugraph", "HostGuard");
    }
}
