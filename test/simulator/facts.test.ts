// TuGraph simulator (test double): the facts of docs/tugraph-facts.md that the shared checks
// (checks.ts) do not cover, each on a cluster of its own: the apply queue (a stop right
// after a membership change loses queued writes for good), proposals that hang instead of
// failing, the leader removing itself, node ids TuGraph does not check, ROUTE with raft
// off, and log compaction.
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import neo4j from "neo4j-driver";
import { canConnect, DEFAULT_PASSWORD, DEFAULT_USER, freePorts, runOn, SIMULATOR_BIN, SimulatorCluster, simulatorDriver } from "./harness";
import { destroySockets, parseRaftStatus } from "../../components/adapters/boltAdmin";
import { classifyMember } from "../../components/core/lag";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(what: string, fn: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        try {
            if (await fn()) return;
        } catch (e) {
            last = e;
        }
        if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}${last ? ` (last error: ${last})` : ""}`);
        await sleep(50);
    }
}

/** Starts `query` on `address` without waiting: resolves "answered" / "failed: ..." when it settles. */
function start(address: string, query: string) {
    const d = simulatorDriver(address);
    const s = d.session({ database: "default" });
    const settled = s.run(query).then(
        () => "answered",
        (e: Error) => `failed: ${e.message}`,
    );
    return {
        settled,
        /** "hanging" if it has not settled within ms. */
        within: (ms: number) => Promise.race([settled, sleep(ms).then(() => "hanging")]),
        /** A hanging call never answers the driver's goodbye: its sockets are destroyed after a short grace. */
        close: async () => {
            await Promise.race([Promise.allSettled([s.close(), d.close()]), sleep(200)]);
            destroySockets(d);
        },
    };
}

const ids = async (address: string) => (await runOn(address, "MATCH (n:person) RETURN n.id AS id")).map((r) => Number(r.id)).sort((a, b) => a - b);

describe("simulator: the apply queue (TUGRAPH_SIMULATOR_APPLY_DELAY_MS widens the window)", function () {
    this.timeout(90_000);
    const DELAY = 1500;
    const c = new SimulatorCluster({ env: { TUGRAPH_SIMULATOR_APPLY_DELAY_MS: String(DELAY) } });
    let leader = 0;
    const addr = (id: number) => c.boltAddress(id);
    const followers = () => [1, 2, 3].filter((i) => i !== leader);

    before(async () => {
        await c.start([{ id: 1 }, { id: 2 }, { id: 3 }]);
        leader = await c.waitForLeader(15_000);
        await c.run(leader, "CALL db.createVertexLabel('person', 'id', 'id', 'INT32', false)");
        await eventually("every node has the label", async () => {
            for (const id of [1, 2, 3]) await runOn(addr(id), "MATCH (n:person) RETURN count(n)");
            return true;
        });
    });
    after(() => c.cleanup());

    /** Proposes a write on the leader (acknowledged once the leader's apply thread ran it); returns its raft index and the pending call. */
    async function write(id: number) {
        const before = (await c.status(leader)).raftlog.last;
        const call = start(addr(leader), `CREATE (n:person {id: ${id}})`);
        let index = 0;
        await eventually(`the write of ${id} is in the leader's log`, async () => {
            index = (await c.status(leader)).raftlog.last;
            return index > before;
        });
        return { index, call };
    }

    it("getRaftStatus shows raft's hand-off index as `applied`: a write is counted there before the graph has it", async () => {
        const f = followers()[0];
        const w = await write(1);
        await eventually("the follower handed the write off", async () => (await c.status(f)).applied >= w.index);
        const handedOff = Date.now();
        assert.deepStrictEqual(await ids(addr(f)), [], "not yet in the follower's graph");
        assert.strictEqual(await w.call.settled, "answered");
        assert.ok(Date.now() - handedOff >= DELAY / 2, "acknowledged only once the leader's apply thread ran it");
        await eventually("the follower's apply thread ran it", async () => (await ids(addr(f))).includes(1));
        await w.call.close();
    });

    it("a stop right after a membership change drops the queued writes for good: on that node after its restart, and on a copy of its data", async () => {
        const f = followers()[0];
        const w = await write(2);
        await eventually("the follower handed the write off", async () => (await c.status(f)).applied >= w.index);
        const handedOff = Date.now();
        // A membership change: applied inline on every node (and saving its store's apply index) while the write waits in their apply queues.
        const s9 = await c.allocate(9);
        await c.run(leader, `CALL db.bolt.addRaftLearnerNode(9, '${s9.ip}', ${s9.boltPort}, ${s9.raftPort})`);
        const conf = (await c.status(leader)).raftlog.last;
        await eventually("the follower applied the membership change", async () => (await c.status(f)).applied >= conf);
        await c.stop(f); // SIGTERM: TuGraph's Stop() drops the apply queue
        assert.ok(Date.now() - handedOff < DELAY, "the stop came while the write was still queued (the window the knob widens)");
        assert.strictEqual(await w.call.settled, "answered", "the write was acknowledged (the leader applied it)");
        await w.call.close();
        assert.match(fs.readFileSync(c.logFile(f), "utf8"), /Stop\(\): dropping 1 queued apply\(s\)/);

        // Its data copied, as the manual's offline sync does, then both started.
        await c.copyData(f, 9);
        await c.startJoiner(9);
        await c.restart(f);
        assert.match(fs.readFileSync(c.logFile(f), "utf8"), new RegExp(`resuming from the store's apply index ${conf} .*entries ${w.index} are never applied`));
        // A later write reaches both: they replicate again, and the acknowledged write stays missing.
        await c.run(leader, "CREATE (n:person {id: 3})");
        const all = await ids(addr(leader));
        assert.ok(all.includes(2) && all.includes(3), `${all}`);
        for (const id of [f, 9]) {
            await eventually(`node ${id} applied the later write`, async () => (await ids(addr(id))).includes(3), 3 * DELAY + 5000);
            assert.deepStrictEqual(
                await ids(addr(id)),
                all.filter((x) => x !== 2),
                `node ${id} lacks the acknowledged write 2 for good`,
            );
        }
    });

    it("the same stop once the apply thread has drained (the settle period passed) loses nothing", async () => {
        const g = followers()[1];
        const w = await write(4);
        await eventually("the follower handed the write off", async () => (await c.status(g)).applied >= w.index);
        const s10 = await c.allocate(10);
        await c.run(leader, `CALL db.bolt.addRaftLearnerNode(10, '${s10.ip}', ${s10.boltPort}, ${s10.raftPort})`);
        const conf = (await c.status(leader)).raftlog.last;
        await eventually("the follower applied the membership change", async () => (await c.status(g)).applied >= conf);
        await sleep(DELAY + 500); // longer than the apply thread's latency
        await c.stop(g);
        assert.strictEqual(await w.call.settled, "answered");
        await w.call.close();
        await c.restart(g);
        const all = await ids(addr(leader));
        assert.ok(all.includes(4), `${all}`);
        await eventually("the restarted follower has every write", async () => (await ids(addr(g))).join() === all.join(), 3 * DELAY + 5000);
    });
});

