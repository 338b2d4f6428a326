// The offline data copy a joining TuGraph node needs.
//
// TuGraph's Bolt raft has no snapshots: a node that joins later must start from a
// copy of a healthy member's WHOLE data directory, raftlog included (see
// docs/tugraph-facts.md, "The offline copy a joiner needs"). The graph (LMDB) and the raft log (RocksDB) are
// live files, so the donor is STOPPED cleanly for the read (docker stop with a
// generous timeout: SIGTERM runs the server's own shutdown) -- never copied live,
// never `docker pause`d (a frozen copy is crash-like and can skip logged writes).
//
// Shape of a sync (the machine running this only orchestrates; no byte of the copy
// is held in its memory or written to its disk):
//   1. preflight, donor still running: donor container mounts the given data dir;
//      joiner container (if any) is NOT running and no running container on the
//      joiner's engine mounts the joiner's data dir; image on both engines; donor
//      manifest (file count, bytes) measured by a helper; free space on the
//      joiner's filesystem (helper `df` of the data dir's parent) checked.
//   2. donor stopped (docker stop -t stopTimeoutSeconds); a SIGKILLed stop is
//      refused as unclean.
//   3. copy: a helper on the donor's engine runs `tar -cf -` of the data dir
//      (mounted read-only) with its stdout attached; a helper on the joiner's engine
//      runs `tar -xf -` into a fresh staging directory BESIDE the data dir with its
//      stdin attached; the client relays the demultiplexed stream with stream
//      backpressure. Meanwhile a second donor helper takes the exact manifest.
//   4. the donor is started again as soon as the read ends (also when it fails),
//      then `waitDonorCaughtUp` is awaited.
//   5. the staging copy is verified against the donor's manifest (every file's
//      path and size, file count, total bytes); only then the joiner's data dir (if
//      it has content) is renamed aside to `<dataDir>.before-sync-<ts>` and the
//      staging directory is renamed to `<dataDir>`. Nothing is ever deleted except
//      the staging directory this very call created when its copy failed.
//
// Helpers are short-lived containers of the cluster's image (every host has it),
// with no network and log driver `none` (the tar stream must not land in the
// engine's container log). They only need sh, tar, find, stat, df, mv, mkdir: the
// simulator image has busybox, TuGraph's CentOS-based runtime image has coreutils.

import * as crypto from "crypto";
import * as path from "path";
// Namespace imports only: the providers' closure serializer turns a captured module into a
// require() of it, but cannot serialize a class or function taken out of a built-in module.
import * as stream from "stream";
import * as streamPromises from "stream/promises";
import type Docker from "dockerode";
import { CONTAINER_PATHS } from "../core/types";
import { engineFor, statusOf } from "./dockerEngine";

// ---------------------------------------------------------------------------
// API

export interface DonorSide {
    readonly dockerHost: string; // unix://, tcp:// or ssh:// engine address
    readonly sshOptions?: readonly string[]; // extra ssh client arguments for an ssh:// engine (tugraph:sshOptions); default none
    readonly container: string; // the donor member's container (running, caught up)
    readonly dataDir: string; // host directory mounted at /var/lib/lgraph/data in it
}

export interface JoinerSide {
    readonly dockerHost: string;
    readonly sshOptions?: readonly string[]; // as DonorSide's
    readonly dataDir: string; // host directory the joiner's container mounts (created when missing)
    readonly container?: string; // the joiner's container, when it exists already: must not be running
}

export type SyncPhase = "preflight" | "stopping-donor" | "copying" | "restarting-donor" | "donor-catch-up" | "verifying" | "swapping" | "done";

export interface SyncProgress {
    readonly phase: SyncPhase;
    readonly message: string;
    readonly bytes: number; // tar stream bytes relayed so far
    readonly totalBytes: number; // expected tar stream size (from the donor's manifest)
    readonly mbPerSecond: number; // average since the copy started (MB = 10^6 bytes)
    readonly secondsLeft?: number; // estimate, while copying
}

export interface SyncOptions {
    readonly donor: DonorSide;
    readonly joiner: JoinerSide;
    readonly image: string; // the cluster's image (present on both engines)
    /** docker stop timeout for lgraph_server's own shutdown; default 120 s. */
    readonly stopTimeoutSeconds?: number;
    /** Bytes that must stay free on the joiner's filesystem after the copy; default 256 MiB. */
    readonly reserveBytes?: number;
    /** Called with every phase change and about every 500 ms while copying. Default: stderr printer. */
    readonly progress?: (p: SyncProgress) => void;
    /** Awaited after the donor was started again (e.g. until it is caught up with the leader). */
    readonly waitDonorCaughtUp?: () => Promise<void>;
    /**
     * Awaited right before the donor is stopped: until it has applied past the last membership
     * change and its apply thread has drained (a stop drops the writes still queued there, on
     * the donor and on the copy). A throw stops the sync with the donor untouched.
     */
    readonly beforeStop?: () => Promise<void>;
    /** How messages name the sync, e.g. "node 4 from node 2". */
    readonly label?: string;
    /**
     * Where the direct stream goes: the joiner's helper listens on `port` of the joiner's
     * host and the donor's helper connects to `joinerIp`. Use the joiner's web port: the
     * joiner is not running, so the port is free, and nobody else expects it (NOT its raft
     * port: once the joiner is a member, the leader keeps connecting there). The stream
     * opens with this sync's token, so a stray connection is refused, not unpacked. Needs
     * `nc` and `bash` in the image. Plain TCP, like raft traffic itself; the copy is still
     * verified against the donor's manifest before it is used. Default: none (relay).
     */
    readonly direct?: { readonly joinerIp: string; readonly port: number };
    /**
     * How the bytes travel. "auto" (the default when `direct` is given): a preflight probe,
     * made while the donor still runs, opens a connection from the donor's host to
     * joinerIp:port; when it gets through the copy streams host to host, and this machine
     * only orchestrates; otherwise it is relayed through the engine APIs and this machine,
     * and the result says why. "direct" fails instead of relaying; "relay" never probes.
     */
    readonly transport?: "auto" | "direct" | "relay";
    /** A direct stream that has not grown for this long is cut off and the sync fails (the donor runs again); default 30 s. */
    readonly stallSeconds?: number;
    /** Name prefix of helper containers; default "tugraph-ha-sync-". */
    readonly helperPrefix?: string;
}

