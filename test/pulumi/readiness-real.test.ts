// Readiness on the REAL engine: containers do not wait for Docker's health status (its first
// probe comes a whole interval after start); each node's NodeReady asks the node itself (a Bolt
// handshake, no login). A node that does not come up fails its NodeReady, and the nodes chained
// after it are not created; the next `pulumi up` waits for that node again (the container is in
// state, NodeReady is not), so a node that never became ready never passes silently.
import * as assert from "assert";
import * as net from "net";
import { RealStack } from "./realPulumi";
import { leaderAmong, realCluster } from "./support";

const PREFIX = "tugraph-ha-real-ready-";

describe("real engine: a node that does not become ready", function () {
    this.timeout(600_000);
    const c = realCluster(PREFIX);
    let blocker: net.Server | undefined;
    after(() => blocker?.close());
    const config = () => c.config([1, 2, 3], { membership: { callTimeoutSeconds: 2, totalTimeoutSeconds: 8 } });

    it("fails at the node, creates nothing after it, and the next up waits for that node again", async () => {
        // Node 2's Bolt port is taken on the host (host network): its server cannot start.
        blocker = net.createServer((s) => s.destroy());
        await new Promise<void>((r) => blocker!.listen(c.boltPort(2), "127.0.0.1", r));
        c.stack = await RealStack.create("ready", { config: config() });
        await assert.rejects(c.stack.up(), (e: Error) => /node 2 \(container \S+\) did not become ready/.test(e.message));
        const first = await c.stack.resources();
        const has = (n: string) => first.some((r) => r.urn.endsWith(`::${n}`));
        assert.ok(has("tugraph-node-2-container") && !has("tugraph-ready-2"), "node 2's container is in state, its readiness is not");
        assert.ok(!has("tugraph-node-3-container"), "nothing chained after node 2 was created");

        // The port is free again: the next up waits for node 2 (answers now) before node 3.
        await new Promise<void>((r) => blocker!.close(() => r()));
        blocker = undefined;
        const again = await c.stack.up();
        const ready2 = again.steps.find((s) => s.name === "tugraph-ready-2");
        assert.strictEqual(ready2?.op, "create", "node 2's readiness is checked again");
        const c3 = again.steps.find((s) => s.name === "tugraph-node-3-container");
        assert.ok(c3 && ready2!.end !== undefined && c3.start >= ready2!.end, "node 3 waited for node 2");
        await leaderAmong([1, 2, 3].map(c.bolt));
    });
});
