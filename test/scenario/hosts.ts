// Several Docker engines standing for hosts, a TuGraph stack spread over them, a writer
// that runs through `neo4j://` routing, and what a test looks at after a fault: for the
// grow benchmark (on namespace test hosts) and the writer of the real-engine tests. Test code, never product code.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import neo4j, { type Driver } from "neo4j-driver";
import type { ClusterConfig } from "../../components/core/types";
import { TuGraphCluster } from "../../components/resources/cluster";
import { readLiveMembership } from "../../components/adapters/liveView";
import { engineFor } from "../../components/adapters/dockerEngine";
import { discover } from "../../components/adapters/boltAdmin";
import { SIMULATOR_IMAGE, SIMULATOR_STACK_IMAGE } from "../docker/engine";
import { DEFAULT_PASSWORD, DEFAULT_USER, runOn } from "../simulator/harness";
import { stackConfig } from "../engine/simulatorStack";
import { Deployment } from "../engine/deployment";
import { dockerContainers } from "./dockerRealizer";

const HELPER_LABEL = "tugraph-ha.helper=datasync";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface NodeDecl {
    id: number;
    engine: string;
    role?: "voter" | "learner";
    removed?: boolean;
    portsOf?: number;
}

/**
 * A stack spread over engines: ports per node id from `ports` (3 per id); every node on `ip`, or
 * on the address of its engine's host (`ip` by engine name: namespace test hosts, test/hosts).
 */
export class Topology {
    constructor(
        readonly root: string,
        readonly prefix: string,
        readonly hosts: Record<string, string>, // engine name -> DOCKER_HOST
        readonly ports: number[],
        readonly ip: string | Record<string, string>,
    ) {}

    /** The address of node `id`'s host. */
    ipOf(id: number): string {
        return typeof this.ip === "string" ? this.ip : this.ip[this.engineOf(id)];
    }

    port(id: number, k: 0 | 1 | 2): number {
        return this.ports[(id - 1) * 3 + k];
    }
    bolt(id: number): string {
        return `${this.ipOf(id)}:${this.port(this.portsOfId.get(id) ?? id, 0)}`;
    }
    private portsOfId = new Map<number, number>();
    container(id: number): string {
        return `${this.prefix}${id}`;
    }
    dataDir(id: number): string {
        return path.join(this.root, `node-${id}`, "data");
    }
    private engineOfId = new Map<number, string>();
    engineOf(id: number): string {
        return this.engineOfId.get(id)!;
    }
    hostOf(id: number): string {
        return this.hosts[this.engineOf(id)];
    }

    config(nodes: NodeDecl[], extra: Record<string, unknown> = {}): ClusterConfig {
        for (const n of nodes) {
            this.engineOfId.set(n.id, n.engine);
            if (n.portsOf) this.portsOfId.set(n.id, n.portsOf);
        }
        const { membership, ...rest } = extra as { membership?: Record<string, unknown> };
        return stackConfig({
            containerPrefix: this.prefix,
            dataRoot: this.root,
            image: SIMULATOR_STACK_IMAGE, // DataSync's helpers run the stack's image
            membership: { callTimeoutSeconds: 5, totalTimeoutSeconds: 60, ...membership },
            nodes: nodes.map((n) => {
                const p = n.portsOf ?? n.id;
                return {
                    id: n.id,
                    ip: typeof this.ip === "string" ? this.ip : this.ip[n.engine],
                    boltPort: this.port(p, 0),
                    raftPort: this.port(p, 1),
                    webPort: this.port(p, 2),
                    dockerHost: this.hosts[n.engine],
                    ...(n.role ? { role: n.role } : {}),
                    ...(n.removed ? { removed: true } : {}),
                };
            }),
            ...rest,
        });
    }

    /** A deployment whose containers go to each node's engine (by container name). */
    async deployment(echo = false): Promise<Deployment> {
        return new Deployment({
            echo,
            realizers: {
                "docker:index/container:Container": dockerContainers({
                    image: SIMULATOR_IMAGE,
                    waitHealthyMs: 60_000,
                    hostOf: (inputs) => this.hostOf(Number(String(inputs.name).slice(this.prefix.length))),
                }),
            },
        }).start();
    }