export interface SyncResult {
    readonly bytes: number; // file bytes copied (sum of file sizes)
    readonly files: number;
    readonly dirs: number;
    readonly seconds: number; // whole sync, preflight to swap
    readonly copySeconds: number; // the stream itself
    readonly donorStoppedSeconds: number;
    readonly movedAside?: string; // where the joiner's previous data dir content went
    readonly transport: "direct" | "relay"; // how the bytes went
    readonly transportReason: string; // why that transport (the probe's result when it relayed)
}

/** A refused or failed sync. A plain Error with name/kind set, like gateError. */
export function syncError(message: string): Error & { kind: "sync" } {
    const e = new Error(message) as Error & { kind: "sync" };
    e.name = "DataSyncError";
    e.kind = "sync";
    return e;
}

// ---------------------------------------------------------------------------
// Manifests

export interface Manifest {
    readonly dirs: number;
    readonly others: number; // symlinks etc.: copied by tar, counted, not sized
    readonly files: ReadonlyMap<string, number>; // "./raftlog/000001.log" -> size
    readonly bytes: number;
}

// $1: the directory. First two lines: counts; then "<size> <path>" per file.
const MANIFEST_SCRIPT = `cd "$1" || exit 3
echo "dirs $(find . -type d | wc -l)"
echo "others $(find . ! -type f ! -type d | wc -l)"
find . -type f -exec stat -c '%s %n' {} + || exit 4`;

// Relay: $1 staging dir name under /p. Drains stdin after tar (tar may stop reading
// at its end-of-archive blocks), then lists what landed.
const RELAY_WRITE_SCRIPT = `mkdir "/p/$1" || exit 3
tar -C "/p/$1" -xf -; rc=$?; cat >/dev/null
[ $rc -eq 0 ] || { echo "tar -x failed with $rc" >&2; exit 4; }
echo manifest
${MANIFEST_SCRIPT.replace(/"\$1"/g, `"/p/$1"`)}`;

// Whether something listens on TCP port $hex (hex) of this host: /proc/net/tcp*, no tools needed.
const LISTENING_FN = `listening() { cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -Eq "^ *[0-9]+: [0-9A-F]+:$hex [0-9A-F]+:0000 0A"; }`;

// Direct: $1 staging dir name, $2 port, $3 token. Listens with nc (its stdin held open by a fifo:
// busybox nc quits on stdin EOF), says "ready" once the port listens (/proc/net/tcp*),
// reports the staging size every second, then lists what landed.
const DIRECT_WRITE_SCRIPT = `mkdir "/p/$1" || exit 3
command -v nc >/dev/null || { echo "nc is not in the image" >&2; exit 9; }
hex=$(printf '%04X' "$2")
${LISTENING_FN}
if listening; then echo "port $2 is already in use on this host" >&2; rmdir "/p/$1"; exit 8; fi
# KiB landed so far: what tar has written (its /proc io counter, cheap), else the size on disk
# (du walks thousands of files every second: it slowed the copy it measured).
written() { w=$(cat /proc/$(pidof tar 2>/dev/null | cut -d' ' -f1)/io 2>/dev/null | awk '/^wchar/ {print int($2 / 1024)}'); [ -n "$w" ] && echo "$w" || du -sk "/p/$1" | cut -f1; }
mkfifo /tmp/hold || exit 3
sleep 2147483647 > /tmp/hold & h=$!
# The first line must carry this sync's token: a stray connection (a peer or a client that
# knows the port) is refused, not unpacked.
( nc -l -p "$2" < /tmp/hold | { IFS= read -r first; if [ "$first" != "TUGRAPH-HA-SYNC $3" ]; then cat >/dev/null; echo "a connection without this sync's token arrived first" >&2; exit 13; fi; tar -C "/p/$1" -xf -; }; echo $? > /tmp/rc ) & t=$!
i=0
until listening; do
  i=$((i+1)); if [ $i -gt 200 ]; then echo "nc did not listen on port $2" >&2; kill $h $t 2>/dev/null; exit 10; fi
  sleep 0.05
done
echo ready
i=0
while kill -0 $t 2>/dev/null; do
  i=$((i+1)); if [ $((i % 10)) -eq 0 ]; then echo "progress $(written "$1")"; fi
  sleep 0.1
done
kill $h 2>/dev/null
rc=$(cat /tmp/rc 2>/dev/null || echo 99)
[ "$rc" = 0 ] || { echo "nc | tar -x failed with $rc" >&2; exit 4; }
echo manifest
${MANIFEST_SCRIPT.replace(/"\$1"/g, `"/p/$1"`)}`;

// Direct: $1 joiner ip, $2 port, $3 token. bash opens the TCP connection (/dev/tcp), says
// the token, and tar writes into it.
const DIRECT_READ_SCRIPT = `cd /src || exit 3
command -v bash >/dev/null || { echo "bash is not in the image" >&2; exit 9; }
exec bash -c 'exec 3> "/dev/tcp/$0/$1" && echo "TUGRAPH-HA-SYNC $2" >&3 && exec tar -cf - . >&3' "$1" "$2" "$3"`;

// Probe, joiner's side: $1 port, $2 seconds. Listens once, says "listening" once the port
// listens, and "reached" when the donor side's line arrived (the direct receiver's checks).
const PROBE_LISTEN_SCRIPT = `command -v nc >/dev/null || { echo "nc is not in the image" >&2; exit 9; }
hex=$(printf '%04X' "$1")
${LISTENING_FN}
if listening; then echo "port $1 is already in use on the joiner's host" >&2; exit 8; fi
( sleep "$2" | nc -l -p "$1" > /tmp/got 2>/dev/null ) & p=$!
i=0
until listening; do
  i=$((i+1)); if [ $i -gt 100 ]; then echo "nc did not listen on port $1" >&2; kill $p 2>/dev/null; exit 10; fi
  sleep 0.05
done
echo listening
i=0
while [ $i -lt $(($2 * 10)) ]; do
  if grep -q tugraph-ha-probe /tmp/got 2>/dev/null; then echo reached; kill $p 2>/dev/null; exit 0; fi
  i=$((i+1)); sleep 0.1
done
kill $p 2>/dev/null
echo "nothing arrived on port $1 within $2 s" >&2; exit 11`;

