// Benchmark (not a test): syncDataDir of a 1 GiB data directory (7 x 128 MiB +
// 2000 x 64 KiB files) from a donor container on the default engine to a joiner on a
// second engine, against a plain `tar -C src -cf - . | tar -C dst -xf -` of the same
// directory on the same machine. Both transports: relay (through the engine APIs and
// this process) and direct (helpers stream over the host network). Prints the
// seconds and the ratios of one run.
//   npx ts-node --transpile-only test/docker/bench-sync.ts
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { syncDataDir } from "../../components/adapters/dataSync";
import { DEFAULT_DOCKER_HOST, SIMULATOR_IMAGE } from "./engine";
import { SYNC_PREFIX, freePort, removeContainers, runDonor, secondEngine, writeFiles } from "./sync-fixtures";

const MiB = 1024 * 1024;

async function main(): Promise<void> {
    const primary = process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST;
    const second = secondEngine(primary);
    const tmp = fs.mkdtempSync(`/tmp/${SYNC_PREFIX}bench-`);
    const donorName = `${SYNC_PREFIX}bench-donor-${process.pid}`;
    try {
        const src = path.join(tmp, "donor-data");
        console.log(`bench-sync: writing 1 GiB (7 x 128 MiB + 2000 x 64 KiB) to ${src}`);
        writeFiles(path.join(src, "big"), "data.mdb.", 7, 128 * MiB);
        writeFiles(path.join(src, "raftlog"), "0000", 2000, 64 * 1024);
        execFileSync("sync");

        const tarDst = path.join(tmp, "tar-copy");
        fs.mkdirSync(tarDst);
        let t = process.hrtime.bigint();
        execFileSync("bash", ["-c", `tar -C "$1" -cf - . | tar -C "$2" -xf - && sync`, "tar", src, tarDst]);
        const tarSeconds = Number(process.hrtime.bigint() - t) / 1e9;
        console.log(`bench-sync: plain tar | tar (+ sync): ${tarSeconds.toFixed(2)} s`);
        fs.rmSync(tarDst, { recursive: true, force: true });
        execFileSync("sync");

        await runDonor(primary, donorName, src, path.join(tmp, "donor-log"));
        const ratios: string[] = [];
        for (const transport of ["relay", "direct"] as const) {
            const joinerDir = path.join(tmp, `joiner-${transport}`);
            const port = await freePort();
            t = process.hrtime.bigint();
            const r = await syncDataDir({
                donor: { dockerHost: primary, container: donorName, dataDir: src },
                joiner: { dockerHost: second, dataDir: joinerDir },
                image: SIMULATOR_IMAGE,
                stopTimeoutSeconds: 30,
                label: `bench joiner (${transport})`,
                direct: transport === "direct" ? { joinerIp: "127.0.0.1", port } : undefined,
            });
            execFileSync("sync");
            const syncSeconds = Number(process.hrtime.bigint() - t) / 1e9;
            console.log(
                `bench-sync: syncDataDir ${transport}: ${(r.bytes / MiB).toFixed(0)} MiB, ${r.files} files: ` +
                    `whole sync ${syncSeconds.toFixed(2)} s (stream ${r.copySeconds.toFixed(2)} s, donor stopped ${r.donorStoppedSeconds.toFixed(2)} s)`,
            );
            ratios.push(`${transport}: stream/tar ${(r.copySeconds / tarSeconds).toFixed(2)}x, whole sync/tar ${(syncSeconds / tarSeconds).toFixed(2)}x`);
            fs.rmSync(joinerDir, { recursive: true, force: true });
            execFileSync("sync");
        }
        console.log(`bench-sync: tar ${tarSeconds.toFixed(2)} s; ${ratios.join("; ")} (target 1.15x)`);
    } finally {
        await removeContainers([primary, second], [donorName]);
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
