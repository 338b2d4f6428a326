// Bolt admin client for TuGraph Bolt-raft membership (neo4j-driver).
//
// Why it looks like this (see docs/tugraph-facts.md and the README):
// - TuGraph's Bolt has no TLS: every call is plain bolt:// (the password and
//   all traffic in clear; the network must protect it).
// - TuGraph's ROUTE answer is cached up to 1000 s and its `not leader` error
//   (BoltRaftError) is not a routing error for a Neo4j driver, so we do not
//   use neo4j:// routing: every call is a DIRECT bolt:// connection to one
//   address, and the leader is found with db.bolt.listRaftNodes() (confirmed
//   by the node's own getRaftStatus()).
// - Only auto-commit session.run works (BEGIN and managed transactions are
//   refused).
// - Admin calls have no timeout of their own and can hang for ever: every call
//   races a deadline, and the driver is closed whatever happens.
// - `not leader`, lost connections, missed deadlines and "no leader yet" are
//   retried with leader re-discovery until totalTimeoutMs; bad credentials
//   fail at once and never carry the password.
//
// Runs inside a Pulumi dynamic provider, i.e. in a plain node process from a
// closure-serialized copy of these functions: no classes, no module-level
// state, `require("neo4j-driver")` inside the functions.

import type { LiveMember, LiveMembership } from "../core/membership";
import { NODE_ID_MAX, isNodeId, isPeerIp, isPort } from "../core/nodeRules";
import { notCaughtUp } from "../core/lag";
import { isRefused } from "../core/verdict";

export interface AdminOptions {
    readonly seeds: readonly string[]; // "ip:boltPort" of known members
    readonly user: string;
    readonly password: string;
    readonly callTimeoutMs: number; // deadline of one call
    readonly totalTimeoutMs: number; // bound on retries + re-discovery for one operation
    readonly database?: string; // graph named in every RUN (TuGraph refuses a RUN without 'db'); default "default"
    readonly log?: (msg: string) => void;
    readonly deadlineAt?: number; // epoch ms no call may run past (the operation's total deadline)
}

/** What the membership providers keep in their state that the admin client needs. */
export interface AdminStateProps {
    readonly seeds?: readonly string[];
    readonly adminUser: string;
    readonly adminPassword: string;
    readonly callTimeoutMs: number;
    readonly totalTimeoutMs: number;
    readonly initPeers?: readonly { readonly ip: string; readonly bolt_port: number }[];
}

/**
 * Admin options from a membership resource's inputs or state (both providers).
 * Delete and read run with the state of the last create/update: besides its
 * seeds, every member recorded at the join (init peers) is tried, as seeds
 * may be stale.
 */
export function adminOptions(p: AdminStateProps): AdminOptions {
    const recorded = (p.initPeers ?? []).map((x) => `${x.ip}:${x.bolt_port}`);
    const seeds = [...new Set([...(p.seeds ?? []), ...recorded])];
    return {
        seeds,
        user: p.adminUser,
        password: p.adminPassword,
        callTimeoutMs: p.callTimeoutMs,
        totalTimeoutMs: p.totalTimeoutMs,
        log: progressLog,
    };
}

/**
 * Progress of a membership change (which leader, each retry and why) on the dynamic
 * provider's stderr, which `pulumi up` shows, so a change that waits for a leader is
 * visibly waiting. Messages are built from scrubbed errors: they never hold the password.
 * TUGRAPH_HA_PROGRESS=0 silences it (the test suite does).
 */
export function progressLog(message: string): void {
    if (process.env.TUGRAPH_HA_PROGRESS === "0") return;
    process.stderr.write(`tugraph-ha: ${message}\n`);
}

export type AdminErrorKind =
    "auth" | "deadline" | "not-leader" | "connection" | "no-leader" | "not-applied" | "not-ready" | "cannot-catch-up" | "conflict" | "invalid" | "server";

export type AdminError = Error & { kind: AdminErrorKind; address?: string; call?: string };

export function adminError(kind: AdminErrorKind, message: string, address?: string, call?: string): AdminError {
    const e = new Error(message) as AdminError;
    e.name = "TuGraphAdminError";
    e.kind = kind;
    if (address !== undefined) e.address = address;
    if (call !== undefined) e.call = call;
    return e;
}

