// tugraph:raftGuard: its config rules (each refusal names the key and the fix) and what each
// host's guard allows (every node of the stack, tombstones included, on the raft ports of the
// live nodes of that host; Bolt only with boltClients).
import { strict as assert } from "node:assert";
import { parseClusterConfig, formatConfigErrors } from "../../components/core/config";
import { hostGuardPlans } from "../../components/core/guard";

const PASSWORD = "Pw#distinctive-4711";
const nodes = [
    { id: 1, ip: "10.0.0.1", dockerHost: "ssh://10.0.0.1" },
    { id: 2, ip: "10.0.0.2", dockerHost: "ssh://10.0.0.2" },
    { id: 3, ip: "10.0.0.3", dockerHost: "ssh://10.0.0.3", removed: true },
    { id: 4, ip: "10.0.0.4", dockerHost: "ssh://10.0.0.4" },
    { id: 5, ip: "10.0.0.1", dockerHost: "ssh://10.0.0.1", boltPort: 7688, raftPort: 8001, webPort: 7071 },
];
const parse = (raftGuard?: unknown) =>
    parseClusterConfig({ adminPassword: PASSWORD, nodes, bootstrap: [1, 2, 3], ...(raftGuard === undefined ? {} : { raftGuard }) });

describe("tugraph:raftGuard", () => {
    it("is off unless asked: no guard plans", () => {
        const r = parse();
        assert.ok(r.ok, r.ok ? "" : formatConfigErrors(r.errors));
        assert.equal(r.config.raftGuard, undefined);
        assert.deepEqual(hostGuardPlans(r.config), []);
    });
    it("guards the raft ports of each host's live nodes for every node of the stack; Bolt only with boltClients", () => {
        const r = parse({ image: "guard:1" });
        assert.ok(r.ok, r.ok ? "" : formatConfigErrors(r.errors));
        const plans = hostGuardPlans(r.config);
        assert.deepEqual(
            plans.map((p) => [p.dockerHost, p.raftPorts, p.peers.length, p.boltClients]),
            [
                ["ssh://10.0.0.1", [8000, 8001], 4, undefined],
                ["ssh://10.0.0.2", [8000], 4, undefined],
                ["ssh://10.0.0.4", [8000], 4, undefined],
            ],
        );
        assert.deepEqual(plans[0].peers, ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"], "the tombstone keeps its place");
        const withBolt = parse({ image: "guard:1", boltClients: ["192.168.1.0/24"] });
        assert.ok(withBolt.ok);
        assert.deepEqual(hostGuardPlans(withBolt.config)[0].boltClients, ["192.168.1.0/24"]);
        assert.deepEqual(hostGuardPlans(withBolt.config)[0].boltPorts, [7687, 7688]);
    });
    for (const [value, key, fragment] of [
        [{}, "tugraph:raftGuard.image", "must be the name of an image with iptables"],
        [{ image: "" }, "tugraph:raftGuard.image", "must not be empty"],
        [{ image: "g", boltClients: [] }, "tugraph:raftGuard.boltClients", "include the machine that runs pulumi"],
        [{ image: "g", boltClients: ["10.0.0.0/33"] }, "tugraph:raftGuard.boltClients[0]", "IPv4 addresses or CIDR blocks"],
        [{ image: "g", ports: [1] }, "tugraph:raftGuard", "unknown key (ports)"],
        [true, "tugraph:raftGuard", "must be {image, boltClients?}"],
    ] as const) {
        it(`refuses ${JSON.stringify(value)} naming ${key}`, () => {
            const r = parse(value);
            assert.equal(r.ok, false);
            const errors = (r as { errors: { key: string; message: string }[] }).errors;
            assert.equal(errors.length, 1, formatConfigErrors(errors));
            assert.equal(errors[0].key, key);
            assert.ok(errors[0].message.includes(fragment), errors[0].message);
        });
    }
});
