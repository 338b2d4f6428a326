// The Bolt admin client: pure parsing/classification, and its behaviour
// against the simulator (follower redirects, unreachable seeds, deadlines).
import * as assert from "assert";
import * as fs from "fs";
import {
    AdminError,
    adminOptions,
    callAdd,
    callBudgetMs,
    callRemove,
    checkLeaderSettled,
    classifyError,
    shortCause,
    discover,
    isRetryable,
    laggingFromStatus,
    listRaftNodes,
    parseRaftStatus,
    runCall,
    scrub,
    withLeader,
} from "../../components/adapters/boltAdmin";
import type { SimulatorCluster } from "../simulator/harness";
import { DEFAULT_PASSWORD, DEFAULT_USER } from "../simulator/harness";
import { rejects, startCluster } from "./engine";
import { isIpv4 } from "../../components/core/ipv4";

const STATUS = JSON.stringify(
    {
        applied: 41,
        commit: 41,
        id: "a",
        lead: "a",
        leadtransferee: "0",
        raftState: "StateLeader",
        term: 7,
        vote: "a",
        progress: {
            "1": { match: 41, next: 42, state: "StateReplicate" },
            a: { match: 41, next: 42, state: "StateReplicate" },
            b: { match: 12, next: 13, state: "StateProbe" },
            c: { match: 41, next: 42, state: "StateProbe" },
        },
        raftlog: { first: 1, last: 41 },
    },
    null,
    4,
);

