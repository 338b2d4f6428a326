// TuGraph simulator (test double) in real Docker containers: the same checks as the
// process suite (test/simulator/checks.ts), with both majors of neo4j-driver.
// Node 3 runs on a second engine (its own socket and data root) standing for a
// second host. In CI (CI=true) a missing engine or image fails; elsewhere it skips.
import { execFileSync } from "child_process";
import { DRIVERS, defineSimulatorChecks } from "../simulator/checks";
import { DockerSimulatorCluster } from "./docker-cluster";
import { BUILD_IMAGE_SCRIPT, DEFAULT_DOCKER_HOST, START_ENGINE_SCRIPT, requireDocker } from "./engine";

const SECOND_ENGINE = "tugraph-ha-h2";
let secondHost: string | undefined;

async function prepare(ctx: Mocha.Context): Promise<void> {
    ctx.timeout(180_000);
    await requireDocker(ctx);
    if (!secondHost) {
        // A further engine for node 3. The image is (re)imported into both engines when
        // its content hash differs from the current simulator sources (else a no-op).
        secondHost = execFileSync(START_ENGINE_SCRIPT, [SECOND_ENGINE], { encoding: "utf8" }).trim().split("\n").pop()!;
        const primary = process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST;
        execFileSync(BUILD_IMAGE_SCRIPT, [primary, secondHost], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    }
}

for (const flavour of DRIVERS) {
    defineSimulatorChecks("TuGraph simulator in Docker containers", () => new DockerSimulatorCluster({ hosts: { 3: secondHost! } }), flavour, {
        before: prepare,
    });
}
