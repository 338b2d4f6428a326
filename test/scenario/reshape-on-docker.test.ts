// Reshaping a cluster end to end on real Docker, through the step-order driver (the
// program's own declarations, dynamic resources through the SDK's real provider host,
// containers on real engines running the TuGraph simulator image -- a test double),
// the live membership read first as index.ts does:
//   1. replacement on one host: a tombstoned node's container stops (RetiredContainer)
//      before its replacement starts on the same ports; its data stays on disk;
//   2. a scenario over three engines standing for hosts, with a writer running through
//      `neo4j://` routing all along: bootstrap 3, add 4 (synced across engines, learner
//      first, promoted), kill 3, replace it by 5 (the failed member is removed first),
//      add learner 6, add voter 7; with a fault during each copy, each converging on
//      re-running `up`, no acknowledged write lost, no data directory deleted.
// Why still on the step-order driver: its nodes live on three Docker engines, and the stack's rule
// refuses loopback addresses across engines; the real engine needs hosts with their own addresses
// (network-namespace hosts, not built yet). The real-engine scenarios are in test/pulumi/.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { requireDocker } from "../docker/engine";
import { freePorts, runOn } from "../simulator/harness";
import { Deployment } from "../engine/deployment";
import { engineFor } from "../../components/adapters/dockerEngine";
import { Topology, Writer, defaultHost, importImage, lanIp, startEngine, stopEngine, type NodeDecl } from "./hosts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BALLAST = 256 * 1024 * 1024; // a copy that takes long enough to hit "during the copy"

async function eventually<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        try {
            const v = await f();
            if (v !== undefined) return v;
        } catch (e) {
            last = e;
        }
        if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (${(last as Error).message})` : ""}`);
        await sleep(300);
    }
}

