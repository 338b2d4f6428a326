// A step-order driver: runs a Pulumi program (the SDK's own runtime, with a
// resource monitor standing in for the engine's) and carries out each
// registration the way `pulumi up`/`preview`/`refresh`/`destroy` order them
// (pkg/resource/deploy: step_generator.go, step_executor.go, deployment_executor.go):
//   - a registration is a step that runs when the SDK registers it, i.e. once
//     its dependencies are done: dependents wait, independent resources run in
//     parallel, outputs flow back into the program;
//   - dynamic resources go through the SDK's REAL provider host (providerHost.ts):
//     Check(olds = old inputs or {}) -> Diff(olds = old outputs) -> Create | Same |
//     Update | Replace; preview runs Check and Diff only;
//   - a replacement re-runs Check with no olds; with deleteBeforeReplace the
//     dependents whose inputs come from the replaced resource are deleted first,
//     then the old resource, then the new one is created; otherwise the old one
//     is deleted with the dropped resources;
//   - resources dropped from the program are deleted AFTER every create and
//     update, in reverse dependency order, independent ones in parallel;
//   - after a failed step no new step starts, and nothing is deleted;
//   - refresh = Read on every resource at once (an empty id drops it), then Diff;
//     destroy deletes from the state, in reverse dependency order.
// Other resource types (Docker) go through a Realizer: state-only by default, or
// a real Docker engine (test/scenario/dockerRealizer.ts). A test may also give a
// realizer for a dynamic type whose real provider needs Docker (DataSync,
// RetiredContainer) when its nodes are simulator processes; those providers run
// through the real host in the Docker tests. A test double of the
// engine, never product code.
import * as pulumi from "@pulumi/pulumi";
import { ProviderHost, UNKNOWN, containsUnknown, plain, type DiffResult, type Props } from "./providerHost";

const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
const settings = require("@pulumi/pulumi/runtime/settings");
const resproto = require("@pulumi/pulumi/proto/resource_pb");
const structproto = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [require.resolve("@pulumi/pulumi")] }));

export interface StateResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    id: string;
    inputs: Props; // the engine's view: secrets marked, as checked
    outputs: Props;
    dependencies: string[]; // dependsOn, input dependencies, parent and provider: what delete order respects
    propertyDependencies: Record<string, string[]>;
    deleteBeforeReplace: boolean; // the resource option
}

export type StepOp = "create" | "same" | "update" | "replace" | "delete" | "read" | "refresh-drop" | "check-failed";

export interface StepRecord {
    op: StepOp;
    urn: string;
    type: string;
    name: string;
    preview: boolean;
    start: number;
    end: number;
    detail?: string; // why (diff keys, replacement kind, error)
    diff?: DiffResult;
    error?: string;
}

/** How a non-dynamic resource type is carried out. */
export interface Realizer {
    /** "replace" when a change of these inputs replaces the resource; "update" when it is made in place. */
    diff(old: StateResource, news: Props): { changes: boolean; replaces: string[] };
    create(r: { urn: string; type: string; name: string; inputs: Props }, preview: boolean): Promise<{ id: string; outputs: Props }>;
    update?(old: StateResource, news: Props): Promise<Props>;
    delete(r: StateResource): Promise<void>;
    read?(r: StateResource): Promise<{ id: string; outputs: Props }>;
}

/** Keeps declarations as state only (like mocks); computed outputs unknown in preview. */
export const stateOnlyRealizer = (computed: Record<string, (inputs: Props) => unknown> = {}, inPlace: string[] = []): Realizer => ({
    diff(old, news) {
        const keys = [...new Set([...Object.keys(old.inputs), ...Object.keys(news)])];
        const changed = keys.filter((k) => JSON.stringify(old.inputs[k]) !== JSON.stringify(news[k]));
        return { changes: changed.length > 0, replaces: changed.filter((k) => !inPlace.includes(k)) };
    },
    async create(r, preview) {
        const outputs: Props = { ...r.inputs };
        for (const [k, f] of Object.entries(computed)) outputs[k] = preview ? UNKNOWN : f(r.inputs);
        return { id: preview ? "" : `${r.name}-id`, outputs };
    },
    async update(_old, news) {
        return { ...news, ...Object.fromEntries(Object.keys(computed).map((k) => [k, _old.outputs[k]])) };
    },
    async delete() {
        /* state only */
    },
});

