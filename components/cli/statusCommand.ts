// `npm run status -- --stack <name> [--dir <dir>] [--json] [--timeout <s>]`:
// reads and validates the stack file as `plan` does (loadValidStack), asks every
// member over Bolt in parallel, each with a deadline, and reports members,
// leader and lag (statusReport.ts holds the judgement).
//
// Exit codes: 0 healthy; 2 no leader, or a voter is down or cannot catch up;
// 1 invalid config, a password not known to be current (nothing is asked then:
// TuGraph logs every refused password), or credentials the cluster refuses; 64 usage.
// (plan uses 2 for usage; here 2 means unhealthy, so usage errors get 64, EX_USAGE.)
//
// The Bolt calls and the clock come in as dependencies, so tests drive it
// in-process; status.ts is the thin shell.

import { ENCRYPTED } from "../core/config";
import type { ClusterConfig } from "../core/types";
import { notCaughtUp } from "../core/lag";
import type { AdminOptions, RaftStatus } from "../adapters/boltAdmin";
import { getRaftStatus, listRaftNodes, scrub } from "../adapters/boltAdmin";
import { Io, adminPassword, loadValidStack, loginAccess, PASSWORD_ENV, VERIFIER_ENV } from "./planCommand";

export { adminPassword, PASSWORD_ENV, VERIFIER_ENV };
import { NodeAnswer, statusJson, statusReport, statusText } from "./statusReport";

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
    /** Asks one address for listRaftNodes and its own getRaftStatus; may hang (the caller enforces the deadline). */
    ask(o: AdminOptions, address: string): Promise<NodeAnswer>;
    /** A line of progress (stderr). */
    progress(line: string): void;
    /** How often to report a node still being waited for; default 1000 ms. */
    readonly progressEveryMs?: number;
    /** Pause before the leader is asked again when someone is behind; default 1000 ms (many heartbeats). */
    readonly resampleMs?: number;
}

export interface StatusResult {
    readonly code: 0 | 1 | 2 | 64;
    readonly stdout: string;
    readonly stderr: string;
}

/** Asks over Bolt: both calls in parallel, each with the deadline (boltAdmin's runCall). */
export async function askOverBolt(o: AdminOptions, address: string): Promise<NodeAnswer> {
    const started = Date.now();
    const [listing, status] = await Promise.all([listRaftNodes(o, address), getRaftStatus(o, address)]);
    return { address, listing, status, elapsedMs: Date.now() - started };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Asks every address in parallel; each gets `deadlineMs`, after which it is
 * reported unreachable whatever its call still does. While waiting, a progress
 * line names every address not answered yet.
 */
export async function askAll(deps: StatusDeps, o: AdminOptions, addresses: readonly string[], deadlineMs: number): Promise<NodeAnswer[]> {
    const started = Date.now();
    const pending = new Set(addresses);
    const every = deps.progressEveryMs ?? 1000;
    const ticker = setInterval(() => {
        const t = Date.now() - started;
        for (const a of [...pending].sort()) deps.progress(`waiting for ${a} (${(t / 1000).toFixed(1)} s of ${deadlineMs / 1000} s)`);
    }, every);
    try {
        return await Promise.all(
            addresses.map(async (address) => {
                let timer: ReturnType<typeof setTimeout> | undefined;
                const gaveUp = new Promise<NodeAnswer>((resolve) => {
                    timer = setTimeout(() => resolve({ address, error: `no answer within ${deadlineMs / 1000} s` }), deadlineMs);
                });
                const asked = deps.ask(o, address).catch((e: unknown): NodeAnswer => ({
                    address,
                    error: scrub(String((e as Error)?.message ?? e), o.password),
                    errorKind: (e as { kind?: string })?.kind,
                }));
                try {
                    return await Promise.race([asked, gaveUp]);
                } finally {
                    clearTimeout(timer);
                    pending.delete(address);
                }
            }),
        );
    } finally {
        clearInterval(ticker);
    }
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
    // The admin client's messages are scrubbed of the password where they are made.
    const progress = (line: string) => deps.progress(`status: ${line}`);

    const out = await gather(config, pw.password, args.deadlineMs, { ...deps, progress });
    if (out.authError) {
        return {
            code: 1,
            stdout: "",
            stderr:
                `status: ${out.authError}\nstatus: the cluster refused the password the last deployment recorded (changed outside the stack?); ` +
                `tugraph:adminUser / tugraph:adminPassword must be the cluster's current credentials` +
                (loaded.raw.adminPassword === ENCRYPTED ? ` (${PASSWORD_ENV} is used because the stack's password is encrypted)` : "") +
                "\n",
        };
    }
    const rep = statusReport({ stack: loaded.stack, cfg: config, answers: out.answers, leaderAgain: out.leaderAgain });
    const stdout = args.json ? statusJson(loaded.stack, rep) : statusText(loaded.stack, rep);
    return { code: rep.code, stdout, stderr: "" };
}

export interface Gathered {
    readonly answers: NodeAnswer[];
    readonly leaderAgain?: RaftStatus;
    readonly authError?: string;
}

/**
 * Asks the stack's nodes, then any member their listings name that the stack
 * does not (one more parallel round). If the leader's numbers show someone
 * behind, asks the leader once more after a pause, so lag.ts can tell
 * catching up from cannot catch up.
 */
export async function gather(cfg: ClusterConfig, password: string, deadlineMs: number, deps: StatusDeps): Promise<Gathered> {
    const o: AdminOptions = {
        seeds: [],
        user: cfg.adminUser,
        password,
        callTimeoutMs: deadlineMs,
        totalTimeoutMs: deadlineMs,
    };
    const first = cfg.nodes.filter((n) => !n.removed).map((n) => `${n.ip}:${n.boltPort}`);
    const answers = await askAll(deps, o, [...new Set(first)], deadlineMs);
    const auth = answers.find((a) => a.errorKind === "auth");
    if (auth) return { answers, authError: auth.error };
    const asked = new Set(answers.map((a) => a.address));
    const more = [...new Set(answers.flatMap((a) => (a.listing ?? []).map((m) => `${m.ip}:${m.boltPort}`)))].filter((a) => !asked.has(a));
    if (more.length > 0) answers.push(...(await askAll(deps, o, more, deadlineMs)));
    const leader = answers.filter((a) => a.status?.raftState === "StateLeader").sort((a, b) => b.status!.term - a.status!.term)[0];
    let leaderAgain: RaftStatus | undefined;
    if (leader && notCaughtUp({ leader: leader.status! }).length > 0) {
        await sleep(deps.resampleMs ?? 1000);
        const [again] = await askAll(deps, o, [leader.address], deadlineMs);
        leaderAgain = again.status as RaftStatus | undefined;
    }
    return { answers, leaderAgain };
}