/** The kind of an AdminError; undefined for any other error (a gate's RefusedError included). */
export function adminErrorKind(e: unknown): AdminErrorKind | undefined {
    return e instanceof Error && e.name === "TuGraphAdminError" ? (e as AdminError).kind : undefined;
}

/** True for an AdminError of one of `kinds` (of any kind when none is given). */
export function isAdminError(e: unknown, ...kinds: AdminErrorKind[]): e is AdminError {
    const k = adminErrorKind(e);
    return k !== undefined && (kinds.length === 0 || kinds.includes(k));
}

/** Kinds worth another try after re-discovering the leader. */
export function isRetryable(e: unknown): boolean {
    const k = adminErrorKind(e);
    return k === "deadline" || k === "not-leader" || k === "connection" || k === "no-leader" || k === "not-applied" || k === "not-ready";
}

/** Removes every occurrence of the password from a text. */
export function scrub(text: string, password: string): string {
    if (!password) return text;
    return text.split(password).join("***");
}

/**
 * Maps a driver/server error to an AdminError naming the node and the call.
 * The kind is judged on the RAW text (a password such as "leader" must not
 * turn `not leader` into something else); only then is the text scrubbed,
 * and a user name equal to the password is not printed either.
 */
export function classifyError(err: unknown, address: string, call: string, user: string, password: string): AdminError {
    if (isAdminError(err)) return err;
    const code = String((err as { code?: unknown })?.code ?? "");
    const raw = String((err as Error)?.message ?? err);
    const text = scrub(shortCause(raw), password);
    const at = `${call} at ${address}`;
    const who = user === password ? "the configured admin user" : `user '${user}'`;
    if (/Security|Unauthori[sz]ed|AuthenticationRateLimit/i.test(code) || /authenticat|unauthori[sz]ed|credential|password|login/i.test(raw)) {
        return adminError("auth", `authentication failed for ${who} at ${address} (${call}): ${text}`, address, call);
    }
    if (/not leader/i.test(raw) || (/BoltRaftError/i.test(code) && /leader/i.test(raw))) {
        return adminError("not-leader", `${at}: not leader (${code || "BoltRaftError"})`, address, call);
    }
    if (
        /ServiceUnavailable|SessionExpired/i.test(code) ||
        /ECONNREFUSED|ECONNRESET|EPIPE|EHOSTUNREACH|ETIMEDOUT|connection.*(closed|lost|refused|timed out)|Failed to connect|socket hang up|Pool is closed|No matching bolt/i.test(
            raw,
        )
    ) {
        return adminError("connection", `${at}: connection failed: ${text}`, address, call);
    }
    return adminError("server", `${at} failed${code ? ` (${code})` : ""}: ${text}`, address, call);
}

/**
 * The cause of a driver error without its boilerplate: the driver repeats
 * several hundred characters of advice ("Please ensure that your database is
 * listening...") in every connection error, once per retry line.
 */
export function shortCause(message: string): string {
    const sys = /\b(ECONNREFUSED|ECONNRESET|EPIPE|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT)\b/.exec(message);
    if (sys) return sys[1];
    const first = message.split(/\n|(?<=\.) (?=Please |Make sure |Caused by)/)[0].trim();
    return first.length > 160 ? `${first.slice(0, 157)}...` : first;
}

/** A pause. The timer is NOT unref'd: the caller awaits it, and the process must live until then. */
function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Node fires a timer longer than 2^31-1 ms at once: never ask for one. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The deadline of the next call: its own timeout, cut to what is left of the operation's total. */
export function callBudgetMs(o: Pick<AdminOptions, "callTimeoutMs" | "deadlineAt">, now = Date.now()): number {
    const left = o.deadlineAt === undefined ? Infinity : o.deadlineAt - now;
    return Math.max(0, Math.min(o.callTimeoutMs, left, MAX_TIMER_MS));
}

/**
 * A call past its deadline may still hold its socket (a hung server never
 * answers the driver's goodbye, so close() waits): destroy every socket the
 * driver holds. The driver keeps them in private fields that differ between
 * versions, so they are found by a bounded walk rather than by name.
 */
