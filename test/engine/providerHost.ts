// The engine's side of the dynamic-provider protocol, for tests: launches the
// SDK's REAL provider host (node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs)
// the way the Pulumi engine does and calls it over gRPC with the SDK's own stubs.
// Marshalling follows the engine (pkg/resource/plugin/provider_plugin.go):
// values travel as google.protobuf.Struct (so an `undefined` a provider returns
// fails here as it fails there), secrets are stripped (the host answers
// acceptSecrets=false) and re-marked on outputs whose input was secret,
// unknowns are allowed only in preview, Create/Update never run in preview
// (the host does not support preview). A test double of the engine, never product code.
import { spawn, type ChildProcess } from "child_process";
import * as path from "path";
import * as readline from "readline";

const ROOT = path.resolve(__dirname, "..", "..");
const SDK = path.join(ROOT, "node_modules", "@pulumi", "pulumi");
const fromSdk = (m: string) => require(require.resolve(m, { paths: [SDK] }));

const grpc = fromSdk("@grpc/grpc-js");
const provrpc = require(path.join(SDK, "proto", "provider_grpc_pb"));
const provproto = require(path.join(SDK, "proto", "provider_pb"));
const enginerpc = require(path.join(SDK, "proto", "engine_grpc_pb"));
const engineproto = require(path.join(SDK, "proto", "engine_pb"));
const emptyproto = fromSdk("google-protobuf/google/protobuf/empty_pb");
const structproto = fromSdk("google-protobuf/google/protobuf/struct_pb");

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export type Props = Record<string, any>;

/** A value as the engine's state marks it secret (the provider never sees the mark). */
export function secret<T>(v: T): { [SECRET_SIG_KEY]: string; value: T } {
    return { [SECRET_SIG_KEY]: SECRET_SIG, value: v };
}
export function isSecret(v: unknown): v is { value: unknown } {
    return !!v && typeof v === "object" && (v as Props)[SECRET_SIG_KEY] === SECRET_SIG;
}
/** The value without any secret marks (what a provider sees). */
export function plain(v: any): any {
    if (isSecret(v)) return plain(v.value);
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    return v;
}
export function containsUnknown(v: any): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(containsUnknown);
    if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
    return false;
}

/** MarshalProperties(KeepSecrets=false, KeepUnknowns=preview): a plain Struct. */
function marshal(obj: Props | undefined, preview: boolean, what: string) {
    const walk = (v: any): any => {
        if (isSecret(v)) return walk(v.value);
        if (v === UNKNOWN && !preview) throw new Error(`engine stand-in: unknown value in ${what} outside preview`);
        if (Array.isArray(v)) return v.map(walk);
        if (v && typeof v === "object") {
            const o: Props = {};
            for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = walk(x); // the engine has no undefined
            return o;
        }
        return v;
    };
    return structproto.Struct.fromJavaScript(walk(obj ?? {}));
}

/** annotateSecrets: a top-level output keeps the secret mark of the same-named input. */
function annotateSecrets(outs: Props, ins: Props | undefined): Props {
    const r = { ...outs };
    for (const [k, v] of Object.entries(ins ?? {})) if (isSecret(v) && k in r && !isSecret(r[k])) r[k] = secret(r[k]);
    return r;
}

export interface CallTiming {
    method: string;
    ms: number;
    error?: string;
}

export interface DiffResult {
    changes: "unknown" | "none" | "some";
    replaces: string[];
    deleteBeforeReplace: boolean;
}

/** A gRPC error from the host, with the provider's message. */
export class HostError extends Error {
    constructor(
        method: string,
        public readonly details: string,
    ) {
        super(details);
        this.name = `HostError(${method})`;
    }
}

