// Calls a dynamic provider's methods the way the Pulumi engine does: through the
// SDK's REAL provider host (test/engine/providerHost.ts), from the provider's
// serialized text, values as protobuf Structs. And small helpers for the
// membership provider tests against the simulator.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { SimulatorCluster, runOn, DEFAULT_PASSWORD, DEFAULT_USER } from "../simulator/harness";
import { ProviderHost, UNKNOWN, type DiffResult } from "../engine/providerHost";

export { UNKNOWN };
export type Provider = pulumi.dynamic.ResourceProvider;

export interface Stored {
    id: string;
    inputs: Record<string, any>; // checked inputs, as the engine keeps them (with __provider)
    outs: Record<string, any>; // the state (what diff/delete/read get as olds/props)
}

let current: ProviderHost | undefined;
/** Starts one provider host for the enclosing describe (one per deployment, as the engine does). */
export function useProviderHost(): () => ProviderHost {
    before(async function () {
        this.timeout(60_000);
        current = await new ProviderHost().start();
    });
    after(async () => {
        await current?.stop();
        current = undefined;
    });
    return () => current!;
}
function host(): ProviderHost {
    if (!current) throw new Error("no provider host: call useProviderHost() in the describe");
    return current;
}

const texts = new WeakMap<Provider, Promise<string>>();
/** The provider's text as a dynamic Resource serializes it (`__provider`). */
export function providerText(p: Provider): Promise<string> {
    let t = texts.get(p);
    if (!t) {
        t = pulumi.runtime.serializeFunction(() => p, { allowSecrets: true }).then((sf) => sf.text);
        texts.set(p, t);
    }
    return t;
}
const urnOf = (news: Record<string, any>) => `urn:pulumi:test::tugraph-ha::pulumi-nodejs:dynamic/tugraph:Resource::r${news?.nodeId ?? ""}`;
async function withText(p: Provider, props: Record<string, any>) {
    return { ...props, __provider: await providerText(p) };
}

/** check() through the host: olds are the old inputs, or {} for a new resource. */
export async function engineCheck(p: Provider, olds: Record<string, any> | undefined, news: Record<string, any>, preview = false) {
    return host().check(urnOf(news), olds ? await withText(p, olds) : {}, await withText(p, news), preview);
}

export async function engineDiff(p: Provider, old: Stored, news: Record<string, any>, preview = false): Promise<DiffResult> {
    return host().diff(urnOf(news), old.id, old.inputs, await withText(p, old.outs), await withText(p, news), preview);
}

/** `pulumi up` for a new resource: check({} olds) -> create. */
export async function engineCreate(p: Provider, news: Record<string, any>): Promise<Stored> {
    const c = await engineCheck(p, undefined, news);
    assert.deepStrictEqual(c.failures ?? [], [], "check failures");
    const r = await host().create(urnOf(news), c.inputs);
    return { id: r.id, inputs: c.inputs, outs: r.outs };
}

export type UpOutcome = { op: "same" | "update" | "replace"; stored: Stored; diff: DiffResult };

/** `pulumi up` for an existing resource: check(old inputs) -> diff(old state) -> nothing | update | delete-then-create. */
export async function engineUp(p: Provider, old: Stored, news: Record<string, any>): Promise<UpOutcome> {
    const h = host();
    const urn = urnOf(news);
    const c = await h.check(urn, old.inputs, await withText(p, news));
    assert.deepStrictEqual(c.failures ?? [], [], "check failures");
    const diff = await h.diff(urn, old.id, old.inputs, old.outs, c.inputs);
    if (diff.replaces.length > 0) {
        assert.ok(diff.deleteBeforeReplace, "membership replacements must delete first");
        const again = await h.check(urn, {}, await withText(p, news));
        await h.delete(urn, old.id, old.inputs, old.outs); // the STORED text runs delete
        const r = await h.create(urn, again.inputs);
        return { op: "replace", diff, stored: { id: r.id, inputs: again.inputs, outs: r.outs } };
    }
    if (diff.changes === "some") {
        const r = await h.update(urn, old.id, old.inputs, old.outs, c.inputs);
        return { op: "update", diff, stored: { id: old.id, inputs: c.inputs, outs: r.outs } };
    }
    return { op: "same", diff, stored: { id: old.id, inputs: c.inputs, outs: old.outs } };
}

/** `pulumi preview`: check and diff only, with unknowns where the program has them. */
export async function enginePreview(p: Provider, old: Stored | undefined, news: Record<string, any>) {
    const h = host();
    const urn = urnOf(news);
    const c = await h.check(urn, old?.inputs ?? {}, await withText(p, news), true);
    const diff = old ? await h.diff(urn, old.id, old.inputs, old.outs, c.inputs, true) : undefined;
    return { failures: c.failures ?? [], inputs: c.inputs, diff };
}