export function destroySockets(root: unknown): number {
    const net = require("net");
    const seen = new Set<unknown>();
    const queue: unknown[] = [root];
    let destroyed = 0;
    while (queue.length > 0 && seen.size < 20_000) {
        const v = queue.shift();
        if (!v || typeof v !== "object" || seen.has(v)) continue;
        seen.add(v);
        if (v instanceof net.Socket) {
            if (!(v as { destroyed: boolean }).destroyed) destroyed++;
            (v as { destroy: () => void }).destroy();
            continue;
        }
        if (v instanceof Map) for (const [k, x] of v) queue.push(k, x);
        else if (v instanceof Set || Array.isArray(v)) for (const x of v) queue.push(x);
        else for (const k of Object.keys(v)) queue.push((v as Record<string, unknown>)[k]);
    }
    return destroyed;
}

/**
 * Whether a node answers Bolt: a handshake only (the magic and four proposals, 4.4 down to
 * 4.1), never a login, so it is safe before the password is known (TuGraph logs every refused
 * password; a handshake writes nothing). Undefined when the node answers with a 4.x version,
 * else why not. This is how readiness is known: by asking the node, not by a Docker health interval.
 */
export function boltAnswers(address: string, timeoutMs: number): Promise<string | undefined> {
    const net = require("net");
    const at = address.lastIndexOf(":");
    return new Promise((resolve) => {
        const socket = net.createConnection({ host: address.slice(0, at), port: Number(address.slice(at + 1)) });
        let got = Buffer.alloc(0);
        let settled = false;
        // Declared before `done` uses it: Pulumi's closure serializer cannot capture a later binding.
        let timer: NodeJS.Timeout | undefined = undefined;
        const done = (why?: string) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            socket.destroy();
            resolve(why);
        };
        timer = setTimeout(() => done(`no Bolt answer from ${address} within ${timeoutMs} ms`), Math.min(timeoutMs, MAX_TIMER_MS));
        socket.on("connect", () => socket.write(Buffer.from([0x60, 0x60, 0xb0, 0x17, 0, 0, 4, 4, 0, 0, 3, 4, 0, 0, 2, 4, 0, 0, 1, 4])));
        socket.on("data", (d: Buffer) => {
            got = Buffer.concat([got, d]);
            if (got.length >= 4) done(got[3] === 4 ? undefined : `${address} answered Bolt ${got[3]}.${got[2]}, not 4.x`);
        });
        socket.on("error", (e: Error & { code?: string }) => done(`${address}: ${e.code ?? e.message}`));
        socket.on("close", () => done(`${address} closed the connection without a Bolt answer`));
    });
}

/** Polls boltAnswers until the node answers or the deadline passes (then throws with the last reason). */
export async function waitBoltAnswers(address: string, deadlineAt: number, pollMs = 100): Promise<void> {
    for (;;) {
        const why = await boltAnswers(address, Math.max(100, Math.min(2000, deadlineAt - Date.now())));
        if (why === undefined) return;
        if (Date.now() + pollMs > deadlineAt) throw new Error(`node does not answer Bolt: ${why}`);
        await new Promise((r) => setTimeout(r, pollMs));
    }
}

/**
 * Runs one auto-commit query on one address over a direct bolt:// connection,
 * with a deadline (the call's own, cut to the operation's total). The driver
 * and session are closed whatever happens; after a missed deadline their
 * sockets are destroyed, so nothing stays open in the provider's process.
 */
