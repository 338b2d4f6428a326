// AdminPassword: the admin password of the cluster, as a Pulumi dynamic resource.
//   create -> on a new cluster, changes TuGraph's default to the configured password
//             (changePassword on the leader; it replicates). Nothing is called when the
//             configured password IS the default (the dev stack), or already works.
//   update -> a new tugraph:adminPassword (or adminUser) rotates it: the configured one
//             is tried first, then the previous ones recorded in state, then the default;
//             the first the cluster accepts is changed to the configured one. So a re-run
//             converges whichever of them the cluster has now. Other changes (timeouts,
//             TLS trust, provider version) are recorded with no cluster call.
//   delete -> nothing: forgetting the resource leaves the cluster's password as it is.
//   read   -> which known password the cluster accepts; an older one is recorded as the
//             state's password, so the next `up` changes it to the configured one.
// The cluster component creates it after the bootstrap members and before every
// membership change, which log in with the configured password.
//
// Secrets: `adminPassword` and `previousPasswords` are additionalSecretOutputs (the
// state keeps them only encrypted); no message, note or progress line holds a password.
// Serialization: see raftMember.ts (plain functions, requires inside the calls).

import * as pulumi from "@pulumi/pulumi";
import { adminOptions } from "../adapters/boltAdmin";
import { acceptedPassword, convergePassword, TUGRAPH_DEFAULT_PASSWORD } from "../adapters/passwordOps";
import { asProps, validateAccess, validateVersion, UNKNOWN } from "../adapters/validate";
import { definedOnly, without } from "./props";

export interface AdminPasswordArgs {
    seeds: pulumi.Input<pulumi.Input<string>[]>; // "ip:boltPort" of the members
    adminUser: pulumi.Input<string>;
    adminPassword: pulumi.Input<string>; // the configured password (a Pulumi secret)
    callTimeoutMs: pulumi.Input<number>;
    totalTimeoutMs: pulumi.Input<number>;
    encrypted?: pulumi.Input<boolean>; // Bolt over TLS (the cluster's ssl_auth)
    tlsCa?: pulumi.Input<string>; // PEM the nodes' certificate is verified against
    insecureSkipVerify?: pulumi.Input<boolean>; // TLS without verification (explicit opt-out)
    providerVersion?: pulumi.Input<number>; // components/providers/version.ts
}

export interface AdminPasswordProps {
    seeds: string[];
    adminUser: string;
    adminPassword: string;
    callTimeoutMs: number;
    totalTimeoutMs: number;
    encrypted?: boolean;
    tlsCa?: string;
    insecureSkipVerify?: boolean;
    providerVersion?: number;
    // outputs
    previousPasswords?: string[]; // secret: passwords this stack set before, newest first (tried on a rotation)
    note?: string; // what the last create/update/read found; never a password
}

const OUTPUT_KEYS = ["previousPasswords", "note"];
// A change of these runs the cluster (a rotation); of the others, only records them.
const CALL_KEYS = ["adminUser", "adminPassword"] as const;
const RECORD_KEYS = ["callTimeoutMs", "totalTimeoutMs", "encrypted", "tlsCa", "insecureSkipVerify", "providerVersion"] as const;
// How many earlier passwords the state keeps to try on a rotation.
const KEEP_PREVIOUS = 3;

