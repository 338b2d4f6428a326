// RaftMember / RaftRemoval providers, called as the engine calls them,
// against simulator clusters (processes on 127.0.0.1).
import * as assert from "assert";
import { raftMemberProvider as member } from "../../components/providers/raftMember";
import { raftRemovalProvider as removal } from "../../components/providers/raftRemoval";
import { ensureMember, waitCaughtUp } from "../../components/adapters/membershipOps";
import { planChanges } from "../../components/core/changePlan";
import type { SimulatorCluster } from "../simulator/harness";
import { DEFAULT_PASSWORD, DEFAULT_USER, runOn, simulatorDriver } from "../simulator/harness";
import {
    common,
    engineCheck,
    engineCreate,
    engineDelete,
    engineDiff,
    enginePreview,
    engineRead,
    engineUp,
    follower,
    useProviderHost,
    listing,
    memberIds,
    memberInputs,
    rejects,
    removalInputs,
    startCluster,
    UNKNOWN,
} from "./engine";

/** Waits until every given node accepts `password` (a password change replicates through raft). */
async function eventuallyAccepts(c: SimulatorCluster, ids: number[], password: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (;;) {
        try {
            for (const id of ids) {
                const d = simulatorDriver(c.boltAddress(id), { password });
                try {
                    const s = d.session({ database: "default" });
                    await s.run("CALL db.bolt.listRaftNodes()");
                    await s.close();
                } finally {
                    await d.close();
                }
            }
            return;
        } catch (e) {
            if (Date.now() > deadline) throw e;
            await new Promise((r) => setTimeout(r, 100));
        }
    }
}

