// `npm run status` against simulator (test double) processes: healthy, a node
// down, no leader, a hanging node (SIGSTOP), a joiner that cannot catch up, 9 nodes.
// One run goes through the real script as a child process; the others call
// runStatus in-process with the real Bolt client (askOverBolt).
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { askOverBolt, runStatus, StatusResult, VERIFIER_ENV } from "../../components/cli/statusCommand";
import { makeVerifier } from "../../components/adapters/passwordVerifier";
import { DEFAULT_PASSWORD, runOn, SimulatorCluster } from "../simulator/harness";
import { writeSimStack } from "./statusStack";

const ROOT = path.join(__dirname, "..", "..");
// What `pulumi stack output --show-secrets adminPasswordVerifier` gives after the stack's last up: status logs in only with a confirmed password.
const VERIFIED = { [VERIFIER_ENV]: makeVerifier("admin", DEFAULT_PASSWORD) };

async function statusIn(dir: string, extra: string[] = [], env: Record<string, string> = VERIFIED): Promise<StatusResult & { progress: string[]; ms: number }> {
    const progress: string[] = [];
    const started = Date.now();
    const r = await runStatus(
        ["--stack", "sim", "--dir", dir, ...extra],
        { cwd: ROOT, exists: fs.existsSync, readText: (f) => fs.readFileSync(f, "utf8") },
        { env, ask: askOverBolt, progress: (l) => progress.push(l), progressEveryMs: 500, resampleMs: 800 },
    );
    return { ...r, progress, ms: Date.now() - started };
}

