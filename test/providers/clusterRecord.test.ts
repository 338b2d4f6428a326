// ClusterRecord: the guard that keeps every node's init peers and placement (and so
// its container and its data) stable. Called as the engine calls it, from the text
// the engine stores, in a fresh node process.
import * as assert from "assert";
import { parseClusterConfig } from "../../components/core/config";
import { clusterRecordInputs } from "../../components/core/placement";
import { bootstrapPeers } from "../../components/core/render";
import { ClusterRecord } from "../../components/providers/clusterRecord";
import { recordRegistrations } from "../mocks/program";
import { runInFreshNode } from "./storedProvider";

function recordOf(raw: Record<string, unknown>) {
    const parsed = parseClusterConfig({ adminPassword: "x", ...raw });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return clusterRecordInputs(parsed.config, bootstrapPeers(parsed.config));
}
const node = (id: number, extra: Record<string, unknown> = {}) => ({ id, ip: `10.0.0.${id}`, dockerHost: `ssh://host-${id}`, ...extra });

describe("ClusterRecord (guard of bootstrap members and node placement)", function () {
    this.timeout(60_000);

    it("from its stored text: accepts the first deployment, an unchanged stack and a new node; refuses a forgotten bootstrap list and a moved node", async () => {
        const three = recordOf({ nodes: [node(1), node(2), node(3)] });
        const regs = await recordRegistrations(() => new ClusterRecord("r", three));
        const stored = regs[0].inputs.__provider;
        assert.strictEqual(typeof stored, "string");
        assert.ok(!/require\("\.\.?\//.test(stored), "no local module requires in the stored provider");

        const grownExplicit = recordOf({ nodes: [node(1), node(2), node(3), node(4)], bootstrap: [1, 2, 3] });
        const grownForgot = recordOf({ nodes: [node(1), node(2), node(3), node(4)] });
        const moved = recordOf({ nodes: [node(1), node(2), node(3, { dataDir: "/mnt/elsewhere" })] });
        const { out, tsNode } = await runInFreshNode(stored, [
            ["check", [undefined, three]],
            ["create", [three]],
            ["check", [three, three]],
            ["diff", ["cluster", three, three]],
            ["check", [three, grownExplicit]],
            ["diff", ["cluster", three, grownExplicit]],
            ["check", [three, grownForgot]],
            ["check", [three, moved]],
        ]);
        assert.strictEqual(tsNode, false);
        assert.ok(out.every((o) => o.ok), JSON.stringify(out));
        assert.deepStrictEqual(out[0].value.failures, []);
        assert.deepStrictEqual(out[1].value.outs, three);
        assert.deepStrictEqual(out[2].value.failures, []);
        assert.strictEqual(out[3].value.changes, false, "an unchanged stack is no change");
        assert.deepStrictEqual(out[4].value.failures, []);
        assert.strictEqual(out[5].value.changes, true, "a new node is recorded");
        const [forgot] = out[6].value.failures;
        assert.match(forgot.reason, /set `tugraph:bootstrap: \[1, 2, 3\]`/);
        const [movedFailure] = out[7].value.failures;
        assert.match(movedFailure.reason, /node 3's dataDir changed from "\/root\/tugraph\/node-3\/data" to "\/mnt\/elsewhere"/);
        assert.match(movedFailure.reason, /set `removed: true` on it and add a new node with a new id/);
    });
});
