// tugraph:nodes: each entry read field by field, then the cross-node rules
// (unique ids, addresses and ports, directories), and a typed node per entry. Pure.

import { posix as path } from "node:path";
import { z } from "zod";
import { isIpv4 } from "../ipv4";
import { NODE_ID_MAX } from "../nodeRules";
import { isWithinDir } from "../placement";
import type { NodeSpec, Role } from "../types";
import {
    DEFAULTS,
    DERIVED_NODE_KEYS,
    Errors,
    NODE_KEYS,
    allDefined,
    absPathSchema,
    boolSchema,
    checkKeys,
    fail,
    field,
    intSchema,
    isPlainObject,
    k,
    portSchema,
    show,
} from "./schema";

// ---------- nodes ----------

// What could be read from one nodes[] entry; undefined fields failed validation.
export interface PartialNode {
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

/** The typed node of an entry whose every field could be read; undefined when one failed (its error is reported already). */
export function nodeSpecOf(n: PartialNode): NodeSpec | undefined {
    const { id, ip, boltPort, raftPort, webPort, role, dockerHost, dataDir, logDir, removed, resync } = n;
    const fields = allDefined({ id, ip, boltPort, raftPort, webPort, role, dockerHost, dataDir, logDir, removed });
    return fields && { ...fields, ...(resync !== undefined ? { resync } : {}) };
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

export const ipSchema = z
    .string({ error: (i) => `must be an IPv4 address string such as 172.20.10.52, got ${show(i.input)}` })
    .refine((s) => isIpv4(s), { error: (i) => ipv4Problem(String(i.input)) })
    .refine((s) => s !== "0.0.0.0", { error: "is 0.0.0.0, which peers cannot connect to: use the node's reachable IPv4 address" });

export const DOCKER_HOST = [/^unix:\/\/\/\S+$/, /^tcp:\/\/[A-Za-z0-9.-]+:([1-9]\d{0,4})$/, /^ssh:\/\/([A-Za-z0-9._-]+@)?[A-Za-z0-9.-]+(:[1-9]\d{0,4})?$/];
export function validDockerHost(s: string): boolean {
    if (!DOCKER_HOST.some((r) => r.test(s))) return false;
    const port = s.startsWith("unix:") ? undefined : /:(\d+)$/.exec(s.replace(/^\w+:\/\//, ""));
    return !port || Number(port[1]) <= 65535;
}
export const dockerHostSchema = z.string({ error: (i) => `must be a Docker address string, got ${show(i.input)}` }).refine(validDockerHost, {
    error: (i) => `must be unix:///path/to/docker.sock, tcp://host:port or ssh://[user@]host[:port], got ${show(i.input)}`,
});

export function parseNode(errors: Errors, entry: unknown, index: number, dataRoot: string | undefined): PartialNode {
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
export const label = (n: PartialNode) => (n.id !== undefined ? `node ${n.id} (nodes[${n.index}])` : `nodes[${n.index}]`);
// A message on one field of a node: "<key> (node N) <text>", the key first like every message.
export const failAt = (errors: Errors, n: PartialNode, f: string, text: string) =>
    fail(errors, `${n.key}.${f}`, `${n.id !== undefined ? `(node ${n.id}) ` : ""}${text}`);
export const normDir = (d: string) => path.normalize(d).replace(/(.)\/+$/, "$1");

export function checkNodes(errors: Errors, nodes: PartialNode[]) {
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

export function checkRoles(errors: Errors, nodes: PartialNode[]) {
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
