// Test harness for the TuGraph simulator (test double). Starts clusters of
// `lgraph_server -c <lgraph.json> -d run` processes on 127.0.0.1 with free ports.
//
//   const c = new SimulatorCluster();
//   await c.start([{ id: 1 }, { id: 2 }, { id: 3 }]);
//   const leader = await c.waitForLeader(10_000);
//   const d = simulatorDriver(c.boltAddress(leader));
//   ...
//   await c.cleanup();
//
// Data directory of node N: <c.root>/node<N>/data; config: <c.root>/node<N>/lgraph.json;
// log: <c.root>/node<N>/log/lgraph.log (+ stdout/stderr in <c.root>/node<N>/stdout.log).

import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import neo4j, { Driver } from "neo4j-driver";

export const SIMULATOR_BIN = path.join(__dirname, "bin", "lgraph_server");
export const DEFAULT_USER = "admin";
export const DEFAULT_PASSWORD = "73@TuGraph";

export interface SimNodeSpec {
    id: number;
    ip: string;
    boltPort: number;
    raftPort: number;
}

export interface StartNode {
    id: number;
    /** Only voters can be bootstrap members; "learner" nodes are NOT put in init peers (add them later). */
    role?: "voter" | "learner";
}

export interface RaftStatus {
    applied: number;
    commit: number;
    id: string;
    lead: string;
    leadtransferee: string;
    progress: Record<string, { match: number; next: number; state: string }>;
    raftState: string;
    raftlog: { first: number; last: number };
    term: number;
    vote: string;
}

export interface ClusterOptions {
    /** lgraph.json tick settings; defaults are TuGraph's. */
    tickInterval?: number;
    electionTick?: number;
    heartbeatTick?: number;
    /** Extra environment for the simulator processes (e.g. TUGRAPH_SIMULATOR_FAULTS). */
    env?: Record<string, string>;
    /** Keep temp dirs after cleanup() (for debugging). */
    keep?: boolean;
    /** ssl_auth with this key and certificate (PEM file paths): TuGraph's web port only; Bolt stays plain. */
    tls?: { keyFile: string; certFile: string };
}

/** Free TCP ports on 127.0.0.1 (bound, then released). */
export async function freePorts(n: number): Promise<number[]> {
    const servers: net.Server[] = [];
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
        const s = net.createServer();
        await new Promise<void>((res, rej) => {
            s.once("error", rej);
            s.listen(0, "127.0.0.1", () => res());
        });
        servers.push(s);
        ports.push((s.address() as net.AddressInfo).port);
    }
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    return ports;
}

/**
 * A neo4j-driver (v6 by default) Driver to one node, default credentials, bolt:// (direct).
 * `encrypted`: TLS without verifying the certificate (the harness's own checks; the product verifies).
 */
export function simulatorDriver(address: string, opts: { password?: string; user?: string; driver?: typeof neo4j; encrypted?: boolean } = {}): Driver {
    const lib = opts.driver ?? neo4j;
    return lib.driver(`bolt://${address}`, lib.auth.basic(opts.user ?? DEFAULT_USER, opts.password ?? DEFAULT_PASSWORD), {
        ...(opts.encrypted ? { encrypted: "ENCRYPTION_ON", trust: "TRUST_ALL_CERTIFICATES" } : {}),
        maxConnectionPoolSize: 4,
        connectionAcquisitionTimeout: 10_000,
        connectionTimeout: 5_000,
        logging: { level: "error", logger: () => undefined },
    }) as Driver;
}

/** Runs one auto-commit statement against a node and returns plain-object rows. */
export async function runOn(
    address: string,
    query: string,
    params: Record<string, unknown> = {},
    opts: { password?: string; encrypted?: boolean } = {},
): Promise<Record<string, unknown>[]> {
    const d = simulatorDriver(address, opts);
    try {
        const s = d.session({ database: "default" });
        try {
            const r = await s.run(query, params);
            return r.records.map((rec) => {
                const o: Record<string, unknown> = {};
                for (const k of rec.keys) {
                    const v = rec.get(k);
                    o[String(k)] = neo4j.isInt(v) ? (v as any).toNumber() : v;
                }
                return o;
            });
        } finally {
            await s.close();
        }
    } finally {
        await d.close();
    }
}

