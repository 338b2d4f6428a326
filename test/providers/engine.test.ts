// The provider tests' helpers themselves: a failed start leaves nothing behind.
import * as assert from "assert";
import * as fs from "fs";
import type { SimulatorCluster } from "../simulator/harness";
import { canConnect } from "../simulator/harness";
import { rejects, startCluster } from "./engine";

describe("provider test helpers", function () {
    this.timeout(60_000);

    it("startCluster: when no leader comes in time, the processes are killed and the temp dir removed", async () => {
        let c: SimulatorCluster | undefined;
        await rejects(startCluster([1, 2, 3], { leaderTimeoutMs: 0, created: (x) => (c = x) }), /no leader within 0 ms/);
        assert.ok(c, "the cluster was created");
        for (const id of c!.ids()) {
            assert.strictEqual(c!.isRunning(id), false, `node ${id} still running`);
            assert.strictEqual(await canConnect(c!.nodeSpec(id).boltPort), false, `node ${id} still listening`);
        }
        assert.strictEqual(fs.existsSync(c!.root), false, "temp dir left behind");
    });
});