    /** The program with the live membership read first, as index.ts does. */
    async program(cfg: ClusterConfig): Promise<() => TuGraphCluster> {
        const live = await readLiveMembership(cfg, DEFAULT_PASSWORD);
        return () => new TuGraphCluster("tugraph", { config: cfg, adminPassword: pulumi.secret(DEFAULT_PASSWORD), live });
    }

    async leader(ids: number[], timeoutMs = 60_000): Promise<number> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const d = await discover({
                seeds: ids.map((i) => this.bolt(i)),
                user: DEFAULT_USER,
                password: DEFAULT_PASSWORD,
                callTimeoutMs: 2000,
                totalTimeoutMs: 5000,
            });
            if (d.leaderId !== undefined) return d.leaderId;
            if (Date.now() > deadline) throw new Error(`no leader among ${ids}: ${d.errors.join("; ")}`);
            await sleep(300);
        }
    }

    /** `node_id[L]` per member as node `id` lists them (L: listed as learner), sorted. */
    async members(id: number): Promise<string[]> {
        const rows = await runOn(this.bolt(id), "CALL db.bolt.listRaftNodes()");
        return rows.map((r: any) => `${Number(r.node_id)}${r.is_learner ? "L" : ""}`).sort((a: string, b: string) => parseInt(a) - parseInt(b));
    }

    async writeIds(id: number): Promise<number[]> {
        const rows = await runOn(this.bolt(id), "MATCH (n:w) RETURN n.id");
        return rows.map((r: any) => Number(r["n.id"])).sort((a: number, b: number) => a - b);
    }

    /** DataSync helper containers of THIS stack (they mount a directory under root), on every engine. */
    async helpers(): Promise<{ engine: string; id: string; name: string; state: string; sources: string[] }[]> {
        const out = [];
        for (const [engine, host] of Object.entries(this.hosts)) {
            const list = await engineFor(host)
                .listContainers({ all: true, filters: { label: [HELPER_LABEL] } })
                .catch(() => []);
            for (const c of list) {
                const sources = (c.Mounts ?? []).map((m) => m.Source ?? "");
                if (sources.some((s) => s.startsWith(this.root)))
                    out.push({ engine, id: c.Id, name: (c.Names?.[0] ?? "").replace(/^\//, ""), state: c.State, sources });
            }
        }
        return out;
    }

    /** Polls until a helper whose name has `-${what}-` (read, write, ...) exists, or `until` says stop. */
    async waitForHelper(what: string, until: () => boolean): Promise<{ engine: string; id: string; name: string; sources: string[] } | undefined> {
        while (!until()) {
            const h = (await this.helpers()).find((x) => x.name.includes(`-${what}-`) && x.state === "running");
            if (h) return h;
            await sleep(40);
        }
        return undefined;
    }

    /** Node containers (this prefix) and this stack's helpers on every engine: name -> state. */
    async containers(): Promise<Record<string, string>> {
        const out: Record<string, string> = {};
        for (const [engine, host] of Object.entries(this.hosts)) {
            const list = await engineFor(host)
                .listContainers({ all: true, filters: { name: [this.prefix] } })
                .catch(() => undefined);
            if (!list) {
                out[`(${engine})`] = "engine down";
                continue;
            }
            for (const c of list) out[`${engine}:${(c.Names?.[0] ?? "").replace(/^\//, "")}`] = c.State;
        }
        for (const h of await this.helpers()) out[`${h.engine}:${h.name}`] = `${h.state} (helper)`;
        return out;
    }

    /** What lies under root per node directory (data, staging and moved-aside copies). */
    dirs(): Record<string, string[]> {
        const out: Record<string, string[]> = {};
        for (const d of fs
            .readdirSync(this.root)
            .filter((n) => n.startsWith("node-"))
            .sort()) {
            out[d] = fs.readdirSync(path.join(this.root, d)).sort();
        }
        return out;
    }

    /** Removes this stack's containers and helpers on every engine (data directories stay). */
    async removeContainers(): Promise<void> {
        for (const host of Object.values(this.hosts)) {
            const e = engineFor(host);
            const list = await e.listContainers({ all: true, filters: { name: [this.prefix] } }).catch(() => []);
            for (const c of list)
                await e
                    .getContainer(c.Id)
                    .remove({ force: true })
                    .catch(() => undefined);
        }
        for (const h of await this.helpers())
            await engineFor(this.hosts[h.engine])
                .getContainer(h.id)
                .remove({ force: true })
                .catch(() => undefined);
    }

    /** Writes a file of `bytes` into a node's data directory: a bigger copy, a wider window for faults. */
    ballast(id: number, bytes: number): void {
        const fd = fs.openSync(path.join(this.dataDir(id), "ballast.bin"), "w");
        const chunk = Buffer.alloc(8 * 1024 * 1024, 7);
        try {
            for (let off = 0; off < bytes; off += chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - off));
        } finally {
            fs.closeSync(fd);
        }
    }
}

/**
 * Writes one vertex at a time through `neo4j://` routing with a custom resolver (the
 * manual's client) and records every ACKNOWLEDGED id and the longest gap between two
 * acknowledgements. TuGraph answers a write on a follower with `not leader`, which a
 * Neo4j driver does not treat as a routing error, and caches routes for 1000 s: on any
 * failure the writer drops its driver (fresh routing) and retries after a short backoff.
 */
export class Writer {
    readonly acked: number[] = [];
    maxGapMs = 0;
    maxGapPhase = "";
    phase = "start";
    readonly failures: Record<string, number> = {};
    private next = 1;
    private stopped = false;
    private lastAck = 0;
    private loop?: Promise<void>;
    private driver?: Driver;

    constructor(
        private readonly seeds: () => string[],
        private readonly paceMs = 50,
        private readonly writeTimeoutMs = 5000,
    ) {}

    start(): this {
        this.lastAck = Date.now();
        this.loop = this.run();
        return this;
    }

    private newDriver(): Driver {
        return neo4j.driver("neo4j://tugraph-ha.cluster:7687", neo4j.auth.basic(DEFAULT_USER, DEFAULT_PASSWORD), {
            resolver: (a: string) => (a === "tugraph-ha.cluster:7687" ? this.seeds() : [a]),
            logging: { level: "error", logger: () => undefined },
            connectionTimeout: 2000,
            connectionAcquisitionTimeout: 3000,
            maxConnectionPoolSize: 2,
        });
    }

    private async run(): Promise<void> {
        while (!this.stopped) {
            const id = this.next++;
            const d = (this.driver ??= this.newDriver());
            const s = d.session({ database: "default", defaultAccessMode: neo4j.session.WRITE });
            let timer: NodeJS.Timeout | undefined;
            try {
                await Promise.race([
                    s.run("CREATE (n:w {id: $id})", { id: neo4j.int(id) }),
                    new Promise((_, rej) => {
                        timer = setTimeout(() => rej(new Error("write timed out")), this.writeTimeoutMs);
                    }),
                ]);
                const now = Date.now();
                if (now - this.lastAck > this.maxGapMs) {
                    this.maxGapMs = now - this.lastAck;
                    this.maxGapPhase = this.phase;
                }
                this.lastAck = now;
                this.acked.push(id);
                await sleep(this.paceMs);
            } catch (e) {
                const m = String((e as Error).message);
                const kind = /not leader/.test(m)
                    ? "not leader"
                    : /timed out/.test(m)
                      ? "timeout"
                      : /routing|ServiceUnavailable|connect|ECONNREFUSED|closed|Pool/i.test(m)
                        ? "connection/routing"
                        : m.slice(0, 60);
                this.failures[kind] = (this.failures[kind] ?? 0) + 1;
                this.driver = undefined;
                d.close().catch(() => undefined);
                await sleep(100);
            } finally {
                clearTimeout(timer);
                s.close().catch(() => undefined);
            }
        }
    }

    async stop(): Promise<void> {
        this.stopped = true;
        await this.loop;
        await this.driver?.close().catch(() => undefined);
    }
}