export interface NodeState {
    spec: SimNodeSpec;
    dir: string;
    proc?: ChildProcess;
    exited?: Promise<number | null>;
    env: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SimulatorCluster {
    readonly root: string;
    protected nodes = new Map<number, NodeState>();
    protected bootstrap: SimNodeSpec[] = [];
    protected paused = new Set<number>();
    /** The password the harness's own calls (status, waitForLeader, faults) log in with: set it after a rotation. */
    adminPassword = DEFAULT_PASSWORD;
    constructor(protected opts: ClusterOptions = {}) {
        this.root = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-sim-"));
        if (process.env.TUGRAPH_SIM_KEEP === "1") this.opts = { ...opts, keep: true };
    }

    nodeSpec(id: number): SimNodeSpec {
        const n = this.nodes.get(id);
        if (!n) throw new Error(`simulator harness: unknown node ${id}`);
        return { ...n.spec };
    }
    boltAddress(id: number): string {
        const s = this.nodeSpec(id);
        return `${s.ip}:${s.boltPort}`;
    }
    dataDir(id: number): string {
        return path.join(this.nodeDir(id), "data");
    }
    logFile(id: number): string {
        return path.join(this.nodeDir(id), "log", "lgraph.log");
    }
    ids(): number[] {
        return [...this.nodes.keys()];
    }
    isRunning(id: number): boolean {
        const p = this.nodes.get(id)?.proc;
        return !!p && p.exitCode === null && p.signalCode === null;
    }
    protected nodeDir(id: number): string {
        return path.join(this.root, `node${id}`);
    }

    /** Allocates ports for a node (without starting it). */
    async allocate(id: number): Promise<SimNodeSpec> {
        const existing = this.nodes.get(id);
        if (existing) return existing.spec;
        // Ports are released before the node binds them: never hand out one this cluster already uses.
        const used = new Set([...this.nodes.values()].flatMap((n) => [n.spec.boltPort, n.spec.raftPort]));
        let [boltPort, raftPort] = await freePorts(2);
        while (used.has(boltPort) || used.has(raftPort)) [boltPort, raftPort] = await freePorts(2);
        const spec = { id, ip: "127.0.0.1", boltPort, raftPort };
        this.nodes.set(id, { spec, dir: this.nodeDir(id), env: {} });
        return spec;
    }

    /** Writes lgraph.json for every given node (bootstrap members = the voters given) and starts them. */
    async start(nodes: StartNode[]): Promise<void> {
        for (const n of nodes) await this.allocate(n.id);
        this.bootstrap = nodes.filter((n) => (n.role ?? "voter") === "voter").map((n) => this.nodeSpec(n.id));
        for (const n of nodes) {
            if ((n.role ?? "voter") === "learner") continue; // learners join via addRaftLearnerNode + copy
            this.writeConfig(n.id, this.bootstrap);
        }
        await Promise.all(nodes.filter((n) => (n.role ?? "voter") === "voter").map((n) => this.spawn(n.id)));
    }

    /** The lgraph.json of a node, with TuGraph's key names. */
    config(id: number, initPeers: SimNodeSpec[] = this.bootstrap): Record<string, unknown> {
        const s = this.nodeSpec(id);
        const cfg: Record<string, unknown> = {
            directory: this.dataDir(id),
            host: s.ip,
            port: 0,
            bolt_port: s.boltPort,
            bolt_raft_port: s.raftPort,
            bolt_raft_node_id: s.id,
            bolt_raft_init_peers: initPeers.map((p) => ({ bolt_raft_node_id: p.id, ip: p.ip, bolt_raft_port: p.raftPort, bolt_port: p.boltPort })),
            verbose: 1,
            log_dir: path.join(this.nodeDir(id), "log"),
            disable_auth: false,
            ssl_auth: !!this.opts.tls,
            ...(this.opts.tls ? { server_key: this.opts.tls.keyFile, server_cert: this.opts.tls.certFile } : {}),
        };
        if (this.opts.tickInterval) cfg.bolt_raft_tick_interval = this.opts.tickInterval;
        if (this.opts.electionTick) cfg.bolt_raft_election_tick = this.opts.electionTick;
        if (this.opts.heartbeatTick) cfg.bolt_raft_heartbeat_tick = this.opts.heartbeatTick;
        return cfg;
    }

    protected writeConfig(id: number, initPeers: SimNodeSpec[]): string {
        const file = path.join(this.nodeDir(id), "lgraph.json");
        fs.mkdirSync(this.nodeDir(id), { recursive: true });
        fs.writeFileSync(file, JSON.stringify(this.config(id, initPeers), null, 2));
        return file;
    }

    protected async spawn(id: number): Promise<void> {
        const n = this.nodes.get(id)!;
        if (this.isRunning(id)) throw new Error(`simulator harness: node ${id} already running`);
        const out = fs.openSync(path.join(n.dir, "stdout.log"), "a");
        const proc = spawn(process.execPath, [SIMULATOR_BIN, "-c", path.join(n.dir, "lgraph.json"), "-d", "run"], {
            stdio: ["ignore", out, out],
            env: { ...process.env, TUGRAPH_SIMULATOR_BIND: "127.0.0.1", ...(this.opts.env ?? {}), ...n.env },
        });
        fs.closeSync(out);
        n.proc = proc;
        n.exited = new Promise((res) => proc.once("exit", (code) => res(code)));
        // Wait until Bolt answers (or the process exits).
        const deadline = Date.now() + 10_000;
        for (;;) {
            if (proc.exitCode !== null || proc.signalCode !== null) return;
            if (await canConnect(n.spec.boltPort)) return;
            if (Date.now() > deadline) throw new Error(`simulator harness: node ${id} did not open Bolt port ${n.spec.boltPort}`);
            await sleep(25);
        }
    }

    /** Resolves with the exit code once the node's process has exited. */
    exited(id: number): Promise<number | null> {
        return this.nodes.get(id)?.exited ?? Promise.resolve(null);
    }

    async kill(id: number): Promise<void> {
        const n = this.nodes.get(id);
        if (!n?.proc || !this.isRunning(id)) return;
        n.proc.kill("SIGKILL");
        await n.exited;
    }
    async stop(id: number): Promise<void> {
        const n = this.nodes.get(id);
        if (!n?.proc || !this.isRunning(id)) return;
        n.proc.kill("SIGTERM");
        const t = setTimeout(() => n.proc?.kill("SIGKILL"), 5000);
        await n.exited;
        clearTimeout(t);
    }
    /** SIGSTOP: the process hangs (sockets stay open, nothing answers) until resume(id); cleanup() resumes it. */
    pause(id: number): void {
        const n = this.nodes.get(id);
        if (!n?.proc || !this.isRunning(id)) throw new Error(`simulator harness: node ${id} is not running`);
        n.proc.kill("SIGSTOP");
        this.paused.add(id);
    }
    resume(id: number): void {
        if (!this.paused.delete(id)) return;
        if (this.isRunning(id)) this.nodes.get(id)!.proc!.kill("SIGCONT");
    }

    async restart(id: number): Promise<void> {
        await this.stop(id);
        await this.spawn(id);
    }

    /**
     * Starts a node that was not a bootstrap member (add it first with addRaftNode /
     * addRaftLearnerNode on the leader). Without copyFrom it starts on an EMPTY disk
     * (its init peers then are the bootstrap members plus itself, as in the manual) and
     * TuGraph keeps it out. With copyFrom, member <copyFrom> is stopped (SIGTERM), its
     * whole data directory (raftlog included) is copied, and it is started again: a
     * consistent copy, as the manual's offline full sync does.
     */
    async startJoiner(id: number, opts: { copyFrom?: number } = {}): Promise<void> {
        await this.allocate(id);
        const initPeers = [...this.bootstrap.filter((p) => p.id !== id), this.nodeSpec(id)];
        this.writeConfig(id, initPeers);
        if (opts.copyFrom !== undefined) await this.copyData(opts.copyFrom, id);
        await this.spawn(id);
    }

    /** The manual's offline copy: member `from` stopped (SIGTERM), its whole data directory copied to `to`'s, started again. */
    async copyData(from: number, to: number): Promise<void> {
        await this.allocate(to);
        const wasRunning = this.isRunning(from);
        if (wasRunning) await this.stop(from);
        fs.rmSync(this.dataDir(to), { recursive: true, force: true });
        fs.cpSync(this.dataDir(from), this.dataDir(to), { recursive: true });
        if (wasRunning) await this.spawn(from);
    }

    /** Sets a simulator fault on a running node (via the simulator-only procedure). */
    async setFault(id: number, fault: "hang_admin_calls" | "lose_admin_answers", on: boolean): Promise<void> {
        await this.run(id, `CALL simulator.setFault('${fault}', ${on ? "true" : "false"})`);
    }
    /** Fault for the next (re)start of a node, through TUGRAPH_SIMULATOR_FAULTS. */
    setStartupFaults(id: number, faults: string[]): void {
        this.nodes.get(id)!.env.TUGRAPH_SIMULATOR_FAULTS = faults.join(",");
    }

    /** runOn node `id` (plain Bolt, as TuGraph has no other); `password` when it is no longer the default. */
    run(id: number, query: string, params: Record<string, unknown> = {}, password = this.adminPassword): Promise<Record<string, unknown>[]> {
        return runOn(this.boltAddress(id), query, params, { password });
    }

    async status(id: number): Promise<RaftStatus> {
        const rows = await this.run(id, "CALL db.bolt.getRaftStatus()");
        return JSON.parse(String(rows[0].status));
    }

    /**
     * Waits until exactly one running node reports itself leader and has applied
     * its whole log (so that a conf change right away is not dropped by raft).
     * Only running nodes are asked. Returns the leader id.
     */
    async waitForLeader(timeoutMs = 10_000, among?: number[]): Promise<number> {
        const deadline = Date.now() + timeoutMs;
        let last: string;
        for (;;) {
            const ids = (among ?? this.ids()).filter((i) => this.isRunning(i));
            const st = await Promise.all(
                ids.map(async (i) => {
                    try {
                        return { i, s: await this.status(i) };
                    } catch (e) {
                        return { i, s: undefined };
                    }
                }),
            );
            const leaders = st.filter((x) => x.s?.raftState === "StateLeader");
            last = st.map((x) => `${x.i}:${x.s?.raftState ?? "?"}/t${x.s?.term ?? "?"}`).join(" ");
            if (leaders.length === 1) {
                const s = leaders[0].s!;
                if (s.applied >= s.raftlog.last) return leaders[0].i;
            }
            if (Date.now() > deadline) throw new Error(`simulator harness: no leader within ${timeoutMs} ms (${last})`);
            await sleep(50);
        }
    }

    /**
     * Waits until the leader's progress for node `id` shows what TuGraph shows for a
     * joiner on an empty disk once it answers: StateReplicate, with match at the
     * joiner's own last index (its bootstrap) and below the leader's commit. From then
     * on only the numbers tell that it cannot catch up. Returns the leader's status.
     */
    async waitForStrandedJoiner(id: number, timeoutMs = 10_000): Promise<RaftStatus> {
        const hex = id.toString(16);
        const deadline = Date.now() + timeoutMs;
        let last: string;
        for (;;) {
            try {
                const own = await this.status(id);
                const leader = await this.status(await this.waitForLeader(timeoutMs));
                const p = leader.progress[hex];
                last = `leader ${leader.id} progress ${JSON.stringify(p)}, commit ${leader.commit}; joiner last ${own.raftlog.last}`;
                if (p && p.state === "StateReplicate" && p.match === own.raftlog.last && p.match < leader.commit) return leader;
            } catch (e) {
                last = String(e);
            }
            if (Date.now() > deadline) throw new Error(`simulator harness: node ${id} not seen as a stranded joiner within ${timeoutMs} ms (${last})`);
            await sleep(50);
        }
    }

    async cleanup(): Promise<void> {
        for (const id of [...this.paused]) this.resume(id);
        await Promise.all(this.ids().map((i) => this.kill(i)));
        if (!this.opts.keep) fs.rmSync(this.root, { recursive: true, force: true });
    }
}

export function canConnect(port: number): Promise<boolean> {
    return new Promise((res) => {
        const s = net.connect({ host: "127.0.0.1", port });
        s.once("connect", () => {
            s.destroy();
            res(true);
        });
        s.once("error", () => res(false));
    });
}
