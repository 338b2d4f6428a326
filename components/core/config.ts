// parseClusterConfig: the `tugraph:*` stack keys -> ClusterConfig, or EVERY
// problem of the stack at once. Pure: no Pulumi, no I/O, never throws.
//
// Shape checks are zod schemas applied field by field (not one big object
// schema) so that a node with a bad ip still takes part in the cross-field
// rules (duplicate ids, shared ports...) and the user sees all errors in one run.
// Secrets (adminPassword, tlsKey, tlsCert) are checked for presence only: they
// never enter ClusterConfig and no message ever quotes them.

import { posix as path } from "node:path";
import { z } from "zod";
import { isIpv4 } from "./ipv4";
import { CALL_TIMEOUT_MS, MIN_VOTERS_MAX, NODE_ID_MAX, TOTAL_TIMEOUT_MS } from "./nodeRules";
import { isWithinDir } from "./placement";
import type { ClusterConfig, MembershipSettings, NodeSpec, RaftTunables, Role, TlsSettings } from "./types";

export interface ConfigError {
    readonly key: string; // e.g. "tugraph:nodes[1].ip"
    readonly message: string; // a sentence that starts with the key and says the fix
}

// Something that is valid but probably not meant: printed by `npm run plan` and
// logged by the cluster component (pulumi.log.warn), never a reason to stop.
export interface ConfigWarning {
    readonly key: string;
    readonly message: string; // starts with the key, says why it is suspicious and the fix
}

export type ParseResult =
    | { readonly ok: true; readonly config: ClusterConfig; readonly warnings: ConfigWarning[] }
    | { readonly ok: false; readonly errors: ConfigError[]; readonly warnings: ConfigWarning[] };

// What the caller knows about where the config comes from.
export interface ParseOptions {
    // The stack's name: fix commands name it (`-s <stack>`), and the dev stack may keep a plain password.
    readonly stack?: string;
    // Secret keys (adminPassword, tlsKey, tlsCert) that the stack stores encrypted. Undefined when
    // unknown: then no warning about plain-text secrets. An ENCRYPTED value counts as encrypted.
    readonly encryptedKeys?: readonly string[];
}

// The one stack allowed to keep its admin password as plain text (TuGraph's default, local only).
export const DEV_STACK = "dev";

export const NAMESPACE = "tugraph";

// Stands for a value that is present but encrypted (`secure:` in a stack file,
// which the plan CLI cannot decrypt). Counts as "set" for the secret keys.
export const ENCRYPTED: unique symbol = Symbol("encrypted stack value");

export const DEFAULTS = {
    image: "tugraph/tugraph-runtime-centos7:4.5.2",
    adminUser: "admin",
    verbose: 1,
    web: "/usr/local/share/lgraph/browser-resource",
    containerPrefix: "tugraph-node-",
    dataRoot: "/root/tugraph",
    boltPort: 7687,
    raftPort: 8000,
    webPort: 7070,
    role: "voter" as Role,
    dockerHost: "unix:///var/run/docker.sock",
    callTimeoutSeconds: 10,
    totalTimeoutSeconds: 120,
} as const;

// Bolt raft first shipped in TuGraph 4.5.2.
export const MIN_TUGRAPH_VERSION: readonly [number, number, number] = [4, 5, 2];

// TuGraph's own lower bounds (lgraph config validation) and defaults. plausibleMax is
// ours: above it a value is valid but almost surely given in the wrong unit (a warning).
export const RAFT_TUNABLES: Readonly<Record<keyof RaftTunables, { min: number; tugraphDefault: number; unit: string; plausibleMax: number }>> = {
    bolt_raft_tick_interval: { min: 100, tugraphDefault: 100, unit: "ms", plausibleMax: 1000 },
    bolt_raft_election_tick: { min: 10, tugraphDefault: 10, unit: "ticks", plausibleMax: 1000 },
    bolt_raft_heartbeat_tick: { min: 1, tugraphDefault: 1, unit: "ticks", plausibleMax: 100 },
    bolt_raft_logstore_cache: { min: 10, tugraphDefault: 1024, unit: "MB", plausibleMax: 65536 },
    bolt_raft_logstore_threads: { min: 2, tugraphDefault: 4, unit: "threads", plausibleMax: 64 },
    bolt_raft_logstore_keep_logs: { min: 100000, tugraphDefault: 1000000, unit: "log entries", plausibleMax: 100000000 },
    bolt_raft_logstore_gc_interval: { min: 1, tugraphDefault: 10, unit: "minutes", plausibleMax: 120 },
};

// An implausible tunable in plain words, and what it probably meant: the value read in a smaller unit.
const round1 = (x: number) => Math.round(x * 10) / 10;
function unitHint(unit: string, v: number): { human: string; guess: string } {
    const meant = (what: string, x: number) => `; if you meant ${what}, that is ${x} ${unit}`;
    switch (unit) {
        case "ms":
            return { human: ` (${round1(v / 1000)} s per tick)`, guess: v % 1000 === 0 ? meant("microseconds", v / 1000) : "" };
        case "minutes":
            return { human: ` (${round1(v / 60)} hours)`, guess: v % 60 === 0 ? meant("seconds", v / 60) : "" };
        case "MB":
            return {
                human: ` (${v >= 1048576 ? `${round1(v / 1048576)} TB` : `${round1(v / 1024)} GB`})`,
                guess: v % 1048576 === 0 ? meant("bytes", v / 1048576) : v % 1024 === 0 ? meant("KB", v / 1024) : "",
            };
        default:
            return { human: "", guess: "" };
    }
}
export const TUNABLE_KEYS = Object.keys(RAFT_TUNABLES) as (keyof RaftTunables)[];

export const SECRET_KEYS = ["adminPassword", "tlsKey", "tlsCert"] as const;
// Keys whose value is a plain string: never JSON-decoded (a password "123" stays "123").
// tlsCa is known only to be refused with its reason (TuGraph's Bolt has no TLS: nothing to verify).
export const STRING_KEYS = ["image", "adminUser", "web", "containerPrefix", "dataRoot", "tlsCa", ...SECRET_KEYS] as const;
export const TOP_LEVEL_KEYS: readonly string[] = [...STRING_KEYS, "verbose", ...TUNABLE_KEYS, "tls", "nodes", "bootstrap", "membership", "sshOptions"];
const NODE_KEYS = ["id", "ip", "boltPort", "raftPort", "webPort", "role", "dockerHost", "dataDir", "logDir", "removed", "resync"];
// insecureSkipVerify is known only to be refused with its reason (see refuseBoltTlsKeys).
const TLS_KEYS = ["enabled", "keyFile", "certFile", "insecureSkipVerify"];
const MEMBERSHIP_KEYS = ["callTimeoutSeconds", "totalTimeoutSeconds", "minVoters", "allowUnsafeRemoval", "allowWriteOutageForSync"];