describe("bolt admin client: parsing and errors", () => {
    it("adminOptions (both providers): seeds plus every recorded init peer, once each; works without init peers", () => {
        const base = { adminUser: "admin", adminPassword: "pw", callTimeoutMs: 1, totalTimeoutMs: 2, encrypted: true };
        const withPeers = adminOptions({
            ...base,
            seeds: ["10.0.0.1:7687", "10.0.0.2:7687"],
            initPeers: [
                { ip: "10.0.0.2", bolt_port: 7687 },
                { ip: "10.0.0.4", bolt_port: 7690 },
            ],
        });
        const { log, ...plain } = withPeers;
        assert.deepStrictEqual(plain, {
            seeds: ["10.0.0.1:7687", "10.0.0.2:7687", "10.0.0.4:7690"],
            user: "admin",
            password: "pw",
            callTimeoutMs: 1,
            totalTimeoutMs: 2,
        });
        assert.strictEqual(typeof log, "function");
        assert.deepStrictEqual(adminOptions({ ...base, seeds: ["10.0.0.1:7687"] }).seeds, ["10.0.0.1:7687"]);
    });
    it("one IPv4 check for the adapters: callAdd refuses what check() refuses", async () => {
        for (const ip of ["10.0.0.256", "host.local", "1.2.3", ""]) {
            assert.strictEqual(isIpv4(ip), false, ip);
            await rejects(
                callAdd({ seeds: [], user: "u", password: "p", callTimeoutMs: 1, totalTimeoutMs: 1 }, "127.0.0.1:1", 4, ip, 1, 2, false),
                /IPv4 literal/,
            );
        }
        assert.strictEqual(isIpv4("10.0.0.255"), true);
    });
    it('parses getRaftStatus with hex ids (node 10 is "a")', () => {
        const s = parseRaftStatus(STATUS);
        assert.deepStrictEqual([s.id, s.lead, s.term, s.commit, s.raftState, s.lastIndex], [10, 10, 7, 41, "StateLeader", 41]);
        assert.deepStrictEqual(
            Object.keys(s.progress)
                .map(Number)
                .sort((a, b) => a - b),
            [1, 10, 11, 12],
        );
    });
    it("sees as down the members the leader cannot replicate to and that are behind", () => {
        assert.deepStrictEqual(laggingFromStatus(parseRaftStatus(STATUS)), [11]);
        assert.deepStrictEqual(laggingFromStatus({ ...parseRaftStatus(STATUS), raftState: "StateFollower" }), []);
    });
    it("refuses (retryably) to change membership before the leader has applied its whole log", () => {
        const st = parseRaftStatus(STATUS);
        const d = { members: [], downIds: [], reachable: [], errors: [], answers: [], leaderId: 10, leaderAddress: "10.0.0.10:7687" };
        checkLeaderSettled({ ...d, status: st });
        try {
            checkLeaderSettled({ ...d, status: { ...st, applied: 40 } });
            assert.fail("expected a refusal");
        } catch (e) {
            assert.strictEqual((e as AdminError).kind, "not-ready");
            assert.ok(isRetryable(e));
            assert.match((e as Error).message, /leader 10 at 10\.0\.0\.10:7687 has not applied its log yet \(applied 40 < last 41\)/);
        }
    });
    it("classifies driver errors and never keeps the password", () => {
        const pw = "Pa55-in-a-message";
        const auth = classifyError(
            { code: "Neo.ClientError.Security.Unauthorized", message: `bad password ${pw}` },
            "10.0.0.1:7687",
            "listRaftNodes",
            "admin",
            pw,
        );
        assert.strictEqual(auth.kind, "auth");
        assert.match(auth.message, /^authentication failed for user 'admin' at 10\.0\.0\.1:7687/);
        assert.ok(!auth.message.includes(pw));
        // TuGraph's own answer to a wrong password: code "error", "Authentication failed" (docs/tugraph-facts.md).
        assert.strictEqual(classifyError({ code: "error", message: "Authentication failed" }, "a:1", "listRaftNodes", "u", "p").kind, "auth");
        assert.strictEqual(classifyError({ code: "BoltRaftError", message: "not leader" }, "a:1", "x", "u", "p").kind, "not-leader");
        assert.strictEqual(classifyError({ code: "ServiceUnavailable", message: "Failed to connect" }, "a:1", "x", "u", "p").kind, "connection");
        const other = classifyError({ code: "BoltRaftError", message: "bolt raft is not enabled" }, "a:1", "x", "u", "p");
        assert.strictEqual(other.kind, "server");
        assert.ok(!isRetryable(other));
        assert.ok(isRetryable(classifyError({ message: "connect ECONNREFUSED 127.0.0.1:1" }, "a:1", "x", "u", "p")));
        assert.strictEqual(scrub("a-secret-b-secret", "secret"), "a-***-b-***");
    });

    it("judges an error on its raw text, then scrubs it: a password that is a word of the message changes nothing", () => {
        for (const pw of ["leader", "not", "connect", "ECONNREFUSED", "Failed"]) {
            const nl = classifyError({ code: "BoltRaftError", message: "not leader" }, "a:1", "addRaftNode(4)", "admin", pw);
            assert.strictEqual(nl.kind, "not-leader", pw);
            const cx = classifyError({ message: "Failed to connect to server: connect ECONNREFUSED 127.0.0.1:1" }, "a:1", "x", "admin", pw);
            assert.strictEqual(cx.kind, "connection", pw);
        }
        const leak = classifyError({ message: "syntax error near 'Pa55-x'" }, "a:1", "x", "admin", "Pa55-x");
        assert.strictEqual(leak.message, "x at a:1 failed: syntax error near '***'");
        // A user name equal to the password is not printed either.
        const same = classifyError(
            { code: "Neo.ClientError.Security.Unauthorized", message: "Authentication failed" },
            "a:1",
            "listRaftNodes",
            "root-pw",
            "root-pw",
        );
        assert.strictEqual(same.kind, "auth");
        assert.ok(!same.message.includes("root-pw"), same.message);
        assert.match(same.message, /authentication failed for the configured admin user at a:1/);
    });

    it("keeps the cause of a driver error, not its boilerplate", () => {
        const raw =
            "Could not perform discovery. No routing servers available. Known routing table: RoutingTable[database=default]. Please ensure that your database is listening on the correct host and port and that you have compatible encryption settings both on Neo4j server and driver. Note that the default encryption setting has changed in Neo4j 4.0. Caused by: connect ECONNREFUSED 127.0.0.1:7";
        const e = classifyError({ code: "ServiceUnavailable", message: raw }, "127.0.0.1:7", "listRaftNodes", "admin", "pw");
        assert.strictEqual(e.message, "listRaftNodes at 127.0.0.1:7: connection failed: ECONNREFUSED");
        assert.strictEqual(shortCause("bolt raft is not enabled"), "bolt raft is not enabled");
        assert.ok(shortCause("x".repeat(500)).length <= 160);
    });

    it("a call's deadline is its own timeout cut to what is left of the operation, and never beyond Node's timer range", () => {
        assert.strictEqual(callBudgetMs({ callTimeoutMs: 5000 }, 0), 5000);
        assert.strictEqual(callBudgetMs({ callTimeoutMs: 5000, deadlineAt: 1200 }, 1000), 200);
        assert.strictEqual(callBudgetMs({ callTimeoutMs: 5000, deadlineAt: 900 }, 1000), 0);
        assert.strictEqual(callBudgetMs({ callTimeoutMs: 3e9 }, 0), 2 ** 31 - 1);
    });
});