function json(r: StatusResult): { leader: number | null; members: any[]; problems: string[] } {
    return JSON.parse(r.stdout);
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await fn().catch(() => false))) {
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

describe("status command against the simulator (test double)", function () {
    this.timeout(120_000);
    let c: SimulatorCluster | undefined;
    let dir: string | undefined;
    afterEach(async () => {
        await c?.cleanup(); // resumes a paused node, then kills every process
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
        c = undefined;
        dir = undefined;
    });
    const start = async (ids: number[]) => {
        c = new SimulatorCluster();
        await c.start(ids.map((id) => ({ id })));
        const leader = await c.waitForLeader(20_000);
        dir = await writeSimStack(c, ids);
        return leader;
    };

    it("healthy 3 nodes, through the real script: exit 0, one JSON object, every member caught up, no password", async () => {
        const leader = await start([1, 2, 3]);
        const child = spawn(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "components/cli/status.ts", "--stack", "sim", "--dir", dir!, "--json"],
            { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...VERIFIED } },
        );
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (err += d));
        const code = await new Promise<number | null>((r) => child.on("exit", r));
        assert.equal(code, 0, err + out);
        const j = JSON.parse(out);
        assert.equal(j.leader, leader);
        assert.deepStrictEqual(
            j.members.map((m: any) => [m.id, m.address, m.role, m.leader, m.reachable, m.lag, m.state]),
            [1, 2, 3].map((id) => [id, c!.boltAddress(id), "voter", id === leader, true, 0, "caught-up"]),
        );
        for (const m of j.members) {
            assert.equal(typeof m.applied, "number");
            assert.equal(m.commit, j.commit);
        }
        assert.ok(!out.includes(DEFAULT_PASSWORD) && !err.includes(DEFAULT_PASSWORD));
        // the text form: a table with the columns, and the verdict
        const t = await statusIn(dir!);
        assert.equal(t.code, 0, t.stdout);
        assert.match(t.stdout, /^stack sim: leader \d+ \(term \d+, commit \d+\)\nid +address +role +leader +reachable +applied +commit +lag +state\n/);
        assert.match(t.stdout, /3 of 3 voters up and caught up: the cluster can lose 1 more/);
        assert.match(t.stdout, /healthy \(exit 0\)\n$/);
    });

    it("a voter down: exit 2, reported unreachable, the message names the fix and that no other voter may go", async () => {
        const leader = await start([1, 2, 3]);
        const down = [1, 2, 3].find((i) => i !== leader)!;
        await c!.kill(down);
        const r = await statusIn(dir!, ["--json", "--timeout", "2"]);
        assert.equal(r.code, 2, r.stdout);
        const j = json(r);
        assert.equal(j.leader, leader);
        const m = j.members.find((x) => x.id === down);
        assert.deepStrictEqual([m.reachable, m.applied, m.commit], [false, null, null]);
        assert.ok(
            j.problems.some(
                (p) => p.includes(`voter ${down} at ${c!.boltAddress(down)} is unreachable (`) && /start it, or check its host and network/.test(p),
            ),
            j.problems.join("\n"),
        );
        assert.ok(
            j.problems.some((p) => /2 of 3 voters up and caught up: the cluster can lose 0 more/.test(p)),
            j.problems.join("\n"),
        );
    });

    it("no leader (a majority down): exit 2, leader null", async () => {
        const leader = await start([1, 2, 3]);
        const [a, b] = [1, 2, 3].filter((i) => i !== leader);
        await c!.kill(a);
        await c!.kill(b);
        // checkQuorum: the survivor steps down after an election timeout
        await until("the survivor steps down", async () => (await c!.status(leader)).raftState !== "StateLeader");
        const r = await statusIn(dir!, ["--json", "--timeout", "2"]);
        assert.equal(r.code, 2, r.stdout);
        const j = json(r);
        assert.equal(j.leader, null);
        assert.match(
            j.problems[0],
            /^no leader: 1 of 3 asked node\(s\) answered and none is leader; 1 of 3 voters answer and a leader needs 2: start the members that are down/,
        );
        assert.deepStrictEqual(
            j.members.map((m) => [m.id, m.reachable, m.lag]),
            [1, 2, 3].map((id) => [id, id === leader, null]),
        );
        const text = await statusIn(dir!, ["--timeout", "2"]);
        assert.match(text.stdout, /^stack sim: NO LEADER\n/);
    });

    it("a hanging node (SIGSTOP): status returns within its deadline plus a small bound, reports it unreachable, and said whom it waited for", async () => {
        const leader = await start([1, 2, 3]);
        const hung = [1, 2, 3].find((i) => i !== leader)!;
        c!.pause(hung);
        const r = await statusIn(dir!, ["--json", "--timeout", "2"]);
        assert.ok(r.ms < 2000 + 1500, `took ${r.ms} ms with a 2 s deadline`);
        assert.equal(r.code, 2, r.stdout);
        const j = json(r);
        assert.equal(j.members.find((m) => m.id === hung).reachable, false);
        assert.ok(
            j.problems.some((p) => p.includes(`voter ${hung} at ${c!.boltAddress(hung)} is unreachable (no answer within 2 s)`)),
            j.problems.join("\n"),
        );
        assert.ok(
            r.progress.some((l) => l.startsWith(`status: waiting for ${c!.boltAddress(hung)} (`) && l.endsWith(" of 2 s)")),
            r.progress.join("\n"),
        );
        assert.ok(!r.progress.some((l) => l.includes(c!.boltAddress(leader))), "only the hanging node is waited for");
    });

    it("a voter joined on an empty disk: StateReplicate by name, cannot catch up by numbers: exit 2 naming the data copy", async () => {
        const leader = await start([1, 2, 3]);
        const s4 = await c!.allocate(4);
        await runOn(c!.boltAddress(leader), `CALL db.bolt.addRaftNode(4, '${s4.ip}', ${s4.boltPort}, ${s4.raftPort})`);
        await c!.startJoiner(4);
        await c!.waitForStrandedJoiner(4);
        fs.rmSync(dir!, { recursive: true, force: true });
        dir = await writeSimStack(c!, [1, 2, 3, 4], { bootstrap: [1, 2, 3] });
        const r = await statusIn(dir!, ["--json"]);
        assert.equal(r.code, 2, r.stdout);
        const j = json(r);
        const m4 = j.members.find((m) => m.id === 4);
        assert.deepStrictEqual([m4.reachable, m4.applied, m4.commit, m4.state], [true, 4, 4, "cannot-catch-up"]);
        assert.ok(m4.lag >= 1);
        assert.ok(
            j.problems.some((p) =>
                /voter 4 .* cannot catch up: match 4 stayed below the leader's commit \d+ between two samples; TuGraph has no raft snapshots: start it from a copy of a healthy member's data directory/.test(
                    p,
                ),
            ),
            j.problems.join("\n"),
        );
    });

    it("9 nodes: every member reachable and caught up, exit 0", async () => {
        const ids = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        const leader = await start(ids);
        const r = await statusIn(dir!, ["--json"]);
        assert.equal(r.code, 0, r.stdout);
        const j = json(r);
        assert.equal(j.leader, leader);
        assert.deepStrictEqual(
            j.members.map((m) => [m.id, m.reachable, m.state]),
            ids.map((id) => [id, true, "caught-up"]),
        );
    });
});
