// `npm run plan` against a live cluster (simulator processes): the same planner as
// preview and `up`, each step with its gate's verdict, drift with its fix, and the
// exit code. The command runs in-process (runLivePlan) with the real live reader.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { SimulatorCluster } from "../simulator/harness";
import { DEFAULT_PASSWORD, runOn } from "../simulator/harness";
import { startCluster } from "./engine";
import { runLivePlan, VERIFIER_ENV } from "../../components/cli/planCommand";
import { makeVerifier } from "../../components/adapters/passwordVerifier";
import { readLiveMembership } from "../../components/adapters/liveView";

const io = (dir: string) => ({ cwd: dir, exists: (f: string) => fs.existsSync(f), readText: (f: string) => fs.readFileSync(f, "utf8") });

describe("npm run plan against the live cluster (simulator)", function () {
    this.timeout(120_000);
    let c: SimulatorCluster | undefined;
    let dir = "";
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-liveplan-"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: tugraph-ha\nruntime: nodejs\n");
    });
    afterEach(async () => {
        await c?.cleanup();
        c = undefined;
        fs.rmSync(dir, { recursive: true, force: true });
    });
    async function stackFile(ids: number[], extra: Record<number, string> = {}, membership = "{callTimeoutSeconds: 2}", bootstrap = [1, 2, 3]): Promise<void> {
        const lines = [];
        for (const id of ids) {
            const s = await c!.allocate(id);
            lines.push(
                `    - {id: ${id}, ip: 127.0.0.1, boltPort: ${s.boltPort}, raftPort: ${s.raftPort}, webPort: ${21000 + id}${extra[id] ? `, ${extra[id]}` : ""}}`,
            );
        }
        fs.writeFileSync(
            path.join(dir, "Pulumi.live.yaml"),
            `config:\n  tugraph:adminPassword: "${DEFAULT_PASSWORD}"\n  tugraph:bootstrap: [${bootstrap.join(", ")}]\n  tugraph:membership: ${membership}\n  tugraph:nodes:\n${lines.join("\n")}\n`,
        );
    }
    const plan = () =>
        runLivePlan(["--stack", "live"], io(dir), { env: { [VERIFIER_ENV]: makeVerifier("admin", DEFAULT_PASSWORD) }, readLive: readLiveMembership });

    it("a grow: the ordered steps with each gate's verdict, exit 0", async () => {
        c = await startCluster();
        await stackFile([1, 2, 3, 4, 5], { 5: "role: learner" });
        const r = await plan();
        assert.strictEqual(r.code, 0, r.stdout + r.stderr);
        const steps = r.stdout.slice(r.stdout.indexOf("membership steps of this update"));
        assert.match(steps, /1\. add 4 as learner: majority up \(3 of 3 voters\); a learner does not count in the quorum/);
        assert.match(steps, /2\. sync 4 from [123]: voter [123]: caught up/);
        assert.match(steps, /4\. promote 4 when caught up: it votes at once: 4 voters, a majority is 3/);
        assert.match(steps, /5\. add 5 as learner/);
        assert.ok(!/promote 5/.test(steps), "a declared learner stays one");
        assert.ok(!r.stdout.includes(DEFAULT_PASSWORD));
    });

    it("a plan that would be refused: exit 2, every refusal with its fix; drift reported", async () => {
        c = await startCluster([1, 2, 3, 4, 5]);
        await c.kill(5);
        await c.waitForLeader(15_000, [1, 2, 3, 4]);
        const leader = await c.waitForLeader();
        const s9 = await c.allocate(9);
        await runOn(c.boltAddress(leader), `CALL db.bolt.addRaftLearnerNode(9, '127.0.0.1', ${s9.boltPort}, ${s9.raftPort})`);
        await c.startJoiner(9); // on an empty disk: it can never catch up (no snapshots)
        await c.waitForStrandedJoiner(9);
        await stackFile(
            [1, 2, 3, 4, 5],
            { 2: "removed: true", 3: "removed: true", 4: "removed: true" },
            "{callTimeoutSeconds: 2, minVoters: 1}",
            [1, 2, 3, 4, 5],
        );
        const r = await plan();
        assert.strictEqual(r.code, 2, r.stdout + r.stderr);
        assert.match(r.stdout, /REFUSED: the 2 voters left would need 2 up for a quorum, but only 1 are up now/);
        assert.match(r.stdout, /refusing the whole membership plan, nothing was changed/);
        assert.match(r.stdout, /node 9 at 127\.0\.0\.1:\d+\/\d+ is a raft member the stack does not know: add it to tugraph:nodes/);
        assert.match(
            r.stdout,
            /voter 5 is down or behind the leader: the cluster cannot lose another voter/,
            "a voter that does not answer is down, not judged stuck",
        );
        assert.match(r.stdout, /learner 9 cannot catch up \(match \d+ stayed below the leader's commit \d+ between two samples; .*set `resync` on node 9/);
    });

    it("9 nodes, one hanging (SIGSTOP): the plan still comes within its deadline; measured", async () => {
        const ids = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        c = await startCluster(ids);
        await stackFile(ids, {}, undefined, ids);
        const healthy = Date.now();
        const ok = await plan();
        const healthyMs = Date.now() - healthy;
        assert.strictEqual(ok.code, 0, ok.stdout + ok.stderr);
        assert.match(ok.stdout, /membership: no change/);
        const leader = await c.waitForLeader();
        const hung = ids.find((i) => i !== leader)!;
        c.pause(hung);
        const t0 = Date.now();
        const r = await plan();
        const ms = Date.now() - t0;
        console.log(`      plan on 9 nodes: ${healthyMs} ms healthy, ${ms} ms with node ${hung} hanging (per-call deadline 2 s, budget 5 s)`);
        assert.ok(ms < 9000, `${ms} ms`);
        assert.match(r.stdout, new RegExp(`voter ${hung} is down or behind the leader`));
    });
});
