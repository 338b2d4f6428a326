// Benchmark (a script, not a test): the SDK's real provider host as the engine
// stand-in drives it. Prints the host's start time and the per-call overhead of
// Check/Diff/Create through gRPC + Struct marshalling, for a trivial provider.
//   npx ts-node --transpile-only test/engine/bench-host.ts
import * as pulumi from "@pulumi/pulumi";
import { ProviderHost } from "./providerHost";

const trivial: pulumi.dynamic.ResourceProvider = {
    async check(_o: any, n: any) {
        return { inputs: n };
    },
    async diff() {
        return { changes: false };
    },
    async create(i: any) {
        return { id: "x", outs: i };
    },
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
    const text = (await pulumi.runtime.serializeFunction(() => trivial, { allowSecrets: true })).text;
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
        const h = await new ProviderHost().start();
        starts.push(h.startupMs);
        await h.stop();
    }
    const h = await new ProviderHost().start();
    const urn = "urn:pulumi:bench::tugraph-ha::pulumi-nodejs:dynamic/bench:R::r";
    const props = { __provider: text, a: 1, b: "two", c: [1, 2, 3], d: { e: true } };
    await h.check(urn, {}, props); // the first call loads the provider text
    const per: Record<string, number[]> = { check: [], diff: [], create: [] };
    for (let i = 0; i < 200; i++) {
        let t = process.hrtime.bigint();
        await h.check(urn, {}, props);
        per.check.push(Number(process.hrtime.bigint() - t) / 1e6);
        t = process.hrtime.bigint();
        await h.diff(urn, "x", props, props, props);
        per.diff.push(Number(process.hrtime.bigint() - t) / 1e6);
        t = process.hrtime.bigint();
        await h.create(urn, props);
        per.create.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 100 }, () => h.check(urn, {}, props)));
    const concurrent = Date.now() - t0;
    await h.stop();
    console.log(
        `provider host start (launch to Configure answered), 5 runs: median ${median(starts)} ms, min ${Math.min(...starts)}, max ${Math.max(...starts)}`,
    );
    for (const [m, xs] of Object.entries(per))
        console.log(`${m}: median ${median(xs).toFixed(2)} ms, max ${Math.max(...xs).toFixed(2)} ms over ${xs.length} calls`);
    console.log(`100 concurrent checks: ${concurrent} ms in all`);
}
main().catch((e) => {
    console.error(e);
    process.exit(1);
});
