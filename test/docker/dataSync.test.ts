// The joiner's offline data copy (components/adapters/dataSync.ts) on real Docker:
// the donor (simulator lgraph_server) runs on the default engine, the joiner's data
// directory is written by helpers on a second engine standing for another host.
// In CI (CI=true) a missing engine or image fails; elsewhere the suite skips.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { SyncOptions, SyncProgress, recoverInterruptedSync, syncDataDir } from "../../components/adapters/dataSync";
import { DEFAULT_DOCKER_HOST, SIMULATOR_IMAGE, docker, dockerOk, requireDocker } from "./engine";
import { SYNC_PREFIX, isRunning, freePort, removeContainers, runDonor, secondEngine, treeDigest, writeFiles, writeSmallDataDir } from "./sync-fixtures";

const primary = process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST;

const siblings = (dir: string) =>
    fs
        .readdirSync(path.dirname(dir))
        .filter((n) => n.startsWith(path.basename(dir)))
        .sort();
const startedAt = async (host: string, name: string) => (await dockerOk(["inspect", "-f", "{{.State.StartedAt}}", name], { host })).trim();

describe("dataSync: a joiner's offline data copy between two engines", function () {
    this.timeout(180_000);
    let second = "";
    let tmp = "";
    const names: string[] = [];
    const prefix = `${SYNC_PREFIX}t${process.pid}-`;
    let n = 0;

    before(async function () {
        this.timeout(300_000);
        await requireDocker(this);
        second = secondEngine(primary);
        tmp = fs.mkdtempSync(`/tmp/${SYNC_PREFIX}test-`);
    });
    after(async function () {
        if (!tmp) return;
        await removeContainers([primary, second], names);
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    /** A donor container with data, and a joiner dir with old content. */
    async function setup(fill: (dir: string) => void = writeSmallDataDir) {
        const i = ++n;
        const donorDir = path.join(tmp, `donor${i}`, "data");
        fill(donorDir);
        const donorName = `${prefix}donor${i}`;
        names.push(donorName);
        await runDonor(primary, donorName, donorDir, path.join(tmp, `donor${i}`, "log"));
        const joinerDir = path.join(tmp, `joiner${i}`, "data");
        fs.mkdirSync(joinerDir, { recursive: true });
        fs.writeFileSync(path.join(joinerDir, "old-content"), "from an earlier life");
        const events: SyncProgress[] = [];
        const opts: SyncOptions = {
            donor: { dockerHost: primary, container: donorName, dataDir: donorDir },
            joiner: { dockerHost: second, dataDir: joinerDir },
            image: SIMULATOR_IMAGE,
            stopTimeoutSeconds: 20,
            helperPrefix: `${prefix}${i}-`,
            progress: (p) => events.push(p),
        };
        return { donorDir, donorName, joinerDir, opts, events, helperPrefix: `${prefix}${i}-` };
    }

    /** A helper container as an earlier sync leaves one (its label, a bind): exited (`cmd` true) or still running. */
    async function leftoverHelper(host: string, name: string, bind: string, cmd: string[]): Promise<void> {
        names.push(name);
        const detach = cmd[0] === "true" ? [] : ["-d"];
        await dockerOk(["run", ...detach, "--name", name, "--network", "none", "--label", "tugraph-ha.helper=datasync", "-v", bind, SIMULATOR_IMAGE, ...cmd], {
            host,
        });
    }

    for (const transport of ["relay", "direct"] as const) {
        it(`${transport}: copies the stopped donor's whole dir, restarts it, moves the old content aside`, async () => {
            const s = await setup();
            let caughtUpCalls = 0;
            let donorRunningAtCatchUp = false;
            const before = treeDigest(s.donorDir);
            const r = await syncDataDir({
                ...s.opts,
                direct: transport === "direct" ? { joinerIp: "127.0.0.1", port: await freePort() } : undefined,
                waitDonorCaughtUp: async () => {
                    caughtUpCalls++;
                    donorRunningAtCatchUp = await isRunning(primary, s.donorName);
                },
            });
            assert.deepStrictEqual(treeDigest(s.joinerDir), before, "joiner's data dir is identical to the donor's");
            assert.ok(await isRunning(primary, s.donorName), "donor runs again");
            assert.strictEqual(caughtUpCalls, 1);
            assert.strictEqual(r.transport, transport, r.transportReason);
            assert.ok(donorRunningAtCatchUp, "waitDonorCaughtUp is called after the donor was started");
            assert.ok(r.movedAside && fs.readFileSync(path.join(r.movedAside, "old-content"), "utf8") === "from an earlier life");
            assert.deepStrictEqual(siblings(s.joinerDir), ["data", path.basename(r.movedAside!)], "no staging dir left");
            assert.match(path.basename(r.movedAside!), /^data\.before-sync-\d{8}T\d{6}Z$/);
            assert.strictEqual(r.files, [...before.values()].filter((v) => v !== "dir" && !v.startsWith("->")).length);
            const phases = [...new Set(s.events.map((e) => e.phase))];
            for (const p of ["preflight", "stopping-donor", "copying", "restarting-donor", "donor-catch-up", "verifying", "swapping", "done"]) {
                assert.ok(phases.includes(p as SyncProgress["phase"]), `phase ${p} reported (got ${phases})`);
            }
        });
    }

    it("a copy that fails midway (extracting helper killed) leaves no partial data dir and the donor running", async () => {
        const s = await setup((dir) => {
            writeFiles(path.join(dir, "big"), "data.mdb.", 4, 96 * 1024 * 1024);
            writeSmallDataDir(dir);
        });
        let killed: Promise<unknown> | undefined;
        const err = await syncDataDir({
            ...s.opts,
            progress: (p) => {
                if (p.phase === "copying" && p.bytes > 0 && !killed) {
                    killed = docker(["ps", "-q", "--filter", `name=${s.helperPrefix}write`], { host: second }).then(async (r) => {
                        const ids = r.stdout.split("\n").filter(Boolean);
                        assert.strictEqual(ids.length, 1, "one extracting helper runs");
                        await docker(["kill", ...ids], { host: second });
                    });
                }
            },
        }).then(
            () => undefined,
            (e: Error) => e,
        );
        await killed;
        assert.ok(err, "the sync failed");
        assert.match(err.message, /failed, nothing was changed in .* the donor runs again/);
        assert.ok(await isRunning(primary, s.donorName), "donor runs again");
        assert.deepStrictEqual(siblings(s.joinerDir), ["data"], "no staging or moved-aside dir");
        assert.deepStrictEqual(fs.readdirSync(s.joinerDir), ["old-content"], "joiner's data dir unchanged");
    });

    it("an interrupted sync (deploying process killed mid-copy) left its donor stopped: recovery starts it and removes the leftover reader", async () => {
        const s = await setup();
        assert.strictEqual(await recoverInterruptedSync(s.opts.donor), undefined, "nothing to recover without a leftover helper");
        // What a killed sync leaves: the donor stopped by `docker stop`, its exited reader (label, read-only bind at /src).
        await dockerOk(["stop", "-t", "1", s.donorName], { host: primary });
        assert.strictEqual(await recoverInterruptedSync(s.opts.donor), undefined, "a member stopped by someone else is left alone");
        const reader = `${s.helperPrefix}read-leftover`;
        await leftoverHelper(primary, reader, `${s.donorDir}:/src:ro`, ["true"]);
        const note = await recoverInterruptedSync(s.opts.donor);
        assert.match(
            note ?? "",
            /an earlier sync that read .* was interrupted .*; started container .* again, which it had stopped; removed 1 leftover helper/,
        );
        assert.ok(await isRunning(primary, s.donorName), "donor runs again");
        assert.notStrictEqual((await docker(["inspect", reader], { host: primary })).code, 0, "the leftover reader is removed");
        assert.ok(fs.existsSync(path.join(s.donorDir, "raftlog")), "data untouched");
    });

    it("a reader still running from an earlier sync (its host was cut off mid-copy) is killed, and the donor it stopped started again", async () => {
        const s = await setup();
        await dockerOk(["stop", "-t", "1", s.donorName], { host: primary });
        const reader = `${s.helperPrefix}read-stuck`;
        await leftoverHelper(primary, reader, `${s.donorDir}:/src:ro`, ["sleep", "600"]);
        const note = await recoverInterruptedSync(s.opts.donor);
        assert.match(note ?? "", /was interrupted .*; started container .* again, which it had stopped; removed 1 leftover helper/);
        assert.notStrictEqual((await docker(["inspect", reader], { host: primary })).code, 0, "the stuck reader is gone");
        assert.ok(await isRunning(primary, s.donorName), "donor runs again");
    });

    it("a sync removes what an earlier one of the same joiner could not (its host was cut off): the receiver left listening and the partial copy", async () => {
        const s = await setup();
        const parent = path.dirname(s.joinerDir);
        const partial = path.join(parent, "data.tugraph-ha-staging-20261201T000000Z-abcdef");
        fs.mkdirSync(path.join(partial, "raftlog"), { recursive: true });
        fs.writeFileSync(path.join(partial, "raftlog", "half.log"), "x");
        const writer = `${s.helperPrefix}write-stale`;
        await leftoverHelper(second, writer, `${parent}:/p`, ["sleep", "600"]);
        await syncDataDir(s.opts);
        assert.notStrictEqual((await docker(["inspect", writer], { host: second })).code, 0, "the stale receiver is removed");
        assert.ok(!fs.existsSync(partial), "the partial copy is removed");
        assert.ok(fs.existsSync(path.join(s.joinerDir, "raftlog")), "the new copy is in place");
        const said = s.events.map((e) => e.message).join("\n");
        assert.match(said, /removed 1 helper\(s\) an earlier sync of .* left on/);
        assert.match(said, /removed .*data\.tugraph-ha-staging-20261201T000000Z-abcdef, the partial copy of an earlier sync/);
    });

    it("refuses before stopping the donor when the joiner's filesystem lacks space", async () => {
        const s = await setup();
        const t0 = await startedAt(primary, s.donorName);
        await assert.rejects(syncDataDir({ ...s.opts, reserveBytes: 1e15 }), (e: Error) =>
            /not enough space on .* for .*: the donor's data is .* The donor was not stopped/.test(e.message),
        );
        assert.strictEqual(await startedAt(primary, s.donorName), t0, "donor never stopped");
        assert.ok(!s.events.some((e) => e.phase === "stopping-donor"));
        assert.deepStrictEqual(siblings(s.joinerDir), ["data"]);
    });

    it("refuses when the joiner's container (or any container using its data dir) is running", async () => {
        const s = await setup();
        const t0 = await startedAt(primary, s.donorName);
        const joinerName = `${prefix}joiner${n}`;
        names.push(joinerName);
        await dockerOk(["run", "-d", "--name", joinerName, "--network", "none", "-v", `${s.joinerDir}:/var/lib/lgraph/data`, SIMULATOR_IMAGE, "sleep", "600"], {
            host: second,
        });
        await assert.rejects(syncDataDir({ ...s.opts, joiner: { ...s.opts.joiner, container: joinerName } }), (e: Error) =>
            new RegExp(`joiner container ${joinerName} on ${second.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is running: refusing`).test(e.message),
        );
        await assert.rejects(syncDataDir(s.opts), (e: Error) => new RegExp(`container ${joinerName} on .* is running with ${s.joinerDir}`).test(e.message));
        assert.strictEqual(await startedAt(primary, s.donorName), t0, "donor never stopped");
        assert.deepStrictEqual(fs.readdirSync(s.joinerDir), ["old-content"]);
    });

    it("refuses a donor data dir the donor container does not mount, naming the container", async () => {
        const s = await setup();
        await assert.rejects(syncDataDir({ ...s.opts, donor: { ...s.opts.donor, dataDir: path.join(tmp, "elsewhere") } }), (e: Error) =>
            new RegExp(`donor container ${s.donorName} on .* mounts ${s.donorDir} at /var/lib/lgraph/data`).test(e.message),
        );
    });
});
