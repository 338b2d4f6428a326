// `plan` as a function of its arguments and a tiny file-system interface, so
// tests run it in-process. Exit codes: 0 valid (and, unless --offline, the
// live plan has no refused step), 1 invalid config, 2 usage, cluster
// unreachable or a membership step that would be refused.
// `status` (statusCommand.ts) reuses loadValidStack() and parses its own
// arguments the same way.

import { posix as path } from "node:path";
import { ConfigWarning, formatConfigErrors, parseClusterConfig } from "../core/config";
import { planReport } from "./planReport";
import { StackConfig, StackFileError, projectNameFromText, stackConfigFromText } from "./stackFile";
import type { ClusterConfig } from "../core/types";
import { ENCRYPTED } from "../core/config";
import { describePlan, planChanges } from "../core/changePlan";
import { driftWarnings } from "../core/drift";
import type { LiveView } from "../adapters/liveView";
import { plannedNodes } from "../core/plannedNodes";
import { passwordAccess, type PasswordAccess } from "../adapters/passwordVerifier";

export interface Io {
    readonly cwd: string;
    exists(file: string): boolean;
    readText(file: string): string;
}
export interface CommandResult {
    readonly code: 0 | 1 | 2;
    readonly stdout: string;
    readonly stderr: string;
}

export const USAGE = "usage: npm run plan -- --stack <name> [--dir <project directory>] [--offline]";
export const PASSWORD_ENV = "TUGRAPH_ADMIN_PASSWORD";
/** The stack's secret output `adminPasswordVerifier`: confirms which password the cluster has now (adapters/passwordVerifier.ts). */
export const VERIFIER_ENV = "TUGRAPH_ADMIN_PASSWORD_VERIFIER";

export interface PlanArgs {
    readonly stack: string;
    readonly dir?: string;
    readonly offline?: boolean;
}

export function parsePlanArgs(argv: readonly string[]): PlanArgs | string {
    let stack: string | undefined;
    let dir: string | undefined;
    let offline = false;
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--offline") {
            offline = true;
            continue;
        }
        const [flag, inline] = argv[i].split(/=(.*)/s, 2);
        if (flag !== "--stack" && flag !== "--dir") return `unknown argument ${argv[i]}`;
        const value = inline ?? argv[++i];
        if (value === undefined || value === "" || value.startsWith("--")) return `${flag} needs a value`;
        if (flag === "--stack") stack = value;
        else dir = value;
    }
    if (stack === undefined) return "missing --stack <name>";
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) return `--stack ${stack} is not a valid stack name`;
    return { stack, dir, offline };
}

export interface LoadedStack extends StackConfig {
    readonly project: string;
    readonly stack: string;
    readonly stackFile: string;
}

// Missing files are usage errors (exit 2); broken YAML is a StackFileError (exit 1).
export function loadStack(io: Io, args: PlanArgs): LoadedStack | { usage: string } {
    const dir = path.resolve(io.cwd, args.dir ?? ".");
    const projectFile = path.join(dir, "Pulumi.yaml");
    const stackFile = path.join(dir, `Pulumi.${args.stack}.yaml`);
    if (!io.exists(projectFile)) return { usage: `no Pulumi.yaml in ${dir}: run from the project directory or pass --dir` };
    if (!io.exists(stackFile)) return { usage: `no stack file ${stackFile}: is the stack name right? (create it with pulumi stack init ${args.stack})` };
    const project = projectNameFromText(io.readText(projectFile), projectFile);
    return { project, stack: args.stack, stackFile, ...stackConfigFromText(io.readText(stackFile), project, stackFile, args.stack) };
}

export type ValidStack = { readonly loaded: LoadedStack; readonly config: ClusterConfig; readonly warnings: string };
export type Refusal = { readonly code: 1 | 2; readonly stderr: string };

/**
 * loadStack, then the program's validation: the stack, its config and the text of
 * its warnings, or why not (1: broken files or invalid config, every problem
 * listed; 2: usage, e.g. no such stack file). `name` prefixes the messages.
 * Shared by plan and status. No secret value is ever part of these texts.
 */
export function loadValidStack(io: Io, args: PlanArgs, name: string, usage: string): ValidStack | Refusal {
    let loaded: LoadedStack | { usage: string };
    try {
        loaded = loadStack(io, args);
    } catch (e) {
        if (e instanceof StackFileError) return { code: 1, stderr: `${name}: ${e.message}\n` };
        throw e;
    }
    if ("usage" in loaded) return { code: 2, stderr: `${name}: ${loaded.usage}\n${usage}\n` };
    const parsed = parseClusterConfig(loaded.raw, { stack: loaded.stack, encryptedKeys: loaded.encryptedKeys });
    const errors = [...loaded.problems, ...(parsed.ok ? [] : parsed.errors)];
    const warnings = warningsText(name, loaded.stack, parsed.warnings);
    if (!parsed.ok || errors.length > 0) {
        const text = `${name}: stack ${loaded.stack} (${loaded.stackFile}) has ${errors.length} problem(s):\n${formatConfigErrors(errors)}\n`;
        return { code: 1, stderr: text + warnings };
    }
    return { loaded, config: parsed.config, warnings };
}