/** A fake Engine service: the host never calls back, but it is given an address, as by the engine. */
async function startFakeEngine(): Promise<{ address: string; stop: () => Promise<void> }> {
    const server = new grpc.Server();
    const empty = (_c: unknown, cb: (e: null, r: unknown) => void) => cb(null, new emptyproto.Empty());
    server.addService(enginerpc.EngineService, {
        log: empty,
        getRootResource: (_c: unknown, cb: (e: null, r: unknown) => void) => cb(null, new engineproto.GetRootResourceResponse()),
        setRootResource: (_c: unknown, cb: (e: null, r: unknown) => void) => cb(null, new engineproto.SetRootResourceResponse()),
        startDebugging: empty,
        requirePulumiVersion: empty,
    });
    const port: number = await new Promise((res, rej) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e: Error | null, p: number) => (e ? rej(e) : res(p))),
    );
    return { address: `127.0.0.1:${port}`, stop: () => new Promise((r) => server.tryShutdown(() => r())) };
}

export interface HostOptions {
    project?: string;
    env?: Record<string, string>;
    /** Echo the host's stderr lines (the provider's progress) to this process's stderr. */
    echo?: boolean;
}

/** One long-lived provider host, as the engine keeps one per deployment; calls may run concurrently. */
export class ProviderHost {
    readonly stderr: string[] = [];
    readonly stdout: string[] = [];
    readonly timings: CallTiming[] = [];
    startupMs = 0;
    private proc?: ChildProcess;
    private client: any;
    private engine?: { stop: () => Promise<void> };
    private exited?: Promise<{ code: number | null; signal: string | null }>;

    constructor(private readonly o: HostOptions = {}) {}