// lgraph.json keys people copy from the manual; they are derived per node here.
const DERIVED_LGRAPH_KEYS: Readonly<Record<string, string>> = {
    directory: "it is derived: set tugraph:dataRoot or nodes[].dataDir (host side)",
    host: "it is derived: set nodes[].ip",
    port: "it is derived: set nodes[].webPort",
    bolt_port: "it is derived: set nodes[].boltPort",
    bolt_raft_port: "it is derived: set nodes[].raftPort",
    bolt_raft_node_id: "it is derived: set nodes[].id",
    bolt_raft_init_peers: "init peers are derived from tugraph:nodes and tugraph:bootstrap",
    log_dir: "it is derived: set tugraph:dataRoot or nodes[].logDir (host side)",
    ssl_auth: "set tugraph:tls.enabled",
    server_key: "set tugraph:tls.keyFile or the secret tugraph:tlsKey",
    server_cert: "set tugraph:tls.certFile or the secret tugraph:tlsCert",
    disable_auth: "authentication is always on (tugraph:adminUser / tugraph:adminPassword)",
};
const DERIVED_NODE_KEYS: Readonly<Record<string, string>> = {
    host: "use ip",
    port: "use webPort (bolt and raft ports are boltPort and raftPort)",
    bolt_raft_node_id: "use id",
    node_id: "use id",
    directory: "use dataDir",
    log_dir: "use logDir",
    learner: "use role: learner",
    is_learner: "use role: learner",
};

const RPC_HA = (key: string) => key === "enable_ha" || key.startsWith("ha_");
const RPC_HA_MESSAGE =
    "is an RPC-HA key: RPC HA must not be mixed with Bolt raft (the TuGraph manual says so). " +
    "Remove it; this program runs Bolt raft HA (bolt_raft_* keys) only";

// ---------- small helpers ----------

type Errors = ConfigError[];
type Warnings = ConfigWarning[];
// Both push `{key, "<key> <text>"}`: a warning is worded like an error.
const fail = (list: Errors | Warnings, key: string, text: string) => list.push({ key, message: `${key} ${text}` });
const warn = fail;
const k = (rel: string) => `${NAMESPACE}:${rel}`;

// The command that stores a secret key encrypted, for messages. PEM keys are read from a file.
export function setSecretCommand(name: (typeof SECRET_KEYS)[number], stack: string | undefined): string {
    const s = `-s ${stack ?? "<stack>"}`;
    return name === "adminPassword"
        ? `pulumi config set --secret tugraph:adminPassword <password> ${s}`
        : `pulumi config set --secret tugraph:${name} ${s} < ${name === "tlsKey" ? "key" : "cert"}.pem`;
}

// Quotes a (non-secret) user value in a message, kept short.
function show(v: unknown): string {
    if (v === ENCRYPTED) return "an encrypted value";
    let s: string;
    try {
        s = typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
    } catch {
        s = String(v);
    }
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

// Runs a zod schema; on failure records each issue under `key` (+ the issue path).
function field<T>(errors: Errors, key: string, schema: z.ZodType<T>, value: unknown): T | undefined {
    if (value === ENCRYPTED) {
        fail(errors, key, "is encrypted (secure:) but is not a secret key: only adminPassword, tlsKey and tlsCert are secrets; store it as a plain value");
        return undefined;
    }
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    for (const issue of r.error.issues) {
        const suffix = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
        fail(errors, key + suffix, issue.message);
    }
    return undefined;
}

// One message for every way a number can be wrong: the fix is the same.
function intSchema(min: number, max: number, describe: string) {
    const error = (iss: { input?: unknown }) => `${describe}, got ${show(iss.input)}`;
    return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}
const portSchema = intSchema(1, 65535, "must be a port number (an integer from 1 to 65535)");
const boolSchema = (what: string) => z.boolean({ error: (i) => `must be true or false${what}, got ${show(i.input)}` });
const absPathSchema = z
    .string({ error: (i) => `must be an absolute path (a string starting with /), got ${show(i.input)}` })
    .refine((s) => s.startsWith("/") && !/\s/.test(s) && !s.split("/").includes(".."), {
        error: (i) => `must be an absolute path without spaces or "..", got ${show(i.input)}`,
    });

function levenshtein(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const tmp = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = tmp;
        }
    }
    return row[b.length];
}
// Valid keys that look like an obvious typo of `key` (case, _ vs camelCase, a few letters).
export function closeKeys(key: string, valid: readonly string[]): string[] {
    const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, "");
    const limit = Math.max(2, Math.floor(key.length / 5));
    return valid
        .map((v) => ({ v, d: norm(v) === norm(key) ? 0 : levenshtein(key.toLowerCase(), v.toLowerCase()) }))
        .filter((x) => x.d <= limit)
        .sort((a, b) => a.d - b.d)
        .slice(0, 3)
        .map((x) => x.v);
}

function checkKeys(errors: Errors, prefix: string, obj: Record<string, unknown>, valid: readonly string[], hints: Readonly<Record<string, string>>) {
    for (const key of Object.keys(obj)) {
        if (valid.includes(key)) continue;
        const full = prefix ? `${prefix}.${key}` : k(key);
        if (RPC_HA(key)) {
            fail(errors, full, RPC_HA_MESSAGE);
            continue;
        }
        const close = closeKeys(key, valid);
        const where = prefix ? `${prefix} entries` : "the tugraph namespace";
        const hint = hints[key] ? `: ${hints[key]}` : close.length ? `: did you mean ${close.join(" or ")}?` : `: remove it (valid keys: ${valid.join(", ")})`;
        fail(errors, full, `is not a known key of ${where}${hint}`);
    }
}

// ---------- top-level scalars ----------

