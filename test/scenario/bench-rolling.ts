// Benchmark (a script, not a test): a rolling image upgrade of 3 and of 5 nodes on
// real Docker through the step-order driver, with a writer running. Prints the time
// per node and the longest gap between two acknowledged writes, then one line of key=value
// figures: rolling_overhead_s is the median, over nodes, of the node's step (its container
// replaced, then ready) minus its NodeReady (the node's own start-up until it answers Bolt,
// and its catch-up): what orchestration adds.
//   npm run bench:rolling
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseClusterConfig } from "../../components/core/config";
import type { ClusterConfig } from "../../components/core/types";
import { TuGraphCluster } from "../../components/resources/cluster";
import { readLiveMembership } from "../../components/adapters/liveView";
import { discover } from "../../components/adapters/boltAdmin";
import { dockerOk, SIMULATOR_IMAGE } from "../docker/engine";
import { DEFAULT_PASSWORD, freePorts } from "../simulator/harness";
import { removeContainers } from "./dockerApply";
import { Deployment } from "../engine/deployment";
import { dockerContainers } from "./dockerRealizer";
import { startWriter } from "./writer";

const figures: Record<string, string> = {};

async function roll(n: number): Promise<string> {
    const prefix = `tugraph-ha-benchroll-${n}-`;
    const ids = Array.from({ length: n }, (_, i) => i + 1);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-benchroll-"));
    const ports = await freePorts(3 * n);
    const stack = (image: string): ClusterConfig => {
        const parsed = parseClusterConfig({
            adminPassword: DEFAULT_PASSWORD,
            containerPrefix: prefix,
            dataRoot: root,
            image,
            bootstrap: ids,
            membership: { callTimeoutSeconds: 5, totalTimeoutSeconds: 120 },
            nodes: ids.map((id) => ({ id, ip: "127.0.0.1", boltPort: ports[id - 1], raftPort: ports[n + id - 1], webPort: ports[2 * n + id - 1] })),
        });
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
        return parsed.config;
    };
    const program = async (cfg: ClusterConfig) => {
        const live = await readLiveMembership(cfg, DEFAULT_PASSWORD);
        return () => new TuGraphCluster("tugraph", { config: cfg, adminPassword: pulumi.secret(DEFAULT_PASSWORD), live });
    };
    const d = await new Deployment({ realizers: { "docker:index/container:Container": dockerContainers({ waitHealthyMs: 60_000 }) } }).start();
    try {
        await d.upOk(await program(stack("tugraph-simulator:4.5.2")));
        // The nodes answer Bolt when `up` returns; the election may take a moment more.
        const seeds = ids.map((id) => `127.0.0.1:${ports[id - 1]}`);
        for (
            let i = 0;
            i < 100 && !(await discover({ seeds, user: "admin", password: DEFAULT_PASSWORD, callTimeoutMs: 1000, totalTimeoutMs: 2000 })).leaderId;
            i++
        )
            await new Promise((r) => setTimeout(r, 200));
        const writer = await startWriter(seeds);
        const t0 = Date.now();
        await d.upOk(await program(stack("tugraph-simulator:4.5.3")));
        const ms = Date.now() - t0;
        const w = await writer.stop();
        const real = d.history.filter((h) => !h.preview && h.start >= t0);
        const overheads = ids
            .map((id) => {
                const mine = real.filter((h) => h.name === `tugraph-node-${id}-container` || h.name === `tugraph-ready-${id}`);
                const ready = mine.filter((h) => h.name === `tugraph-ready-${id}`).reduce((a, h) => a + (h.end - h.start), 0);
                return mine.length ? (Math.max(...mine.map((h) => h.end)) - Math.min(...mine.map((h) => h.start)) - ready) / 1000 : NaN;
            })
            .filter((x) => !Number.isNaN(x))
            .sort((a, b) => a - b);
        figures[`rolling_${n}_s`] = (ms / 1000).toFixed(1);
        figures[`rolling_${n}_lost`] = String(w.lost.length);
        if (n === 3) {
            figures.rolling_overhead_s = overheads[Math.floor(overheads.length / 2)]?.toFixed(2) ?? "NaN";
            figures.rolling_longest_write_gap_ms = String(w.longestGapMs);
        }
        return `| ${n} | ${(ms / 1000).toFixed(1)} s | ${(ms / n / 1000).toFixed(1)} s | ${w.longestGapMs} ms | ${w.acknowledged} | ${w.lost.length} | ${w.retries} |`;
    } finally {
        await d.stop();
        await removeContainers(ids.map((id) => `${prefix}${id}`));
        fs.rmSync(root, { recursive: true, force: true });
    }
}

async function main() {
    process.env.TUGRAPH_HA_PROGRESS = "0";
    await dockerOk(["tag", SIMULATOR_IMAGE, "tugraph-simulator:4.5.2"]);
    await dockerOk(["tag", SIMULATOR_IMAGE, "tugraph-simulator:4.5.3"]);
    const rows = [
        "| nodes | rolling image upgrade | per node | longest write gap | writes acknowledged | lost | writer retries |",
        "|---|---|---|---|---|---|---|",
    ];
    for (const n of [3, 5]) rows.push(await roll(n));
    console.log(rows.join("\n"));
    console.log(
        Object.entries(figures)
            .map(([k, v]) => `${k}=${v}`)
            .join(" "),
    );
}
main().catch((e) => {
    console.error(e);
    process.exit(1);
});
