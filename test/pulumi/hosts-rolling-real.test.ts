// Rolling changes on the REAL engine across namespace test hosts reached over ssh:// (the
// manual's layout, one node per host on 7687/8000/7070), a writer running through neo4j://:
//   1. an image upgrade rolls one node at a time, the leader last, no acknowledged write lost;
//   2. a roll back during which the deploying machine is cut off from the leader's host (the hosts
//      still reach each other): the update fails when it gets to that host, the nodes rolled so far
//      run the new image, the cluster keeps its leader and no write is lost; with the link back,
//      the next `up` finishes the roll.
import * as assert from "assert";
import { docker, dockerOk, SIMULATOR_IMAGE } from "../docker/engine";
import { startWriter } from "../scenario/writer";
import { DEPLOYER_IP, inHost } from "../hosts/namespaceHosts";
import { RealStack } from "./realPulumi";
import { leaderAmong, realCluster, waitFor } from "./support";

const PREFIX = "tugraph-ha-hroll-";
const V1 = "tugraph-simulator:hroll-1";
const V2 = "tugraph-simulator:hroll-2"; // other content (a committed layer): an upgrade
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("real engine on namespace hosts: rolling over ssh://, and the deploying machine cut off from a host mid-roll", function () {
    this.timeout(600_000);
    const c = realCluster(PREFIX, { hosts: 3, via: "ssh" });
    const ids = [1, 2, 3];
    const seeds = () => ids.map(c.bolt);
    const config = (image: string) => c.config(ids, { image, membership: { totalTimeoutSeconds: 90 } });
    const imageId = async (id: number, ref: string) => (await dockerOk(["image", "inspect", "-f", "{{.Id}}", ref], { host: c.hostOf(id).unix })).trim();
    const running = async (id: number) => (await dockerOk(["inspect", "-f", "{{.Image}}", `${PREFIX}${id}`], { host: c.hostOf(id).unix })).trim();
    const leaderId = async () => {
        const at = await leaderAmong(seeds());
        return ids.find((id) => c.bolt(id) === at)!;
    };

    before(async function () {
        if (!c.root) return; // skipped
        for (const h of c.hosts) {
            await dockerOk(["tag", SIMULATOR_IMAGE, V1], { host: h.unix });
            await docker(["rm", "-f", `${PREFIX}commit`], { host: h.unix });
            await dockerOk(["create", "--name", `${PREFIX}commit`, SIMULATOR_IMAGE, "true"], { host: h.unix });
            await dockerOk(["commit", "-c", "LABEL tugraph-ha.test=v2", `${PREFIX}commit`, V2], { host: h.unix });
            await docker(["rm", "-f", `${PREFIX}commit`], { host: h.unix });
        }
    });
    after(async () => {
        for (const h of c.hosts) {
            await inHost(h.index, ["iptables", "-F", "INPUT"]).catch(() => undefined);
            for (const i of [V1, V2]) await docker(["rmi", i], { host: h.unix });
        }
    });

    it("rolls an upgrade one host at a time, leader last; a roll back cut off from the leader's host fails there and the next up finishes it", async () => {
        c.stack = await RealStack.create("hroll", { config: config(V1) });
        await c.stack.up();
        const leader = await leaderId();

        // 1. The upgrade, with a writer running.
        await c.stack.setConfig(config(V2));
        let writer = await startWriter(seeds());
        const up = await c.stack.up();
        let w = await writer.stop();
        const order = [
            ...new Set(
                up.steps.filter((s) => s.type === "docker:index/container:Container" && s.op !== "same").map((s) => Number(/node-(\d+)-/.exec(s.name)![1])),
            ),
        ];
        assert.strictEqual(order.length, 3, JSON.stringify(up.steps.map((s) => `${s.name}:${s.op}`)));
        assert.strictEqual(order[2], leader, `the leader (${leader}) goes last: ${order}`);
        for (const id of ids) assert.strictEqual(await running(id), await imageId(id, V2), `node ${id} runs the upgrade`);
        assert.ok(w.acknowledged > 0 && w.lost.length === 0, `acknowledged ${w.acknowledged}, lost ${w.lost.join(",")}`);
        console.log(`      upgrade over ssh://: order ${order}, ${w.acknowledged} writes, 0 lost, longest gap ${w.longestGapMs} ms`);

        // 2. Roll back; once the first node has rolled, this machine loses the leader's host (ssh and Bolt).
        const leader2 = await leaderId();
        const h = c.hostOf(leader2).index;
        const cut = ["INPUT", "-s", DEPLOYER_IP, "-j", "DROP"];
        await c.stack.setConfig(config(V1));
        writer = await startWriter(seeds());
        let fired = false;
        let done = false;
        const watch = (async () => {
            while (!done) {
                for (const id of ids.filter((x) => x !== leader2)) {
                    if ((await running(id).catch(() => "")) === (await imageId(id, V1))) {
                        await inHost(h, ["iptables", "-I", ...cut]);
                        fired = true;
                        return id;
                    }
                }
                await sleep(100);
            }
            return undefined;
        })();
        const failed = await c.stack.up().then(
            () => undefined,
            (e: Error) => e.message,
        );
        done = true;
        const firstRolled = await watch;
        assert.ok(fired, "the cut fired (a follower had rolled)");
        const rolled = [];
        for (const id of ids.filter((x) => x !== leader2)) if ((await running(id)) === (await imageId(id, V1))) rolled.push(id);
        // (the leader's host is cut off from this machine, not from the others: it is still read through its own socket)
        const leaderImage = (await running(leader2)) === (await imageId(leader2, V1)) ? "V1" : "V2";
        console.log(
            `      cut off from th${h} (leader ${leader2}) once node ${firstRolled} rolled: update ${failed ? "failed" : "succeeded"}` +
                `${failed ? ` (${(failed.match(/error: [^\n]*/g) ?? []).slice(0, 2).join(" | ").slice(0, 400)})` : ""}; rolled ${rolled}, leader on ${leaderImage}`,
        );
        assert.ok(failed, "the update cannot reach the leader's host");
        assert.strictEqual(leaderImage, "V2", "the leader was not restarted behind a cut");
        await inHost(h, ["iptables", "-D", ...cut]);
        const preview = await c.stack.preview();
        console.log(`      preview after the cut healed: ${JSON.stringify(preview.summary)}`);
        await c.stack.up();
        w = await writer.stop();
        for (const id of ids) assert.strictEqual(await running(id), await imageId(id, V1), `node ${id} rolled back`);
        await waitFor(async () => (await leaderId()) > 0);
        assert.ok(w.lost.length === 0, `no acknowledged write lost (lost ${w.lost.join(",")})`);
        console.log(`      roll back finished by the next up: ${w.acknowledged} writes, 0 lost, longest gap ${w.longestGapMs} ms`);
    });
});