export function runPlan(argv: readonly string[], io: Io): CommandResult {
    return staticPlan(argv, io).result;
}

/** The stack file's part of the plan; with the parsed arguments and the validated stack when it is valid. */
function staticPlan(argv: readonly string[], io: Io): { result: CommandResult; args?: PlanArgs; valid?: ValidStack } {
    const args = parsePlanArgs(argv);
    if (typeof args === "string") return { result: { code: 2, stdout: "", stderr: `plan: ${args}\n${USAGE}\n` } };
    const valid = loadValidStack(io, args, "plan", USAGE);
    if ("code" in valid) return { result: { ...valid, stdout: "" } };
    const { loaded, config, warnings } = valid;
    const report = planReport(config, { project: loaded.project, stack: loaded.stack, encryptedKeys: loaded.encryptedKeys });
    return { result: { code: 0, stdout: report, stderr: warnings }, args, valid };
}

// Warnings do not change the exit code: the same ones \`pulumi up\` logs.
function warningsText(name: string, stack: string, warnings: readonly ConfigWarning[]): string {
    return warnings.length === 0 ? "" : `${name}: warning: stack ${stack} has ${warnings.length} warning(s):\n${formatConfigErrors(warnings)}\n`;
}

/** The admin password: the stack's plain value, or the environment when the stack holds an encrypted one. */
export function adminPassword(loaded: LoadedStack, env: Readonly<Record<string, string | undefined>>, name: string): { password: string } | { error: string } {
    const raw = loaded.raw.adminPassword;
    if (raw === ENCRYPTED) {
        const p = env[PASSWORD_ENV];
        if (p) return { password: p };
        return {
            error:
                `tugraph:adminPassword is encrypted (secure:) in ${loaded.stackFile}, and ${name} does not decrypt stack secrets: ` +
                `set ${PASSWORD_ENV} to the cluster's admin password, e.g. ` +
                `${PASSWORD_ENV}="$(pulumi config get tugraph:adminPassword -s ${loaded.stack})" npm run ${name} -- --stack ${loaded.stack}`,
        };
    }
    return { password: String(raw) };
}

/**
 * The password plan and status may log in with: the stack's (or PASSWORD_ENV's) only when
 * the verifier of the last deployment (VERIFIER_ENV) confirms it is the cluster's current
 * one; otherwise why not, with how to give the verifier. Nothing is ever tried on a guess:
 * TuGraph writes the password of a refused login into the node's log.
 */
export function loginAccess(loaded: LoadedStack, config: ClusterConfig, env: Readonly<Record<string, string | undefined>>, name: string): PasswordAccess {
    const pw = adminPassword(loaded, env, name);
    if ("error" in pw) return { unknown: pw.error };
    const access = passwordAccess(config.adminUser, pw.password, env[VERIFIER_ENV]);
    if ("password" in access) return access;
    return {
        unknown:
            `${access.unknown}. ${name} asks the cluster only when ${VERIFIER_ENV} (the stack's secret output adminPasswordVerifier, written by \`pulumi up\`) ` +
            `confirms the password: ${VERIFIER_ENV}="$(pulumi stack output --show-secrets adminPasswordVerifier -s ${loaded.stack})" npm run ${name} -- --stack ${loaded.stack}`,
    };
}

export interface LivePlanDeps {
    readonly env: Readonly<Record<string, string | undefined>>;
    /** Reads the live membership (components/adapters/liveView.ts in the shell; a fake in tests). */
    readLive(config: ClusterConfig, access: PasswordAccess): Promise<LiveView>;
}

/**
 * `plan` with the live cluster: the static report, then the membership steps the
 * one planner (the same as preview and `up`) would take against the live
 * membership, each with its gate's verdict, and the drift it sees. Without a
 * reachable cluster it says plainly that the plan is from the config alone (exit 2).
 */
export async function runLivePlan(argv: readonly string[], io: Io, deps: LivePlanDeps): Promise<CommandResult> {
    const { result: stat, args, valid } = staticPlan(argv, io);
    if (!args || !valid || args.offline) return stat;
    const pw = adminPassword(valid.loaded, deps.env, "plan");
    if ("error" in pw) return { code: 2, stdout: stat.stdout, stderr: `${stat.stderr}plan: ${pw.error}\n` };
    // Not known current: readLive asks nothing and says why (the plan is then from the config alone).
    const live = await deps.readLive(valid.config, loginAccess(valid.loaded, valid.config, deps.env, "plan"));
    const nodes = plannedNodes(valid.config);
    const plan = planChanges(nodes, live.membership, valid.config.membership);
    const lines = ["", ...describePlan(plan)];
    if (live.note) lines.push(`the cluster did not answer as expected, so this plan is from the config alone: ${live.note}`);
    const drift = live.membership ? driftWarnings(nodes, live.membership, live.lag) : [];
    if (drift.length > 0) lines.push("drift (the cluster differs from the stack; nothing is changed implicitly):", ...drift.map((d) => `  - ${d}`));
    if (plan.refusal) lines.push(plan.refusal);
    const code = !live.membership || plan.refusal ? 2 : 0;
    return { code, stdout: `${stat.stdout}${lines.join("\n")}\n`, stderr: stat.stderr };
}
