// The manual's layout on the REAL engine: every node on a host of its own (a network namespace
// with its own address, Docker engine and sshd, test/hosts), every node on 7687/8000/7070, the
// engines reached as ssh://root@<host> (the prod stack's shape) through the Docker provider (the
// ssh CLI, with tugraph:sshOptions) and through the data copy (the same ssh CLI). The copy goes
// host to host: the deploying machine only orchestrates.
import * as assert from "assert";
import { docker } from "../docker/engine";
import { runOn } from "../simulator/harness";
import { DEPLOYER_IP, inHost } from "../hosts/namespaceHosts";
import { RealStack } from "./realPulumi";
import { waitFor, leaderAmong, realCluster } from "./support";

const PREFIX = "tugraph-ha-hosts-";
const outs = (r: { outputs?: Record<string, unknown> }) =>
    JSON.stringify({ donorId: r.outputs?.donorId, transport: r.outputs?.transport, why: r.outputs?.transportReason });
const warnings = (r: { diagnostics: { severity: string; message: string }[] }) => r.diagnostics.filter((d) => d.severity === "warning").map((d) => d.message);
const count = async (addr: string) => Number((await runOn(addr, "MATCH (n:person) RETURN count(n)"))[0]["count(n)"]);

describe("real engine on namespace hosts: the manual's layout over ssh://", function () {
    this.timeout(600_000);
    const c = realCluster(PREFIX, { hosts: 5, via: "ssh" });

    it("bootstraps three hosts, grows to a fourth with the copy host to host, and to a fifth relayed when a firewall stops the probe", async () => {
        c.stack = await RealStack.create("hosts", { config: c.config([1, 2, 3]) });
        const first = await c.stack.up();
        assert.deepStrictEqual(Object.keys(first.summary ?? {}), ["create"], first.stdout);
        for (const id of [1, 2, 3]) {
            assert.strictEqual(c.bolt(id), `${c.hostOf(id).ip}:7687`, "the manual's port, on the host's own address");
            const inspect = await docker(["inspect", "-f", "{{.State.Running}}", `${PREFIX}${id}`], { host: c.hostOf(id).unix });
            assert.strictEqual(inspect.stdout.trim(), "true", `node ${id} runs on its own host ${c.hostOf(id).name}`);
        }
        const leader = await leaderAmong([1, 2, 3].map(c.bolt));
        await runOn(leader, "CALL db.createVertexLabel('person', 'id' , 'id', 'INT32', false)");
        for (let i = 1; i <= 5; i++) await runOn(leader, `CREATE (n:person {id: ${i}})`);

        // Grow to host 4: the donor's host streams straight to host 4's raft port.
        await c.stack.setConfig(c.config([1, 2, 3, 4]));
        const grown = await c.stack.up();
        assert.ok(!grown.summary?.replace && !grown.summary?.delete, JSON.stringify(grown.summary));
        const sync4 = (await c.stack.resources()).find((r) => r.urn.endsWith("::tugraph-sync-4"))!;
        assert.strictEqual(sync4.outputs?.transport, "direct", outs(sync4));
        assert.match(String(sync4.outputs?.transportReason), new RegExp(`reaches ${c.hostOf(4).ip.replace(/\./g, "\\.")}:7070`));
        await waitFor(async () => (await count(c.bolt(4))) === 5);

        // Grow to host 5 while host 5 drops what arrives on its web port (a firewall): the probe
        // cannot get through, so the copy is relayed through this machine and says why.
        const rule = ["INPUT", "-p", "tcp", "--dport", "7070", "-j", "DROP"];
        await inHost(5, ["iptables", "-I", ...rule]);
        try {
            await c.stack.setConfig(c.config([1, 2, 3, 4, 5]));
            await c.stack.up();
        } finally {
            await inHost(5, ["iptables", "-D", ...rule]);
        }
        const sync5 = (await c.stack.resources()).find((r) => r.urn.endsWith("::tugraph-sync-5"))!;
        assert.strictEqual(sync5.outputs?.transport, "relay", outs(sync5));
        assert.match(String(sync5.outputs?.transportReason), /relayed through this machine: the donor's host .* cannot reach 10\.77\.0\.15:7070/);
        const leader5 = await leaderAmong([1, 2, 3, 4, 5].map(c.bolt));
        await runOn(leader5, "CREATE (n:person {id: 6})");
        for (const id of [1, 2, 3, 4, 5]) await waitFor(async () => (await count(c.bolt(id))) === 6);
        const members = (await runOn(leader5, "CALL db.bolt.listRaftNodes()")).map((r) => `${Number(r.node_id)}@${r.ip}:${Number(r.bolt_port)}`);
        assert.deepStrictEqual(
            members.sort(),
            [1, 2, 3, 4, 5].map((id) => `${id}@${c.hostOf(id).ip}:7687`),
        );

        // This machine loses node 2's Bolt port while the hosts still reach it (a firewall on the
        // way): the leader sees node 2 up to date, so preview warns about the routing address.
        const cut = ["INPUT", "-s", DEPLOYER_IP, "-p", "tcp", "--dport", "7687", "-j", "DROP"];
        const follower = [1, 2, 3, 4, 5].find((id) => c.bolt(id) !== leader5)!;
        await inHost(c.hostOf(follower).index, ["iptables", "-I", ...cut]);
        try {
            const preview = await c.stack.preview();
            const warned = warnings(preview);
            assert.ok(
                warned.some((w) =>
                    w.includes(
                        `node ${follower}'s address ${c.hostOf(follower).ip}:7687 does not answer from this machine, while the leader sees node ${follower} up to date`,
                    ),
                ),
                warned.join("\n"),
            );
        } finally {
            await inHost(c.hostOf(follower).index, ["iptables", "-D", ...cut]);
        }
        const clean = warnings(await c.stack.preview());
        assert.ok(!clean.some((w) => /does not answer from this machine/.test(w)), clean.join("\n"));
    });
});