describe("membership providers against the simulator (through the real provider host)", function () {
    this.timeout(120_000);
    useProviderHost();
    let c: SimulatorCluster;
    afterEach(async () => {
        await c?.cleanup();
    });

    it("bootstrap: no membership resource; a RaftMember for an existing member at the same address makes no call", async () => {
        c = await startCluster();
        const ids = [1, 2, 3];
        const boot = ids.map((id) => ({
            id,
            ip: "127.0.0.1",
            boltPort: 1,
            raftPort: 2,
            role: "voter" as const,
            removed: false,
            dockerHost: "unix:///d",
            bootstrap: true,
        }));
        assert.deepStrictEqual(planChanges(boot, undefined, { minVoters: 3, allowUnsafeRemoval: false }).chain, []);
        const before = await listing(c, 1);
        const s = await engineCreate(member, await memberInputs(c, 2, "voter", [1]));
        assert.match(s.outs.roleNote, /already a member .*no call made/);
        assert.deepStrictEqual(
            s.outs.initPeers.map((p: any) => p.bolt_raft_node_id),
            [1, 2, 3],
        );
        assert.deepStrictEqual(await listing(c, 1), before);
    });

    it("grow: adds a voter on the leader, records init peers, the joiner then starts and catches up", async () => {
        c = await startCluster();
        const inputs = await memberInputs(c, 4, "voter", [2]); // one seed is enough: the rest is discovered
        const s = await engineCreate(member, inputs);
        assert.strictEqual(s.id, "4");
        assert.strictEqual(s.outs.role, "voter");
        assert.deepStrictEqual(
            s.outs.initPeers.map((p: any) => p.bolt_raft_node_id),
            [1, 2, 3, 4],
        );
        const four = s.outs.initPeers.find((p: any) => p.bolt_raft_node_id === 4);
        assert.deepStrictEqual(four, { bolt_raft_node_id: 4, ip: "127.0.0.1", bolt_port: inputs.boltPort, bolt_raft_port: inputs.raftPort });
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3, 4]);
        await c.startJoiner(4, { copyFrom: await follower(c, [1, 2, 3]) });
        await c.waitForLeader(15_000, [1, 2, 3, 4]);
        // Re-running up with the same inputs is no change.
        const again = await engineUp(member, s, inputs);
        assert.strictEqual(again.op, "same");
        // read (refresh) reports the live membership, no drift.
        const r = await engineRead(s);
        assert.strictEqual(r.id, "4");
        assert.strictEqual(r.outs.role, "voter");
    });

    it("learner add, then promotion as an update; the listing keeps lying, the state keeps the truth", async () => {
        c = await startCluster();
        const learner = await memberInputs(c, 4, "learner", [1, 2, 3]);
        const s = await engineCreate(member, learner);
        assert.deepStrictEqual((await listing(c, 1)).find((m) => m.id === 4)?.learner, true);
        await c.startJoiner(4, { copyFrom: await follower(c, [1, 2, 3]) });

        const promoted = await engineUp(member, s, { ...learner, role: "voter" });
        assert.strictEqual(promoted.op, "update");
        assert.deepStrictEqual(promoted.diff.replaces, []);
        assert.strictEqual(promoted.stored.outs.role, "voter");
        assert.deepStrictEqual(promoted.stored.outs.initPeers, s.outs.initPeers, "init peers never change after the add");
        assert.match(promoted.stored.outs.roleNote, /is_learner/);
        assert.deepStrictEqual((await listing(c, 1)).find((m) => m.id === 4)?.learner, true, "TuGraph's listing does not update is_learner");

        const r = await engineRead(promoted.stored);
        assert.strictEqual(r.outs.role, "voter");
        assert.strictEqual(r.outs.listedRole, "learner");
        assert.match(r.outs.roleNote, /does not update is_learner/);

        // A learner that is not running (or not caught up) is not promoted: retried until totalTimeoutMs, then refused.
        const l5 = await memberInputs(c, 5, "learner", [1, 2, 3], { callTimeoutMs: 500, totalTimeoutMs: 1000 });
        const s5 = await engineCreate(member, l5);
        await rejects(
            engineUp(member, s5, { ...l5, role: "voter" }),
            /refusing to promote learner 5: it does not answer at 127\.0\.0\.1:\d+; start it and let it sync/,
        );

        // Demotion is refused in check, before anything happens.
        const bad = await engineCheck(member, promoted.stored.inputs, { ...learner, role: "learner" });
        assert.deepStrictEqual(
            bad.failures!.map((f) => f.property),
            ["role"],
        );
    });

    it("diff: a changed ip or port is a replace (delete first); credentials and policy are an update; seeds and gate counts are no change", async () => {
        c = await startCluster();
        const inputs = await memberInputs(c, 4, "learner", [1]);
        const s = await engineCreate(member, inputs);
        const d1 = await engineDiff(member, s, { ...inputs, boltPort: inputs.boltPort + 1 });
        assert.deepStrictEqual([d1.changes, d1.replaces, d1.deleteBeforeReplace], ["some", ["boltPort"], true]);
        const d2 = await engineDiff(member, s, { ...inputs, ip: "127.0.0.2", raftPort: 1 });
        assert.deepStrictEqual(d2.replaces, ["ip", "raftPort"]);
        const d3 = await engineDiff(member, s, { ...inputs, seeds: [c.boltAddress(3)], knownVoters: [1, 2, 3, 9], plannedVoters: 7 });
        const tomb = { id: "removed-3", inputs: removalInputs(c, 3, [1]), outs: removalInputs(c, 3, [1]) };
        assert.deepStrictEqual([d3.changes, d3.replaces], ["none", []]);
        for (const [k, v] of Object.entries({
            adminUser: "root",
            adminPassword: "new-Pa55",
            callTimeoutMs: 999,
            totalTimeoutMs: 99_999,
            minVoters: 1,
            allowUnsafeRemoval: true,
            encrypted: true,
        })) {
            const d = await engineDiff(member, s, { ...inputs, [k]: v });
            assert.deepStrictEqual([d.changes, d.replaces], ["some", []], `${k} is an update`);
            const r = await engineDiff(removal, tomb, { ...removalInputs(c, 3, [1]), [k]: v });
            assert.deepStrictEqual([r.changes, r.replaces], ["some", []], `${k} is an update of a removal`);
        }
        const r3 = await engineDiff(removal, tomb, { ...removalInputs(c, 3, [2]), knownVoters: [1], plannedVoters: 2 });
        assert.deepStrictEqual([r3.changes, r3.replaces], ["none", []]);
        // A replace runs as the engine would: gated remove of the old address, then add at the new one.
        const s5 = await c.allocate(5);
        const moved = await engineUp(member, s, { ...inputs, boltPort: s5.boltPort, raftPort: s5.raftPort });
        assert.strictEqual(moved.op, "replace");
        const four = (await listing(c, 1)).find((m) => m.id === 4)!;
        assert.strictEqual(four.bolt, s5.boltPort);
    });

    it("init peers are an input pinned at creation: check keeps the recorded ones, preview of a promotion sees them", async () => {
        c = await startCluster();
        const inputs = await memberInputs(c, 4, "learner", [1, 2, 3]);
        const s = await engineCreate(member, inputs);
        assert.deepStrictEqual(s.outs.initPeers, inputs.initPeers, "create records the input");
        assert.match(s.outs.roleNote, /^added as learner$/, "prediction and live membership agree: no note");
        // A later run predicts another membership (the cluster grew): check returns the old ones.
        const other = [...inputs.initPeers, { bolt_raft_node_id: 9, ip: "127.0.0.1", bolt_port: 1, bolt_raft_port: 2 }];
        const checked = await engineCheck(member, s.inputs, { ...inputs, role: "voter", initPeers: other });
        assert.deepStrictEqual(checked.failures, []);
        assert.deepStrictEqual(checked.inputs.initPeers, inputs.initPeers);
        // Preview of the promotion: the engine shows the checked inputs as outputs, initPeers included (not unknown).
        const pre = await enginePreview(member, s, { ...inputs, role: "voter", initPeers: other });
        assert.deepStrictEqual([pre.diff!.changes, pre.diff!.replaces], ["some", []]);
        // A replacement (another address) is a new join: not pinned.
        const moved = await engineCheck(member, s.inputs, { ...inputs, boltPort: inputs.boltPort + 1, initPeers: other });
        assert.deepStrictEqual(moved.inputs.initPeers, other);
        // A first check (no olds) takes the prediction; init peers without the node itself are refused.
        const bad = await engineCheck(member, {}, { ...inputs, initPeers: inputs.initPeers.filter((p: any) => p.bolt_raft_node_id !== 4) });
        assert.deepStrictEqual(
            bad.failures!.map((f) => f.property),
            ["initPeers"],
        );
    });

    it("preview: the unknown sentinel passes check and makes diff say what may change", async () => {
        c = await startCluster();
        const inputs = await memberInputs(c, 4, "learner", [1]);
        const pre = await enginePreview(member, undefined, { ...inputs, seeds: UNKNOWN, adminPassword: UNKNOWN, ip: UNKNOWN });
        assert.deepStrictEqual(pre.failures, []);
        const s = await engineCreate(member, inputs);
        const p2 = await enginePreview(member, s, { ...inputs, boltPort: UNKNOWN, role: UNKNOWN, seeds: [UNKNOWN] });
        assert.deepStrictEqual(p2.failures, []);
        assert.deepStrictEqual(p2.diff!.replaces, ["boltPort"]);
        assert.strictEqual(p2.diff!.changes, "some");
        const r = await enginePreview(removal, undefined, removalInputs(c, 3, [1], { seeds: UNKNOWN, minVoters: UNKNOWN }));
        assert.deepStrictEqual(r.failures, []);
        // Nothing was called by preview.
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3, 4]);
    });

    it("check: clear failures for bad inputs, the password is never echoed", async () => {
        const bad = await engineCheck(
            member,
            {},
            {
                nodeId: 0,
                ip: "tugraph-4.local",
                boltPort: 70000,
                raftPort: 8000,
                role: "boss",
                seeds: ["nohost"],
                adminUser: "",
                adminPassword: 12345,
                callTimeoutMs: 5000,
                totalTimeoutMs: 100,
                initPeers: [],
            },
        );
        assert.deepStrictEqual(bad.failures!.map((f) => f.property).sort(), [
            "adminPassword",
            "adminUser",
            "boltPort",
            "initPeers",
            "ip",
            "nodeId",
            "role",
            "seeds[0]",
            "totalTimeoutMs",
        ]);
        assert.ok(!JSON.stringify(bad.failures).includes("12345"));
        const r = await engineCheck(removal, {}, { nodeId: 3, seeds: [], adminUser: "admin", adminPassword: "x", callTimeoutMs: 1, totalTimeoutMs: 1 });
        assert.deepStrictEqual(r.failures!.map((f) => f.property).sort(), ["allowUnsafeRemoval", "callTimeoutMs", "minVoters", "seeds", "totalTimeoutMs"]);
    });

    it("check applies the config's bounds: ids a JS number cannot carry, timers Node cannot set, undialable addresses, malformed peers", async () => {
        const ok = {
            nodeId: 4,
            ip: "10.0.0.4",
            boltPort: 7687,
            raftPort: 7688,
            role: "learner",
            seeds: ["10.0.0.1:7687"],
            adminUser: "admin",
            adminPassword: "pw",
            callTimeoutMs: 1000,
            totalTimeoutMs: 5000,
            initPeers: [{ bolt_raft_node_id: 4, ip: "10.0.0.4", bolt_port: 7687, bolt_raft_port: 7688 }],
        };
        assert.deepStrictEqual((await engineCheck(member, {}, ok)).failures, []);
        const cases: [Record<string, unknown>, string][] = [
            [{ nodeId: 2 ** 53 }, "nodeId"],
            [{ nodeId: 1e21 }, "nodeId"],
            [{ callTimeoutMs: 3e9, totalTimeoutMs: 3e9 }, "callTimeoutMs"],
            [{ totalTimeoutMs: 1e11 }, "totalTimeoutMs"],
            [{ seeds: ["0.0.0.0:7687"] }, "seeds[0]"],
            [{ ip: "0.0.0.0" }, "ip"],
            [{ initPeers: [...ok.initPeers, { bolt_raft_node_id: 1, ip: "node-1", bolt_port: 7687, bolt_raft_port: 7688 }] }, "initPeers[1]"],
            [{ initPeers: [...ok.initPeers, "garbage"] }, "initPeers[1]"],
            [{ knownVoters: [1, 2.5] }, "knownVoters"],
            [{ encrypted: "yes" }, "encrypted"],
            [{ providerVersion: -1 }, "providerVersion"],
        ];
        for (const [change, property] of cases) {
            const f = (await engineCheck(member, {}, { ...ok, ...change })).failures;
            assert.ok(
                f.some((x) => x.property === property),
                `${JSON.stringify(change)} -> ${property}: ${JSON.stringify(f)}`,
            );
        }
        // The same bounds in the removal and the record.
        assert.ok(
            (await engineCheck(removal, {}, { ...ok, nodeId: 1e21, minVoters: 3, allowUnsafeRemoval: false })).failures.some((x) => x.property === "nodeId"),
        );
        // Nothing at all is failures, not a TypeError.
        const none = await engineCheck(member, undefined, {});
        assert.ok(
            none.failures.some((x) => x.property === "seeds"),
            JSON.stringify(none.failures),
        );
    });

    it("shrink: removes a learner and a voter down to the minimum, then refuses the next removal with no change", async () => {
        c = await startCluster([1, 2, 3, 4]);
        const l5 = await engineCreate(member, await memberInputs(c, 5, "learner", [1, 2, 3, 4]));
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3, 4, 5]);
        const r5 = await engineCreate(removal, removalInputs(c, 5, [1, 2, 3, 4]));
        assert.strictEqual(r5.outs.wasMember, true);
        const r4 = await engineCreate(removal, removalInputs(c, 4, [1, 2, 3, 4]));
        assert.strictEqual(r4.outs.wasMember, true);
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3]);
        await rejects(
            engineCreate(removal, removalInputs(c, 3, [1, 2, 3])),
            /refusing removing node 3: it would leave 2 voter\(s\), below the minimum of 3.*allowUnsafeRemoval/,
        );
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3]);
        // Seeds and gate counts of a removal are no change.
        const rd = await engineDiff(removal, r4, { ...r4.inputs, seeds: [c.boltAddress(1)], plannedVoters: 2 });
        assert.deepStrictEqual([rd.changes, rd.replaces], ["none", []]);
        // A tombstone that is already gone is a no-op, and deleting a tombstone does nothing.
        const again = await engineCreate(removal, removalInputs(c, 5, [1, 2, 3]));
        assert.strictEqual(again.outs.wasMember, false);
        await engineDelete(again);
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3]);
        // RaftMember delete of an already removed node is idempotent.
        await engineDelete(l5);
        // read of a removal shows drift if the node came back
        const rr = await engineRead(r4);
        assert.strictEqual(rr.outs.stillMember, false);
    });

    it("the manual's failed-node case: kill 3, remove 3, add 4", async () => {
        c = await startCluster();
        await c.kill(3); // node 3 fails, whatever its role (leader or not)
        await c.waitForLeader(15_000, [1, 2]);
        // The stack declares 1, 2, 4 as voters: a replacement, not a shrink.
        const rm = await engineCreate(removal, removalInputs(c, 3, [1, 2, 3], { plannedVoters: 3 }));
        assert.strictEqual(rm.outs.wasMember, true);
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2]);
        const add = await engineCreate(member, await memberInputs(c, 4, "voter", [1, 2]));
        assert.deepStrictEqual(
            add.outs.initPeers.map((p: any) => p.bolt_raft_node_id),
            [1, 2, 4],
        );
        await c.startJoiner(4, { copyFrom: await follower(c, [1, 2]) });
        await c.waitForLeader(15_000, [1, 2, 4]);
        assert.deepStrictEqual(await memberIds(c, 4), [1, 2, 4]);
    });

    it("refuses unsafe removals: quorum with voters down, and adding a voter while one is down", async () => {
        c = await startCluster([1, 2, 3, 4, 5]);
        await c.kill(4);
        await c.kill(5);
        await c.waitForLeader(15_000, [1, 2, 3]);
        const all = [1, 2, 3, 4, 5];
        await rejects(
            engineCreate(removal, removalInputs(c, 3, all, { minVoters: 1 })),
            /refusing removing node 3: the 4 voters left would need 3 up for a quorum, but only 2 are up/,
        );
        await rejects(
            engineCreate(member, await memberInputs(c, 6, "voter", all)),
            /refusing adding\/promoting node 6 as a voter: voter\(s\) 4, 5 are down or not caught up/,
        );
        assert.deepStrictEqual(await memberIds(c, 1), all);
        // Removing a down voter keeps quorum: allowed.
        const r = await engineCreate(removal, removalInputs(c, 5, all, { plannedVoters: 3 }));
        assert.strictEqual(r.outs.wasMember, true);
        // RaftMember.delete tells the user the safe way.
        const s3 = await c.allocate(3);
        const three = { ...(await memberInputs(c, 3, "voter", [1, 2, 3])), ip: s3.ip, minVoters: 5 };
        await rejects(engineDelete({ id: "3", inputs: three, outs: three }, member), /removed: true/);
    });

    it("grow by two voters, the first joiner left on an empty disk: the second add is refused and nothing changes", async () => {
        c = await startCluster();
        const s4 = await engineCreate(member, await memberInputs(c, 4, "voter", [1, 2, 3]));
        assert.deepStrictEqual(
            s4.outs.initPeers.map((p: any) => p.bolt_raft_node_id),
            [1, 2, 3, 4],
        );
        await c.startJoiner(4); // no copy of a member's data directory: it never catches up
        await c.waitForStrandedJoiner(4); // StateReplicate, match frozen below commit: only the numbers show it lagging
        const before = await listing(c, 1);
        const e = await rejects(
            engineCreate(member, await memberInputs(c, 5, "voter", [1, 2, 3, 4])),
            /refusing adding\/promoting node 5 as a voter: voter\(s\) 4 is down or not caught up with the leader/,
        );
        assert.match(e.message, /needs a copy of a member's data directory \(TuGraph has no snapshots\)/);
        assert.match(e.message, /`role: learner` first and promote/);
        assert.match(e.message, /run `pulumi up` again once the voters are healthy/);
        assert.deepStrictEqual(await listing(c, 1), before, "nothing changed");
        assert.deepStrictEqual(
            before.map((m) => m.id),
            [1, 2, 3, 4],
        );
        // A learner does not count in the quorum: it may still join.
        await engineCreate(member, await memberInputs(c, 6, "learner", [1, 2, 3]));
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3, 4, 6]);
    });

    it("no leader (a majority down): every change is refused after retrying within totalTimeoutMs, nothing changes", async () => {
        c = await startCluster();
        await c.kill(2);
        await c.kill(3);
        const started = Date.now();
        const e = await rejects(
            engineCreate(member, await memberInputs(c, 4, "learner", [1, 2, 3], { callTimeoutMs: 500, totalTimeoutMs: 4000 })),
            /adding node 4 .*gave up after \d+ attempt\(s\).*no leader among|refusing adding node 4 as a learner: only 1 of 3 voters are up/,
        );
        assert.ok(Date.now() - started < 15_000, e.message);
        await rejects(
            engineCreate(removal, removalInputs(c, 3, [1, 2, 3], { callTimeoutMs: 500, totalTimeoutMs: 2000, allowUnsafeRemoval: true })),
            /removing node 3: gave up|refusing removing node 3/,
        );
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3]);
    });

    it("removing the leader: waits for a new leader, so the next change goes through", async () => {
        c = await startCluster([1, 2, 3, 4]);
        const leader = await c.waitForLeader();
        const r = await engineCreate(removal, removalInputs(c, leader, [1, 2, 3, 4]));
        assert.strictEqual(r.outs.wasLeader, true);
        const rest = [1, 2, 3, 4].filter((i) => i !== leader);
        await c.kill(leader); // its container goes at the end of the update
        const add = await engineCreate(member, await memberInputs(c, 5, "learner", [1, 2, 3, 4]));
        assert.deepStrictEqual(
            add.outs.initPeers.map((p: any) => p.bolt_raft_node_id),
            [...rest, 5],
        );
    });

    it("leader killed between two changes: the second re-discovers the leader and succeeds", async () => {
        c = await startCluster([1, 2, 3, 4, 5]);
        const all = [1, 2, 3, 4, 5];
        await engineCreate(member, await memberInputs(c, 6, "learner", all));
        const leader = await c.waitForLeader();
        await c.kill(leader);
        const i7 = await memberInputs(c, 7, "learner", all);
        const s = await engineCreate(member, i7);
        // The recorded init peers are the pinned input; the live membership differs (6 was added, the leader is down) and is noted.
        assert.deepStrictEqual(s.outs.initPeers, i7.initPeers);
        assert.match(s.outs.roleNote, /the live membership after the add \[.*6@.*7@.*\] differs from the recorded init peers/);
        const alive = all.filter((i) => i !== leader);
        assert.deepStrictEqual(await memberIds(c, alive[0]), [...all, 6, 7]);
    });

    it("an admin call that hangs fails at its deadline naming the node and the call; a re-run converges with no duplicate", async () => {
        c = await startCluster();
        const leader = await c.waitForLeader();
        await c.setFault(leader, "hang_admin_calls", true);
        const inputs = await memberInputs(c, 4, "learner", [1, 2, 3], { callTimeoutMs: 400, totalTimeoutMs: 1500 });
        const started = Date.now();
        const e = await rejects(
            engineCreate(member, inputs),
            new RegExp(`addRaftLearnerNode\\(4\\) at ${c.boltAddress(leader).replace(/\./g, "\\.")} did not answer within 400 ms`),
        );
        assert.ok(Date.now() - started < 10_000, "bounded by totalTimeoutMs (+ one call)");
        assert.ok(!e.message.includes(DEFAULT_PASSWORD));
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3]);
        // The partial failure: fix the fault, run `up` again: exactly one add.
        await c.setFault(leader, "hang_admin_calls", false);
        const s = await engineCreate(member, { ...inputs, callTimeoutMs: 2000, totalTimeoutMs: 15_000 });
        assert.deepStrictEqual(
            s.outs.initPeers.map((p: any) => p.bolt_raft_node_id),
            [1, 2, 3, 4],
        );
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3, 4]);
    });

    it("partial failure: the add applied but the state was lost; the re-run finds it and makes no call; a chain resumes where it stopped", async () => {
        c = await startCluster();
        const i4 = await memberInputs(c, 4, "learner", [1, 2, 3]);
        const i5 = await memberInputs(c, 5, "learner", [1, 2, 3]);
        // First run: 4's add went through, then the provider process died before the engine saved the state.
        await ensureMember(
            { seeds: i4.seeds, user: i4.adminUser, password: i4.adminPassword, callTimeoutMs: 2000, totalTimeoutMs: 10_000 },
            { nodeId: 4, ip: i4.ip, boltPort: i4.boltPort, raftPort: i4.raftPort, role: "learner" },
        );
        // Re-run: 4 is found (no call), 5 is added; nothing twice, nothing missing.
        const s4 = await engineCreate(member, i4);
        assert.match(s4.outs.roleNote, /no call made/);
        const s5 = await engineCreate(member, i5);
        assert.deepStrictEqual(s5.outs.initPeers, i5.initPeers, "the recorded init peers are the pinned input");
        assert.match(s5.outs.roleNote, /differs from the recorded init peers/, "4 is a member the prediction did not know");
        const rows = await listing(c, 1);
        assert.deepStrictEqual(
            rows.map((r) => r.id),
            [1, 2, 3, 4, 5],
        );
        // The same id at another address is a clear error, not a silent no-op.
        await rejects(
            engineCreate(member, { ...i5, boltPort: i5.boltPort + 1000 }),
            /node 5 is already a member at 127\.0\.0\.1:\d+\/\d+, not 127\.0\.0\.1:\d+\/\d+.*keeps the old address/,
        );
    });

    it("wrong password fails at once, naming user and node, never the password", async () => {
        c = await startCluster();
        const started = Date.now();
        const secret = "not-the-Pa55word!";
        const e = await rejects(
            engineCreate(member, await memberInputs(c, 4, "voter", [1], { adminPassword: secret })),
            /authentication failed for user 'admin' at 127\.0\.0\.1:\d+/,
        );
        assert.ok(Date.now() - started < 5000, "no retries on bad credentials");
        assert.ok(!e.message.includes(secret));
        assert.ok(!String(e.stack).includes(secret));
        await rejects(engineCreate(removal, removalInputs(c, 3, [1], { adminPassword: secret })), /authentication failed for user 'admin'/);
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3]);
    });

    it("password rotation: the new password is an update with no cluster call; refresh and delete then use it", async () => {
        c = await startCluster([1, 2, 3, 4]);
        const m5 = await memberInputs(c, 5, "learner", [1, 2, 3, 4]);
        const s5 = await engineCreate(member, m5);
        const rm = await engineCreate(removal, removalInputs(c, 4, [1, 2, 3, 4], { minVoters: 1 }));
        await c.kill(4); // its container goes at the end of the update
        const before = await listing(c, 1);
        // The admin password is rotated on the cluster (replicated to every node).
        const rotated = "r0tated@TuGraph";
        const leader = await c.waitForLeader();
        await runOn(c.boltAddress(leader), "CALL dbms.security.changePassword($old, $new)", { old: DEFAULT_PASSWORD, new: rotated });
        await eventuallyAccepts(c, [1, 2, 3], rotated);
        const up = await engineUp(member, s5, { ...m5, adminPassword: rotated });
        assert.strictEqual(up.op, "update");
        assert.strictEqual(up.stored.outs.adminPassword, rotated);
        assert.deepStrictEqual(up.stored.outs.initPeers, s5.outs.initPeers);
        assert.deepStrictEqual([up.stored.outs.role, up.stored.outs.listedRole, up.stored.outs.roleNote], [s5.outs.role, s5.outs.listedRole, s5.outs.roleNote]);
        const upR = await engineUp(removal, rm, { ...rm.inputs, adminPassword: rotated });
        assert.strictEqual(upR.op, "update");
        assert.deepStrictEqual([upR.stored.outs.adminPassword, upR.stored.outs.wasMember], [rotated, true]);
        assert.deepStrictEqual((await listing(c, 1).catch(() => [])).length, 0, "the old password no longer works");
        // refresh and delete with the updated state
        const r = await engineRead(up.stored);
        assert.strictEqual(r.id, "5");
        const rr = await engineRead(upR.stored);
        assert.strictEqual(rr.outs.stillMember, false);
        assert.deepStrictEqual(
            before.map((m) => m.id),
            [1, 2, 3, 5],
        );
        await engineDelete(up.stored);
        assert.strictEqual((await engineRead(up.stored)).outs.driftKind, "removed", "deleted with the new password");
        await rejects(engineRead(s5) as Promise<unknown>, /authentication failed/);
    });

    it("refresh: drift is recorded, never repaired: removed or moved outside the stack, the next up refuses with the fix and calls nothing", async () => {
        c = await startCluster();
        const s = await engineCreate(member, await memberInputs(c, 4, "learner", [1, 2, 3]));
        await engineCreate(removal, removalInputs(c, 4, [1, 2, 3]));
        const r = await engineRead(s);
        assert.strictEqual(r.id, "4", "kept: dropping it would make the next up add the removed id again");
        assert.strictEqual(r.outs.driftKind, "removed");
        assert.match(r.outs.drift, /leader \d no longer lists node 4/);
        await rejects(
            engineUp(member, r, r.inputs),
            /node 4 changed outside the stack: .*raft must never see a removed id again.*set `removed: true` on node 4/,
        );
        assert.deepStrictEqual(await memberIds(c, 1), [1, 2, 3], "nothing was added back");
        // Re-added outside the stack at another address: reported, and up refuses rather than remove a live member.
        const s6 = await c.allocate(6);
        await ensureMember(
            { seeds: s.outs.seeds, user: s.outs.adminUser, password: s.outs.adminPassword, callTimeoutMs: 2000, totalTimeoutMs: 10_000 },
            { nodeId: 4, ip: s6.ip, boltPort: s6.boltPort, raftPort: s6.raftPort, role: "learner" },
        );
        const moved = await engineRead(s);
        assert.deepStrictEqual([moved.id, moved.outs.driftKind, moved.outs.boltPort], ["4", "address", s.outs.boltPort], "the stack's address is kept");
        assert.match(
            moved.outs.drift,
            new RegExp(`lists node 4 at 127\\.0\\.0\\.1:${s6.boltPort}/${s6.raftPort}, but the stack says 127\\.0\\.0\\.1:${s.outs.boltPort}`),
        );
        const before = await listing(c, 1);
        await rejects(engineUp(member, moved, moved.inputs), /never removes a live member implicitly.*set `removed: true` on node 4/);
        assert.deepStrictEqual(await listing(c, 1), before, "no remove, no add");
        // A later refresh that finds it as the stack says clears the drift.
        const rm3 = await engineCreate(removal, removalInputs(c, 3, [1, 2, 3], { minVoters: 1 }));
        // The whole cluster stopped (an outage): refresh returns the old state, with a note.
        for (const id of c.ids()) await c.kill(id);
        const old = { ...moved.outs, ...common(c, [1, 2, 3], { callTimeoutMs: 300 }) };
        const r2 = await engineRead({ id: s.id, inputs: s.inputs, outs: old });
        assert.strictEqual(r2.id, s.id);
        assert.deepStrictEqual({ ...r2.outs, refreshNote: undefined }, { ...old, refreshNote: undefined }, "the state is kept as it was");
        assert.match(r2.outs.refreshNote, /not refreshed at .*: no member answered \(.*ECONNREFUSED.*\); state kept as it was/);
        const rr = await engineRead({ ...rm3, outs: { ...rm3.outs, callTimeoutMs: 300 } });
        assert.strictEqual(rr.id, rm3.id);
        assert.deepStrictEqual([rr.outs.stillMember, rr.outs.wasMember], [false, true]);
        assert.match(rr.outs.refreshNote, /no member answered.*state kept as it was/);
    });

    it("refresh trusts no lone or stale node: with only an old member up, every resource keeps its state", async () => {
        c = await startCluster();
        const m4 = await engineCreate(member, await memberInputs(c, 4, "voter", [1, 2, 3]));
        await c.startJoiner(4, { copyFrom: await follower(c, [1, 2, 3]) });
        await c.waitForLeader(15_000, [1, 2, 3, 4]);
        // Node 4 caught up by the leader's numbers (under load it may still be a few entries behind).
        await waitCaughtUp(
            { seeds: [c.boltAddress(1)], user: DEFAULT_USER, password: DEFAULT_PASSWORD, callTimeoutMs: 2000, totalTimeoutMs: 20_000 },
            4,
            "test",
            { deadlineAt: Date.now() + 20_000 },
        );
        // Node 3 goes down, then is removed; later it comes back alone, with its old view (1, 2, 3, 4).
        await c.kill(3);
        const rm3 = await engineCreate(removal, removalInputs(c, 3, [1, 2, 3, 4], { minVoters: 3, plannedVoters: 3 }));
        assert.strictEqual(rm3.outs.wasMember, true);
        for (const id of [1, 2, 4]) await c.kill(id);
        await c.restart(3);
        // (Under load the lone node may also miss its call deadline: either way the state is kept, with the reason.)
        const r4 = await engineRead({ ...m4, outs: { ...m4.outs, callTimeoutMs: 3000 } });
        assert.strictEqual(r4.id, "4");
        assert.strictEqual(r4.outs.drift, undefined);
        assert.match(
            r4.outs.refreshNote,
            /no confirmed leader among the members that answered .*: a listing without a leader may be stale; state kept|no member answered/,
        );
        const r3 = await engineRead({ ...rm3, outs: { ...rm3.outs, callTimeoutMs: 3000 } });
        assert.strictEqual(r3.outs.stillMember, false, "the stale node's own listing does not make it a member again");
        assert.match(r3.outs.refreshNote, /no confirmed leader|no member answered/);
    });
});
