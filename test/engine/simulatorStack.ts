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

export const clusterProgram = (cfg: ClusterConfig, password: string = DEFAULT_PASSWORD) => () =>
    new TuGraphCluster("tugraph", { config: cfg, adminPassword: pulumi.secret(password) });

/**
 * Containers of a simulator stack: creating the container of a node that is not
 * running starts it as a joiner (with `copyFrom`'s data when given, as the offline
 * copy does); deleting one stops the process. Bootstrap nodes are started by the test.
 */
export function simulatorContainers(c: SimulatorCluster, opts: { copyFrom?: (id: number) => Promise<number | undefined> } = {}): Realizer {
    const base = stateOnlyRealizer({}, ["restart", "mustRun"]);
    const idOf = (name: string) => Number(/(\d+)$/.exec(name)?.[1]);
    return {
        ...base,
        async create(r, preview) {
            const made = await base.create(r, preview);
            const id = idOf(String(r.inputs.name));
            if (!preview && c.ids().includes(id) && !c.isRunning(id)) await c.startJoiner(id, { copyFrom: await opts.copyFrom?.(id) });
            return made;
        },
        async delete(r) {
            const id = idOf(String(r.inputs.name));
            if (c.ids().includes(id)) await c.stop(id);
        },
    };
}

export async function simulatorDeployment(c: SimulatorCluster, opts: { copyFrom?: (id: number) => Promise<number | undefined> } = {}): Promise<Deployment> {
    return new Deployment({ realizers: { "docker:index/container:Container": simulatorContainers(c, opts) } }).start();
}
