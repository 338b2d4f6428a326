// End to end through the program's own wiring: the cluster component runs under
// the step-order driver (test/engine/deployment.ts) for a stack whose nodes are
// simulator processes; every membership resource goes through the real provider
// host in the engine's order, and a joiner's "container" starts its process.
import * as assert from "assert";
import type { SimulatorCluster } from "../simulator/harness";
import { follower, listing, memberIds, startCluster } from "./engine";
import type { Deployment } from "../engine/deployment";
import { clusterProgram, simulatorDeployment, stackConfig, stackNodes } from "../engine/simulatorStack";

const ops = (steps: { op: string; name: string; preview: boolean }[], re: RegExp) =>
    steps.filter((s) => !s.preview && re.test(s.name)).map((s) => `${s.op} ${s.name.replace(/^tugraph-/, "")}`);

describe("membership through the cluster component's wiring (step-order driver + real provider host + simulator)", function () {
    this.timeout(120_000);
    let c: SimulatorCluster | undefined;
    let d: Deployment | undefined;
    afterEach(async () => {
        await d?.stop();
        await c?.cleanup();
        c = d = undefined;
    });
    const deploy = async (sim: SimulatorCluster, among: number[]) => simulatorDeployment(sim, { copyFrom: async () => follower(sim, among) });

    it("the manual's failed-node case with the stack's defaults: kill 3, tombstone 3 and add 4 in one `up`", async () => {
        c = await startCluster();
        d = await deploy(c, [1, 2]);
        await d.upOk(clusterProgram(stackConfig({ nodes: await stackNodes(c, [1, 2, 3]), bootstrap: [1, 2, 3] })));
        await c.kill(3);
        await c.waitForLeader(15_000, [1, 2]);
        const cfg = stackConfig({ nodes: await stackNodes(c, [1, 2, 3, 4], { 3: { removed: true } }), bootstrap: [1, 2, 3] });
        const up = await d.upOk(clusterProgram(cfg));
        const seq = ops(up.steps, /removal|member|node-\d-container|container/);
        assert.deepStrictEqual(seq.filter((s) => /removal|member/.test(s)), ["create removal-3", "create member-4"]);
        assert.strictEqual(d.get("RaftRemoval", "tugraph-removal-3")!.outputs.wasMember, true);
        assert.deepStrictEqual(d.get("RaftMember", "tugraph-member-4")!.outputs.initPeers.map((p: any) => p.bolt_raft_node_id), [1, 2, 4]);
        await c.waitForLeader(15_000, [1, 2, 4]);
        assert.deepStrictEqual(await memberIds(c, 4), [1, 2, 4]);
    });

    it("a tombstone that would lose quorum (two of five voters down) is refused and nothing changes", async () => {
        c = await startCluster([1, 2, 3, 4, 5]);
        d = await deploy(c, [1, 2, 3]);
        await d.upOk(clusterProgram(stackConfig({ nodes: await stackNodes(c, [1, 2, 3, 4, 5]), bootstrap: [1, 2, 3, 4, 5] })));
        await c.kill(4);
        await c.kill(5);
        await c.waitForLeader(15_000, [1, 2, 3]);
        const cfg = stackConfig({ nodes: await stackNodes(c, [1, 2, 3, 4, 5], { 3: { removed: true } }), bootstrap: [1, 2, 3, 4, 5] });
        const up = await d.up(clusterProgram(cfg));
        assert.match(up.errors.join("\n"), /refusing removing node 3: the 4 voters left would need 3 up for a quorum, but only 2 are up/);
        assert.deepStrictEqual(up.steps.filter((s) => s.op === "delete"), [], "after a failed step nothing is deleted");
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3, 4, 5]);
    });

    it("grow by a voter and a learner in one `up`, one change at a time", async () => {
        c = await startCluster();
        d = await deploy(c, [1, 2, 3]);
        await d.upOk(clusterProgram(stackConfig({ nodes: await stackNodes(c, [1, 2, 3]), bootstrap: [1, 2, 3] })));
        const cfg = stackConfig({ nodes: await stackNodes(c, [1, 2, 3, 4, 5], { 5: { role: "learner" } }), bootstrap: [1, 2, 3] });
        const up = await d.upOk(clusterProgram(cfg));
        assert.deepStrictEqual(ops(up.steps, /member|node-[45]-container/), ["create member-4", "create node-4-container", "create member-5", "create node-5-container"]);
        const member = (id: number) => up.steps.find((s) => !s.preview && s.name === `tugraph-member-${id}`)!;
        assert.ok(member(5).start >= member(4).end, "one change at a time");
        assert.deepStrictEqual(d.get("RaftMember", "tugraph-member-5")!.outputs.initPeers.map((p: any) => p.bolt_raft_node_id), [1, 2, 3, 4, 5]);
        const rows = await listing(c, 1);
        assert.deepStrictEqual(rows.map((r) => [r.id, r.learner]), [[1, false], [2, false], [3, false], [4, false], [5, true]]);
    });
});
