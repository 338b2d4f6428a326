// A SimulatorCluster whose nodes are Docker containers of the simulator image
// (tugraph-simulator:test), laid out like the product's containers: --network host,
// config at /usr/local/etc/lgraph.json, data /var/lib/lgraph/data, logs
// /var/log/lgraph_log (host directories bind-mounted from the cluster's temp dir).
// Nodes can live on different engines (DOCKER_HOSTs) to stand for different hosts.

import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { CONTAINER_PATHS } from "../../components/core/types";
import { ClusterOptions, SimNodeSpec, SimulatorCluster, canConnect } from "../simulator/harness";
import { DEFAULT_DOCKER_HOST, SIMULATOR_IMAGE, docker, dockerOk } from "./engine";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface DockerClusterOptions extends ClusterOptions {
    /** DOCKER_HOST per node id; others use defaultHost. */
    hosts?: Record<number, string>;
    defaultHost?: string;
    image?: string;
}

export class DockerSimulatorCluster extends SimulatorCluster {
    readonly prefix = `tugraph-sim-${process.pid}-${crypto.randomBytes(3).toString("hex")}-n`;
    private running = new Set<number>();
    private created = new Set<number>();

    constructor(private readonly dopts: DockerClusterOptions = {}) {
        super(dopts);
    }

    containerName(id: number): string {
        return `${this.prefix}${id}`;
    }
    dockerHost(id: number): string {
        return this.dopts.hosts?.[id] ?? this.dopts.defaultHost ?? process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST;
    }

    override config(id: number, initPeers?: SimNodeSpec[]): Record<string, unknown> {
        const cfg = super.config(id, initPeers);
        cfg.directory = CONTAINER_PATHS.data;
        cfg.log_dir = CONTAINER_PATHS.log;
        return cfg;
    }
    override logFile(id: number): string {
        return path.join(this.nodeDir(id), "log", "lgraph.log");
    }
    override isRunning(id: number): boolean {
        return this.running.has(id);
    }

    protected override async spawn(id: number): Promise<void> {
        const host = this.dockerHost(id);
        const name = this.containerName(id);
        const dir = this.nodeDir(id);
        fs.mkdirSync(this.dataDir(id), { recursive: true });
        fs.mkdirSync(path.join(dir, "log"), { recursive: true });
        if (this.created.has(id)) {
            await dockerOk(["start", name], { host });
        } else {
            await dockerOk(
                [
                    "run",
                    "-d",
                    "--name",
                    name,
                    "--network",
                    "host",
                    "--label",
                    "tugraph-ha-test=simulator",
                    "-e",
                    "TUGRAPH_SIMULATOR_BIND=127.0.0.1",
                    ...Object.entries(this.opts.env ?? {}).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
                    "-v",
                    `${path.join(dir, "lgraph.json")}:${CONTAINER_PATHS.config}:ro`,
                    "-v",
                    `${this.dataDir(id)}:${CONTAINER_PATHS.data}`,
                    "-v",
                    `${path.join(dir, "log")}:${CONTAINER_PATHS.log}`,
                    this.dopts.image ?? SIMULATOR_IMAGE,
                    "lgraph_server",
                    "-c",
                    CONTAINER_PATHS.config,
                    "-d",
                    "run",
                ],
                { host },
            );
            this.created.add(id);
        }
        this.running.add(id);
        const port = this.nodeSpec(id).boltPort;
        const deadline = Date.now() + 20_000;
        for (;;) {
            if (await canConnect(port)) return;
            const st = await docker(["inspect", "-f", "{{.State.Running}}", name], { host });
            if (st.stdout.trim() === "false") {
                this.running.delete(id);
                return;
            }
            if (Date.now() > deadline) throw new Error(`docker simulator: container ${name} did not open Bolt port ${port}`);
            await sleep(50);
        }
    }

    /** SIGKILL of the container (docker kill). */
    override async kill(id: number): Promise<void> {
        if (!this.created.has(id)) return;
        await docker(["kill", this.containerName(id)], { host: this.dockerHost(id) });
        await docker(["wait", this.containerName(id)], { host: this.dockerHost(id), timeoutMs: 20_000 });
        this.running.delete(id);
    }
    override async stop(id: number): Promise<void> {
        if (!this.created.has(id)) return;
        await docker(["stop", "-t", "5", this.containerName(id)], { host: this.dockerHost(id), timeoutMs: 30_000 });
        this.running.delete(id);
    }
    override async exited(id: number): Promise<number | null> {
        const r = await docker(["wait", this.containerName(id)], { host: this.dockerHost(id), timeoutMs: 30_000 });
        return Number(r.stdout.trim());
    }

    override async cleanup(): Promise<void> {
        await Promise.all([...this.created].map((id) => docker(["rm", "-f", "-v", this.containerName(id)], { host: this.dockerHost(id) })));
        this.running.clear();
        await super.cleanup();
    }
}
