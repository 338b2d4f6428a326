// A stack whose nodes are simulator (test double) processes, deployed through the
// step-order driver: the program's own cluster component, the real provider host,
// and a container realizer that starts a joiner's simulator process when the
// engine would create its container.
import * as pulumi from "@pulumi/pulumi";
import { parseClusterConfig } from "../../components/core/config";
import type { ClusterConfig } from "../../components/core/types";
import { TuGraphCluster } from "../../components/resources/cluster";
import { DEFAULT_PASSWORD, SimulatorCluster } from "../simulator/harness";
import { Deployment, stateOnlyRealizer, type Realizer } from "./deployment";
import { readLiveMembership, type LiveView } from "../../components/adapters/liveView";
import { passwordAccess } from "../../components/adapters/passwordVerifier";
import { plain } from "./providerHost";

/** Stack node entries for simulator nodes `ids` (ports allocated by the harness). */
export async function stackNodes(c: SimulatorCluster, ids: number[], extra: Record<number, Record<string, unknown>> = {}) {
    const out = [];
    for (const id of ids) {
        const s = await c.allocate(id);
        out.push({ id, ip: s.ip, boltPort: s.boltPort, raftPort: s.raftPort, webPort: 20000 + id, ...(extra[id] ?? {}) });
    }
    return out;
}

export function stackConfig(raw: Record<string, unknown>): ClusterConfig {
    const parsed = parseClusterConfig({ adminPassword: DEFAULT_PASSWORD, membership: { callTimeoutSeconds: 2, totalTimeoutSeconds: 20 }, ...raw });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return parsed.config;
}

export const clusterProgram =
    (cfg: ClusterConfig, password: string = DEFAULT_PASSWORD, live?: LiveView) =>
    () =>
        new TuGraphCluster("tugraph", { config: cfg, adminPassword: pulumi.secret(password), live });

/**
 * Containers of a simulator stack: creating the container of a node that is not
 * running starts its process (on whatever its data directory holds); deleting one
 * stops the process. Bootstrap nodes are started by the test.
 */
export function simulatorContainers(c: SimulatorCluster): Realizer {
    const base = stateOnlyRealizer({}, ["restart", "mustRun"]);
    const idOf = (name: string) => Number(/(\d+)$/.exec(name)?.[1]);
    return {
        ...base,
        async create(r, preview) {
            const made = await base.create(r, preview);
            const id = idOf(String(r.inputs.name));
            if (!preview && c.ids().includes(id) && !c.isRunning(id)) await c.startJoiner(id);
            return made;
        },
        async delete(r) {
            const id = idOf(String(r.inputs.name));
            if (c.ids().includes(id)) await c.stop(id);
        },
    };
}

/**
 * Stand-ins for the two providers that need a Docker engine, for stacks whose nodes
 * are simulator processes: DataSync copies with the harness (donor stopped, data
 * directory copied, donor started), RetiredContainer stops the process. The real
 * providers run through the real host in the Docker tests (test/docker, test/scenario).
 */
export function simulatorDockerStandIns(c: SimulatorCluster, opts: { donor?: (joinerId: number) => Promise<number> } = {}): Record<string, Realizer> {
    const keep =
        (replaceOn: string[]): Realizer["diff"] =>
        (old, news) => {
            const keys = [...new Set([...Object.keys(old.inputs), ...Object.keys(news)])].filter((k) => k !== "__provider");
            const changed = keys.filter((k) => JSON.stringify(old.inputs[k]) !== JSON.stringify(news[k]));
            return { changes: changed.length > 0, replaces: changed.filter((k) => replaceOn.includes(k)) };
        };
    return {
        "pulumi-nodejs:dynamic/tugraph:DataSync": {
            diff: keep(["nodeId", "resync"]),
            async create(r, preview) {
                const id = Number(r.inputs.nodeId);
                if (preview) return { id: "", outputs: r.inputs };
                const donor = opts.donor ? await opts.donor(id) : await followerOf(c, id);
                await c.copyData(donor, id);
                return { id: `sync-${id}`, outputs: { ...r.inputs, donorId: donor } };
            },
            async update(old, news) {
                return { ...news, donorId: old.outputs.donorId };
            },
            async delete() {
                /* a data directory is never deleted */
            },
        },
        "pulumi-nodejs:dynamic/tugraph:RetiredContainer": {
            diff: keep(["nodeId"]),
            async create(r, preview) {
                const id = Number(r.inputs.nodeId);
                if (!preview && c.ids().includes(id)) await c.stop(id);
                return { id: preview ? "" : `retired-${id}`, outputs: r.inputs };
            },
            async delete() {
                /* nothing */
            },
        },
    };
}

/** A running member other than the leader and the joiner that lists the joiner (it has applied its add). */
async function followerOf(c: SimulatorCluster, joinerId: number): Promise<number> {
    const running = c.ids().filter((i) => i !== joinerId && c.isRunning(i));
    const leader = await c.waitForLeader(15_000, running);
    return running.find((i) => i !== leader) ?? leader;
}

export async function simulatorDeployment(c: SimulatorCluster, opts: { donor?: (joinerId: number) => Promise<number> } = {}): Promise<Deployment> {
    return new Deployment({
        realizers: { "docker:index/container:Container": simulatorContainers(c), ...simulatorDockerStandIns(c, opts) },
    }).start();
}

/** The live membership as the program reads it before planning (read-only). */
export async function liveOf(cfg: ClusterConfig, password: string = DEFAULT_PASSWORD) {
    return readLiveMembership(cfg, password);
}

/**
 * The live read exactly as index.ts makes it: the stack's password is used only when the
 * adminPasswordVerifier of the last deployment (here: the AdminPassword state's verifier,
 * which the program exports) confirms it; otherwise the view is a note and nothing is asked.
 */
export async function liveAsProgram(d: Deployment, cfg: ClusterConfig, password: string): Promise<LiveView> {
    const verifier = plain(d.get("AdminPassword", "tugraph-admin-password")?.outputs.verifier);
    return readLiveMembership(cfg, passwordAccess(cfg.adminUser, password, typeof verifier === "string" ? verifier : undefined));
}
