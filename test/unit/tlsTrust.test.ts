// tugraph:tlsCa and tugraph:tls.insecureSkipVerify: how the admin client trusts the nodes' certificate.
import { strict as assert } from "node:assert";
import { parseClusterConfig } from "../../components/core/config";
import { FIXTURE_CA, useTestPki } from "../tls/certs";

const nodes = [1, 2, 3].map((id) => ({ id, ip: "127.0.0.1", boltPort: 7686 + id, raftPort: 8000 + id, webPort: 7070 + id }));
const base = (over: Record<string, unknown>) => ({ adminPassword: "x", nodes, bootstrap: [1, 2, 3], ...over });
const tlsOn = { enabled: true, keyFile: "/k.pem", certFile: "/c.pem" };
function errors(raw: Record<string, unknown>) {
    const r = parseClusterConfig(raw, { stack: "prod" });
    return r.ok ? [] : r.errors;
}

describe("config: TLS trust of the admin client", () => {
    const testPki = useTestPki();

    it("TLS on needs tugraph:tlsCa (or the explicit opt-out), with the command that sets it", () => {
        const e = errors(base({ tls: tlsOn }));
        assert.deepStrictEqual(
            e.map((x) => x.key),
            ["tugraph:tlsCa"],
        );
        assert.match(
            e[0].message,
            /is required when tls\.enabled is true.*`pulumi config set tugraph:tlsCa -s prod < ca\.pem`.*tugraph:tls\.insecureSkipVerify: true/,
        );
    });
    it("a CA is accepted; the config says certificates are verified", () => {
        const r = parseClusterConfig(base({ tls: tlsOn, tlsCa: FIXTURE_CA }));
        assert.ok(r.ok);
        assert.deepStrictEqual(r.config.tls, tlsOn);
    });
    it("insecureSkipVerify: accepted, with a loud warning on every run", () => {
        const r = parseClusterConfig(base({ tls: { ...tlsOn, insecureSkipVerify: true } }));
        assert.ok(r.ok);
        assert.strictEqual(r.config.tls.insecureSkipVerify, true);
        assert.deepStrictEqual(
            r.warnings.map((w) => w.key),
            ["tugraph:tls.insecureSkipVerify"],
        );
        assert.match(r.warnings[0].message, /accepts ANY certificate.*receive the admin password/);
    });
    it("both, or either while TLS is off, or not a certificate: refused", () => {
        assert.deepStrictEqual(
            errors(base({ tls: { ...tlsOn, insecureSkipVerify: true }, tlsCa: FIXTURE_CA })).map((x) => x.key),
            ["tugraph:tls.insecureSkipVerify"],
        );
        assert.match(errors(base({ tlsCa: FIXTURE_CA }))[0].message, /^tugraph:tlsCa is set but tls\.enabled is false/);
        assert.match(
            errors(base({ tls: { enabled: false, insecureSkipVerify: true } }))[0].message,
            /^tugraph:tls\.insecureSkipVerify is set but tls\.enabled is false/,
        );
        assert.match(errors(base({ tls: tlsOn, tlsCa: "hello" }))[0].message, /^tugraph:tlsCa must hold at least one PEM certificate/);
        assert.match(errors(base({ tls: tlsOn, tlsCa: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----" }))[0].message, /cannot be parsed/);
        const withKey = `${FIXTURE_CA}\n-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n`;
        assert.match(errors(base({ tls: tlsOn, tlsCa: withKey }))[0].message, /holds a PRIVATE KEY/);
        assert.match(errors(base({ tls: { ...tlsOn, insecureSkipVerify: "yes" }, tlsCa: FIXTURE_CA }))[0].message, /insecureSkipVerify must be true or false/);
    });
    it("an inline node certificate is checked against the CA and every node's IP before anything runs", () => {
        const inline = (cert: string, ca: string) => base({ tls: { enabled: true }, tlsKey: "-----BEGIN PRIVATE KEY-----\nk", tlsCert: cert, tlsCa: ca });
        assert.deepStrictEqual(errors(inline(testPki().node.cert, testPki().ca)), []);
        assert.deepStrictEqual(errors(inline(testPki().selfSigned.cert, testPki().selfSigned.cert)), [], "a self-signed certificate is its own CA");
        const other = errors(inline(testPki().impostor.cert, testPki().ca));
        assert.deepStrictEqual(
            other.map((x) => x.key),
            ["tugraph:tlsCert"],
        );
        assert.match(other[0].message, /is not signed by the CA in tugraph:tlsCa \(issuer: CN=otherca\).*Fix:/);
        const host = errors(inline(testPki().wrongHost.cert, testPki().ca));
        assert.match(
            host[0].message,
            /^tugraph:tlsCert does not name 127\.0\.0\.1 in its subjectAltName \(it has: IP Address:10\.9\.9\.9\).*subjectAltName IP:127\.0\.0\.1/,
        );
    });
});
