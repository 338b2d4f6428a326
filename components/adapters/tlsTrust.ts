// How the admin client trusts a node's TLS certificate (the cluster's ssl_auth).
//
// - tugraph:tlsCa (PEM text, an input of every resource that calls the cluster):
//   the driver verifies the node's certificate against it, and that the
//   certificate names the address dialled (an IP in its subjectAltName).
//   neo4j-driver takes trusted certificates as FILE PATHS only, and the
//   providers run in the provider host with the CA as an input: the PEM is
//   written to a private temp file for one call and removed after it.
// - tls.insecureSkipVerify: true: any certificate is accepted (the opt-out;
//   the config logs a warning on every run).
// - TLS on with neither: refused before dialling (fail closed).
// Plain functions with `require` inside (closure-serialized with the providers).

export interface TlsTrustOptions {
    readonly encrypted?: boolean;
    readonly tlsCa?: string;
    readonly insecureSkipVerify?: boolean;
}

/** neo4j-driver options for one call, and what to remove after it. */
export interface DriverTrust {
    readonly config: Record<string, unknown>;
    readonly cleanup: () => void;
}

/** Thrown (as an AdminError of kind "tls") by the caller when there is nothing to verify against. */
export const NO_TRUST_MESSAGE =
    "TLS is on (tugraph:tls.enabled) but there is nothing to verify the nodes' certificate against: set the CA that signed it " +
    "(or the certificate itself when self-signed) with `pulumi config set tugraph:tlsCa < ca.pem`, " +
    "or set tugraph:tls.insecureSkipVerify: true to accept any certificate (not recommended)";

/** undefined when TLS is on and nothing is trusted (the caller refuses the call). */
export function driverTrust(o: TlsTrustOptions): DriverTrust | undefined {
    if (!o.encrypted) return { config: { encrypted: "ENCRYPTION_OFF" }, cleanup: () => undefined };
    if (o.tlsCa) {
        const fs = require("fs");
        const os = require("os");
        const path = require("path");

        const dir: string = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-ca-"));
        const file = path.join(dir, "ca.pem");
        fs.writeFileSync(file, o.tlsCa, { mode: 0o600 });
        return {
            config: { encrypted: "ENCRYPTION_ON", trust: "TRUST_CUSTOM_CA_SIGNED_CERTIFICATES", trustedCertificates: [file] },
            cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
        };
    }
    if (o.insecureSkipVerify) return { config: { encrypted: "ENCRYPTION_ON", trust: "TRUST_ALL_CERTIFICATES" }, cleanup: () => undefined };
    return undefined;
}

/**
 * A TLS failure in plain words with the fix, or undefined when `raw` is not
 * one. `raw` is the driver's message (its "Socket responded with: CODE" holds
 * Node's verification error) or a socket error.
 */
export function tlsProblem(raw: string, address: string): string | undefined {
    const code = /Socket responded with:\s*([A-Z_]+)/.exec(raw)?.[1] ?? /\b(ERR_TLS_[A-Z_]+|ERR_SSL_[A-Z_]+|EPROTO)\b/.exec(raw)?.[1];
    const ip = address.replace(/:\d+$/, "");
    const notSigned = [
        "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
        "UNABLE_TO_GET_ISSUER_CERT",
        "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
        "SELF_SIGNED_CERT_IN_CHAIN",
        "DEPTH_ZERO_SELF_SIGNED_CERT",
        "CERT_SIGNATURE_FAILURE",
        "CERT_UNTRUSTED",
    ];
    if (code && notSigned.includes(code)) {
        return (
            `the TLS certificate of the node at ${address} is not signed by the CA in tugraph:tlsCa (${code}): ` +
            `either the node is not the one you configured, or tugraph:tlsCa is not the CA of the nodes' certificate. ` +
            `Fix: set tugraph:tlsCa to the CA that signed the certificate the nodes serve (tls.certFile / tugraph:tlsCert), or the certificate itself when it is self-signed`
        );
    }
    if (code === "ERR_TLS_CERT_ALTNAME_INVALID" || /does not match certificate's altnames|Hostname\/IP does not match/i.test(raw)) {
        return (
            `the TLS certificate of the node at ${address} does not name ${ip} (ERR_TLS_CERT_ALTNAME_INVALID): ` +
            `Fix: reissue it with subjectAltName IP:${ip}; one certificate is mounted on every node, so it must list every node's IP`
        );
    }
    if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") {
        return `the TLS certificate of the node at ${address} is ${code === "CERT_HAS_EXPIRED" ? "expired" : "not valid yet"} (${code}): Fix: renew it (tls.certFile / tugraph:tlsCert) and restart the nodes`;
    }
    if (code || /before secure TLS connection|wrong version number|certificate/i.test(raw)) {
        return (
            `TLS with the node at ${address} failed (${code ?? "handshake"}): check that the node serves TLS (ssl_auth) exactly when tugraph:tls.enabled is true, ` +
            `and that tugraph:tlsCa is the CA of its certificate`
        );
    }
    return undefined;
}
