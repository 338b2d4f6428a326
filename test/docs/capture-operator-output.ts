// Captures what an operator sees -- `npm run status`, `npm run plan` against a live
// cluster, and the preview log of a grow and of a replace -- from a TuGraph
// simulator (test double) cluster, and writes it into README.md between the
// `captured:begin` / `captured:end` markers. Not hand-written:
//   npx ts-node --transpile-only test/docs/capture-operator-output.ts
// (ports and timings vary between runs; they are replaced by stable placeholders).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { runLivePlan, VERIFIER_ENV } from "../../components/cli/planCommand";
import { askOverBolt, runStatus } from "../../components/cli/statusCommand";
import { readLiveMembership } from "../../components/adapters/liveView";
import { makeVerifier } from "../../components/adapters/passwordVerifier";
import { DEFAULT_PASSWORD, SimulatorCluster } from "../simulator/harness";
import { startCluster } from "../providers/engine";
import { clusterProgram, liveOf, simulatorDeployment, stackConfig, stackNodes } from "../engine/simulatorStack";

const README = path.join(__dirname, "..", "..", "README.md");
// The verifier the stack's last `pulumi up` exported: plan and status log in only with a confirmed password.
const VERIFIED = { [VERIFIER_ENV]: makeVerifier("admin", DEFAULT_PASSWORD) };

async function main() {
    process.env.TUGRAPH_HA_PROGRESS = "0";
    const c: SimulatorCluster = await startCluster();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-capture-"));
    const out: string[] = [];
    const ports = new Map<string, string>();
    const stable = (t: string) =>
        t
            .replace(/127\.0\.0\.1:(\d+)(\/(\d+))?/g, (_m, b, _r, r) => {
                const key = `${b}`;
                if (!ports.has(key)) ports.set(key, String(7686 + ports.size + 1));
                return `127.0.0.1:${ports.get(key)}${r ? `/${8000 + Number(ports.get(key)) - 7687}` : ""}`;
            })
            .replace(/\b\d{4}-\d\d-\d\dT[\d:.]+Z\b/g, "<time>")
            .replace(/\(\d+ ms\)/g, "(<n> ms)")
            .replace(/\/tmp\/tugraph-ha-capture-\w+/g, "/proj");
    const block = (title: string, cmd: string, text: string) => out.push(`**${title}** (\`${cmd}\`):\n\n\`\`\`text\n${stable(text).trimEnd()}\n\`\`\`\n`);
    try {
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: tugraph-ha\nruntime: nodejs\n");
        const stackFile = async (ids: number[], extra: Record<number, string> = {}) => {
            const lines = [];
            for (const id of ids) {
                const s = await c.allocate(id);
                lines.push(
                    `    - {id: ${id}, ip: 127.0.0.1, boltPort: ${s.boltPort}, raftPort: ${s.raftPort}, webPort: ${21000 + id}${extra[id] ? `, ${extra[id]}` : ""}}`,
                );
            }
            fs.writeFileSync(
                path.join(dir, "Pulumi.demo.yaml"),
                `config:\n  tugraph:adminPassword: "${DEFAULT_PASSWORD}"\n  tugraph:bootstrap: [1, 2, 3]\n  tugraph:membership: {callTimeoutSeconds: 2}\n  tugraph:nodes:\n${lines.join("\n")}\n`,
            );
        };
        const io = { cwd: dir, exists: (f: string) => fs.existsSync(f), readText: (f: string) => fs.readFileSync(f, "utf8") };

        await stackFile([1, 2, 3]);
        const status = await runStatus(["--stack", "demo"], io, { env: VERIFIED, ask: askOverBolt, progress: () => undefined });
        block(`status of a healthy 3-node cluster, exit ${status.code}`, "npm run status -- --stack demo", status.stdout);

        await stackFile([1, 2, 3, 4, 5], { 5: "role: learner" });
        const grow = await runLivePlan(["--stack", "demo"], io, { env: VERIFIED, readLive: readLiveMembership });
        block(
            `plan of a grow by a voter and a learner, exit ${grow.code}`,
            "npm run plan -- --stack demo",
            grow.stdout.slice(grow.stdout.indexOf("membership steps")),
        );

        // The preview log of that grow, as `pulumi preview` shows it (the program's own log lines).
        block(
            "preview log of the grow",
            "pulumi preview",
            await previewLog(c, stackConfig({ nodes: await stackNodes(c, [1, 2, 3, 4, 5], { 5: { role: "learner" } }), bootstrap: [1, 2, 3] })),
        );

        await c.kill(3);
        await c.waitForLeader(15_000, [1, 2]);
        await stackFile([1, 2, 3, 4], { 3: "removed: true" });
        const replace = await runLivePlan(["--stack", "demo"], io, { env: VERIFIED, readLive: readLiveMembership });
        block(
            `plan of replacing failed node 3 by node 4, exit ${replace.code}`,
            "npm run plan -- --stack demo",
            replace.stdout.slice(replace.stdout.indexOf("membership steps")),
        );
        const down = await runStatus(["--stack", "demo"], io, { env: VERIFIED, ask: askOverBolt, progress: () => undefined });
        block(`status with node 3 down, exit ${down.code}`, "npm run status -- --stack demo", down.stdout);

        // The preview log of the same replace.
        const cfg = stackConfig({
            nodes: await stackNodes(c, [1, 2, 3, 4], { 3: { removed: true } }),
            bootstrap: [1, 2, 3],
            membership: { allowWriteOutageForSync: true },
        });
        const logged = (await previewLog(c, cfg)).split("\n");
        block("preview log of the replace, with `membership.allowWriteOutageForSync: true`", "pulumi preview", logged.join("\n"));
    } finally {
        await c.cleanup();
        fs.rmSync(dir, { recursive: true, force: true });
    }
    const text = fs.readFileSync(README, "utf8");
    const begin = "<!-- captured:begin (test/docs/capture-operator-output.ts writes this part) -->";
    const end = "<!-- captured:end -->";
    const i = text.indexOf(begin);
    const j = text.indexOf(end);
    if (i < 0 || j < 0) throw new Error(`README.md has no ${begin} ... ${end} markers`);
    fs.writeFileSync(README, `${text.slice(0, i + begin.length)}\n\n${out.join("\n")}\n${text.slice(j)}`);
    console.log(`README.md: ${out.length} captured blocks`);
}

/** The program's own log lines (pulumi.log) during a preview of `cfg` against the live cluster. */
async function previewLog(c: SimulatorCluster, cfg: ReturnType<typeof stackConfig>): Promise<string> {
    const logged: string[] = [];
    const { info, warn } = pulumi.log;
    (pulumi.log as any).info = (m: string) => {
        logged.push(`info: ${m}`);
        return Promise.resolve();
    };
    (pulumi.log as any).warn = (m: string) => {
        logged.push(`warning: ${m}`);
        return Promise.resolve();
    };
    const d = await simulatorDeployment(c);
    try {
        await d.preview(clusterProgram(cfg, DEFAULT_PASSWORD, await liveOf(cfg)));
    } finally {
        (pulumi.log as any).info = info;
        (pulumi.log as any).warn = warn;
        await d.stop();
    }
    return [...new Set(logged)].join("\n");
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
