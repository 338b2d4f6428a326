// The rules and bounds of a node's fields and of the membership settings: one
// source of truth for the stack config (core/config/), the providers' check()
// (adapters/validate.ts) and the admin client's last guard before a CALL
// (adapters/boltAdmin.ts). Plain functions: the providers' serialized text
// carries them.
import { isIpv4 } from "./ipv4";

/** Ids travel as JS numbers: beyond 2^53 the driver no longer reads back the id it was given. */
export const NODE_ID_MAX = Number.MAX_SAFE_INTEGER;
/**
 * Deadlines in ms. The upper bounds keep every timer below Node's 2^31-1 ms limit (a
 * longer one fires at once); the stack config gives whole seconds within them.
 */
export const CALL_TIMEOUT_MS = { min: 100, max: 3_600_000 } as const;
export const TOTAL_TIMEOUT_MS = { min: 100, max: 86_400_000 } as const;
export const MIN_VOTERS_MAX = 1000;
/**
 * The settle period (membership.settleSeconds) in ms: its default and its bound. Before a
 * member is stopped for a copy or restarted by a roll it has applied past the last membership
 * change and then run this long, for its apply thread to drain (adapters/membershipOps.ts
 * waitSettled). Default: measured, see the README's "Settle period".
 */
export const SETTLE_MS_DEFAULT = 2000;
export const SETTLE_MS_MAX = 600_000;

export function isSettleMs(v: unknown): v is number {
    return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= SETTLE_MS_MAX;
}

export function isNodeId(v: unknown): v is number {
    return typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= NODE_ID_MAX;
}

export function isPort(v: unknown): v is number {
    return typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65535;
}

/** An address other nodes can dial: an IPv4 literal (TuGraph resolves no names), never the wildcard. */
export function isPeerIp(v: unknown): v is string {
    return isIpv4(v) && v !== "0.0.0.0";
}

export function isIntIn(v: unknown, min: number, max: number): v is number {
    return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
}

/** "ip:port" of a member's Bolt listener. */
export function isBoltAddress(v: unknown): v is string {
    const m = typeof v === "string" ? /^([^:]+):(\d{1,5})$/.exec(v) : null;
    return !!m && isPeerIp(m[1]) && isPort(Number(m[2]));
}

/** Why an init peer entry is unusable, or undefined when it is fine. */
export function initPeerProblem(p: unknown): string | undefined {
    if (!p || typeof p !== "object" || Array.isArray(p))
        return `must be an object {bolt_raft_node_id, ip, bolt_port, bolt_raft_port}, got ${JSON.stringify(p)}`;
    const x = p as Record<string, unknown>;
    if (!isNodeId(x.bolt_raft_node_id)) return `bolt_raft_node_id must be an integer from 1 to ${NODE_ID_MAX}, got ${JSON.stringify(x.bolt_raft_node_id)}`;
    if (!isPeerIp(x.ip)) return `ip must be a dialable IPv4 literal (not a host name, not 0.0.0.0), got ${JSON.stringify(x.ip)}`;
    if (!isPort(x.bolt_port) || !isPort(x.bolt_raft_port))
        return `bolt_port and bolt_raft_port must be integers from 1 to 65535, got ${JSON.stringify(x.bolt_port)}/${JSON.stringify(x.bolt_raft_port)}`;
    return undefined;
}
