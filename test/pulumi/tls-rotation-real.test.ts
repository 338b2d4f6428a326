// A rotation of the inline TLS key and certificate (tugraph:tlsKey / tlsCert, the web port's HTTPS)
// on the REAL engine and Docker plugin (simulator image, a test double). The new PEM contents
// change every container's uploads, which the plugin replaces; the rolling gates see the contents
// too, so the replacement goes through them: the cluster's health check first (RollGate), then one
// node at a time, each back and caught up (NodeReady) before the next, every stop clean.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { docker, requireDocker, DEFAULT_DOCKER_HOST } from "../docker/engine";
import { DEFAULT_PASSWORD, freePorts } from "../simulator/harness";
import { removeContainers } from "../scenario/dockerApply";
import { makeTestPki, type TestPki } from "../tls/certs";
import { RealStack, requirePulumi } from "./realPulumi";
import { leaderAmong, pinnedImage } from "./support";

const PREFIX = "tugraph-ha-real-tls-";

describe("real engine: rotating the inline TLS key and certificate", function () {
    this.timeout(600_000);
    let root = "";
    let ports: number[] = [];
    let stack: RealStack | undefined;
    let image = "";
    const pkis: TestPki[] = [];
    const host = process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST;
    const names = [1, 2, 3].map((i) => `${PREFIX}${i}`);

    before(async function () {
        requirePulumi(this);
        await requireDocker(this);
        root = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-real-tls-"));
        ports = await freePorts(9);
        await removeContainers(names, host);
        image = await pinnedImage("real-tls", host);
        pkis.push(makeTestPki(), makeTestPki());
    });
    after(async () => {
        if (!root) return;
        await removeContainers(names, host);
        await docker(["rmi", image], { host });
        stack?.remove();
        for (const p of pkis) p.cleanup();
        fs.rmSync(root, { recursive: true, force: true });
    });

    const config = () => ({
        image,
        adminUser: "admin",
        adminPassword: DEFAULT_PASSWORD,
        containerPrefix: PREFIX,
        dataRoot: root,
        bootstrap: [1, 2, 3],
        tls: { enabled: true },
        membership: { callTimeoutSeconds: 5, totalTimeoutSeconds: 90 },
        nodes: [1, 2, 3].map((id) => ({ id, ip: "127.0.0.1", boltPort: ports[id - 1], raftPort: ports[2 + id], webPort: ports[5 + id], dockerHost: host })),
    });
    const pem = (p: TestPki) => ({ tlsKey: fs.readFileSync(p.node.keyFile, "utf8"), tlsCert: p.node.cert });
    const seeds = () => [1, 2, 3].map((id) => `127.0.0.1:${ports[id - 1]}`);

    it("the new key and certificate roll through the gates: health check, then one node at a time, leader last, clean stops", async () => {
        stack = await RealStack.create("tls", { config: config(), secrets: pem(pkis[0]) });
        await stack.up();
        const leader = seeds().indexOf(await leaderAmong(seeds())) + 1;

        await stack.setConfig(config(), pem(pkis[1]));
        const up = await stack.up();
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
            const log = fs.readFileSync(path.join(root, `node-${id}`, "log", "lgraph.log"), "utf8");
            assert.strictEqual((log.match(/shutdown complete/g) ?? []).length, 1, `node ${id} stopped cleanly once`);
        }
        const cert = await docker(["exec", names[0], "cat", "/usr/local/etc/lgraph/server-cert.pem"], { host });
        assert.strictEqual(cert.stdout.trim(), pkis[1].node.cert.trim(), `the new certificate is in place: ${cert.stderr}`);
        await leaderAmong(seeds());
    });
});
