// `pulumi refresh` through the real provider host: every membership resource's Read.
import * as assert from "assert";
import type { SimulatorCluster } from "../simulator/harness";
import { startCluster } from "../providers/engine";
import { runOn } from "../simulator/harness";
import type { Deployment } from "./deployment";
import { clusterProgram, simulatorDeployment, stackConfig, stackNodes } from "./simulatorStack";

describe("refresh through the real provider host", function () {
    this.timeout(120_000);
    let c: SimulatorCluster | undefined;
    let d: Deployment | undefined;
    afterEach(async () => {
        await d?.stop();
        await c?.cleanup();
        c = d = undefined;
    });

    it("reads every membership resource of a grown stack without a Struct error, and changes nothing", async () => {
        c = await startCluster();
        d = await simulatorDeployment(c);
        const cfg = stackConfig({ nodes: await stackNodes(c, [1, 2, 3, 4, 5, 6], { 5: { role: "learner" }, 6: { removed: true } }), bootstrap: [1, 2, 3] });
        await d.upOk(clusterProgram(cfg));
        assert.strictEqual(d.resources("RaftRemoval").length, 1);
        const before = d.resources("RaftMember").map((r) => r.outputs.role);
        assert.deepStrictEqual(before, ["voter", "learner"]);
        const r = await d.refresh();
        assert.deepStrictEqual(r.errors, []);
        assert.deepStrictEqual(
            d.resources("RaftMember").map((x) => x.id),
            ["4", "5"],
        );
        assert.deepStrictEqual(
            d.resources("RaftRemoval").map((x) => [x.id, x.outputs.stillMember]),
            [["removed-6", false]],
        );
        const again = await d.preview(clusterProgram(cfg));
        assert.deepStrictEqual(again.errors, []);
        assert.deepStrictEqual(
            again.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`),
            [],
        );
    });
});

describe("refresh reports what the stack does not know", function () {
    this.timeout(120_000);
    let c: SimulatorCluster | undefined;
    let d: Deployment | undefined;
    afterEach(async () => {
        await d?.stop();
        await c?.cleanup();
        c = d = undefined;
    });

    it("a member added outside the stack shows on the cluster record with the fix; membership resources keep their state", async () => {
        c = await startCluster();
        d = await simulatorDeployment(c);
        const cfg = stackConfig({ nodes: await stackNodes(c, [1, 2, 3]), bootstrap: [1, 2, 3] });
        await d.upOk(clusterProgram(cfg));
        const s9 = await c.allocate(9);
        const leader = await c.waitForLeader();
        await runOn(c.boltAddress(leader), `CALL db.bolt.addRaftLearnerNode(9, '127.0.0.1', ${s9.boltPort}, ${s9.raftPort})`);
        const r = await d.refresh();
        assert.deepStrictEqual(r.errors, []);
        const rec = d.get("ClusterRecord", "tugraph-record")!;
        assert.deepStrictEqual(rec.outputs.unknownMembers, [9]);
        assert.match(
            rec.outputs.drift,
            /node 9 at 127\.0\.0\.1:\d+\/\d+ is a member the stack does not know: add it to tugraph:nodes with that address, or add an entry for it with `removed: true`/,
        );
        // The record's refresh outputs are no change for the next `up`.
        const again = await d.preview(clusterProgram(cfg));
        assert.deepStrictEqual(
            again.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`),
            [],
        );
    });
});