function parseImage(errors: Errors, value: unknown): string | undefined {
    const key = k("image");
    const image = field(errors, key, z.string({ error: (i) => `must be an image reference string, got ${show(i.input)}` }), value ?? DEFAULTS.image);
    if (image === undefined) return undefined;
    if (image === "" || /\s/.test(image)) {
        fail(errors, key, `must be a non-empty image reference without spaces, e.g. ${DEFAULTS.image}`);
        return undefined;
    }
    if (image.includes("@")) return image; // pinned by digest
    const tagAt = image.lastIndexOf(":");
    const tag = tagAt > image.lastIndexOf("/") ? image.slice(tagAt + 1) : undefined;
    if (tag === undefined || tag === "latest") {
        fail(
            errors,
            key,
            `${tag ? "uses the tag latest" : "has no tag (that means latest)"}: pin a version so every node runs the same build, e.g. ${DEFAULTS.image} (Bolt raft needs >= 4.5.2)`,
        );
        return undefined;
    }
    const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(tag);
    if (m) {
        const v = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
        const [a, b, c] = MIN_TUGRAPH_VERSION;
        const older = v[0] !== a ? v[0] < a : v[1] !== b ? v[1] < b : v[2] < c;
        if (older) {
            fail(errors, key, `has version ${tag}, but Bolt raft HA needs TuGraph >= ${MIN_TUGRAPH_VERSION.join(".")}: use e.g. ${DEFAULTS.image}`);
            return undefined;
        }
    }
    return image;
}

function checkSecret(errors: Errors, name: (typeof SECRET_KEYS)[number], value: unknown, required: boolean, stack: string | undefined): boolean {
    const key = k(name);
    const fix = `set it with \`${setSecretCommand(name, stack)}\``;
    if (value === undefined) {
        if (required) fail(errors, key, `is required: ${fix}`);
        return false;
    }
    if (value === ENCRYPTED) return true;
    if (typeof value !== "string" || value.length === 0) {
        // Never quote the value: it is a secret even when it is malformed.
        fail(errors, key, `must be a non-empty string: ${fix}`);
        return false;
    }
    if (name !== "adminPassword" && !value.includes("-----BEGIN")) {
        fail(errors, key, `must hold a PEM block (-----BEGIN ...): ${fix}`);
        return false;
    }
    return true;
}

// A secret kept as plain text in a shared stack file is readable by everyone who
// can read the file (and the repository): fine only for the dev stack's default password.
function warnPlainSecrets(warnings: Warnings, raw: Record<string, unknown>, opts: ParseOptions) {
    if (opts.encryptedKeys === undefined || opts.stack === DEV_STACK) return;
    for (const name of ["adminPassword", "tlsKey"] as const) {
        const v = raw[name];
        if (typeof v !== "string" || v === "" || opts.encryptedKeys.includes(name)) continue;
        warn(
            warnings,
            k(name),
            `is stored as plain text in stack ${opts.stack ?? "<stack>"}: anyone who can read the stack file can read it; ` +
                `encrypt it with \`${setSecretCommand(name, opts.stack)}\` (only the ${DEV_STACK} stack keeps TuGraph's default password in plain text)`,
        );
    }
}

function parseTunables(errors: Errors, warnings: Warnings, raw: Record<string, unknown>): RaftTunables | undefined {
    const out: Record<string, number> = {};
    let ok = true;
    for (const name of TUNABLE_KEYS) {
        if (raw[name] === undefined) continue;
        const { min, tugraphDefault, unit, plausibleMax } = RAFT_TUNABLES[name];
        const v = field(
            errors,
            k(name),
            intSchema(min, Number.MAX_SAFE_INTEGER, `must be an integer >= ${min} (${unit}; TuGraph's minimum, its default is ${tugraphDefault})`),
            raw[name],
        );
        if (v === undefined) {
            ok = false;
            continue;
        }
        out[name] = v;
        if (v > plausibleMax) {
            const { human, guess } = unitHint(unit, v);
            warn(
                warnings,
                k(name),
                `is ${v} ${unit}${human}, implausibly large: TuGraph's default is ${tugraphDefault} ${unit}, and above ${plausibleMax} ${unit} ` +
                    `is almost surely a mistake. The unit is ${unit}${guess}: give the value in ${unit}, or remove the key to keep the default`,
            );
        }
    }
    // Followers start an election when they miss heartbeats for election_tick
    // ticks: a heartbeat that is not more frequent than that makes leaders flap.
    const hb = out.bolt_raft_heartbeat_tick ?? RAFT_TUNABLES.bolt_raft_heartbeat_tick.tugraphDefault;
    const el = out.bolt_raft_election_tick ?? RAFT_TUNABLES.bolt_raft_election_tick.tugraphDefault;
    const hbSet = raw.bolt_raft_heartbeat_tick !== undefined;
    const elSet = raw.bolt_raft_election_tick !== undefined;
    const bothParsed = (!hbSet || out.bolt_raft_heartbeat_tick !== undefined) && (!elSet || out.bolt_raft_election_tick !== undefined);
    if ((hbSet || elSet) && bothParsed && hb >= el) {
        fail(
            errors,
            k(hbSet ? "bolt_raft_heartbeat_tick" : "bolt_raft_election_tick"),
            `makes heartbeat_tick (${hb}) >= election_tick (${el}): bolt_raft_heartbeat_tick must be smaller than bolt_raft_election_tick, otherwise followers time out between heartbeats and elections never settle; lower the heartbeat or raise the election tick`,
        );
        ok = false;
    }
    return ok ? out : undefined;
}

