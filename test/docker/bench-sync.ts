// Benchmark (not a test): syncDataDir between two namespace test hosts (own addresses and Docker
// engines, test/hosts) of a data directory of BENCH_SYNC_GIB GiB (default 4: 128 MiB files plus
// 64 KiB files for an eighth of it, like a raftlog), against a plain
// `tar -C src -cf - . | tar -C dst -xf -` of the same directory on this machine. Both transports:
// direct (the product's default: helper to helper, host to host) and relay (through the engine
// APIs and this process). Prints the seconds of each phase, then ONE line of key=value figures
// from this run. Needs root (the hosts, removed at the end):
//   npm run bench:sync            (BENCH_SYNC_GIB=1 npm run bench:sync for a quick look)
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { syncDataDir, type SyncPhase, type SyncProgress } from "../../components/adapters/dataSync";
import { SIMULATOR_IMAGE } from "./engine";
import { SYNC_PREFIX, removeContainers, runDonor, writeFiles } from "./sync-fixtures";
import { hostsDown, namespaceHosts } from "../hosts/namespaceHosts";

const MiB = 1024 * 1024;
const sec = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;

async function main(): Promise<void> {
    const gib = Number(process.env.BENCH_SYNC_GIB ?? "4");
    const { hosts } = await namespaceHosts(2);
    const [donorHost, joinerHost] = hosts;
    const tmp = fs.mkdtempSync(`/tmp/${SYNC_PREFIX}bench-`);
    const donorName = `${SYNC_PREFIX}bench-donor-${process.pid}`;
    const figures: Record<string, string> = {};
    try {
        const src = path.join(tmp, "donor-data");
        const big = Math.max(1, Math.round((gib * 1024 * 7) / 8 / 128));
        const small = Math.max(100, Math.round((gib * 1024 * MiB) / 8 / (64 * 1024)));
        console.log(`bench-sync: writing ${gib} GiB (${big} x 128 MiB + ${small} x 64 KiB) to ${src}`);
        writeFiles(path.join(src, "big"), "data.mdb.", big, 128 * MiB);
        writeFiles(path.join(src, "raftlog"), "0000", small, 64 * 1024);
        execFileSync("sync");

        const tarDst = path.join(tmp, "tar-copy");
        fs.mkdirSync(tarDst);
        let t = process.hrtime.bigint();
        execFileSync("bash", ["-c", `tar -C "$1" -cf - . | tar -C "$2" -xf - && sync`, "tar", src, tarDst]);
        const tarSeconds = sec(t);
        console.log(`bench-sync: plain tar | tar (+ sync): ${tarSeconds.toFixed(2)} s`);
        fs.rmSync(tarDst, { recursive: true, force: true });
        execFileSync("sync");

        await runDonor(donorHost.unix, donorName, src, path.join(tmp, "donor-log"));
        for (const transport of ["direct", "relay"] as const) {
            const joinerDir = path.join(tmp, `joiner-${transport}`);
            const phases: { phase: SyncPhase; at: number }[] = [];
            const t0 = Date.now();
            t = process.hrtime.bigint();
            const r = await syncDataDir({
                donor: { dockerHost: donorHost.unix, container: donorName, dataDir: src },
                joiner: { dockerHost: joinerHost.unix, dataDir: joinerDir },
                image: SIMULATOR_IMAGE,
                stopTimeoutSeconds: 30,
                label: `bench joiner (${transport})`,
                direct: { joinerIp: joinerHost.ip, port: 7070 },
                transport,
                progress: (p: SyncProgress) => {
                    if (phases[phases.length - 1]?.phase !== p.phase) phases.push({ phase: p.phase, at: Date.now() });
                },
            });
            execFileSync("sync");
            const syncSeconds = sec(t);
            const spans = phases.map((p, i) => `${p.phase} ${(((phases[i + 1]?.at ?? Date.now()) - p.at) / 1000).toFixed(2)} s`);
            console.log(
                `bench-sync: ${transport} (${r.transportReason}): ${(r.bytes / MiB).toFixed(0)} MiB, ${r.files} files: whole sync ${syncSeconds.toFixed(2)} s, ` +
                    `stream ${r.copySeconds.toFixed(2)} s, donor offline ${r.donorStoppedSeconds.toFixed(2)} s; phases: ${spans.join(", ")} (from ${t0})`,
            );
            const key = transport === "direct" ? "" : "relay_";
            figures[`${key}copy_ratio`] = (r.copySeconds / tarSeconds).toFixed(2);
            figures[`${key}sync_ratio`] = (syncSeconds / tarSeconds).toFixed(2);
            figures[`${key}donor_offline_extra_s`] = (r.donorStoppedSeconds - r.copySeconds).toFixed(2);
            fs.rmSync(joinerDir, { recursive: true, force: true });
            execFileSync("sync");
        }
        figures.tar_s = tarSeconds.toFixed(2);
        figures.gib = String(gib);
        console.log(
            Object.entries(figures)
                .map(([k, v]) => `${k}=${v}`)
                .join(" "),
        );
    } finally {
        await removeContainers([donorHost.unix, joinerHost.unix], [donorName]);
        fs.rmSync(tmp, { recursive: true, force: true });
        await hostsDown();
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
