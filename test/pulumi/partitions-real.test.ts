// Reshaping a cluster on the REAL engine across namespace test hosts (own addresses, the manual's
// ports, ssh:// engines), with a writer running through neo4j:// routing all along and a network
// fault during each change. Each fault's update is allowed to fail; the test writes down what it
// left behind and what `pulumi preview` says, then the next `pulumi up` (the network healed) must
// converge. At the end: one membership everywhere, no acknowledged write lost, no data directory
// deleted. Each host's link is rate-limited (tc) so that a copy lasts long enough to be hit.
//   1. add 4 (th4): the DONOR's host cut off mid-copy;
//   2. node 3's container killed, 3 replaced by 5 on the same host th3 and ports: the JOINER's host cut off mid-copy;
//   3. add learner 6 (th5): the LEADER's host cut off mid-copy;
//   4. remove learner 6 while the leader is isolated from the other hosts (the deploying machine still reaches it).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { docker } from "../docker/engine";
import { runOn } from "../simulator/harness";
import { Writer } from "../scenario/hosts";
import { cutHost, healHost, inHost } from "../hosts/namespaceHosts";
import { RealStack } from "./realPulumi";
import { leaderAmong, realCluster, waitFor } from "./support";

const PREFIX = "tugraph-ha-parts-";
const BALLAST = 192 * 1024 * 1024;
const RATE = ["root", "tbf", "rate", "400mbit", "burst", "256kb", "latency", "100ms"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("real engine on namespace hosts: reshaping with partitions, a writer running", function () {
    this.timeout(900_000);
    const c = realCluster(PREFIX, { hosts: 5, via: "ssh" });
    const report: Record<string, unknown> = {};
    let writer: Writer | undefined;
    let decl: Record<string, unknown>[] = [];
    let live: number[] = [];
    const note = (label: string, v: unknown) => {
        report[label] = v;
        console.log(`      ${label}: ${JSON.stringify(v)}`);
    };
    const cfg = () => c.config(decl, { bootstrap: [1, 2, 3], membership: { callTimeoutSeconds: 5, totalTimeoutSeconds: 90 } });
    /** The leader's node id (not its host: node 5 runs on th3). */
    const leader = async (ids = live) => {
        const at = await leaderAmong(ids.map(c.bolt), 60_000);
        return ids.find((id) => c.bolt(id) === at)!;
    };
    const nodeOnHost = (h: number) => live.find((id) => c.hostOf(id).index === h);

    before(async function () {
        if (!c.root) return;
        for (const h of c.hosts) await inHost(h.index, ["tc", "qdisc", "replace", "dev", `${h.name}-ns`, ...RATE]);
    });
    after(async function () {
        this.timeout(120_000);
        await writer?.stop();
        for (const h of c.hosts) {
            await healHost(h.index).catch(() => undefined);
            await inHost(h.index, ["tc", "qdisc", "del", "dev", `${h.name}-ns`, "root"]).catch(() => undefined);
            await inHost(h.index, ["iptables", "-F", "INPUT"]).catch(() => undefined);
        }
        console.log(`      report: ${JSON.stringify(report)}`);
    });

    /** The copy's helper of `what` (read, write) on any host, once it runs. */
    async function helperRunning(what: string, until: () => boolean): Promise<{ host: number; name: string; mounts: string } | undefined> {
        while (!until()) {
            for (const h of c.hosts) {
                const ps = await docker(["ps", "--format", "{{.Names}}|{{.Mounts}}", "--filter", "label=tugraph-ha.helper=datasync"], {
                    host: h.unix,
                    timeoutMs: 5000,
                });
                const line = ps.stdout.split("\n").find((l) => l.includes(`-${what}-`));
                if (line) return { host: h.index, name: line.split("|")[0], mounts: line.split("|")[1] ?? "" };
            }
            await sleep(50);
        }
        return undefined;
    }

    /** `pulumi up` with `fault` fired once the copy's reader runs; the update's error (or undefined) and the fault's note. */
    async function upWithFault(fault: (reader: { host: number }) => Promise<unknown>) {
        let done = false;
        const up = c.stack!.up().then(
            () => undefined,
            (e: Error) => e.message,
        );
        up.finally(() => (done = true)).catch(() => undefined);
        const hit = helperRunning("read", () => done).then(async (h) => (h ? { readerHost: h.host, note: await fault(h) } : undefined));
        const [error, fired] = await Promise.all([up, hit]);
        assert.ok(fired, `the fault never fired: no reader helper ran during the update (${error ?? "it succeeded"})`);
        return { error, fired };
    }

    /** What a failed update left behind, and what preview says about it. */
    async function leftovers(label: string, error: string | undefined) {
        const containers: Record<string, string> = {};
        for (const h of c.hosts) {
            const ps = await docker(["ps", "-a", "--format", "{{.Names}} {{.State}}"], { host: h.unix });
            for (const l of ps.stdout.split("\n").filter((x) => x.startsWith(PREFIX) || x.includes("tugraph-ha-sync-")))
                containers[`${h.name}:${l.split(" ")[0]}`] = l.split(" ")[1];
        }
        const dirs = Object.fromEntries(
            fs
                .readdirSync(c.root)
                .filter((d) => d.startsWith("node-"))
                .map((d) => [d, fs.readdirSync(path.join(c.root, d)).filter((x) => x !== "log")]),
        );
        const preview = await c.stack!.preview().catch((e: Error) => ({ summary: { error: e.message.slice(0, 200) } as Record<string, unknown>, stdout: "" }));
        const l = await leader().catch(() => undefined);
        note(`${label}: leftovers`, {
            error: error?.match(/error: [^\n]*/g)?.slice(0, 3),
            membership: l ? (await runOn(c.bolt(l), "CALL db.bolt.listRaftNodes()")).map((r) => Number(r.node_id)).sort() : "no leader",
            containers,
            dirs,
            preview: preview.summary,
        });
    }

    async function converge(label: string) {
        const r = await c.stack!.up();
        note(`${label}: re-run`, r.summary);
    }

    it("bootstraps 1, 2, 3 on three hosts and starts the writer", async () => {
        decl = [1, 2, 3].map((id) => c.node(id));
        c.stack = await RealStack.create("parts", { config: cfg() });
        await c.stack.up();
        live = [1, 2, 3];
        const l = await leader();
        await runOn(c.bolt(l), "CALL db.createVertexLabel('w', 'id', 'id', 'INT64', false)");
        for (const id of live) {
            const fd = fs.openSync(path.join(c.root, `node-${id}`, "data", "ballast.bin"), "w");
            fs.writeSync(fd, Buffer.alloc(BALLAST, 7));
            fs.closeSync(fd);
        }
        writer = new Writer(() => live.map(c.bolt)).start();
        await waitFor(async () => writer!.acked.length >= 5);
    });

    it("adds 4 on th4; the donor's host is cut off mid-copy; healed, the next up converges", async () => {
        writer!.phase = "add 4";
        decl.push(c.node(4));
        await c.stack!.setConfig(cfg());
        const { error, fired } = await upWithFault(async (r) => {
            await cutHost(r.host);
            return { cut: `th${r.host}`, donor: nodeOnHost(r.host) };
        });
        note("donor's host cut", { fired, failed: !!error });
        await leftovers("donor's host cut", error);
        await healHost(fired!.readerHost);
        await converge("donor's host cut");
        live = [1, 2, 3, 4];
        const sync = (await c.stack!.resources()).find((r) => r.urn.endsWith("::tugraph-sync-4"))!;
        note("add 4: transport", { transport: sync.outputs?.transport, donor: sync.outputs?.donorId });
        assert.deepStrictEqual((await runOn(c.bolt(await leader()), "CALL db.bolt.listRaftNodes()")).map((r) => Number(r.node_id)).sort(), [1, 2, 3, 4]);
    });

    it("kills node 3's container and replaces 3 by 5 on th3 (same ports); the joiner's host is cut off mid-copy; healed, the next up converges", async () => {
        writer!.phase = "kill 3";
        await docker(["kill", `${PREFIX}3`], { host: c.hostOf(3).unix });
        live = [1, 2, 4];
        await leader();
        writer!.phase = "replace 3 by 5";
        decl = decl.map((n) => (n.id === 3 ? { ...n, removed: true } : n));
        decl.push(c.node(5, { host: 3 }));
        await c.stack!.setConfig(cfg());
        const { error, fired } = await upWithFault(async () => {
            await cutHost(3);
            return { cut: "th3", joiner: 5 };
        });
        note("joiner's host cut", { fired, failed: !!error });
        await leftovers("joiner's host cut", error);
        await healHost(3);
        await converge("joiner's host cut");
        live = [1, 2, 4, 5];
        assert.deepStrictEqual((await runOn(c.bolt(await leader()), "CALL db.bolt.listRaftNodes()")).map((r) => Number(r.node_id)).sort(), [1, 2, 4, 5]);
    });

    it("adds learner 6 on th5; the leader's host is cut off mid-copy; healed, the next up converges", async () => {
        writer!.phase = "add learner 6";
        decl.push(c.node(6, { host: 5, role: "learner" }));
        await c.stack!.setConfig(cfg());
        let cut = 0;
        const { error, fired } = await upWithFault(async (r) => {
            const l = await leader(live.filter((id) => c.hostOf(id).index !== r.host));
            cut = c.hostOf(l).index;
            await cutHost(cut);
            return { cut: `th${cut}`, leader: l };
        });
        note("leader's host cut", { fired, failed: !!error });
        if (error) await leftovers("leader's host cut", error);
        await healHost(cut);
        await converge("leader's host cut");
        live = [1, 2, 4, 5, 6];
        const rows = await runOn(c.bolt(await leader()), "CALL db.bolt.listRaftNodes()");
        assert.deepStrictEqual(rows.map((r) => Number(r.node_id)).sort(), [1, 2, 4, 5, 6]);
    });

    it("removes learner 6 while the leader is isolated from the other hosts; the next up converges", async () => {
        writer!.phase = "remove 6";
        const l = await leader();
        const h = c.hostOf(l).index;
        const others = c.hosts.filter((x) => x.index !== h).map((x) => x.ip);
        for (const ip of others) await inHost(h, ["iptables", "-I", "INPUT", "-s", ip, "-j", "DROP"]);
        decl = decl.map((n) => (n.id === 6 ? { ...n, removed: true } : n));
        await c.stack!.setConfig(cfg());
        const t0 = Date.now();
        const error = await c.stack!.up().then(
            () => undefined,
            (e: Error) => e.message,
        );
        note("leader isolated during a removal", { leader: l, failed: !!error, seconds: (Date.now() - t0) / 1000 });
        if (error) await leftovers("leader isolated", error);
        await inHost(h, ["iptables", "-F", "INPUT"]);
        if (error) await converge("leader isolated");
        live = [1, 2, 4, 5];
        const rows = await runOn(c.bolt(await leader()), "CALL db.bolt.listRaftNodes()");
        assert.deepStrictEqual(rows.map((r) => Number(r.node_id)).sort(), [1, 2, 4, 5]);
    });

    it("every member lists the same membership and has every acknowledged write; no data directory deleted", async () => {
        writer!.phase = "end";
        await writer!.stop();
        const w = writer!;
        writer = undefined;
        const ids = async (id: number) => (await runOn(c.bolt(id), "MATCH (n:w) RETURN n.id")).map((r) => Number(r["n.id"])).sort((a, b) => a - b);
        // (the member that was isolated catches up on the removal once it hears the new term)
        const listing = async (id: number) => (await runOn(c.bolt(id), "CALL db.bolt.listRaftNodes()")).map((r) => Number(r.node_id)).sort();
        for (const id of live) await waitFor(async () => JSON.stringify(await listing(id)) === "[1,2,4,5]", 30_000);
        let data: number[] = [];
        await waitFor(async () => {
            const all = await Promise.all(live.map(ids));
            data = all[0];
            return all.every((x) => JSON.stringify(x) === JSON.stringify(all[0]));
        }, 60_000);
        const have = new Set(data);
        const lost = w.acked.filter((x) => !have.has(x));
        note("writer", { acknowledged: w.acked.length, lost: lost.length, longestGapMs: w.maxGapMs, during: w.maxGapPhase, failures: w.failures });
        assert.deepStrictEqual(lost, [], "no acknowledged write lost");
        for (const id of [1, 2, 3, 4, 5, 6])
            assert.ok(fs.existsSync(path.join(c.root, `node-${id}`, "data", "raftlog")), `node ${id}'s data directory is on disk`);
    });
});
