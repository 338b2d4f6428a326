// The one planner against a live cluster, end to end: the program reads the live
// membership (read-only) before it builds the cluster, checks the whole plan and
// orders it; then the step-order driver runs it through the real provider host.
import * as assert from "assert";
import type { SimulatorCluster } from "../simulator/harness";
import { memberIds, startCluster } from "./engine";
import type { Deployment } from "../engine/deployment";
import { clusterProgram, liveOf, simulatorDeployment, stackConfig, stackNodes } from "../engine/simulatorStack";

const changes = (steps: { op: string; name: string; preview: boolean }[]) =>
    steps.filter((s) => !s.preview && s.op !== "same" && /removal|member|sync|promotion|retired/.test(s.name)).map((s) => s.name.replace(/^tugraph-/, ""));

describe("whole-plan safety: the program plans against the live cluster (step-order driver + real provider host + simulator)", function () {
    this.timeout(180_000);
    let c: SimulatorCluster | undefined;
    let d: Deployment | undefined;
    afterEach(async () => {
        await d?.stop();
        await c?.cleanup();
        c = d = undefined;
    });
    async function deployed(ids: number[]) {
        c = await startCluster(ids);
        d = await simulatorDeployment(c);
        const cfg = stackConfig({ nodes: await stackNodes(c, ids), bootstrap: ids });
        await d.upOk(clusterProgram(cfg, undefined, await liveOf(cfg)));
        return { c, d };
    }

    it("a healthy move (2, 3 -> 4, 5) grows first, then shrinks: the cluster never has fewer than 3 voters", async () => {
        const { c, d } = await deployed([1, 2, 3]);
        const cfg = stackConfig({ nodes: await stackNodes(c, [1, 2, 3, 4, 5], { 2: { removed: true }, 3: { removed: true } }), bootstrap: [1, 2, 3] });
        const up = await d.upOk(clusterProgram(cfg, undefined, await liveOf(cfg)));
        assert.deepStrictEqual(changes(up.steps), [
            "member-4",
            "sync-4",
            "promotion-4",
            "member-5",
            "sync-5",
            "promotion-5",
            "removal-2",
            "retired-2",
            "removal-3",
            "retired-3",
        ]);
        await c.waitForLeader(15_000, [1, 4, 5]);
        assert.deepStrictEqual(await memberIds(c, 1), [1, 4, 5]);
    });

    it("a failed member is removed first, then its replacement joins; a copy that would stop writes needs the stack's consent", async () => {
        const { c, d } = await deployed([1, 2, 3]);
        await c.kill(3);
        await c.waitForLeader(15_000, [1, 2]);
        const nodes = await stackNodes(c, [1, 2, 3, 4], { 3: { removed: true } });
        const cfg = stackConfig({ nodes, bootstrap: [1, 2, 3] });
        const live = await liveOf(cfg);
        assert.deepStrictEqual(live.membership!.downIds, [3]);
        // Two voters left: stopping either for the copy stops writes. Refused as a whole, naming the setting.
        const refused = await d.up(clusterProgram(cfg, undefined, live));
        assert.match(
            refused.errors.join("\n"),
            /refusing the whole membership plan, nothing was changed:\n {2}- sync 4 from \?: only the leader \(\d\) could donate: .*set allowWriteOutageForSync to accept the outage/,
        );
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3], "nothing changed");
        const consent = stackConfig({ nodes, bootstrap: [1, 2, 3], membership: { allowWriteOutageForSync: true } });
        const up = await d.upOk(clusterProgram(consent, undefined, await liveOf(consent)));
        assert.deepStrictEqual(changes(up.steps), ["removal-3", "retired-3", "member-4", "sync-4", "promotion-4"]);
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 4]);
    });

    it("a plan that would break a gate midway is refused as a whole before anything changes, with the fix", async () => {
        const { c, d } = await deployed([1, 2, 3, 4, 5]);
        await c.kill(5);
        await c.waitForLeader(15_000, [1, 2, 3, 4]);
        // Shrinking 5 -> 2 with voter 5 down: removing 2 and 3 keeps quorum, removing 4 then would not.
        const cfg = stackConfig({
            nodes: await stackNodes(c, [1, 2, 3, 4, 5], { 2: { removed: true }, 3: { removed: true }, 4: { removed: true } }),
            bootstrap: [1, 2, 3, 4, 5],
            membership: { minVoters: 1 },
        });
        const before = await memberIds(c, 1);
        const up = await d.up(clusterProgram(cfg, undefined, await liveOf(cfg)));
        assert.strictEqual(up.errors.length, 1, up.errors.join("\n"));
        assert.match(
            up.errors[0],
            /refusing the whole membership plan, nothing was changed:\n {2}- remove 4: the 2 voters left would need 2 up for a quorum, but only 1 are up now .*set allowUnsafeRemoval to override/,
        );
        assert.match(up.errors[0], /the plan was: remove 2 -> remove 3 -> remove 4/);
        assert.deepStrictEqual(up.steps, [], "the preview refused it: no step ran");
        assert.deepStrictEqual(await memberIds(c, 1), before, "nothing changed");
    });
});