describe("simulator: proposals raft drops or loses hang, with no error (TuGraph's calls have no deadline)", function () {
    this.timeout(90_000);
    const c = new SimulatorCluster();
    let leader = 0;
    const addr = (id: number) => c.boltAddress(id);
    const others = (id: number) => [1, 2, 3].filter((i) => i !== id);

    beforeEach(async () => {
        if (!c.ids().length) await c.start([{ id: 1 }, { id: 2 }, { id: 3 }]);
        for (const id of [1, 2, 3]) if (!c.isRunning(id)) await c.restart(id);
        leader = await c.waitForLeader(15_000, [1, 2, 3]);
    });
    after(() => c.cleanup());

    it("a conf change while another is pending is dropped: both calls hang, the dropped one is never applied", async () => {
        for (const id of others(leader)) await c.kill(id); // nothing can commit now
        const s7 = await c.allocate(7);
        const s8 = await c.allocate(8);
        const first = start(addr(leader), `CALL db.bolt.addRaftLearnerNode(7, '${s7.ip}', ${s7.boltPort}, ${s7.raftPort})`);
        await eventually("the first change is in the leader's log", async () =>
            /admin call addRaftLearnerNode\(7/.test(fs.readFileSync(c.logFile(leader), "utf8")),
        );
        const second = start(addr(leader), `CALL db.bolt.addRaftLearnerNode(8, '${s8.ip}', ${s8.boltPort}, ${s8.raftPort})`);
        assert.deepStrictEqual(await Promise.all([first.within(2000), second.within(100)]), ["hanging", "hanging"]);
        assert.match(
            fs.readFileSync(c.logFile(leader), "utf8"),
            /propose conf change \{"op":"addLearner","id":8,.*ignored since pending unapplied configuration/,
        );
        for (const id of others(leader)) await c.restart(id);
        const now = await c.waitForLeader(15_000, [1, 2, 3]);
        await sleep(500);
        const listed = (await c.run(now, "CALL db.bolt.listRaftNodes()")).map((r) => Number(r.node_id));
        assert.ok(!listed.includes(8), `the dropped change was never applied: ${listed}`);
        assert.strictEqual(await second.within(100), "hanging");
        if (listed.includes(7)) await c.run(now, "CALL db.bolt.removeRaftNode(7)");
        await Promise.all([first.close(), second.close()]);
    });

    it("a write whose entry is lost with a change of leadership hangs: no error, never applied", async () => {
        const old = leader;
        const [a, b] = others(old);
        await c.run(old, "CALL db.createVertexLabel('person', 'id', 'id', 'INT32', false)").catch(() => undefined);
        await sleep(300);
        await c.kill(a);
        await c.kill(b);
        const w = start(addr(old), "CREATE (n:person {id: 77})"); // in the old leader's log only
        await sleep(200);
        c.pause(old); // its client connection stays open
        await c.restart(a);
        await c.restart(b);
        const next = await c.waitForLeader(15_000, [a, b]);
        await c.run(next, "CREATE (n:person {id: 78})"); // another entry at the lost write's index
        c.resume(old);
        const nextStatus = await c.status(next);
        await eventually("the old leader follows the new one and applied its log", async () => {
            const st = await c.status(old);
            return st.lead === nextStatus.id && st.applied >= nextStatus.commit;
        });
        assert.strictEqual(await w.within(1500), "hanging", "TuGraph never answers such a write, not even with an error");
        for (const id of [1, 2, 3]) assert.deepStrictEqual(await ids(addr(id)).catch(() => []), [78], `node ${id}`);
        await w.close();
    });

    it("node ids are not checked (TuGraph checks only count and types): id 0 is answered and ignored, a negative id is added", async () => {
        const s = c.nodeSpec(leader);
        await c.run(leader, `CALL db.bolt.addRaftLearnerNode(0, '${s.ip}', 1, 2)`);
        await c.run(leader, `CALL db.bolt.addRaftLearnerNode(-3, '${s.ip}', 3, 4)`);
        const listed = (await c.run(leader, "CALL db.bolt.listRaftNodes()")).map((r) => Number(r.node_id)).sort((x, y) => x - y);
        assert.deepStrictEqual(listed, [-3, 1, 2, 3]);
        await c.run(leader, "CALL db.bolt.removeRaftNode(-3)");
        const e = await c.run(leader, "CALL db.bolt.removeRaftNode('x')").catch((x: Error) => x);
        assert.match(String((e as Error).message), /node_id type should be Integer/);
    });
});

describe("simulator: the leader removes itself", function () {
    this.timeout(60_000);
    const c = new SimulatorCluster();
    let leader = 0;
    const addr = (id: number) => c.boltAddress(id);
    const others = (id: number) => [1, 2, 3].filter((i) => i !== id);
    before(async () => {
        await c.start([{ id: 1 }, { id: 2 }, { id: 3 }]);
        leader = await c.waitForLeader(15_000);
    });
    after(() => c.cleanup());

    it("removeRaftNode of the leader itself returns; it steps down, never campaigns again, and keeps answering reads (stale)", async () => {
        const old = leader;
        await c.run(old, "CALL db.createVertexLabel('person', 'id', 'id', 'INT32', false)").catch(() => undefined);
        await c.run(old, `CALL db.bolt.removeRaftNode(${old})`); // returns
        const next = await c.waitForLeader(15_000, others(old));
        await c.run(next, "CREATE (n:person {id: 90})");
        await eventually("the new leader's write is on the other member", async () => (await ids(addr(others(old).find((x) => x !== next)!))).includes(90));
        await sleep(2500); // several election timeouts
        const st = await c.status(old);
        assert.notStrictEqual(st.raftState, "StateLeader");
        assert.ok(!(await ids(addr(old))).includes(90), "it still answers reads, from its own (stale) graph");
        const listed = (await c.run(next, "CALL db.bolt.listRaftNodes()")).map((r) => Number(r.node_id));
        assert.ok(!listed.includes(old), `${listed}`);
    });
});

describe("simulator: ROUTE with raft off closes the connection with no reply", function () {
    this.timeout(30_000);
    let dir = "";
    let proc: ReturnType<typeof spawn> | undefined;
    after(() => {
        proc?.kill("SIGKILL");
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("a neo4j:// driver gets no routing table; a direct bolt:// session works", async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-sim-noraft-"));
        const [port] = await freePorts(1);
        const cfg = path.join(dir, "lgraph.json");
        fs.writeFileSync(cfg, JSON.stringify({ directory: path.join(dir, "data"), log_dir: path.join(dir, "log"), bolt_port: port }));
        proc = spawn(process.execPath, [SIMULATOR_BIN, "-c", cfg, "-d", "run"], {
            stdio: "ignore",
            env: { ...process.env, TUGRAPH_SIMULATOR_BIND: "127.0.0.1" },
        });
        await eventually("Bolt answers", () => canConnect(port));
        const d = neo4j.driver(`neo4j://127.0.0.1:${port}`, neo4j.auth.basic(DEFAULT_USER, DEFAULT_PASSWORD), {
            logging: { level: "error", logger: () => undefined },
            maxTransactionRetryTime: 0,
            connectionAcquisitionTimeout: 3000,
        });
        try {
            const s = d.session({ database: "default" });
            await assert.rejects(s.run("MATCH (n) RETURN count(n)"));
            await s.close().catch(() => undefined);
        } finally {
            await d.close();
        }
        await eventually("the node logged the ROUTE it closed", async () =>
            /ROUTE with bolt raft off, closing/.test(fs.readFileSync(path.join(dir, "log", "lgraph.log"), "utf8")),
        );
        const rows = await runOn(`127.0.0.1:${port}`, "RETURN 1 AS one");
        assert.deepStrictEqual(rows, [{ one: 1 }]);
    });
});

describe("simulator: log compaction (TUGRAPH_SIMULATOR_KEEP_LOGS / _COMPACT_MARGIN / _GC_INTERVAL_MS)", function () {
    this.timeout(60_000);
    const KEEP = 5;
    const c = new SimulatorCluster({
        env: { TUGRAPH_SIMULATOR_KEEP_LOGS: String(KEEP), TUGRAPH_SIMULATOR_COMPACT_MARGIN: "0", TUGRAPH_SIMULATOR_GC_INTERVAL_MS: "100" },
    });
    after(() => c.cleanup());

    it("raftlog.first is 0 until the leader compacts; only the leader compacts; a member below its first never catches up", async () => {
        await c.start([{ id: 1 }, { id: 2 }, { id: 3 }]);
        const leader = await c.waitForLeader(15_000);
        for (const id of [1, 2, 3]) assert.strictEqual((await c.status(id)).raftlog.first, 0, `node ${id}: never compacted`);
        const [down, up] = [1, 2, 3].filter((i) => i !== leader);
        await c.run(leader, "CALL db.createVertexLabel('person', 'id', 'id', 'INT32', false)");
        await eventually("the member that goes down has the label", async () => (await c.status(down)).applied >= (await c.status(leader)).commit);
        const downLast = (await c.status(down)).raftlog.last;
        await c.kill(down);
        for (let i = 1; i <= 3 * KEEP; i++) await c.run(leader, `CREATE (n:person {id: ${i}})`);
        let lead = await c.status(leader);
        await eventually("the leader compacted past the stopped member's log", async () => {
            lead = await c.status(leader);
            return lead.raftlog.first > downLast;
        });
        // Once the writes stop, the next gc pass keeps exactly keep_logs entries.
        await eventually("the leader keeps exactly keep_logs entries", async () => {
            lead = await c.status(leader);
            return lead.applied - lead.raftlog.first === KEEP;
        });
        assert.strictEqual((await c.status(up)).raftlog.first, 0, "a follower never compacts");
        await c.restart(down);
        await sleep(1500);
        const earlier = parseRaftStatus(JSON.stringify(await c.status(leader)));
        await sleep(500);
        const st = await c.status(leader);
        const p = st.progress[down.toString(16)];
        assert.ok(p && p.match <= downLast && p.state !== "StateSnapshot", JSON.stringify(p));
        assert.strictEqual((await c.status(down)).raftlog.last, downLast, "nothing is sent to it");
        assert.deepStrictEqual(await ids(c.boltAddress(down)), []);
        const own = await c.status(down);
        const verdict = classifyMember(down, {
            leader: parseRaftStatus(JSON.stringify(st)),
            earlier,
            own: { [down]: { applied: own.applied, commit: own.commit } },
        });
        assert.deepStrictEqual([verdict.state, verdict.cause], ["cannot-catch-up", "compacted"], verdict.reason);
        // It still counts as active for checkQuorum (heartbeats reach it): the leader keeps leading.
        await sleep(2500);
        assert.strictEqual((await c.status(leader)).raftState, "StateLeader");
    });
});