describe("bolt admin client against the simulator", function () {
    this.timeout(60_000);
    let c: SimulatorCluster;
    before(async () => {
        c = await startCluster();
    });
    after(async () => {
        await c?.cleanup();
    });
    const opts = (seeds: string[], extra: Record<string, any> = {}) => ({
        seeds,
        user: DEFAULT_USER,
        password: DEFAULT_PASSWORD,
        callTimeoutMs: 2000,
        totalTimeoutMs: 5000,
        ...extra,
    });

    it("finds the leader and every member from one follower seed (plus a dead one)", async () => {
        const leader = await c.waitForLeader();
        const f = [1, 2, 3].find((i) => i !== leader)!;
        const d = await discover(opts(["127.0.0.1:1", c.boltAddress(f)]));
        assert.strictEqual(d.leaderId, leader);
        assert.strictEqual(d.leaderAddress, c.boltAddress(leader));
        assert.deepStrictEqual(
            d.members.map((m) => m.id),
            [1, 2, 3],
        );
        assert.deepStrictEqual(d.downIds, []);
        assert.match(d.errors.join(), /listRaftNodes at 127\.0\.0\.1:1: connection failed/);
    });

    it("an admin call on a follower is `not leader` (retryable), withLeader goes to the leader", async () => {
        const leader = await c.waitForLeader();
        const f = [1, 2, 3].find((i) => i !== leader)!;
        const e = await rejects(callAdd(opts([]), c.boltAddress(f), 9, "127.0.0.1", 1, 2, true), /not leader/);
        assert.strictEqual((e as AdminError).kind, "not-leader");
        const seen = await withLeader(opts([c.boltAddress(f)]), "test", async (d) => d.leaderAddress);
        assert.strictEqual(seen, c.boltAddress(leader));
    });

    it("node ids TuGraph accepts (0, negative) are refused before any call: the simulator, as TuGraph, takes them", async () => {
        const leader = await c.waitForLeader();
        for (const id of [0, -3]) {
            const e = await rejects(callAdd(opts([]), c.boltAddress(leader), id, "127.0.0.1", 1, 2, true), /node id must be an integer from 1 to/);
            assert.strictEqual((e as AdminError).kind, "invalid");
            await rejects(callRemove(opts([]), c.boltAddress(leader), id), /node id must be an integer from 1 to/);
        }
        assert.ok(!fs.readFileSync(c.logFile(leader), "utf8").includes("admin call addRaftLearnerNode(0"), "nothing reached the node");
        // TuGraph itself checks only the argument types: the same call made directly is answered.
        await runCall(opts([]), c.boltAddress(leader), "add 0", "CALL db.bolt.addRaftLearnerNode(0, '127.0.0.1', 1, 2)");
        assert.deepStrictEqual(
            (await listRaftNodes(opts([]), c.boltAddress(leader))).map((m) => m.id),
            [1, 2, 3],
        );
    });

    it("explicit queries run auto-commit; no seed answering is a clear error naming every address", async () => {
        const rows = await runCall(opts([]), c.boltAddress(1), "listRaftNodes", "CALL db.bolt.listRaftNodes()");
        assert.strictEqual(rows.length, 3);
        await rejects(
            withLeader(opts(["127.0.0.1:1", "127.0.0.1:2"], { totalTimeoutMs: 600 }), "adding node 9", async () => 1),
            /adding node 9: gave up after \d+ attempt\(s\).*no member answered: listRaftNodes at 127\.0\.0\.1:1: connection failed.*127\.0\.0\.1:2/,
        );
    });

    it("reports progress: the leader it works on, and each retry with the time used; never the password", async () => {
        const lines: string[] = [];
        const log = (m: string) => lines.push(m);
        const leader = await c.waitForLeader();
        await withLeader(opts([c.boltAddress(1)], { log }), "adding node 9", async () => 1);
        assert.deepStrictEqual(lines, [`adding node 9: on leader ${leader} at ${c.boltAddress(leader)} (attempt 1)`]);
        lines.length = 0;
        await rejects(
            withLeader(opts(["127.0.0.1:1"], { log, totalTimeoutMs: 700 }), "removing node 3", async () => 1),
            /gave up/,
        );
        assert.ok(
            lines.length >= 1 && lines.every((l) => /^removing node 3: retrying in \d+ ms \(\d+ of 700 ms used\): no member answered/.test(l)),
            lines.join("\n"),
        );
        assert.ok(!lines.join("").includes(DEFAULT_PASSWORD));
        // The providers' options report on stderr (what `pulumi up` shows).
        assert.strictEqual(
            adminOptions({ seeds: [], adminUser: "u", adminPassword: "p", callTimeoutMs: 1, totalTimeoutMs: 2 } as any).log?.name,
            "progressLog",
        );
    });
});

