// Benchmark (not a test): grow 3 -> 9 through the REAL engine (`pulumi up` of the built CLI and
// Docker plugin, one node per up, each a voter: learner, copy, start, promotion), every node on
// the default Docker engine at 127.0.0.1 with ports of its own (the TuGraph simulator image, a
// test double; its timings are not TuGraph's). Per step: the whole `pulumi up`, the chain (from
// the membership add to the promotion), the copy (DataSync) and the node's own start-up and
// catch-up (NodeReady); orchestration is the chain minus those two. Ends with key=value figures.
//   npm run bench:grow
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_PASSWORD, freePorts } from "../simulator/harness";
import { dockerOk, SIMULATOR_IMAGE } from "../docker/engine";
import { removeContainers } from "../scenario/dockerApply";
import { RealStack } from "./realPulumi";

const PREFIX = "tugraph-ha-bench-grow-";
const TAG = "tugraph-simulator:bench-grow";

async function main() {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), PREFIX));
    const ports = await freePorts(27);
    const ids = Array.from({ length: 9 }, (_, i) => i + 1);
    const names = ids.map((id) => `${PREFIX}${id}`);
    await removeContainers(names);
    await dockerOk(["tag", SIMULATOR_IMAGE, TAG]);
    const node = (id: number) => ({ id, ip: "127.0.0.1", boltPort: ports[(id - 1) * 3], raftPort: ports[(id - 1) * 3 + 1], webPort: ports[(id - 1) * 3 + 2] });
    const config = (n: number) => ({
        image: TAG,
        adminPassword: DEFAULT_PASSWORD,
        containerPrefix: PREFIX,
        dataRoot: root,
        bootstrap: [1, 2, 3],
        membership: { callTimeoutSeconds: 5, totalTimeoutSeconds: 120 },
        nodes: ids.slice(0, n).map(node),
    });
    let stack: RealStack | undefined;
    const rows: string[] = ["| step | pulumi up | chain | copy | node start + catch-up | orchestration |", "|---|---:|---:|---:|---:|---:|"];
    const ups: number[] = [];
    const orchestration: number[] = [];
    try {
        stack = await RealStack.create("benchgrow", { config: config(3) });
        let t = Date.now();
        await stack.up();
        rows.push(`| bootstrap 3 | ${((Date.now() - t) / 1000).toFixed(1)} s | | | | |`);
        for (let n = 4; n <= 9; n++) {
            await stack.setConfig(config(n));
            t = Date.now();
            const r = await stack.up();
            const upS = (Date.now() - t) / 1000;
            const mine = r.steps.filter((s) => new RegExp(`-(member|sync|ready|promotion)-${n}$|-node-${n}-container$`).test(s.name) && s.op === "create");
            const span = (re: RegExp) => mine.filter((s) => re.test(s.name)).reduce((a, s) => a + ((s.end ?? s.start) - s.start) / 1000, 0);
            const chain = (Math.max(...mine.map((s) => s.end ?? s.start)) - Math.min(...mine.map((s) => s.start))) / 1000;
            const copy = span(/-sync-/);
            const ready = span(/-ready-/);
            ups.push(upS);
            orchestration.push(chain - copy - ready);
            rows.push(
                `| ${n - 1} -> ${n} | ${upS.toFixed(1)} s | ${chain.toFixed(1)} s | ${copy.toFixed(1)} s | ${ready.toFixed(1)} s | ${(chain - copy - ready).toFixed(2)} s |`,
            );
            console.error(rows[rows.length - 1]);
        }
        await stack.destroy();
    } finally {
        stack?.remove();
        await removeContainers(names);
        await dockerOk(["rmi", TAG]).catch(() => undefined);
        fs.rmSync(root, { recursive: true, force: true });
    }
    console.log(rows.join("\n"));
    const sorted = [...orchestration].sort((a, b) => a - b);
    const figures = {
        grow_total_s: ups.reduce((a, b) => a + b, 0).toFixed(1),
        grow_first_step_s: ups[0].toFixed(1),
        grow_step_spread: (Math.max(...ups.map((x) => Math.abs(x - ups[0]))) / ups[0]).toFixed(2),
        step_overhead_s: sorted[Math.floor(sorted.length / 2)].toFixed(2),
        step_overhead_max_s: sorted[sorted.length - 1].toFixed(2),
    };
    console.log(
        Object.entries(figures)
            .map(([k, v]) => `${k}=${v}`)
            .join(" "),
    );
}

main().then(
    () => process.exit(0),
    (e) => {
        console.error(e);
        process.exit(1);
    },
);
