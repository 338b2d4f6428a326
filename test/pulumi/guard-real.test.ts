// The raft guard (tugraph:raftGuard) on the REAL engine across namespace test hosts over ssh://:
// TuGraph's raft port has no authentication, so each host lets only the stack's nodes reach it.
// A host outside the stack is refused and members are not; a joiner's host is let in before its
// add; with boltClients the Bolt port is kept to those networks and the nodes; destroy removes
// the rules. The guard's helper runs an image with iptables (test/hosts/build-guard-image.sh).
import * as assert from "assert";
import { execFile } from "child_process";
import * as path from "path";
import { runOn } from "../simulator/harness";
import { DEPLOYER_IP, inHost } from "../hosts/namespaceHosts";
import { RealStack } from "./realPulumi";
import { leaderAmong, realCluster, waitFor } from "./support";

const PREFIX = "tugraph-ha-guard-";
const GUARD_IMAGE = "tugraph-ha-guard:test";
const BUILD_GUARD = path.join(__dirname, "..", "hosts", "build-guard-image.sh");

describe("real engine on namespace hosts: the raft guard", function () {
    this.timeout(600_000);
    const c = realCluster(PREFIX, { hosts: 5, via: "ssh" });
    /** Whether host `from` (a namespace host's number, or 0 for this machine) opens a TCP connection to `to`. */
    const reaches = async (from: number, to: string) => {
        const probe = `timeout 2 bash -c 'echo > /dev/tcp/${to.replace(":", "/")}'`;
        const args = from === 0 ? ["bash", "-c", probe] : ["ip", "netns", "exec", `th${from}`, "bash", "-c", probe];
        return new Promise<boolean>((resolve) => execFile(args[0], args.slice(1), (err) => resolve(!err)));
    };
    const rules = async (h: number) => (await inHost(h, ["iptables", "-S"])).split("\n").filter((l) => l.includes("TUGRAPH-HA"));

    before(async function () {
        if (!c.root) return;
        await new Promise<void>((resolve, reject) =>
            execFile(
                BUILD_GUARD,
                c.hosts.map((h) => h.unix),
                (err, _o, stderr) => (err ? reject(new Error(String(stderr))) : resolve()),
            ),
        );
    });

    it("refuses a host outside the stack on the raft port, lets a joiner in before its add, guards Bolt when asked, and goes with destroy", async () => {
        const guard = { image: GUARD_IMAGE };
        c.stack = await RealStack.create("guard", { config: c.config([1, 2, 3], { raftGuard: guard }) });
        await c.stack.up();
        const leader = await leaderAmong([1, 2, 3].map(c.bolt));
        await runOn(leader, "CALL db.createVertexLabel('person', 'id' , 'id', 'INT32', false)");
        await runOn(leader, "CREATE (n:person {id: 1})");
        const raft1 = `${c.hostOf(1).ip}:8000`;
        assert.strictEqual(await reaches(2, raft1), true, "a member's host reaches node 1's raft port");
        assert.strictEqual(await reaches(4, raft1), false, "a host outside the stack is refused");
        assert.strictEqual(await reaches(0, raft1), false, "so is this machine: it needs Bolt, not raft");
        assert.strictEqual(await reaches(0, c.bolt(1)), true, "Bolt is not guarded without boltClients");
        assert.ok(
            (await rules(1)).some((r) => /--dport 8000 -j TUGRAPH-HA-RAFT/.test(r)),
            JSON.stringify(await rules(1)),
        );

        // Node 4 on th4: every host lets th4 in before node 4's add; it joins and catches up.
        await c.stack.setConfig(c.config([1, 2, 3, 4], { raftGuard: guard }));
        await c.stack.up();
        await waitFor(async () => Number((await runOn(c.bolt(4), "MATCH (n:person) RETURN count(n)"))[0]["count(n)"]) === 1);
        assert.strictEqual(await reaches(4, raft1), true, "the joiner's host is let in");
        assert.strictEqual(await reaches(5, raft1), false, "another outsider is still refused");

        // Bolt kept to this machine (and the nodes).
        await c.stack.setConfig(c.config([1, 2, 3, 4], { raftGuard: { ...guard, boltClients: [`${DEPLOYER_IP}/32`] } }));
        await c.stack.up();
        assert.strictEqual(await reaches(5, c.bolt(1)), false, "Bolt refuses a network outside boltClients");
        assert.strictEqual(await reaches(0, c.bolt(1)), true, "and answers the one listed");
        assert.strictEqual(await reaches(2, c.bolt(1)), true, "and the nodes");

        await c.stack.destroy();
        for (const h of [1, 2, 3, 4]) assert.deepStrictEqual(await rules(h), [], `th${h}'s guard rules are gone`);
    });
});