export async function runCall(
    o: AdminOptions,
    address: string,
    call: string,
    query: string,
    params?: Record<string, unknown>,
): Promise<Record<string, unknown>[]> {
    const ms = callBudgetMs(o);
    if (ms <= 0) throw adminError("deadline", `${call} at ${address} not started: the operation's deadline has passed`, address, call);

    const neo4j = require("neo4j-driver");
    // The few driver calls used here (neo4j-driver is required inside the call: the provider text stays plain).
    type Records = { records: { toObject: () => Record<string, unknown> }[] };
    type Session = { run: (q: string, p?: Record<string, unknown>) => PromiseLike<Records>; close: () => Promise<void> };
    let driver: { session: (c: unknown) => Session; close: () => Promise<void> } | undefined;
    let session: Session | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let missed = false;
    try {
        driver = neo4j.driver(`bolt://${address}`, neo4j.auth.basic(o.user, o.password), {
            encrypted: "ENCRYPTION_OFF", // TuGraph's Bolt has no TLS (docs/tugraph-facts.md)
            connectionTimeout: ms,
            connectionAcquisitionTimeout: ms,
            maxConnectionPoolSize: 1,
            maxTransactionRetryTime: 0,
            disableLosslessIntegers: true,
            userAgent: "tugraph-ha/membership",
        });
        // TuGraph's Bolt handler refuses a RUN without a 'db' entry: always name the graph.
        session = driver!.session({ defaultAccessMode: neo4j.session.WRITE, database: o.database ?? "default" });
        const running: Promise<Records> = Promise.resolve(session!.run(query, params));
        running.catch(() => undefined); // the loser of the race must not become an unhandled rejection
        const deadline = new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
                missed = true;
                reject(
                    adminError(
                        "deadline",
                        `${call} at ${address} did not answer within ${ms} ms (TuGraph admin calls have no timeout of their own)`,
                        address,
                        call,
                    ),
                );
            }, ms);
        });
        const result = await Promise.race([running, deadline]);
        return result.records.map((r) => r.toObject());
    } catch (e) {
        throw classifyError(e, address, call, o.user, o.password);
    } finally {
        if (timer) clearTimeout(timer);
        if (missed) destroySockets(driver);
        const closing = Promise.allSettled([session?.close(), driver?.close()]);
        // A close can wait on the hung call: bounded grace (a timer that is cleared, so nothing lingers).
        let grace: ReturnType<typeof setTimeout> | undefined;
        // After a missed deadline the sockets are gone and the close has nothing left to wait for.
        await Promise.race([closing, new Promise((r) => (grace = setTimeout(r, missed ? 50 : Math.min(200, ms))))]);
        if (grace) clearTimeout(grace);
        if (missed) destroySockets(driver);
    }
}

function num(v: unknown): number {
    if (typeof v === "number") return v;
    if (typeof v === "bigint") return Number(v);
    if (v && typeof (v as { toNumber?: () => number }).toNumber === "function") return (v as { toNumber: () => number }).toNumber();
    return Number(v);
}

export function parseRaftNodes(rows: readonly Record<string, unknown>[]): LiveMember[] {
    return rows
        .map((r) => ({
            id: num(r.node_id),
            ip: String(r.ip),
            boltPort: num(r.bolt_port),
            raftPort: num(r.bolt_raft_port),
            isLeader: r.is_leader === true,
            isLearner: r.is_learner === true,
        }))
        .sort((a, b) => a.id - b.id);
}

export interface RaftStatus {
    readonly id: number;
    readonly lead: number; // 0: no leader known
    readonly term: number;
    readonly commit: number;
    readonly applied: number;
    readonly raftState: string; // StateLeader | StateFollower | StateCandidate | StatePreCandidate
    readonly lastIndex: number; // raftlog.last
    readonly first: number; // raftlog.first: the last compacted index, 0 while the log was never compacted
    readonly progress: Readonly<Record<number, { match: number; next: number; state: string }>>; // only on the leader
}

/** Parses getRaftStatus()'s JSON (ids are HEX strings: node 10 is "a"). */
export function parseRaftStatus(text: string): RaftStatus {
    const j = JSON.parse(text) as Record<string, unknown> & { raftlog?: { last?: unknown; first?: unknown } };
    const hex = (v: unknown) => (v === undefined || v === null || v === "" ? 0 : parseInt(String(v), 16));
    const progress: Record<number, { match: number; next: number; state: string }> = {};
    for (const [k, p] of Object.entries((j.progress ?? {}) as Record<string, { match?: unknown; next?: unknown; state?: unknown } | null>)) {
        progress[hex(k)] = { match: Number(p?.match ?? 0), next: Number(p?.next ?? 0), state: String(p?.state ?? "") };
    }
    return {
        id: hex(j.id),
        lead: hex(j.lead),
        term: Number(j.term ?? 0),
        commit: Number(j.commit ?? 0),
        applied: Number(j.applied ?? 0),
        raftState: String(j.raftState ?? ""),
        lastIndex: Number(j.raftlog?.last ?? 0),
        first: Number(j.raftlog?.first ?? 0),
        progress,
    };
}

