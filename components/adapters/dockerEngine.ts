// Docker engine connections for the data sync, by address as the stack spells it
// (NodeSpec.dockerHost): unix:///path, tcp://host:port (https when DOCKER_TLS_VERIFY
// and DOCKER_CERT_PATH are set, as the docker CLI does) and ssh://[user@]host[:port].
//
// ssh:// runs the `ssh` client, as the docker CLI and the Docker provider do
// (`ssh [sshOptions] -T -l user -p port -- host docker system dial-stdio`), not an
// ssh library: one transport, so ~/.ssh/config, known_hosts, keys, agents and
// `tugraph:sshOptions` mean the same to the containers (Docker provider) and to the
// data copy (this module): a dockerHost that works for one works for the other.
// No CLI output is parsed anywhere.

import * as childProcess from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import * as stream from "stream";
import Docker from "dockerode";

/**
 * The ssh command line that carries the Docker API to `address` (an ssh:// URL), as the
 * docker CLI builds it (cli/connhelper): the user's options first, then a connect timeout
 * unless one is given, no tty, BatchMode (never a password prompt in a deployment).
 */
export function sshCommand(address: string, sshOptions: readonly string[] = []): string[] {
    const url = new URL(address);
    const opts = [...sshOptions];
    if (!opts.some((o) => /ConnectTimeout/i.test(o))) opts.push("-o", "ConnectTimeout=30");
    if (!opts.some((o) => /BatchMode/i.test(o))) opts.push("-o", "BatchMode=yes");
    // Connections are kept for the next request: a host that went away must end them.
    if (!opts.some((o) => /ServerAlive/i.test(o))) opts.push("-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3");
    const user = decodeURIComponent(url.username);
    return [...opts, "-T", ...(user ? ["-l", user] : []), ...(url.port ? ["-p", url.port] : []), "--", url.hostname, "docker", "system", "dial-stdio"];
}

/**
 * An http.Agent whose every connection is an `ssh ... docker system dial-stdio`. Kept alive
 * between requests: an ssh login costs about 300 ms, a request over a kept one about 10 ms.
 */
function sshAgent(address: string, sshOptions: readonly string[]): http.Agent {
    const args = sshCommand(address, sshOptions);
    const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 4 });
    (agent as unknown as { createConnection: () => stream.Duplex }).createConnection = () => {
        const child = childProcess.spawn("ssh", args, { stdio: ["pipe", "pipe", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (b: Buffer) => {
            if (stderr.length < 4096) stderr += b.toString("utf8");
        });
        const conn = new stream.Duplex({
            read() {
                child.stdout.resume();
            },
            write(chunk, enc, cb) {
                child.stdin.write(chunk, enc, cb);
            },
            final(cb) {
                child.stdin.end(cb);
            },
            destroy(err, cb) {
                child.kill();
                cb(err);
            },
        });
        child.stdout.on("data", (b: Buffer) => {
            if (!conn.push(b)) child.stdout.pause();
        });
        child.stdin.on("error", () => undefined);
        child.on("error", (e) => conn.destroy(new Error(`cannot run ssh for ${address}: ${e.message}`)));
        // The stream ends when ssh does: a failed login or an unreachable host is an error
        // with ssh's own last words, not a bare "socket hang up".
        child.on("close", (code) => {
            if (code === 0 || conn.destroyed) conn.push(null);
            else {
                const why = stderr.trim().split("\n").pop() || `exit code ${code}`;
                conn.destroy(new Error(`ssh to ${address} failed: ${why}; check that \`ssh ${args.slice(0, -3).join(" ")}\` logs in`));
            }
        });
        // http expects a socket's knobs. An idle kept connection is unref'd, so that it does
        // not keep a finished process alive.
        const pipes = [child, child.stdin, child.stdout, child.stderr] as unknown as { ref(): void; unref(): void }[];
        Object.assign(conn, {
            setKeepAlive: () => conn,
            setNoDelay: () => conn,
            setTimeout: () => conn,
            ref: () => (pipes.forEach((p) => p.ref()), conn),
            unref: () => (pipes.forEach((p) => p.unref()), conn),
        });
        return conn;
    };
    return agent;
}

export function dockerOptionsFor(address: string, sshOptions: readonly string[] = []): Docker.DockerOptions {
    let url: URL;
    try {
        url = new URL(address);
    } catch {
        throw new Error(`docker host address '${address}' is not a URL: use unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host`);
    }
    switch (url.protocol) {
        case "unix:":
            return { socketPath: decodeURIComponent(url.pathname) };
        case "tcp:":
        case "http:":
        case "https:": {
            const certPath = process.env.DOCKER_CERT_PATH;
            const tls = url.protocol === "https:" || (url.protocol === "tcp:" && !!process.env.DOCKER_TLS_VERIFY && process.env.DOCKER_TLS_VERIFY !== "0");
            const opts: Docker.DockerOptions = {
                host: url.hostname,
                port: url.port || (tls ? 2376 : 2375),
                protocol: tls ? "https" : "http",
            };
            if (tls && certPath) {
                opts.ca = fs.readFileSync(path.join(certPath, "ca.pem"));
                opts.cert = fs.readFileSync(path.join(certPath, "cert.pem"));
                opts.key = fs.readFileSync(path.join(certPath, "key.pem"));
            }
            return opts;
        }
        case "ssh:":
            // host and port only name the request: every connection is made by the agent.
            return { protocol: "http", host: "docker.sock", port: 80, agent: sshAgent(address, sshOptions) } as Docker.DockerOptions;
        default:
            throw new Error(`docker host address '${address}': unsupported scheme '${url.protocol}' (use unix://, tcp:// or ssh://)`);
    }
}

/** One dockerode client per address and ssh options (`tugraph:sshOptions`, for ssh:// only). */
export function engineFor(address: string, sshOptions: readonly string[] = []): Docker {
    // The cache hangs off the process, not a module binding: the provider text is serialized,
    // and a captured Map turns into a plain object there (Map.prototype.get then throws).
    const engines: Map<string, Docker> = ((globalThis as { __tugraphHaDockerEngines?: Map<string, Docker> }).__tugraphHaDockerEngines ??= new Map<
        string,
        Docker
    >());
    const key = [address, ...sshOptions].join("\0");
    let d = engines.get(key);
    if (!d) {
        d = new Docker(dockerOptionsFor(address, sshOptions));
        engines.set(key, d);
    }
    return d;
}

/** The HTTP status of a dockerode error (404 for a missing container or image), or undefined. */
export function statusOf(e: unknown): number | undefined {
    const s = (e as { statusCode?: unknown } | null)?.statusCode;
    return typeof s === "number" ? s : undefined;
}
