// The one provider shape: the lifecycle every tugraph dynamic provider shares,
// written once. A provider states its outputs, which input changes replace it and
// which are an update, and keeps only its own check rules, create, update, read and
// delete. The shape owns the rest:
//   - check drops the provider's outputs from the new inputs (an output is never an
//     input) and records the inputs without `undefined`;
//   - diff: a change (or an unknown value in preview) of a `replaceOn` key replaces,
//     of an `updateOn` key is an update;
//   - create and update results carry the inputs (without the outputs) plus what the
//     method returns; by default an update keeps the outputs create found;
//   - delete does nothing by default (no provider deletes data, nor membership
//     because a resource is forgotten);
//   - every result crosses the provider host as a google.protobuf.Struct, which
//     refuses `undefined` ("Unexpected struct type."): definedOnly.
// Plain functions and data: the closure serializer copies `providerOf` and the spec
// into each provider's text (test/providers/serialization.test.ts runs them from it).
import type * as pulumi from "@pulumi/pulumi";
import { asProps, type CheckFailure } from "../adapters/validate";
import { changedKeys } from "./access";
import { definedOnly, without } from "./props";

/** Inputs before check: any key may hold anything (or the engine's unknown sentinel in preview). */
export type Unchecked<P> = { readonly [K in keyof P]?: unknown };

/** A check's answer: the failures, and (when it changes them) the inputs to record. */
export type CheckResult<P> = CheckFailure[] | { readonly inputs: Unchecked<P>; readonly failures: CheckFailure[] };

/** What a create returns: the resource id and the values it found (outputs, or inputs it corrects). */
export interface Created {
    readonly id: string;
    readonly outs: Readonly<Record<string, unknown>>;
}

/** A diff of the provider's own (for a provider whose rule is more than replaceOn/updateOn). */
export interface DiffResult {
    readonly changes: boolean;
    readonly replaces?: string[];
    readonly deleteBeforeReplace?: boolean;
    readonly stables?: string[];
}

export interface ProviderSpec<P extends object> {
    /** Keys only the provider sets (results, refresh notes): never inputs. Defaults to none. */
    readonly outputs?: readonly string[];
    /** Input keys whose change (or unknown value in preview) replaces the resource. Defaults to none. */
    readonly replaceOn?: readonly string[];
    /** The old resource goes before its replacement (one id cannot be a member twice). Defaults to false. */
    readonly deleteBeforeReplace?: boolean;
    /** Input keys whose change (or unknown value in preview) is an update. Defaults to none. */
    readonly updateOn?: readonly string[];
    /** The provider's own input rules, over the new inputs without outputs (`olds`: the recorded inputs, {} for a new resource). */
    check(news: Unchecked<P>, olds: Unchecked<P>): CheckResult<P> | Promise<CheckResult<P>>;
    /** Replaces the replaceOn/updateOn diff. Defaults to it. Must not throw: the engine's refresh calls it too. */
    diff?(olds: P, news: P): DiffResult;
    create(inputs: P): Promise<Created>;
    /** Returns the values to record besides the new inputs. Defaults to keeping the outputs create found (no cluster call). */
    update?(olds: P, news: P): Promise<Readonly<Record<string, unknown>>>;
    /** Refresh: the props to record. Defaults to none (the engine keeps the state). */
    read?(id: string, props: P): Promise<Readonly<Record<string, unknown>>>;
    /** Defaults to nothing. */
    delete?(props: P): Promise<void>;
}

/** A dynamic resource's inputs: its args, with every output named (as undefined) so that the resource exposes it. */
export function withOutputs<A extends object>(args: A, outputs: readonly string[]): A {
    return { ...args, ...Object.fromEntries(outputs.map((k) => [k, undefined])) };
}

/** The dynamic provider of `spec` (see the head of this file). */
export function providerOf<P extends object>(spec: ProviderSpec<P>): pulumi.dynamic.ResourceProvider {
    const outputs = spec.outputs ?? [];
    // The engine hands over plain JSON (protobuf Structs): the one place its props are given their type.
    const props = (v: unknown) => asProps(v) as P;
    const provider: pulumi.dynamic.ResourceProvider = {
        async check(olds: unknown, news: unknown) {
            const inputs: Unchecked<P> = without(asProps(news), outputs);
            const r = await spec.check(inputs, asProps(olds));
            return Array.isArray(r) ? { inputs: definedOnly(inputs), failures: r } : { inputs: definedOnly(without(r.inputs, outputs)), failures: r.failures };
        },
        async diff(_id: string, olds: unknown, news: unknown) {
            const o = props(olds);
            const n = props(news);
            if (spec.diff) return spec.diff(o, n);
            const replaces = changedKeys(spec.replaceOn ?? [], o, n);
            const updates = changedKeys(spec.updateOn ?? [], o, n);
            return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: spec.deleteBeforeReplace === true && replaces.length > 0 };
        },
        async create(inputs: unknown) {
            const p = props(inputs);
            const r = await spec.create(p);
            return { id: r.id, outs: definedOnly({ ...without(p, outputs), ...r.outs }) };
        },
        async update(_id: string, olds: unknown, news: unknown) {
            const o = props(olds);
            const n = props(news);
            const kept = spec.update ? await spec.update(o, n) : Object.fromEntries(outputs.map((k) => [k, (o as Record<string, unknown>)[k]]));
            return { outs: definedOnly({ ...without(n, outputs), ...kept }) };
        },
        async delete(_id: string, p: unknown) {
            if (spec.delete) await spec.delete(props(p));
        },
    };
    if (spec.read) {
        const read = spec.read;
        provider.read = async (id: string, p: unknown) => ({ id, props: definedOnly({ ...(await read(id, props(p))) }) });
    }
    return provider;
}
