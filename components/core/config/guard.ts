// tugraph:raftGuard: the opt-in host firewall for TuGraph's unauthenticated raft port (and,
// when asked, the Bolt port). Pure.
import { z } from "zod";
import { isIpv4 } from "../ipv4";
import type { RaftGuard } from "../types";
import { Errors, field, k, show } from "./schema";

const cidr = z.string({ error: (i) => `items must be IPv4 addresses or CIDR blocks, got ${show(i.input)}` }).refine(
    (v) => {
        const [ip, bits, ...rest] = v.split("/");
        return rest.length === 0 && isIpv4(ip) && (bits === undefined || (/^\d{1,2}$/.test(bits) && Number(bits) <= 32));
    },
    { error: (i) => `items must be IPv4 addresses or CIDR blocks such as 10.0.0.0/24, got ${show(i.input)}` },
);

const guardSchema = z.strictObject(
    {
        image: z
            .string({ error: (i) => `must be the name of an image with iptables on every host, got ${show(i.input)}` })
            .min(1, { error: "must not be empty: an image with iptables, present on every host (the helper runs it with NET_ADMIN)" }),
        boltClients: z.array(cidr).min(1, { error: "must list at least one network (include the machine that runs pulumi)" }).optional(),
    },
    {
        error: (i) =>
            i.code === "unrecognized_keys"
                ? `has an unknown key (${i.keys.join(", ")}): the keys are image and boltClients`
                : `must be {image, boltClients?}, got ${show(i.input)}`,
    },
);

/** The guard, or undefined when the stack does not ask for one (the default). */
export function parseRaftGuard(errors: Errors, value: unknown): RaftGuard | undefined {
    if (value === undefined) return undefined;
    return field(errors, k("raftGuard"), guardSchema, value);
}
