// Which admin password the cluster has now, without holding it: a salted scrypt
// verifier of (user, password), made by AdminPassword when it knows the password
// is current (it just set it, or logged in with it) and exported by the stack as a
// secret output. The program's live read, `npm run plan` and `npm run status` log
// in only with a password this verifier confirms: TuGraph writes the password of
// every refused login into the node's log in clear (docs/tugraph-facts.md), so a
// tool must never try one it does not know to be current.
// Plain functions with `require` inside (closure-serialized with the providers).

const PREFIX = "scrypt1";
const N = 16384;

function digest(user: string, password: string, salt: Buffer): Buffer {
    const crypto = require("crypto");
    // (user, password) as one fixed-length key: scrypt's HMAC pads short keys with zeros, so
    // "pw" and "pw\0" would be the same key if the text went in as it is.
    const key = crypto
        .createHash("sha256")
        .update(JSON.stringify([user, password]))
        .digest();
    return crypto.scryptSync(key, salt, 32, { N, r: 8, p: 1 });
}

/** A new verifier of `password` for `user` (a fresh random salt each time). */
export function makeVerifier(user: string, password: string): string {
    const crypto = require("crypto");
    const salt: Buffer = crypto.randomBytes(16);
    return `${PREFIX}$${salt.toString("base64")}$${digest(user, password, salt).toString("base64")}`;
}

/** True when `verifier` was made from exactly this user and password. A malformed verifier confirms nothing. */
export function confirms(verifier: string | undefined, user: string, password: string): boolean {
    if (typeof verifier !== "string") return false;
    const [prefix, salt, hash] = verifier.split("$");
    if (prefix !== PREFIX || !salt || !hash) return false;
    const want = Buffer.from(hash, "base64");
    const got = digest(user, password, Buffer.from(salt, "base64"));
    const crypto = require("crypto");
    return want.length === got.length && crypto.timingSafeEqual(want, got);
}

/** The password a read-only look may log in with, or why it must not try any. */
export type PasswordAccess = { readonly password: string } | { readonly unknown: string };

/** Why nothing is tried (the same words in the program, plan and status). */
export const NO_GUESS = "tugraph-ha logs in only with a password it knows to be current: TuGraph writes the password of a refused login into the node's log";

/**
 * The stack's password, if the verifier of the last deployment confirms it is the
 * cluster's current one; otherwise why it may not be (nothing is tried then).
 */
export function passwordAccess(user: string, configured: string, verifier: string | undefined): PasswordAccess {
    if (verifier === undefined || verifier === "") {
        return {
            unknown:
                "no record of the cluster's current admin password (a first deployment, a stack last deployed before tugraph-ha recorded it, " +
                `or a refresh found the recorded one refused), so the cluster was not asked: ${NO_GUESS}`,
        };
    }
    if (!confirms(verifier, user, configured)) {
        return {
            unknown:
                "tugraph:adminUser / tugraph:adminPassword differ from what the last `pulumi up` set (a rotation is pending: AdminPassword makes it), " +
                `so the cluster was not asked with them: ${NO_GUESS}`,
        };
    }
    return { password: configured };
}
