// Input validation of the membership providers' check(): plain functions
// (closure-serialized with the providers). Values that are unknown during
// preview (the engine's sentinel) are not judged.
import { isIpv4 } from "../core/ipv4";

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface CheckFailure {
    property: string;
    reason: string;
}

function unknown(v: unknown): boolean {
    return v === UNKNOWN;
}

function isPort(v: unknown): boolean {
    return typeof v === "number" && Number.isInteger(v) && v > 0 && v < 65536;
}



function isId(v: unknown): boolean {
    return typeof v === "number" && Number.isInteger(v) && v > 0;
}

/** Inputs both providers share: nodeId, seeds, credentials, timeouts. */
export function validateCommon(p: Record<string, any>): CheckFailure[] {
    const f: CheckFailure[] = [];
    if (!unknown(p.nodeId) && !isId(p.nodeId)) f.push({ property: "nodeId", reason: `must be an integer > 0, got ${JSON.stringify(p.nodeId)}` });
    if (!unknown(p.seeds)) {
        if (!Array.isArray(p.seeds) || p.seeds.length === 0) {
            f.push({ property: "seeds", reason: "must be a non-empty list of \"ip:boltPort\" addresses of known members" });
        } else {
            p.seeds.forEach((s: unknown, i: number) => {
                if (unknown(s)) return;
                const m = typeof s === "string" ? /^(.+):(\d+)$/.exec(s) : null;
                if (!m || !isIpv4(m[1]) || !isPort(Number(m[2]))) {
                    f.push({ property: `seeds[${i}]`, reason: `must be "ipv4:port", got ${JSON.stringify(s)}` });
                }
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
    if (!unknown(call) && !(typeof call === "number" && call > 0)) f.push({ property: "callTimeoutMs", reason: `must be a number > 0 (ms), got ${JSON.stringify(call)}` });
    if (!unknown(total) && !(typeof total === "number" && total > 0)) f.push({ property: "totalTimeoutMs", reason: `must be a number > 0 (ms), got ${JSON.stringify(total)}` });
    if (typeof call === "number" && typeof total === "number" && total < call) {
        f.push({ property: "totalTimeoutMs", reason: `must be >= callTimeoutMs (${call}), got ${total}` });
    }
    return f;
}

export function validateMember(p: Record<string, any>): CheckFailure[] {
    const f: CheckFailure[] = [];
    if (!unknown(p.ip) && !isIpv4(p.ip)) f.push({ property: "ip", reason: `must be an IPv4 literal (TuGraph does not resolve host names), got ${JSON.stringify(p.ip)}` });
    for (const k of ["boltPort", "raftPort"]) {
        if (!unknown(p[k]) && !isPort(p[k])) f.push({ property: k, reason: `must be an integer in 1..65535, got ${JSON.stringify(p[k])}` });
    }
    if (isPort(p.boltPort) && p.boltPort === p.raftPort) f.push({ property: "raftPort", reason: "must differ from boltPort" });
    if (!unknown(p.role) && p.role !== "voter" && p.role !== "learner") f.push({ property: "role", reason: `must be "voter" or "learner", got ${JSON.stringify(p.role)}` });
    if (!unknown(p.initPeers)) {
        if (!Array.isArray(p.initPeers)) {
            f.push({ property: "initPeers", reason: "must be a list of init peers" });
        } else if (isId(p.nodeId) && !p.initPeers.some((x: any) => unknown(x) || x?.bolt_raft_node_id === p.nodeId)) {
            f.push({ property: "initPeers", reason: `must include node ${p.nodeId} itself (TuGraph refuses to start without its own id in its init peers)` });
        }
    }
    validateRemovalPolicy(p, f);
    if (p.knownVoters !== undefined && !unknown(p.knownVoters) && !(Array.isArray(p.knownVoters) && p.knownVoters.every((x: unknown) => unknown(x) || isId(x)))) {
        f.push({ property: "knownVoters", reason: "must be a list of node ids" });
    }
    return f;
}

export function validateRemovalPolicy(p: Record<string, any>, f: CheckFailure[] = []): CheckFailure[] {
    if (p.minVoters !== undefined && !unknown(p.minVoters) && !(typeof p.minVoters === "number" && Number.isInteger(p.minVoters) && p.minVoters >= 1)) {
        f.push({ property: "minVoters", reason: `must be an integer >= 1, got ${JSON.stringify(p.minVoters)}` });
    }
    if (p.allowUnsafeRemoval !== undefined && !unknown(p.allowUnsafeRemoval) && typeof p.allowUnsafeRemoval !== "boolean") {
        f.push({ property: "allowUnsafeRemoval", reason: "must be true or false" });
    }
    if (p.plannedVoters !== undefined && !unknown(p.plannedVoters) && !(typeof p.plannedVoters === "number" && Number.isInteger(p.plannedVoters) && p.plannedVoters >= 0)) {
        f.push({ property: "plannedVoters", reason: "must be an integer >= 0" });
    }
    return f;
}