function parseTls(errors: Errors, warnings: Warnings, raw: Record<string, unknown>, stack: string | undefined): TlsSettings | undefined {
    const key = k("tls");
    const tlsRaw = raw.tls ?? {};
    const keySecret = checkSecret(errors, "tlsKey", raw.tlsKey, false, stack);
    const certSecret = checkSecret(errors, "tlsCert", raw.tlsCert, false, stack);
    if (!isPlainObject(tlsRaw)) {
        fail(errors, key, `must be an object {enabled, keyFile?, certFile?}, got ${show(tlsRaw)}`);
        return undefined;
    }
    checkKeys(errors, key, tlsRaw, TLS_KEYS, {});
    const enabled = field(errors, `${key}.enabled`, boolSchema(""), tlsRaw.enabled ?? false);
    const keyFile = tlsRaw.keyFile === undefined ? undefined : field(errors, `${key}.keyFile`, absPathSchema, tlsRaw.keyFile);
    const certFile = tlsRaw.certFile === undefined ? undefined : field(errors, `${key}.certFile`, absPathSchema, tlsRaw.certFile);
    let ok = enabled !== undefined && (tlsRaw.keyFile === undefined || keyFile !== undefined) && (tlsRaw.certFile === undefined || certFile !== undefined);
    const pairs: [string, boolean, "tlsKey" | "tlsCert", boolean][] = [
        ["keyFile", tlsRaw.keyFile !== undefined, "tlsKey", raw.tlsKey !== undefined],
        ["certFile", tlsRaw.certFile !== undefined, "tlsCert", raw.tlsCert !== undefined],
    ];
    for (const [fileKey, hasFile, secretKey, hasSecret] of pairs) {
        if (enabled === true) {
            if (hasFile && hasSecret) {
                fail(
                    errors,
                    `${key}.${fileKey}`,
                    `and ${k(secretKey)} are both set: give exactly one source (a host file or the inline PEM secret), remove the other`,
                );
                ok = false;
            } else if (!hasFile && !hasSecret) {
                fail(
                    errors,
                    `${key}.${fileKey}`,
                    `or the secret ${k(secretKey)} is required when tls.enabled is true: give the host path of the PEM file or set the PEM with \`${setSecretCommand(secretKey, stack)}\``,
                );
                ok = false;
            }
        } else if (enabled === false && (hasFile || hasSecret)) {
            const which = hasFile ? `${key}.${fileKey}` : k(secretKey);
            fail(errors, which, "is set but tls.enabled is false, so it would be ignored: set tugraph:tls.enabled to true or remove it");
            ok = false;
        }
    }
    if (!keySecret && raw.tlsKey !== undefined) ok = false;
    if (!certSecret && raw.tlsCert !== undefined) ok = false;
    if (!refuseBoltTlsKeys(errors, raw, tlsRaw, stack)) ok = false;
    if (!ok || enabled === undefined) return undefined;
    return {
        enabled,
        ...(keyFile !== undefined ? { keyFile } : {}),
        ...(certFile !== undefined ? { certFile } : {}),
    };
}

/** Why a Bolt TLS option means nothing (docs/tugraph-facts.md), and the fix. */
export const NO_BOLT_TLS =
    "TuGraph's Bolt has no TLS (a plain TCP socket; ssl_auth only makes the web port HTTPS), so there is no Bolt certificate to verify " +
    "and the admin client always speaks plain Bolt";

// Options that only meant something for Bolt over TLS: refused, each naming why and the fix.
function refuseBoltTlsKeys(errors: Errors, raw: Record<string, unknown>, tlsRaw: Record<string, unknown>, stack: string | undefined): boolean {
    const net = "protect Bolt (passwords included) and raft with a private network, a firewall or a tunnel (README: Security)";
    let ok = true;
    if (raw.tlsCa !== undefined) {
        fail(errors, k("tlsCa"), `is no longer used: ${NO_BOLT_TLS}. Fix: remove it (\`pulumi config rm tugraph:tlsCa -s ${stack ?? "<stack>"}\`); ${net}`);
        ok = false;
    }
    if (tlsRaw.insecureSkipVerify !== undefined) {
        fail(
            errors,
            k("tls.insecureSkipVerify"),
            `is no longer used: ${NO_BOLT_TLS}. Fix: remove it (\`pulumi config rm --path 'tugraph:tls.insecureSkipVerify' -s ${stack ?? "<stack>"}\`); ${net}`,
        );
        ok = false;
    }
    return ok;
}

// ---------- nodes ----------

// What could be read from one nodes[] entry; undefined fields failed validation.
interface PartialNode {
    readonly index: number;
    readonly key: string; // "tugraph:nodes[i]"
    id?: number;
    ip?: string;
    boltPort?: number;
    raftPort?: number;
    webPort?: number;
    role?: Role;
    dockerHost?: string;
    dataDir?: string;
    logDir?: string;
    removed?: boolean;
    resync?: string;
    defaultDirs: boolean; // dataDir/logDir both derived from dataRoot and id
    defaultHost: boolean; // dockerHost not given: the local engine
    complete: boolean;
}

// Why a string is not an IPv4 literal, in terms of the likely mistake.
export function ipv4Problem(s: string): string {
    const got = `got ${show(s)}`;
    const withPort = /^(\d+(?:\.\d+){3}):(\d*)$/.exec(s);
    if (withPort) return `must be a bare IPv4 address, ${got}: the ports are nodes[].boltPort, raftPort and webPort; write ${withPort[1]}`;
    if (s.includes(":")) return `is an IPv6 address, ${got}: TuGraph's raft peers are IPv4 only; use the node's IPv4 address`;
    if (/^[\d.]+$/.test(s)) {
        const parts = s.split(".");
        if (parts.length !== 4 || parts.includes("")) return `must be four numbers joined by dots (a.b.c.d), ${got}: write the node's full IPv4 address`;
        const big = parts.find((p) => Number(p) > 255);
        if (big !== undefined) return `has the octet ${big}, out of range, ${got}: each of the four numbers is 0 to 255; correct the address`;
        const zero = parts.find((p) => p.length > 1 && p.startsWith("0"));
        if (zero !== undefined) return `has the octet ${zero} with a leading zero, ${got}: write ${Number(zero)} (a leading zero reads as octal in some tools)`;
    }
    if (/^[A-Za-z0-9.-]+$/.test(s) && /[A-Za-z]/.test(s)) {
        return `must be an IPv4 literal such as 172.20.10.52, ${got}: TuGraph does not resolve host names (a name in the init peers crashes the raft thread); use the node's IPv4 address`;
    }
    return `must be an IPv4 literal such as 172.20.10.52, ${got}: use the node's IPv4 address`;
}

const ipSchema = z
    .string({ error: (i) => `must be an IPv4 address string such as 172.20.10.52, got ${show(i.input)}` })
    .refine((s) => isIpv4(s), { error: (i) => ipv4Problem(String(i.input)) })
    .refine((s) => s !== "0.0.0.0", { error: "is 0.0.0.0, which peers cannot connect to: use the node's reachable IPv4 address" });

