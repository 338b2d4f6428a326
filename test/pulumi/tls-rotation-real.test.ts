// A rotation of the inline TLS key and certificate (tugraph:tlsKey / tlsCert, the web port's HTTPS)
// on the REAL engine and Docker plugin (simulator image, a test double). The new PEM contents
// change every container's uploads, which the plugin replaces; the rolling gates see the contents
// too, so the replacement goes through them: the cluster's health check first (RollGate), then one
// node at a time, each back and caught up (NodeReady) before the next, every stop clean.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { docker } from "../docker/engine";
import { makeTestPki, type TestPki } from "../tls/certs";
import { RealStack } from "./realPulumi";
import { leaderAmong, realCluster } from "./support";

const PREFIX = "tugraph-ha-real-tls-";

describe("real engine: rotating the inline TLS key and certificate", function () {
    this.timeout(600_000);
    const c = realCluster(PREFIX);
    const { host } = c;
    const names = c.names.slice(0, 3);
    const pkis: TestPki[] = [];
    before(() => {
        if (c.root) pkis.push(makeTestPki(), makeTestPki());
    });
    after(() => {
        for (const p of pkis) p.cleanup();
    });

    const config = () => c.config([1, 2, 3], { tls: { enabled: true }, membership: { totalTimeoutSeconds: 90 } });
    const pem = (p: TestPki) => ({ tlsKey: fs.readFileSync(p.node.keyFile, "utf8"), tlsCert: p.node.cert });
    const seeds = () => [1, 2, 3].map(c.bolt);

    it("the new key and certificate roll through the gates: health check, then one node at a time, leader last, clean stops", async () => {
        c.stack = await RealStack.create("tls", { config: config(), secrets: pem(pkis[0]) });
        await c.stack.up();
        const leader = seeds().indexOf(await leaderAmong(seeds())) + 1;

        await c.stack.setConfig(config(), pem(pkis[1]));
        const up = await c.stack.up();
        const op = (name: string) => up.steps.find((s) => s.name === name)?.op;
        assert.strictEqual(op("tugraph-roll-gate"), "update", "the cluster's health is checked before the roll");
        const containers = up.steps.filter((s) => s.type === "docker:index/container:Container" && s.op !== "same");
        const order = [...new Set(containers.map((s) => Number(/node-(\d+)-/.exec(s.name)![1])))];
        assert.strictEqual(order.length, 3, JSON.stringify(up.steps.map((s) => `${s.op} ${s.name}`)));
        assert.strictEqual(order[2], leader, `the leader (${leader}) goes last: ${order}`);
        const gate = up.steps.find((s) => s.name === "tugraph-roll-gate")!;
        assert.ok(Math.min(...containers.map((s) => s.start)) >= gate.end!, "no container changes before the health check ends");
        for (let i = 1; i < order.length; i++) {
            const ready = up.steps.find((s) => s.name === `tugraph-ready-${order[i - 1]}` && s.op === "update");
            const next = Math.min(...containers.filter((s) => s.name === `tugraph-node-${order[i]}-container`).map((s) => s.start));
            assert.ok(ready?.end !== undefined && next >= ready.end, `node ${order[i]} waited until node ${order[i - 1]} was back and caught up`);
        }
        for (const id of [1, 2, 3]) {
            const log = fs.readFileSync(path.join(c.root, `node-${id}`, "log", "lgraph.log"), "utf8");
            assert.strictEqual((log.match(/shutdown complete/g) ?? []).length, 1, `node ${id} stopped cleanly once`);
        }
        const cert = await docker(["exec", names[0], "cat", "/usr/local/etc/lgraph/server-cert.pem"], { host });
        assert.strictEqual(cert.stdout.trim(), pkis[1].node.cert.trim(), `the new certificate is in place: ${cert.stderr}`);
        await leaderAmong(seeds());
    });
});
