// TLS trust of the admin client, through the real provider host, against simulator
// nodes serving Bolt over TLS (ssl_auth) with certificates made in the test: the
// right CA passes, a certificate from another CA or for another address fails at
// once with a message that names the node and the fix; the opt-out connects to anything.
import * as assert from "assert";
import { adminPasswordProvider } from "../../components/providers/adminPassword";
import { raftMemberProvider } from "../../components/providers/raftMember";
import { SimulatorCluster } from "../simulator/harness";
import { useTestPki, type CertPair } from "../tls/certs";
import { common, engineCreate, engineRead, memberInputs, rejects, useProviderHost } from "./engine";

const PW = "Tls@Pw-5e3a";

describe("TLS trust through the real provider host", function () {
    this.timeout(120_000);
    const host = useProviderHost();
    const testPki = useTestPki();
    let c: SimulatorCluster | undefined;
    afterEach(async () => {
        await c?.cleanup();
        c = undefined;
    });

    async function tlsCluster(cert: CertPair): Promise<SimulatorCluster> {
        const cl = new SimulatorCluster({ tls: { keyFile: cert.keyFile, certFile: cert.certFile } });
        c = cl;
        await cl.start([{ id: 1 }, { id: 2 }, { id: 3 }]);
        await cl.waitForLeader(15_000);
        return cl;
    }
    const tlsInputs = (cl: SimulatorCluster, trust: Record<string, unknown>) =>
        common(cl, [1, 2, 3], { adminPassword: PW, encrypted: true, totalTimeoutMs: 10_000, ...trust });

    it("a certificate signed by tugraph:tlsCa passes: the password is set and a member added over verified TLS; no temp CA file is left", async () => {
        const cl = await tlsCluster(testPki().node);
        const fs = await import("fs");
        const os = await import("os");
        const before = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith("tugraph-ha-ca-")).length;
        const s = await engineCreate(adminPasswordProvider, tlsInputs(cl, { tlsCa: testPki().ca }));
        assert.match(s.outs.note, /changed from TuGraph's default/);
        cl.adminPassword = PW;
        const m = await engineCreate(
            raftMemberProvider,
            await memberInputs(cl, 4, "learner", [1, 2, 3], { adminPassword: PW, encrypted: true, tlsCa: testPki().ca }),
        );
        assert.strictEqual(m.id, "4");
        assert.strictEqual((await engineRead(m)).outs.driftKind, undefined);
        assert.strictEqual(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith("tugraph-ha-ca-")).length, before, "every temp CA file removed");
    });

    it("the self-signed certificate itself as tugraph:tlsCa passes", async () => {
        const cl = await tlsCluster(testPki().selfSigned);
        const s = await engineCreate(adminPasswordProvider, tlsInputs(cl, { tlsCa: testPki().selfSigned.cert }));
        assert.match(s.outs.note, /changed from TuGraph's default/);
    });

    it("an impostor (a certificate from another CA) fails at once, naming the node and the fix; the password never crosses", async () => {
        const cl = await tlsCluster(testPki().impostor);
        const started = Date.now();
        const e = await rejects(
            engineCreate(adminPasswordProvider, tlsInputs(cl, { tlsCa: testPki().ca })),
            /the TLS certificate of the node at 127\.0\.0\.1:\d+ is not signed by the CA in tugraph:tlsCa \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\).*Fix: set tugraph:tlsCa to the CA that signed the certificate the nodes serve/,
        );
        assert.ok(Date.now() - started < 5000, `not retried (${Date.now() - started} ms)`);
        assert.ok(!e.message.includes(PW));
        assert.ok(!host().stderr.join("\n").includes(PW));
        // The impostor never saw a login: the simulator logs every failed authentication.
        const fs = await import("fs");
        assert.ok(!/authentication failed/.test(fs.readFileSync(cl.logFile(1), "utf8")));
    });

    it("a certificate from the right CA for another address fails, saying which IP it must name", async () => {
        const cl = await tlsCluster(testPki().wrongHost);
        await rejects(
            engineCreate(adminPasswordProvider, tlsInputs(cl, { tlsCa: testPki().ca })),
            /the TLS certificate of the node at 127\.0\.0\.1:\d+ does not name 127\.0\.0\.1 \(ERR_TLS_CERT_ALTNAME_INVALID\): Fix: reissue it with subjectAltName IP:127\.0\.0\.1/,
        );
    });

    it("insecureSkipVerify connects to any certificate (the opt-out); TLS with neither is refused by check", async () => {
        const cl = await tlsCluster(testPki().impostor);
        const s = await engineCreate(adminPasswordProvider, tlsInputs(cl, { insecureSkipVerify: true }));
        assert.match(s.outs.note, /changed from TuGraph's default/);
        await rejects(engineCreate(adminPasswordProvider, tlsInputs(cl, {})), /check failures[\s\S]*tlsCa[\s\S]*is required when encrypted is true/);
    });
});
