// The admin password (AdminPassword) through the real provider host: set on a new
// cluster from TuGraph's default, rotated from the password the state records, and
// never a guess (TuGraph logs every refused password: docs/tugraph-facts.md), and
// no password in any log line, error, note, plain output or node log. Against the simulator
// (a test double) whose changePassword replicates through raft.
import * as assert from "assert";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { adminPasswordProvider, AdminPassword } from "../../components/providers/adminPassword";
import { TUGRAPH_DEFAULT_PASSWORD } from "../../components/adapters/passwordOps";
import { confirms } from "../../components/adapters/passwordVerifier";
import { SimulatorCluster, runOn, DEFAULT_PASSWORD } from "../simulator/harness";
import { common, engineCreate, engineRead, engineUp, rejects, startCluster, useProviderHost } from "./engine";
import { clusterProgram, simulatorDeployment, stackConfig, stackNodes } from "../engine/simulatorStack";
import type { Deployment } from "../engine/deployment";
import { isSecret, plain } from "../engine/providerHost";
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

/** The failed logins the simulator logged, as TuGraph does, with the attempted password in clear. */
function failedLogins(c: SimulatorCluster): { node: number; password: string }[] {
    return c
        .ids()
        .flatMap((id) => [...readLog(c, id).matchAll(/bolt authentication failed, user:[^,]*, password:(.*)$/gm)].map((m) => ({ node: id, password: m[1] })));
}
function readLog(c: SimulatorCluster, id: number): string {
    return fs.existsSync(c.logFile(id)) ? fs.readFileSync(c.logFile(id), "utf8") : "";
}
function assertNoPasswordInLogs(c: SimulatorCluster): void {
    for (const id of c.ids()) assertNoPassword(readLog(c, id), `node ${id}'s log`);
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

    it("create sets it from TuGraph's default; a new password rotates it from the state's; the same one again calls nothing; no node logs a password", async () => {
        c = await startCluster();
        const s = await engineCreate(adminPasswordProvider, inputs(c, FIRST));
        assert.match(s.outs.note, /changed from TuGraph's default password/);
        assert.deepStrictEqual(s.outs.previousPasswords, []);
        assert.ok(confirms(s.outs.verifier, "admin", FIRST), "the verifier confirms the password it set");
        assert.ok(!confirms(s.outs.verifier, "admin", SECOND) && !String(s.outs.verifier).includes(FIRST));
        assert.ok(await everyNodeAccepts(c, [1, 2, 3], FIRST), "every node accepts it when create returns");

        const up = await engineUp(adminPasswordProvider, s, inputs(c, SECOND));
        assert.strictEqual(up.op, "update");
        assert.match(up.stored.outs.note, /rotated from the password recorded in state/);
        assert.deepStrictEqual(up.stored.outs.previousPasswords, [], "no earlier password is kept to be tried");
        assert.ok(confirms(up.stored.outs.verifier, "admin", SECOND) && !confirms(up.stored.outs.verifier, "admin", FIRST));
        assert.ok(await everyNodeAccepts(c, [1, 2, 3], SECOND));
        // Before anyone tries an old password: not one refused login so far, so no node logged a password.
        assertNoPasswordInLogs(c);

        const again = await engineUp(adminPasswordProvider, up.stored, inputs(c, SECOND));
        assert.strictEqual(again.op, "same");
        // Seeds change with every grow: no update for them.
        const grown = await engineUp(adminPasswordProvider, up.stored, { ...inputs(c, SECOND), seeds: [c.boltAddress(1)] });
        assert.strictEqual(grown.op, "same");
        // A refresh logs in with the state's password only, and it is accepted.
        const r = await engineRead(up.stored);
        assert.match(r.outs.note, /the cluster accepts the password recorded in state/);
        assert.strictEqual(r.outs.verifier, up.stored.outs.verifier);
        assertNoPasswordInLogs(c);
        for (const o of [s, up.stored, r]) assertNoPassword(o.outs.note, "note");
        assertNoPassword(host().stderr.join("\n"), "the host's stderr");
    });

    it("a rotation with a voter down: done on the others without waiting for it; back, it applies it from the log; no node logs a password", async () => {
        c = await startCluster();
        const s = await engineCreate(adminPasswordProvider, inputs(c, FIRST));
        const leader = await leaderWith(c, FIRST);
        const down = [1, 2, 3].find((i) => i !== leader)!;
        await c.stop(down);
        const started = Date.now();
        const up = await engineUp(adminPasswordProvider, s, inputs(c, SECOND));
        assert.match(up.stored.outs.note, /rotated from the password recorded in state/);
        assert.ok(Date.now() - started < 10_000, `not held up by the down voter (${Date.now() - started} ms)`);
        const up2 = [1, 2, 3].filter((i) => i !== down);
        assert.ok(await everyNodeAccepts(c, up2, SECOND));
        await c.restart(down);
        c.adminPassword = SECOND;
        // Its first login waits until it has caught up: asked too early it would still have FIRST.
        for (let i = 0; i < 100; i++) {
            const st = await c.status(leader).catch(() => undefined);
            const p = st?.progress?.[down.toString(16)];
            if (st && p && p.match >= st.commit) break;
            await new Promise((r) => setTimeout(r, 100));
        }
        await new Promise((r) => setTimeout(r, 500));
        assert.ok(await everyNodeAccepts(c, [down], SECOND), "applied from the raft log after its restart");
        assertNoPasswordInLogs(c);
    });

    it("never guesses: a cluster whose password changed outside the stack is asked with the state's password only, then not at all", async () => {
        c = await startCluster();
        const s = await engineCreate(adminPasswordProvider, inputs(c, FIRST));
        // Changed outside the stack to THIRD.
        const leader = await leaderWith(c, FIRST);
        await runOn(c.boltAddress(leader), "CALL dbms.security.changePassword($old, $new)", { old: FIRST, new: THIRD }, { password: FIRST });
        for (let i = 0; i < 50 && !(await everyNodeAccepts(c, [1, 2, 3], THIRD)); i++) await new Promise((r) => setTimeout(r, 100));
        const before = failedLogins(c);

        // A rotation to SECOND: the state's FIRST is refused; SECOND (and THIRD) are never tried.
        const e = await rejects(
            engineUp(adminPasswordProvider, s, inputs(c, SECOND)),
            /the cluster refused the password recorded in state of user 'admin'.*No other password was tried: TuGraph writes the password of every refused login into the node's log/,
        );
        assertNoPassword(`${e.message}\n${e.stack}`, "the error");
        const tried = failedLogins(c).slice(before.length);
        assert.ok(tried.length > 0, "the state's password was asked and refused");
        assert.deepStrictEqual([...new Set(tried.map((l) => l.password))], [FIRST], "only the state's password was tried");

        // Refresh: refused, so the verifier is cleared; after that nothing logs in with it.
        const r = await engineRead(s);
        assert.match(r.outs.note, /refused the password recorded in state \(changed outside the stack\): nothing logs in with it again/);
        assert.strictEqual(r.outs.verifier, "");
        const afterRead = failedLogins(c).length;
        const r2 = await engineRead(r);
        assert.match(r2.outs.note, /not refreshed .*not known to be current/);
        await rejects(engineUp(adminPasswordProvider, r, inputs(c, SECOND)), /not known to be the cluster's.*No other password was tried/);
        assert.strictEqual(failedLogins(c).length, afterRead, "no login at all once the state's password is known refused");
        // (The test's own wait for THIRD above may have logged it: only what came after counts.)
        for (const l of failedLogins(c).slice(before.length))
            assert.ok(![SECOND, THIRD].includes(l.password), "a password the stack did not know current was tried");
        assertNoPassword(host().stderr.join("\n"), "the host's stderr");
    });

    it("a state written before the verifier existed: its password is the one that version confirmed; refresh and rotation work from it", async () => {
        c = await startCluster();
        const s = await engineCreate(adminPasswordProvider, inputs(c, FIRST));
        const { verifier, ...legacyOuts } = s.outs;
        assert.ok(verifier);
        const legacy = { ...s, outs: legacyOuts };
        const r = await engineRead(legacy);
        assert.ok(confirms(r.outs.verifier, "admin", FIRST), "refresh records the verifier");
        const up = await engineUp(adminPasswordProvider, legacy, inputs(c, SECOND));
        assert.match(up.stored.outs.note, /rotated from the password recorded in state/);
        assert.ok(await everyNodeAccepts(c, [1, 2, 3], SECOND));
        assertNoPasswordInLogs(c);
    });

    it("a new cluster that does not have TuGraph's default: a clear error with the fix; the configured password is never tried", async () => {
        c = await startCluster();
        const leader = await c.waitForLeader();
        await runOn(c.boltAddress(leader), "CALL dbms.security.changePassword($old, $new)", { old: DEFAULT_PASSWORD, new: THIRD });
        for (let i = 0; i < 50 && !(await everyNodeAccepts(c, [1, 2, 3], THIRD)); i++) await new Promise((r) => setTimeout(r, 100));
        const e = await rejects(
            engineCreate(adminPasswordProvider, inputs(c, FIRST)),
            /the cluster refused TuGraph's default password of user 'admin'.*No other password was tried.*Fix: see README, Admin password/,
        );
        assertNoPassword(`${e.message}\n${e.stack}`, "the error");
        assertNoPassword(host().stderr.join("\n"), "the host's stderr");
        for (const id of c.ids()) assert.ok(!readLog(c, id).includes(FIRST), `node ${id}'s log holds the configured password`);
        assert.ok(
            failedLogins(c).some((l) => l.password === DEFAULT_PASSWORD),
            "TuGraph's (public) default was the one asked",
        );
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

    it("registers the passwords and the verifier as secret outputs and keeps no password in its provider text", async () => {
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
        assert.deepStrictEqual(regs[0].additionalSecretOutputs, ["adminPassword", "previousPasswords", "verifier"]);
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
        // (The verifier is a secret through additionalSecretOutputs, asserted on the registration above.)
        assert.ok(confirms(plain(state.outputs.verifier), "admin", FIRST));

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
