// The deploying process killed for real: the `pulumi` CLI itself gets SIGKILL in the middle of a
// grow (while node 4's data copy runs), on the real engine with the Docker plugin (simulator image,
// a test double). What it leaves behind: the engine's pending operation for the step it was in, the
// donor stopped by the copy, a helper container, and the dead CLI's lock on the stack. The next
// `pulumi up` fails on the lock and names `pulumi cancel`; after it, `pulumi up` converges (the copy
// runs again, node 4 joins, no acknowledged write is lost) with the engine's warning about the
// pending operation, which `pulumi refresh --clear-pending-creates` then drops.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { docker } from "../docker/engine";
import { runOn } from "../simulator/harness";
import { RealStack } from "./realPulumi";
import { leaderAmong, waitFor, realCluster } from "./support";

const PREFIX = "tugraph-ha-real-killed-";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("real engine: the pulumi process killed in the middle of a grow", function () {
    this.timeout(600_000);
    const c = realCluster(PREFIX);
    const { host } = c;
    const config = (ids: number[]) => c.config(ids);
    const bolt = c.bolt;

    it("SIGKILL of pulumi during node 4's copy: the next up converges with every write kept", async () => {
        c.stack = await RealStack.create("killed", { config: config([1, 2, 3]) });
        await c.stack.up();
        let leader = await leaderAmong([1, 2, 3].map(bolt));
        await runOn(leader, "CALL db.createVertexLabel('w', 'id' , 'id', 'INT32', false)");
        for (let i = 1; i <= 20; i++) await runOn(leader, `CREATE (n:w {id: ${i}})`);

        // Grow; kill the CLI as soon as the engine has started node 4's DataSync.
        await c.stack.setConfig(config([1, 2, 3, 4]));
        const up = c.stack.up().then(
            () => "finished",
            (e: Error) => `failed: ${e.message.split("\n")[0]}`,
        );
        let killed = "";
        await waitFor(async () => {
            const pending = (await c.stack!.stateFile()).pending_operations ?? [];
            if (!pending.some((p) => p.resource.urn.endsWith("::tugraph-sync-4"))) return false;
            killed = execFileSync("pgrep", ["-f", `bin/pulumi up .*--stack killed`], { encoding: "utf8" }).trim();
            for (const pid of killed.split("\n")) process.kill(Number(pid), "SIGKILL");
            return true;
        }, 120_000);
        const outcome = await up;
        assert.match(outcome, /^failed/, "the CLI died");
        assert.ok(killed, "the CLI was found and killed");

        // What it leaves behind.
        const state = await c.stack.stateFile();
        const pending = (state.pending_operations ?? []).map((p) => `${p.type} ${p.resource.urn.split("::").pop()}`);
        console.log(`      left behind: pending operations [${pending.join(", ")}]`);
        assert.ok(pending.includes("creating tugraph-sync-4"), JSON.stringify(pending));
        await sleep(1000);

        // The next `pulumi up` meets the dead CLI's lock (the file backend's), which names the fix.
        await assert.rejects(c.stack.up(), (e: Error) => /the stack is currently locked/.test(e.message) && /pulumi cancel/.test(e.message));
        await c.stack.stack.cancel();

        // After `pulumi cancel`, the next `pulumi up` converges.
        const again = await c.stack.up();
        console.log(
            `      the next up: ${JSON.stringify(again.summary)}; its warnings: ${again.diagnostics
                .filter((d) => d.severity === "warning")
                .map((d) => d.message.split("\n")[0])
                .join(" | ")}`,
        );
        assert.ok(
            again.diagnostics.some((d) => /Attempting to deploy or update resources with 1 pending operations/.test(d.message)),
            "the engine warns about the interrupted create",
        );
        leader = await leaderAmong([1, 2, 3, 4].map(bolt));
        await runOn(leader, "CREATE (n:w {id: 21})");
        for (const id of [1, 2, 3, 4]) {
            await waitFor(async () => Number((await runOn(bolt(id), "MATCH (n:w) RETURN count(n)"))[0]["count(n)"]) === 21, 30_000);
        }
        const members = (await runOn(leader, "CALL db.bolt.listRaftNodes()")).map((r) => Number(r.node_id));
        assert.deepStrictEqual(members.sort(), [1, 2, 3, 4]);
        for (const id of [1, 2, 3, 4]) assert.ok(fs.readdirSync(path.join(c.root, `node-${id}`, "data")).length > 0, `node ${id}'s data is there`);
        const helpers = (
            await docker(["ps", "-a", "--filter", "label=tugraph-ha.helper=datasync", "--format", "{{.Names}} {{.Status}}"], { host })
        ).stdout.trim();
        console.log(`      helper containers after the re-run: ${helpers || "none"}`);

        // The record of the interrupted create stays until it is cleared (a DataSync has nothing to import).
        const leftover = ((await c.stack.stateFile()).pending_operations ?? []).map((p) => `${p.type} ${p.resource.urn.split("::").pop()}`);
        console.log(`      pending operations after the converging up: [${leftover.join(", ")}]`);
        await c.stack.refresh({ clearPendingCreates: true });
        assert.deepStrictEqual((await c.stack.stateFile()).pending_operations ?? [], [], "pulumi refresh --clear-pending-creates clears it");
        const clean = await c.stack.preview();
        assert.deepStrictEqual(
            Object.keys(clean.summary ?? {}).filter((k) => k !== "same"),
            [],
            clean.stdout,
        );
    });
});
