// Applies the docker.Container declarations the program makes (as recorded under
// Pulumi mocks) to a real Docker engine, the way the docker provider would: the
// same API fields, the config uploaded before start, and no change at all when a
// declaration is byte-identical to the one the running container was made from.
// A test adapter standing in for `pulumi up`'s Docker half; not product code.
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { DEFAULT_DOCKER_HOST, dockerOk } from "../docker/engine";

const DECLARED = "tugraph-ha.test-declared-sha256";

function socketPath(host: string): string {
    if (!host.startsWith("unix://")) throw new Error(`dockerApply speaks to unix sockets only, not ${host}`);
    return host.slice("unix://".length);
}

function api(host: string, method: string, urlPath: string, body?: unknown): Promise<{ status: number; json: any }> {
    return new Promise((resolve, reject) => {
        const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        const req = http.request(
            {
                socketPath: socketPath(host),
                method,
                path: urlPath,
                headers: data ? { "Content-Type": "application/json", "Content-Length": data.length } : {},
            },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c) => chunks.push(c));
                res.on("end", () => {
                    const text = Buffer.concat(chunks).toString();
                    let json: any = text;
                    try {
                        json = text ? JSON.parse(text) : undefined;
                    } catch {
                        /* plain text */
                    }
                    resolve({ status: res.statusCode ?? 0, json });
                });
            },
        );
        req.on("error", reject);
        if (data) req.write(data);
        req.end();
    });
}

const DURATION: Record<string, number> = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
function nanos(d: string): number {
    const m = /^(\d+)(ms|s|m|h)$/.exec(d);
    if (!m) throw new Error(`unsupported duration ${d}`);
    return Number(m[1]) * DURATION[m[2]];
}

export interface ApplyResult {
    name: string;
    id: string;
    action: "created" | "replaced" | "unchanged";
}

/** `image` overrides the declared image (under mocks it is a placeholder id). */
export async function applyContainer(inputs: any, opts: { image: string; host?: string }): Promise<ApplyResult> {
    const host = opts.host ?? process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST;
    const declared = crypto.createHash("sha256").update(JSON.stringify(inputs)).digest("hex");
    const existing = await api(host, "GET", `/containers/${inputs.name}/json`);
    let action: ApplyResult["action"] = "created";
    if (existing.status === 200) {
        if (existing.json.Config.Labels?.[DECLARED] === declared) return { name: inputs.name, id: existing.json.Id, action: "unchanged" };
        await api(host, "DELETE", `/containers/${inputs.name}?force=true`); // deleteBeforeReplace
        action = "replaced";
    }
    const labels: Record<string, string> = { [DECLARED]: declared };
    for (const l of inputs.labels ?? []) labels[l.label] = l.value;
    const hc = inputs.healthcheck;
    const created = await api(host, "POST", `/containers/create?name=${encodeURIComponent(inputs.name)}`, {
        Image: opts.image,
        Cmd: inputs.command,
        Labels: labels,
        Healthcheck: hc && {
            Test: hc.tests,
            Interval: nanos(hc.interval),
            Timeout: nanos(hc.timeout),
            Retries: hc.retries,
            StartPeriod: nanos(hc.startPeriod),
        },
        HostConfig: {
            NetworkMode: inputs.networkMode,
            Binds: (inputs.volumes ?? []).map((v: any) => `${v.hostPath}:${v.containerPath}${v.readOnly ? ":ro" : ""}`),
            RestartPolicy: { Name: inputs.restart },
        },
    });
    if (created.status !== 201) throw new Error(`create ${inputs.name}: ${created.status} ${JSON.stringify(created.json)}`);
    const id: string = created.json.Id;
    for (const u of inputs.uploads ?? []) {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-upload-"));
        const file = path.join(tmp, path.basename(u.file));
        fs.writeFileSync(file, u.content);
        try {
            await dockerOk(["cp", file, `${id}:${u.file}`], { host });
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    }
    await dockerOk(["start", id], { host });
    return { name: inputs.name, id, action };
}

/** The provider's `wait: true`: block until the health check passes. */
export async function waitHealthy(name: string, timeoutMs: number, host?: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
        last = (await dockerOk(["inspect", "-f", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}", name], { host })).trim();
        if (last.endsWith("healthy") && !last.endsWith("unhealthy")) return;
        await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`${name} not healthy after ${timeoutMs} ms (${last})`);
}

export async function removeContainers(names: string[], host?: string): Promise<void> {
    const h = host ?? process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST;
    for (const n of names) await api(h, "DELETE", `/containers/${n}?force=true`).catch(() => undefined);
}

export async function startedAt(name: string, host?: string): Promise<string> {
    return (await dockerOk(["inspect", "-f", "{{.State.StartedAt}}", name], { host })).trim();
}
