// The admin password (AdminPassword) through the real provider host: set on a new
// cluster, rotated, re-runs converge from whichever password the cluster has, and
// no password in any log line, error, note or plain output. Against the simulator
// (a test double) whose changePassword replicates through raft.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { adminPasswordProvider, AdminPassword } from "../../components/providers/adminPassword";
import { TUGRAPH_DEFAULT_PASSWORD } from "../../components/adapters/passwordOps";
import { SimulatorCluster, runOn, DEFAULT_PASSWORD } from "../simulator/harness";
import { common, engineCreate, engineRead, engineUp, rejects, startCluster, useProviderHost } from "./engine";
import { clusterProgram, simulatorDeployment, stackConfig, stackNodes } from "../engine/simulatorStack";
import type { Deployment } from "../engine/deployment";
import { isSecret } from "../engine/providerHost";
import { recordRegistrations } from "../mocks/program";

const FIRST = "F1rst@Pw-4a9c";
const SECOND = "S3cond@Pw-77e1";
const THIRD = "Th1rd@Pw-0b2d";
const ALL = [FIRST, SECOND, THIRD];

/** True when every node in `ids` accepts `password` (and so the change replicated). */
async function everyNodeAccepts(c: SimulatorCluster, ids: number[], password: string): Promise<boolean> {
    for (const id of ids) {
        try {
            await runOn(c.boltAddress(id), "CALL db.bolt.getRaftStatus()", {}, { password });
        } catch {
            return false;
        }
    }
    return true;
}

function assertNoPassword(text: string, what: string): void {
    for (const p of ALL) assert.ok(!text.includes(p), `${what} holds a password`);
}

/** Progress lines ON for these tests (the suite silences them): they must not carry a password either. */
function withProgress(): void {
    let saved: string | undefined;
    before(() => {
        saved = process.env.TUGRAPH_HA_PROGRESS;
        process.env.TUGRAPH_HA_PROGRESS = "1";
    });
    after(() => {
        if (saved === undefined) delete process.env.TUGRAPH_HA_PROGRESS;
        else process.env.TUGRAPH_HA_PROGRESS = saved;
    });
}