// Probe, donor's side: $1 joiner ip, $2 port, $3 seconds. Retries while the listener starts
// (refused), each try bounded (a dropped SYN would wait minutes).
const PROBE_CONNECT_SCRIPT = `command -v bash >/dev/null || { echo "bash is not in the image" >&2; exit 9; }
end=$(( $(date +%s) + $3 ))
while :; do
  if timeout 2 bash -c 'echo tugraph-ha-probe > "/dev/tcp/$0/$1"' "$1" "$2" 2>/tmp/err; then exit 0; fi
  [ "$(date +%s)" -lt "$end" ] || { tail -n 1 /tmp/err >&2; echo "no connection to $1:$2 within $3 s" >&2; exit 12; }
  sleep 0.2
done`;

export function parseManifest(text: string): Manifest {
    let dirs = -1;
    let others = -1;
    let bytes = 0;
    const files = new Map<string, number>();
    for (const line of text.split("\n")) {
        if (line === "") continue;
        let m = /^dirs (\d+)$/.exec(line);
        if (m) {
            dirs = Number(m[1]);
            continue;
        }
        m = /^others (\d+)$/.exec(line);
        if (m) {
            others = Number(m[1]);
            continue;
        }
        m = /^(\d+) (.*)$/.exec(line);
        if (!m) throw new Error(`unexpected manifest line '${line.slice(0, 200)}'`);
        const size = Number(m[1]);
        files.set(m[2], size);
        bytes += size;
    }
    if (dirs < 0 || others < 0) throw new Error("manifest without its counts");
    return { dirs, others, files, bytes };
}

/** Differences between two manifests, at most `limit` lines; empty when they agree. */
export function compareManifests(want: Manifest, got: Manifest, limit = 5): string[] {
    const out: string[] = [];
    const add = (s: string) => {
        if (out.length < limit) out.push(s);
    };
    for (const [p, size] of want.files) {
        const g = got.files.get(p);
        if (g === undefined) add(`missing ${p}`);
        else if (g !== size) add(`${p}: ${g} bytes instead of ${size}`);
    }
    for (const p of got.files.keys()) if (!want.files.has(p)) add(`unexpected ${p}`);
    if (want.dirs !== got.dirs) add(`${got.dirs} directories instead of ${want.dirs}`);
    if (want.others !== got.others) add(`${got.others} links/special files instead of ${want.others}`);
    return out;
}

/** Size of the ustar stream tar writes for a manifest (headers, 512-byte padding, end blocks). */
export function tarStreamEstimate(m: Manifest): number {
    let n = 1024 + 512 * (m.dirs + m.others);
    for (const size of m.files.values()) n += 512 + Math.ceil(size / 512) * 512;
    return n;
}

// ---------------------------------------------------------------------------
// Docker stream demultiplexing with backpressure (docker-modem's demuxStream
// writes without waiting, which would buffer a fast donor in our memory).

// Built with the options form, not as subclasses: the providers' closure serializer
// cannot serialize a class that extends a built-in.
export type DockerDemux = stream.Transform & { stdoutBytes: number; stderr: string };

export function createDemux(onBytes?: (n: number) => void): DockerDemux {
    let header: Buffer = Buffer.alloc(0);
    let remaining = 0;
    let kind = 0;
    const t = new stream.Transform({
        highWaterMark: 4 * 1024 * 1024,
        transform(chunk: Buffer, _enc: BufferEncoding, cb: stream.TransformCallback): void {
            let off = 0;
            while (off < chunk.length) {
                if (remaining === 0) {
                    const take = chunk.subarray(off, off + 8 - header.length);
                    off += take.length;
                    header = header.length ? Buffer.concat([header, take]) : take;
                    if (header.length < 8) break;
                    kind = header[0];
                    remaining = header.readUInt32BE(4);
                    header = Buffer.alloc(0);
                    continue;
                }
                const n = Math.min(remaining, chunk.length - off);
                const part = chunk.subarray(off, off + n);
                off += n;
                remaining -= n;
                if (kind === 1) {
                    t.stdoutBytes += n;
                    t.push(part);
                    onBytes?.(n);
                } else if (t.stderr.length < 64 * 1024) {
                    t.stderr += part.toString("utf8");
                }
            }
            cb();
        },
    }) as DockerDemux;
    t.stdoutBytes = 0;
    t.stderr = "";
    return t;
}

type TextSink = stream.Writable & { text: string };

/** Collects a stream into a string (bounded), calling onLine for each complete line. */
function createTextSink(onLine?: (line: string) => void, limit = 16 * 1024 * 1024): TextSink {
    let scanned = 0;
    const w = new stream.Writable({
        write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
            if (w.text.length < limit) w.text += chunk.toString("utf8");
            if (onLine) {
                let nl: number;
                while ((nl = w.text.indexOf("\n", scanned)) >= 0) {
                    onLine(w.text.slice(scanned, nl));
                    scanned = nl + 1;
                }
            }
            cb();
        },
    }) as TextSink;
    w.text = "";
    return w;
}

// ---------------------------------------------------------------------------
// Helper containers

export interface HelperSpec {
    readonly host: string;
    readonly image: string;
    readonly name: string;
    readonly binds: string[];
    readonly script: string;
    readonly args?: string[];
    readonly stdin?: boolean;
    readonly hostNetwork?: boolean;
    readonly ssh?: readonly string[];
    /** Linux capabilities beyond Docker's default set (the host guard's NET_ADMIN). */
    readonly capAdd?: readonly string[];
}

const HELPER_LABEL = "tugraph-ha.helper";

async function createHelper(s: HelperSpec): Promise<Docker.Container> {
    const docker = engineFor(s.host, s.ssh);
    try {
        return await docker.createContainer({
            name: s.name,
            Image: s.image,
            Entrypoint: ["/bin/sh", "-c"],
            Cmd: [s.script, "tugraph-ha-sync", ...(s.args ?? [])],
            User: "0:0",
            WorkingDir: "/",
            Labels: { [HELPER_LABEL]: "datasync" },
            AttachStdin: !!s.stdin,
            OpenStdin: !!s.stdin,
            StdinOnce: !!s.stdin,
            AttachStdout: true,
            AttachStderr: true,
            Tty: false,
            HostConfig: {
                Binds: s.binds,
                NetworkMode: s.hostNetwork ? "host" : "none",
                LogConfig: { Type: "none", Config: {} },
                AutoRemove: false,
                ...(s.capAdd ? { CapAdd: [...s.capAdd] } : {}),
            },
        });
    } catch (e) {
        throw syncError(
            `cannot create helper container ${s.name} on ${s.host} from image ${s.image}: ${(e as Error).message}` +
                (statusOf(e) === 404 ? ` (the image is missing there: pull or load ${s.image} on that host)` : ""),
        );
    }
}