describe("bolt admin client: hard deadlines against a hanging node", function () {
    this.timeout(60_000);
    let c: SimulatorCluster;
    before(async () => {
        c = await startCluster();
    });
    after(async () => {
        await c?.cleanup();
    });
    const net = require("net");
    const openSocketsTo = (port: number) =>
        (process as any)._getActiveHandles().filter((h: any) => h instanceof net.Socket && !h.destroyed && h.remotePort === port).length;

    it("a call past its deadline leaves no socket open in the process", async () => {
        const leader = await c.waitForLeader();
        await c.setFault(leader, "hang_admin_calls", true);
        try {
            const o = { seeds: [], user: DEFAULT_USER, password: DEFAULT_PASSWORD, callTimeoutMs: 300, totalTimeoutMs: 300 };
            await rejects(callAdd(o, c.boltAddress(leader), 9, "127.0.0.1", 1, 2, true), /did not answer within 300 ms/);
            assert.strictEqual(openSocketsTo(c.nodeSpec(leader).boltPort), 0);
        } finally {
            await c.setFault(leader, "hang_admin_calls", false);
        }
    });

    it("an operation never runs past its total by more than the stated bound (250 ms), however long one call may take", async () => {
        const leader = await c.waitForLeader();
        await c.setFault(leader, "hang_admin_calls", true);
        try {
            const seeds = [1, 2, 3].map((i) => c.boltAddress(i));
            const overruns: number[] = [];
            for (const [call, total] of [
                [1500, 2000],
                [3000, 1000],
                [800, 1700],
            ]) {
                const o = { seeds, user: DEFAULT_USER, password: DEFAULT_PASSWORD, callTimeoutMs: call, totalTimeoutMs: total };
                const t0 = Date.now();
                await rejects(
                    withLeader(o, "adding node 9", (d, ob) => callAdd(ob, d.leaderAddress, 9, "127.0.0.1", 1, 2, true)),
                    /gave up|did not answer|not started/,
                );
                overruns.push(Date.now() - t0 - total);
            }
            console.log(`      deadline overruns (ms): ${overruns.join(", ")}`);
            for (const x of overruns) assert.ok(x <= 250, `overran by ${x} ms`);
        } finally {
            await c.setFault(leader, "hang_admin_calls", false);
        }
    });
});

describe("why the admin client does not use neo4j:// routing", function () {
    this.timeout(60_000);
    it("a routing driver keeps sending admin calls to a removed leader (ROUTE cached, `not leader` is no routing error); direct discovery does not", async () => {
        const neo4j = require("neo4j-driver");
        const { removeMember, ensureMember } = await import("../../components/adapters/membershipOps");
        const c = await startCluster([1, 2, 3, 4]);
        try {
            const seeds = [1, 2, 3, 4].map((i) => c.boltAddress(i));
            const d = neo4j.driver(`neo4j://${seeds[0]}`, neo4j.auth.basic(DEFAULT_USER, DEFAULT_PASSWORD), {
                resolver: () => seeds,
                logging: { level: "error", logger: () => undefined },
            });
            const run = async (q: string) => {
                const s = d.session({ database: "default", defaultAccessMode: neo4j.session.WRITE });
                try {
                    await s.run(q);
                } finally {
                    await s.close();
                }
            };
            try {
                await run("CALL db.bolt.listRaftNodes()"); // routing table fetched: WRITE = the leader
                const o = { seeds, user: DEFAULT_USER, password: DEFAULT_PASSWORD, callTimeoutMs: 2000, totalTimeoutMs: 10_000 };
                const leader = await c.waitForLeader();
                await removeMember(o, leader, { minVoters: 3, allowUnsafeRemoval: false }); // the old leader keeps running
                for (let i = 0; i < 2; i++) await rejects(run("CALL db.bolt.addRaftLearnerNode(9, '127.0.0.1', 1, 2)"), /not leader/);
                const s9 = await c.allocate(9);
                const r = await ensureMember(o, { nodeId: 9, ip: s9.ip, boltPort: s9.boltPort, raftPort: s9.raftPort, role: "learner" });
                assert.ok(r.called);
            } finally {
                await d.close();
            }
        } finally {
            await c.cleanup();
        }
    });
});