/** Docker types' defaults: an image's id is computed; a container's restart/mustRun change in place. */
export function defaultRealizers(): Record<string, Realizer> {
    return {
        "docker:index/remoteImage:RemoteImage": stateOnlyRealizer({ imageId: (i) => `sha256:${i.name}` }, ["keepLocally"]),
        "docker:index/container:Container": stateOnlyRealizer({}, ["restart", "mustRun"]),
    };
}

const isDynamic = (type: string) => type.startsWith("pulumi-nodejs:dynamic");
const base = (urn: string) => urn.replace(/#replaced$/, "");

export class StepError extends Error {}

export interface RunResult<T> {
    result: T;
    steps: StepRecord[];
    errors: string[];
}

export interface DeploymentOptions {
    project?: string;
    stack?: string;
    realizers?: Record<string, Realizer>;
    /** Echo the provider host's stderr (progress lines) here. */
    echo?: boolean;
}

/**
 * One stack's state and one long-lived provider host. `up` runs a preview pass
 * first, as `pulumi up` does; `preview` never changes the state.
 */
export class Deployment {
    state = new Map<string, StateResource>();
    readonly history: StepRecord[] = [];
    host!: ProviderHost;
    private readonly realizers: Record<string, Realizer>;

    constructor(private readonly o: DeploymentOptions = {}) {
        this.realizers = { ...defaultRealizers(), ...(o.realizers ?? {}) };
    }

    async start(): Promise<this> {
        this.host = await new ProviderHost({ project: this.o.project ?? "tugraph-ha", echo: this.o.echo }).start();
        return this;
    }

    async stop(): Promise<void> {
        await this.host?.stop();
    }

    resources(type?: string): StateResource[] {
        return [...this.state.values()].filter((r) => !type || r.type === type || r.type.endsWith(`:${type}`));
    }

    /** The state entry of the one resource whose type ends with `type` and name is `name`. */
    get(type: string, name: string): StateResource | undefined {
        return this.resources(type).find((r) => r.name === name);
    }

    async preview<T>(program: () => T): Promise<RunResult<T>> {
        return this.run(program, true);
    }

    /** `pulumi up`: a preview first (its failures stop the update), then the update. */
    async up<T>(program: () => T, opts: { skipPreview?: boolean } = {}): Promise<RunResult<T>> {
        if (!opts.skipPreview) {
            const p = await this.run(program, true);
            if (p.errors.length > 0) return p;
        }
        return this.run(program, false);
    }

    /** Like `up`, but a failure throws with every error. */
    async upOk<T>(program: () => T): Promise<RunResult<T>> {
        const r = await this.up(program);
        if (r.errors.length > 0) throw new StepError(r.errors.join("\n"));
        return r;
    }

    private record(s: Omit<StepRecord, "end">): StepRecord {
        const full = { ...s, end: Date.now() };
        this.history.push(full);
        return full;
    }

    private async run<T>(program: () => T, preview: boolean): Promise<RunResult<T>> {
        const state = preview ? new Map([...this.state].map(([k, v]) => [k, { ...v }])) : this.state;
        const steps: StepRecord[] = [];
        const errors: string[] = [];
        const seen = new Set<string>();
        const deferredDeletes: StateResource[] = [];
        const step = async (op: StepOp, r: { urn: string; type: string; name: string }, start: number, extra: Partial<StepRecord> = {}) =>
            steps.push(this.record({ op, urn: r.urn, type: r.type, name: r.name, preview, start, ...extra }));

        const register = async (req: any): Promise<{ urn: string; id: string; outputs: Props }> => {
            const type: string = req.getType();
            const name: string = req.getName();
            const urn: string = MockMonitor.prototype.newUrn.call(null, req.getParent(), type, name);
            seen.add(urn);
            const news: Props = req.getObject()?.toJavaScript() ?? {};
            const propertyDependencies: Record<string, string[]> = {};
            req.getPropertydependenciesMap().forEach((v: any, k: string) => (propertyDependencies[k] = v.getUrnsList()));
            const providerRef: string = req.getProvider() ?? "";
            const dependencies = [
                ...new Set([
                    ...req.getDependenciesList(),
                    ...Object.values(propertyDependencies).flat(),
                    ...(req.getParent() ? [req.getParent()] : []),
                    ...(providerRef ? [providerRef.split("::").slice(0, -1).join("::")] : []),
                ]),
            ].filter((u) => u && u !== urn);
            const entry = (id: string, inputs: Props, outputs: Props): StateResource => ({
                urn,
                type,
                name,
                custom: req.getCustom(),
                id,
                inputs,
                outputs,
                dependencies,
                propertyDependencies,
                deleteBeforeReplace: req.getDeletebeforereplace(),
            });
            if (!req.getCustom()) {
                state.set(urn, entry("", {}, {}));
                return { urn, id: "", outputs: {} };
            }
            if (errors.length > 0) throw new StepError(`not started: an earlier step failed`);
            const start = Date.now();
            const old = state.get(urn);
            try {
                const r =
                    isDynamic(type) && !this.realizers[type]
                        ? await this.dynamicStep(urn, old, news, preview, entry, state, (op, extra) => step(op, { urn, type, name }, start, extra))
                        : await this.realizedStep(urn, type, name, old, news, preview, entry, state, (op, extra) =>
                              step(op, { urn, type, name }, start, extra),
                          );
                if (r.deferred) deferredDeletes.push(r.deferred);
                return { urn, id: r.entry.id, outputs: r.entry.outputs };
            } catch (e) {
                const msg = `${type} ${name}: ${(e as Error).message}`;
                errors.push(msg);
                await step(e instanceof CheckFailed ? "check-failed" : "create", { urn, type, name }, start, { error: msg });
                throw e;
            }
        };

        const saved = MockMonitor.prototype.registerResource;
        MockMonitor.prototype.registerResource = function (this: any, req: any, callback: (e: unknown, r?: unknown) => void) {
            register(req).then(
                ({ urn, id, outputs }) => {
                    this.resources.set(urn, { urn, id, state: outputs }); // registerResourceOutputs looks it up
                    const resp = new resproto.RegisterResourceResponse();
                    resp.setUrn(urn);
                    resp.setId(id);
                    resp.setObject(structproto.Struct.fromJavaScript(outputs));
                    callback(null, resp);
                },
                (e) => callback(e),
            );
        };
        let result: T;
        try {
            await pulumi.runtime.setMocks(
                {
                    newResource: () => {
                        throw new Error("not used: the stand-in registers");
                    },
                    call: (a) => a.inputs,
                },
                this.o.project ?? "tugraph-ha",
                this.o.stack ?? "test",
                preview,
            );
            try {
                // A program that throws (e.g. a refused plan) fails the update before any step, as in the engine.
                result = await program();
            } catch (e) {
                errors.push(`program: ${(e as Error).message}`);
            }
            // Every registration and apply settles before the deletes, as the engine waits for the program.
            // After a failed step (or a program error) the dependents' registrations never come:
            // the engine stops there, and so do we, a moment after the failure.
            const sleep = (ms: number) => new Promise<false>((r) => setTimeout(() => r(false), ms));
            for (let i = 0; i < 3; i++) {
                const rpcs = settings.waitForRPCs().then(
                    () => true,
                    () => true,
                );
                for (;;) {
                    if (await Promise.race([rpcs, sleep(200)])) break;
                    if (errors.length > 0) {
                        await Promise.race([rpcs, sleep(1000)]);
                        break;
                    }
                }
                await sleep(20);
            }
        } finally {
            MockMonitor.prototype.registerResource = saved;
        }
        if (errors.length === 0) {
            const dropped = [...state.values()].filter((r) => !seen.has(r.urn));
            await this.deleteInOrder([...dropped, ...deferredDeletes], state, preview, steps, "dropped from the program");
        }
        return { result: result!, steps, errors };
    }

    private async dynamicStep(
        urn: string,
        old: StateResource | undefined,
        news: Props,
        preview: boolean,
        entry: (id: string, i: Props, o: Props) => StateResource,
        state: Map<string, StateResource>,
        step: (op: StepOp, extra?: Partial<StepRecord>) => Promise<unknown>,
    ): Promise<{ entry: StateResource; deferred?: StateResource }> {
        const host = this.host;
        const c = await host.check(urn, old?.inputs ?? {}, news, preview);
        if (c.failures.length > 0) throw new CheckFailed(c.failures.map((f) => `${f.property}: ${f.reason}`).join("; "));
        const create = async (inputs: Props) => {
            if (preview) return entry("", inputs, inputs); // the host does not support preview: outputs are the inputs
            const r = await host.create(urn, inputs);
            return entry(r.id, inputs, r.outs);
        };
        if (!old) {
            const e = await create(c.inputs);
            state.set(urn, e);
            await step("create");
            return { entry: e };
        }
        const d = await host.diff(urn, old.id, old.inputs, old.outputs, c.inputs, preview);
        const changed = d.changes === "some" || (d.changes === "unknown" && JSON.stringify(plain(old.inputs)) !== JSON.stringify(plain(c.inputs)));
        if (!changed) {
            const e = entry(old.id, c.inputs, old.outputs); // "same" keeps the new inputs with the old outputs
            state.set(urn, e);
            await step("same", { diff: d });
            return { entry: e };
        }
        if (d.replaces.length > 0) {
            const again = await host.check(urn, {}, news, preview); // the engine recomputes defaults for the new resource
            if (again.failures.length > 0) throw new CheckFailed(again.failures.map((f) => `${f.property}: ${f.reason}`).join("; "));
            const dbr = d.deleteBeforeReplace || old.deleteBeforeReplace;
            if (dbr) {
                await this.deleteDependentsOf(old, state, preview);
                if (!preview) await host.delete(urn, old.id, old.inputs, old.outputs);
                state.delete(urn);
            }
            const e = await create(again.inputs);
            state.set(urn, e);
            await step("replace", { diff: d, detail: `${dbr ? "delete-before-replace" : "create-before-delete"} (${d.replaces.join(", ")})` });
            return { entry: e, deferred: dbr ? undefined : { ...old, urn: `${old.urn}#replaced` } };
        }
        if (preview) {
            const e = entry(old.id, c.inputs, c.inputs); // no preview of update in the host: outputs are the inputs
            state.set(urn, e);
            await step("update", { diff: d });
            return { entry: e };
        }
        const u = await host.update(urn, old.id, old.inputs, old.outputs, c.inputs);
        const e = entry(old.id, c.inputs, u.outs);
        state.set(urn, e);
        await step("update", { diff: d });
        return { entry: e };
    }

    private async realizedStep(
        urn: string,
        type: string,
        name: string,
        old: StateResource | undefined,
        news: Props,
        preview: boolean,
        entry: (id: string, i: Props, o: Props) => StateResource,
        state: Map<string, StateResource>,
        step: (op: StepOp, extra?: Partial<StepRecord>) => Promise<unknown>,
    ): Promise<{ entry: StateResource; deferred?: StateResource }> {
        const realizer = this.realizers[type] ?? stateOnlyRealizer();
        const create = async () => {
            const r = await realizer.create({ urn, type, name, inputs: news }, preview || containsUnknown(news));
            return entry(r.id, news, r.outputs);
        };
        if (!old) {
            const e = await create();
            state.set(urn, e);
            await step("create");
            return { entry: e };
        }
        const d = realizer.diff(old, news);
        if (!d.changes) {
            const e = entry(old.id, news, old.outputs);
            state.set(urn, e);
            await step("same");
            return { entry: e };
        }
        if (d.replaces.length > 0) {
            const dbr = old.deleteBeforeReplace;
            if (dbr) {
                await this.deleteDependentsOf(old, state, preview);
                if (!preview) await realizer.delete(old);
                state.delete(urn);
            }
            const e = await create();
            state.set(urn, e);
            await step("replace", { detail: `${dbr ? "delete-before-replace" : "create-before-delete"} (${d.replaces.join(", ")})` });
            return { entry: e, deferred: dbr ? undefined : { ...old, urn: `${old.urn}#replaced` } };
        }
        const outputs = preview || !realizer.update ? { ...old.outputs, ...news } : await realizer.update(old, news);
        const e = entry(old.id, news, outputs);
        state.set(urn, e);
        await step("update");
        return { entry: e };
    }

    /** deleteBeforeReplace: resources whose inputs take values from `r` go first (they will be replaced too). */
    private async deleteDependentsOf(r: StateResource, state: Map<string, StateResource>, preview: boolean): Promise<void> {
        const dependents = (u: string): StateResource[] => {
            const direct = [...state.values()].filter((x) => x.custom && Object.values(x.propertyDependencies).some((us) => us.includes(u)));
            return [...direct, ...direct.flatMap((x) => dependents(x.urn))];
        };
        const all = [...new Map(dependents(r.urn).map((x) => [x.urn, x])).values()];
        if (all.length > 0) await this.deleteInOrder(all, state, preview, [], `dependent of ${r.name}, replaced delete-first`);
    }

    /** Deletes `targets` dependents first; independent ones in parallel. */
    private async deleteInOrder(
        targets: StateResource[],
        state: Map<string, StateResource>,
        preview: boolean,
        steps: StepRecord[],
        why: string,
    ): Promise<void> {
        let pending = targets.filter((t) => t.custom);
        const components = targets.filter((t) => !t.custom);
        while (pending.length > 0) {
            // A resource can go once no other pending resource depends on it.
            const ready = pending.filter((p) => !pending.some((q) => q !== p && q.dependencies.includes(base(p.urn))));
            const batch = ready.length > 0 ? ready : [pending[0]];
            await Promise.all(
                batch.map(async (r) => {
                    const start = Date.now();
                    try {
                        if (!preview) {
                            if (isDynamic(r.type) && !this.realizers[r.type]) await this.host.delete(base(r.urn), r.id, r.inputs, r.outputs);
                            else await (this.realizers[r.type] ?? stateOnlyRealizer()).delete(r);
                        }
                    } catch (e) {
                        steps.push(
                            this.record({ op: "delete", urn: r.urn, type: r.type, name: r.name, preview, start, detail: why, error: (e as Error).message }),
                        );
                        throw e;
                    }
                    if (state.get(r.urn) === r) state.delete(r.urn);
                    steps.push(this.record({ op: "delete", urn: r.urn, type: r.type, name: r.name, preview, start, detail: why }));
                }),
            );
            pending = pending.filter((p) => !batch.includes(p));
        }
        if (!preview) for (const c of components) state.delete(c.urn);
    }

    /** `pulumi refresh`: Read on every resource at once; an empty id drops it; then Diff shows drift. */
    async refresh(): Promise<{ steps: StepRecord[]; errors: string[]; drift: Record<string, DiffResult> }> {
        const steps: StepRecord[] = [];
        const errors: string[] = [];
        const drift: Record<string, DiffResult> = {};
        await Promise.all(
            [...this.state.values()]
                .filter((r) => r.custom)
                .map(async (r) => {
                    const start = Date.now();
                    try {
                        if (isDynamic(r.type) && !this.realizers[r.type]) {
                            const got = await this.host.read(r.urn, r.id, r.inputs, r.outputs);
                            if (!got.id) {
                                this.state.delete(r.urn);
                                steps.push(this.record({ op: "refresh-drop", urn: r.urn, type: r.type, name: r.name, preview: false, start }));
                                return;
                            }
                            const inputs = got.inputs ?? r.inputs;
                            // As the real engine's refresh step (step.go): Diff runs before anything is
                            // saved, and a Diff that throws fails the step with the old state kept.
                            drift[r.name] = await this.host.diff(r.urn, got.id, inputs, got.outs, r.inputs);
                            this.state.set(r.urn, { ...r, id: got.id, inputs, outputs: got.outs });
                        } else {
                            const realizer = this.realizers[r.type];
                            if (realizer?.read) {
                                const got = await realizer.read(r);
                                if (!got.id) {
                                    this.state.delete(r.urn);
                                    steps.push(this.record({ op: "refresh-drop", urn: r.urn, type: r.type, name: r.name, preview: false, start }));
                                    return;
                                }
                                this.state.set(r.urn, { ...r, id: got.id, outputs: got.outputs });
                            }
                        }
                        steps.push(this.record({ op: "read", urn: r.urn, type: r.type, name: r.name, preview: false, start, diff: drift[r.name] }));
                    } catch (e) {
                        errors.push(`${r.type} ${r.name}: ${(e as Error).message}`);
                        steps.push(this.record({ op: "read", urn: r.urn, type: r.type, name: r.name, preview: false, start, error: (e as Error).message }));
                    }
                }),
        );
        return { steps, errors, drift };
    }

    /** `pulumi destroy`: every resource in the state, dependents first. */
    async destroy(): Promise<StepRecord[]> {
        const steps: StepRecord[] = [];
        await this.deleteInOrder([...this.state.values()], this.state, false, steps, "destroy");
        return steps;
    }
}

class CheckFailed extends Error {}
