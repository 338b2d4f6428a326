// Two scenarios on the REAL engine and Docker plugin (simulator image, a test double):
//   - replacement on one host: tombstone 3 and node 4 on 3's ports. Refused as a whole without
//     allowWriteOutageForSync (nothing changes); with it, 3 is removed and its container stopped
//     before 4's starts on the same ports, 4 joins from a copy and is promoted, the engine deletes
//     3's container at the end, and 3's data directory stays;
//   - the admin password, a secret of the stack: set on a new cluster, rotated by a later `up`;
//     neither password is in the CLI's output or in any node's log (TuGraph logs refused passwords),
//     and a grow after the rotation logs in with the new one.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { docker } from "../docker/engine";
import { runOn } from "../simulator/harness";
import { listRaftNodes } from "../../components/adapters/boltAdmin";
import { RealStack } from "./realPulumi";
import { leaderAmong, waitFor, realCluster } from "./support";

describe("real engine: replacement on one host (tombstone 3, node 4 on its ports)", function () {
    this.timeout(600_000);
    const PREFIX = "tugraph-ha-real-repl-";
    const s = realCluster(PREFIX);
    const config = (nodes: Record<string, unknown>[], membership: Record<string, unknown> = {}) => s.config(nodes, { membership });
    const bolt = s.bolt;

    it("refused without allowWriteOutageForSync; with it, 3 stops first, 4 runs on its ports with the data, 3's data stays", async () => {
        s.stack = await RealStack.create("repl", { config: config([1, 2, 3].map((id) => s.node(id))) });
        await s.stack.up();
        const leader = await leaderAmong([1, 2, 3].map(bolt));
        await runOn(leader, "CALL db.createVertexLabel('w', 'id', 'id', 'INT64', false)");
        for (let i = 1; i <= 5; i++) await runOn(leader, `CREATE (n:w {id: ${i}})`);

        const moved = [s.node(1), s.node(2), s.node(3, { removed: true }), s.node(4, { portsOf: 3 })];
        await s.stack.setConfig(config(moved));
        await assert.rejects(s.stack.up(), (e: Error) =>
            /refusing the whole membership plan, nothing was changed[\s\S]*allowWriteOutageForSync/.test(e.message),
        );
        const ids = async (at: string) => (await runOn(at, "CALL db.bolt.listRaftNodes()")).map((r) => Number(r.node_id)).sort();
        assert.deepStrictEqual(await ids(await leaderAmong([1, 2, 3].map(bolt))), [1, 2, 3]);

        await s.stack.setConfig(config(moved, { allowWriteOutageForSync: true }));
        const up = await s.stack.up();
        const step = (n: string) => up.steps.find((x) => x.name === n && x.op !== "same");
        assert.ok(step("tugraph-retired-3")!.end! <= step("tugraph-node-4-container")!.start, "3's container stopped before 4's started");
        assert.strictEqual(step("tugraph-node-3-container")?.op, "delete", "the engine deletes 3's container at the end");
        assert.strictEqual((await docker(["inspect", s.names[2]], { host: s.host })).code === 0, false, "3's container is gone");
        const status = JSON.parse(String((await runOn(bolt(3), "CALL db.bolt.getRaftStatus()"))[0].status));
        assert.strictEqual(status.id, "4", "node 4 runs on node 3's ports");
        assert.deepStrictEqual(await ids(await leaderAmong([1, 2, 3].map(bolt))), [1, 2, 4]);
        assert.ok(step("tugraph-promotion-4"), "4 was promoted");
        await waitFor(async () => (await runOn(bolt(3), "MATCH (n:w) RETURN n.id")).length === 5);
        assert.ok(fs.existsSync(path.join(s.root, "node-3", "data", "raftlog")), "node 3's data directory stays");
    });
});

describe("real engine on namespace hosts: the admin password as a stack secret, set and rotated", function () {
    this.timeout(600_000);
    const PREFIX = "tugraph-ha-real-pw-";
    // The manual's layout: every node on a namespace host of its own, reached over ssh://.
    const s = realCluster(PREFIX, { hosts: 4, via: "ssh" });
    const FIRST = "First-Secret-1a2b";
    const SECOND = "Second-Secret-3c4d";
    // No adminPassword in the plain config: it is a secret of the stack (RealStack's `secrets`).
    const config = (ids: number[]) => {
        const { adminPassword: _plain, ...rest } = s.config(ids);
        return rest;
    };
    const login = (password: string) => listRaftNodes({ seeds: [], user: "admin", password, callTimeoutMs: 5000, totalTimeoutMs: 5000 }, s.bolt(1));
    const nodeLogs = (ids: number[]) => ids.map(s.log).join("\n");

    it("set on create, rotated by the next up, used by a grow; no password in the CLI's output or a node's log", async () => {
        s.stack = await RealStack.create("pw", { config: config([1, 2, 3]), secrets: { adminPassword: FIRST } });
        const first = await s.stack.up();
        assert.strictEqual(first.steps.find((x) => x.name === "tugraph-admin-password")?.op, "create");
        assert.strictEqual((await login(FIRST)).length, 3);

        await s.stack.setConfig(config([1, 2, 3]), { adminPassword: SECOND });
        const preview = await s.stack.preview();
        const second = await s.stack.up();
        assert.strictEqual(second.steps.find((x) => x.name === "tugraph-admin-password")?.op, "update");
        assert.strictEqual((await login(SECOND)).length, 3);

        await s.stack.setConfig(config([1, 2, 3, 4]));
        const grown = await s.stack.up();
        assert.ok(
            grown.steps.some((x) => x.name === "tugraph-promotion-4" && x.op === "create"),
            "node 4 joined with the new password",
        );
        const refreshed = await s.stack.refresh();

        const shown = [first, preview, second, grown, refreshed].map((r) => r.stdout + r.diagnostics.map((d) => d.message).join("\n")).join("\n");
        const logs = nodeLogs([1, 2, 3, 4]);
        for (const pw of [FIRST, SECOND]) {
            assert.ok(!shown.includes(pw), "a password in the CLI's output");
            assert.ok(!logs.includes(pw), "a stack password in a node's log");
            assert.ok(!fs.readFileSync(s.stack.stackFile, "utf8").includes(pw), "a password in plain text in the stack file");
        }
        assert.doesNotMatch(logs, /authentication failed/, "no login was refused, so no password was logged");
    });
});
