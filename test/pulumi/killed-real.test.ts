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
import * as os from "os";
import * as path from "path";
import { docker, requireDocker, DEFAULT_DOCKER_HOST } from "../docker/engine";
import { DEFAULT_PASSWORD, freePorts, runOn } from "../simulator/harness";
import { removeContainers } from "../scenario/dockerApply";
import { RealStack, requirePulumi } from "./realPulumi";
import { leaderAmong, pinnedImage, waitFor } from "./support";

const PREFIX = "tugraph-ha-real-killed-";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("real engine: the pulumi process killed in the middle of a grow", function () {
    this.timeout(600_000);
    let root = "";
    let ports: number[] = [];
    let stack: RealStack | undefined;
    let image = "";
    const host = process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST;
    const names = [1, 2, 3, 4].map((i) => `${PREFIX}${i}`);

    before(async function () {
        requirePulumi(this);
        await requireDocker(this);
        root = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-real-killed-"));
        ports = await freePorts(12);
        await removeContainers(names, host);
        image = await pinnedImage("real-killed", host);
    });
    after(async () => {
        if (!root) return;
        await removeContainers(names, host);
        const helpers = (await docker(["ps", "-aq", "--filter", "label=tugraph-ha.helper=datasync"], { host })).stdout.split("\n").filter(Boolean);
        for (const h of helpers) await docker(["rm", "-f", h], { host });
        await docker(["rmi", image], { host });
        stack?.remove();
        fs.rmSync(root, { recursive: true, force: true });
    });

    const config = (ids: number[]) => ({
        image,
        adminUser: "admin",
        adminPassword: DEFAULT_PASSWORD,
        containerPrefix: PREFIX,
        dataRoot: root,
        bootstrap: [1, 2, 3],
        membership: { callTimeoutSeconds: 5, totalTimeoutSeconds: 60 },
        nodes: ids.map((id) => ({ id, ip: "127.0.0.1", boltPort: ports[id - 1], raftPort: ports[3 + id], webPort: ports[7 + id], dockerHost: host })),
    });
    const bolt = (id: number) => `127.0.0.1:${ports[id - 1]}`;

    it("SIGKILL of pulumi during node 4's copy: the next up converges with every write kept", async () => {
        stack = await RealStack.create("killed", { config: config([1, 2, 3]) });
        await stack.up();
        let leader = await leaderAmong([1, 2, 3].map(bolt));
        await runOn(leader, "CALL db.createVertexLabel('w', 'id' , 'id', 'INT32', false)");
        for (let i = 1; i <= 20; i++) await runOn(leader, `CREATE (n:w {id: ${i}})`);

        // Grow; kill the CLI as soon as the engine has started node 4's DataSync.
        await stack.setConfig(config([1, 2, 3, 4]));
        const up = stack.up().then(
            () => "finished",
            (e: Error) => `failed: ${e.message.split("\n")[0]}`,
        );
        let killed = "";
        await waitFor(async () => {
            const pending = (await stack!.stateFile()).pending_operations ?? [];
            if (!pending.some((p) => p.resource.urn.endsWith("::tugraph-sync-4"))) return false;
            killed = execFileSync("pgrep", ["-f", `bin/pulumi up .*--stack killed`], { encoding: "utf8" }).trim();
            for (const pid of killed.split("\n")) process.kill(Number(pid), "SIGKILL");
            return true;
        }, 120_000);
        const outcome = await up;
        assert.match(outcome, /^failed/, "the CLI died");
        assert.ok(killed, "the CLI was found and killed");

        // What it leaves behind.
        const state = await stack.stateFile();
        const pending = (state.pending_operations ?? []).map((p) => `${p.type} ${p.resource.urn.split("::").pop()}`);
        console.log(`      left behind: pending operations [${pending.join(", ")}]`);
        assert.ok(pending.includes("creating tugraph-sync-4"), JSON.stringify(pending));
        await sleep(1000);

        // The next `pulumi up` meets the dead CLI's lock (the file backend's), which names the fix.
        await assert.rejects(stack.up(), (e: Error) => /the stack is currently locked/.test(e.message) && /pulumi cancel/.test(e.message));
        await stack.stack.cancel();

        // After `pulumi cancel`, the next `pulumi up` converges.
        const again = await stack.up();
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
        for (const id of [1, 2, 3, 4]) assert.ok(fs.readdirSync(path.join(root, `node-${id}`, "data")).length > 0, `node ${id}'s data is there`);
        const helpers = (
            await docker(["ps", "-a", "--filter", "label=tugraph-ha.helper=datasync", "--format", "{{.Names}} {{.Status}}"], { host })
        ).stdout.trim();
        console.log(`      helper containers after the re-run: ${helpers || "none"}`);

        // The record of the interrupted create stays until it is cleared (a DataSync has nothing to import).
        const leftover = ((await stack.stateFile()).pending_operations ?? []).map((p) => `${p.type} ${p.resource.urn.split("::").pop()}`);
        console.log(`      pending operations after the converging up: [${leftover.join(", ")}]`);
        await stack.refresh({ clearPendingCreates: true });
        assert.deepStrictEqual((await stack.stateFile()).pending_operations ?? [], [], "pulumi refresh --clear-pending-creates clears it");
        const clean = await stack.preview();
        assert.deepStrictEqual(
            Object.keys(clean.summary ?? {}).filter((k) => k !== "same"),
            [],
            clean.stdout,
        );
    });
});