/** Members the leader's numbers do not show caught up (match below its commit), whatever the progress state says (core/lag.ts). */
export function laggingFromStatus(st: RaftStatus, earlier?: RaftStatus): number[] {
    if (st.raftState !== "StateLeader") return [];
    return notCaughtUp({ leader: st, earlier });
}

export interface Discovery extends LiveMembership {
    readonly leaderAddress?: string;
    readonly reachable: readonly string[]; // addresses that answered
    readonly errors: readonly string[]; // why the others did not
    readonly status?: RaftStatus; // the leader's
    readonly earlierStatus?: RaftStatus; // the leader's first sample, when someone was behind and it was asked again
    /** What every asked address answered, in the order asked (the stack's seeds first). */
    readonly answers: readonly NodeAnswer[];
}

export async function listRaftNodes(o: AdminOptions, address: string): Promise<LiveMember[]> {
    return parseRaftNodes(await runCall(o, address, "listRaftNodes", "CALL db.bolt.listRaftNodes()"));
}

export async function getRaftStatus(o: AdminOptions, address: string): Promise<RaftStatus> {
    const rows = await runCall(o, address, "getRaftStatus", "CALL db.bolt.getRaftStatus()");
    if (rows.length === 0) throw adminError("server", `getRaftStatus at ${address} returned no row`, address, "getRaftStatus");
    return parseRaftStatus(String(rows[0].status));
}

const addr = (m: Pick<LiveMember, "ip" | "boltPort">) => `${m.ip}:${m.boltPort}`;

/** What one address answered within its deadline. */
export interface NodeAnswer<S = RaftStatus> {
    readonly address: string;
    readonly listing?: readonly LiveMember[]; // listRaftNodes
    readonly status?: S; // its own getRaftStatus, when asked (DiscoverOptions.ask)
    readonly error?: string; // why not (scrubbed)
    readonly errorKind?: AdminErrorKind;
    readonly elapsedMs?: number;
}

/** How discovery asks one address. It may hang: the caller's deadlines bound it. */
export type AskNode = (o: AdminOptions, address: string) => Promise<NodeAnswer>;

/** listRaftNodes only: what the membership providers need. */
export async function askListing(o: AdminOptions, address: string): Promise<NodeAnswer> {
    return { address, listing: await listRaftNodes(o, address) };
}

/** listRaftNodes and the node's own getRaftStatus, in parallel: what `npm run status` shows of every node. */
export async function askListingAndStatus(o: AdminOptions, address: string): Promise<NodeAnswer> {
    const started = Date.now();
    const [listing, status] = await Promise.all([listRaftNodes(o, address), getRaftStatus(o, address)]);
    return { address, listing, status, elapsedMs: Date.now() - started };
}

export interface DiscoverOptions {
    /** Pause before the leader is asked again when someone is behind. Defaults to 300 ms. */
    readonly lagSampleMs?: number;
    /** How each address is asked. Defaults to askListing (the listing; the leader candidates' status is asked after). */
    readonly ask?: AskNode;
    /** An address that has not answered within this many ms is reported as not answering. Defaults to none: each call's own deadline. */
    readonly nodeDeadlineMs?: number;
    /** Called every `waitingEveryMs` for each address not answered yet. Defaults to nothing. */
    readonly onWaiting?: (address: string, elapsedMs: number) => void;
    /** How often `onWaiting` is called. Defaults to 1000 ms. */
    readonly waitingEveryMs?: number;
    /** Nobody answered and some refused for a reason a retry will not fix: return the answers instead of throwing. Defaults to false. */
    readonly keepUnanswered?: boolean;
}