async function removeHelper(host: string, c: Docker.Container): Promise<void> {
    try {
        await c.remove({ force: true });
    } catch (e) {
        if (statusOf(e) !== 404) process.emitWarning(`tugraph-ha: could not remove helper container ${c.id.slice(0, 12)} on ${host}: ${(e as Error).message}`);
    }
}

/** Runs a helper to completion and returns its exit code and output. */
export async function runHelper(s: HelperSpec): Promise<{ code: number; stdout: string; stderr: string }> {
    const c = await createHelper(s);
    try {
        const stream = await c.attach({ stream: true, stdout: true, stderr: true });
        const demux = createDemux();
        const sink = createTextSink();
        const drained = streamPromises.pipeline(stream, demux, sink);
        await c.start();
        const [{ StatusCode }] = await Promise.all([c.wait(), drained]);
        return { code: StatusCode, stdout: sink.text, stderr: demux.stderr };
    } finally {
        await removeHelper(s.host, c);
    }
}

// ---------------------------------------------------------------------------
// Progress printing

const MB = 1e6;
const MiB = 1024 * 1024;

function fmtMiB(n: number): string {
    return `${(n / MiB).toFixed(1)} MiB`;
}

/** The default progress callback: one line on stderr per phase and every ~2 s while copying. */
export function stderrProgress(label: string, write: (line: string) => void = (l) => process.stderr.write(l)): (p: SyncProgress) => void {
    if (process.env.TUGRAPH_HA_PROGRESS === "0") return () => undefined;
    let last = 0;
    return (p) => {
        const now = Date.now();
        if (p.phase === "copying" && p.bytes > 0 && p.bytes < p.totalBytes && now - last < 2000) return;
        last = now;
        const pct = p.totalBytes > 0 ? Math.min(100, Math.floor((100 * p.bytes) / p.totalBytes)) : 0;
        const detail =
            p.phase === "copying" && p.bytes > 0
                ? `: ${fmtMiB(p.bytes)} of ${fmtMiB(p.totalBytes)} (${pct}%), ${p.mbPerSecond.toFixed(1)} MB/s` +
                  (p.secondsLeft !== undefined ? `, ${Math.ceil(p.secondsLeft)} s left` : "")
                : "";
        write(`tugraph-ha: syncing data for ${label}: ${p.message}${detail}\n`);
    };
}

// ---------------------------------------------------------------------------
// The sync

function isoStamp(d: Date): string {
    return d
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d+Z$/, "Z"); // 20260102T030405Z
}

