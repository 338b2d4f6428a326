// ssl_auth as TuGraph has it (docs/tugraph-facts.md): it only makes the web port
// HTTPS. Bolt stays plain TCP whatever ssl_auth says, so a TLS client (neo4j+s://,
// bolt+s://, encrypted: true) cannot reach a node; a key or certificate that cannot
// be opened still stops startup.
import * as assert from "assert";
import * as fs from "fs";
import { SimulatorCluster, runOn, simulatorDriver } from "./harness";
import { useTestPki } from "../tls/certs";

describe("simulator: ssl_auth leaves Bolt plain", function () {
    this.timeout(60_000);
    const testPki = useTestPki();
    let c: SimulatorCluster | undefined;
    afterEach(async () => {
        await c?.cleanup();
        c = undefined;
    });

    it("with ssl_auth: true a leader is elected and Bolt answers in plain text; a TLS client is refused", async () => {
        c = new SimulatorCluster({ tls: { keyFile: testPki().node.keyFile, certFile: testPki().node.certFile } });
        await c.start([{ id: 1 }, { id: 2 }, { id: 3 }]);
        assert.strictEqual(c.config(1).ssl_auth, true);
        const leader = await c.waitForLeader(15_000);
        const rows = await runOn(c.boltAddress(leader), "CALL db.bolt.listRaftNodes()");
        assert.strictEqual(rows.length, 3);
        const d = simulatorDriver(c.boltAddress(leader), { encrypted: true });
        try {
            const s = d.session({ database: "default" });
            await assert.rejects(s.run("CALL db.bolt.listRaftNodes()"));
            await s.close();
        } finally {
            await d.close();
        }
        // The node's log is written asynchronously: give it a moment to reach the file.
        const logged = () => /not a bolt handshake \(a TLS ClientHello: TuGraph's Bolt has no TLS\), closing/.test(fs.readFileSync(c!.logFile(leader), "utf8"));
        for (let i = 0; i < 40 && !logged(); i++) await new Promise((r) => setTimeout(r, 50));
        assert.ok(logged(), fs.readFileSync(c.logFile(leader), "utf8"));
    });

    it("a node whose key or certificate cannot be read does not start, and says why", async () => {
        c = new SimulatorCluster({ tls: { keyFile: `${testPki().dir}/missing.key`, certFile: testPki().node.certFile } });
        await c.start([{ id: 1 }]);
        assert.strictEqual(await c.exited(1), 1);
        assert.match(fs.readFileSync(c.logFile(1), "utf8"), /ssl_auth is true but server_key \/ server_cert cannot be read/);
    });
});
