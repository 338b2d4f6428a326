// Rolling changes on the REAL engine and Docker plugin (simulator image, a test double): the
// plugin replaces a container (delete first: fixed names) with the container's destroy grace,
// so each node stops cleanly; the RollGate and NodeReady gates make it one node at a time, the
// leader last. A writer runs through neo4j:// the whole time: no acknowledged write is lost.
// The real RemoteImage reads an image by its content: a new tag of the same content rolls nothing.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { docker, dockerOk, SIMULATOR_IMAGE } from "../docker/engine";
import { removeContainers } from "../scenario/dockerApply";
import { startWriter } from "../scenario/writer";
import { RealStack } from "./realPulumi";
import { leaderAmong, realCluster } from "./support";

const PREFIX = "tugraph-ha-real-roll-";
const V1 = "tugraph-simulator:real-roll-1";
const V1_RETAG = "tugraph-simulator:real-roll-1b"; // the same content under another tag
const V2 = "tugraph-simulator:real-roll-2"; // other content (a committed layer): an upgrade

describe("real engine: a rolling image upgrade with a writer", function () {
    this.timeout(600_000);
    const c = realCluster(PREFIX);
    const { host } = c;
    const names = c.names.slice(0, 3);

    before(async function () {
        if (!c.root) return; // skipped
        await removeContainers([`${PREFIX}commit`], host);
        await dockerOk(["tag", SIMULATOR_IMAGE, V1], { host });
        await dockerOk(["tag", SIMULATOR_IMAGE, V1_RETAG], { host });
        await dockerOk(["create", "--name", `${PREFIX}commit`, SIMULATOR_IMAGE, "true"], { host });
        await dockerOk(["commit", "-c", "LABEL tugraph-ha.test=v2", `${PREFIX}commit`, V2], { host });
        await removeContainers([`${PREFIX}commit`], host);
    });
    after(async () => {
        for (const i of [V1, V1_RETAG, V2]) await docker(["rmi", i], { host });
    });

    const config = (image: string) => c.config([1, 2, 3], { image, membership: { totalTimeoutSeconds: 90 } });
    const seeds = () => [1, 2, 3].map(c.bolt);
    const imageOf = async (name: string) => (await dockerOk(["inspect", "-f", "{{.Config.Image}}", name], { host })).trim();

    it("a re-tag of the same content rolls nothing; an upgrade rolls one node at a time, leader last, every stop clean, no write lost", async () => {
        c.stack = await RealStack.create("roll", { config: config(V1) });
        await c.stack.up();
        const leaderAddr = await leaderAmong(seeds());
        const leader = seeds().indexOf(leaderAddr) + 1;

        // The same content under another tag: the image resource is replaced, no container is. (The
        // preview cannot know that: the image id is unknown until the image is read again, so it
        // shows the containers as replaced; the update then finds the same id.)
        await c.stack.setConfig(config(V1_RETAG));
        const retag = await c.stack.preview();
        assert.match(retag.stdout, /\+-docker:index\/remoteImage:RemoteImage: \(replace\)/, retag.stdout);
        const before = await Promise.all(names.map((n) => dockerOk(["inspect", "-f", "{{.Id}} {{.State.StartedAt}}", n], { host })));
        const retagged = await c.stack.up();
        assert.deepStrictEqual(
            retagged.steps.filter((s) => s.type === "docker:index/container:Container").map((s) => s.op),
            ["same", "same", "same"],
            "no container is replaced",
        );
        assert.deepStrictEqual(await Promise.all(names.map((n) => dockerOk(["inspect", "-f", "{{.Id}} {{.State.StartedAt}}", n], { host }))), before);

        // An upgrade with a writer running.
        await c.stack.setConfig(config(V2));
        const writer = await startWriter(seeds());
        const t0 = Date.now();
        const up = await c.stack.up();
        const rollMs = Date.now() - t0;
        const w = await writer.stop();
        const containers = up.steps.filter((s) => s.type === "docker:index/container:Container" && s.op !== "same");
        const order = [...new Set(containers.map((s) => Number(/node-(\d+)-/.exec(s.name)![1])))];
        assert.strictEqual(order.length, 3, JSON.stringify(containers));
        assert.strictEqual(order[2], leader, `the leader (${leader}) goes last: ${order}`);
        const ready = (id: number) => up.steps.find((s) => s.name === `tugraph-ready-${id}` && s.op !== "same");
        for (let i = 1; i < order.length; i++) {
            const next = containers.filter((s) => s.name === `tugraph-node-${order[i]}-container`).map((s) => s.start);
            assert.ok(
                ready(order[i - 1])?.end !== undefined && Math.min(...next) >= ready(order[i - 1])!.end!,
                `node ${order[i]} waited for node ${order[i - 1]}`,
            );
        }
        const v2 = (await dockerOk(["image", "inspect", "-f", "{{.Id}}", V2], { host })).trim();
        for (const n of names) assert.strictEqual(await imageOf(n), v2, "the plugin runs the image by its id");
        for (const id of [1, 2, 3]) {
            const lines = fs.readFileSync(path.join(c.root, `node-${id}`, "log", "lgraph.log"), "utf8").split("\n");
            assert.strictEqual(lines.filter((l) => /shutdown complete/.test(l)).length, 1, `node ${id} stopped cleanly once`);
        }
        assert.ok(w.acknowledged > 0 && w.lost.length === 0, `acknowledged ${w.acknowledged}, lost ${w.lost.join(",")}`);
        const perNode = order.map((id) => {
            const steps = up.steps.filter((s) => s.name === `tugraph-node-${id}-container` || s.name === `tugraph-ready-${id}`);
            return Math.max(...steps.map((s) => s.end ?? s.start)) - Math.min(...steps.map((s) => s.start));
        });
        console.log(
            `      real engine, rolling image upgrade of 3 nodes: ${rollMs} ms in all, per node (replace + ready) ${perNode.join(", ")} ms; ` +
                `${w.acknowledged} writes acknowledged, 0 lost, longest write gap ${w.longestGapMs} ms, ${w.retries} retries`,
        );
    });
});