function checkDir(which: string, dir: string): string {
    if (!path.posix.isAbsolute(dir)) throw syncError(`${which} data directory '${dir}' must be an absolute host path`);
    const n = path.posix.normalize(dir).replace(/\/+$/, "");
    if (n === "" || n === "/") throw syncError(`${which} data directory '${dir}' cannot be the root directory`);
    if (/[:\n]/.test(n)) throw syncError(`${which} data directory '${dir}' must not contain ':' or a newline (Docker bind syntax)`);
    return n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function syncDataDir(opts: SyncOptions): Promise<SyncResult> {
    const t0 = Date.now();
    const donor = { ...opts.donor, dataDir: checkDir("donor", opts.donor.dataDir) };
    const joiner = { ...opts.joiner, dataDir: checkDir("joiner", opts.joiner.dataDir) };
    const label = opts.label ?? `${joiner.dataDir} on ${joiner.dockerHost}`;
    const progress = opts.progress ?? stderrProgress(label);
    const stopTimeout = opts.stopTimeoutSeconds ?? 120;
    const reserve = opts.reserveBytes ?? 256 * MiB;
    const prefix = opts.helperPrefix ?? "tugraph-ha-sync-";
    const stamp = isoStamp(new Date());
    const rand = crypto.randomBytes(3).toString("hex");
    const helperName = (what: string) => `${prefix}${what}-${stamp.toLowerCase()}-${rand}`;
    const parent = path.posix.dirname(joiner.dataDir);
    const base = path.posix.basename(joiner.dataDir);
    const staging = `${base}.tugraph-ha-staging-${stamp}-${rand}`;
    const aside = `${base}.before-sync-${stamp}`;
    const donorDesc = `donor container ${donor.container} on ${donor.dockerHost}`;
    let relayed = 0;
    let total = 0;
    let copyStart = 0;
    const report = (phase: SyncPhase, message: string) => {
        const secs = copyStart ? (Date.now() - copyStart) / 1000 : 0;
        const rate = secs > 0 ? relayed / secs : 0;
        progress({
            phase,
            message,
            bytes: relayed,
            totalBytes: total,
            mbPerSecond: rate / MB,
            secondsLeft: phase === "copying" && rate > 0 ? Math.max(0, total - relayed) / rate : undefined,
        });
    };

    // --- 1. preflight (donor still running)
    report("preflight", `checking ${donorDesc} and the joiner's host ${joiner.dockerHost}`);
    const donorEngine = engineFor(donor.dockerHost, donor.sshOptions);
    const donorC = donorEngine.getContainer(donor.container);
    let info: Docker.ContainerInspectInfo;
    try {
        info = await donorC.inspect();
    } catch (e) {
        throw syncError(
            `cannot inspect ${donorDesc}: ${(e as Error).message}` +
                (statusOf(e) === 404 ? "; name a running member's container as donor" : "; check that the engine answers at that address"),
        );
    }
    if (!info.State.Running || info.State.Paused) {
        throw syncError(
            `${donorDesc} is ${info.State.Paused ? "paused" : info.State.Status}: the donor must be a running, caught-up member ` +
                `(it is stopped cleanly for the copy and started again); start it or choose another donor`,
        );
    }
    const dataMount = (info.Mounts ?? []).find((m) => m.Destination === CONTAINER_PATHS.data);
    const mountedDir = dataMount?.Source ? path.posix.normalize(dataMount.Source).replace(/\/+$/, "") : undefined;
    if (mountedDir !== donor.dataDir) {
        throw syncError(
            `${donorDesc} mounts ${mountedDir ?? "nothing"} at ${CONTAINER_PATHS.data}, not the given donor data directory ${donor.dataDir}; ` +
                `pass the host directory that container really uses`,
        );
    }

    const joinerEngine = engineFor(joiner.dockerHost, joiner.sshOptions);
    if (joiner.container) {
        try {
            const j = await joinerEngine.getContainer(joiner.container).inspect();
            if (j.State.Running) {
                throw syncError(
                    `joiner container ${joiner.container} on ${joiner.dockerHost} is running: refusing to write into a running member's ` +
                        `data directory; stop it first (docker stop ${joiner.container}) and run the sync again`,
                );
            }
        } catch (e) {
            if ((e as { kind?: string }).kind === "sync") throw e;
            if (statusOf(e) !== 404) throw syncError(`cannot inspect joiner container ${joiner.container} on ${joiner.dockerHost}: ${(e as Error).message}`);
        }
    }
    // Helpers an earlier sync of this joiner could not remove (its host was cut off): one update of
    // a stack runs at a time, so they are stale; a receiver left listening would hold the port.
    const stale = (await joinerEngine.listContainers({ all: true, filters: { label: [`${HELPER_LABEL}=datasync`] } })).filter((h) =>
        (h.Mounts ?? []).some((m) => m.Destination === "/p" && path.posix.normalize(m.Source ?? "").replace(/\/+$/, "") === parent),
    );
    for (const h of stale) await removeHelper(joiner.dockerHost, joinerEngine.getContainer(h.Id));
    if (stale.length > 0) report("preflight", `removed ${stale.length} helper(s) an earlier sync of ${joiner.dataDir} left on ${joiner.dockerHost}`);
    const running = await joinerEngine.listContainers({ all: false });
    const user = running.find((c) =>
        (c.Mounts ?? []).some((m) => {
            const src = path.posix.normalize(m.Source ?? "").replace(/\/+$/, "");
            return src === joiner.dataDir || src.startsWith(`${joiner.dataDir}/`);
        }),
    );
    if (user) {
        const n = (user.Names ?? [])[0]?.replace(/^\//, "") ?? user.Id.slice(0, 12);
        throw syncError(
            `container ${n} on ${joiner.dockerHost} is running with ${joiner.dataDir} (or a directory in it) mounted: ` +
                `refusing to replace a data directory a running container uses; stop that container first`,
        );
    }

    // The probe for the direct stream runs beside the donor's measuring, while the donor still runs.
    const transportP = chooseTransport(opts, helperName);
    const donorManifestLive = await manifestOf(donor, opts.image, helperName("measure"), donor.dataDir, true, donorDesc);
    const need = donorManifestLive.bytes + 4096 * (donorManifestLive.files.size + donorManifestLive.dirs) + reserve;
    const df = await runHelper({
        host: joiner.dockerHost,
        ssh: joiner.sshOptions,
        image: opts.image,
        name: helperName("space"),
        binds: [`${parent}:/p`],
        // Staging directories of earlier syncs of this joiner are partial copies nobody can use: removed.
        script: `set -e
for d in "/p/$3".tugraph-ha-staging-*; do [ ! -d "$d" ] || { rm -rf "$d"; echo "stale $d"; }; done
[ ! -e "/p/$1" ] || { echo "staging directory /p/$1 exists" >&2; exit 5; }
[ ! -e "/p/$2" ] || { echo "directory /p/$2 exists" >&2; exit 6; }
if [ -d "/p/$3" ]; then echo "content $(ls -A "/p/$3" | wc -l)"; elif [ -e "/p/$3" ]; then echo "not a directory" >&2; exit 7; else echo "content -1"; fi
df -Pk /p | awk 'NR==2 {print "avail " $4}'`,
        args: [staging, aside, base],
    });
    for (const m of df.stdout.matchAll(/^stale \/p\/(.+)$/gm)) report("preflight", `removed ${parent}/${m[1]}, the partial copy of an earlier sync`);
    const avail = /avail (\d+)/.exec(df.stdout);
    const content = /content (-?\d+)/.exec(df.stdout);
    if (df.code !== 0 || !avail || !content) {
        throw syncError(
            `cannot check the joiner's directory ${parent} on ${joiner.dockerHost} (helper exit ${df.code}: ${df.stderr.trim() || df.stdout.trim()}); ` +
                `make sure the parent directory is usable and ${joiner.dataDir} is a directory`,
        );
    }
    const free = Number(avail[1]) * 1024;
    if (free < need) {
        throw syncError(
            `not enough space on ${joiner.dockerHost} for ${joiner.dataDir}: the donor's data is ${fmtMiB(donorManifestLive.bytes)} ` +
                `(${donorManifestLive.files.size} files) and ${fmtMiB(reserve)} must stay free, but only ${fmtMiB(free)} is free under ${parent}; ` +
                `free space there (previous copies moved aside as *.before-sync-* can be removed by hand once no longer needed) or use a bigger disk. ` +
                `The donor was not stopped`,
        );
    }
    const transport = await transportP;
    report("preflight", `transport: ${transport.kind} (${transport.why})`);

    // --- 2. stop the donor cleanly, once it has settled
    if (opts.beforeStop) {
        report("stopping-donor", `waiting until ${donorDesc} has applied past the last membership change and settled`);
        try {
            await opts.beforeStop();
        } catch (e) {
            throw syncError(`${donorDesc} did not settle before its stop: ${(e as Error).message}. The donor was not stopped`);
        }
    }
    report("stopping-donor", `stopping ${donorDesc} (docker stop, up to ${stopTimeout} s for lgraph_server's shutdown)`);
    const stopStart = Date.now();
    try {
        await donorC.stop({ t: stopTimeout });
    } catch (e) {
        if (statusOf(e) !== 304) {
            // 304: already stopped
            await startDonor(donorC, donorDesc).catch(() => undefined);
            throw syncError(`cannot stop ${donorDesc}: ${(e as Error).message}`);
        }
    }
    const stopped = await donorC.inspect();
    let restart: Promise<void> | undefined;
    let donorStoppedSeconds = 0;
    const restartDonor = () =>
        (restart ??= (async () => {
            report("restarting-donor", `starting ${donorDesc} again`);
            await startDonor(donorC, donorDesc);
            donorStoppedSeconds = (Date.now() - stopStart) / 1000;
        })());
    if (stopped.State.Running || stopped.State.ExitCode === 137) {
        await restartDonor();
        throw syncError(
            `${donorDesc} did not stop cleanly within ${stopTimeout} s (${stopped.State.Running ? "still running" : "killed with SIGKILL"}): ` +
                `a copy of it could be torn, so nothing was copied; it was started again. Raise stopTimeoutSeconds and retry`,
        );
    }

    // --- 3. copy, 4. restart the donor as soon as the read ends
    let copyError: unknown;
    let donorManifest: Manifest | undefined;
    let joinerOut = "";
    let copySeconds = 0;
    const containers: { host: string; c: Docker.Container }[] = [];
    const direct = transport.kind === "direct" ? opts.direct : undefined;
    try {
        const manifestP = manifestOf(donor, opts.image, helperName("manifest"), donor.dataDir, true, donorDesc);
        const reader = await createHelper({
            host: donor.dockerHost,
            ssh: donor.sshOptions,
            image: opts.image,
            name: helperName("read"),
            binds: [`${donor.dataDir}:/src:ro`],
            hostNetwork: !!direct,
            script: direct ? DIRECT_READ_SCRIPT : `cd /src && exec tar -cf - .`,
            args: direct ? [direct.joinerIp, String(direct.port), rand] : [],
        });
        containers.push({ host: donor.dockerHost, c: reader });
        const writer = await createHelper({
            host: joiner.dockerHost,
            ssh: joiner.sshOptions,
            image: opts.image,
            name: helperName("write"),
            binds: [`${parent}:/p`],
            stdin: !direct,
            hostNetwork: !!direct,
            script: direct ? DIRECT_WRITE_SCRIPT : RELAY_WRITE_SCRIPT,
            args: direct ? [staging, String(direct.port), rand] : [staging],
        });
        containers.push({ host: joiner.dockerHost, c: writer });
        donorManifest = await manifestP;
        total = direct ? donorManifest.bytes : tarStreamEstimate(donorManifest);

        let lastTick = 0;
        const tick = () => {
            const now = Date.now();
            if (now - lastTick >= 500) {
                lastTick = now;
                report("copying", `copying from ${donorDesc}`);
            }
        };
        let ready: () => void = () => undefined;
        const isReady = new Promise<void>((r) => {
            ready = r;
        });
        const writerDemux = createDemux();
        const writerSink = createTextSink((line) => {
            if (line === "ready") ready();
            const m = /^progress (\d+)$/.exec(line);
            if (m) {
                relayed = Math.min(total, Number(m[1]) * 1024);
                tick();
            }
        });
        const inp = await writer.attach({ stream: true, hijack: !direct, stdin: !direct, stdout: true, stderr: true });
        const writerOut = streamPromises.pipeline(inp, writerDemux, writerSink);
        writerOut.catch(() => undefined);
        await writer.start();
        const writerExit = writer.wait().then((r: { StatusCode: number }) => r.StatusCode);
        if (direct) {
            const early = await Promise.race([isReady.then(() => undefined), writerExit]);
            if (early !== undefined) {
                await writerOut.catch(() => undefined);
                throw syncError(
                    `the receiving helper on ${joiner.dockerHost} could not listen on port ${direct.port} ` +
                        `(exit ${early}: ${writerDemux.stderr.trim().slice(0, 500)}); free that port or use the relay transport`,
                );
            }
        }
        const readerDemux = createDemux((n) => {
            relayed += n;
            tick();
        });
        const out = await reader.attach({ stream: true, stdout: true, stderr: true });
        copyStart = Date.now();
        await reader.start();
        report(
            "copying",
            `copying from ${donorDesc} to ${joiner.dockerHost}:${parent}/${staging}` + (direct ? ` (direct stream to ${direct.joinerIp}:${direct.port})` : ""),
        );
        // The read ends when the reader exits: restart the donor at once, in parallel with the rest.
        const readDone = reader.wait().then((r: { StatusCode: number }) => r.StatusCode);
        readDone
            .then(
                () => restartDonor(),
                () => restartDonor(),
            )
            .catch(() => undefined);
        if (direct) {
            // A cut link does not end a TCP stream (it waits for retransmits for minutes): the
            // receiver reports its size every second, and a stream that stopped growing is cut off.
            const stallMs = (opts.stallSeconds ?? 30) * 1000;
            let lastSize = -1;
            let lastGrowth = Date.now();
            let watchdog: NodeJS.Timeout | undefined;
            const stalled = new Promise<never>((_, reject) => {
                watchdog = setInterval(() => {
                    if (relayed !== lastSize) {
                        lastSize = relayed;
                        lastGrowth = Date.now();
                    } else if (Date.now() - lastGrowth > stallMs) {
                        reject(
                            syncError(
                                `the direct stream from ${donor.dockerHost} to ${direct.joinerIp}:${direct.port} stopped at ${fmtMiB(relayed)} of ${fmtMiB(total)} ` +
                                    `for ${stallMs / 1000} s: check the network between the donor's and the joiner's hosts, then run \`pulumi up\` again`,
                            ),
                        );
                    }
                }, 250);
            });
            try {
                await Promise.race([streamPromises.pipeline(out, readerDemux, createTextSink()), stalled]);
            } finally {
                clearInterval(watchdog);
            }
        } else {
            // A receiver that dies does not always break the attach connection: stop waiting on it.
            let relayEnded = false;
            writerExit.then(
                (code) => {
                    if (!relayEnded) (inp as unknown as stream.Duplex).destroy(new Error(`the receiving helper exited with ${code} before the stream ended`));
                },
                () => undefined,
            );
            await streamPromises
                .pipeline(out, readerDemux, inp)
                .finally(() => {
                    relayEnded = true;
                })
                .catch((e) => {
                    throw syncError(`the copy stream from ${donorDesc} to ${joiner.dockerHost} broke: ${(e as Error).message}`);
                });
        }
        const readCode = await readDone;
        if (readCode !== 0) {
            throw syncError(
                `reading ${donor.dataDir} on ${donor.dockerHost} failed (exit ${readCode}: ${readerDemux.stderr.trim().slice(0, 500)})` +
                    (direct ? `; check that ${donor.dockerHost}'s host reaches ${direct.joinerIp}:${direct.port}` : ""),
            );
        }
        const writeCode = await writerExit;
        await writerOut.catch(() => undefined);
        copySeconds = (Date.now() - copyStart) / 1000;
        relayed = total;
        joinerOut = writerSink.text;
        if (writeCode !== 0) {
            throw syncError(
                `writing the copy under ${parent} on ${joiner.dockerHost} failed (helper exit ${writeCode}: ` +
                    `${writerDemux.stderr.trim().slice(0, 500) || "killed?"}); check free space and permissions there`,
            );
        }
    } catch (e) {
        copyError = e;
    }
    // Whatever happened to the copy (the catch above keeps every error): helpers go, the donor comes back.
    {
        await Promise.all(containers.map(({ host, c }) => removeHelper(host, c)));
        let restartError: unknown;
        try {
            await restartDonor();
        } catch (e) {
            restartError = e;
        }
        if (restartError) {
            const why = copyError ? ` (and the copy failed: ${(copyError as Error).message})` : "";
            throw syncError(`${(restartError as Error).message}${why}`);
        }
        if (opts.waitDonorCaughtUp) {
            report("donor-catch-up", `waiting until ${donorDesc} has caught up again`);
            try {
                await opts.waitDonorCaughtUp();
            } catch (e) {
                if (!copyError) copyError = syncError(`the copy ended but ${donorDesc} did not catch up again: ${(e as Error).message}`);
            }
        }
    }
    if (copyError) {
        const discarded = await removeStaging(joiner, opts.image, helperName("discard"), parent, staging);
        throw syncError(
            `sync for ${label} failed, nothing was changed in ${joiner.dataDir} (${discarded}) and the donor runs again: ` + `${(copyError as Error).message}`,
        );
    }

    // --- 5. verify, then swap
    report("verifying", `verifying ${donorManifest!.files.size} files against the donor's manifest`);
    let got: Manifest;
    try {
        const at = joinerOut.indexOf("manifest\n");
        if (at < 0) throw new Error("no manifest in the helper's output");
        got = parseManifest(joinerOut.slice(at + "manifest\n".length));
    } catch (e) {
        const discarded = await removeStaging(joiner, opts.image, helperName("discard"), parent, staging);
        throw syncError(`cannot read the copy's manifest on ${joiner.dockerHost}: ${(e as Error).message}; ${discarded}`);
    }
    const diffs = compareManifests(donorManifest!, got);
    if (diffs.length) {
        await removeStaging(joiner, opts.image, helperName("discard"), parent, staging);
        throw syncError(
            `the copy in ${parent}/${staging} on ${joiner.dockerHost} does not match the donor (${diffs.join("; ")}); ` +
                `it was discarded and ${joiner.dataDir} left unchanged; run the sync again`,
        );
    }
    report("swapping", `moving the verified copy into ${joiner.dataDir}`);
    const swap = await runHelper({
        host: joiner.dockerHost,
        ssh: joiner.sshOptions,
        image: opts.image,
        name: helperName("swap"),
        binds: [`${parent}:/p`],
        // $1 staging, $2 aside, $3 data dir: content is moved aside (never deleted); an EMPTY dir is just replaced.
        script: `set -e
cd /p
if [ -d "$3" ]; then
  if [ -n "$(ls -A "$3")" ]; then mv "$3" "$2"; echo "aside"; else rmdir "$3"; fi
fi
mv "$1" "$3"`,
        args: [staging, aside, base],
    });
    if (swap.code !== 0) {
        throw syncError(
            `the verified copy is at ${parent}/${staging} on ${joiner.dockerHost} but moving it to ${joiner.dataDir} failed ` +
                `(${swap.stderr.trim() || `exit ${swap.code}`}); move it by hand (keep the old content aside) before starting the joiner`,
        );
    }
    const movedAside = swap.stdout.includes("aside") ? `${parent}/${aside}` : undefined;
    const result: SyncResult = {
        bytes: donorManifest!.bytes,
        files: donorManifest!.files.size,
        dirs: donorManifest!.dirs,
        seconds: (Date.now() - t0) / 1000,
        copySeconds,
        donorStoppedSeconds,
        movedAside,
        transport: transport.kind,
        transportReason: transport.why,
    };
    report(
        "done",
        `copied ${fmtMiB(result.bytes)} in ${result.files} files in ${copySeconds.toFixed(1)} s ` +
            `(donor stopped for ${donorStoppedSeconds.toFixed(1)} s, ${transport.kind})${movedAside ? `; previous content moved to ${movedAside}` : ""}`,
    );
    return result;
}

async function manifestOf(side: DonorSide | JoinerSide, image: string, name: string, dir: string, readOnly: boolean, desc: string): Promise<Manifest> {
    const host = side.dockerHost;
    const r = await runHelper({ host, ssh: side.sshOptions, image, name, binds: [`${dir}:/d${readOnly ? ":ro" : ""}`], script: MANIFEST_SCRIPT, args: ["/d"] });
    if (r.code !== 0) {
        throw syncError(
            `cannot list ${dir} on ${host} for ${desc} (helper exit ${r.code}: ${r.stderr.trim().slice(0, 500)}); check that the directory exists there`,
        );
    }
    try {
        return parseManifest(r.stdout);
    } catch (e) {
        throw syncError(`cannot read the listing of ${dir} on ${host}: ${(e as Error).message}`);
    }
}

/** How long the probe tries to get a connection through (a dropped SYN is retried within it). */
const PROBE_SECONDS = 6;

/**
 * The transport of a sync: direct when the probe's connection from the donor's host reaches
 * the joiner's helper port, else the relay with the probe's reason. Runs while the donor
 * still runs; never throws for "auto" (a failed probe is a reason to relay).
 */
export async function chooseTransport(opts: SyncOptions, helperName: (what: string) => string): Promise<{ kind: "direct" | "relay"; why: string }> {
    const mode = opts.transport ?? (opts.direct ? "auto" : "relay");
    if (mode === "relay") return { kind: "relay", why: opts.direct ? "relay asked for" : "no direct address given" };
    if (!opts.direct) throw syncError(`transport "direct" needs the joiner's ip and port (the direct option)`);
    const { joinerIp, port } = opts.direct;
    const t0 = Date.now();
    // The listener first; the connecting side starts once it listens (no race between two engines' start-up).
    const listener = await createHelper({
        host: opts.joiner.dockerHost,
        ssh: opts.joiner.sshOptions,
        image: opts.image,
        name: helperName("probe-listen"),
        binds: [],
        hostNetwork: true,
        script: PROBE_LISTEN_SCRIPT,
        args: [String(port), String(PROBE_SECONDS + 2)],
    });
    let listen: { code: number; stderr: string };
    let connect = { code: -1, stdout: "", stderr: "not tried: the listener did not start" };
    try {
        let onListening: () => void = () => undefined;
        const listening = new Promise<void>((r) => (onListening = r));
        const demux = createDemux();
        const sink = createTextSink((line) => line === "listening" && onListening());
        const drained = streamPromises.pipeline(await listener.attach({ stream: true, stdout: true, stderr: true }), demux, sink);
        drained.catch(() => undefined);
        await listener.start();
        const exited = listener.wait().then((r: { StatusCode: number }) => r.StatusCode);
        if ((await Promise.race([listening.then(() => "up"), exited])) === "up") {
            connect = await runHelper({
                host: opts.donor.dockerHost,
                ssh: opts.donor.sshOptions,
                image: opts.image,
                name: helperName("probe-connect"),
                binds: [],
                hostNetwork: true,
                script: PROBE_CONNECT_SCRIPT,
                args: [joinerIp, String(port), String(PROBE_SECONDS)],
            }).catch((e) => ({ code: -1, stdout: "", stderr: (e as Error).message }));
        }
        // A probe that did not get through: the listener would only wait out its time.
        if (connect.code !== 0) await listener.kill().catch(() => undefined);
        const code = await exited;
        await drained.catch(() => undefined);
        listen = { code, stderr: demux.stderr };
    } catch (e) {
        listen = { code: -1, stderr: (e as Error).message };
    } finally {
        await removeHelper(opts.joiner.dockerHost, listener);
    }
    const ms = Date.now() - t0;
    if (listen.code === 0 && connect.code === 0)
        return { kind: "direct", why: `the donor's host reaches ${joinerIp}:${port} (probe ${ms} ms): host to host, this machine only orchestrates` };
    const why =
        connect.code !== 0 && listen.code !== 8 && listen.code !== 9 && listen.code !== 10
            ? `the donor's host ${opts.donor.dockerHost} cannot reach ${joinerIp}:${port} (${lastLine(connect.stderr) || `probe exit ${connect.code}`})`
            : `the joiner's host ${opts.joiner.dockerHost} cannot receive on port ${port} (${lastLine(listen.stderr) || `probe exit ${listen.code}`})`;
    if (mode === "direct") throw syncError(`direct transport refused: ${why}; the donor was not stopped`);
    return { kind: "relay", why: `relayed through this machine: ${why}` };
}

const lastLine = (text: string) => text.trim().split("\n").filter(Boolean).join("; ").slice(0, 300);

async function startDonor(c: Docker.Container, desc: string): Promise<void> {
    try {
        await c.start();
    } catch (e) {
        if (statusOf(e) !== 304) throw syncError(`could not start ${desc} again: ${(e as Error).message}; start it by hand (docker start)`);
    }
    for (let i = 0; i < 20; i++) {
        const s = await c.inspect();
        if (s.State.Running && !s.State.Restarting) return;
        if (!s.State.Running && s.State.Status === "exited") {
            throw syncError(`${desc} exited right after it was started again (exit code ${s.State.ExitCode}); look at its logs (docker logs)`);
        }
        await sleep(100);
    }
}

/**
 * A sync whose deploying process died mid-copy leaves its donor STOPPED (a `docker stop`: its
 * restart policy does not bring it back) and its reader helper behind (exited, a read-only bind
 * of the donor's data dir at /src; still running when its host was cut off mid-copy). When such a
 * leftover reader exists for this member, removes it and starts the member's container again.
 * Returns what it did, or undefined when there was nothing to recover. Never touches data.
 */
export async function recoverInterruptedSync(member: DonorSide): Promise<string | undefined> {
    const dataDir = checkDir("member", member.dataDir);
    const engine = engineFor(member.dockerHost, member.sshOptions);
    const helpers = await engine.listContainers({ all: true, filters: { label: [`${HELPER_LABEL}=datasync`] } });
    const readers = helpers.filter((h) =>
        (h.Mounts ?? []).some((m) => m.Destination === "/src" && path.posix.normalize(m.Source ?? "").replace(/\/+$/, "") === dataDir),
    );
    // One update of a stack runs at a time (the backend's lock), so a reader of this member's data
    // that still runs belongs to an earlier sync: e.g. its host was cut off, and the reader still
    // writes into a connection nobody reads. Removing it (a kill) is what that sync failed to do.
    if (readers.length === 0) return undefined;
    const c = engine.getContainer(member.container);
    const desc = `container ${member.container} on ${member.dockerHost}`;
    const running = await c.inspect().then(
        (i) => i.State.Running,
        (e) => (statusOf(e) === 404 ? undefined : Promise.reject(e)),
    );
    for (const h of readers) await removeHelper(member.dockerHost, engine.getContainer(h.Id));
    if (running === false) await startDonor(c, desc);
    return (
        `an earlier sync that read ${dataDir} was interrupted (its helper was left behind)` +
        (running === false ? `; started ${desc} again, which it had stopped` : "") +
        `; removed ${readers.length} leftover helper(s)`
    );
}

/** Removes the staging directory THIS sync created (its name carries this run's stamp and random suffix). */
async function removeStaging(side: JoinerSide, image: string, name: string, parent: string, staging: string): Promise<string> {
    const host = side.dockerHost;
    const r = await runHelper({
        host,
        ssh: side.sshOptions,
        image,
        name,
        binds: [`${parent}:/p`],
        script: `[ ! -e "/p/$1" ] || rm -rf "/p/$1"`,
        args: [staging],
    }).catch((e) => ({
        code: -1,
        stdout: "",
        stderr: String((e as Error).message),
    }));
    if (r.code === 0) return "the partial copy was discarded";
    // Unreachable host: the next sync of this joiner removes it (a staging directory is never a data directory).
    return `the partial copy ${parent}/${staging} could not be removed (${lastLine(r.stderr) || `exit ${r.code}`}); the next sync of this node removes it`;
}
