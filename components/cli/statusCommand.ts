// `npm run status -- --stack <name> [--dir <dir>] [--json] [--timeout <s>]`:
// reads and validates the stack file as `plan` does (loadValidStack), runs the
// admin client's discovery with the stack's access spec (every member asked in
// parallel, each with a deadline, each node's own answer kept), and renders
// members, leader and lag (statusReport.ts holds the judgement).
//
// Exit codes: 0 healthy; 2 no leader, or a voter is down or cannot catch up;
// 1 invalid config, a password not known to be current (nothing is asked then:
// TuGraph logs every refused password), or credentials the cluster refuses; 64 usage.
// (plan uses 2 for usage; here 2 means unhealthy, so usage errors get 64, EX_USAGE.)
//
// The Bolt calls and the clock come in as dependencies, so tests drive it
// in-process; status.ts is the thin shell.

import { ENCRYPTED } from "../core/config";
import { accessFor } from "../core/access";
import { adminOptions, discover, isAdminError, scrub, type AdminOptions, type AskNode, type Discovery } from "../adapters/boltAdmin";
import { Io, adminPassword, loadValidStack, loginAccess, PASSWORD_ENV, VERIFIER_ENV } from "./planCommand";
import { statusJson, statusReport, statusText } from "./statusReport";

export { adminPassword, PASSWORD_ENV, VERIFIER_ENV };
export { askListingAndStatus as askOverBolt } from "../adapters/boltAdmin";

export const STATUS_USAGE = "usage: npm run status -- --stack <name> [--dir <project directory>] [--json] [--timeout <seconds per node, default 5>]";
export const DEFAULT_DEADLINE_MS = 5000;

export interface StatusArgs {
    readonly stack: string;
    readonly dir?: string;
    readonly json: boolean;
    readonly deadlineMs: number;
}

export function parseStatusArgs(argv: readonly string[]): StatusArgs | string {
    let stack: string | undefined;
    let dir: string | undefined;
    let json = false;
    let deadlineMs = DEFAULT_DEADLINE_MS;
    for (let i = 0; i < argv.length; i++) {
        const [flag, inline] = argv[i].split(/=(.*)/s, 2);
        if (flag === "--json" && inline === undefined) {
            json = true;
            continue;
        }
        if (flag !== "--stack" && flag !== "--dir" && flag !== "--timeout") return `unknown argument ${argv[i]}`;
        const value = inline ?? argv[++i];
        if (value === undefined || value === "" || value.startsWith("--")) return `${flag} needs a value`;
        if (flag === "--stack") stack = value;
        else if (flag === "--dir") dir = value;
        else {
            const s = Number(value);
            if (!Number.isFinite(s) || s <= 0 || s > 3600) return `--timeout ${value} must be a number of seconds in (0, 3600]`;
            deadlineMs = Math.round(s * 1000);
        }
    }
    if (stack === undefined) return "missing --stack <name>";
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) return `--stack ${stack} is not a valid stack name`;
    return { stack, dir, json, deadlineMs };
}

export interface StatusDeps {
    readonly env: Readonly<Record<string, string | undefined>>;
    /** Asks one address for listRaftNodes and its own getRaftStatus (boltAdmin's askListingAndStatus); may hang (discovery enforces the deadline). */
    readonly ask: AskNode;
    /** A line of progress (stderr). */
    progress(line: string): void;
    /** How often to report a node still being waited for. Defaults to 1000 ms. */
    readonly progressEveryMs?: number;
    /** Pause before the leader is asked again when someone is behind. Defaults to 1000 ms (many heartbeats). */
    readonly resampleMs?: number;
}

export interface StatusResult {
    readonly code: 0 | 1 | 2 | 64;
    readonly stdout: string;
    readonly stderr: string;
}

export async function runStatus(argv: readonly string[], io: Io, deps: StatusDeps): Promise<StatusResult> {
    const args = parseStatusArgs(argv);
    if (typeof args === "string") return { code: 64, stdout: "", stderr: `status: ${args}\n${STATUS_USAGE}\n` };
    const valid = loadValidStack(io, args, "status", STATUS_USAGE);
    if ("code" in valid) return { code: valid.code === 2 ? 64 : valid.code, stdout: "", stderr: valid.stderr };
    const { loaded, config } = valid;
    // Only a password the last deployment's verifier confirms: a refused login would write it into every node's log.
    const pw = loginAccess(loaded, config, deps.env, "status");
    if ("unknown" in pw) return { code: 1, stdout: "", stderr: `status: not asking the cluster: ${pw.unknown}\n` };

    // The stack's access spec; every call and every node gets the command's deadline.
    const o: AdminOptions = {
        ...adminOptions(accessFor(config, { adminPassword: pw.password })),
        log: undefined,
        callTimeoutMs: args.deadlineMs,
        totalTimeoutMs: args.deadlineMs,
    };
    let d: Discovery;
    try {
        // The stack's nodes, then any member their listings name; each node's own answer is kept. The admin
        // client's messages are scrubbed of the password where they are made.
        d = await discover(o, {
            ask: deps.ask,
            nodeDeadlineMs: args.deadlineMs,
            keepUnanswered: true,
            lagSampleMs: deps.resampleMs ?? 1000,
            waitingEveryMs: deps.progressEveryMs ?? 1000,
            onWaiting: (address, ms) => deps.progress(`status: waiting for ${address} (${(ms / 1000).toFixed(1)} s of ${args.deadlineMs / 1000} s)`),
        });
    } catch (e) {
        if (!isAdminError(e, "auth")) throw e;
        return {
            code: 1,
            stdout: "",
            stderr:
                `status: ${scrub(e.message, pw.password)}\nstatus: the cluster refused the password the last deployment recorded (changed outside the stack?); ` +
                `tugraph:adminUser / tugraph:adminPassword must be the cluster's current credentials` +
                (loaded.raw.adminPassword === ENCRYPTED ? ` (${PASSWORD_ENV} is used because the stack's password is encrypted)` : "") +
                "\n",
        };
    }
    const rep = statusReport({ stack: loaded.stack, cfg: config, answers: d.answers, leaderAgain: d.earlierStatus ? d.status : undefined });
    const stdout = args.json ? statusJson(loaded.stack, rep) : statusText(loaded.stack, rep);
    return { code: rep.code, stdout, stderr: "" };
}
