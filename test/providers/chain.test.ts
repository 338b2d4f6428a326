// Under Pulumi mocks: the cluster component wires every membership resource
// to exactly the one before it (removals first, then additions), so the
// engine runs membership changes one at a time; the password output is
// registered secret.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { parseClusterConfig } from "../../components/core/config";
import { membershipChain } from "../../components/core/membership";
import type { ClusterConfig } from "../../components/core/types";
import { TuGraphCluster } from "../../components/resources/cluster";
import { RaftMember } from "../../components/providers/raftMember";
import { RaftRemoval } from "../../components/providers/raftRemoval";
import { recordRegistrations, Registered as Registration } from "../mocks/program";

const PASSWORD = "chain-test-Pa55";
const node = (id: number, extra: Record<string, unknown> = {}) => ({ id, ip: "127.0.0.1", boltPort: 7686 + id, raftPort: 8999 + id, webPort: 7069 + id, ...extra });
function config(raw: Record<string, unknown>): ClusterConfig {
    const parsed = parseClusterConfig({ adminPassword: PASSWORD, ...raw });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return parsed.config;
}
const isMembership = (r: Registration) => r.type.endsWith(":RaftMember") || r.type.endsWith(":RaftRemoval");

describe("membership chain under Pulumi mocks", function () {
    this.timeout(60_000);

    for (const preview of [false, true]) {
        it(`every membership change depends on exactly the previous one, removals first (${preview ? "preview" : "up"})`, async () => {
            const cfg = config({
                nodes: [node(1), node(2), node(3, { removed: true }), node(6), node(4, { role: "learner" }), node(5), node(7, { removed: true })],
                bootstrap: [1, 2, 3],
            });
            const regs = await recordRegistrations(() => new TuGraphCluster("tugraph", { config: cfg, adminPassword: pulumi.secret(PASSWORD) }), { preview });
            const chain = membershipChain(cfg);
            const members = regs.filter(isMembership);
            // One membership resource per chain step, in chain order.
            const kindOf = (r: Registration) => (r.type.endsWith(":RaftRemoval") ? "remove" : "member");
            assert.deepStrictEqual(members.map((r) => ({ kind: kindOf(r), nodeId: r.inputs.nodeId })), chain);
            assert.deepStrictEqual(chain.map((s) => `${s.kind}${s.nodeId}`), ["remove3", "remove7", "member4", "member5", "member6"]);
            const urns = new Set(members.map((r) => r.urn));
            members.forEach((r, i) => {
                const memberDeps = r.dependencies.filter((u) => urns.has(u));
                if (i === 0) {
                    assert.deepStrictEqual(memberDeps, [], "the first change waits for no other change");
                    assert.ok(r.dependencies.length > 0, "the first change waits for the bootstrap members");
                } else {
                    // Directly after a removal; after a joiner's add, through that joiner's container
                    // (which itself waits for the add): the next change waits for the new node to run.
                    const prev = members[i - 1];
                    const prevContainer = regs.find((c) => c.type === "docker:index/container:Container" && c.name === `tugraph-node-${prev.inputs.nodeId}-container`);
                    const expected = kindOf(prev) === "remove" ? [prev.urn] : [prevContainer!.urn];
                    assert.deepStrictEqual([...memberDeps, ...r.dependencies.filter((u) => u === prevContainer?.urn)], expected,
                        `${r.name} waits for exactly ${prev.name}${kindOf(prev) === "member" ? "'s node" : ""}`);
                    if (prevContainer) assert.ok(prevContainer.dependencies.includes(prev.urn), "the previous joiner's container waits for its add");
                }
                assert.ok(r.additionalSecretOutputs.includes("adminPassword"));
                assert.ok(!String(r.inputs.__provider ?? "").includes(PASSWORD), "the provider text holds no password");
            });
            // A joiner's container comes after its add; a tombstoned node has no container.
            const containers = regs.filter((r) => r.type === "docker:index/container:Container");
            assert.ok(!containers.some((c) => c.name.includes("node-3-") || c.name.includes("node-7-")));
            const member4 = members.find((r) => r.inputs.nodeId === 4)!;
            const node4 = regs.find((r) => r.type === "tugraph:index:RaftNode" && r.name === "tugraph-node-4")!;
            assert.ok(node4.dependencies.includes(member4.urn), "node 4 starts only after its add");
        });
    }

    it("RaftMember and RaftRemoval register with the documented inputs and a secret password output", async () => {
        const regs = await recordRegistrations(() => {
            const r = new RaftRemoval("rm-3", {
                nodeId: 3, seeds: ["127.0.0.1:7687"], adminUser: "admin", adminPassword: pulumi.secret(PASSWORD),
                callTimeoutMs: 3000, totalTimeoutMs: 30000, minVoters: 3, allowUnsafeRemoval: false,
            });
            new RaftMember("m-4", {
                nodeId: 4, ip: "127.0.0.1", boltPort: 7690, raftPort: 9003, role: "voter", seeds: ["127.0.0.1:7687"],
                adminUser: "admin", adminPassword: pulumi.secret(PASSWORD), callTimeoutMs: 3000, totalTimeoutMs: 30000,
                initPeers: [],
            }, { dependsOn: [r] });
        });
        const [rm, m] = regs;
        assert.strictEqual(rm.type, "pulumi-nodejs:dynamic/tugraph:RaftRemoval");
        assert.strictEqual(m.type, "pulumi-nodejs:dynamic/tugraph:RaftMember");
        assert.deepStrictEqual(m.dependencies, [rm.urn]);
        assert.deepStrictEqual(m.additionalSecretOutputs, ["adminPassword"]);
        assert.strictEqual(typeof m.inputs.__provider, "string");
    });
});