export const adminPasswordProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: AdminPasswordProps, newInputs: AdminPasswordProps) {
        const news = without(asProps(newInputs), OUTPUT_KEYS) as AdminPasswordProps;
        const failures = validateAccess(news);
        validateVersion(news, failures);
        return { inputs: definedOnly(news), failures };
    },

    async diff(_id: string, olds: AdminPasswordProps, news: AdminPasswordProps) {
        // seeds are left out: they change with every grow or shrink, which is no reason to touch the password.
        const changed = [...CALL_KEYS, ...RECORD_KEYS].filter((k) => news[k] === (UNKNOWN as unknown) || news[k] !== olds[k]);
        return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
    },

    async create(inputs: AdminPasswordProps) {
        const p = without(inputs, OUTPUT_KEYS);
        if (inputs.adminPassword === TUGRAPH_DEFAULT_PASSWORD) {
            return {
                id: "admin-password",
                outs: definedOnly({ ...p, previousPasswords: [], note: "the configured password is TuGraph's default: nothing to set" }),
            };
        }
        const r = await convergePassword(adminOptions(inputs), inputs.adminPassword, []);
        return { id: "admin-password", outs: definedOnly({ ...p, previousPasswords: [], note: r.note }) };
    },

    async update(_id: string, olds: AdminPasswordProps, news: AdminPasswordProps) {
        const p = without(news, OUTPUT_KEYS);
        const known = [olds.adminPassword, ...(olds.previousPasswords ?? [])].filter((x) => typeof x === "string" && x.length > 0);
        const previousPasswords = [...new Set(known)].filter((x) => x !== news.adminPassword).slice(0, KEEP_PREVIOUS);
        if (CALL_KEYS.every((k) => news[k] === olds[k])) {
            return { outs: definedOnly({ ...p, previousPasswords: olds.previousPasswords ?? [], note: olds.note }) };
        }
        const r = await convergePassword(adminOptions(news), news.adminPassword, known);
        return { outs: definedOnly({ ...p, previousPasswords, note: r.note }) };
    },

    async delete() {
        // The cluster keeps its password: forgetting this resource changes nothing there.
    },

    async read(id: string, props: AdminPasswordProps) {
        const tried = [props.adminPassword, ...(props.previousPasswords ?? []), TUGRAPH_DEFAULT_PASSWORD];
        const at = new Date().toISOString();
        let i: number | undefined;
        try {
            i = await acceptedPassword({ ...adminOptions(props), totalTimeoutMs: props.callTimeoutMs }, tried);
        } catch (e) {
            return { id, props: definedOnly({ ...props, note: `not refreshed at ${at}: ${(e as Error).message}; state kept as it was` }) };
        }
        if (i === undefined) return { id, props: definedOnly({ ...props, note: `not refreshed at ${at}: no member answered; state kept as it was` }) };
        if (i === 0) return { id, props: definedOnly({ ...props, note: `refreshed at ${at}: the cluster accepts the configured password` }) };
        if (i < 0) {
            return {
                id,
                props: definedOnly({
                    ...props,
                    note:
                        `refreshed at ${at}: the cluster accepts none of the passwords this stack knows (changed outside the stack): ` +
                        `set tugraph:adminPassword to its current password and run \`pulumi up\``,
                }),
            };
        }
        // An older password works: recorded as the state's password, so the next `up` sees a change and rotates it.
        return {
            id,
            props: definedOnly({
                ...props,
                adminPassword: tried[i],
                previousPasswords: [...new Set([props.adminPassword, ...(props.previousPasswords ?? [])])]
                    .filter((x) => x !== tried[i])
                    .slice(0, KEEP_PREVIOUS),
                note: `refreshed at ${at}: the cluster has an older password (${i === tried.length - 1 ? "TuGraph's default" : "one recorded in state"}), not the configured one: the next \`pulumi up\` changes it`,
            }),
        };
    },
};

/** Options of the resource: both passwords it keeps are secrets in the state. */
export function adminPasswordOptions(opts?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
    return { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "adminPassword", "previousPasswords"] };
}

export class AdminPassword extends pulumi.dynamic.Resource {
    /** What the last create, update or refresh found (never a password). */
    public readonly note!: pulumi.Output<string>;

    constructor(name: string, args: AdminPasswordArgs, opts?: pulumi.CustomResourceOptions) {
        super(adminPasswordProvider, name, { ...args, previousPasswords: undefined, note: undefined }, adminPasswordOptions(opts), "tugraph", "AdminPassword");
    }
}