/** Asks `addresses` in parallel; every failure is kept as the AdminError it is (a timeout of nodeDeadlineMs as "deadline"). */
async function askRound(o: AdminOptions, addresses: readonly string[], opts: DiscoverOptions): Promise<{ answer: NodeAnswer; error?: AdminError }[]> {
    const ask = opts.ask ?? askListing;
    const started = Date.now();
    const pending = new Set(addresses);
    const ticker = opts.onWaiting
        ? setInterval(() => {
              for (const a of [...pending].sort()) opts.onWaiting!(a, Date.now() - started);
          }, opts.waitingEveryMs ?? 1000)
        : undefined;
    const failed = (address: string, e: unknown) => {
        const error = isAdminError(e) ? e : adminError("server", scrub(String((e as Error)?.message ?? e), o.password), address);
        return { answer: { address, error: error.message, errorKind: error.kind }, error };
    };
    try {
        return await Promise.all(
            addresses.map(async (address) => {
                let timer: ReturnType<typeof setTimeout> | undefined;
                const gaveUp = new Promise<{ answer: NodeAnswer; error?: AdminError }>((resolve) => {
                    if (opts.nodeDeadlineMs === undefined) return;
                    const ms = opts.nodeDeadlineMs;
                    timer = setTimeout(() => resolve(failed(address, adminError("deadline", `no answer within ${ms / 1000} s`, address))), ms);
                });
                const asked = ask(o, address).then(
                    (answer) => ({ answer }),
                    (e: unknown) => failed(address, e),
                );
                try {
                    return await Promise.race([asked, gaveUp]);
                } finally {
                    clearTimeout(timer);
                    pending.delete(address);
                }
            }),
        );
    } finally {
        if (ticker) clearInterval(ticker);
    }
}

/**
 * One discovery pass: asks every known address (seeds, then every member
 * the answers list) for listRaftNodes in parallel; the leader is a member
 * some answer marks is_leader whose own getRaftStatus says StateLeader; the
 * membership is the leader's listing. Down members: no Bolt answer, or the
 * leader sees them behind and not replicating. Auth errors throw at once.
 * Every address's answer is kept (`answers`): status renders them.
 */
export async function discover(o: AdminOptions, opts: DiscoverOptions = {}): Promise<Discovery> {
    const answers = new Map<string, LiveMember[]>();
    const asked: NodeAnswer[] = [];
    const errors = new Map<string, AdminError>();
    let pending = [...new Set(o.seeds)];
    while (pending.length > 0) {
        for (const r of await askRound(o, pending, opts)) {
            asked.push(r.answer);
            if (r.error) errors.set(r.answer.address, r.error);
            else answers.set(r.answer.address, [...(r.answer.listing ?? [])]);
        }
        const auth = [...errors.values()].find((e) => e.kind === "auth");
        if (auth) throw auth;
        // Nobody answered and some refused for a reason a retry will not fix (e.g. "bolt raft is not enabled"): fail now.
        if (answers.size === 0 && !opts.keepUnanswered && [...errors.values()].some((e) => !isRetryable(e))) {
            throw adminError("server", `no member answered: ${[...errors.values()].map((e) => e.message).join("; ")}`);
        }
        const known = new Set([...answers.keys(), ...errors.keys()]);
        pending = [...new Set([...answers.values()].flat().map(addr))].filter((a) => !known.has(a));
    }
    const ownStatus = new Map(asked.filter((a) => a.status).map((a) => [a.address, a.status!]));
    const statusOf = async (a: string) => ownStatus.get(a) ?? (await getRaftStatus(o, a));
    // Leader candidates: the addresses some answer calls leader, confirmed by their own status.
    const candidates = [
        ...new Set(
            [...answers.values()]
                .flat()
                .filter((m) => m.isLeader)
                .map(addr),
        ),
    ].filter((a) => answers.has(a));
    let leaderAddress: string | undefined;
    let status: RaftStatus | undefined;
    for (const a of candidates) {
        try {
            const st = await statusOf(a);
            if (st.raftState === "StateLeader" && (!status || st.term > status.term)) {
                leaderAddress = a;
                status = st;
            }
        } catch (e) {
            if (isAdminError(e, "auth")) throw e;
            errors.set(a, e as AdminError);
        }
    }
    const members = leaderAddress ? answers.get(leaderAddress)! : largestListing(answers);
    const leaderMember = leaderAddress ? members.find((m) => addr(m) === leaderAddress) : undefined;
    let lagging = status ? laggingFromStatus(status) : [];
    let earlierStatus: RaftStatus | undefined;
    if (status && leaderAddress && lagging.length > 0) {
        // One sample cannot tell a follower a few entries behind under writes from one that is
        // stuck: a second sample a moment later lets the numbers judge (core/lag.ts).
        await sleep(opts.lagSampleMs ?? 300);
        const leader = leaderAddress;
        const again = await (opts.ask ? opts.ask(o, leader).then((a) => a.status ?? getRaftStatus(o, leader)) : getRaftStatus(o, leader)).catch(
            () => undefined,
        );
        if (again && again.raftState === "StateLeader" && again.id === status.id) {
            lagging = laggingFromStatus(again, status);
            earlierStatus = status;
            status = again;
        }
    }
    const downIds = members.filter((m) => !answers.has(addr(m)) || lagging.includes(m.id)).map((m) => m.id);
    // Silent here, yet up to date by the leader's own numbers: the cluster reaches it, this machine does not.
    const unreachableFromHere = status ? members.filter((m) => !answers.has(addr(m)) && !lagging.includes(m.id) && m.id !== status!.id).map((m) => m.id) : [];
    return {
        members: members.map((m) => ({ ...m, isLeader: leaderMember !== undefined && m.id === leaderMember.id })),
        leaderId: leaderMember?.id,
        leaderAddress: leaderMember ? leaderAddress : undefined,
        downIds,
        ...(unreachableFromHere.length > 0 ? { unreachableFromHere } : {}),
        reachable: [...answers.keys()].sort(),
        errors: [...errors.values()].map((e) => e.message),
        status,
        ...(earlierStatus ? { earlierStatus } : {}),
        answers: asked,
    };
}

