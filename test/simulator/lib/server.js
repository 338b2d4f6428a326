// @ts-check
"use strict";
// TuGraph simulator (test double): `lgraph_server` entry logic.
// Reads lgraph.json (TuGraph's key names), validates it like TuGraph, starts the
// Bolt server and, when enabled, the Bolt raft node.

const fs = require("fs");
const path = require("path");
const { startBoltServer, BoltError } = require("./bolt");
const { Graph } = require("./graph");
const { RaftNode, IPV4 } = require("./raft");

const NAME = "TuGraph simulator (test double)";
const DEFAULT_USER = "admin";
const DEFAULT_PASSWORD = "73@TuGraph";
const KNOWN_FAULTS = ["hang_admin_calls", "lose_admin_answers"];

const DEFAULTS = {
    directory: "./lgraph_db",
    host: "0.0.0.0",
    port: 7070,
    verbose: 1,
    log_dir: "./logs/",
    disable_auth: false,
    ssl_auth: false,
    bolt_port: 0,
    bolt_raft_port: 0,
    bolt_raft_node_id: 0,
    bolt_raft_init_peers: "",
    bolt_raft_tick_interval: 100,
    bolt_raft_election_tick: 10,
    bolt_raft_heartbeat_tick: 1,
    bolt_raft_logstore_cache: 1024,
    bolt_raft_logstore_threads: 4,
    bolt_raft_logstore_keep_logs: 1000000,
    bolt_raft_logstore_gc_interval: 10,
};
const MINIMA = {
    bolt_raft_tick_interval: 100,
    bolt_raft_election_tick: 10,
    bolt_raft_heartbeat_tick: 1,
    bolt_raft_logstore_cache: 10,
    bolt_raft_logstore_threads: 2,
    bolt_raft_logstore_keep_logs: 100000,
    bolt_raft_logstore_gc_interval: 1,
};

class Fatal extends Error {}

/** Parses argv like lgraph_server: -c <file>, -d <mode>, --key value. */
function parseArgs(argv) {
    const out = { config: null, mode: "run", overrides: {} };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "-c" || a === "--config") out.config = argv[++i];
        else if (a === "-d" || a === "--mode") out.mode = argv[++i];
        else if (a === "-h" || a === "--help") out.mode = "help";
        else if (a.startsWith("--")) {
            const eq = a.indexOf("=");
            if (eq > 0) out.overrides[a.slice(2, eq)] = a.slice(eq + 1);
            else out.overrides[a.slice(2)] = argv[++i] ?? "";
        } else throw new Fatal(`unknown argument '${a}'`);
    }
    return out;
}

function coerce(key, v) {
    const def = DEFAULTS[key];
    if (typeof def === "number" && typeof v === "string") {
        const n = Number(v);
        if (!Number.isFinite(n)) throw new Fatal(`invalid value for ${key}: ${v}`);
        return n;
    }
    if (typeof def === "boolean" && typeof v === "string") return v === "1" || v.toLowerCase() === "true";
    return v;
}

function loadConfig(args) {
    let file = {};
    if (args.config) {
        try {
            file = JSON.parse(fs.readFileSync(args.config, "utf8"));
        } catch (e) {
            throw new Fatal(`failed to read config file ${args.config}: ${e.message}`);
        }
    }
    const cfg = { ...DEFAULTS };
    for (const [k, v] of Object.entries(file)) cfg[k] = coerce(k, v);
    for (const [k, v] of Object.entries(args.overrides)) cfg[k] = coerce(k, v);
    for (const [k, min] of Object.entries(MINIMA)) {
        if (!(Number(cfg[k]) >= min)) throw new Fatal(`${k} must be >= ${min}, got ${cfg[k]}`);
    }
    cfg.raftEnabled = cfg.bolt_port > 0 && cfg.bolt_raft_port > 0;
    if (cfg.raftEnabled) {
        if (!(Number.isInteger(cfg.bolt_raft_node_id) && cfg.bolt_raft_node_id > 0))
            throw new Fatal(`bolt_raft_node_id must be > 0, got ${cfg.bolt_raft_node_id}`);
        let peers = cfg.bolt_raft_init_peers;
        if (typeof peers === "string") {
            try {
                peers = JSON.parse(peers);
            } catch {
                throw new Fatal("bolt_raft_init_peers is not a valid JSON array");
            }
        }
        if (!Array.isArray(peers) || peers.length === 0) throw new Fatal("bolt_raft_init_peers must be a non-empty JSON array");
        for (const p of peers) {
            for (const k of ["bolt_raft_node_id", "ip", "bolt_port", "bolt_raft_port"]) {
                if (!p || p[k] === undefined) throw new Fatal(`bolt_raft_init_peers item ${JSON.stringify(p)} lacks ${k}`);
            }
        }
        cfg.initPeers = peers.map((p) => ({
            bolt_raft_node_id: Number(p.bolt_raft_node_id),
            ip: String(p.ip),
            bolt_port: Number(p.bolt_port),
            bolt_raft_port: Number(p.bolt_raft_port),
        }));
    }
    return cfg;
}

