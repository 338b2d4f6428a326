// `pulumi refresh` through the real provider host: every membership resource's Read.
import * as assert from "assert";
import type { SimulatorCluster } from "../simulator/harness";
import { follower, startCluster } from "../providers/engine";
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
        const cl = c;
        d = await simulatorDeployment(c, { copyFrom: async () => follower(cl, [1, 2, 3]) });
        const cfg = stackConfig({ nodes: await stackNodes(c, [1, 2, 3, 4, 5], { 5: { role: "learner" } }), bootstrap: [1, 2, 3] });
        await d.upOk(clusterProgram(cfg));
        const before = d.resources("RaftMember").map((r) => r.outputs.role);
        assert.deepStrictEqual(before, ["voter", "learner"]);
        const r = await d.refresh();
        assert.deepStrictEqual(r.errors, []);
        assert.deepStrictEqual(d.resources("RaftMember").map((x) => x.id), ["4", "5"]);
        const again = await d.preview(clusterProgram(cfg));
        assert.deepStrictEqual(again.errors, []);
        assert.deepStrictEqual(again.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`), []);
    });
});
