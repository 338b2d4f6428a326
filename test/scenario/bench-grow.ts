// Time of each step of the reshaping scenario, and of growing 3 -> 9, through the
// step-order driver on real Docker (three namespace test hosts with their own addresses and
// engines, test/hosts; the TuGraph simulator image -- a test double; its timings are not
// TuGraph's). Each step is one `up` (live view read first, preview, update). Not a test (needs
// root for the hosts, which it removes at the end): run with
//   npm run bench:reshape
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { freePorts, runOn } from "../simulator/harness";
import { engineFor } from "../../components/adapters/dockerEngine";
import { Topology, Writer, type NodeDecl } from "./hosts";
import { hostsDown, namespaceHosts } from "../hosts/namespaceHosts";

const engineNames = ["a", "b", "c"];
let ips: Record<string, string> = {};

async function timed(label: string, rows: [string, number, string][], f: () => Promise<string | void>): Promise<void> {
    const t0 = Date.now();
    const note = await f();
    rows.push([label, (Date.now() - t0) / 1000, note ?? ""]);
    console.error(`  ${label}: ${((Date.now() - t0) / 1000).toFixed(1)} s ${note ?? ""}`);
}

function table(title: string, rows: [string, number, string][]): void {
    console.log(`\n${title}`);
    console.log(`| step | seconds | note |\n|---|---:|---|`);
    for (const [l, s, n] of rows) console.log(`| ${l} | ${s.toFixed(1)} | ${n} |`);
    console.log(`| total | ${rows.reduce((a, r) => a + r[1], 0).toFixed(1)} | |`);
}

async function withStack<T>(tag: string, hosts: Record<string, string>, ports: number, f: (t: Topology) => Promise<T>): Promise<T> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `tugraph-ha-bench-${tag}-`));
    const t = new Topology(root, `tugraph-ha-bench-${tag}-${process.pid}-`, hosts, await freePorts(ports), ips);
    try {
        return await f(t);
    } finally {
        await t.removeContainers();
        fs.rmSync(root, { recursive: true, force: true });
    }
}

async function scenario(hosts: Record<string, string>): Promise<void> {
    const rows: [string, number, string][] = [];
    await withStack("scn", hosts, 18, async (t) => {
        const decl: NodeDecl[] = [
            { id: 1, engine: "a" },
            { id: 2, engine: "b" },
            { id: 3, engine: "c" },
        ];
        const d = await t.deployment();
        let live = [1, 2, 3];
        const writer = new Writer(() => live.map((i) => t.bolt(i)));
        try {
            await timed("bootstrap 1, 2, 3 (one per engine)", rows, async () => {
                await d.upOk(await t.program(t.config(decl)));
            });
            const leader = await t.leader(live);
            await runOn(t.bolt(leader), "CALL db.createVertexLabel('w', 'id', 'id', 'INT64', false)");
            writer.start();
            const cfg = () => t.config(decl, { bootstrap: [1, 2, 3] });
            decl.push({ id: 4, engine: t.engineOf(leader) });
            writer.phase = "add 4";
            await timed("add 4 (learner, sync, start, promote)", rows, async () => {
                await d.upOk(await t.program(cfg()));
                const s = d.get("DataSync", "tugraph-sync-4")!.outputs;
                return `donor ${s.donorId} (engine ${t.engineOf(s.donorId)} -> ${t.engineOf(4)}), copy ${Number(s.seconds).toFixed(1)} s`;
            });
            live = [1, 2, 3, 4];
            writer.phase = "kill 3";
            await timed("kill 3's container (docker kill) + new leader", rows, async () => {
                await engineFor(t.hostOf(3)).getContainer(t.container(3)).kill();
                live = [1, 2, 4];
                await t.leader(live);
            });
            writer.phase = "replace 3 by 5";
            decl.find((n) => n.id === 3)!.removed = true;
            decl.push({ id: 5, engine: ["a", "b"].find((e) => e !== t.engineOf(4))! });
            await timed("replace 3 by 5 (remove 3 first, add 5)", rows, async () => {
                await d.upOk(await t.program(cfg()));
                return `donor ${d.get("DataSync", "tugraph-sync-5")!.outputs.donorId}`;
            });
            live = [1, 2, 4, 5];
            writer.phase = "add learner 6";
            decl.push({ id: 6, engine: "c", role: "learner" });
            await timed("add learner 6 (no promotion)", rows, async () => {
                await d.upOk(await t.program(cfg()));
                return `donor ${d.get("DataSync", "tugraph-sync-6")!.outputs.donorId}`;
            });
            live = [1, 2, 4, 5, 6];
            writer.phase = "no change";
            await timed("re-run up with no change", rows, async () => {
                await d.upOk(await t.program(cfg()));
            });
        } finally {
            await writer.stop();
            await d.stop();
        }
        rows.push([
            "writer: acknowledged writes / longest gap",
            writer.acked.length,
            `${writer.maxGapMs} ms during '${writer.maxGapPhase}'; failures ${JSON.stringify(writer.failures)}`,
        ]);
    });
    table("Scenario over three engines (writer running through neo4j:// all along)", rows.slice(0, -1));
    const w = rows[rows.length - 1];
    console.log(`writer: ${w[1]} acknowledged writes, longest gap ${w[2]}`);
}

