// Docker engine connections for the data sync, by address as the stack spells it
// (NodeSpec.dockerHost): unix:///path, tcp://host:port (https when DOCKER_TLS_VERIFY
// and DOCKER_CERT_PATH are set, as the docker CLI does) and ssh://[user@]host[:port]
// (docker-modem runs `docker system dial-stdio` on the remote host over ssh2, with
// the local ssh agent). No CLI output is parsed anywhere.

import * as fs from "fs";
import * as path from "path";
import Docker from "dockerode";

export function dockerOptionsFor(address: string): Docker.DockerOptions {
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
            return {
                protocol: "ssh",
                host: url.hostname,
                port: url.port || 22,
                username: decodeURIComponent(url.username) || process.env.USER || "root",
                sshOptions: { agent: process.env.SSH_AUTH_SOCK },
            } as Docker.DockerOptions;
        default:
            throw new Error(`docker host address '${address}': unsupported scheme '${url.protocol}' (use unix://, tcp:// or ssh://)`);
    }
}

/** One dockerode client per address (cached: ssh connections are not free). */
export function engineFor(address: string): Docker {
    // The cache hangs off the process, not a module binding: the provider text is serialized,
    // and a captured Map turns into a plain object there (Map.prototype.get then throws).
    const engines: Map<string, Docker> = ((globalThis as Record<string, any>).__tugraphHaDockerEngines ??= new Map<string, Docker>());
    let d = engines.get(address);
    if (!d) {
        d = new Docker(dockerOptionsFor(address));
        engines.set(address, d);
    }
    return d;
}

/** The HTTP status of a dockerode error (404 for a missing container or image), or undefined. */
export function statusOf(e: unknown): number | undefined {
    const s = (e as { statusCode?: unknown } | null)?.statusCode;
    return typeof s === "number" ? s : undefined;
}
