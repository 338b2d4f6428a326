// ClusterRecord: the guard that keeps every node's init peers and placement (and so
// its container and its data) stable. Called as the engine calls it, from the text
// the engine stores, through the real provider host; the live question against the simulator.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { parseClusterConfig } from "../../components/core/config";
import { clusterRecordInputs } from "../../components/core/placement";
import { bootstrapPeers } from "../../components/core/render";
import { ClusterRecord } from "../../components/providers/clusterRecord";
import type { SimulatorCluster } from "../simulator/harness";
import { DEFAULT_PASSWORD, runOn } from "../simulator/harness";
import { recordRegistrations } from "../mocks/program";
import { startCluster } from "./engine";
import { ProviderHost } from "../engine/providerHost";

const URN = "urn:pulumi:test::tugraph-ha::pulumi-nodejs:dynamic/tugraph:ClusterRecord::r";

/** Runs `calls` ([method, args]) through the host with the stored text, as the engine would; each result or error. */
async function runStored(host: ProviderHost, stored: string, calls: [string, any[]][]): Promise<{ ok: boolean; value?: any; message?: string }[]> {
    const out = [];
    const t = (p: any) => (p ? { ...p, __provider: stored } : {});
    for (const [method, args] of calls) {
        try {
            let value: any;
            if (method === "check") value = await host.check(URN, t(args[0]), t(args[1]));
            else if (method === "create") value = await host.create(URN, t(args[0]));
            else if (method === "diff") value = await host.diff(URN, args[0], t(args[1]), t(args[1]), t(args[2]));
            else if (method === "read") value = await host.read(URN, args[0], t(args[1]), t(args[1]));
            else throw new Error(`unknown method ${method}`);
            out.push({ ok: true, value });
        } catch (e) {
            out.push({ ok: false, message: (e as Error).message });
        }
    }
    return out;
}

const ACCESS = {
    seeds: ["10.0.0.1:7687"] as string[],
    adminUser: "admin",
    adminPassword: DEFAULT_PASSWORD,
    callTimeoutMs: 2000,
    totalTimeoutMs: 5000,
    encrypted: false,
};

function recordOf(raw: Record<string, unknown>, access = ACCESS) {
    const parsed = parseClusterConfig({ adminPassword: "x", ...raw });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return { ...clusterRecordInputs(parsed.config, bootstrapPeers(parsed.config)), ...access };
}
const node = (id: number, extra: Record<string, unknown> = {}) => ({ id, ip: `10.0.0.${id}`, dockerHost: `ssh://host-${id}`, ...extra });

async function storedText(): Promise<string> {
    const regs = await recordRegistrations(
        () => new ClusterRecord("r", { ...recordOf({ nodes: [node(1), node(2), node(3)] }), adminPassword: pulumi.secret(DEFAULT_PASSWORD) }),
    );
    const stored = regs[0].inputs.__provider;
    assert.strictEqual(typeof stored, "string");
    assert.ok(!/require\("\.\.?\//.test(stored), "no local module requires in the stored provider");
    assert.ok(!stored.includes(DEFAULT_PASSWORD), "the provider text holds no password");
    assert.deepStrictEqual(regs[0].additionalSecretOutputs, ["adminPassword"]);
    return stored;
}

describe("ClusterRecord (guard of bootstrap members and node placement)", function () {
    this.timeout(90_000);
    let host: ProviderHost;
    before(async () => {
        host = await new ProviderHost().start();
    });
    after(async () => host?.stop());
    let c: SimulatorCluster | undefined;
    afterEach(async () => {
        await c?.cleanup();
        c = undefined;
    });

    it("from its stored text: accepts the first deployment, an unchanged stack and a new node; refuses a forgotten bootstrap list and a moved bootstrap node", async () => {
        const stored = await storedText();
        const three = recordOf({ nodes: [node(1), node(2), node(3)] });
        const grownExplicit = recordOf({ nodes: [node(1), node(2), node(3), node(4)], bootstrap: [1, 2, 3] });
        const grownForgot = recordOf({ nodes: [node(1), node(2), node(3), node(4)] });
        const moved = recordOf({ nodes: [node(1), node(2), node(3, { dataDir: "/mnt/elsewhere" })] });
        const out = await runStored(host, stored, [
            ["check", [undefined, three]],
            ["create", [three]],
            ["check", [three, three]],
            ["diff", ["cluster", three, three]],
            ["check", [three, grownExplicit]],
            ["diff", ["cluster", three, grownExplicit]],
            ["check", [three, grownForgot]],
            ["check", [three, moved]],
        ]);
        assert.ok(
            out.every((o) => o.ok),
            JSON.stringify(out),
        );
        assert.deepStrictEqual(out[0].value.failures, []);
        assert.deepStrictEqual({ ...out[1].value.outs, __provider: undefined }, { ...three, __provider: undefined });
        assert.deepStrictEqual(out[2].value.failures, []);
        assert.strictEqual(out[3].value.changes, "none", "an unchanged stack is no change");
        assert.deepStrictEqual(out[4].value.failures, []);
        assert.strictEqual(out[5].value.changes, "some", "a new node is recorded");
        assert.match(out[6].value.failures[0].reason, /set `tugraph:bootstrap: \[1, 2, 3\]`/);
        assert.match(out[7].value.failures[0].reason, /node 3's dataDir changed from "\/root\/tugraph\/node-3\/data" to "\/mnt\/elsewhere"/);
        assert.match(out[7].value.failures[0].reason, /set `removed: true` on it and add a new node with a new id/);
    });

    it("asks the live cluster before refusing to take a tombstone back: allowed while the node is still a member, refused once it is gone", async () => {
        const stored = await storedText();
        c = await startCluster();
        const sim = c;
        const spec = await sim.allocate(4);
        const live = (id: number) => ({
            id,
            ip: "127.0.0.1",
            boltPort: sim.nodeSpec(id).boltPort,
            raftPort: sim.nodeSpec(id).raftPort,
            webPort: 17070 + id,
            dockerHost: "unix:///var/run/docker.sock",
            dataDir: `/tmp/tgha-rec/${id}`,
        });
        const access = { ...ACCESS, seeds: [1, 2, 3].map((i) => sim.boltAddress(i)) };
        const stack = (four: Record<string, unknown>) =>
            recordOf({ nodes: [live(1), live(2), live(3), { ...live(4), ...four }], bootstrap: [1, 2, 3] }, access);
        const leader = await sim.waitForLeader();
        await runOn(sim.boltAddress(leader), `CALL db.bolt.addRaftNode(4, '127.0.0.1', ${spec.boltPort}, ${spec.raftPort})`);

        const tombstoned = stack({ removed: true });
        const undo = stack({});
        const first = await runStored(host, stored, [["check", [tombstoned, undo]]]);
        assert.deepStrictEqual(first[0].value.failures, [], "the removal never happened: taking the tombstone back is fine");

        await runOn(sim.boltAddress(leader), "CALL db.bolt.removeRaftNode(4)");
        const second = await runStored(host, stored, [["check", [tombstoned, undo]]]);
        assert.match(second[0].value.failures[0].reason, /node 4 was marked removed and is no longer a raft member/);
    });
});
