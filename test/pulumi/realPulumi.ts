// The real Pulumi engine for tests: the CLI and the Docker plugin built from Go modules by
// .ci/pulumi/build.sh, a file backend, no network. The program is this repo's index.ts,
// run by the Automation API's own Node language server (pulumi-language-nodejs is not on
// the Go module proxy, so the CLI is given the SDK's in-process server with --client);
// everything else is the real engine: step generation, the Docker plugin, the
// dynamic-provider host, state, refresh, pending operations.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";

const REPO = path.resolve(__dirname, "../..");
const CACHE_ROOT = process.env.TUGRAPH_HA_PULUMI_CACHE ?? path.join(os.homedir(), ".cache/tugraph-ha/pulumi");
/** The only passphrase of test stacks (their secrets are test values). */
export const PASSPHRASE = "tugraph-ha-test-passphrase";

/** The built engine's directory (holding bin/), or why there is none. */
export function pulumiDir(): { dir?: string; why?: string } {
    const set = process.env.TUGRAPH_HA_PULUMI_DIR;
    const candidates = set ? [set] : fs.existsSync(CACHE_ROOT) ? fs.readdirSync(CACHE_ROOT).map((d) => path.join(CACHE_ROOT, d)) : [];
    const ok = candidates
        .filter((d) => fs.existsSync(path.join(d, "bin/pulumi")) && fs.existsSync(path.join(d, "plugins/pulumi-resource-docker")))
        .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
    if (ok.length > 0) return { dir: ok[0] };
    return { why: `no Pulumi CLI and Docker plugin built ${set ? `in TUGRAPH_HA_PULUMI_DIR=${set}` : `under ${CACHE_ROOT}`}; run .ci/pulumi/build.sh` };
}

/** mocha `before` (function, not arrow): CI=true fails without the engine; elsewhere skips with the reason. */
export function requirePulumi(ctx: Mocha.Context): string {
    const { dir, why } = pulumiDir();
    if (dir) return dir;
    if (process.env.CI === "true") throw new Error(`the real Pulumi engine is required in CI (CI=true): ${why}`);
    console.log(`      [skipped] real-engine tests: ${why}`);
    ctx.skip();
}

export interface RealStackOptions {
    /** The stack's `tugraph:*` config, as a user writes it in Pulumi.<stack>.yaml (without the namespace). */
    config: Record<string, unknown>;
    /** Secret `tugraph:*` keys, set with `pulumi config set --secret`. */
    secrets?: Record<string, string>;
    /** Extra environment for the CLI and its plugins. */
    env?: Record<string, string>;
}

/** What the CLI printed, its change summary, and the program's diagnostics (warnings, infos) from the engine's events. */
export interface RunResult {
    stdout: string;
    summary?: Record<string, number>;
    diagnostics: { severity: string; message: string; urn?: string }[];
    /** The update's steps in the order the engine started them (up only). */
    steps: StepTime[];
}

/** One step of an update as the engine reported it: the resource's name, its operation, and when it started and ended (ms). */
export interface StepTime {
    name: string;
    type: string;
    op: string;
    start: number;
    end?: number;
}

type StepMeta = { urn: string; type: string; op: string };
type EngineEvent = {
    timestamp?: number;
    diagnosticEvent?: { severity: string; message: string; urn?: string };
    resourcePreEvent?: { metadata: StepMeta };
    resOutputsEvent?: { metadata: StepMeta };
    resOpFailedEvent?: { metadata: StepMeta };
};
function eventCollector(): { onEvent: (e: EngineEvent) => void; diagnostics: RunResult["diagnostics"]; steps: StepTime[] } {
    const diagnostics: RunResult["diagnostics"] = [];
    const steps: StepTime[] = [];
    return {
        diagnostics,
        steps,
        onEvent: (e) => {
            const d = e.diagnosticEvent;
            if (d && d.severity !== "debug") diagnostics.push({ severity: d.severity, message: d.message.trim(), urn: d.urn });
            const now = Date.now();
            const pre = e.resourcePreEvent?.metadata;
            if (pre) steps.push({ name: pre.urn.split("::").pop()!, type: pre.type, op: pre.op, start: now });
            const done = (e.resOutputsEvent ?? e.resOpFailedEvent)?.metadata;
            if (done) {
                const s = [...steps].reverse().find((x) => x.name === done.urn.split("::").pop() && x.end === undefined);
                if (s) s.end = now;
            }
        },
    };
}

/**
 * A stack of this project on the real engine: its own work dir (Pulumi.yaml and
 * Pulumi.<stack>.yaml, as a user has), PULUMI_HOME with the Docker plugin registered
 * by `pulumi plugin install --file`, and a file backend. `remove()` destroys nothing:
 * call `destroy()` first when the test wants that.
 */
export class RealStack {
    private constructor(
        readonly stack: Stack,
        readonly workDir: string,
        readonly home: string,
        readonly stackName: string,
        readonly bin: string,
        readonly env: Record<string, string>,
    ) {}