const DOCKER_HOST = [/^unix:\/\/\/\S+$/, /^tcp:\/\/[A-Za-z0-9.-]+:([1-9]\d{0,4})$/, /^ssh:\/\/([A-Za-z0-9._-]+@)?[A-Za-z0-9.-]+(:[1-9]\d{0,4})?$/];
function validDockerHost(s: string): boolean {
    if (!DOCKER_HOST.some((r) => r.test(s))) return false;
    const port = s.startsWith("unix:") ? undefined : /:(\d+)$/.exec(s.replace(/^\w+:\/\//, ""));
    return !port || Number(port[1]) <= 65535;
}
const dockerHostSchema = z.string({ error: (i) => `must be a Docker address string, got ${show(i.input)}` }).refine(validDockerHost, {
    error: (i) => `must be unix:///path/to/docker.sock, tcp://host:port or ssh://[user@]host[:port], got ${show(i.input)}`,
});

function parseNode(errors: Errors, entry: unknown, index: number, dataRoot: string | undefined): PartialNode {
    const key = k(`nodes[${index}]`);
    const node: PartialNode = { index, key, complete: false, defaultDirs: false, defaultHost: false };
    if (!isPlainObject(entry)) {
        fail(errors, key, `must be an object like {id: 1, ip: "172.20.10.52"}, got ${show(entry)}`);
        return node;
    }
    const before = errors.length;
    checkKeys(errors, key, entry, NODE_KEYS, DERIVED_NODE_KEYS);
    if (entry.id === undefined) fail(errors, `${key}.id`, "is required: give every node a unique integer id > 0 (its bolt_raft_node_id)");
    else
        node.id = field(errors, `${key}.id`, intSchema(1, NODE_ID_MAX, `must be an integer from 1 to ${NODE_ID_MAX} (the node's bolt_raft_node_id)`), entry.id);
    if (entry.ip === undefined) fail(errors, `${key}.ip`, "is required: the node's IPv4 address, reachable from the other nodes");
    else node.ip = field(errors, `${key}.ip`, ipSchema, entry.ip);
    node.boltPort = field(errors, `${key}.boltPort`, portSchema, entry.boltPort ?? DEFAULTS.boltPort);
    node.raftPort = field(errors, `${key}.raftPort`, portSchema, entry.raftPort ?? DEFAULTS.raftPort);
    node.webPort = field(errors, `${key}.webPort`, portSchema, entry.webPort ?? DEFAULTS.webPort);
    node.role = field(
        errors,
        `${key}.role`,
        z.enum(["voter", "learner"], { error: (i) => `must be "voter" or "learner", got ${show(i.input)}` }),
        entry.role ?? DEFAULTS.role,
    );
    node.dockerHost = field(errors, `${key}.dockerHost`, dockerHostSchema, entry.dockerHost ?? DEFAULTS.dockerHost);
    node.removed = field(errors, `${key}.removed`, boolSchema(" (true marks the node for removal)"), entry.removed ?? false);
    if (entry.resync !== undefined) {
        node.resync = field(
            errors,
            `${key}.resync`,
            z
                .string({
                    error: (i) => `must be a string token (any new value copies a member's data to this node again, e.g. "2026-11-26"), got ${show(i.input)}`,
                })
                .min(1, { error: "must not be empty: any new value copies a member's data to this node again" }),
            entry.resync,
        );
    }
    // Default host directories hang off dataRoot and the id, so they need both.
    const base = dataRoot !== undefined && node.id !== undefined ? `${dataRoot.replace(/\/+$/, "")}/node-${node.id}` : undefined;
    node.dataDir = entry.dataDir !== undefined ? field(errors, `${key}.dataDir`, absPathSchema, entry.dataDir) : base && `${base}/data`;
    node.logDir = entry.logDir !== undefined ? field(errors, `${key}.logDir`, absPathSchema, entry.logDir) : base && `${base}/log`;
    node.defaultDirs = entry.dataDir === undefined && entry.logDir === undefined;
    node.defaultHost = entry.dockerHost === undefined;
    node.complete = errors.length === before && node.dataDir !== undefined && node.logDir !== undefined;
    // Name the node by its id too after each field key ("tugraph:nodes[2].ip (node 3) ...").
    if (node.id !== undefined) {
        for (let i = before; i < errors.length; i++) {
            const e = errors[i];
            if (e.key.startsWith(`${key}.`) && e.key !== `${key}.id`)
                errors[i] = { key: e.key, message: `${e.key} (node ${node.id})${e.message.slice(e.key.length)}` };
        }
    }
    return node;
}

// Every message names a node the same way: by id, with its place in the list.
const label = (n: PartialNode) => (n.id !== undefined ? `node ${n.id} (nodes[${n.index}])` : `nodes[${n.index}]`);
// A message on one field of a node: "<key> (node N) <text>", the key first like every message.
const failAt = (errors: Errors, n: PartialNode, f: string, text: string) =>
    fail(errors, `${n.key}.${f}`, `${n.id !== undefined ? `(node ${n.id}) ` : ""}${text}`);
const normDir = (d: string) => path.normalize(d).replace(/(.)\/+$/, "$1");

function checkNodes(errors: Errors, nodes: PartialNode[]) {
    // ids: unique across tombstones too, raft must never see a removed id come back.
    const byId = new Map<number, PartialNode>();
    const duplicates = new Set<PartialNode>();
    for (const n of nodes) {
        if (n.id === undefined) continue;
        const first = byId.get(n.id);
        if (first) duplicates.add(n);
        if (first)
            fail(
                errors,
                `${n.key}.id`,
                `${n.id} is already used by ${label(first)}: ids must be unique, also against removed nodes (raft must never see a removed id again); pick a new id`,
            );
        else byId.set(n.id, n);
    }

    // Listeners: every process binds 0.0.0.0, so ports clash per docker host
    // whatever the ip; tombstones are left out because their container goes away.
    type Listener = { n: PartialNode; field: "boltPort" | "raftPort" | "webPort"; port: number };
    const onHost = new Map<string, Listener>();
    const atAddress = new Map<string, Listener>();
    // Nodes with different ips left on the default engine: most likely separate
    // machines whose dockerHost was forgotten. One message for all of them.
    const forgotHost = { nodes: new Set<PartialNode>(), ports: new Set<number>() };
    for (const n of nodes) {
        if (n.removed !== false || n.ip === undefined || n.dockerHost === undefined) continue;
        for (const f of ["boltPort", "raftPort", "webPort"] as const) {
            const port = n[f];
            if (port === undefined) continue;
            const addr = `${n.ip}:${port}`;
            const sameHost = onHost.get(`${n.dockerHost}|${port}`);
            const sameAddr = atAddress.get(addr);
            if (sameHost?.n === n) {
                failAt(errors, n, f, `${port} is also this node's ${sameHost.field}: bolt, raft and web listeners each need their own port; pick another`);
            } else if (sameHost && n.defaultHost && sameHost.n.defaultHost && n.ip !== sameHost.n.ip) {
                forgotHost.nodes.add(sameHost.n).add(n);
                forgotHost.ports.add(port);
            } else if (sameHost) {
                failAt(
                    errors,
                    n,
                    f,
                    `${port} is already used by the ${sameHost.field} of ${label(sameHost.n)} on docker host ${n.dockerHost}: TuGraph binds every listener on 0.0.0.0, so nodes on one host need distinct ports even with different ips; pick a free port`,
                );
            } else if (sameAddr) {
                failAt(
                    errors,
                    n,
                    f,
                    `makes ${addr} the address of both ${label(sameAddr.n)} (docker host ${sameAddr.n.dockerHost}) and ${label(n)} (docker host ${n.dockerHost}): peers reach nodes by ip:port, so one of the two ips is wrong; use each machine's own IPv4`,
                );
            }
            if (!sameHost) onHost.set(`${n.dockerHost}|${port}`, { n, field: f, port });
            if (!sameAddr) atAddress.set(addr, { n, field: f, port });
        }
    }
    if (forgotHost.nodes.size > 0) {
        const group = [...forgotHost.nodes].sort((a, b) => a.index - b.index);
        const other = group[1]; // the first may well be on this machine
        const names = group.map(label);
        fail(
            errors,
            k("nodes[].dockerHost"),
            `is not set for ${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}, so they all run on the default docker host ${DEFAULTS.dockerHost}, ` +
                `where their listeners clash on port(s) ${[...forgotHost.ports].sort((a, b) => a - b).join(", ")} (TuGraph binds 0.0.0.0). Their ips differ ` +
                `(${group.map((n) => n.ip).join(", ")}): if they are separate machines, set each node's dockerHost (e.g. ${other.key}.dockerHost: ssh://root@${other.ip}); ` +
                `if they share this machine, give each node its own boltPort, raftPort and webPort`,
        );
    }

    // Loopback only works when every member runs on the same machine.
    const live = nodes.filter((n) => n.removed === false);
    const hosts = [...new Set(live.map((n) => n.dockerHost).filter((h): h is string => h !== undefined))];
    if (hosts.length > 1) {
        for (const n of live) {
            if (n.ip?.startsWith("127.")) {
                failAt(
                    errors,
                    n,
                    "ip",
                    `is the loopback address ${n.ip} but the cluster spans several docker hosts (${hosts.join(", ")}): nodes on other machines cannot reach it; use the machine's LAN IPv4`,
                );
            }
        }
    }

    // Host directories: tombstones keep their data on disk, so they count.
    const dirs = new Map<string, { n: PartialNode; field: "dataDir" | "logDir" }>();
    for (const n of nodes) {
        // A duplicate id's default directories clash by construction: one message (the id) is enough.
        if (n.dockerHost === undefined || (duplicates.has(n) && n.defaultDirs)) continue;
        for (const f of ["dataDir", "logDir"] as const) {
            const d = n[f];
            if (d === undefined) continue;
            const slot = `${n.dockerHost}|${normDir(d)}`;
            const other = dirs.get(slot);
            if (!other) {
                dirs.set(slot, { n, field: f });
                continue;
            }
            const whose =
                other.n === n
                    ? `this node's ${other.field}`
                    : `the ${other.field} of ${label(other.n)}${other.n.removed ? " (a removed node: its data stays on disk)" : ""}`;
            failAt(
                errors,
                n,
                f,
                `${d} is also ${whose} on docker host ${n.dockerHost}: every node needs its own data and log directory; set a different ${f} or leave it to the default under tugraph:dataRoot`,
            );
        }
    }
    // One directory inside another: a copy of one node's data (a joiner's seed) would
    // carry the other's, and the server would see foreign files in its directory.
    const slots = [...dirs.entries()].map(([slot, v]) => ({ host: slot.slice(0, slot.indexOf("|")), dir: slot.slice(slot.indexOf("|") + 1), ...v }));
    for (const inner of slots) {
        const outer = slots.find((o) => o !== inner && o.host === inner.host && isWithinDir(inner.dir, o.dir));
        if (!outer) continue;
        const whose = outer.n === inner.n ? `this node's own ${outer.field}` : `the ${outer.field} of ${label(outer.n)}`;
        failAt(
            errors,
            inner.n,
            inner.field,
            `${inner.n[inner.field]} lies inside ${outer.n[outer.field]}, ${whose}, on docker host ${inner.host}: node directories must not nest; give each node a directory of its own beside the others`,
        );
    }
}

function checkRoles(errors: Errors, nodes: PartialNode[]) {
    const voters = nodes.filter((n) => n.role === "voter" && n.removed === false);
    const learners = nodes.filter((n) => n.role === "learner" && n.removed === false);
    if (nodes.some((n) => n.role === undefined || n.removed === undefined)) return; // already reported
    if (voters.length === 0) {
        const removedVoters = nodes.filter((n) => n.role === "voter" && n.removed);
        fail(
            errors,
            k("nodes"),
            removedVoters.length
                ? `marks every voter as removed, ${removedVoters.map(label).join(", ")}: a cluster needs at least one voter; keep one, or add a new voter before removing the last`
                : "has no voter: a cluster needs at least one node with role voter (learners cannot elect a leader)",
        );
        return;
    }
    // Learners do not vote; each one only adds replication load on the leader.
    // More learners than voters is almost certainly a mistake in the roles.
    if (learners.length > voters.length) {
        fail(
            errors,
            k("nodes"),
            `has ${learners.length} learners but only ${voters.length} voters: learners only add replication load on the leader; make some of them voters or drop them`,
        );
    }
}

// ---------- ssh ----------

// Extra arguments for the ssh client that reaches ssh:// docker hosts: one argv item each,
// as the Docker provider's sshOpts takes them (a flag and its value are two items).
const sshOptionsSchema = z
    .array(
        z
            .string({ error: (i) => `items must be strings, got ${show(i.input)}` })
            .min(1, { error: "items must not be empty" })
            .refine((o) => !/[\n\0]/.test(o), { error: "items must not contain a newline" })
            .refine((o) => !/^-[A-Za-z] +\S/.test(o) || o.startsWith("-o "), {
                error: (i) => `item ${show(i.input)} holds a flag and its value: give them as two items, e.g. ["-F", "/path/to/ssh_config"]`,
            }),
        { error: (i) => `must be a list of ssh client arguments, e.g. ["-F", "/home/me/.ssh/tugraph_config"], got ${show(i.input)}` },
    )
    .readonly();

// ---------- bootstrap and membership ----------

function parseBootstrap(errors: Errors, warnings: Warnings, value: unknown, nodes: PartialNode[], stack: string | undefined): number[] | undefined {
    const key = k("bootstrap");
    const nodesOk = nodes.every((n) => n.id !== undefined && n.role !== undefined && n.removed !== undefined);
    const idsKnown = nodes.length > 0 && nodes.every((n) => n.id !== undefined); // else an "unknown id" may be a false alarm
    if (value === undefined) {
        // The default (every live voter) is right for the first deployment only.
        // A tombstone proves the cluster has changed since, so the default would
        // name the wrong set: ask for the real one.
        const removed = nodes.filter((n) => n.removed === true);
        if (removed.length > 0) {
            fail(
                errors,
                key,
                `must be given explicitly once nodes are removed, as ${removed.map(label).join(", ")} ${removed.length > 1 ? "are" : "is"}: the default, every live voter, is only right on the first deployment; list the ids that formed the cluster, e.g. [${nodes
                    .filter((n) => n.role === "voter" && n.id !== undefined)
                    .map((n) => n.id)
                    .slice(0, 3)
                    .join(", ")}]`,
            );
            return undefined;
        }
        if (!nodesOk) return undefined;
        const ids = nodes
            .filter((n) => n.role === "voter" && !n.removed)
            .map((n) => n.id!)
            .sort((a, b) => a - b);
        // Without a tombstone nothing shows whether the cluster grew since: say what the default assumes.
        warn(
            warnings,
            key,
            `is not set, so it defaults to every voter (${ids.join(", ")}), which is right only for a first deployment: ` +
                `once the cluster exists, \`pulumi up\` refuses a bootstrap set other than the one that formed it. ` +
                `State it explicitly: \`tugraph:bootstrap: [${ids.join(", ")}]\` in Pulumi.${stack ?? "<stack>"}.yaml, ` +
                `or \`pulumi config set --path 'tugraph:bootstrap[0]' ${ids[0]} -s ${stack ?? "<stack>"}\` and so on for each id (the ids that formed the cluster, not the ones added later)`,
        );
        return ids;
    }
    const ids = field(
        errors,
        key,
        z.array(intSchema(1, Number.MAX_SAFE_INTEGER, "must be a node id (an integer > 0)"), {
            error: (i) => `must be a list of node ids such as [1, 2, 3], got ${show(i.input)}`,
        }),
        value,
    );
    if (ids === undefined) return undefined;
    if (ids.length === 0) {
        fail(errors, key, "is empty: list the ids of the nodes that formed the cluster (omit the key on the first deployment to use every voter)");
        return undefined;
    }
    let ok = true;
    ids.forEach((id, i) => {
        if (ids.indexOf(id) !== i) {
            fail(errors, `${key}[${i}]`, `lists id ${id} twice: list each id once`);
            ok = false;
            return;
        }
        const n = nodes.find((x) => x.id === id);
        if (!n) {
            if (idsKnown) {
                fail(
                    errors,
                    `${key}[${i}]`,
                    `names id ${id}, which no entry of tugraph:nodes has: bootstrap ids must be nodes of the stack (keep removed ones as removed: true entries)`,
                );
                ok = false;
            }
            return;
        }
        if (n.role === "learner") {
            fail(
                errors,
                `${key}[${i}]`,
                `names ${label(n)}, a learner: init peers have no learner flag, so learners always join later (addRaftLearnerNode); drop it from bootstrap or make it a voter`,
            );
            ok = false;
        }
    });
    return ok && nodesOk ? [...ids].sort((a, b) => a - b) : undefined;
}

function parseMembership(errors: Errors, value: unknown, nodes: PartialNode[]): MembershipSettings | undefined {
    const key = k("membership");
    const m = value ?? {};
    if (!isPlainObject(m)) {
        fail(errors, key, `must be an object {callTimeoutSeconds, totalTimeoutSeconds, minVoters, allowUnsafeRemoval}, got ${show(m)}`);
        return undefined;
    }
    checkKeys(errors, key, m, MEMBERSHIP_KEYS, {});
    const call = field(
        errors,
        `${key}.callTimeoutSeconds`,
        intSchema(
            1,
            CALL_TIMEOUT_MS.max / 1000,
            `must be an integer number of seconds from 1 to ${CALL_TIMEOUT_MS.max / 1000} (TuGraph's admin calls have no deadline of their own)`,
        ),
        m.callTimeoutSeconds ?? DEFAULTS.callTimeoutSeconds,
    );
    const total = field(
        errors,
        `${key}.totalTimeoutSeconds`,
        intSchema(1, TOTAL_TIMEOUT_MS.max / 1000, `must be an integer number of seconds from 1 to ${TOTAL_TIMEOUT_MS.max / 1000}`),
        m.totalTimeoutSeconds ?? DEFAULTS.totalTimeoutSeconds,
    );
    const unsafe = field(errors, `${key}.allowUnsafeRemoval`, boolSchema(""), m.allowUnsafeRemoval ?? false);
    const outage = field(
        errors,
        `${key}.allowWriteOutageForSync`,
        boolSchema(" (true lets the leader be stopped to copy its data when no other member can donate)"),
        m.allowWriteOutageForSync ?? false,
    );
    if (call !== undefined && total !== undefined && total < call) {
        fail(errors, `${key}.totalTimeoutSeconds`, `(${total}) must be at least callTimeoutSeconds (${call}): it bounds all retries of one change; raise it`);
    }
    const voters = nodes.filter((n) => n.role === "voter" && n.removed === false).length;
    // "The cluster" of the default is the one that exists before the removals of this
    // stack: tombstoned voters count, so shrinking 3 voters to 2 is refused by default
    // while replacing a failed voter (remove 3, add 4) is not.
    const votersBefore = nodes.filter((n) => n.role === "voter").length;
    const explicit = m.minVoters !== undefined;
    let minVoters: number | undefined = explicit
        ? field(errors, `${key}.minVoters`, intSchema(1, MIN_VOTERS_MAX, "must be an integer >= 1"), m.minVoters)
        : Math.max(1, Math.min(3, votersBefore));
    if (minVoters !== undefined && unsafe === false && voters > 0 && minVoters > voters) {
        fail(
            errors,
            explicit ? `${key}.minVoters` : key,
            `${explicit ? "is" : "minVoters defaults to"} ${minVoters} but the stack keeps only ${voters} voter(s): ` +
                `removing more voters would go below the minimum; add a voter, lower minVoters, or set allowUnsafeRemoval: true`,
        );
        minVoters = undefined;
    }
    if (call === undefined || total === undefined || unsafe === undefined || outage === undefined || minVoters === undefined || total < call) return undefined;
    return { callTimeoutMs: call * 1000, totalTimeoutMs: total * 1000, minVoters, allowUnsafeRemoval: unsafe, allowWriteOutageForSync: outage };
}

// ---------- entry points ----------

export function parseClusterConfig(raw: Record<string, unknown>, opts: ParseOptions = {}): ParseResult {
    const errors: Errors = [];
    const warnings: Warnings = [];
    if (!isPlainObject(raw))
        return { ok: false, errors: [{ key: NAMESPACE, message: `${NAMESPACE} config must be a map of keys, got ${show(raw)}` }], warnings };
    try {
        return parse(raw, errors, warnings, opts);
    } catch (e) {
        // A bug here must still come back as a result, not crash `pulumi up`.
        errors.push({ key: NAMESPACE, message: `${NAMESPACE} config could not be validated (internal error: ${(e as Error).message})` });
        return { ok: false, errors, warnings };
    }
}

function parse(raw: Record<string, unknown>, errors: Errors, warnings: Warnings, opts: ParseOptions): ParseResult {
    checkKeys(errors, "", raw, TOP_LEVEL_KEYS, DERIVED_LGRAPH_KEYS);
    const image = parseImage(errors, raw.image);
    const adminUser = field(
        errors,
        k("adminUser"),
        z
            .string({ error: (i) => `must be a user name string, got ${show(i.input)}` })
            .min(1, { error: "must not be empty: the TuGraph account used for admin calls (default admin)" }),
        raw.adminUser ?? DEFAULTS.adminUser,
    );
    checkSecret(errors, "adminPassword", raw.adminPassword, true, opts.stack);
    warnPlainSecrets(warnings, raw, opts);
    const verbose = field(
        errors,
        k("verbose"),
        z.union([z.literal(0), z.literal(1), z.literal(2)], { error: (i) => `must be 0, 1 or 2 (TuGraph log verbosity), got ${show(i.input)}` }),
        raw.verbose ?? DEFAULTS.verbose,
    );
    const raftTunables = parseTunables(errors, warnings, raw);
    const tls = parseTls(errors, warnings, raw, opts.stack);
    const web = field(errors, k("web"), absPathSchema, raw.web ?? DEFAULTS.web);
    const containerPrefix = field(
        errors,
        k("containerPrefix"),
        z.string({ error: (i) => `must be a string, got ${show(i.input)}` }).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
            error: (i) => `must be a valid Docker container name prefix (letters, digits, _ . -, starting with a letter or digit), got ${show(i.input)}`,
        }),
        raw.containerPrefix ?? DEFAULTS.containerPrefix,
    );
    const dataRoot = field(errors, k("dataRoot"), absPathSchema, raw.dataRoot ?? DEFAULTS.dataRoot);
    const sshOptions = field(errors, k("sshOptions"), sshOptionsSchema, raw.sshOptions ?? []);

    let nodes: PartialNode[] = [];
    if (raw.nodes === undefined) fail(errors, k("nodes"), 'is required: list the cluster\'s nodes, e.g. [{id: 1, ip: "172.20.10.52"}, ...]');
    else if (!Array.isArray(raw.nodes)) fail(errors, k("nodes"), `must be a list of node entries, got ${show(raw.nodes)}`);
    else if (raw.nodes.length === 0) fail(errors, k("nodes"), "is empty: list at least one node");
    else {
        nodes = raw.nodes.map((entry, i) => parseNode(errors, entry, i, dataRoot));
        checkNodes(errors, nodes);
        checkRoles(errors, nodes);
    }
    const bootstrap = parseBootstrap(errors, warnings, raw.bootstrap, nodes, opts.stack);
    const membership = parseMembership(errors, raw.membership, nodes);
    if (errors.length > 0) return { ok: false, errors, warnings };
    const specs: NodeSpec[] = nodes.map((n) => ({
        id: n.id!,
        ip: n.ip!,
        boltPort: n.boltPort!,
        raftPort: n.raftPort!,
        webPort: n.webPort!,
        role: n.role!,
        dockerHost: n.dockerHost!,
        dataDir: n.dataDir!,
        logDir: n.logDir!,
        removed: n.removed!,
        ...(n.resync !== undefined ? { resync: n.resync } : {}),
    }));
    return {
        ok: true,
        config: {
            image: image!,
            adminUser: adminUser!,
            verbose: verbose!,
            raft: raftTunables!,
            tls: tls!,
            web: web!,
            containerPrefix: containerPrefix!,
            nodes: specs,
            bootstrap: bootstrap!,
            membership: membership!,
            sshOptions: sshOptions!,
        },
        warnings,
    };
}

// One line per error (or warning), for the CLI and for the program's failure message.
export function formatConfigErrors(errors: readonly (ConfigError | ConfigWarning)[]): string {
    return errors.map((e) => `  - ${e.message}`).join("\n");
}

// pulumi.runtime.allConfig() -> raw input of parseClusterConfig. Pulumi hands
// every value over as a string (structured values as JSON text), so decode by
// key kind: a string key keeps its text even when it looks like a number.
export function rawFromPulumiConfig(all: Record<string, string>): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [full, value] of Object.entries(all)) {
        const at = full.indexOf(":");
        if (at < 0 || full.slice(0, at) !== NAMESPACE) continue;
        const key = full.slice(at + 1);
        raw[key] = decodeValue(key, value);
    }
    return raw;
}

export function decodeValue(key: string, value: unknown): unknown {
    if (typeof value !== "string" || (STRING_KEYS as readonly string[]).includes(key)) return value;
    try {
        return JSON.parse(value);
    } catch {
        return value;
    } // validation then says what is wrong
}
