// What the real engine and Docker plugin do that the stand-ins did not, on one 3-node cluster
// (CLI and plugin from .ci/pulumi/build.sh, containers of the simulator image, a test double):
//   - a refused membership plan registers nothing: the Automation API's `up` is `--skip-preview`,
//     and the engine runs whatever the program registered before it threw;
//   - a container stopped outside Pulumi: `pulumi refresh` records it stopped (must_run false),
//     `pulumi preview` says the next `up` starts it again and the program warns that the voter is
//     down; `up` then starts it.
import * as assert from "assert";
import { docker, dockerOk } from "../docker/engine";
import { startedAt } from "../scenario/dockerApply";
import { RealStack } from "./realPulumi";
import { leaderAmong, realCluster } from "./support";

const PREFIX = "tugraph-ha-real-faults-";

describe("real engine: a refused plan, a container stopped outside Pulumi", function () {
    this.timeout(600_000);
    const c = realCluster(PREFIX);
    const { host } = c;
    const names = c.names.slice(0, 3);
    const config = (extra: Record<string, unknown> = {}, removed: number[] = [], more: Record<string, unknown>[] = []) =>
        c.config([...[1, 2, 3].map((id) => c.node(id, removed.includes(id) ? { removed: true } : {})), ...more], extra);
    const bolt = c.bolt;
    const containerInputs = async () =>
        Object.fromEntries(
            (await c.stack!.resources())
                .filter((r) => r.type === "docker:index/container:Container")
                .map((r) => [r.urn.split("::").pop(), JSON.stringify(r.outputs?.uploads)]),
        );

    it("a refused plan (a replacement that needs a write outage, with a rolling change) changes nothing, not even the rolling part", async () => {
        c.stack = await RealStack.create("faults", { config: config() });
        await c.stack.up();
        await leaderAmong([1, 2, 3].map(bolt));
        const before = await Promise.all(names.map((n) => startedAt(n, host)));
        const uploads = await containerInputs();

        // verbose changes every container (a rolling change). Node 4 replaces 3 on its ports: 3 is
        // removed first, and copying 4's data then stops one of the 2 voters left, a write outage
        // the stack does not allow (allowWriteOutageForSync): the live plan refuses as a whole.
        const node4 = c.node(4, { portsOf: 3 });
        await c.stack.setConfig(config({ verbose: 2 }, [3], [node4]));
        await assert.rejects(c.stack.up(), (e: Error) => /allowWriteOutageForSync/.test(e.message) && /membership plan|refus/i.test(e.message));
        assert.deepStrictEqual(await Promise.all(names.map((n) => startedAt(n, host))), before, "no container was restarted");
        assert.deepStrictEqual(await containerInputs(), uploads, "no container was replaced or updated in state");
        const members = await leaderAmong([1, 2, 3].map(bolt));
        assert.ok(members, "the cluster still has its leader");
    });

    it("a container stopped outside Pulumi: refresh records it, preview says up starts it again, up does", async () => {
        assert.ok(c.stack, "needs the cluster of the test before");
        await c.stack!.setConfig(config());
        await dockerOk(["stop", "-t", "30", names[1]], { host });
        await c.stack!.refresh();
        const c2 = (await c.stack!.resources()).find((r) => r.urn.endsWith("::tugraph-node-2-container"))!;
        assert.strictEqual(c2.outputs?.mustRun, false, "the plugin reads a stopped container back as must_run=false");

        const preview = await c.stack!.preview();
        assert.match(
            preview.stdout,
            /~ docker:index\/container:Container: \(update\)\n\s+\[id=\S+\]\n\s+\[urn=\S+::tugraph-node-2-container\]/,
            preview.stdout,
        );
        assert.match(preview.stdout, /~ mustRun\s*: false => true/, preview.stdout);
        const warnings = preview.diagnostics.filter((d) => d.severity === "warning").map((d) => d.message);
        assert.ok(
            warnings.some((w) => /voter 2 is down/.test(w)),
            `the program says voter 2 is down:\n${warnings.join("\n")}`,
        );

        await c.stack!.up();
        assert.strictEqual((await docker(["inspect", "-f", "{{.State.Running}}", names[1]], { host })).stdout.trim(), "true", "up started it again");
        await leaderAmong([1, 2, 3].map(bolt));
    });
});