    static async create(name: string, o: RealStackOptions): Promise<RealStack> {
        const { dir, why } = pulumiDir();
        if (!dir) throw new Error(why);
        const bin = path.join(dir, "bin");
        const base = fs.mkdtempSync(path.join(os.tmpdir(), `tugraph-ha-pulumi-${name}-`));
        const workDir = path.join(base, "project");
        const home = path.join(base, "home");
        const state = path.join(base, "state");
        for (const d of [workDir, home, state]) fs.mkdirSync(d, { recursive: true });
        // The engine starts the dynamic-provider host with cwd = the project: it must find @pulumi/pulumi there.
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(workDir, "node_modules"));
        const env: Record<string, string> = {
            PULUMI_HOME: home,
            PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
            TUGRAPH_HA_PROGRESS: "0",
            ...o.env,
        };
        // Register the Docker plugin offline (never a download), kept off PATH as the CLI wants.
        execFileSync(
            path.join(bin, "pulumi"),
            ["plugin", "install", "resource", "docker", "5.2.0", "--file", path.join(dir, "plugins/pulumi-resource-docker")],
            {
                env: { ...process.env, ...env },
                stdio: ["ignore", "ignore", "pipe"],
            },
        );
        const pulumiCommand = await PulumiCommand.get({ root: dir, skipVersionCheck: true });
        const stack = await LocalWorkspace.createOrSelectStack(
            { stackName: name, projectName: "tugraph-ha", program: runIndex },
            {
                workDir,
                pulumiHome: home,
                pulumiCommand,
                envVars: env,
                projectSettings: { name: "tugraph-ha", runtime: "nodejs", backend: { url: `file://${state}` } },
            },
        );
        const real = new RealStack(stack, workDir, home, name, bin, env);
        await real.setConfig(o.config, o.secrets);
        return real;
    }

    /** The stack file a user edits: Pulumi.<stack>.yaml. */
    get stackFile(): string {
        return path.join(this.workDir, `Pulumi.${this.stackName}.yaml`);
    }

    /** Writes the `tugraph:*` keys into Pulumi.<stack>.yaml (as YAML, like a user), keeping the secrets already set. */
    async setConfig(config: Record<string, unknown>, secrets: Record<string, string> = {}): Promise<void> {
        const doc = fs.existsSync(this.stackFile) ? (YAML.parse(fs.readFileSync(this.stackFile, "utf8")) ?? {}) : {};
        const kept: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(doc.config ?? {})) if (v && typeof v === "object" && "secure" in (v as object)) kept[k] = v;
        const plain: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(config)) plain[`tugraph:${k}`] = v;
        fs.writeFileSync(this.stackFile, YAML.stringify({ ...doc, config: { ...kept, ...plain } }));
        for (const [k, v] of Object.entries(secrets)) await this.stack.setConfig(`tugraph:${k}`, { value: v, secret: true });
    }

    async preview(opts: { diff?: boolean } = {}): Promise<RunResult> {
        const c = eventCollector();
        const r = await this.stack.preview({ diff: opts.diff ?? true, color: "never", onEvent: c.onEvent });
        return { stdout: r.stdout, summary: r.changeSummary as Record<string, number>, diagnostics: c.diagnostics, steps: c.steps };
    }
    async up(opts: { refresh?: boolean; onOutput?: (s: string) => void } = {}): Promise<RunResult> {
        const c = eventCollector();
        const r = await this.stack.up({ color: "never", refresh: opts.refresh, onOutput: opts.onOutput, onEvent: c.onEvent });
        return { stdout: r.stdout, summary: r.summary.resourceChanges as Record<string, number>, diagnostics: c.diagnostics, steps: c.steps };
    }
    async refresh(opts: { clearPendingCreates?: boolean } = {}): Promise<RunResult> {
        const c = eventCollector();
        const r = await this.stack.refresh({ color: "never", onEvent: c.onEvent, clearPendingCreates: opts.clearPendingCreates });
        return { stdout: r.stdout, summary: r.summary.resourceChanges as Record<string, number>, diagnostics: c.diagnostics, steps: c.steps };
    }
    async destroy(): Promise<RunResult> {
        const c = eventCollector();
        const r = await this.stack.destroy({ color: "never", onEvent: c.onEvent });
        return { stdout: r.stdout, summary: r.summary.resourceChanges as Record<string, number>, diagnostics: c.diagnostics, steps: c.steps };
    }
    /** The stack's resources as the engine last saved them, with the URN of any pending operation on one. */
    async resources(): Promise<{ urn: string; type: string; id?: string; outputs?: Record<string, unknown>; dependencies?: string[]; pendingOp?: string }[]> {
        const state = await this.stateFile();
        const pending = new Map((state.pending_operations ?? []).map((p) => [p.resource.urn, p.type]));
        return (state.resources ?? []).map((r) => ({ ...r, pendingOp: pending.get(r.urn) }));
    }
    /** The file backend's state of this stack, as the engine last wrote it (pending operations included). */
    async stateFile(): Promise<{
        pending_operations?: { resource: { urn: string }; type: string }[];
        resources?: { urn: string; type: string; id?: string; outputs?: Record<string, unknown>; dependencies?: string[] }[];
    }> {
        const file = path.join(path.dirname(this.workDir), "state", ".pulumi", "stacks", "tugraph-ha", `${this.stackName}.json`);
        if (!fs.existsSync(file)) return {};
        try {
            return (JSON.parse(fs.readFileSync(file, "utf8")) as { checkpoint?: { latest?: object } }).checkpoint?.latest ?? {};
        } catch {
            return {}; // being written
        }
    }
    /** Runs the CLI itself in this stack's work dir (for what the Automation API does not expose). */
    cli(args: string[]): { code: number; stdout: string; stderr: string } {
        const r = spawnSync(path.join(this.bin, "pulumi"), [...args, "--non-interactive", "--color", "never", "-s", this.stackName], {
            cwd: this.workDir,
            env: { ...process.env, ...this.env },
            encoding: "utf8",
            timeout: 300_000,
        });
        return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
    }
    /** Removes the work dir, state and PULUMI_HOME (not any container or data directory). */
    remove(): void {
        fs.rmSync(path.dirname(this.workDir), { recursive: true, force: true });
    }
}

/** The program exactly as `pulumi up` runs it: index.ts's exported function. */
async function runIndex(): Promise<Record<string, unknown>> {
    const program = require(path.join(REPO, "index.ts")) as () => Promise<Record<string, unknown>>;
    return program();
}