describe("AdminPassword through the real provider host", function () {
    this.timeout(120_000);
    withProgress();
    const host = useProviderHost();
    let c: SimulatorCluster | undefined;
    afterEach(async () => {
        await c?.cleanup();
        c = undefined;
    });
    const inputs = (cl: SimulatorCluster, password: string) => common(cl, [1, 2, 3], { adminPassword: password });

    it("the changePassword of the simulator replicates through raft (a restarted follower still has it)", async () => {
        c = await startCluster();
        const leader = await c.waitForLeader();
        await runOn(c.boltAddress(leader), "CALL dbms.security.changePassword($old, $new)", { old: DEFAULT_PASSWORD, new: FIRST });
        const follower = [1, 2, 3].find((i) => i !== leader)!;
        for (let i = 0; i < 50 && !(await everyNodeAccepts(c, [1, 2, 3], FIRST)); i++) await new Promise((r) => setTimeout(r, 100));
        assert.ok(await everyNodeAccepts(c, [1, 2, 3], FIRST));
        await c.restart(follower);
        assert.ok(await everyNodeAccepts(c, [follower], FIRST), "applied from the raft log after a restart");
    });

    it("create sets it from TuGraph's default; a new password rotates it; the same one again calls nothing", async () => {
        c = await startCluster();
        const s = await engineCreate(adminPasswordProvider, inputs(c, FIRST));
        assert.match(s.outs.note, /changed from TuGraph's default/);
        assert.deepStrictEqual(s.outs.previousPasswords, []);
        assert.ok(await everyNodeAccepts(c, [1, 2, 3], FIRST), "every node accepts it when create returns");
        assert.ok(!(await everyNodeAccepts(c, [1], DEFAULT_PASSWORD)));

        const up = await engineUp(adminPasswordProvider, s, inputs(c, SECOND));
        assert.strictEqual(up.op, "update");
        assert.match(up.stored.outs.note, /rotated from the previous password/);
        assert.deepStrictEqual(up.stored.outs.previousPasswords, [FIRST]);
        assert.ok(await everyNodeAccepts(c, [1, 2, 3], SECOND));

        const again = await engineUp(adminPasswordProvider, up.stored, inputs(c, SECOND));
        assert.strictEqual(again.op, "same");
        // Seeds change with every grow: no update for them.
        const grown = await engineUp(adminPasswordProvider, up.stored, { ...inputs(c, SECOND), seeds: [c.boltAddress(1)] });
        assert.strictEqual(grown.op, "same");
        for (const o of [s, up.stored]) assertNoPassword(o.outs.note, "note");
        assertNoPassword(host().stderr.join("\n"), "the host's stderr");
    });

    it("re-runs converge from either password: the cluster already on the new one, or back on the old one", async () => {
        c = await startCluster();
        const s = await engineCreate(adminPasswordProvider, inputs(c, FIRST));
        // The cluster got the new password outside this update (or the update's answer was lost): nothing to change.
        const leader = await leaderWith(c, FIRST);
        await runOn(c.boltAddress(leader), "CALL dbms.security.changePassword($old, $new)", { old: FIRST, new: SECOND }, { password: FIRST });
        for (let i = 0; i < 50 && !(await everyNodeAccepts(c, [1, 2, 3], SECOND)); i++) await new Promise((r) => setTimeout(r, 100));
        const up = await engineUp(adminPasswordProvider, s, inputs(c, SECOND));
        assert.strictEqual(up.op, "update");
        assert.match(up.stored.outs.note, /already has the configured password/);

        // The cluster went back to an older password (a restore): refresh records it, the next up rotates again.
        const leader2 = await leaderWith(c, SECOND);
        await runOn(c.boltAddress(leader2), "CALL dbms.security.changePassword($old, $new)", { old: SECOND, new: FIRST }, { password: SECOND });
        for (let i = 0; i < 50 && !(await everyNodeAccepts(c, [1, 2, 3], FIRST)); i++) await new Promise((r) => setTimeout(r, 100));
        const r = await engineRead(up.stored);
        assert.match(r.outs.note, /the cluster has an older password \(one recorded in state\)/);
        assert.strictEqual(r.outs.adminPassword, FIRST, "the state now says what the cluster has");
        const fixed = await engineUp(adminPasswordProvider, r, inputs(c, SECOND));
        assert.strictEqual(fixed.op, "update");
        assert.match(fixed.stored.outs.note, /rotated from the previous password/);
        assert.ok(await everyNodeAccepts(c, [1, 2, 3], SECOND));

        // A rotation to a third one while the cluster still has the first: the first is found among the previous ones.
        await runOn(
            c.boltAddress(await leaderWith(c, SECOND)),
            "CALL dbms.security.changePassword($old, $new)",
            { old: SECOND, new: FIRST },
            { password: SECOND },
        );
        for (let i = 0; i < 50 && !(await everyNodeAccepts(c, [1, 2, 3], FIRST)); i++) await new Promise((r) => setTimeout(r, 100));
        const third = await engineUp(adminPasswordProvider, fixed.stored, inputs(c, THIRD));
        assert.match(third.stored.outs.note, /rotated from the previous password/);
        assert.ok(await everyNodeAccepts(c, [1, 2, 3], THIRD));
        assertNoPassword(host().stderr.join("\n"), "the host's stderr");
    });

    it("a cluster that accepts no known password: a clear error with the fix, no password in it", async () => {
        c = await startCluster();
        const leader = await c.waitForLeader();
        await runOn(c.boltAddress(leader), "CALL dbms.security.changePassword($old, $new)", { old: DEFAULT_PASSWORD, new: THIRD });
        for (let i = 0; i < 50 && !(await everyNodeAccepts(c, [1, 2, 3], THIRD)); i++) await new Promise((r) => setTimeout(r, 100));
        const e = await rejects(
            engineCreate(adminPasswordProvider, inputs(c, FIRST)),
            /accepts neither the configured admin password of user 'admin', nor the previous one\(s\) recorded in the stack's state, nor TuGraph's default.*Fix: set tugraph:adminPassword to the password the cluster has now/,
        );
        assertNoPassword(`${e.message}\n${e.stack}`, "the error");
        assertNoPassword(host().stderr.join("\n"), "the host's stderr");
    });

    it("the dev stack's default password: nothing is called (no cluster needed)", async () => {
        const s = await engineCreate(adminPasswordProvider, {
            seeds: ["127.0.0.1:1"],
            adminUser: "admin",
            adminPassword: TUGRAPH_DEFAULT_PASSWORD,
            callTimeoutMs: 1000,
            totalTimeoutMs: 1000,
        });
        assert.match(s.outs.note, /TuGraph's default: nothing to set/);
    });
});

/** The leader, asked with `password` (the harness's own calls use the default). */
async function leaderWith(c: SimulatorCluster, password: string): Promise<number> {
    c.adminPassword = password;
    try {
        return await c.waitForLeader(15_000);
    } finally {
        c.adminPassword = DEFAULT_PASSWORD;
    }
}

describe("AdminPassword in the program: secrets and order", function () {
    this.timeout(180_000);
    withProgress();
    let c: SimulatorCluster | undefined;
    let d: Deployment | undefined;
    afterEach(async () => {
        await d?.stop();
        await c?.cleanup();
        c = d = undefined;
    });

    it("registers both passwords as secret outputs and keeps no password in its provider text", async () => {
        const regs = await recordRegistrations(
            () =>
                new AdminPassword("p", {
                    seeds: ["127.0.0.1:1"],
                    adminUser: "admin",
                    adminPassword: pulumi.secret(FIRST),
                    callTimeoutMs: 1000,
                    totalTimeoutMs: 1000,
                }),
        );
        assert.deepStrictEqual(regs[0].additionalSecretOutputs, ["adminPassword", "previousPasswords"]);
        assertNoPassword(String(regs[0].inputs.__provider), "the provider text");
    });

    it("pulumi up on a new cluster sets the password after the bootstrap members and before the first join, which logs in with it; a later up rotates it", async () => {
        c = await startCluster();
        const cl = c;
        // The joiner starts from a copy of a follower's data taken after its add (and so after the password change).
        d = await simulatorDeployment(c);
        cl.adminPassword = FIRST; // what the harness's own calls (finding a follower to copy) log in with by then
        const cfg = stackConfig({ nodes: await stackNodes(c, [1, 2, 3, 4], { 4: { role: "learner" } }), bootstrap: [1, 2, 3] });
        const first = await d.upOk(clusterProgram(cfg, FIRST));
        const order = first.steps.filter((s) => !s.preview && /AdminPassword|RaftMember|tugraph-node-\d$/.test(`${s.type}:${s.name}`)).map((s) => s.name);
        assert.ok(
            order.indexOf("tugraph-admin-password") > Math.max(...["tugraph-node-1", "tugraph-node-2", "tugraph-node-3"].map((n) => order.indexOf(n))),
            order.join(","),
        );
        assert.ok(order.indexOf("tugraph-admin-password") < order.indexOf("tugraph-member-4"), order.join(","));
        assert.ok(await everyNodeAccepts(cl, [1, 2, 3, 4], FIRST));
        const state = d.get("AdminPassword", "tugraph-admin-password")!;
        assert.ok(isSecret(state.outputs.adminPassword), "the state keeps it as a secret");

        const second = await d.upOk(clusterProgram(cfg, SECOND));
        const changed = second.steps.filter((s) => !s.preview && s.op !== "same").map((s) => `${s.op} ${s.name}`);
        assert.ok(changed.includes("update tugraph-admin-password"), changed.join(","));
        assert.ok(await everyNodeAccepts(cl, [1, 2, 3, 4], SECOND));
        // Membership resources took the new password (an update, no call) after the rotation.
        assert.ok(changed.includes("update tugraph-member-4"), changed.join(","));
        const again = await d.preview(clusterProgram(cfg, SECOND));
        assert.deepStrictEqual(
            again.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`),
            [],
        );
        // Nothing the engine shows holds a password: progress, errors, notes.
        assertNoPassword(d.host.stderr.join("\n"), "the host's stderr");
        assertNoPassword(d.host.stdout.join("\n"), "the host's stdout");
        assertNoPassword(JSON.stringify(d.history.map((h) => [h.detail, h.error])), "step details");
        assertNoPassword(String(d.get("AdminPassword", "tugraph-admin-password")!.outputs.note), "note");
        assert.ok(
            d.host.stderr.some((l) => /changing the admin password of user 'admin': on leader \d/.test(l)),
            "progress is shown",
        );
    });
});
