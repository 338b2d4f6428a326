// What the stack says about trusting the nodes' TLS certificate, checked
// before anything runs (pure: parses PEM text with node:crypto, no I/O):
//   tugraph:tlsCa  PEM of the CA that signed the nodes' certificate, or the
//                  certificate itself when self-signed. The admin client
//                  verifies every node against it (and that the certificate
//                  names the node's IP).
//   tugraph:tls.insecureSkipVerify  the explicit opt-out (a warning every run).
// When the node certificate is given inline (tugraph:tlsCert), it is checked
// here against the CA and every node's IP, so a mismatch is found in preview.

import { X509Certificate } from "node:crypto";

export const CA_FIX =
    "set the CA certificate that signed the nodes' certificate (or that certificate itself when it is self-signed) with " +
    "`pulumi config set tugraph:tlsCa < ca.pem`";

/** The PEM certificate blocks of a text. */
export function pemCertificates(text: string): string[] {
    return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** Why `text` is not usable as tugraph:tlsCa, or undefined. */
export function caProblem(text: string): string | undefined {
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text))
        return "holds a PRIVATE KEY: it must hold only certificates (the CA's certificate is public; never put a key here)";
    const blocks = pemCertificates(text);
    if (blocks.length === 0) return "must hold at least one PEM certificate (-----BEGIN CERTIFICATE-----)";
    for (const [i, b] of blocks.entries()) {
        try {
            new X509Certificate(b);
        } catch (e) {
            return `has a certificate (number ${i + 1}) that cannot be parsed (${(e as Error).message})`;
        }
    }
    return undefined;
}

/**
 * Why the node certificate `certPem` (tugraph:tlsCert) would be refused by a
 * client that trusts `caPem` when it dials `ips`, or undefined. Checks the
 * first certificate of the chain: signed by (or equal to) one of the CA's
 * certificates, valid now, and naming every IP in its subjectAltName.
 */
export function certProblem(certPem: string, caPem: string, ips: readonly string[], now = new Date()): string | undefined {
    const leafPem = pemCertificates(certPem)[0];
    if (!leafPem) return undefined; // its own check reports a bad PEM
    let leaf: X509Certificate;
    let cas: X509Certificate[];
    try {
        leaf = new X509Certificate(leafPem);
        cas = pemCertificates(caPem).map((b) => new X509Certificate(b));
    } catch {
        return undefined; // reported by the PEM checks
    }
    const signed = cas.some((ca) => ca.raw.equals(leaf.raw) || (leaf.checkIssued(ca) && leaf.verify(ca.publicKey)));
    // An intermediate in tlsCert (leaf, then its issuer) may be what the CA signed.
    const chain = pemCertificates(certPem).slice(1);
    const viaIntermediate =
        !signed &&
        chain.some((b) => {
            try {
                const mid = new X509Certificate(b);
                return leaf.checkIssued(mid) && leaf.verify(mid.publicKey) && cas.some((ca) => mid.checkIssued(ca) && mid.verify(ca.publicKey));
            } catch {
                return false;
            }
        });
    if (!signed && !viaIntermediate) {
        return (
            `is not signed by the CA in tugraph:tlsCa (issuer: ${leaf.issuer.replace(/\n/g, ", ")}): the admin client would refuse every node. ` +
            `Fix: ${CA_FIX}, or issue the nodes' certificate from that CA`
        );
    }
    if (now < new Date(leaf.validFrom) || now > new Date(leaf.validTo)) {
        return `is not valid now (valid from ${leaf.validFrom} to ${leaf.validTo}): renew it`;
    }
    const missing = [...new Set(ips)].filter((ip) => leaf.checkIP(ip) === undefined);
    if (missing.length > 0) {
        return (
            `does not name ${missing.join(", ")} in its subjectAltName (it has: ${leaf.subjectAltName ?? "none"}): one certificate is mounted on every node ` +
            `and the admin client checks that it names the address it dials. Fix: reissue it with subjectAltName ${[...new Set(ips)].map((ip) => `IP:${ip}`).join(",")}`
        );
    }
    return undefined;
}
