// Calls a dynamic provider's methods the way the Pulumi engine does, and
// small helpers for the membership provider tests against the simulator.
import * as assert from "assert";
import type * as pulumi from "@pulumi/pulumi";
import { SimulatorCluster, runOn, DEFAULT_PASSWORD, DEFAULT_USER } from "../simulator/harness";

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export type Provider = pulumi.dynamic.ResourceProvider;

export interface Stored {
    id: string;
    inputs: Record<string, any>;   // checked inputs, as the engine keeps them
    outs: Record<string, any>;     // the state (what diff/delete/read get as olds/props)
}

/** `pulumi up` for a new resource: check(undefined olds) -> create. */
export async function engineCreate(p: Provider, news: Record<string, any>): Promise<Stored> {
    const c = await p.check!({}, news);
    assert.deepStrictEqual(c.failures ?? [], [], "check failures");
    const r = await p.create(c.inputs);
    return { id: r.id, inputs: c.inputs, outs: r.outs ?? {} };
}

export type UpOutcome = { op: "same" | "update" | "replace"; stored: Stored; diff: pulumi.dynamic.DiffResult };

/** `pulumi up` for an existing resource: check(old inputs) -> diff(old state) -> nothing | update | delete-then-create. */
export async function engineUp(p: Provider, old: Stored, news: Record<string, any>): Promise<UpOutcome> {
    const c = await p.check!(old.inputs, news);
    assert.deepStrictEqual(c.failures ?? [], [], "check failures");
    const diff = await p.diff!(old.id, old.outs, c.inputs);
    if (diff.replaces && diff.replaces.length > 0) {
        assert.ok(diff.deleteBeforeReplace, "membership replacements must delete first");
        await p.delete!(old.id, old.outs);
        const r = await p.create(c.inputs);
        return { op: "replace", diff, stored: { id: r.id, inputs: c.inputs, outs: r.outs ?? {} } };
    }
    if (diff.changes) {
        const r = await p.update!(old.id, old.outs, c.inputs);
        return { op: "update", diff, stored: { id: old.id, inputs: c.inputs, outs: r.outs ?? {} } };
    }
    return { op: "same", diff, stored: old };
}

/** `pulumi preview`: check and diff only, with unknowns where the program has them. */
export async function enginePreview(p: Provider, old: Stored | undefined, news: Record<string, any>) {
    const c = await p.check!(old?.inputs ?? {}, news);
    const diff = old ? await p.diff!(old.id, old.outs, c.inputs) : undefined;
    return { failures: c.failures ?? [], diff };
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
        nodeId: id, ip: s.ip, boltPort: s.boltPort, raftPort: s.raftPort, role,
        initPeers: predictedPeers(c, id), ...common(c, seedIds), ...extra,
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
