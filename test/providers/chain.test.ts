// Under Pulumi mocks: the cluster component wires every membership resource
// to exactly the one before it (removals first, then additions), so the
// engine runs membership changes one at a time; the password output is
// registered secret.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { parseClusterConfig } from "../../components/core/config";
import { planChanges } from "../../components/core/changePlan";
import type { ClusterConfig } from "../../components/core/types";
import { plannedNodes, TuGraphCluster } from "../../components/resources/cluster";
import { RaftMember } from "../../components/providers/raftMember";
import { RaftRemoval } from "../../components/providers/raftRemoval";
import { recordRegistrations } from "../mocks/program";

const PASSWORD = "chain-test-Pa55";
const node = (id: number, extra: Record<string, unknown> = {}) => ({
    id,
    ip: "127.0.0.1",
    boltPort: 7686 + id,
    raftPort: 8999 + id,
    webPort: 7069 + id,
    ...extra,
});
function config(raw: Record<string, unknown>): ClusterConfig {
    const parsed = parseClusterConfig({ adminPassword: PASSWORD, ...raw });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return parsed.config;
}

describe("membership chain under Pulumi mocks", function () {
    this.timeout(60_000);

    for (const preview of [false, true]) {
        it(`every membership change depends on exactly the previous one, in the planner's order (${preview ? "preview" : "up"})`, async () => {
            const cfg = config({
                nodes: [node(1), node(2), node(3, { removed: true }), node(6), node(4, { role: "learner" }), node(5), node(7, { removed: true })],
                bootstrap: [1, 2, 3],
            });
            const regs = await recordRegistrations(() => new TuGraphCluster("tugraph", { config: cfg, adminPassword: pulumi.secret(PASSWORD) }), { preview });
            const byName = (n: string) => regs.find((r) => r.name === `tugraph-${n}`);
            // Without a live view the planner keeps the config's order: tombstones, then joins, by id.
            const plan = planChanges(plannedNodes(cfg), undefined, { minVoters: 3, allowUnsafeRemoval: false });
            assert.deepStrictEqual(
                plan.chain.map((c) => `${c.kind}${c.nodeId}`),
                ["remove3", "remove7", "join4", "join5", "join6"],
            );
            // Each chain item's resources, in order; each waits for exactly the one before it.
            const expected: string[] = [];
            for (const c of plan.chain) {
                if (c.kind === "remove") expected.push(`removal-${c.nodeId}`, `retired-${c.nodeId}`);
                else {
                    expected.push(`member-${c.nodeId}`, `sync-${c.nodeId}`, `node-${c.nodeId}-container`, `ready-${c.nodeId}`);
                    if (c.nodeId !== 4) expected.push(`promotion-${c.nodeId}`); // 4 is declared a learner: it stays one
                }
            }
            const chainUrns = new Set(expected.map((n) => byName(n)!.urn));
            expected.forEach((n, i) => {
                const r = byName(n);
                assert.ok(r, `${n} is registered`);
                // (A joiner's container, and its readiness through the container's spec, also take its init
                // peers from its own add: an input dependency.)
                const own = /-container$|^ready-/.test(n) ? byName(`member-${n.split("-")[1]}`)!.urn : undefined;
                const deps = r!.dependencies.filter((u) => chainUrns.has(u) && u !== own);
                if (i === 0) {
                    assert.deepStrictEqual(deps, [], "the first change waits for no other change");
                    assert.ok(
                        r!.dependencies.some((u) => u.endsWith("::tugraph-record")),
                        "the first change waits for the cluster record",
                    );
                    assert.ok(
                        r!.dependencies.some((u) => u.endsWith("::tugraph-ready-2")),
                        "and for the last bootstrap node to be ready (3 is tombstoned)",
                    );
                } else {
                    assert.deepStrictEqual(deps, [byName(expected[i - 1])!.urn], `${n} waits for exactly ${expected[i - 1]}`);
                }
                if (r!.type.startsWith("pulumi-nodejs:") && !n.startsWith("retired")) {
                    assert.ok(r!.additionalSecretOutputs.includes("adminPassword"), `${n}: the password is a secret output`);
                    assert.ok(!String(r!.inputs.__provider ?? "").includes(PASSWORD), "the provider text holds no password");
                }
            });
            // The bootstrap members roll one at a time: container, then its readiness, then the next.
            const roll = ["roll-gate", "node-1-container", "ready-1", "node-2-container", "ready-2"];
            roll.slice(1).forEach((n, i) => assert.ok(byName(n)!.dependencies.includes(byName(roll[i])!.urn), `${n} waits for ${roll[i]}`));
            // Joiners are added as learners; a tombstoned node has no container (it is stopped, then dropped).
            assert.deepStrictEqual(
                ["member-4", "member-5", "member-6"].map((n) => byName(n)!.inputs.joinAs),
                ["learner", "learner", "learner"],
            );
            const containers = regs.filter((r) => r.type === "docker:index/container:Container");
            assert.ok(!containers.some((c) => c.name.includes("node-3-") || c.name.includes("node-7-")));
        });
    }

    it("RaftMember and RaftRemoval register with the documented inputs and a secret password output", async () => {
        const regs = await recordRegistrations(() => {
            const r = new RaftRemoval("rm-3", {
                nodeId: 3,
                seeds: ["127.0.0.1:7687"],
                adminUser: "admin",
                adminPassword: pulumi.secret(PASSWORD),
                callTimeoutMs: 3000,
                totalTimeoutMs: 30000,
                minVoters: 3,
                allowUnsafeRemoval: false,
            });
            new RaftMember(
                "m-4",
                {
                    nodeId: 4,
                    ip: "127.0.0.1",
                    boltPort: 7690,
                    raftPort: 9003,
                    role: "voter",
                    seeds: ["127.0.0.1:7687"],
                    adminUser: "admin",
                    adminPassword: pulumi.secret(PASSWORD),
                    callTimeoutMs: 3000,
                    totalTimeoutMs: 30000,
                    initPeers: [],
                },
                { dependsOn: [r] },
            );
        });
        const [rm, m] = regs;
        assert.strictEqual(rm.type, "pulumi-nodejs:dynamic/tugraph:RaftRemoval");
        assert.strictEqual(m.type, "pulumi-nodejs:dynamic/tugraph:RaftMember");
        assert.deepStrictEqual(m.dependencies, [rm.urn]);
        assert.deepStrictEqual(m.additionalSecretOutputs, ["adminPassword"]);
        assert.strictEqual(typeof m.inputs.__provider, "string");
    });
});