/** A numeric environment knob of the simulator, or its default. */
function envNumber(name, def) {
    const v = process.env[name];
    if (v === undefined || v === "") return def;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Fatal(`${name} must be a number >= 0, got ${v}`);
    return n;
}

function sortKeys(v) {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === "object") {
        const o = {};
        for (const k of Object.keys(v).sort()) o[k] = sortKeys(v[k]);
        return o;
    }
    return v;
}

async function main(argv) {
    let logStream = null;
    const log = (s) => {
        const line = `${new Date().toISOString()} [${NAME}] ${s}\n`;
        if (logStream) logStream.write(line);
        else process.stdout.write(line);
    };
    let dying = false;
    const die = (s) => {
        if (dying) return;
        dying = true;
        log(`FATAL: ${s}`);
        process.stderr.write(`${NAME}: ${s}\n`);
        const exit = () => process.exit(1);
        if (logStream) logStream.end(exit);
        else exit();
    };
    let cfg;
    let knobs;
    try {
        const args = parseArgs(argv);
        if (args.mode === "help") {
            process.stdout.write(`${NAME}\nusage: lgraph_server -c <lgraph.json> -d run [--key value ...]\n`);
            return;
        }
        if (args.mode !== "run") throw new Fatal(`-d ${args.mode} is not supported by the ${NAME}: use -d run (foreground)`);
        cfg = loadConfig(args);
        // SIMULATOR-ONLY knobs (not TuGraph): the apply thread's latency, and compaction at test scale.
        knobs = {
            applyDelayMs: envNumber("TUGRAPH_SIMULATOR_APPLY_DELAY_MS", 0),
            keepLogs: envNumber("TUGRAPH_SIMULATOR_KEEP_LOGS", cfg.bolt_raft_logstore_keep_logs),
            compactMargin: envNumber("TUGRAPH_SIMULATOR_COMPACT_MARGIN", 100000),
            gcIntervalMs: envNumber("TUGRAPH_SIMULATOR_GC_INTERVAL_MS", cfg.bolt_raft_logstore_gc_interval * 60_000),
        };
    } catch (e) {
        if (e instanceof Fatal) {
            die(e.message);
            return;
        }
        throw e;
    }
    if (cfg.log_dir) {
        fs.mkdirSync(cfg.log_dir, { recursive: true });
        logStream = fs.createWriteStream(path.join(cfg.log_dir, "lgraph.log"), { flags: "a" });
    }
    process.stdout.write(
        `${NAME}: lgraph_server pid ${process.pid}, directory ${cfg.directory}, bolt_port ${cfg.bolt_port}, bolt_raft_port ${cfg.bolt_raft_port}, node ${cfg.bolt_raft_node_id}\n`,
    );
    log(
        `starting: ${JSON.stringify({ directory: cfg.directory, bolt_port: cfg.bolt_port, bolt_raft_port: cfg.bolt_raft_port, bolt_raft_node_id: cfg.bolt_raft_node_id })}`,
    );
    for (const k of Object.keys(cfg)) {
        if (k === "enable_ha" || k.startsWith("ha_")) log(`WARNING: RPC-HA key '${k}' in a Bolt raft config: mixing the two HA modes is unsupported`);
    }
    // ssl_auth only makes TuGraph's web port HTTPS (and brpc for RPC-HA): Bolt and raft stay
    // plain TCP (docs/tugraph-facts.md). A key or certificate that cannot be read stops startup.
    if (cfg.ssl_auth) {
        try {
            fs.readFileSync(String(cfg.server_key));
            fs.readFileSync(String(cfg.server_cert));
        } catch (e) {
            die(`ssl_auth is true but server_key / server_cert cannot be read: ${e.message}`);
            return;
        }
        log("ssl_auth: the web port serves HTTPS (not simulated); Bolt and raft stay plain TCP");
    }
    if (cfg.bolt_port <= 0) {
        die("bolt_port is 0: the simulator only simulates the Bolt server");
        return;
    }
    fs.mkdirSync(cfg.directory, { recursive: true });
    const graph = new Graph(cfg.directory);
    const faults = new Set(
        (process.env.TUGRAPH_SIMULATOR_FAULTS || "")
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
    );
    for (const f of faults) if (!KNOWN_FAULTS.includes(f)) log(`WARNING: unknown simulator fault '${f}'`);
    if (faults.size) log(`simulator faults on: ${[...faults].join(",")}`);
    if (knobs.applyDelayMs > 0) log(`simulator knob: the apply thread applies each entry ${knobs.applyDelayMs} ms after its hand-off`);
    if (knobs.keepLogs < MINIMA.bolt_raft_logstore_keep_logs || knobs.compactMargin !== 100000)
        log(`simulator knob: compaction keeps ${knobs.keepLogs} entries, margin ${knobs.compactMargin}, every ${knobs.gcIntervalMs} ms`);

    /** @type {RaftNode | null} */
    let raft = null;
    if (cfg.raftEnabled) {
        raft = new RaftNode({
            id: cfg.bolt_raft_node_id,
            dir: cfg.directory,
            tickMs: cfg.bolt_raft_tick_interval,
            electionTick: cfg.bolt_raft_election_tick,
            heartbeatTick: cfg.bolt_raft_heartbeat_tick,
            initPeers: cfg.initPeers,
            graph,
            log,
            fatal: die,
            applyNormal: (e) => graph.execute(e.d.q, e.d.p, { user: e.d.u }),
            ...knobs,
        });
        const self = cfg.initPeers.find((p) => p.bolt_raft_node_id === cfg.bolt_raft_node_id);
        raft.selfAddr = { ip: self ? self.ip : IPV4.test(cfg.host) && cfg.host !== "0.0.0.0" ? cfg.host : "127.0.0.1", port: cfg.bolt_raft_port };
        if (!raft.open()) return;
    } else {
        log("bolt raft is not enabled (bolt_raft_port is 0)");
    }

    const adminCall = async (name, args) => {
        if (!raft) throw new BoltError("BoltRaftError", "bolt raft is not enabled");
        if (raft.state !== "StateLeader") throw new BoltError("BoltRaftError", "not leader");
        const toInt = (v, what) => {
            const n = Number(v);
            if (!Number.isInteger(n)) throw new BoltError("BoltRaftError", `${what} type should be Integer`);
            return n;
        };
        let d;
        if (name === "removeRaftNode") d = { op: "remove", id: toInt(args[0], "node_id") };
        else {
            if (args.length !== 4) throw new BoltError("CypherException", `${name} expects (node_id, ip, bolt_port, bolt_raft_port)`);
            d = {
                op: name === "addRaftNode" ? "add" : "addLearner",
                id: toInt(args[0], "node_id"),
                ip: String(args[1]),
                bolt_port: toInt(args[2], "bolt_port"),
                bolt_raft_port: toInt(args[3], "bolt_raft_port"),
            };
        }
        // No check of id > 0 (TuGraph checks only count and types): etcd-raft ignores a change of node 0.
        if (faults.has("hang_admin_calls")) {
            log(`simulator fault hang_admin_calls: ${name}(${args.join(", ")}) will never answer and is not applied`);
            return new Promise(() => {});
        }
        log(`admin call ${name}(${args.map((a) => JSON.stringify(a)).join(", ")})`);
        if (faults.has("lose_admin_answers")) {
            // The change is proposed and applied, but its answer never comes (as when the connection or
            // the leadership is lost before TuGraph answers): the caller cannot tell from the call.
            log(`simulator fault lose_admin_answers: ${name}(${args.join(", ")}) is applied but will never answer`);
            raft.propose({ k: "conf", d }).catch(() => undefined);
            return new Promise(() => {});
        }
        await raft.propose({ k: "conf", d });
        return { fields: [], records: [] };
    };

    const procedures = async (query) => {
        const m = /^\s*CALL\s+([A-Za-z_.]+)\s*\(([\s\S]*)\)\s*;?\s*$/i.exec(query);
        if (!m) throw new BoltError("CypherException", `simulator: cannot parse procedure call: ${query}`);
        const name = m[1];
        const args = m[2].trim() === "" ? [] : Graph.parseArgs(m[2]);
        switch (name) {
            case "db.bolt.listRaftNodes": {
                if (!raft) throw new BoltError("BoltRaftError", "bolt raft is not enabled");
                const rows = Object.values(raft.members()).map((n) => [n.id, n.ip, n.bolt_port, n.bolt_raft_port, raft.lead === n.id, !!n.listedLearner]);
                return { fields: ["node_id", "ip", "bolt_port", "bolt_raft_port", "is_leader", "is_learner"], records: rows };
            }
            case "db.bolt.getRaftStatus": {
                if (!raft) throw new BoltError("BoltRaftError", "bolt raft is not enabled");
                return { fields: ["status"], records: [[JSON.stringify(sortKeys(raft.status()), null, 4)]] };
            }
            case "db.bolt.addRaftNode":
            case "db.bolt.addRaftLearnerNode":
            case "db.bolt.removeRaftNode":
                return adminCall(name.slice("db.bolt.".length), args);
            case "simulator.setFault": {
                // SIMULATOR-ONLY procedure (does not exist in TuGraph): toggles a test fault on this node.
                const [f, on] = args;
                if (!KNOWN_FAULTS.includes(String(f)))
                    throw new BoltError("CypherException", `simulator.setFault: unknown fault '${f}' (known: ${KNOWN_FAULTS.join(", ")})`);
                if (on === false) faults.delete(String(f));
                else faults.add(String(f));
                log(`simulator fault ${f} ${on === false ? "off" : "on"}`);
                return { fields: ["fault", "on"], records: [[String(f), on !== false]] };
            }
            default:
                throw new BoltError("CypherException", `Plugin [${name}] does not exist.`);
        }
    };

    const backend = {
        log,
        authenticate: (user, password) => {
            if (cfg.disable_auth) return true;
            const users = graph.state.users || { [DEFAULT_USER]: DEFAULT_PASSWORD };
            return Object.prototype.hasOwnProperty.call(users, user) && users[user] === password;
        },
        route: () => {
            if (!raft) return null;
            const ms = Object.values(raft.members());
            const addr = (n) => `${n.ip}:${n.bolt_port}`;
            const leader = raft.members()[raft.lead];
            const lead = leader ? [addr(leader)] : [];
            return {
                ttl: 1000,
                servers: [
                    { addresses: ms.map(addr), role: "ROUTE" },
                    { addresses: lead, role: "READ" },
                    { addresses: lead, role: "WRITE" },
                ],
            };
        },
        run: async (query, params, _extra, session) => {
            const user = (session && session.user) || DEFAULT_USER;
            for (const [k, v] of Object.entries(params || {})) {
                // TuGraph converts only string, integer, float, boolean and null parameters.
                if (v !== null && typeof v === "object" && typeof v.toNumber !== "function") {
                    throw new BoltError("error", `Unexpected cypher parameter type, parameter: ${k}`);
                }
            }
            const kind = Graph.classify(query);
            if (kind === "proc") return procedures(query);
            if (kind === "read") {
                try {
                    return graph.execute(query, params);
                } catch (e) {
                    throw new BoltError(e.code || "CypherException", e.message);
                }
            }
            if (!raft) {
                try {
                    const r = graph.execute(query, params, { user });
                    graph.save();
                    return r;
                } catch (e) {
                    throw new BoltError(e.code || "CypherException", e.message);
                }
            }
            if (raft.state !== "StateLeader") throw new BoltError("BoltRaftError", "not leader");
            // Validate on a scratch copy first so that a bad statement fails here and
            // is never replicated; then replicate the statement text.
            const scratch = Object.create(Graph.prototype);
            scratch.state = JSON.parse(JSON.stringify(graph.state));
            try {
                scratch.execute(query, params, { user });
            } catch (e) {
                throw new BoltError(e.code || "CypherException", e.message);
            }
            const plainParams = JSON.parse(
                JSON.stringify(params, (k, v) => (v && typeof v === "object" && typeof v.toNumber === "function" ? v.toNumber() : v)),
            );
            try {
                const r = await raft.propose({ k: "cypher", d: { q: query, p: plainParams, u: user } });
                return r || { fields: [], records: [], type: "w" };
            } catch (e) {
                throw new BoltError(e.code || "BoltRaftError", e.message);
            }
        },
    };

    const bindHost = process.env.TUGRAPH_SIMULATOR_BIND || "0.0.0.0";
    let bolt;
    try {
        if (raft) await raft.start(bindHost, cfg.bolt_raft_port);
        bolt = await startBoltServer(backend, cfg.bolt_port, bindHost);
    } catch (e) {
        die(`failed to listen: ${e.message}`);
        return;
    }
    log(`Bolt server listening on ${bindHost}:${cfg.bolt_port}${raft ? `, raft on ${bindHost}:${cfg.bolt_raft_port} (node ${cfg.bolt_raft_node_id})` : ""}`);
    // TuGraph's Stop() takes time (it stops raft, the apply thread and the stores; it kills
    // itself after 3 s): a stop that does not wait for it is a kill. The simulator takes
    // TUGRAPH_SIMULATOR_STOP_MS (default 300) to stop, and only a stop that lets it finish
    // writes "shutdown complete": a SIGKILL (docker stop -t 0, the Docker plugin's default
    // destroy grace) leaves the log at "shutting down".
    const stopMs = Number(process.env.TUGRAPH_SIMULATOR_STOP_MS ?? 300);
    let stopping = false;
    const shutdown = (sig) => {
        if (stopping) return;
        stopping = true;
        log(`received ${sig}, shutting down`);
        if (raft) raft.stop();
        if (bolt) bolt.close();
        setTimeout(
            () => {
                log("shutdown complete");
                if (logStream) logStream.end(() => process.exit(0));
                else process.exit(0);
            },
            Math.min(stopMs, 3000),
        );
    };
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    process.on("SIGINT", () => shutdown("SIGINT"));
}

module.exports = { main, loadConfig, parseArgs, NAME };
