// The provider as the engine stores it: the `__provider` text a RaftMember /
// RaftRemoval registers (the dynamic Resource's own serialization), loaded in
// a FRESH plain node process (cwd = repo root, no ts-node) the way the
// engine's dynamic-provider host loads it (require-from-string + handler()),
// and exercised against the simulator.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { RaftMember } from "../../components/providers/raftMember";
import { RaftRemoval } from "../../components/providers/raftRemoval";
import type { SimulatorCluster } from "../simulator/harness";
import { follower, memberIds, memberInputs, removalInputs, startCluster } from "./engine";
import { recordRegistrations } from "../mocks/program";
import { runInFreshNode } from "./storedProvider";

const SECRET = "serialized-Pa55";

async function storedProviders(): Promise<{ member: string; removal: string }> {
    const regs = await recordRegistrations(() => {
        const rm = new RaftRemoval("rm", {
            nodeId: 3, seeds: ["127.0.0.1:1"], adminUser: "admin", adminPassword: pulumi.secret(SECRET),
            callTimeoutMs: 1000, totalTimeoutMs: 2000, minVoters: 3, allowUnsafeRemoval: false,
        });
        new RaftMember("m", {
            nodeId: 4, ip: "127.0.0.1", boltPort: 1, raftPort: 2, role: "learner", seeds: ["127.0.0.1:1"],
            adminUser: "admin", adminPassword: pulumi.secret(SECRET), callTimeoutMs: 1000, totalTimeoutMs: 2000, initPeers: [],
        }, { dependsOn: [rm] });
    });
    const member = regs.find((r) => r.type.endsWith(":RaftMember"))!.inputs.__provider;
    const removal = regs.find((r) => r.type.endsWith(":RaftRemoval"))!.inputs.__provider;
    assert.strictEqual(typeof member, "string");
    assert.strictEqual(typeof removal, "string");
    return { member, removal };
}

describe("membership providers: the serialized form the engine stores", function () {
    this.timeout(120_000);
    let c: SimulatorCluster | undefined;
    afterEach(async () => {
        await c?.cleanup();
        c = undefined;
    });

    it("captures only plain data and functions: no local module paths, no TypeScript, no password, only npm requires", async () => {
        const { member, removal } = await storedProviders();
        for (const text of [member, removal]) {
            assert.ok(!text.includes(SECRET));
            const requires = [...text.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
            assert.deepStrictEqual([...new Set(requires)], ["neo4j-driver"]);
            assert.ok(!/\.ts["']|ts-node|\/work\//.test(text), "no source paths or ts-node");
        }
    });

    it("create, read and delete work from the serialized text in a fresh node process without ts-node", async () => {
        c = await startCluster();
        const { member, removal } = await storedProviders();
        const m4 = await memberInputs(c, 4, "learner", [1, 2, 3]);
        const res = await runInFreshNode(member, [
            ["check", [{}, m4]],
            ["create", [m4]],
            ["read", ["4", m4]],
            ["diff", ["4", { ...m4 }, { ...m4, role: "voter" }]],
        ]);
        assert.strictEqual(res.tsNode, false, "the child has no ts-node");
        for (const r of res.out) assert.ok(r.ok, r.message);
        const [check, create, read, diff] = res.out.map((r) => r.value);
        assert.deepStrictEqual(check.failures, []);
        assert.deepStrictEqual(create.outs.initPeers.map((p: any) => p.bolt_raft_node_id), [1, 2, 3, 4]);
        assert.strictEqual(read.id, "4");
        assert.deepStrictEqual([diff.changes, diff.replaces], [true, []]);
        await c.startJoiner(4, { copyFrom: await follower(c, [1, 2, 3]) });
        const up = await runInFreshNode(member, [["update", ["4", create.outs, { ...m4, role: "voter" }]]]);
        assert.ok(up.out[0].ok, up.out[0].message);
        assert.strictEqual(up.out[0].value.outs.role, "voter");
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3, 4]);

        // The removal provider, and RaftMember's delete, also from their stored text.
        const rm = await runInFreshNode(removal, [["create", [removalInputs(c, 4, [1, 2, 3])]], ["delete", ["removed-4", {}]]]);
        for (const r of rm.out) assert.ok(r.ok, r.message);
        assert.strictEqual(rm.out[0].value.outs.wasMember, true);
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3]);
        const m5 = await memberInputs(c, 5, "learner", [1, 2, 3]);
        const again = await runInFreshNode(member, [["create", [m5]], ["delete", ["5", m5]], ["delete", ["5", m5]]]);
        for (const r of again.out) assert.ok(r.ok, r.message);
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3]);
    });

    it("errors cross the process boundary with their message (and without the password)", async () => {
        c = await startCluster();
        const { member } = await storedProviders();
        const m4 = await memberInputs(c, 4, "voter", [1], { adminPassword: SECRET });
        const res = await runInFreshNode(member, [["create", [m4]]]);
        assert.strictEqual(res.out[0].ok, false);
        assert.match(res.out[0].message!, /authentication failed for user 'admin' at 127\.0\.0\.1:\d+/);
        assert.ok(!res.out[0].message!.includes(SECRET));
    });

    it("a hanging admin call ends at its deadline and leaves nothing open: the child exits by itself", async () => {
        c = await startCluster();
        const leader = await c.waitForLeader();
        await c.setFault(leader, "hang_admin_calls", true);
        const { member } = await storedProviders();
        const m4 = await memberInputs(c, 4, "learner", [1, 2, 3], { callTimeoutMs: 300, totalTimeoutMs: 900 });
        const started = Date.now();
        const res = await runInFreshNode(member, [["create", [m4]]]); // the host never calls process.exit
        assert.strictEqual(res.out[0].ok, false);
        assert.match(res.out[0].message!, /addRaftLearnerNode\(4\) at 127\.0\.0\.1:\d+ did not answer within 300 ms/);
        assert.ok(Date.now() - started < 20_000, "no socket or timer kept the process alive");
    });
});