function largestListing(answers: Map<string, LiveMember[]>): LiveMember[] {
    let best: LiveMember[] = [];
    for (const m of answers.values()) if (m.length > best.length) best = m;
    return best;
}

/**
 * Raft drops a conf change proposed while another entry is not yet applied
 * (a new leader's first entry, or an earlier conf change), and TuGraph's call
 * then hangs for ever. Before a change: the leader must have applied its
 * whole log. Retryable (it settles within a few ticks).
 */
export function checkLeaderSettled(d: Discovery): void {
    const st = d.status;
    if (st && st.applied < st.lastIndex) {
        throw adminError(
            "not-ready",
            `leader ${d.leaderId} at ${d.leaderAddress} has not applied its log yet (applied ${st.applied} < last ${st.lastIndex}); a membership change now could be dropped by raft`,
            d.leaderAddress,
            "getRaftStatus",
        );
    }
}

/** Why there is no usable leader, for error messages. */
function noLeaderMessage(d: Discovery): string {
    if (d.reachable.length === 0) return `no member answered: ${d.errors.join("; ")}`;
    return `no leader among ${d.members.map(addr).join(", ") || "the reachable members"}` + (d.errors.length ? ` (unreachable: ${d.errors.join("; ")})` : "");
}

/**
 * Runs `step` against the current leader, re-discovering and retrying on
 * retryable failures until totalTimeoutMs is spent. Non-retryable errors
 * (auth, gates, conflicts, server errors) are thrown at once. The last error
 * is kept in the final message, so a hang names its node and call.
 */
