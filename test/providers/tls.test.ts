// TuGraph's Bolt has no TLS (docs/tugraph-facts.md): against simulator nodes with
// ssl_auth on (their web port's HTTPS, not simulated), the admin client works over
// plain Bolt through the real provider host, and the inputs of Bolt over TLS are
// refused by check with why and the fix.
import * as assert from "assert";
import { adminPasswordProvider } from "../../components/providers/adminPassword";
import { raftMemberProvider } from "../../components/providers/raftMember";
import { SimulatorCluster } from "../simulator/harness";
import { useTestPki } from "../tls/certs";
import { common, engineCheck, engineCreate, engineRead, memberInputs, useProviderHost } from "./engine";

const PW = "Tls@Pw-5e3a";

describe("no Bolt TLS through the real provider host", function () {
    this.timeout(120_000);
    const host = useProviderHost();
    const testPki = useTestPki();
    let c: SimulatorCluster | undefined;
    afterEach(async () => {
        await c?.cleanup();
        c = undefined;
    });

    it("with ssl_auth on, the password is set and a member added over plain Bolt; nothing holds the password", async () => {
        const cl = new SimulatorCluster({ tls: { keyFile: testPki().node.keyFile, certFile: testPki().node.certFile } });
        c = cl;
        await cl.start([{ id: 1 }, { id: 2 }, { id: 3 }]);
        await cl.waitForLeader(15_000);
        const s = await engineCreate(adminPasswordProvider, common(cl, [1, 2, 3], { adminPassword: PW, encrypted: false, totalTimeoutMs: 10_000 }));
        assert.match(s.outs.note, /changed from TuGraph's default/);
        cl.adminPassword = PW;
        const m = await engineCreate(raftMemberProvider, await memberInputs(cl, 4, "learner", [1, 2, 3], { adminPassword: PW, encrypted: false }));
        assert.strictEqual(m.id, "4");
        assert.strictEqual((await engineRead(m)).outs.driftKind, undefined);
        assert.ok(!host().stderr.join("\n").includes(PW));
        const fs = await import("fs");
        for (const id of [1, 2, 3]) assert.ok(!fs.readFileSync(cl.logFile(id), "utf8").includes(PW), `node ${id}'s log holds the password`);
    });

    it("check refuses encrypted: true, tlsCa and insecureSkipVerify, each saying TuGraph's Bolt has no TLS", async () => {
        const base = { seeds: ["127.0.0.1:1"], adminUser: "admin", adminPassword: PW, callTimeoutMs: 1000, totalTimeoutMs: 1000 };
        for (const [p, extra] of [
            [adminPasswordProvider, { encrypted: true }],
            [adminPasswordProvider, { tlsCa: testPki().ca }],
            [adminPasswordProvider, { insecureSkipVerify: true }],
            [
                raftMemberProvider,
                {
                    nodeId: 4,
                    ip: "127.0.0.1",
                    boltPort: 7690,
                    raftPort: 8090,
                    role: "learner",
                    initPeers: [{ bolt_raft_node_id: 4, ip: "127.0.0.1", bolt_port: 7690, bolt_raft_port: 8090 }],
                    encrypted: true,
                },
            ],
        ] as const) {
            const r = await engineCheck(p, undefined, { ...base, ...extra });
            const key = Object.keys(extra).find((k) => ["encrypted", "tlsCa", "insecureSkipVerify"].includes(k))!;
            const f = r.failures.find((x) => x.property === key);
            assert.ok(f, `no failure for ${key}: ${JSON.stringify(r.failures)}`);
            assert.match(f.reason, /TuGraph's Bolt has no TLS/);
        }
        // Plain Bolt, encrypted: false as every resource now sends it: accepted.
        const ok = await engineCheck(adminPasswordProvider, undefined, { ...base, encrypted: false });
        assert.deepStrictEqual(ok.failures, []);
    });
});
