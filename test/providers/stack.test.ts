// End to end through the program's own wiring: the cluster component runs under
// the step-order driver (test/engine/deployment.ts) for a stack whose nodes are
// simulator processes; every membership resource goes through the real provider
// host in the engine's order, and a joiner's "container" starts its process.
import * as assert from "assert";
import type { SimulatorCluster } from "../simulator/harness";
import { listing, memberIds, startCluster } from "./engine";
import { runOn } from "../simulator/harness";

async function waitFor(cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
        try {
            if (await cond()) return;
        } catch (e) {
            if (Date.now() > deadline) throw e;
        }
        if (Date.now() > deadline) throw new Error("condition not met in time");
        await new Promise((r) => setTimeout(r, 200));
    }
}
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
    const deploy = async (sim: SimulatorCluster, _among: number[]) => simulatorDeployment(sim);

    it("the manual's failed-node case with the stack's defaults: kill 3, tombstone 3 and add 4 in one `up`", async () => {
        c = await startCluster();
        d = await deploy(c, [1, 2]);
        await d.upOk(clusterProgram(stackConfig({ nodes: await stackNodes(c, [1, 2, 3]), bootstrap: [1, 2, 3] })));
        await c.kill(3);
        await c.waitForLeader(15_000, [1, 2]);
        const cfg = stackConfig({ nodes: await stackNodes(c, [1, 2, 3, 4], { 3: { removed: true } }), bootstrap: [1, 2, 3] });
        const up = await d.upOk(clusterProgram(cfg));
        const seq = ops(up.steps, /removal|member|node-\d-container|container/);
        assert.deepStrictEqual(
            seq.filter((s) => /removal|member/.test(s)),
            ["create removal-3", "create member-4"],
        );
        assert.strictEqual(d.get("RaftRemoval", "tugraph-removal-3")!.outputs.wasMember, true);
        assert.deepStrictEqual(
            d.get("RaftMember", "tugraph-member-4")!.outputs.initPeers.map((p: any) => p.bolt_raft_node_id),
            [1, 2, 4],
        );
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
        assert.deepStrictEqual(
            up.steps.filter((s) => s.op === "delete"),
            [],
            "after a failed step nothing is deleted",
        );
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3, 4, 5]);
    });

    it("grow by a voter and a learner in one `up`, one change at a time, learner first: add, copy, start, promote once caught up", async () => {
        c = await startCluster();
        d = await deploy(c, [1, 2, 3]);
        await d.upOk(clusterProgram(stackConfig({ nodes: await stackNodes(c, [1, 2, 3]), bootstrap: [1, 2, 3] })));
        const cfg = stackConfig({ nodes: await stackNodes(c, [1, 2, 3, 4, 5], { 5: { role: "learner" } }), bootstrap: [1, 2, 3] });
        const up = await d.upOk(clusterProgram(cfg));
        assert.deepStrictEqual(ops(up.steps, /member|sync|promotion|node-[45]-container/), [
            "create member-4",
            "create sync-4",
            "create node-4-container",
            "create promotion-4",
            "create member-5",
            "create sync-5",
            "create node-5-container",
        ]);
        const step = (n: string) => up.steps.find((s) => !s.preview && s.name === `tugraph-${n}`)!;
        assert.ok(step("member-5").start >= step("promotion-4").end, "one change at a time");
        assert.match(d.get("RaftMember", "tugraph-member-4")!.outputs.roleNote, /added as learner; promoted by its RaftPromotion/);
        assert.ok(d.get("RaftPromotion", "tugraph-promotion-4")!.outputs.promotedAt, "promoted once caught up");
        assert.strictEqual(d.get("RaftPromotion", "tugraph-promotion-5"), undefined, "a declared learner stays one");
        assert.deepStrictEqual(
            d.get("RaftMember", "tugraph-member-5")!.outputs.initPeers.map((p: any) => p.bolt_raft_node_id),
            [1, 2, 3, 4, 5],
        );
        // Both joined as learners (TuGraph's listing keeps is_learner after a promotion: the state holds the truth).
        const rows = await listing(c, 1);
        assert.deepStrictEqual(
            rows.map((r) => [r.id, r.learner]),
            [
                [1, false],
                [2, false],
                [3, false],
                [4, true],
                [5, true],
            ],
        );
        // Both caught up on their copies: a write reaches them.
        const leader = await c.waitForLeader(15_000, [1, 2, 3, 4, 5]);
        await runOn(c.boltAddress(leader), "CALL db.createVertexLabel('p', 'id', 'id', 'INT32', false)");
        await runOn(c.boltAddress(leader), "CREATE (n:p {id: 1})");
        for (const id of [4, 5]) await waitFor(async () => Number((await runOn(c!.boltAddress(id), "MATCH (n:p) RETURN count(n)"))[0]["count(n)"]) === 1);
    });
});
