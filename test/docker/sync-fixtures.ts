// Fixtures for the data-sync test and benchmark: a second engine standing for another
// host, data directories with known content, and a donor container of the simulator
// image running lgraph_server on its own network namespace (--network none: no port
// clashes with other Docker users of this machine).

import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { CONTAINER_PATHS } from "../../components/core/types";
import { BUILD_IMAGE_SCRIPT, DEFAULT_DOCKER_HOST, SIMULATOR_IMAGE, START_ENGINE_SCRIPT, docker, dockerOk } from "./engine";

export const SYNC_PREFIX = "tugraph-ha-sync-";
export const SECOND_ENGINE = "tugraph-ha-sync";

/** Starts (or reuses) the second engine and makes sure both have the simulator image. Returns its address. */
export function secondEngine(primary = process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST): string {
    const host = execFileSync(START_ENGINE_SCRIPT, [SECOND_ENGINE], { encoding: "utf8" }).trim().split("\n").pop()!;
    execFileSync(BUILD_IMAGE_SCRIPT, [primary, host], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    return host;
}

/** Writes `count` files of `size` random bytes named `${prefix}${i}` under dir. */
export function writeFiles(dir: string, prefix: string, count: number, size: number): void {
    fs.mkdirSync(dir, { recursive: true });
    const chunk = crypto.randomBytes(Math.min(size, 8 * 1024 * 1024));
    for (let i = 0; i < count; i++) {
        const fd = fs.openSync(path.join(dir, `${prefix}${i}`), "w");
        try {
            // vary the first bytes so that files differ
            const head = crypto.randomBytes(Math.min(64, size));
            fs.writeSync(fd, head, 0, head.length, 0);
            for (let off = head.length; off < size; off += chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, size - off), off);
        } finally {
            fs.closeSync(fd);
        }
    }
}

/** A small TuGraph-like data directory: graph files beside a raftlog directory. */
export function writeSmallDataDir(dir: string): void {
    writeFiles(path.join(dir, "raftlog"), "00000", 5, 300_000);
    writeFiles(dir, "data.mdb.", 2, 1_234_567);
    writeFiles(path.join(dir, "default", "sub"), "f", 50, 4096);
    fs.writeFileSync(path.join(dir, "empty-file"), "");
    fs.mkdirSync(path.join(dir, "empty-dir"), { recursive: true });
    fs.symlinkSync("data.mdb.0", path.join(dir, "link-to-data"));
}

/** Every file's relative path -> sha256, plus directories and symlinks (for "identical" checks). */
export function treeDigest(dir: string): Map<string, string> {
    const out = new Map<string, string>();
    const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
            const r = path.join(rel, e.name);
            const full = path.join(dir, r);
            if (e.isDirectory()) {
                out.set(r + "/", "dir");
                walk(r);
            } else if (e.isSymbolicLink()) out.set(r, `-> ${fs.readlinkSync(full)}`);
            else out.set(r, crypto.createHash("sha256").update(fs.readFileSync(full)).digest("hex"));
        }
    };
    walk("");
    return out;
}

export interface DonorContainer {
    name: string;
    host: string;
    dataDir: string;
}

/** Runs lgraph_server of the simulator image with dataDir mounted where TuGraph keeps its data. */
export async function runDonor(host: string, name: string, dataDir: string, logDir: string, image = SIMULATOR_IMAGE): Promise<DonorContainer> {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.mkdirSync(logDir, { recursive: true });
    await dockerOk(
        [
            "run",
            "-d",
            "--name",
            name,
            "--network",
            "none",
            "--label",
            "tugraph-ha-test=datasync",
            "-v",
            `${dataDir}:${CONTAINER_PATHS.data}`,
            "-v",
            `${logDir}:${CONTAINER_PATHS.log}`,
            image,
            "lgraph_server",
            "-c",
            CONTAINER_PATHS.config,
            "-d",
            "run",
        ],
        { host },
    );
    return { name, host, dataDir };
}

export async function isRunning(host: string, name: string): Promise<boolean> {
    const r = await docker(["inspect", "-f", "{{.State.Running}}", name], { host });
    return r.stdout.trim() === "true";
}

/** Removes test containers and any helper containers left with our prefix on the given engines. */
export async function removeContainers(hosts: string[], names: string[]): Promise<void> {
    for (const host of hosts) {
        const left = await docker(["ps", "-aq", "--filter", `name=${SYNC_PREFIX}`], { host });
        const ids = [...names, ...left.stdout.split("\n").filter(Boolean)];
        if (ids.length) await docker(["rm", "-f", "-v", ...ids], { host });
    }
}

/** A TCP port free on this machine right now (for the direct transport's listener). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}
