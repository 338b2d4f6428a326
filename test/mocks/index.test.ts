// index.ts as the engine runs it: config from the stack, validated, then the cluster.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { PASSWORD, resolve, runUnderMocks } from "./program";
import { TuGraphCluster } from "../../components/resources/cluster";

const INDEX = require.resolve("../../index");

function stackConfig(extra: Record<string, unknown>, secretKeys = ["tugraph:adminPassword"]) {
    const nodes = [1, 2, 3].map((id) => ({ id, ip: "127.0.0.1", boltPort: 7686 + id, raftPort: 7999 + id, webPort: 7069 + id }));
    const all: Record<string, string> = { "tugraph:adminPassword": PASSWORD, "tugraph:nodes": JSON.stringify(nodes) };
    for (const [k, v] of Object.entries(extra)) all[`tugraph:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    pulumi.runtime.setAllConfig(all, secretKeys);
}

// Records pulumi.log.warn calls (message and resource) while `run` runs.
async function warnings<T>(run: () => Promise<T>): Promise<{ result?: T; error?: unknown; logged: { msg: string; resource?: pulumi.Resource }[] }> {
    const logged: { msg: string; resource?: pulumi.Resource }[] = [];
    const original = pulumi.log.warn;
    (pulumi.log as { warn: unknown }).warn = (msg: string, resource?: pulumi.Resource) => {
        logged.push({ msg, resource });
        return Promise.resolve();
    };
    try {
        return { result: await run(), logged };
    } catch (error) {
        return { error, logged };
    } finally {
        (pulumi.log as { warn: unknown }).warn = original;
    }
}

/** index.ts exports the program as an async function, as `pulumi up` runs it; its result is the stack outputs. */
async function loadProgram(): Promise<any> {
    delete require.cache[INDEX];
    const { result } = await runUnderMocks(() => require(INDEX)());
    return await result;
}

describe("index.ts under Pulumi mocks", () => {
    it("logs the config's warnings on the cluster component: plain password outside dev, defaulted bootstrap, implausible tunable", async () => {
        stackConfig({ bolt_raft_logstore_gc_interval: "600" }, []);
        const { result, error, logged } = await warnings(loadProgram);
        assert.ifError(error);
        assert.ok(result);
        const keys = logged.filter((l) => !l.msg.startsWith("membership plan from the config alone")).map((l) => l.msg.split(" ")[0]);
        assert.deepStrictEqual(keys, ["tugraph:adminPassword", "tugraph:bolt_raft_logstore_gc_interval", "tugraph:bootstrap"]);
        assert.match(logged[0].msg, /plain text in stack test: .*`pulumi config set --secret tugraph:adminPassword <password> -s test`/);
        for (const l of logged) {
            assert.ok(l.resource instanceof TuGraphCluster, `${l.msg} is logged on the cluster`);
            assert.ok(!l.msg.includes(PASSWORD));
        }
    });

    it("logs no plain-text warning when the password is a secret, and none at all for an explicit bootstrap", async () => {
        stackConfig({ bootstrap: [1, 2, 3] });
        const { error, logged } = await warnings(loadProgram);
        assert.ifError(error);
        // Nothing listens on the stack's ports: the plan comes from the config alone, and says so.
        assert.deepStrictEqual(
            logged.map((l) => l.msg.replace(/:.*/s, "")),
            ["membership plan from the config alone"],
        );
    });

    it("reads the tugraph:* stack config and exports the cluster's endpoints", async () => {
        stackConfig({ verbose: "2", bootstrap: [1, 2, 3] });
        const program = await loadProgram();
        assert.deepStrictEqual(await resolve(program.boltEndpoints), { 1: "127.0.0.1:7687", 2: "127.0.0.1:7688", 3: "127.0.0.1:7689" });
        assert.deepStrictEqual(await resolve(program.voterIds), [1, 2, 3]);
        assert.deepStrictEqual(await resolve(program.learnerIds), []);
    });

    it("refuses an invalid stack with every problem listed and no password in the message", async () => {
        stackConfig({ enable_ha: "true", bolt_raft_election_tick: "5", bootstrap: [1, 2, 3] });
        await assert.rejects(loadProgram(), (e: Error) => {
            assert.match(e.message, /2 problem\(s\)/);
            assert.match(e.message, /tugraph:enable_ha/);
            assert.match(e.message, /tugraph:bolt_raft_election_tick/);
            assert.ok(!e.message.includes(PASSWORD));
            return true;
        });
    });
});
