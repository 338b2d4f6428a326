// Docker engine helpers for tests. In CI (CI=true) a missing engine or image is a
// FAILURE; elsewhere Docker-backed tests skip with a visible reason.

import { execFile } from "child_process";
import * as path from "path";

export const SIMULATOR_IMAGE = process.env.TUGRAPH_SIMULATOR_IMAGE ?? "tugraph-simulator:test";
/** The same image under a pinned tag (build-simulator-image.sh), for a test stack's `image`. */
export const SIMULATOR_STACK_IMAGE = process.env.TUGRAPH_SIMULATOR_STACK_IMAGE ?? "tugraph-simulator:4.5.2";
export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";
export const START_ENGINE_SCRIPT = path.join(__dirname, "start-engine.sh");
export const BUILD_IMAGE_SCRIPT = path.join(__dirname, "build-simulator-image.sh");

export interface DockerResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs the docker CLI against one engine. Never throws; look at code. */
export function docker(args: string[], opts: { host?: string; timeoutMs?: number } = {}): Promise<DockerResult> {
    return new Promise((resolve) => {
        execFile(
            "docker",
            args,
            {
                env: { ...process.env, DOCKER_HOST: opts.host ?? process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST },
                timeout: opts.timeoutMs ?? 60_000,
                maxBuffer: 16 * 1024 * 1024,
            },
            (err, stdout, stderr) => {
                const code = err ? (typeof (err as any).code === "number" ? (err as any).code : 1) : 0;
                resolve({ code, stdout: String(stdout), stderr: String(stderr) + (err && code === 1 && !stderr ? String(err.message) : "") });
            },
        );
    });
}

/** Docker CLI that throws on a non-zero exit. */
export async function dockerOk(args: string[], opts: { host?: string; timeoutMs?: number } = {}): Promise<string> {
    const r = await docker(args, opts);
    if (r.code !== 0) throw new Error(`docker ${args.join(" ")} failed (${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
}

/** Why Docker-backed tests cannot run, or undefined when an engine answers and has the image. */
export async function dockerUnavailableReason(host = process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST): Promise<string | undefined> {
    const v = await docker(["version", "--format", "{{.Server.Version}}"], { host, timeoutMs: 10_000 });
    if (v.code !== 0) {
        return (
            `no Docker engine answers at ${host} (${v.stderr.trim().split("\n").pop() || "docker CLI failed"}); ` + `start one with test/docker/start-engine.sh`
        );
    }
    const img = await docker(["image", "inspect", SIMULATOR_IMAGE, "--format", "{{.Id}}"], { host, timeoutMs: 10_000 });
    if (img.code !== 0) return `image ${SIMULATOR_IMAGE} is missing at ${host}; build it with test/docker/build-simulator-image.sh`;
    return undefined;
}

export async function dockerAvailable(host?: string): Promise<boolean> {
    return (await dockerUnavailableReason(host)) === undefined;
}

/**
 * Call from a mocha `before` hook (function, not arrow):
 *   before(async function () { await requireDocker(this); });
 * CI=true: throws (the suite fails). Otherwise: prints the reason and skips.
 */
export async function requireDocker(ctx: Mocha.Context, host?: string): Promise<void> {
    const reason = await dockerUnavailableReason(host);
    if (!reason) return;
    if (process.env.CI === "true") {
        throw new Error(`Docker is required in CI (CI=true): ${reason}`);
    }

    console.log(`      [skipped] Docker-backed tests: ${reason}`);
    ctx.skip();
}