/** `pulumi refresh` of one resource: Read with the STORED text; an empty id means the engine drops it. */
export async function engineRead(old: Stored, p?: Provider): Promise<Stored> {
    const outs = p ? await withText(p, old.outs) : old.outs;
    const r = await host().read(urnOf(old.inputs), old.id, old.inputs, outs);
    return { id: r.id, inputs: r.inputs ?? old.inputs, outs: r.outs };
}

/** Delete with the STORED text (what `pulumi destroy` or a dropped resource runs). */
export async function engineDelete(old: Stored, p?: Provider): Promise<void> {
    const outs = p ? await withText(p, old.outs) : old.outs;
    await host().delete(urnOf(old.inputs), old.id, old.inputs, outs);
}

export interface Sim {
    cluster: SimulatorCluster;
    seeds(ids?: number[]): string[];
}

/**
 * Starts simulator nodes `ids` and waits for a leader. On failure nothing is
 * left behind: the processes are killed and the temp dir removed before the
 * error is thrown (the caller never got the cluster to clean up).
 */
export async function startCluster(
    ids: number[] = [1, 2, 3],
    opts: { leaderTimeoutMs?: number; created?: (c: SimulatorCluster) => void } = {},
): Promise<SimulatorCluster> {
    const c = new SimulatorCluster();
    opts.created?.(c);
    try {
        await c.start(ids.map((id) => ({ id })));
        await c.waitForLeader(opts.leaderTimeoutMs ?? 15_000);
        return c;
    } catch (e) {
        await c.cleanup().catch(() => undefined);
        throw e;
    }
}

export function common(c: SimulatorCluster, ids: number[], extra: Record<string, any> = {}) {
    return {
        seeds: ids.map((i) => c.boltAddress(i)),
        adminUser: DEFAULT_USER,
        adminPassword: DEFAULT_PASSWORD,
        callTimeoutMs: 2000,
        totalTimeoutMs: 15_000,
        ...extra,
    };
}

/** The stack's prediction of a joiner's init peers, as the program makes it: the running nodes plus the joiner, by id. */
export function predictedPeers(c: SimulatorCluster, id: number) {
    return [...new Set([...c.ids().filter((i) => c.isRunning(i)), id])]
        .sort((a, b) => a - b)
        .map((i) => {
            const s = c.nodeSpec(i);
            return { bolt_raft_node_id: i, ip: s.ip, bolt_port: s.boltPort, bolt_raft_port: s.raftPort };
        });
}

export async function memberInputs(c: SimulatorCluster, id: number, role: "voter" | "learner", seedIds: number[], extra: Record<string, any> = {}) {
    const s = await c.allocate(id);
    return {
        nodeId: id,
        ip: s.ip,
        boltPort: s.boltPort,
        raftPort: s.raftPort,
        role,
        initPeers: predictedPeers(c, id),
        ...common(c, seedIds),
        ...extra,
    };
}

export function removalInputs(c: SimulatorCluster, id: number, seedIds: number[], extra: Record<string, any> = {}) {
    return { nodeId: id, minVoters: 3, allowUnsafeRemoval: false, ...common(c, seedIds), ...extra };
}

/** The live listing, asked of a running node. */
export async function listing(c: SimulatorCluster, askId: number): Promise<{ id: number; learner: boolean; leader: boolean; bolt: number }[]> {
    const rows = await runOn(c.boltAddress(askId), "CALL db.bolt.listRaftNodes()");
    return rows
        .map((r) => ({ id: Number(r.node_id), learner: r.is_learner === true, leader: r.is_leader === true, bolt: Number(r.bolt_port) }))
        .sort((a, b) => a.id - b.id);
}

export async function memberIds(c: SimulatorCluster, askId: number): Promise<number[]> {
    return (await listing(c, askId)).map((m) => m.id);
}

/** A running follower (not the leader), to copy data from. */
export async function follower(c: SimulatorCluster, among: number[]): Promise<number> {
    const leader = await c.waitForLeader(15_000, among);
    return among.find((i) => i !== leader && c.isRunning(i))!;
}

export async function rejects(p: Promise<unknown>, re: RegExp): Promise<Error> {
    try {
        await p;
    } catch (e) {
        assert.match((e as Error).message, re);
        return e as Error;
    }
    assert.fail(`expected a rejection matching ${re}`);
}
