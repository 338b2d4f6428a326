// BootstrapRecord: the guard that keeps every node's init peers (and so its
// container) stable. Called as the engine calls it, from the text it stores.
import * as assert from "assert";
import { parseClusterConfig } from "../../components/core/config";
import { bootstrapPeers } from "../../components/core/render";
import { BootstrapRecord } from "../../components/providers/bootstrapRecord";
import { recordRegistrations } from "../mocks/program";
import { runInFreshNode } from "./storedProvider";

function peersOf(raw: Record<string, unknown>) {
    const parsed = parseClusterConfig({ adminPassword: "x", ...raw });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return bootstrapPeers(parsed.config);
}
const node = (id: number, ip = `10.0.0.${id}`) => ({ id, ip, dockerHost: `ssh://host-${id}` });

describe("BootstrapRecord (guard of the bootstrap members)", function () {
    this.timeout(60_000);

    it("accepts the first deployment and an unchanged set; refuses a grown or moved set naming the fix, from its stored text", async () => {
        const three = peersOf({ nodes: [node(1), node(2), node(3)] });
        const regs = await recordRegistrations(() => new BootstrapRecord("b", { peers: three }));
        const stored = regs[0].inputs.__provider;
        assert.strictEqual(typeof stored, "string");
        assert.ok(!/require\("\.\.?\//.test(stored), "no local module requires in the stored provider");

        // The user forgot tugraph:bootstrap when adding node 4: the default grows with the list.
        const four = peersOf({ nodes: [node(1), node(2), node(3), node(4)] });
        // The user changed a bootstrap node's address.
        const moved = peersOf({ nodes: [node(1), node(2), node(3, "10.0.0.33")] });
        const { out, tsNode } = await runInFreshNode(stored, [
            ["check", [undefined, { peers: three }]],
            ["create", [{ peers: three }]],
            ["check", [{ peers: three }, { peers: three }]],
            ["diff", ["bootstrap", { peers: three }, { peers: three }]],
            ["check", [{ peers: three }, { peers: four }]],
            ["check", [{ peers: three }, { peers: moved }]],
        ]);
        assert.strictEqual(tsNode, false);
        assert.ok(out.every((o) => o.ok), JSON.stringify(out));
        assert.deepStrictEqual(out[0].value.failures, []);
        assert.deepStrictEqual(out[1].value.outs.peers, three);
        assert.deepStrictEqual(out[2].value.failures, []);
        assert.strictEqual(out[3].value.changes, false);
        const [grown] = out[4].value.failures;
        assert.strictEqual(grown.property, "peers");
        assert.match(grown.reason, /set `tugraph:bootstrap: \[1, 2, 3\]`/);
        assert.match(grown.reason, /restart every node/);
        const [movedFailure] = out[5].value.failures;
        assert.match(movedFailure.reason, /3@10\.0\.0\.33/);
        assert.match(movedFailure.reason, /mark it `removed: true` and add a new node with a new id/);
    });
});
