// Rolling changes that must not go ahead, on the REAL engine and Docker plugin (simulator image,
// a test double), one 3-node cluster:
//   - a voter is down: RollGate refuses before any container changes;
//   - an image whose server cannot start: the first node's container is replaced, its NodeReady
//     fails, and the roll stops there: the other two nodes are untouched and keep a leader.
// (A tag that does not exist fails for real at the image pull, before any container.)
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { docker, dockerOk, SIMULATOR_IMAGE } from "../docker/engine";
import { removeContainers } from "../scenario/dockerApply";
import { RealStack } from "./realPulumi";
import { leaderAmong, realCluster } from "./support";

const PREFIX = "tugraph-ha-real-rollno-";
const V2 = "tugraph-simulator:real-rollno-2"; // other content: an upgrade
const BROKEN = "tugraph-simulator:real-rollno-broken"; // its lgraph_server exits at once

describe("real engine: rolling changes refused or stopped", function () {
    this.timeout(600_000);
    const c = realCluster(PREFIX);
    const { host } = c;
    const names = c.names.slice(0, 3);
    const scratch = `${PREFIX}commit`;

    before(async function () {
        if (!c.root) return;
        await removeContainers([scratch], host);
        await dockerOk(["create", "--name", scratch, SIMULATOR_IMAGE, "true"], { host });
        await dockerOk(["commit", "-c", "LABEL tugraph-ha.test=v2", scratch, V2], { host });
        const broken = path.join(c.root, "lgraph_server");
        fs.writeFileSync(broken, "#!/bin/sh\necho 'broken test image: lgraph_server exits' >&2\nexit 1\n", { mode: 0o755 });
        await dockerOk(["cp", broken, `${scratch}:/opt/tugraph-simulator/bin/lgraph_server`], { host });
        await dockerOk(["commit", scratch, BROKEN], { host });
        await removeContainers([scratch], host);
    });
    after(async () => {
        for (const i of [V2, BROKEN]) await docker(["rmi", i], { host });
    });

    const config = (image?: string) => c.config([1, 2, 3], image ? { image } : {});
    const started = () => Promise.all(names.map((n) => dockerOk(["inspect", "-f", "{{.State.StartedAt}}", n], { host })));

    it("refuses to roll while a voter is down, and restarts nothing", async () => {
        c.stack = await RealStack.create("rollno", { config: config() });
        await c.stack.up();
        await dockerOk(["stop", "-t", "30", names[2]], { host });
        const before = (await started()).slice(0, 2);
        await c.stack.setConfig(config(V2));
        await assert.rejects(c.stack.up(), (e: Error) =>
            /refusing a rolling change of every node .*voter\(s\) 3 down or behind.*Nothing was restarted/s.test(e.message),
        );
        assert.deepStrictEqual((await started()).slice(0, 2), before, "nodes 1 and 2 were not restarted");
        await dockerOk(["start", names[2]], { host });
        await leaderAmong([1, 2, 3].map(c.bolt));
        await c.stack.setConfig(config());
    });

    it("an image whose server cannot start stops the roll at the first node; the others are untouched and keep a leader", async () => {
        assert.ok(c.stack, "needs the cluster of the test before");
        const before = await started();
        await c.stack!.setConfig(config(BROKEN));
        await assert.rejects(c.stack!.up(), (e: Error) => /did not come back and catch up[\s\S]*The roll stopped here/.test(e.message));
        const after = await started();
        const touched = [0, 1, 2].filter((i) => after[i] !== before[i]);
        assert.strictEqual(touched.length, 1, `only one node was touched: ${touched.map((i) => i + 1)}`);
        const others = [1, 2, 3].filter((id) => id !== touched[0] + 1);
        await leaderAmong(others.map(c.bolt));
    });
});
