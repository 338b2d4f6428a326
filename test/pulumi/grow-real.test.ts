// Scenario on the REAL engine: the CLI and the Docker plugin built by .ci/pulumi/build.sh,
// index.ts as the program, containers of the TuGraph simulator (test double) image on a
// real Docker engine. `pulumi up` bootstraps 3 nodes; `pulumi preview` of a grown stack
// shows node 4's resources; `pulumi up` adds node 4 (learner, copy, container, promotion)
// without replacing 1-3; `pulumi refresh` succeeds and changes nothing, and records a member
// removed outside the stack, which the next `pulumi up` refuses with its fix; `pulumi destroy`
// removes the containers and keeps every data directory.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { docker } from "../docker/engine";
import { runOn } from "../simulator/harness";
import { startedAt } from "../scenario/dockerApply";
import { RealStack } from "./realPulumi";
import { waitFor, leaderAmong, realCluster } from "./support";

const PREFIX = "tugraph-ha-real-grow-";

describe("real engine: grow 3 -> 4 with pulumi preview, up, refresh and destroy", function () {
    this.timeout(600_000);
    const c = realCluster(PREFIX);
    const { host, names } = c;
    const config = (ids: number[], extra: Record<string, unknown> = {}) => c.config(ids, extra);
    const bolt = c.bolt;

    it("bootstraps, previews and applies a grow, refreshes clean, destroys the containers and keeps the data", async () => {
        c.stack = await RealStack.create("grow", { config: config([1, 2, 3], { bootstrap: [1, 2, 3] }) });

        // 1. First `pulumi up`: three bootstrap containers, a leader.
        const first = await c.stack.up();
        assert.deepStrictEqual(Object.keys(first.summary ?? {}), ["create"], first.stdout);
        for (const id of [1, 2, 3]) assert.ok(await startedAt(`${PREFIX}${id}`, host), `node ${id}'s container runs`);
        assert.doesNotMatch(first.stdout, /warning: using pulumi-resource/, "the plugins are the registered ones");
        const leader = await leaderAmong([1, 2, 3].map(bolt));
        await runOn(leader, "CALL db.createVertexLabel('person', 'id' , 'id', 'INT32', false)");
        for (let i = 1; i <= 5; i++) await runOn(leader, `CREATE (n:person {id: ${i}})`);
        const before = await Promise.all([1, 2, 3].map((id) => startedAt(`${PREFIX}${id}`, host)));

        // 2. `pulumi preview` of the grown stack names node 4's resources and changes nothing else.
        await c.stack.setConfig(config([1, 2, 3, 4], { bootstrap: [1, 2, 3] }));
        const preview = await c.stack.preview();
        for (const r of ["tugraph-member-4", "tugraph-sync-4", "tugraph-node-4-container", "tugraph-promotion-4"]) {
            assert.match(preview.stdout, new RegExp(`\\+ \\S+: \\(create\\)\\n\\s+\\[urn=\\S+::${r}\\]`), `preview shows ${r}:\n${preview.stdout}`);
        }
        assert.ok(
            !/tugraph-node-[123]-container/.test(
                preview.stdout
                    .split("\n")
                    .filter((l) => /^\s*[-+~]/.test(l))
                    .join("\n"),
            ),
            preview.stdout,
        );

        // 3. `pulumi up`: node 4 joins; 1-3's containers are the same (only a donor restarts).
        const grown = await c.stack.up();
        assert.ok((grown.summary?.create ?? 0) >= 4, grown.stdout);
        assert.ok(!grown.summary?.replace && !grown.summary?.delete, JSON.stringify(grown.summary));
        const sync = (await c.stack.resources()).find((r) => r.urn.endsWith("::tugraph-sync-4"))!;
        assert.ok(
            (sync.dependencies ?? []).some((u) => u.includes("RemoteImage::tugraph-image-")),
            `the copy's helpers wait for the host's image: ${JSON.stringify(sync.dependencies)}`,
        );
        const donor = Number(sync.outputs?.donorId);
        assert.notStrictEqual(donor, [1, 2, 3].map(bolt).indexOf(leader) + 1, "the leader is never the donor while another member can donate");
        assert.ok(Number(sync.outputs?.files) > 0 && Number(sync.outputs?.bytes) > 0, JSON.stringify(sync.outputs));
        const member4 = (await c.stack.resources()).find((r) => r.urn.endsWith("::tugraph-member-4"))!;
        assert.deepStrictEqual(
            (member4.outputs?.initPeers as { bolt_raft_node_id: number }[]).map((p) => p.bolt_raft_node_id),
            [1, 2, 3, 4],
            "node 4's init peers are the membership right after its add",
        );
        for (const id of [1, 2, 3].filter((i) => i !== donor))
            assert.strictEqual(await startedAt(`${PREFIX}${id}`, host), before[id - 1], `node ${id} untouched`);
        const leader2 = await leaderAmong([1, 2, 3, 4].map(bolt));
        await runOn(leader2, "CREATE (n:person {id: 6})");
        await waitFor(async () => Number((await runOn(bolt(4), "MATCH (n:person) RETURN count(n)"))[0]["count(n)"]) === 6);
        // (the listing keeps is_learner for a promoted node, as TuGraph's does: ids only)
        const members = (await runOn(leader2, "CALL db.bolt.listRaftNodes()")).map((r) => Number(r.node_id));
        assert.deepStrictEqual(members.sort(), [1, 2, 3, 4]);

        // 4. `pulumi refresh` succeeds and finds nothing changed; a following preview is empty.
        const refreshed = await c.stack.refresh();
        assert.ok(!refreshed.summary?.update && !refreshed.summary?.delete, refreshed.stdout);
        const again = await c.stack.preview();
        assert.deepStrictEqual(
            Object.keys(again.summary ?? {}).filter((k) => k !== "same"),
            [],
            again.stdout,
        );

        // 5. Node 4 removed outside the stack: `pulumi refresh` succeeds and records the drift (the
        //    real engine fails a refresh whose Diff throws); the next `pulumi up` refuses, naming the fix.
        await runOn(await leaderAmong([1, 2, 3].map(bolt)), "CALL db.bolt.removeRaftNode(4)");
        const drifted = await c.stack.refresh();
        assert.match(drifted.stdout, /~ .*tugraph-member-4/, drifted.stdout);
        const m4 = (await c.stack.resources()).find((r) => r.urn.endsWith("::tugraph-member-4"))!;
        assert.strictEqual(m4.outputs?.driftKind, "removed", JSON.stringify(m4.outputs));
        await assert.rejects(c.stack.up(), (e: Error) => /set `removed: true` on node 4/.test(e.message));
        const after = (await runOn(await leaderAmong([1, 2, 3].map(bolt)), "CALL db.bolt.listRaftNodes()")).map((r) => Number(r.node_id));
        assert.deepStrictEqual(after.sort(), [1, 2, 3], "nothing was added back");

        // 6. `pulumi destroy`: containers gone, data directories kept, membership untouched on disk.
        await c.stack.destroy();
        for (const n of names) assert.notStrictEqual((await docker(["inspect", n], { host })).code, 0, `${n} is removed`);
        for (const id of [1, 2, 3, 4]) assert.ok(fs.readdirSync(path.join(c.root, `node-${id}`, "data")).length > 0, `node ${id}'s data stays`);
        // Every stop was clean (destroyGraceSeconds): each start of a node's server is followed by its own shutdown.
        for (const id of [1, 2, 3, 4]) {
            const lines = fs.readFileSync(path.join(c.root, `node-${id}`, "log", "lgraph.log"), "utf8").split("\n");
            const starts = lines.filter((l) => / starting: /.test(l)).length;
            const clean = lines.filter((l) => /shutdown complete/.test(l)).length;
            assert.strictEqual(clean, starts, `node ${id} stopped cleanly each time it ran:\n${lines.slice(-6).join("\n")}`);
        }
    });
});
