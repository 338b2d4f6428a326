// parseClusterConfig: the `tugraph:*` stack keys -> ClusterConfig, or EVERY
// problem of the stack at once. Pure: no Pulumi, no I/O, never throws.
//
// Shape checks are zod schemas applied field by field (not one big object
// schema) so that a node with a bad ip still takes part in the cross-field
// rules (duplicate ids, shared ports...) and the user sees all errors in one run.
// Secrets (adminPassword, tlsKey, tlsCert) are checked for presence only: they
// never enter ClusterConfig and no message ever quotes them.

// The sections live beside this file: schema.ts (keys, defaults, helpers),
// scalars.ts, tls.ts, nodes.ts, membership.ts; this module is the entry point.

import { z } from "zod";
import type { NodeSpec } from "../types";
import {
    ConfigError,
    ConfigWarning,
    DEFAULTS,
    DERIVED_LGRAPH_KEYS,
    Errors,
    NAMESPACE,
    ParseOptions,
    ParseResult,
    STRING_KEYS,
    TOP_LEVEL_KEYS,
    Warnings,
    absPathSchema,
    allDefined,
    checkKeys,
    fail,
    field,
    isPlainObject,
    k,
    show,
} from "./schema";
import { checkSecret, parseImage, parseTunables, sshOptionsSchema, warnPlainSecrets } from "./scalars";
import { parseRaftGuard } from "./guard";
import { parseTls } from "./tls";
import { PartialNode, checkNodes, checkRoles, nodeSpecOf, parseNode } from "./nodes";
import { parseBootstrap, parseMembership } from "./membership";

// The public surface of the config, as it was before the split.
export {
    DEFAULTS,
    DEV_STACK,
    ENCRYPTED,
    MIN_TUGRAPH_VERSION,
    NAMESPACE,
    RAFT_TUNABLES,
    SECRET_KEYS,
    STRING_KEYS,
    TOP_LEVEL_KEYS,
    TUNABLE_KEYS,
    closeKeys,
    setSecretCommand,
    type ConfigError,
    type ConfigWarning,
    type ParseOptions,
    type ParseResult,
} from "./schema";
export { NO_BOLT_TLS } from "./tls";
export { ipv4Problem } from "./nodes";

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
    const raftGuard = parseRaftGuard(errors, raw.raftGuard);

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
    const specs = nodes.map(nodeSpecOf);
    const parts = allDefined({ image, adminUser, verbose, raft: raftTunables, tls, web, containerPrefix, bootstrap, membership, sshOptions });
    if (errors.length > 0) return { ok: false, errors, warnings };
    if (!parts || !specs.every((n): n is NodeSpec => n !== undefined)) {
        // Every undefined part failed its validation, which reported an error: reaching this is a bug.
        errors.push({ key: NAMESPACE, message: `${NAMESPACE} config could not be validated (internal error: a value failed without an error)` });
        return { ok: false, errors, warnings };
    }
    const { bootstrap: boot, membership: policy, sshOptions: ssh, ...settings } = parts;
    return {
        ok: true,
        config: { ...settings, nodes: specs, bootstrap: boot, membership: policy, sshOptions: ssh, ...(raftGuard ? { raftGuard } : {}) },
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
