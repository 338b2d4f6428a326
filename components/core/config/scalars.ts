// The top-level scalar keys of the stack config: image, secrets (present or not,
// never quoted), raft tunables, ssh client options. Pure.

import { z } from "zod";
import type { RaftTunables } from "../types";
import {
    DEFAULTS,
    DEV_STACK,
    ENCRYPTED,
    Errors,
    MIN_TUGRAPH_VERSION,
    ParseOptions,
    RAFT_TUNABLES,
    SECRET_KEYS,
    TUNABLE_KEYS,
    Warnings,
    fail,
    field,
    intSchema,
    k,
    setSecretCommand,
    show,
    unitHint,
    warn,
} from "./schema";

// ---------- top-level scalars ----------

export function parseImage(errors: Errors, value: unknown): string | undefined {
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

export function checkSecret(errors: Errors, name: (typeof SECRET_KEYS)[number], value: unknown, required: boolean, stack: string | undefined): boolean {
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
export function warnPlainSecrets(warnings: Warnings, raw: Record<string, unknown>, opts: ParseOptions) {
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

export function parseTunables(errors: Errors, warnings: Warnings, raw: Record<string, unknown>): RaftTunables | undefined {
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

// ---------- ssh ----------

// Extra arguments for the ssh client that reaches ssh:// docker hosts: one argv item each,
// as the Docker provider's sshOpts takes them (a flag and its value are two items).
export const sshOptionsSchema = z
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
