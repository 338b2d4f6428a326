// Input validation of the providers' check(): the same rules and bounds as the
// stack config (components/core/nodeRules.ts), so a value the config refuses
// never reaches the cluster through a provider either. Plain functions
// (closure-serialized with the providers). Values that are unknown during
// preview (the engine's sentinel) are not judged.
import {
    CALL_TIMEOUT_MS,
    MIN_VOTERS_MAX,
    NODE_ID_MAX,
    TOTAL_TIMEOUT_MS,
    initPeerProblem,
    isBoltAddress,
    isIntIn,
    isNodeId,
    isPeerIp,
    isPort,
} from "../core/nodeRules";

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface CheckFailure {
    property: string;
    reason: string;
}

function unknown(v: unknown): boolean {
    return v === UNKNOWN;
}

const show = (v: unknown) => (v === undefined ? "nothing" : JSON.stringify(v));

/** The engine sends {} for a new resource's olds; anything else that is not an object is treated as nothing. */
export function asProps(v: unknown): Record<string, unknown> {
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Inputs both membership providers and the cluster record share: seeds, credentials, timeouts. */
export function validateAccess(p: Record<string, unknown>, f: CheckFailure[] = []): CheckFailure[] {
    if (!unknown(p.seeds)) {
        if (!Array.isArray(p.seeds) || p.seeds.length === 0) {
            f.push({ property: "seeds", reason: 'must be a non-empty list of "ip:boltPort" addresses of known members' });
        } else {
            p.seeds.forEach((s: unknown, i: number) => {
                if (!unknown(s) && !isBoltAddress(s))
                    f.push({ property: `seeds[${i}]`, reason: `must be "ipv4:port" of a member (not a host name, not 0.0.0.0), got ${show(s)}` });
            });
        }
    }
    if (!unknown(p.adminUser) && (typeof p.adminUser !== "string" || p.adminUser.length === 0)) {
        f.push({ property: "adminUser", reason: "must be a non-empty string" });
    }
    // The password is never echoed, only its type judged.
    if (!unknown(p.adminPassword) && (typeof p.adminPassword !== "string" || p.adminPassword.length === 0)) {
        f.push({ property: "adminPassword", reason: "must be a non-empty string" });
    }
    const call = p.callTimeoutMs;
    const total = p.totalTimeoutMs;
    if (!unknown(call) && !isIntIn(call, CALL_TIMEOUT_MS.min, CALL_TIMEOUT_MS.max)) {
        f.push({
            property: "callTimeoutMs",
            reason: `must be an integer number of ms from ${CALL_TIMEOUT_MS.min} to ${CALL_TIMEOUT_MS.max}, got ${show(call)}`,
        });
    }
    if (!unknown(total) && !isIntIn(total, TOTAL_TIMEOUT_MS.min, TOTAL_TIMEOUT_MS.max)) {
        f.push({
            property: "totalTimeoutMs",
            reason: `must be an integer number of ms from ${TOTAL_TIMEOUT_MS.min} to ${TOTAL_TIMEOUT_MS.max}, got ${show(total)}`,
        });
    }
    if (typeof call === "number" && typeof total === "number" && total < call) {
        f.push({ property: "totalTimeoutMs", reason: `must be >= callTimeoutMs (${call}), got ${total}` });
    }
    validateTrust(p, f);
    return f;
}

/**
 * TuGraph's Bolt has no TLS (docs/tugraph-facts.md): `encrypted` is kept as an input
 * (so that existing states diff clean) but must be false, and the trust inputs of
 * Bolt over TLS are refused, each with why and the fix.
 */
export function validateTrust(p: Record<string, unknown>, f: CheckFailure[] = []): CheckFailure[] {
    const why = "TuGraph's Bolt has no TLS (ssl_auth only makes the web port HTTPS); protect Bolt and raft with a private network";
    if (p.encrypted !== undefined && !unknown(p.encrypted) && p.encrypted !== false) {
        f.push({ property: "encrypted", reason: `must be false, got ${show(p.encrypted)}: ${why}` });
    }
    for (const key of ["tlsCa", "insecureSkipVerify"]) {
        if (p[key] !== undefined) f.push({ property: key, reason: `is no longer accepted: ${why}. Fix: remove it` });
    }
    return f;
}

/** validateAccess plus the node id. */
export function validateCommon(p: Record<string, unknown>): CheckFailure[] {
    const f: CheckFailure[] = [];
    if (!unknown(p.nodeId) && !isNodeId(p.nodeId)) f.push({ property: "nodeId", reason: `must be an integer from 1 to ${NODE_ID_MAX}, got ${show(p.nodeId)}` });
    return validateAccess(p, f);
}

export function validateMember(p: Record<string, unknown>): CheckFailure[] {
    const f: CheckFailure[] = [];
    if (!unknown(p.ip) && !isPeerIp(p.ip))
        f.push({
            property: "ip",
            reason: `must be a dialable IPv4 literal (TuGraph does not resolve host names; 0.0.0.0 cannot be dialled), got ${show(p.ip)}`,
        });
    for (const k of ["boltPort", "raftPort"]) {
        if (!unknown(p[k]) && !isPort(p[k])) f.push({ property: k, reason: `must be an integer from 1 to 65535, got ${show(p[k])}` });
    }
    if (isPort(p.boltPort) && p.boltPort === p.raftPort) f.push({ property: "raftPort", reason: "must differ from boltPort" });
    if (!unknown(p.role) && p.role !== "voter" && p.role !== "learner")
        f.push({ property: "role", reason: `must be "voter" or "learner", got ${show(p.role)}` });
    if (!unknown(p.initPeers)) {
        if (!Array.isArray(p.initPeers) || p.initPeers.length === 0) {
            f.push({ property: "initPeers", reason: "must be a non-empty list of init peers" });
        } else {
            p.initPeers.forEach((x: unknown, i: number) => {
                const why = unknown(x) ? undefined : initPeerProblem(x);
                if (why) f.push({ property: `initPeers[${i}]`, reason: why });
            });
            if (
                isNodeId(p.nodeId) &&
                !p.initPeers.some((x: unknown) => unknown(x) || (x as { bolt_raft_node_id?: unknown } | undefined)?.bolt_raft_node_id === p.nodeId)
            ) {
                f.push({
                    property: "initPeers",
                    reason: `must include node ${p.nodeId} itself (TuGraph refuses to start without its own id in its init peers)`,
                });
            }
        }
    }
    validateRemovalPolicy(p, f);
    return f;
}

/** Gate inputs: minimum voters, the override, and the voters the stack declares. */
export function validateRemovalPolicy(p: Record<string, unknown>, f: CheckFailure[] = []): CheckFailure[] {
    if (p.minVoters !== undefined && !unknown(p.minVoters) && !isIntIn(p.minVoters, 1, MIN_VOTERS_MAX)) {
        f.push({ property: "minVoters", reason: `must be an integer from 1 to ${MIN_VOTERS_MAX}, got ${show(p.minVoters)}` });
    }
    if (p.allowUnsafeRemoval !== undefined && !unknown(p.allowUnsafeRemoval) && typeof p.allowUnsafeRemoval !== "boolean") {
        f.push({ property: "allowUnsafeRemoval", reason: `must be true or false, got ${show(p.allowUnsafeRemoval)}` });
    }
    if (p.plannedVoters !== undefined && !unknown(p.plannedVoters) && !isIntIn(p.plannedVoters, 0, NODE_ID_MAX)) {
        f.push({ property: "plannedVoters", reason: `must be an integer >= 0, got ${show(p.plannedVoters)}` });
    }
    if (
        p.knownVoters !== undefined &&
        !unknown(p.knownVoters) &&
        !(Array.isArray(p.knownVoters) && p.knownVoters.every((x: unknown) => unknown(x) || isNodeId(x)))
    ) {
        f.push({ property: "knownVoters", reason: `must be a list of node ids (integers from 1 to ${NODE_ID_MAX}), got ${show(p.knownVoters)}` });
    }
    return f;
}

/** The version of the providers' code a resource was last written with (see components/providers/version.ts). */
export function validateVersion(p: Record<string, unknown>, f: CheckFailure[] = []): CheckFailure[] {
    if (p.providerVersion !== undefined && !unknown(p.providerVersion) && !isIntIn(p.providerVersion, 1, 1_000_000)) {
        f.push({ property: "providerVersion", reason: `must be a positive integer, got ${show(p.providerVersion)}` });
    }
    return f;
}
