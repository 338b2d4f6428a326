// How long `npm run status` and `npm run plan` spend on the cluster for 9 simulator (test double)
// nodes: all up, and with one hanging (SIGSTOP). Cluster time: runStatus and runLivePlan in this
// process, as the scripts run them, without the node/ts-node start-up (about 1 s, printed apart
// from one run of the real script). Not a test (no timed assertion): run with
//   npm run bench:status [-- <deadline seconds per node, default 2>]
// The last line is key=value figures (medians of 5 runs).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { SimulatorCluster, DEFAULT_PASSWORD } from "../simulator/harness";
import { writeSimStack } from "./statusStack";
import { runStatus, askOverBolt } from "../../components/cli/statusCommand";
import { runLivePlan, VERIFIER_ENV } from "../../components/cli/planCommand";
import { readLiveMembership } from "../../components/adapters/liveView";
import { makeVerifier } from "../../components/adapters/passwordVerifier";

const ROOT = path.join(__dirname, "..", "..");
const deadline = process.argv[2] ?? "2";
const RUNS = 5;
const io = (dir: string) => ({ cwd: dir, exists: (f: string) => fs.existsSync(f), readText: (f: string) => fs.readFileSync(f, "utf8") });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeMs(f: () => Promise<unknown>): Promise<number> {
    const t = process.hrtime.bigint();
    await f();
    return Number(process.hrtime.bigint() - t) / 1e6;
}

async function main() {
    process.env.TUGRAPH_HA_PROGRESS = "0";
    const c = new SimulatorCluster();
    let dir = "";
    const figures: Record<string, string> = {};
    try {
        const ids = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        await c.start(ids.map((id) => ({ id })));
        const leader = await c.waitForLeader(30_000);
        dir = await writeSimStack(c, ids);
        const env = { [VERIFIER_ENV]: makeVerifier("admin", DEFAULT_PASSWORD) };
        const status = () => runStatus(["--stack", "sim", "--timeout", deadline], io(dir), { env, ask: askOverBolt, progress: () => undefined });
        const plan = () => runLivePlan(["--stack", "sim"], io(dir), { env, readLive: readLiveMembership });
        await status(); // warm-up: connections, JIT
        await plan();
        const runs = async (f: () => Promise<unknown>) => {
            const out: number[] = [];
            for (let i = 0; i < RUNS; i++) out.push(await timeMs(f));
            return out;
        };
        const s9 = await runs(status);
        const p9 = await runs(plan);
        console.log(`9 nodes, all up: status ${s9.map((x) => x.toFixed(0)).join(", ")} ms; plan ${p9.map((x) => x.toFixed(0)).join(", ")} ms`);
        figures.status_9_ms = median(s9).toFixed(0);
        figures.plan_9_ms = median(p9).toFixed(0);

        const hung = ids.find((i) => i !== leader)!;
        c.pause(hung);
        const sh = await runs(status);
        const ph = await runs(plan);
        console.log(
            `9 nodes, node ${hung} hanging (SIGSTOP), deadline ${deadline} s: status ${sh.map((x) => x.toFixed(0)).join(", ")} ms; plan ${ph.map((x) => x.toFixed(0)).join(", ")} ms`,
        );
        figures.status_9_hung_ms = median(sh).toFixed(0);
        figures.plan_9_hung_ms = median(ph).toFixed(0);
        figures.deadline_ms = String(Number(deadline) * 1000);
        c.resume(hung);

        // The real script once, for the start-up it adds (node + ts-node compile).
        const t = Date.now();
        spawnSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "components/cli/status.ts", "--stack", "sim", "--dir", dir, "--timeout", deadline],
            {
                cwd: ROOT,
                encoding: "utf8",
                env: { ...process.env, ...env },
            },
        );
        figures.status_script_ms = String(Date.now() - t);
        console.log(
            Object.entries(figures)
                .map(([k, v]) => `${k}=${v}`)
                .join(" "),
        );
    } finally {
        await c.cleanup();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
}
main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
});
