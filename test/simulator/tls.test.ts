// The simulator (test double) serves Bolt over TLS when its lgraph.json has
// ssl_auth: true, with server_key / server_cert, as TuGraph does.
import * as assert from "assert";
import * as fs from "fs";
import { SimulatorCluster, runOn } from "./harness";
import { useTestPki } from "../tls/certs";

describe("simulator: ssl_auth serves Bolt over TLS", function () {
    this.timeout(60_000);
    const testPki = useTestPki();
    let c: SimulatorCluster | undefined;
    afterEach(async () => {
        await c?.cleanup();
        c = undefined;
    });

    it("elects a leader over TLS; a plain-text client is refused", async () => {
        c = new SimulatorCluster({ tls: { keyFile: testPki().node.keyFile, certFile: testPki().node.certFile } });
        await c.start([{ id: 1 }, { id: 2 }, { id: 3 }]);
        const leader = await c.waitForLeader(15_000);
        const rows = await runOn(c.boltAddress(leader), "CALL db.bolt.listRaftNodes()", {}, { encrypted: true });
        assert.strictEqual(rows.length, 3);
        await assert.rejects(runOn(c.boltAddress(leader), "CALL db.bolt.listRaftNodes()"));
    });

    it("a node whose key or certificate cannot be read does not start, and says why", async () => {
        c = new SimulatorCluster({ tls: { keyFile: `${testPki().dir}/missing.key`, certFile: testPki().node.certFile } });
        await c.start([{ id: 1 }]);
        assert.strictEqual(await c.exited(1), 1);
        assert.match(fs.readFileSync(c.logFile(1), "utf8"), /ssl_auth is true but server_key \/ server_cert cannot be read/);
    });
});
