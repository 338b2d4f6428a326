// AdminPassword: the admin password of the cluster, as a Pulumi dynamic resource.
// TuGraph writes the password of every refused Bolt login into the node's log in
// clear (docs/tugraph-facts.md), so this resource logs in ONLY with a password it
// knows to be current, and never tries a list of candidates:
//   create -> a new cluster has TuGraph's default: changed from it to the configured
//             password (changePassword on the leader; it replicates). Nothing is called
//             when the configured password IS the default (the dev stack).
//   update -> a new tugraph:adminPassword rotates it from the password the state records
//             (what the last create/update set, or what a refresh confirmed). Other
//             changes (timeouts, provider version, a new adminUser) are recorded with
//             no cluster call.
//   delete -> nothing: forgetting the resource leaves the cluster's password as it is.
//   read   -> logs in with the state's password only: accepted, or refused (then the
//             verifier is cleared, so nothing logs in with it until the operator says
//             which password the cluster has: README, Admin password).
// `verifier` (adapters/passwordVerifier.ts) confirms the current password to the program's
// live read, plan and status without holding it. The cluster component creates this
// resource after the bootstrap members and before every membership change.
//
// Secrets: `adminPassword`, `previousPasswords` and `verifier` are additionalSecretOutputs
// (the state keeps them only encrypted); no message, note or progress line holds a password.
// Serialization: see raftMember.ts (plain functions, requires inside the calls).

import * as pulumi from "@pulumi/pulumi";
import { adminOptions } from "../adapters/boltAdmin";
import { changeFromKnown, checkPassword, NOT_TRIED, TUGRAPH_DEFAULT_PASSWORD } from "../adapters/passwordOps";
import { makeVerifier } from "../adapters/passwordVerifier";
import { validateAccess, validateVersion } from "../adapters/validate";
import { providerOf, withOutputs } from "./shape";
import type { AccessArgs, AccessProps } from "./access";

/** The stack's access spec (providers/access.ts); its `adminPassword` is the configured password, which this resource sets on the cluster. */
export type AdminPasswordArgs = AccessArgs;

export interface AdminPasswordProps extends AccessProps {
    tlsCa?: string; // only in states written before Bolt TLS was dropped
    insecureSkipVerify?: boolean; // idem
    // outputs
    previousPasswords?: string[]; // secret: kept empty (earlier versions tried these on a rotation; nothing is tried now)
    verifier?: string; // secret: adapters/passwordVerifier.ts of (adminUser, adminPassword) while it is known current; "" when not
    note?: string; // what the last create/update/read found; never a password
}

const OUTPUT_KEYS = ["previousPasswords", "verifier", "note"];
// A change of these runs the cluster (a rotation); of the others, only records them.
const CALL_KEYS = ["adminUser", "adminPassword"] as const;
const RECORD_KEYS = ["callTimeoutMs", "totalTimeoutMs", "encrypted", "tlsCa", "insecureSkipVerify", "providerVersion"] as const; // the TLS keys: only to record their removal

export const adminPasswordProvider = providerOf<AdminPasswordProps>({
    outputs: OUTPUT_KEYS,
    // seeds are left out: they change with every grow or shrink, which is no reason to touch the password.
    updateOn: [...CALL_KEYS, ...RECORD_KEYS],
    check(news) {
        const failures = validateAccess(news);
        validateVersion(news, failures);
        return failures;
    },

    async create(inputs) {
        const outs = (note: string) => ({ previousPasswords: [], verifier: makeVerifier(inputs.adminUser, inputs.adminPassword), note });
        if (inputs.adminPassword === TUGRAPH_DEFAULT_PASSWORD) {
            return { id: "admin-password", outs: outs("the configured password is TuGraph's default: nothing to set") };
        }
        // The bootstrap members were just created: the cluster has TuGraph's default, the only password known now.
        const note = await changeFromKnown(adminOptions(inputs), TUGRAPH_DEFAULT_PASSWORD, inputs.adminPassword, "TuGraph's default password");
        return { id: "admin-password", outs: outs(note) };
    },

    async update(olds, news) {
        const outs = (verifier: string, note: string | undefined) => ({ previousPasswords: [], verifier, note });
        // A state written before the verifier existed (undefined, not "") holds the password that version last confirmed.
        const known = olds.verifier !== "";
        if (news.adminPassword === olds.adminPassword && news.adminUser === olds.adminUser) {
            return outs(known ? (olds.verifier ?? makeVerifier(news.adminUser, news.adminPassword)) : "", olds.note);
        }
        if (news.adminPassword === olds.adminPassword) {
            // Another account, same password: its password is not known to tugraph-ha; the README asks that it already be this one.
            return outs(makeVerifier(news.adminUser, news.adminPassword), `adminUser changed at ${new Date().toISOString()}: recorded, nothing called`);
        }
        if (!known) {
            throw new Error(
                `the password recorded in state is not known to be the cluster's (a refresh found it refused, or an earlier version did not record it), ` +
                    `so it is not used to rotate to the configured one. ${NOT_TRIED} Fix: see README, Admin password (a cluster whose password is not known)`,
            );
        }
        const note = await changeFromKnown(
            { ...adminOptions(news), user: olds.adminUser },
            olds.adminPassword,
            news.adminPassword,
            "the password recorded in state",
        );
        return outs(makeVerifier(news.adminUser, news.adminPassword), note.replace(/^changed from/, "rotated from"));
    },

    // delete: the cluster keeps its password; forgetting this resource changes nothing there.

    async read(_id, props) {
        const at = new Date().toISOString();
        // Only the state's password, and only while it is known current: a refused one is not tried again.
        if (props.verifier === "") {
            return { ...props, note: `not refreshed at ${at}: the password recorded in state is not known to be current. ${NOT_TRIED}` };
        }
        let r: "accepted" | "refused" | "unreachable";
        try {
            r = await checkPassword({ ...adminOptions(props), totalTimeoutMs: props.callTimeoutMs }, props.adminPassword);
        } catch (e) {
            return { ...props, note: `not refreshed at ${at}: ${(e as Error).message}; state kept as it was` };
        }
        if (r === "unreachable") return { ...props, note: `not refreshed at ${at}: no member answered; state kept as it was` };
        if (r === "accepted") {
            const verifier = props.verifier ?? makeVerifier(props.adminUser, props.adminPassword);
            return { ...props, verifier, note: `refreshed at ${at}: the cluster accepts the password recorded in state` };
        }
        return {
            ...props,
            verifier: "",
            note:
                `refreshed at ${at}: the cluster refused the password recorded in state (changed outside the stack): nothing logs in with it again. ` +
                `${NOT_TRIED} Fix: see README, Admin password (a cluster whose password is not known)`,
        };
    },
});

/** Options of the resource: both passwords it keeps are secrets in the state. */
export function adminPasswordOptions(opts?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
    return { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "adminPassword", "previousPasswords", "verifier"] };
}

export class AdminPassword extends pulumi.dynamic.Resource {
    /** What the last create, update or refresh found (never a password). */
    public readonly note!: pulumi.Output<string>;
    /** Secret: confirms the cluster's current password without holding it ("" when not known); adapters/passwordVerifier.ts. */
    public readonly verifier!: pulumi.Output<string>;

    constructor(name: string, args: AdminPasswordArgs, opts?: pulumi.CustomResourceOptions) {
        super(adminPasswordProvider, name, withOutputs(args, OUTPUT_KEYS), adminPasswordOptions(opts), "tugraph", "AdminPassword");
    }
}
