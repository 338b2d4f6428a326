// The stack config's schema: the keys, their defaults and bounds, and the small
// helpers every section validates with (field-by-field zod schemas, so that a node
// with a bad ip still takes part in the cross-field rules and every problem is
// reported in one run). Pure.

import { z } from "zod";
import type { ClusterConfig, RaftTunables, Role } from "../types";
import { SETTLE_MS_DEFAULT } from "../nodeRules";

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
    /**
     * membership.settleSeconds: how long a member keeps running, once it has applied past the
     * last membership change, before tugraph-ha stops it (a DataSync donor) or restarts it (a
     * rolling change). Measured on the simulator (test/simulator/bench-settle.ts, README
     * "Settle period"): a follower's graph trailed the leader's acknowledgement of a write by
     * 284 ms at worst under a writer that never pauses; 2 s is 7 times that.
     */
    settleSeconds: SETTLE_MS_DEFAULT / 1000,
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
export const round1 = (x: number) => Math.round(x * 10) / 10;
export function unitHint(unit: string, v: number): { human: string; guess: string } {
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
export const TOP_LEVEL_KEYS: readonly string[] = [
    ...STRING_KEYS,
    "verbose",
    ...TUNABLE_KEYS,
    "tls",
    "nodes",
    "bootstrap",
    "membership",
    "sshOptions",
    "raftGuard",
];
export const NODE_KEYS = ["id", "ip", "boltPort", "raftPort", "webPort", "role", "dockerHost", "dataDir", "logDir", "removed", "resync"];
// insecureSkipVerify is known only to be refused with its reason (see refuseBoltTlsKeys).
export const TLS_KEYS = ["enabled", "keyFile", "certFile", "insecureSkipVerify"];
export const MEMBERSHIP_KEYS = ["callTimeoutSeconds", "totalTimeoutSeconds", "settleSeconds", "minVoters", "allowUnsafeRemoval", "allowWriteOutageForSync"];

// lgraph.json keys people copy from the manual; they are derived per node here.
export const DERIVED_LGRAPH_KEYS: Readonly<Record<string, string>> = {
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
export const DERIVED_NODE_KEYS: Readonly<Record<string, string>> = {
    host: "use ip",
    port: "use webPort (bolt and raft ports are boltPort and raftPort)",
    bolt_raft_node_id: "use id",
    node_id: "use id",
    directory: "use dataDir",
    log_dir: "use logDir",
    learner: "use role: learner",
    is_learner: "use role: learner",
};

export const RPC_HA = (key: string) => key === "enable_ha" || key.startsWith("ha_");
export const RPC_HA_MESSAGE =
    "is an RPC-HA key: RPC HA must not be mixed with Bolt raft (the TuGraph manual says so). " +
    "Remove it; this program runs Bolt raft HA (bolt_raft_* keys) only";

// ---------- small helpers ----------

/** Every value of `o` with undefined ruled out, or undefined when one is undefined (it failed validation, which reported why). */
export function allDefined<T extends Record<string, unknown>>(o: T): { [K in keyof T]-?: Exclude<T[K], undefined> } | undefined {
    return Object.values(o).every((v) => v !== undefined) ? (o as { [K in keyof T]-?: Exclude<T[K], undefined> }) : undefined;
}

export type Errors = ConfigError[];
export type Warnings = ConfigWarning[];
// Both push `{key, "<key> <text>"}`: a warning is worded like an error.
export const fail = (list: Errors | Warnings, key: string, text: string) => list.push({ key, message: `${key} ${text}` });
export const warn = fail;
export const k = (rel: string) => `${NAMESPACE}:${rel}`;

// The command that stores a secret key encrypted, for messages. PEM keys are read from a file.
export function setSecretCommand(name: (typeof SECRET_KEYS)[number], stack: string | undefined): string {
    const s = `-s ${stack ?? "<stack>"}`;
    return name === "adminPassword"
        ? `pulumi config set --secret tugraph:adminPassword <password> ${s}`
        : `pulumi config set --secret tugraph:${name} ${s} < ${name === "tlsKey" ? "key" : "cert"}.pem`;
}

// Quotes a (non-secret) user value in a message, kept short.
export function show(v: unknown): string {
    if (v === ENCRYPTED) return "an encrypted value";
    let s: string;
    try {
        s = typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
    } catch {
        s = String(v);
    }
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

// Runs a zod schema; on failure records each issue under `key` (+ the issue path).
export function field<T>(errors: Errors, key: string, schema: z.ZodType<T>, value: unknown): T | undefined {
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
export function intSchema(min: number, max: number, describe: string) {
    const error = (iss: { input?: unknown }) => `${describe}, got ${show(iss.input)}`;
    return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}
export const portSchema = intSchema(1, 65535, "must be a port number (an integer from 1 to 65535)");
export const boolSchema = (what: string) => z.boolean({ error: (i) => `must be true or false${what}, got ${show(i.input)}` });
export const absPathSchema = z
    .string({ error: (i) => `must be an absolute path (a string starting with /), got ${show(i.input)}` })
    .refine((s) => s.startsWith("/") && !/\s/.test(s) && !s.split("/").includes(".."), {
        error: (i) => `must be an absolute path without spaces or "..", got ${show(i.input)}`,
    });

export function levenshtein(a: string, b: string): number {
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

export function checkKeys(errors: Errors, prefix: string, obj: Record<string, unknown>, valid: readonly string[], hints: Readonly<Record<string, string>>) {
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
