// Readiness on the REAL engine: containers do not wait for Docker's health status (its first
// probe comes a whole interval after start); each node's NodeReady asks the node itself (a Bolt
// handshake, no login). A node that does not come up fails its NodeReady, and the nodes chained
// after it are not created; the next `pulumi up` waits for that node again (the container is in
// state, NodeReady is not), so a node that never became ready never passes silently.
import * as assert from "assert";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { docker, requireDocker, DEFAULT_DOCKER_HOST } from "../docker/engine";
import { DEFAULT_PASSWORD, freePorts } from "../simulator/harness";
import { removeContainers } from "../scenario/dockerApply";
import { RealStack, requirePulumi } from "./realPulumi";
import { leaderAmong, pinnedImage } from "./support";

const PREFIX = "tugraph-ha-real-ready-";

describe("real engine: a node that does not become ready", function () {
    this.timeout(600_000);
    let root = "";
    let ports: number[] = [];
    let stack: RealStack | undefined;
    let image = "";
    let blocker: net.Server | undefined;
    const host = process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST;
    const names = [1, 2, 3].map((i) => `${PREFIX}${i}`);

    before(async function () {
        requirePulumi(this);
        await requireDocker(this);
        root = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-real-ready-"));
        ports = await freePorts(9);
        await removeContainers(names, host);
        image = await pinnedImage("real-ready", host);
    });
    after(async () => {
        blocker?.close();
        if (!root) return;
        await removeContainers(names, host);
        await docker(["rmi", image], { host });
        stack?.remove();
        fs.rmSync(root, { recursive: true, force: true });
    });

    const config = () => ({
        image,
        adminUser: "admin",
        adminPassword: DEFAULT_PASSWORD,
        containerPrefix: PREFIX,
        dataRoot: root,
        bootstrap: [1, 2, 3],
        membership: { callTimeoutSeconds: 2, totalTimeoutSeconds: 8 },
        nodes: [1, 2, 3].map((id) => ({ id, ip: "127.0.0.1", boltPort: ports[id - 1], raftPort: ports[2 + id], webPort: ports[5 + id], dockerHost: host })),
    });

    it("fails at the node, creates nothing after it, and the next up waits for that node again", async () => {
        // Node 2's Bolt port is taken on the host (host network): its server cannot start.
        blocker = net.createServer((s) => s.destroy());
        await new Promise<void>((r) => blocker!.listen(ports[1], "127.0.0.1", r));
        stack = await RealStack.create("ready", { config: config() });
        await assert.rejects(stack.up(), (e: Error) => /node 2 \(container \S+\) did not become ready/.test(e.message));
        const first = await stack.resources();
        const has = (n: string) => first.some((r) => r.urn.endsWith(`::${n}`));
        assert.ok(has("tugraph-node-2-container") && !has("tugraph-ready-2"), "node 2's container is in state, its readiness is not");
        assert.ok(!has("tugraph-node-3-container"), "nothing chained after node 2 was created");

        // The port is free again: the next up waits for node 2 (answers now) before node 3.
        await new Promise<void>((r) => blocker!.close(() => r()));
        blocker = undefined;
        const again = await stack.up();
        const ready2 = again.steps.find((s) => s.name === "tugraph-ready-2");
        assert.strictEqual(ready2?.op, "create", "node 2's readiness is checked again");
        const c3 = again.steps.find((s) => s.name === "tugraph-node-3-container");
        assert.ok(c3 && ready2!.end !== undefined && c3.start >= ready2!.end, "node 3 waited for node 2");
        await leaderAmong([1, 2, 3].map((id) => `127.0.0.1:${ports[id - 1]}`));
    });
});
