// index.ts as the engine runs it: config from the stack, validated, then the cluster.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { PASSWORD, resolve, runUnderMocks } from "./program";

const INDEX = require.resolve("../../index");

function stackConfig(extra: Record<string, unknown>) {
    const nodes = [1, 2, 3].map((id) => ({ id, ip: "127.0.0.1", boltPort: 7686 + id, raftPort: 7999 + id, webPort: 7069 + id }));
    const all: Record<string, string> = { "tugraph:adminPassword": PASSWORD, "tugraph:nodes": JSON.stringify(nodes) };
    for (const [k, v] of Object.entries(extra)) all[`tugraph:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    pulumi.runtime.setAllConfig(all, ["tugraph:adminPassword"]);
}

async function loadProgram(): Promise<any> {
    delete require.cache[INDEX];
    const { result } = await runUnderMocks(() => require(INDEX));
    return result;
}

describe("index.ts under Pulumi mocks", () => {
    it("reads the tugraph:* stack config and exports the cluster's endpoints", async () => {
        stackConfig({ verbose: "2" });
        const program = await loadProgram();
        assert.deepStrictEqual(await resolve(program.boltEndpoints), { 1: "127.0.0.1:7687", 2: "127.0.0.1:7688", 3: "127.0.0.1:7689" });
        assert.deepStrictEqual(await resolve(program.voterIds), [1, 2, 3]);
        assert.deepStrictEqual(await resolve(program.learnerIds), []);
    });

    it("refuses an invalid stack with every problem listed and no password in the message", async () => {
        stackConfig({ enable_ha: "true", bolt_raft_election_tick: "5" });
        await assert.rejects(loadProgram(), (e: Error) => {
            assert.match(e.message, /2 problem\(s\)/);
            assert.match(e.message, /tugraph:enable_ha/);
            assert.match(e.message, /tugraph:bolt_raft_election_tick/);
            assert.ok(!e.message.includes(PASSWORD));
            return true;
        });
    });
});
