// A stack file (Pulumi.yaml + Pulumi.sim.yaml in a temp dir) describing simulator
// (test double) nodes, for `npm run status` tests and its benchmark.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_PASSWORD, freePorts, SimulatorCluster } from "../simulator/harness";

/** A project dir with Pulumi.sim.yaml describing the simulator nodes `ids` (all voters unless `learners`). */
export async function writeSimStack(c: SimulatorCluster, ids: number[], opts: { bootstrap?: number[]; learners?: number[] } = {}): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-status-"));
    const webPorts = await freePorts(ids.length);
    const nodes = ids.map((id, k) => {
        const s = c.nodeSpec(id);
        const role = opts.learners?.includes(id) ? ", role: learner" : "";
        return `    - {id: ${id}, ip: ${s.ip}, boltPort: ${s.boltPort}, raftPort: ${s.raftPort}, webPort: ${webPorts[k]}${role}}`;
    });
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: tugraph-ha\nruntime: nodejs\n");
    fs.writeFileSync(
        path.join(dir, "Pulumi.sim.yaml"),
        [
            "config:",
            `  tugraph:adminPassword: "${DEFAULT_PASSWORD}"`,
            `  tugraph:dataRoot: ${dir}/data`,
            ...(opts.bootstrap ? [`  tugraph:bootstrap: [${opts.bootstrap.join(", ")}]`] : []),
            "  tugraph:nodes:",
            ...nodes,
            "",
        ].join("\n"),
    );
    return dir;
}
