// No routine operation writes a password into a node's log. TuGraph logs every
// refused Bolt login at ERROR with the attempted password in clear
// (docs/tugraph-facts.md), and so does the simulator. Through the step-order
// driver and the real provider host: create, two rotations (each with the
// program's live read before it, as preview runs it), refresh, `npm run status`
// and a grow; then every node's log is searched for every stack password.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_PASSWORD, type SimulatorCluster } from "../simulator/harness";
import { startCluster } from "./engine";
import type { Deployment } from "../engine/deployment";
import { plain } from "../engine/providerHost";
import { clusterProgram, liveAsProgram, simulatorDeployment, stackConfig, stackNodes } from "../engine/simulatorStack";
import { askOverBolt, runStatus, VERIFIER_ENV } from "../../components/cli/statusCommand";

const P1 = "Log-Pw-one-6f1a";
const P2 = "Log-Pw-two-93bc";
const P3 = "Log-Pw-three-0d47";
const PENDING = "Log-Pw-pending-5e28";
const STACK_PASSWORDS = [P1, P2, P3, PENDING];

describe("no stack password in any node's log: create, two rotations, live reads, refresh, status, grow", function () {
    this.timeout(300_000);
    let c: SimulatorCluster | undefined;
    let d: Deployment | undefined;
    let dir = "";
    after(async () => {
        await d?.stop();
        await c?.cleanup();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const logs = (cl: SimulatorCluster) => cl.ids().map((id) => ({ id, text: fs.existsSync(cl.logFile(id)) ? fs.readFileSync(cl.logFile(id), "utf8") : "" }));
    const failedLogins = (cl: SimulatorCluster) => logs(cl).flatMap((l) => l.text.match(/bolt authentication failed.*$/gm) ?? []);
    /** The stack's secret output adminPasswordVerifier, as `pulumi stack output --show-secrets` gives it. */
    const verifier = () => String(plain(d!.get("AdminPassword", "tugraph-admin-password")!.outputs.verifier));

    it("finds none, and no refused login at all", async () => {
        c = await startCluster([1, 2, 3]);
        const cl = c;
        d = await simulatorDeployment(cl);
        const nodes = await stackNodes(cl, [1, 2, 3, 4]);
        const three = stackConfig({ nodes: nodes.slice(0, 3), bootstrap: [1, 2, 3] });
        const four = stackConfig({ nodes, bootstrap: [1, 2, 3] });

        // 1. Create. No earlier deployment: the live read asks nothing.
        const first = await liveAsProgram(d, three, P1);
        assert.strictEqual(first.membership, undefined);
        assert.match(first.note ?? "", /no record of the cluster's current admin password/);
        await d.upOk(clusterProgram(three, P1, first));
        cl.adminPassword = P1; // the harness's own calls from now on

        // 2. Two rotations: before each, the live read (preview's) knows the new password is not current yet and asks nothing.
        for (const [from, to] of [
            [P1, P2],
            [P2, P3],
        ]) {
            const pending = await liveAsProgram(d, three, to);
            assert.strictEqual(pending.membership, undefined, "a pending rotation is not guessed");
            assert.match(pending.note ?? "", /a rotation is pending: AdminPassword makes it/);
            const current = await liveAsProgram(d, three, from);
            assert.ok(current.membership, `the current password is confirmed and used: ${current.note}`);
            const previewed: { errors: string[] } = await d.preview(clusterProgram(three, to, pending));
            assert.deepStrictEqual(previewed.errors, []);
            const up = await d.upOk(clusterProgram(three, to, pending));
            assert.ok(up.steps.some((s) => !s.preview && s.name === "tugraph-admin-password" && s.op === "update"));
            cl.adminPassword = to;
            const after = await liveAsProgram(d, three, to);
            assert.ok(after.membership, `after the rotation the new password is confirmed: ${after.note}`);
        }

        // 3. Refresh: every resource reads with the password its state records.
        const refreshed = await d.refresh();
        assert.deepStrictEqual(refreshed.errors, []);

        // 4. npm run status, with the verifier the stack exported: the current password is used...
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-nopw-"));
        const stackFile = (password: string) =>
            fs.writeFileSync(
                path.join(dir, "Pulumi.sim.yaml"),
                [
                    "config:",
                    `  tugraph:adminPassword: "${password}"`,
                    "  tugraph:bootstrap: [1, 2, 3]",
                    "  tugraph:nodes:",
                    ...nodes
                        .slice(0, 3)
                        .map((n) => `    - {id: ${n.id}, ip: ${n.ip}, boltPort: ${n.boltPort}, raftPort: ${n.raftPort}, webPort: ${n.webPort}}`),
                    "",
                ].join("\n"),
            );
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: tugraph-ha\nruntime: nodejs\n");
        const status = async () =>
            runStatus(
                ["--stack", "sim", "--dir", dir, "--json"],
                { cwd: dir, exists: fs.existsSync, readText: (f) => fs.readFileSync(f, "utf8") },
                { env: { [VERIFIER_ENV]: verifier() }, ask: askOverBolt, progress: () => undefined },
            );
        stackFile(P3);
        const healthy = await status();
        assert.strictEqual(healthy.code, 0, healthy.stderr + healthy.stdout);
        // ... and a stack whose password was just changed (not deployed yet) is not tried.
        stackFile(PENDING);
        const pending = await status();
        assert.strictEqual(pending.code, 1);
        assert.match(pending.stderr, /not asking the cluster: .*a rotation is pending/);

        // 5. A grow: node 4 joins (learner, copy, start, promotion), logging in with the current password.
        const grow = await liveAsProgram(d, four, P3);
        assert.ok(grow.membership, grow.note);
        await d.upOk(clusterProgram(four, P3, grow));
        assert.ok(cl.isRunning(4));

        // 6. Every node's log: no stack password, and not one refused login.
        assert.deepStrictEqual(failedLogins(cl), [], "a refused login (it writes the attempted password into the log)");
        for (const { id, text } of logs(cl)) {
            assert.ok(text.length > 0, `node ${id} has a log`);
            for (const pw of STACK_PASSWORDS) assert.ok(!text.includes(pw), `node ${id}'s log holds a stack password`);
            assert.ok(!text.includes(DEFAULT_PASSWORD), `node ${id}'s log holds TuGraph's default password`);
        }
    });
});
