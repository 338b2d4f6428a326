// The provider as the engine stores it: the `__provider` text a RaftMember /
// RaftRemoval registers (the dynamic Resource's own serialization), run by the
// SDK's real provider host (a plain node process without ts-node, values as
// protobuf Structs), against the simulator.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { RaftMember } from "../../components/providers/raftMember";
import { RaftRemoval } from "../../components/providers/raftRemoval";
import { RetiredContainer } from "../../components/providers/retiredContainer";
import type { SimulatorCluster } from "../simulator/harness";
import { follower, memberIds, memberInputs, removalInputs, startCluster } from "./engine";
import { recordRegistrations } from "../mocks/program";
import { ProviderHost } from "../engine/providerHost";

const SECRET = "serialized-Pa55";
const URN = (t: string) => `urn:pulumi:test::tugraph-ha::pulumi-nodejs:dynamic/tugraph:${t}::x`;

async function storedProviders(): Promise<{ member: string; removal: string }> {
    const regs = await recordRegistrations(() => {
        const rm = new RaftRemoval("rm", {
            nodeId: 3,
            seeds: ["127.0.0.1:1"],
            adminUser: "admin",
            adminPassword: pulumi.secret(SECRET),
            callTimeoutMs: 1000,
            totalTimeoutMs: 2000,
            minVoters: 3,
            allowUnsafeRemoval: false,
        });
        new RaftMember(
            "m",
            {
                nodeId: 4,
                ip: "127.0.0.1",
                boltPort: 1,
                raftPort: 2,
                role: "learner",
                seeds: ["127.0.0.1:1"],
                adminUser: "admin",
                adminPassword: pulumi.secret(SECRET),
                callTimeoutMs: 1000,
                totalTimeoutMs: 2000,
                initPeers: [],
            },
            { dependsOn: [rm] },
        );
    });
    const member = regs.find((r) => r.type.endsWith(":RaftMember"))!.inputs.__provider;
    const removal = regs.find((r) => r.type.endsWith(":RaftRemoval"))!.inputs.__provider;
    assert.strictEqual(typeof member, "string");
    assert.strictEqual(typeof removal, "string");
    return { member, removal };
}

describe("membership providers: the serialized form the engine stores, run by the real provider host", function () {
    this.timeout(120_000);
    let c: SimulatorCluster | undefined;
    let host: ProviderHost;
    before(async () => {
        host = await new ProviderHost().start();
    });
    after(async () => host?.stop());
    afterEach(async () => {
        await c?.cleanup();
        c = undefined;
    });

    it("captures only plain data and functions: no local module paths, no TypeScript, no password, only npm requires", async () => {
        const { member, removal } = await storedProviders();
        for (const text of [member, removal]) {
            assert.ok(!text.includes(SECRET));
            const requires = [...text.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
            // No fs, os or path any more: there is no TLS CA to write to a temp file (TuGraph's Bolt has no TLS).
            assert.deepStrictEqual([...new Set(requires)].sort(), ["neo4j-driver", "net"]);
            assert.ok(!/\.ts["']|ts-node|\/work\//.test(text), "no source paths or ts-node");
        }
    });

    it("check, create, read, diff, update and delete run from the stored text; every result crosses as a Struct", async () => {
        c = await startCluster();
        const { member, removal } = await storedProviders();
        const m4 = { ...(await memberInputs(c, 4, "learner", [1, 2, 3])), __provider: member };
        const checked = await host.check(URN("RaftMember"), {}, m4);
        assert.deepStrictEqual(checked.failures, []);
        const created = await host.create(URN("RaftMember"), checked.inputs);
        assert.deepStrictEqual(
            created.outs.initPeers.map((p: any) => p.bolt_raft_node_id),
            [1, 2, 3, 4],
        );
        assert.strictEqual(created.outs.__provider, member, "the engine stores the text with the outputs");
        const read = await host.read(URN("RaftMember"), created.id, checked.inputs, created.outs);
        assert.strictEqual(read.id, "4");
        const diff = await host.diff(URN("RaftMember"), "4", checked.inputs, created.outs, { ...checked.inputs, role: "voter" });
        assert.deepStrictEqual([diff.changes, diff.replaces], ["some", []]);
        await c.startJoiner(4, { copyFrom: await follower(c, [1, 2, 3]) });
        const up = await host.update(URN("RaftMember"), "4", checked.inputs, created.outs, { ...checked.inputs, role: "voter" });
        assert.strictEqual(up.outs.role, "voter");
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3, 4]);

        // The removal provider, and RaftMember's delete, also from their stored text.
        const r4 = { ...removalInputs(c, 4, [1, 2, 3]), __provider: removal };
        const rm = await host.create(URN("RaftRemoval"), (await host.check(URN("RaftRemoval"), {}, r4)).inputs);
        assert.strictEqual(rm.outs.wasMember, true);
        await host.delete(URN("RaftRemoval"), rm.id, r4, rm.outs);
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3]);
        const m5 = { ...(await memberInputs(c, 5, "learner", [1, 2, 3])), __provider: member };
        const c5 = await host.create(URN("RaftMember"), m5);
        await host.delete(URN("RaftMember"), c5.id, m5, c5.outs);
        await host.delete(URN("RaftMember"), c5.id, m5, c5.outs);
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3]);
    });

    it("errors cross the process boundary with their message (and without the password)", async () => {
        c = await startCluster();
        const { member } = await storedProviders();
        const m4 = { ...(await memberInputs(c, 4, "voter", [1], { adminPassword: SECRET })), __provider: member };
        await assert.rejects(host.create(URN("RaftMember"), m4), (e: Error) => {
            assert.match(e.message, /authentication failed for user 'admin' at 127\.0\.0\.1:\d+/);
            assert.ok(!e.message.includes(SECRET));
            return true;
        });
        assert.ok(!host.stderr.join("\n").includes(SECRET), "nor in the host's output");
    });
});

// DataSync and RetiredContainer reach Docker engines (dockerode) from their stored text too:
// a module-level cache captured by the serializer once turned a Map into a plain object there.
describe("Docker-bound providers: the serialized form reaches the engine's API from the real provider host", function () {
    this.timeout(60_000);
    let host: ProviderHost;
    before(async () => {
        host = await new ProviderHost().start();
    });
    after(async () => host?.stop());

    it("RetiredContainer's create talks to the given engine (a missing socket is a connection error, not a serialization error)", async () => {
        const regs = await recordRegistrations(() => {
            new RetiredContainer("r", { nodeId: 3, dockerHost: "unix:///nonexistent-tugraph-ha/docker.sock", container: "c3", stopTimeoutSeconds: 10 });
        });
        const inputs = regs.find((r) => r.type.endsWith(":RetiredContainer"))!.inputs;
        assert.strictEqual(typeof inputs.__provider, "string");
        await assert.rejects(host.create(URN("RetiredContainer"), inputs), (e: Error) => {
            assert.doesNotMatch(e.message, /incompatible receiver|is not a function/);
            assert.match(e.message, /ENOENT.*nonexistent-tugraph-ha/);
            return true;
        });
    });
});
