// Scenario: the program deployed by the step-order driver (test/engine/deployment.ts):
// membership resources through the real provider host, containers on a real Docker
// engine running the TuGraph simulator (test double) image. A 3-node cluster comes up
// from the rendered configs; growing the stack to 4 nodes leaves nodes 1-3 untouched
// (same containers, not restarted), the RaftMember provider adds node 4 on the live
// leader as a learner, DataSync copies a follower's data directory (stopped cleanly,
// streamed through the engine's API), node 4's container starts on that copy, catches
// up, and is promoted.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseClusterConfig } from "../../components/core/config";
import { ClusterConfig } from "../../components/core/types";
import { TuGraphCluster } from "../../components/resources/cluster";
import { discover } from "../../components/adapters/boltAdmin";
import { requireDocker, SIMULATOR_IMAGE, SIMULATOR_STACK_IMAGE } from "../docker/engine";
import { DEFAULT_PASSWORD, freePorts, runOn } from "../simulator/harness";
import { removeContainers, startedAt } from "./dockerApply";
import { Deployment } from "../engine/deployment";
import { dockerContainers } from "./dockerRealizer";

const PREFIX = "tugraph-ha-scenario-";

describe("scenario: the program's declarations on real Docker (simulator image)", function () {
    this.timeout(240_000);
    let root = "";
    let ports: number[] = [];

    before(async function () {
        await requireDocker(this);
        root = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-scenario-"));
        ports = await freePorts(12);
        await removeContainers([1, 2, 3, 4].map((i) => `${PREFIX}${i}`));
    });
    after(async () => {
        if (!root) return;
        await removeContainers([1, 2, 3, 4].map((i) => `${PREFIX}${i}`));
        fs.rmSync(root, { recursive: true, force: true });
    });

    const stack = (ids: number[], extra: Record<string, unknown> = {}): ClusterConfig => {
        const parsed = parseClusterConfig({
            adminPassword: DEFAULT_PASSWORD,
            containerPrefix: PREFIX,
            dataRoot: root,
            image: SIMULATOR_STACK_IMAGE, // DataSync's helper containers run the stack's image
            membership: { callTimeoutSeconds: 5, totalTimeoutSeconds: 60 },
            nodes: ids.map((id) => ({ id, ip: "127.0.0.1", boltPort: ports[id - 1], raftPort: ports[3 + id], webPort: ports[7 + id] })),
            ...extra,
        });
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
        return parsed.config;
    };
    const program = (cfg: ClusterConfig) => () => new TuGraphCluster("tugraph", { config: cfg, adminPassword: pulumi.secret(DEFAULT_PASSWORD) });
    const bolt = (id: number) => `127.0.0.1:${ports[id - 1]}`;
    const admin = (seeds: string[]) => ({ seeds, user: "admin", password: DEFAULT_PASSWORD, callTimeoutMs: 5000, totalTimeoutMs: 60_000 });

    async function leaderOf(ids: number[], timeoutMs = 60_000): Promise<number> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const d = await discover(admin(ids.map(bolt)));
            if (d.leaderId !== undefined) return d.leaderId;
            if (Date.now() > deadline) throw new Error(`no leader: ${d.errors.join("; ")}`);
            await new Promise((r) => setTimeout(r, 300));
        }
    }

    it("bootstraps 3 nodes from the rendered configs, grows to 4 without touching 1-3, and node 4 catches up", async () => {
        const grown = stack([1, 2, 3, 4], { bootstrap: [1, 2, 3] });
        const d = await new Deployment({
            realizers: { "docker:index/container:Container": dockerContainers({ image: SIMULATOR_IMAGE, waitHealthyMs: 60_000 }) },
        }).start();
        try {
            // 1. Bootstrap: `pulumi up` of the 3-node stack.
            const first = await d.upOk(program(stack([1, 2, 3])));
            assert.deepStrictEqual(
                first.steps.filter((s) => !s.preview && s.type.endsWith("Container")).map((s) => s.op),
                ["create", "create", "create"],
            );
            const leader = await leaderOf([1, 2, 3]);
            await runOn(bolt(leader), "CALL db.createVertexLabel('person', 'id' , 'id', 'INT32', false, 'count', 'INT64', false)");
            for (let i = 1; i <= 5; i++) await runOn(bolt(leader), `CREATE (n:person {id: ${i}, count: ${i * 10}})`);
            const before = await Promise.all([1, 2, 3].map((id) => startedAt(`${PREFIX}${id}`)));

            // 2. Grow the stack: node 4 joins; bootstrap members' containers are the same.
            const up = await d.upOk(program(grown));
            for (const id of [1, 2, 3]) assert.strictEqual(up.steps.find((s) => !s.preview && s.name === `tugraph-node-${id}-container`)?.op, "same");
            assert.deepStrictEqual(
                up.steps.filter((s) => !s.preview && s.op !== "same" && /member|sync|promotion|node-4/.test(s.name)).map((s) => `${s.op} ${s.name}`),
                ["create tugraph-member-4", "create tugraph-sync-4", "create tugraph-node-4-container", "create tugraph-promotion-4"],
            );
            const sync = d.get("DataSync", "tugraph-sync-4")!.outputs;
            const copiedFrom: number = sync.donorId;
            assert.notStrictEqual(copiedFrom, leader, "the leader is never the donor while another member can donate");
            assert.ok(sync.files > 0 && sync.bytes > 0, JSON.stringify(sync));
            assert.deepStrictEqual(
                d.get("RaftMember", "tugraph-member-4")!.outputs.initPeers.map((p: any) => p.bolt_raft_node_id),
                [1, 2, 3, 4],
            );
            const untouched = await Promise.all([1, 2, 3].filter((id) => id !== copiedFrom).map((id) => startedAt(`${PREFIX}${id}`)));
            assert.deepStrictEqual(
                untouched,
                [1, 2, 3].filter((id) => id !== copiedFrom).map((id) => before[id - 1]),
                "nodes not used as copy source were not restarted",
            );

            // 3. Node 4 is a member and has the data written before it joined, and after.
            const leader2 = await leaderOf([1, 2, 3, 4]);
            await runOn(bolt(leader2), "CREATE (n:person {id: 6, count: 60})");
            await waitUntil(async () => Number((await runOn(bolt(4), "MATCH (n:person) RETURN count(n)"))[0]["count(n)"]) === 6);
            const members = (await runOn(bolt(leader2), "CALL db.bolt.listRaftNodes()")).map((r: any) => Number(r.node_id)).sort();
            assert.deepStrictEqual(members, [1, 2, 3, 4]);

            // 4. Refresh through the real host changes nothing.
            assert.deepStrictEqual((await d.refresh()).errors, []);
        } finally {
            await d.stop();
        }
    });
});

async function waitUntil(cond: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
        try {
            if (await cond()) return;
        } catch (e) {
            last = e;
        }
        await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ""}`);
}
