// End to end through the program's own wiring: the cluster component is run
// under Pulumi mocks for a stack whose nodes are simulator processes; the
// membership resources it registers are then executed in registration order
// (the dependsOn chain), each from the provider text it registered
// (`__provider`, what the engine stores) and with the inputs it registered,
// the way the engine would run `pulumi up`.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { parseClusterConfig } from "../../components/core/config";
import type { ClusterConfig } from "../../components/core/types";
import { TuGraphCluster } from "../../components/resources/cluster";
import { DEFAULT_PASSWORD, SimulatorCluster } from "../simulator/harness";
import { engineCreate, follower, listing, memberIds, startCluster } from "./engine";
import { recordRegistrations } from "../mocks/program";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string");

async function stackNodes(c: SimulatorCluster, ids: number[], extra: Record<number, Record<string, unknown>> = {}) {
    const out = [];
    for (const id of ids) {
        const s = await c.allocate(id);
        out.push({ id, ip: s.ip, boltPort: s.boltPort, raftPort: s.raftPort, webPort: 20000 + id, ...(extra[id] ?? {}) });
    }
    return out;
}

function config(raw: Record<string, unknown>): ClusterConfig {
    const parsed = parseClusterConfig({ adminPassword: DEFAULT_PASSWORD, membership: { callTimeoutSeconds: 2, totalTimeoutSeconds: 20 }, ...raw });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return parsed.config;
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
/** The engine sends a dynamic provider plain values (its host does not accept secrets): unwrap the mocks' secret markers. */
function plain(v: any): any {
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === "object") {
        if (v[SECRET_SIG] !== undefined) return plain(v.value);
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    }
    return v;
}

/** `pulumi up` of the membership part of the stack: every membership resource, in chain order. */
async function upMembership(cfg: ClusterConfig, onMemberCreated: (nodeId: number) => Promise<void> = async () => undefined) {
    const regs = await recordRegistrations(() => new TuGraphCluster("tugraph", { config: cfg, adminPassword: pulumi.secret(DEFAULT_PASSWORD) }));
    const chain = regs.filter((r) => r.type.endsWith(":RaftMember") || r.type.endsWith(":RaftRemoval"));
    const results: { type: string; nodeId: number; outs: Record<string, any> }[] = [];
    for (const r of chain) {
        const { __provider, ...inputs } = plain(r.inputs);
        const provider = requireFromString(__provider).handler();
        const s = await engineCreate(provider, inputs);
        results.push({ type: r.type.split(":").pop()!, nodeId: inputs.nodeId, outs: s.outs });
        if (r.type.endsWith(":RaftMember")) await onMemberCreated(inputs.nodeId);
    }
    return results;
}

describe("membership through the cluster component's wiring (mocks + simulator)", function () {
    this.timeout(120_000);
    let c: SimulatorCluster;
    afterEach(async () => {
        await c?.cleanup();
    });

    it("the manual's failed-node case with the stack's defaults: kill 3, tombstone 3 and add 4 in one `up`", async () => {
        c = await startCluster();
        await c.kill(3);
        await c.waitForLeader(15_000, [1, 2]);
        const cfg = config({ nodes: await stackNodes(c, [1, 2, 3, 4], { 3: { removed: true } }), bootstrap: [1, 2, 3] });
        const done = await upMembership(cfg, async (id) => c.startJoiner(id, { copyFrom: await follower(c, [1, 2]) }));
        assert.deepStrictEqual(done.map((d) => `${d.type}${d.nodeId}`), ["RaftRemoval3", "RaftMember4"]);
        assert.strictEqual(done[0].outs.wasMember, true);
        assert.deepStrictEqual(done[1].outs.initPeers.map((p: any) => p.bolt_raft_node_id), [1, 2, 4]);
        await c.waitForLeader(15_000, [1, 2, 4]);
        assert.deepStrictEqual(await memberIds(c, 4), [1, 2, 4]);
    });

    it("a tombstone that would lose quorum (two of five voters down) is refused and nothing changes", async () => {
        c = await startCluster([1, 2, 3, 4, 5]);
        await c.kill(4);
        await c.kill(5);
        await c.waitForLeader(15_000, [1, 2, 3]);
        const cfg = config({ nodes: await stackNodes(c, [1, 2, 3, 4, 5], { 3: { removed: true } }), bootstrap: [1, 2, 3, 4, 5] });
        await assert.rejects(upMembership(cfg), /refusing removing node 3: the 4 voters left would need 3 up for a quorum, but only 2 are up/);
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3, 4, 5]);
    });

    it("grow by a voter and a learner in one `up`, one change at a time", async () => {
        c = await startCluster();
        const cfg = config({ nodes: await stackNodes(c, [1, 2, 3, 4, 5], { 5: { role: "learner" } }), bootstrap: [1, 2, 3] });
        const done = await upMembership(cfg, async (id) => c.startJoiner(id, { copyFrom: await follower(c, [1, 2, 3]) }));
        assert.deepStrictEqual(done.map((d) => `${d.type}${d.nodeId}`), ["RaftMember4", "RaftMember5"]);
        assert.deepStrictEqual(done[1].outs.initPeers.map((p: any) => p.bolt_raft_node_id), [1, 2, 3, 4, 5]);
        const rows = await listing(c, 1);
        assert.deepStrictEqual(rows.map((r) => [r.id, r.learner]), [[1, false], [2, false], [3, false], [4, false], [5, true]]);
    });
});
