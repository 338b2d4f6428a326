// How a provider fix reaches an existing stack. The engine runs Read and Delete
// with the provider text stored at a resource's last create or update: a stack
// created by commit 882394b keeps that commit's read() (which `pulumi refresh`
// cannot run through the real host) until the resource updates. The program's
// providerVersion input makes the next `up` that update, with no cluster call.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import type { SimulatorCluster } from "../simulator/harness";
import { follower, listing, startCluster } from "../providers/engine";
import type { Deployment } from "./deployment";
import { plain } from "./providerHost";
import { PROVIDER_VERSION } from "../../components/providers/version";
import { clusterProgram, simulatorDeployment, stackConfig, stackNodes } from "./simulatorStack";

const OLD_MEMBER_TEXT = fs.readFileSync(path.join(__dirname, "..", "fixtures", "provider-text", "RaftMember-882394b.js"), "utf8");

describe("provider text stored by an earlier commit (fixture from 882394b)", function () {
    this.timeout(120_000);
    let c: SimulatorCluster | undefined;
    let d: Deployment | undefined;
    afterEach(async () => {
        await d?.stop();
        await c?.cleanup();
        c = d = undefined;
    });

    it("refresh fails on the old text; the next up is an update with no cluster call that stores the current text; refresh then works", async () => {
        c = await startCluster();
        d = await simulatorDeployment(c);
        const nodes = await stackNodes(c, [1, 2, 3, 4], { 4: { role: "learner" } });
        await d.upOk(clusterProgram(stackConfig({ nodes: nodes.slice(0, 3), bootstrap: [1, 2, 3] })));
        const program = clusterProgram(stackConfig({ nodes, bootstrap: [1, 2, 3] }));

        // Node 4's membership as commit 882394b created it: its inputs had no providerVersion, its text was the old one.
        const urn = (await d.preview(program)).steps.find((x) => x.name === "tugraph-member-4")!.urn;
        assert.strictEqual(d.get("RaftMember", "tugraph-member-4"), undefined, "a preview changes no state");
        const memberInputs = await registeredInputs(d, program, "tugraph-member-4");
        const { providerVersion, ...oldInputs }: Record<string, any> = { ...memberInputs, __provider: OLD_MEMBER_TEXT };
        assert.strictEqual(providerVersion, PROVIDER_VERSION);
        const checked = await d.host.check(urn, {}, oldInputs);
        assert.deepStrictEqual(checked.failures, []);
        const created = await d.host.create(urn, checked.inputs);
        d.state.set(urn, {
            urn,
            type: "pulumi-nodejs:dynamic/tugraph:RaftMember",
            name: "tugraph-member-4",
            custom: true,
            id: created.id,
            inputs: checked.inputs,
            outputs: created.outs,
            dependencies: [],
            propertyDependencies: {},
            deleteBeforeReplace: false,
        });
        await c.startJoiner(4, { copyFrom: await follower(c, [1, 2, 3]) });
        const members = await listing(c, 1);

        // 1. The old text's read returns an undefined value: the real host cannot encode it.
        const failed = await d.refresh();
        assert.deepStrictEqual(failed.errors, ["pulumi-nodejs:dynamic/tugraph:RaftMember tugraph-member-4: Unexpected struct type."]);

        // 2. `up` with the current program: an update (providerVersion), no cluster call, the current text stored.
        const up = await d.upOk(program);
        const s = up.steps.find((x) => !x.preview && x.name === "tugraph-member-4")!;
        assert.strictEqual(s.op, "update");
        const now = d.get("RaftMember", "tugraph-member-4")!;
        assert.notStrictEqual(now.outputs.__provider, OLD_MEMBER_TEXT);
        assert.strictEqual(now.outputs.providerVersion, PROVIDER_VERSION);
        assert.deepStrictEqual(plain(now.outputs.initPeers), plain(created.outs.initPeers), "the recorded join is kept");
        assert.deepStrictEqual(await listing(c, 1), members, "no membership call");

        // 3. Refresh now runs the current read.
        const ok = await d.refresh();
        assert.deepStrictEqual(ok.errors, []);
        assert.strictEqual(d.get("RaftMember", "tugraph-member-4")!.outputs.role, "learner");
    });
});

/** The inputs the program registers for a resource (from a preview's check, with unknowns resolved by the state). */
async function registeredInputs(d: Deployment, program: () => unknown, name: string): Promise<Record<string, any>> {
    let seen: Record<string, any> | undefined;
    const check = d.host.check.bind(d.host);
    d.host.check = async (urn, olds, news, preview) => {
        if (urn.endsWith(`::${name}`)) seen = news;
        return check(urn, olds, news, preview);
    };
    try {
        await d.preview(program);
    } finally {
        d.host.check = check;
    }
    if (!seen) throw new Error(`${name} was not registered`);
    return plain(seen);
}
