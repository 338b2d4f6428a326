// The readiness probe (adapters/boltAdmin.ts boltAnswers / waitBoltAnswers): a Bolt handshake,
// never a login. A simulator node answers it and logs nothing about it; what is not a Bolt 4.x
// server, or not there, is reported with the reason.
import * as assert from "assert";
import * as fs from "fs";
import * as net from "net";
import { boltAnswers, waitBoltAnswers } from "../../components/adapters/boltAdmin";
import type { SimulatorCluster } from "../simulator/harness";
import { freePorts } from "../simulator/harness";
import { startCluster } from "./engine";

describe("boltAnswers: readiness by a Bolt handshake", function () {
    this.timeout(60_000);
    let c: SimulatorCluster | undefined;
    const servers: net.Server[] = [];
    after(async () => {
        for (const s of servers) s.close();
        await c?.cleanup();
    });
    const serve = async (onConnect: (s: net.Socket) => void): Promise<string> => {
        const srv = net.createServer(onConnect);
        servers.push(srv);
        await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
        return `127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
    };

    it("a TuGraph (simulator) node answers, and the handshake leaves no login in its log", async () => {
        c = await startCluster();
        const address = c.boltAddress(1);
        assert.strictEqual(await boltAnswers(address, 2000), undefined);
        await new Promise((r) => setTimeout(r, 200)); // the log line of a login would be written by now
        assert.doesNotMatch(fs.readFileSync(c.logFile(1), "utf8"), /authentication failed/);
    });

    it("names why not: nothing listening, a server that closes, one that refuses every 4.x version, one that never answers", async () => {
        const [free] = await freePorts(1);
        assert.match((await boltAnswers(`127.0.0.1:${free}`, 2000))!, /ECONNREFUSED/);
        assert.match((await boltAnswers(await serve((s) => s.destroy()), 2000))!, /closed the connection without a Bolt answer/);
        const refuses = await serve((s) => s.once("data", () => s.end(Buffer.from([0, 0, 0, 0]))));
        assert.match((await boltAnswers(refuses, 2000))!, /answered Bolt 0\.0, not 4\.x/);
        const silent = await serve(() => undefined);
        const t0 = Date.now();
        assert.match((await boltAnswers(silent, 300))!, /no Bolt answer from .* within 300 ms/);
        assert.ok(Date.now() - t0 < 2000, "the per-try deadline holds");
        await assert.rejects(waitBoltAnswers(silent, Date.now() + 600), /node does not answer Bolt: no Bolt answer/);
    });
});