/** key=value figures of the grow, printed as the script's last line. */
const figures: Record<string, string> = {};

async function grow(hosts: Record<string, string>): Promise<void> {
    const rows: [string, number, string][] = [];
    const overheads: number[] = [];
    await withStack("grow", hosts, 27, async (t) => {
        const decl: NodeDecl[] = [1, 2, 3].map((id) => ({ id, engine: engineNames[id - 1] }));
        const d = await t.deployment();
        try {
            await timed("bootstrap 3", rows, async () => {
                await d.upOk(await t.program(t.config(decl)));
            });
            const leader = await t.leader([1, 2, 3]);
            await runOn(t.bolt(leader), "CALL db.createVertexLabel('w', 'id', 'id', 'INT64', false)");
            for (let i = 1; i <= 200; i++) await runOn(t.bolt(leader), `CREATE (n:w {id: ${i}})`);
            for (let id = 4; id <= 9; id++) {
                decl.push({ id, engine: engineNames[(id - 1) % 3] });
                await timed(`${id - 1} -> ${id} voters`, rows, async () => {
                    await d.upOk(await t.program(t.config(decl, { bootstrap: [1, 2, 3] })));
                    const s = d.get("DataSync", `tugraph-sync-${id}`)!.outputs;
                    const steps = d.history.filter(
                        (h) => !h.preview && new RegExp(`-(member|sync|promotion|node)-${id}(-container)?$`).test(h.name) && h.op === "create",
                    );
                    const per = steps
                        .map(
                            (h) =>
                                `${h.name
                                    .replace(/^tugraph-/, "")
                                    .replace(`-${id}`, "")
                                    .replace("-container", " container")} ${((h.end - h.start) / 1000).toFixed(1)}`,
                        )
                        .join(", ");
                    // Orchestration: the step minus the copy and minus the node's own start-up and catch-up (its NodeReady).
                    const span = (name: string) => steps.filter((h) => h.name === name).reduce((a, h) => a + (h.end - h.start) / 1000, 0);
                    const whole = (Math.max(...steps.map((h) => h.end)) - Math.min(...steps.map((h) => h.start))) / 1000;
                    const readyS = d.history
                        .filter((h) => !h.preview && h.name === `tugraph-ready-${id}` && h.op === "create")
                        .reduce((a, h) => a + (h.end - h.start) / 1000, 0);
                    overheads.push(whole - span(`tugraph-sync-${id}`) - readyS);
                    return `engine ${engineNames[(id - 1) % 3]}, donor ${s.donorId}; ${per}`;
                });
            }
        } finally {
            await d.stop();
        }
    });
    table("Grow 3 -> 9 (one node per up, each a voter: learner, sync, start, promote)", rows);
    const steps = rows.slice(1).map((r) => r[1]);
    const sorted = [...overheads].sort((a, b) => a - b);
    figures.grow_total_s = rows.reduce((a, r) => a + r[1], 0).toFixed(1);
    figures.grow_first_step_s = steps[0].toFixed(1);
    figures.grow_step_spread = (Math.max(...steps.map((x) => Math.abs(x - steps[0]))) / steps[0]).toFixed(2);
    figures.step_overhead_s = sorted[Math.floor(sorted.length / 2)].toFixed(2);
    figures.step_overhead_max_s = sorted[sorted.length - 1].toFixed(2);
}

// The driver's monitor stand-in does not keep component outputs (the SDK's registerResourceOutputs
// rejects with "unknown resource"); mocha swallows that, a plain script must too.
process.on("unhandledRejection", (e) => {
    if (!/unknown resource urn:/.test(String((e as Error)?.message))) {
        console.error(e);
        process.exit(1);
    }
});

async function main() {
    const made = await namespaceHosts(3);
    try {
        const hosts = Object.fromEntries(made.hosts.map((h, i) => [engineNames[i], h.unix]));
        ips = Object.fromEntries(made.hosts.map((h, i) => [engineNames[i], h.ip]));
        if (process.env.BENCH_GROW_SCENARIO !== "0") await scenario(hosts);
        await grow(hosts);
        console.log(
            Object.entries(figures)
                .map(([k, v]) => `${k}=${v}`)
                .join(" "),
        );
    } finally {
        await hostsDown();
    }
}

main().then(
    () => process.exit(0),
    (e) => {
        console.error(e);
        process.exit(1);
    },
);