    async start(): Promise<this> {
        const t0 = Date.now();
        const engine = await startFakeEngine();
        this.engine = engine;
        const project = this.o.project ?? "tugraph-ha";
        const env: Record<string, string | undefined> = {
            ...process.env,
            PULUMI_NODEJS_PROJECT: project,
            PULUMI_PROJECT: project,
            PULUMI_CONFIG: "{}",
            ...this.o.env,
        };
        // The engine's environment has no ts-node: the stored text must run in plain node.
        for (const k of Object.keys(env)) if (k === "NODE_OPTIONS" || k.startsWith("TS_NODE")) delete env[k];
        const proc = spawn("sh", [path.join(SDK, "pulumi-resource-pulumi-nodejs"), engine.address], {
            cwd: ROOT,
            env,
            stdio: ["ignore", "pipe", "pipe"],
            detached: true, // own process group: stop() ends sh and node
        });
        this.proc = proc;
        this.exited = new Promise((r) => proc.once("exit", (code, signal) => r({ code, signal })));
        readline.createInterface({ input: proc.stderr! }).on("line", (l) => {
            this.stderr.push(l);
            if (this.o.echo) process.stderr.write(`[provider host] ${l}\n`);
        });
        const out = readline.createInterface({ input: proc.stdout! });
        const port = await new Promise<number>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`provider host gave no port within 30 s: ${this.stderr.join("\n")}`)), 30_000);
            let first = true;
            out.on("line", (l) => {
                if (!first) return void this.stdout.push(l);
                first = false;
                clearTimeout(timer);
                resolve(Number(l.trim()));
            });
            proc.once("exit", (c) => reject(new Error(`provider host exited (${c}) before its port: ${this.stderr.join("\n")}`)));
        });
        this.client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        // What the engine does when it loads a provider.
        const cfg = new provproto.ConfigureRequest();
        cfg.setArgs(structproto.Struct.fromJavaScript({}));
        cfg.setAcceptsecrets(true);
        cfg.setAcceptresources(true);
        cfg.setSendsOldInputs(true);
        cfg.setSendsOldInputsToDelete(true);
        const resp = await this.call("configure", cfg);
        if (resp.getAcceptsecrets() || resp.getSupportspreview()) throw new Error("the host's protocol changed: revisit the stand-in's marshalling");
        this.startupMs = Date.now() - t0;
        return this;
    }

    private call(method: string, req: unknown): Promise<any> {
        return new Promise((resolve, reject) => {
            const t0 = process.hrtime.bigint();
            this.client[method](req, (err: any, resp: any) => {
                const ms = Number(process.hrtime.bigint() - t0) / 1e6;
                if (err) {
                    this.timings.push({ method, ms, error: err.details ?? err.message });
                    reject(new HostError(method, err.details ?? err.message));
                } else {
                    this.timings.push({ method, ms });
                    resolve(resp);
                }
            });
        });
    }

    async check(
        urn: string,
        olds: Props | undefined,
        news: Props,
        preview = false,
    ): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
        const r = new provproto.CheckRequest();
        r.setUrn(urn);
        r.setOlds(marshal(olds ?? {}, preview, "check olds"));
        r.setNews(marshal(news, preview, "check news"));
        const resp = await this.call("check", r);
        return {
            inputs: annotateSecrets(resp.getInputs().toJavaScript(), news),
            failures: resp.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
        };
    }

    async diff(urn: string, id: string, oldInputs: Props, oldOutputs: Props, news: Props, preview = false): Promise<DiffResult> {
        const r = new provproto.DiffRequest();
        r.setUrn(urn);
        r.setId(id);
        r.setOldInputs(marshal(oldInputs, preview, "diff old inputs"));
        r.setOlds(marshal(oldOutputs, preview, "diff olds"));
        r.setNews(marshal(news, preview, "diff news"));
        const resp = await this.call("diff", r);
        const C = provproto.DiffResponse.DiffChanges;
        const changes = resp.getChanges() === C.DIFF_SOME ? "some" : resp.getChanges() === C.DIFF_NONE ? "none" : "unknown";
        return { changes, replaces: resp.getReplacesList(), deleteBeforeReplace: resp.getDeletebeforereplace() };
    }

    async create(urn: string, props: Props): Promise<{ id: string; outs: Props }> {
        const r = new provproto.CreateRequest();
        r.setUrn(urn);
        r.setProperties(marshal(props, false, "create"));
        const resp = await this.call("create", r);
        return { id: resp.getId(), outs: annotateSecrets(resp.getProperties().toJavaScript(), props) };
    }

    async update(urn: string, id: string, oldInputs: Props, oldOutputs: Props, news: Props): Promise<{ outs: Props }> {
        const r = new provproto.UpdateRequest();
        r.setUrn(urn);
        r.setId(id);
        r.setOldInputs(marshal(oldInputs, false, "update old inputs"));
        r.setOlds(marshal(oldOutputs, false, "update olds"));
        r.setNews(marshal(news, false, "update news"));
        const resp = await this.call("update", r);
        return { outs: annotateSecrets(resp.getProperties().toJavaScript(), news) };
    }

    async read(urn: string, id: string, inputs: Props, outputs: Props): Promise<{ id: string; outs: Props; inputs?: Props }> {
        const r = new provproto.ReadRequest();
        r.setUrn(urn);
        r.setId(id);
        r.setInputs(marshal(inputs, false, "read inputs"));
        r.setProperties(marshal(outputs, false, "read state"));
        const resp = await this.call("read", r);
        const got = resp.getInputs();
        return {
            id: resp.getId(),
            outs: annotateSecrets(resp.getProperties()?.toJavaScript() ?? {}, outputs),
            inputs: got ? annotateSecrets(got.toJavaScript(), inputs) : undefined,
        };
    }

    async delete(urn: string, id: string, inputs: Props, outputs: Props): Promise<void> {
        const r = new provproto.DeleteRequest();
        r.setUrn(urn);
        r.setId(id);
        r.setOldInputs(marshal(inputs, false, "delete inputs"));
        r.setProperties(marshal(outputs, false, "delete state"));
        await this.call("delete", r);
    }

    async stop(): Promise<void> {
        this.client?.close();
        if (this.proc && this.proc.exitCode === null) {
            try {
                process.kill(-this.proc.pid!, "SIGTERM");
            } catch {
                /* already gone */
            }
        }
        if (this.exited) await this.exited;
        await this.engine?.stop();
    }
}