describe("replacement on one host: the removed node's container stops before its replacement reuses its ports", function () {
    this.timeout(240_000);
    let t: Topology | undefined;
    let d: Deployment | undefined;
    let root = "";

    before(async function () {
        await requireDocker(this);
        root = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-replace-"));
        t = new Topology(root, `tugraph-ha-replace-${process.pid}-`, { a: defaultHost() }, await freePorts(12), "127.0.0.1");
    });
    after(async () => {
        await d?.stop();
        await t?.removeContainers();
        if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    it("tombstone 3 + node 4 on 3's ports: 3 stops first, 4 runs on its ports, 3's data stays", async () => {
        const s = t!;
        d = await s.deployment();
        await d.upOk(await s.program(s.config([1, 2, 3].map((id) => ({ id, engine: "a" })))));
        const leader = await s.leader([1, 2, 3]);
        await runOn(s.bolt(leader), "CALL db.createVertexLabel('w', 'id', 'id', 'INT64', false)");
        for (let i = 1; i <= 5; i++) await runOn(s.bolt(leader), `CREATE (n:w {id: ${i}})`);

        const moved: NodeDecl[] = [
            { id: 1, engine: "a" },
            { id: 2, engine: "a" },
            { id: 3, engine: "a", removed: true },
            { id: 4, engine: "a", portsOf: 3 },
        ];
        // With 3 voters, the copy for 4 stops a voter while only 2 remain: the whole plan is refused, naming the switch.
        const refused = await d.up(await s.program(s.config(moved, { bootstrap: [1, 2, 3] })));
        assert.strictEqual(refused.errors.length, 1);
        assert.match(refused.errors[0], /refusing the whole membership plan, nothing was changed[\s\S]*allowWriteOutageForSync/);
        assert.deepStrictEqual(await s.members(leader), ["1", "2", "3"]);

        const r = await d.upOk(await s.program(s.config(moved, { bootstrap: [1, 2, 3], membership: { allowWriteOutageForSync: true } })));
        const at = (name: string) => r.steps.find((x) => !x.preview && x.name === name)!;
        assert.ok(at("tugraph-retired-3").end <= at("tugraph-node-4-container").start, "3's container stopped before 4's started");
        assert.strictEqual(d.get("RetiredContainer", "tugraph-retired-3")!.outputs.wasRunning, true);
        assert.strictEqual(at("tugraph-node-3-container").op, "delete", "3's container is deleted at the end of the update");
        const containers = await s.containers();
        assert.strictEqual(containers[`a:${s.container(3)}`], undefined, "3's container is gone");
        assert.strictEqual(containers[`a:${s.container(4)}`], "running");
        // Node 4 answers on node 3's bolt port, and has the data.
        const status = JSON.parse(String((await runOn(s.bolt(3), "CALL db.bolt.getRaftStatus()"))[0].status));
        assert.strictEqual(status.id, "4", "node 4 runs on node 3's ports");
        const leader2 = await s.leader([1, 2, 4]);
        assert.deepStrictEqual(
            (await s.members(leader2)).map((m) => parseInt(m)),
            [1, 2, 4],
        ); // the listing keeps is_learner after a promotion
        assert.ok(d.get("RaftPromotion", "tugraph-promotion-4"), "4 was promoted");
        await eventually("node 4 has the data", async () => ((await s.writeIds(4)).length === 5 ? true : undefined));
        // 3's data directory is still on disk, log and graph.
        assert.ok(fs.existsSync(path.join(s.dataDir(3), "raftlog")), `node 3's data stays: ${JSON.stringify(s.dirs())}`);
    });
});

describe("scenario over three Docker engines standing for hosts, a writer running throughout, a fault during each copy", function () {
    this.timeout(300_000);
    const ENGINES = { b: "ha-scn-b", c: "ha-scn-c" };
    let t: Topology | undefined;
    let d: Deployment | undefined;
    let writer: Writer | undefined;
    let root = "";
    let live: number[] = [];
    const decl: NodeDecl[] = [];
    const report: Record<string, unknown> = {};
    const cfg = () => t!.config(decl, { bootstrap: [1, 2, 3] });
    const log = (label: string, v: unknown) => {
        report[label] = v;
        console.log(`      ${label}: ${JSON.stringify(v, null, 1).replace(/\n\s*/g, " ")}`);
    };
    /** What a failed update left behind: state, containers on every engine, directories, membership. */
    const leftovers = async (label: string, r: { errors: string[] }) => {
        const leader = await t!.leader(live, 30_000).catch(() => undefined);
        log(`${label}: leftovers before the re-run`, {
            error: r.errors.map((e) => e.slice(0, 300)),
            state: d!
                .resources()
                .filter((x) => x.custom && /member|sync|promotion|retired|removal/.test(x.name))
                .map((x) => x.name),
            membership: leader ? await t!.members(leader) : "no leader",
            containers: await t!.containers(),
            dirs: t!.dirs(),
        });
    };

    before(async function () {
        this.timeout(300_000);
        await requireDocker(this);
        const hosts = { a: defaultHost(), b: startEngine(ENGINES.b), c: startEngine(ENGINES.c) };
        importImage(Object.values(hosts));
        root = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-reshape-"));
        t = new Topology(root, `tugraph-ha-reshape-${process.pid}-`, hosts, await freePorts(21), lanIp());
    });
    after(async function () {
        this.timeout(120_000);
        await writer?.stop();
        await d?.stop();
        if (t) startEngine(ENGINES.c); // back up if a test stopped it
        await t?.removeContainers();
        if (root) fs.rmSync(root, { recursive: true, force: true });
        console.log(`      report: ${JSON.stringify(report)}`);
    });

    /** `up` while `fault` runs once a helper `what` of this stack's copy exists; returns the update's result and the fault's note. */
    async function upWithFault(what: string, fault: (h: { engine: string; id: string; sources: string[] }) => Promise<unknown>) {
        let done = false;
        const up = d!.up(await t!.program(cfg())).finally(() => {
            done = true;
        });
        const hit = t!.waitForHelper(what, () => done).then(async (h) => (h ? { helper: h.name, engine: h.engine, note: await fault(h) } : undefined));
        const [r, f] = await Promise.all([up, hit]);
        assert.ok(f, `the fault never fired: no '${what}' helper was seen during the update (errors: ${r.errors.join("; ")})`);
        return { r, f };
    }
    const donorOf = (sources: string[]) => Number(sources.map((x) => /node-(\d+)\/data$/.exec(x)?.[1]).find(Boolean));

    it("bootstraps 1, 2, 3 on three engines and starts the writer", async () => {
        const s = t!;
        decl.push({ id: 1, engine: "a" }, { id: 2, engine: "b" }, { id: 3, engine: "c" });
        d = await s.deployment();
        await d.upOk(await s.program(s.config(decl)));
        live = [1, 2, 3];
        const leader = await s.leader(live);
        await runOn(s.bolt(leader), "CALL db.createVertexLabel('w', 'id', 'id', 'INT64', false)");
        for (const id of live) s.ballast(id, BALLAST);
        writer = new Writer(() => live.map((i) => s.bolt(i))).start();
        await eventually("first writes acknowledged", async () => (writer!.acked.length >= 5 ? true : undefined));
    });

    it("adds 4 on the leader's engine (the donor is on another); (a) the donor side of the copy killed mid-copy; the re-run converges", async () => {
        const s = t!;
        writer!.phase = "add 4";
        const leader = await s.leader(live);
        decl.push({ id: 4, engine: s.engineOf(leader) });
        const { r, f } = await upWithFault("read", async (h) => {
            const donor = donorOf(h.sources);
            // The product stopped the donor cleanly before the copy: a kill of its node container finds it stopped.
            const node = await engineFor(s.hostOf(donor))
                .getContainer(s.container(donor))
                .kill()
                .then(
                    () => "killed",
                    (e) => `not killed: ${e.statusCode} ${String(e.message).slice(0, 80)}`,
                );
            await engineFor(s.hosts[h.engine]).getContainer(h.id).kill();
            return {
                donor,
                donorEngine: s.engineOf(donor),
                joinerEngine: s.engineOf(4),
                donorNodeContainer: node,
                killed: `reader helper ${h.id.slice(0, 12)}`,
            };
        });
        log("(a) fault", f);
        assert.ok(r.errors.length > 0 && /DataSync tugraph-sync-4/.test(r.errors[0]), r.errors.join("\n"));
        await leftovers("(a)", r);
        assert.notStrictEqual((f.note as { donorEngine: string }).donorEngine, s.engineOf(4), "synced across engines");

        await d!.upOk(await s.program(cfg()));
        live = [1, 2, 3, 4];
        const l2 = await s.leader(live);
        assert.deepStrictEqual(
            (await s.members(l2)).map((m) => parseInt(m)),
            [1, 2, 3, 4],
        );
        assert.ok(d!.get("RaftPromotion", "tugraph-promotion-4"), "4 was promoted by the re-run");
    });

    it("kills node 3's container; replaces it by 5 on another engine (3 removed first); (c) the deploying process killed mid-sync; a new deployment with the same state converges", async () => {
        const s = t!;
        writer!.phase = "kill 3";
        await engineFor(s.hostOf(3)).getContainer(s.container(3)).kill();
        live = [1, 2, 4];
        await s.leader(live);
        writer!.phase = "replace 3 by 5";
        const engine5 = ["a", "b"].find((e) => e !== s.engineOf(4))!;
        decl.find((n) => n.id === 3)!.removed = true;
        decl.push({ id: 5, engine: engine5 });
        const { r, f } = await upWithFault("read", async (h) => {
            await d!.host.stop(); // the deploying process dies; its provider host with it
            return { donor: donorOf(h.sources), donorEngine: h.engine, joinerEngine: engine5 };
        });
        log("(c) fault", f);
        assert.ok(r.errors.length > 0, "the update failed with its provider host");
        await leftovers("(c)", r);
        const order = d!.history.filter((x) => !x.preview && /removal-3|retired-3|member-5/.test(x.name)).map((x) => x.name);
        assert.deepStrictEqual(order, ["tugraph-removal-3", "tugraph-retired-3", "tugraph-member-5"], "the failed member is removed first");

        const d2 = await s.deployment();
        d2.state = new Map(d!.state);
        d = d2;
        await d.upOk(await s.program(cfg()));
        live = [1, 2, 4, 5];
        const l = await s.leader(live);
        assert.deepStrictEqual(
            (await s.members(l)).map((m) => parseInt(m)),
            [1, 2, 4, 5],
        );
        assert.ok(d.get("RaftPromotion", "tugraph-promotion-5"));
    });

    it("adds learner 6 on engine c; (b) the joiner's engine stopped mid-copy and started again; the re-run converges", async () => {
        const s = t!;
        writer!.phase = "add learner 6";
        decl.push({ id: 6, engine: "c", role: "learner" });
        const { r, f } = await upWithFault("read", async (h) => {
            const t0 = Date.now();
            await stopEngine(ENGINES.c);
            return { donor: donorOf(h.sources), donorEngine: h.engine, stoppedEngine: ENGINES.c, stopSeconds: (Date.now() - t0) / 1000 };
        });
        log("(b) fault", f);
        await leftovers("(b)", r);
        startEngine(ENGINES.c);
        await d!.upOk(await s.program(cfg()));
        live = [1, 2, 4, 5, 6];
        const l = await s.leader(live);
        assert.ok((await s.members(l)).includes("6L"));
        await eventually("6 has caught up", async () => ((await s.writeIds(6)).length >= writer!.acked.length - 50 ? true : undefined));
    });

    it("adds voter 7; (d) the leader's server killed mid-copy (Docker restarts it); re-running converges", async () => {
        const s = t!;
        writer!.phase = "add 7";
        const engine7 = "b";
        decl.push({ id: 7, engine: engine7 });
        const { r, f } = await upWithFault("read", async (h) => {
            const leader = await s.leader(
                live.filter((i) => i !== donorOf(h.sources)),
                10_000,
            );
            const pid = (await engineFor(s.hostOf(leader)).getContainer(s.container(leader)).inspect()).State.Pid;
            process.kill(pid, "SIGKILL");
            return { donor: donorOf(h.sources), leader, killedPid: pid };
        });
        log("(d) fault", { ...f, firstUp: r.errors.length === 0 ? "succeeded" : "failed" });
        if (r.errors.length > 0) await leftovers("(d)", r);
        writer!.phase = "add 7 (re-run)";
        await d!.upOk(await s.program(cfg()));
        live = [1, 2, 4, 5, 6, 7];
        assert.ok(d!.get("RaftPromotion", "tugraph-promotion-7"));
    });

    it("every surviving member lists the same membership and returns the same data; every acknowledged write is there; no data directory deleted", async () => {
        const s = t!;
        writer!.phase = "end";
        await sleep(1000);
        await writer!.stop();
        const w = writer!;
        const lists = await Promise.all(live.map((id) => s.members(id)));
        for (const l of lists)
            assert.deepStrictEqual(
                l.map((m) => parseInt(m)),
                [1, 2, 4, 5, 6, 7],
            );
        const data = await eventually(
            "every member has the same data",
            async () => {
                const all = await Promise.all(live.map((id) => s.writeIds(id)));
                return all.every((x) => JSON.stringify(x) === JSON.stringify(all[0])) ? all[0] : undefined;
            },
            60_000,
        );
        const have = new Set(data);
        const lost = w.acked.filter((id) => !have.has(id));
        assert.deepStrictEqual(lost, [], "no acknowledged write lost");
        for (const id of [1, 2, 3, 4, 5, 6, 7]) assert.ok(fs.existsSync(path.join(s.dataDir(id), "raftlog")), `node ${id}'s data directory is on disk`);
        log("writer", {
            acknowledged: w.acked.length,
            present: data.length,
            lost: lost.length,
            longestGapMs: w.maxGapMs,
            longestGapDuring: w.maxGapPhase,
            failures: w.failures,
        });
        log("data dirs at the end", s.dirs());
    });
});
