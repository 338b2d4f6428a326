// The step-order driver itself: small dynamic resources whose provider records
// every call in a journal file, run through the real provider host. Checks the
// engine orders the stand-in reproduces, and that it is as strict as the host.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Deployment } from "./deployment";

interface JournalEntry {
    call: string;
    name: string;
    t0: number;
    t1: number;
}

/** A provider that journals each call (with start and end time) to the file named by its input. */
const journaled: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, news: any) {
        return { inputs: news };
    },
    async diff(_id: string, olds: any, news: any) {
        const replaces = olds.key !== news.key ? ["key"] : [];
        return {
            changes: JSON.stringify({ ...olds, out: undefined }) !== JSON.stringify({ ...news, out: undefined }),
            replaces,
            deleteBeforeReplace: !!news.dbr,
        };
    },
    async create(inputs: any) {
        const t0 = Date.now();
        await new Promise((r) => setTimeout(r, inputs.ms ?? 50));
        if (inputs.fail) throw new Error(inputs.fail);
        require("fs").appendFileSync(inputs.journal, JSON.stringify({ call: "create", name: inputs.name, t0, t1: Date.now() }) + "\n");
        return { id: `${inputs.name}-${inputs.key}`, outs: { ...inputs, out: `${inputs.name}:${inputs.key}` } };
    },
    async update(_id: string, _olds: any, news: any) {
        require("fs").appendFileSync(news.journal, JSON.stringify({ call: "update", name: news.name, t0: Date.now(), t1: Date.now() }) + "\n");
        return { outs: { ...news, out: `${news.name}:${news.key}` } };
    },
    async delete(_id: string, props: any) {
        const t0 = Date.now();
        await new Promise((r) => setTimeout(r, 20));
        require("fs").appendFileSync(props.journal, JSON.stringify({ call: "delete", name: props.name, t0, t1: Date.now() }) + "\n");
    },
};

class Journaled extends pulumi.dynamic.Resource {
    public readonly out!: pulumi.Output<string>;
    constructor(name: string, args: Record<string, pulumi.Input<unknown>>, opts?: pulumi.CustomResourceOptions) {
        super(journaled, name, { name, out: undefined, ...args }, opts, "test", "Journaled");
    }
}

/** A provider whose read returns an undefined value, as this project's did. */
const sloppy: pulumi.dynamic.ResourceProvider = {
    async create(inputs: any) {
        return { id: "x", outs: inputs };
    },
    async read(id: string, props: any) {
        return { id, props: { ...props, note: undefined } };
    },
};

describe("the step-order driver (engine stand-in) over the real provider host", function () {
    this.timeout(60_000);
    let d: Deployment;
    let dir: string;
    let journal: string;
    beforeEach(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-driver-"));
        journal = path.join(dir, "journal");
        fs.writeFileSync(journal, "");
        d = await new Deployment().start();
    });
    afterEach(async () => {
        await d.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });
    const read = (): JournalEntry[] =>
        fs
            .readFileSync(journal, "utf8")
            .trim()
            .split("\n")
            .filter(Boolean)
            .map((l) => JSON.parse(l));
    const calls = () => read().map((e) => `${e.call} ${e.name}`);

    it("preview calls no create; up creates dependents after their dependencies and independent resources in parallel", async () => {
        const program = () => {
            const a = new Journaled("a", { journal, key: 1, ms: 300 });
            const b = new Journaled("b", { journal, key: 1, ms: 300 });
            new Journaled("c", { journal, key: 1, from: a.out }, { dependsOn: [b] });
        };
        const pre = await d.preview(program);
        assert.deepStrictEqual(pre.errors, []);
        assert.deepStrictEqual(calls(), [], "preview creates nothing");
        assert.strictEqual(d.state.size, 0, "preview changes no state");
        await d.upOk(program);
        const j = read();
        const at = (n: string) => j.find((e) => e.name === n)!;
        assert.ok(at("a").t0 < at("b").t1 && at("b").t0 < at("a").t1, "a and b overlap");
        assert.ok(at("c").t0 >= Math.max(at("a").t1, at("b").t1), "c after both");
        assert.strictEqual(d.get("Journaled", "c")!.outputs.from, "a:1", "outputs flow into dependents");
    });

    it("resources dropped from the program are deleted after every create and update, dependents first", async () => {
        await d.upOk(() => {
            const a = new Journaled("a", { journal, key: 1 });
            const b = new Journaled("b", { journal, key: 1, from: a.out });
            new Journaled("c", { journal, key: 1, from: b.out });
        });
        fs.writeFileSync(journal, "");
        await d.upOk(() => {
            new Journaled("x", { journal, key: 1 });
            new Journaled("y", { journal, key: 1, ms: 200 });
        });
        assert.deepStrictEqual(calls(), ["create x", "create y", "delete c", "delete b", "delete a"]);
    });

    it("replacement: delete-before-replace first deletes the dependents that take its outputs; otherwise the old one goes last", async () => {
        const program = (key: number, dbr: boolean) => () => {
            const a = new Journaled("a", { journal, key, dbr });
            new Journaled("b", { journal, key: 1, from: a.out });
            new Journaled("z", { journal, key: 1 });
        };
        await d.upOk(program(1, true));
        fs.writeFileSync(journal, "");
        await d.upOk(program(2, true));
        assert.deepStrictEqual(
            calls().filter((x) => !x.endsWith(" z")),
            ["delete b", "delete a", "create a", "create b"],
        );
        fs.writeFileSync(journal, "");
        await d.upOk(program(3, false));
        assert.deepStrictEqual(
            calls().filter((x) => !x.endsWith(" z")),
            ["create a", "update b", "delete a"],
        );
    });

    it("refresh reads every resource at once through the host, which refuses an undefined value as the real engine's host does", async () => {
        class Sloppy extends pulumi.dynamic.Resource {
            constructor(name: string) {
                super(sloppy, name, { v: 1 }, undefined, "test", "Sloppy");
            }
        }
        await d.upOk(() => new Sloppy("s"));
        const r = await d.refresh();
        assert.deepStrictEqual(r.errors, ["pulumi-nodejs:dynamic/test:Sloppy s: Unexpected struct type."]);
    });

    it("a step that fails after the program returned fails the update; its dependents never start and nothing waits for them", async () => {
        const t0 = Date.now();
        const r = await d.up(() => {
            const a = new Journaled("a", { journal, key: 1, ms: 300, fail: "boom" });
            new Journaled("b", { journal, key: 1, from: a.out });
        });
        assert.strictEqual(r.errors.length, 1);
        assert.match(r.errors[0], /Journaled a: .*boom/);
        assert.deepStrictEqual(calls(), [], "b never started");
        assert.ok(Date.now() - t0 < 15_000, `returned in ${Date.now() - t0} ms`);
    });

    it("destroy deletes from the state, dependents first", async () => {
        await d.upOk(() => {
            const a = new Journaled("a", { journal, key: 1 });
            new Journaled("b", { journal, key: 1, from: a.out });
        });
        fs.writeFileSync(journal, "");
        await d.destroy();
        assert.deepStrictEqual(calls(), ["delete b", "delete a"]);
        assert.deepStrictEqual(
            d.resources().filter((r) => r.custom),
            [],
        );
    });
});
