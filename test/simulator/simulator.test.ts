// TuGraph simulator (test double) as plain processes: the checks of
// test/simulator/checks.ts with both majors of neo4j-driver.
import { DRIVERS, defineSimulatorChecks } from "./checks";
import { SimulatorCluster } from "./harness";

for (const flavour of DRIVERS) {
    defineSimulatorChecks("TuGraph simulator as processes", () => new SimulatorCluster(), flavour);
}