export async function withLeader<T>(
    o: AdminOptions,
    what: string,
    step: (d: Discovery & { leaderAddress: string; leaderId: number }, bounded: AdminOptions) => Promise<T>,
): Promise<T> {
    const started = Date.now();
    // A hard deadline: every call of every attempt (discovery and the change) is cut to what is left.
    const deadlineAt = Math.min(o.deadlineAt ?? Infinity, started + o.totalTimeoutMs);
    const bounded: AdminOptions = { ...o, deadlineAt };
    let attempt = 0;
    for (;;) {
        attempt++;
        try {
            const d = await discover(bounded);
            if (d.leaderId === undefined || !d.leaderAddress) throw adminError("no-leader", noLeaderMessage(d));
            o.log?.(`${what}: on leader ${d.leaderId} at ${d.leaderAddress} (attempt ${attempt})`);
            return await step(d as Discovery & { leaderAddress: string; leaderId: number }, bounded);
        } catch (e) {
            if (isRefused(e)) throw e; // a gate's refusal: never retried
            const err = isAdminError(e) ? e : adminError("server", scrub(String((e as Error)?.message ?? e), o.password));
            if (!isRetryable(err)) throw err;
            const elapsed = Date.now() - started;
            const pause = Math.min(1000, 100 * 2 ** Math.min(attempt, 4));
            if (Date.now() + pause >= deadlineAt) {
                throw adminError(
                    err.kind,
                    `${what}: gave up after ${attempt} attempt(s) in ${elapsed} ms (totalTimeoutMs ${o.totalTimeoutMs}): ${err.message}`,
                    err.address,
                    err.call,
                );
            }
            o.log?.(`${what}: retrying in ${pause} ms (${elapsed} of ${o.totalTimeoutMs} ms used): ${err.message}`);
            await sleep(pause);
        }
    }
}

/** The last guard before a literal goes into a CALL: the same rules as the config (core/nodeRules.ts). */
function checkId(id: number): void {
    if (!isNodeId(id)) throw adminError("invalid", `node id must be an integer from 1 to ${NODE_ID_MAX}, got ${id}`);
}

function checkIdAndAddress(id: number, ip: string, boltPort: number, raftPort: number): void {
    checkId(id);
    if (!isPeerIp(ip)) throw adminError("invalid", `ip must be a dialable IPv4 literal (TuGraph does not resolve names), got ${JSON.stringify(ip)}`);
    if (!isPort(boltPort) || !isPort(raftPort)) throw adminError("invalid", `ports must be integers from 1 to 65535, got ${boltPort}/${raftPort}`);
}

/** addRaftNode / addRaftLearnerNode on the leader (literals only: validated above). */
export async function callAdd(
    o: AdminOptions,
    leaderAddress: string,
    id: number,
    ip: string,
    boltPort: number,
    raftPort: number,
    learner: boolean,
): Promise<void> {
    checkIdAndAddress(id, ip, boltPort, raftPort);
    const proc = learner ? "addRaftLearnerNode" : "addRaftNode";
    await runCall(o, leaderAddress, `${proc}(${id})`, `CALL db.bolt.${proc}(${id}, '${ip}', ${boltPort}, ${raftPort})`);
}

export async function callRemove(o: AdminOptions, leaderAddress: string, id: number): Promise<void> {
    checkId(id);
    await runCall(o, leaderAddress, `removeRaftNode(${id})`, `CALL db.bolt.removeRaftNode(${id})`);
}

/**
 * After removing `removedId`: waits (within what is left of totalTimeoutMs)
 * until a leader other than the removed node is confirmed and its listing no
 * longer has the node. Covers removing the leader (TuGraph steps down).
 */
export async function waitForRemoval(o: AdminOptions, removedId: number, deadlineAt: number): Promise<Discovery> {
    let lastMsg: string;
    const bounded = { ...o, deadlineAt: Math.min(o.deadlineAt ?? Infinity, deadlineAt) };
    for (;;) {
        try {
            const d = await discover(bounded);
            if (d.leaderId !== undefined && d.leaderId !== removedId && !d.members.some((m) => m.id === removedId)) return d;
            lastMsg =
                d.leaderId === undefined
                    ? noLeaderMessage(d)
                    : d.leaderId === removedId
                      ? `node ${removedId} still leads`
                      : `node ${removedId} still listed by leader ${d.leaderId}`;
        } catch (e) {
            if (isAdminError(e, "auth")) throw e;
            lastMsg = (e as Error).message;
        }
        if (Date.now() + 200 >= deadlineAt) {
            throw adminError("not-applied", `removal of node ${removedId} not confirmed (a new leader without it) before the deadline: ${lastMsg}`);
        }
        await sleep(200);
    }
}
