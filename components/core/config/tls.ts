// tugraph:tls: TLS of the web port (ssl_auth); TuGraph's Bolt has none. Pure.

import type { TlsSettings } from "../types";
import { Errors, TLS_KEYS, Warnings, absPathSchema, boolSchema, checkKeys, fail, field, isPlainObject, k, setSecretCommand, show } from "./schema";
import { checkSecret } from "./scalars";

export function parseTls(errors: Errors, warnings: Warnings, raw: Record<string, unknown>, stack: string | undefined): TlsSettings | undefined {
    const key = k("tls");
    const tlsRaw = raw.tls ?? {};
    const keySecret = checkSecret(errors, "tlsKey", raw.tlsKey, false, stack);
    const certSecret = checkSecret(errors, "tlsCert", raw.tlsCert, false, stack);
    if (!isPlainObject(tlsRaw)) {
        fail(errors, key, `must be an object {enabled, keyFile?, certFile?}, got ${show(tlsRaw)}`);
        return undefined;
    }
    checkKeys(errors, key, tlsRaw, TLS_KEYS, {});
    const enabled = field(errors, `${key}.enabled`, boolSchema(""), tlsRaw.enabled ?? false);
    const keyFile = tlsRaw.keyFile === undefined ? undefined : field(errors, `${key}.keyFile`, absPathSchema, tlsRaw.keyFile);
    const certFile = tlsRaw.certFile === undefined ? undefined : field(errors, `${key}.certFile`, absPathSchema, tlsRaw.certFile);
    let ok = enabled !== undefined && (tlsRaw.keyFile === undefined || keyFile !== undefined) && (tlsRaw.certFile === undefined || certFile !== undefined);
    const pairs: [string, boolean, "tlsKey" | "tlsCert", boolean][] = [
        ["keyFile", tlsRaw.keyFile !== undefined, "tlsKey", raw.tlsKey !== undefined],
        ["certFile", tlsRaw.certFile !== undefined, "tlsCert", raw.tlsCert !== undefined],
    ];
    for (const [fileKey, hasFile, secretKey, hasSecret] of pairs) {
        if (enabled === true) {
            if (hasFile && hasSecret) {
                fail(
                    errors,
                    `${key}.${fileKey}`,
                    `and ${k(secretKey)} are both set: give exactly one source (a host file or the inline PEM secret), remove the other`,
                );
                ok = false;
            } else if (!hasFile && !hasSecret) {
                fail(
                    errors,
                    `${key}.${fileKey}`,
                    `or the secret ${k(secretKey)} is required when tls.enabled is true: give the host path of the PEM file or set the PEM with \`${setSecretCommand(secretKey, stack)}\``,
                );
                ok = false;
            }
        } else if (enabled === false && (hasFile || hasSecret)) {
            const which = hasFile ? `${key}.${fileKey}` : k(secretKey);
            fail(errors, which, "is set but tls.enabled is false, so it would be ignored: set tugraph:tls.enabled to true or remove it");
            ok = false;
        }
    }
    if (!keySecret && raw.tlsKey !== undefined) ok = false;
    if (!certSecret && raw.tlsCert !== undefined) ok = false;
    if (!refuseBoltTlsKeys(errors, raw, tlsRaw, stack)) ok = false;
    if (!ok || enabled === undefined) return undefined;
    return {
        enabled,
        ...(keyFile !== undefined ? { keyFile } : {}),
        ...(certFile !== undefined ? { certFile } : {}),
    };
}

/** Why a Bolt TLS option means nothing (docs/tugraph-facts.md), and the fix. */
export const NO_BOLT_TLS =
    "TuGraph's Bolt has no TLS (a plain TCP socket; ssl_auth only makes the web port HTTPS), so there is no Bolt certificate to verify " +
    "and the admin client always speaks plain Bolt";

// Options that only meant something for Bolt over TLS: refused, each naming why and the fix.
export function refuseBoltTlsKeys(errors: Errors, raw: Record<string, unknown>, tlsRaw: Record<string, unknown>, stack: string | undefined): boolean {
    const net = "protect Bolt (passwords included) and raft with a private network, a firewall or a tunnel (README: Security)";
    let ok = true;
    if (raw.tlsCa !== undefined) {
        fail(errors, k("tlsCa"), `is no longer used: ${NO_BOLT_TLS}. Fix: remove it (\`pulumi config rm tugraph:tlsCa -s ${stack ?? "<stack>"}\`); ${net}`);
        ok = false;
    }
    if (tlsRaw.insecureSkipVerify !== undefined) {
        fail(
            errors,
            k("tls.insecureSkipVerify"),
            `is no longer used: ${NO_BOLT_TLS}. Fix: remove it (\`pulumi config rm --path 'tugraph:tls.insecureSkipVerify' -s ${stack ?? "<stack>"}\`); ${net}`,
        );
        ok = false;
    }
    return ok;
}
