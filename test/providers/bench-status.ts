// How long `npm run status` takes on 9 simulator (test double) nodes, all up and
// with one hanging (SIGSTOP), through the real script as a child process.
// Not a test (no timed assertion): run with
//   npx ts-node --transpile-only test/providers/bench-status.ts [deadline seconds, default 5]
// Measured (2-core machine shared with other test runs, simulator on loopback):
// all up 1.1-1.7 s (about 1 s of it is ts-node starting); one node hanging,
// deadline 5 s: 6.3-6.5 s; deadline 2 s: 3.4 s. So: the deadline plus start-up.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { SimulatorCluster } from "../simulator/harness";
import { writeSimStack } from "./statusStack";

const ROOT = path.join(__dirname, "..", "..");
const deadline = process.argv[2] ?? "5";

function status(dir: string): { ms: number; code: number | null; stderr: string } {
    const t = Date.now();
    const r = spawnSync(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", "components/cli/status.ts", "--stack", "sim", "--dir", dir, "--timeout", deadline],
        { cwd: ROOT, encoding: "utf8" },
    );
    return { ms: Date.now() - t, code: r.status, stderr: r.stderr };
}

async function main() {
    const c = new SimulatorCluster();
    let dir = "";
    try {
        const ids = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        await c.start(ids.map((id) => ({ id })));
        const leader = await c.waitForLeader(30_000);
        dir = await writeSimStack(c, ids);
        status(dir); // warm-up (ts-node compile cache)
        const healthy = status(dir);
        console.log(`9 nodes, all up: ${healthy.ms} ms, exit ${healthy.code}`);
        const hung = ids.find((i) => i !== leader)!;
        c.pause(hung);
        const one = status(dir);
        console.log(`9 nodes, node ${hung} hanging (SIGSTOP), deadline ${deadline} s: ${one.ms} ms, exit ${one.code}`);
        console.log(`progress lines:\n${one.stderr.trimEnd()}`);
    } finally {
        await c.cleanup();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
}
main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
});
