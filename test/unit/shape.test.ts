// The one provider shape (components/providers/shape.ts), in-process: what it owns for every
// provider. (Every provider also runs from its serialized text in test/providers/serialization.test.ts.)
import * as assert from "assert";
import { providerOf, withOutputs } from "../../components/providers/shape";
import { UNKNOWN } from "../../components/adapters/validate";

interface Props {
    nodeId: number;
    host: string;
    note?: string;
    // outputs
    foundAt?: string;
    count?: number;
}

function fixture(calls: string[] = []) {
    return providerOf<Props>({
        outputs: ["foundAt", "count"],
        replaceOn: ["nodeId"],
        deleteBeforeReplace: true,
        updateOn: ["host"],
        check(news) {
            return typeof news.host === "string" || news.host === UNKNOWN ? [] : [{ property: "host", reason: "must be a string" }];
        },
        async create(inputs) {
            calls.push(`create ${inputs.nodeId}`);
            return { id: `n-${inputs.nodeId}`, outs: { foundAt: "t0", count: 1, note: undefined } };
        },
    });
}

describe("provider shape", () => {
    it("check drops the outputs from the inputs and every undefined value; the provider's rules give the failures", async () => {
        const p = fixture();
        const r = await p.check!({}, { nodeId: 1, host: "h", foundAt: "stale", note: undefined });
        assert.deepStrictEqual(r, { inputs: { nodeId: 1, host: "h" }, failures: [] });
        const bad = await p.check!({}, { nodeId: 1, host: 7 });
        assert.deepStrictEqual(bad.failures, [{ property: "host", reason: "must be a string" }]);
    });

    it("diff: a replaceOn change replaces (delete first when asked), an updateOn change updates, an unknown value counts as a change, others are no change", async () => {
        const p = fixture();
        const olds = { nodeId: 1, host: "h", note: "x" };
        assert.deepStrictEqual(await p.diff!("n-1", olds, { ...olds, nodeId: 2 }), { changes: true, replaces: ["nodeId"], deleteBeforeReplace: true });
        assert.deepStrictEqual(await p.diff!("n-1", olds, { ...olds, host: UNKNOWN }), { changes: true, replaces: [], deleteBeforeReplace: false });
        assert.deepStrictEqual(await p.diff!("n-1", olds, { ...olds, note: "y" }), { changes: false, replaces: [], deleteBeforeReplace: false });
    });

    it("create records the inputs and what it found, without undefined; a default update keeps what create found; a default delete does nothing", async () => {
        const calls: string[] = [];
        const p = fixture(calls);
        const c = await p.create({ nodeId: 1, host: "h" });
        assert.deepStrictEqual(c, { id: "n-1", outs: { nodeId: 1, host: "h", foundAt: "t0", count: 1 } });
        const u = await p.update!("n-1", c.outs, { nodeId: 1, host: "h2" });
        assert.deepStrictEqual(u, { outs: { nodeId: 1, host: "h2", foundAt: "t0", count: 1 } });
        await p.delete!("n-1", c.outs);
        assert.deepStrictEqual(calls, ["create 1"]);
        assert.strictEqual(p.read, undefined, "no read: the engine keeps the state on refresh");
    });

    it("withOutputs names every output of a resource as undefined, so the resource exposes it", () => {
        assert.deepStrictEqual(withOutputs({ nodeId: 1 }, ["foundAt", "count"]), { nodeId: 1, foundAt: undefined, count: undefined });
    });
});
