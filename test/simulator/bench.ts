// Measures the TuGraph simulator (test double) at default ticks (100 ms x 10):
//   - time to first leader of a fresh 3-node cluster (processes, and Docker when an engine answers)
//   - failover time after SIGKILL of the leader (process / container)
// Run: npx ts-node --transpile-only test/simulator/bench.ts [rounds]
// "Time to first leader" runs from the moment all three nodes answer on Bolt (start
// returned) and, separately, from the spawn call. Failover runs from the kill until a
// surviving node reports StateLeader with its log applied.

import { DockerSimulatorCluster } from "../docker/docker-cluster";
import { dockerUnavailableReason } from "../docker/engine";
import { SimulatorCluster } from "./harness";

async function measure(kind: string, make: () => SimulatorCluster, rounds: number) {
    const fromSpawn: number[] = [];
    const fromUp: number[] = [];
    const failover: number[] = [];
    for (let r = 0; r < rounds; r++) {
        const c = make();
        try {
            const t0 = Date.now();
            await c.start([{ id: 1 }, { id: 2 }, { id: 3 }]);
            const t1 = Date.now();
            const leader = await c.waitForLeader(20_000);
            const t2 = Date.now();
            fromSpawn.push(t2 - t0);
            fromUp.push(t2 - t1);
            const k0 = Date.now();
            await c.kill(leader);
            await c.waitForLeader(
                20_000,
                [1, 2, 3].filter((i) => i !== leader),
            );
            failover.push(Date.now() - k0);
        } finally {
            await c.cleanup();
        }
    }
    const fmt = (xs: number[]) => {
        const s = [...xs].sort((a, b) => a - b);
        const avg = Math.round(s.reduce((a, b) => a + b, 0) / s.length);
        return `min ${s[0]} / median ${s[Math.floor(s.length / 2)]} / max ${s[s.length - 1]} / mean ${avg} ms`;
    };
    console.log(`${kind}: ${rounds} rounds`);
    console.log(`  first leader, from spawn:          ${fmt(fromSpawn)}`);
    console.log(`  first leader, from all nodes up:   ${fmt(fromUp)}`);
    console.log(`  failover after leader SIGKILL:     ${fmt(failover)}`);
}

(async () => {
    const rounds = Number(process.argv[2] ?? 5);
    await measure("processes", () => new SimulatorCluster(), rounds);
    const why = await dockerUnavailableReason();
    if (why) console.log(`docker: skipped (${why})`);
    else await measure("docker containers", () => new DockerSimulatorCluster(), rounds);
})().catch((e) => {
    console.error(e);
    process.exit(1);
});
