// parseClusterConfig: one bad input -> its own message, for every rule; all
// errors at once; decoding of Pulumi's allConfig strings; secrets never leak.
import { strict as assert } from "node:assert";
import {
    ConfigError,
    DEFAULTS,
    ENCRYPTED,
    RAFT_TUNABLES,
    TUNABLE_KEYS,
    closeKeys,
    formatConfigErrors,
    parseClusterConfig,
    rawFromPulumiConfig,
} from "../../components/core/config";
import fc from "fast-check";
import type { ClusterConfig } from "../../components/core/types";
import { FIXTURE_CA } from "../tls/certs";

const PASSWORD = "Pw#distinctive-4711";
// Three machines, as in the manual: one docker engine each (ports may repeat across hosts).
const three = () => [
    { id: 1, ip: "172.20.10.52", dockerHost: "ssh://172.20.10.52" },
    { id: 2, ip: "172.20.10.53", dockerHost: "ssh://172.20.10.53" },
    { id: 3, ip: "172.20.10.54", dockerHost: "ssh://172.20.10.54" },
];
const base = (over: Record<string, unknown> = {}) => ({ adminPassword: PASSWORD, nodes: three(), ...over });
// A node with a LAN ip and no dockerHost stands for its own machine (TuGraph binds
// 0.0.0.0, so nodes sharing one engine need distinct ports); loopback nodes share the local engine.
const onOwnMachine = (n: any) =>
    n && typeof n === "object" && n.dockerHost === undefined && typeof n.ip === "string" && /^\d+\.\d+\.\d+\.\d+$/.test(n.ip) && !n.ip.startsWith("127.")
        ? { ...n, dockerHost: `ssh://${n.ip}` }
        : n;
const withNodes = (nodes: unknown[], over: Record<string, unknown> = {}) => base({ nodes: nodes.map(onOwnMachine), ...over });
const LOCAL = "unix:///var/run/docker.sock";

function ok(raw: Record<string, unknown>): ClusterConfig {
    const r = parseClusterConfig(raw);
    if (!r.ok) assert.fail(`expected a valid config, got:\n${formatConfigErrors(r.errors)}`);
    return r.config;
}
// Nodes are named one way everywhere: "<key of nodes[i]> (node N) ..." for the node
// a message is about, "node N (nodes[i])" for any other; i and N must match the stack.
function assertNodesNamedConsistently(raw: Record<string, unknown>, e: ConfigError) {
    const nodes = Array.isArray(raw.nodes) ? (raw.nodes as { id?: unknown }[]) : [];
    const own = /^tugraph:nodes\[(\d+)\]\.\w+ \(node (\d+)\) /.exec(e.message);
    if (own) assert.equal(nodes[Number(own[1])]?.id, Number(own[2]), `own label: ${e.message}`);
    const rest = own ? e.message.slice(own[0].length) : e.message;
    for (const m of rest.matchAll(/\bnode (\d+)( \(nodes\[(\d+)\]\))?/g)) {
        assert.ok(m[2], `"node ${m[1]}" without its place in the list: ${e.message}`);
        assert.equal(nodes[Number(m[3])]?.id, Number(m[1]), `label: ${e.message}`);
    }
}
function errorsOf(raw: Record<string, unknown>): ConfigError[] {
    const r = parseClusterConfig(raw);
    assert.equal(r.ok, false, "expected the config to be rejected");
    const errors = (r as { errors: ConfigError[] }).errors;
    for (const e of errors) {
        assert.ok(e.message.startsWith(e.key), `message names its key: ${e.message}`);
        assert.ok(!e.message.includes(PASSWORD), `message quotes the password: ${e.message}`);
        assertNodesNamedConsistently(raw, e);
    }
    return errors;
}
// Exactly one error, on `key`, whose message contains `fragment`.
function rejects(raw: Record<string, unknown>, key: string, fragment: string | RegExp) {
    const errors = errorsOf(raw);
    assert.equal(errors.length, 1, `expected one error, got:\n${formatConfigErrors(errors)}`);
    assert.equal(errors[0].key, key);
    if (typeof fragment === "string") assert.ok(errors[0].message.includes(fragment), `"${errors[0].message}" lacks "${fragment}"`);
    else assert.match(errors[0].message, fragment);
}

describe("parseClusterConfig: a valid stack", () => {
    it("fills every default", () => {
        const cfg = ok(
            base({
                nodes: three()
                    .map(({ dockerHost: _, ...n }) => ({ ...n, boltPort: 7686 + n.id, raftPort: 7999 + n.id, webPort: 7069 + n.id }))
                    .slice(0, 1),
            }),
        );
        assert.deepStrictEqual(cfg.nodes[0].dockerHost, LOCAL);
        assert.deepStrictEqual(
            ok(base()).nodes.map((n) => [n.boltPort, n.raftPort, n.webPort, n.role, n.removed]),
            [1, 2, 3].map(() => [7687, 8000, 7070, "voter", false]),
        );
    });
    it("fills every default of a three-machine stack", () => {
        const cfg = ok(base());
        assert.deepStrictEqual(cfg, {
            image: "tugraph/tugraph-runtime-centos7:4.5.2",
            adminUser: "admin",
            verbose: 1,
            raft: {},
            tls: { enabled: false },
            web: "/usr/local/share/lgraph/browser-resource",
            containerPrefix: "tugraph-node-",
            nodes: [1, 2, 3].map((id) => ({
                id,
                ip: `172.20.10.${51 + id}`,
                boltPort: 7687,
                raftPort: 8000,
                webPort: 7070,
                role: "voter",
                dockerHost: `ssh://172.20.10.${51 + id}`,
                dataDir: `/root/tugraph/node-${id}/data`,
                logDir: `/root/tugraph/node-${id}/log`,
                removed: false,
            })),
            bootstrap: [1, 2, 3],
            membership: {
                callTimeoutMs: 10000,
                totalTimeoutMs: 120000,
                settleMs: 2000,
                minVoters: 3,
                allowUnsafeRemoval: false,
                allowWriteOutageForSync: false,
            },
            sshOptions: [],
        });
    });
    it("never copies secrets into the ClusterConfig", () => {
        const cfg = ok(
            base({
                tls: { enabled: true },
                tlsKey: "-----BEGIN KEY-----\nsecretkeymaterial",
                tlsCert: "-----BEGIN CERT-----\ncertmaterial",
            }),
        );
        const text = JSON.stringify(cfg);
        for (const s of [PASSWORD, "secretkeymaterial", "certmaterial"]) assert.ok(!text.includes(s));
        assert.deepStrictEqual(cfg.tls, { enabled: true });
    });
    it("takes explicit values: tunables, tls files, paths, roles, docker hosts", () => {
        const cfg = ok(
            base({
                image: "registry.local:5000/tugraph/tugraph-runtime-centos7:4.6.0",
                adminUser: "ops",
                verbose: 2,
                bolt_raft_tick_interval: 200,
                bolt_raft_election_tick: 20,
                bolt_raft_heartbeat_tick: 2,
                tls: { enabled: true, keyFile: "/etc/tg/key.pem", certFile: "/etc/tg/cert.pem" },
                web: "/opt/web",
                containerPrefix: "tg_",
                dataRoot: "/data/tg/",
                nodes: [
                    { id: 1, ip: "10.0.0.1", dockerHost: "ssh://root@10.0.0.1:2222" },
                    { id: 2, ip: "10.0.0.2", dockerHost: "tcp://10.0.0.2:2376", dataDir: "/mnt/a", logDir: "/mnt/b" },
                    { id: 7, ip: "10.0.0.7", role: "learner", dockerHost: "ssh://10.0.0.7" },
                ],
                membership: { callTimeoutSeconds: 5, totalTimeoutSeconds: 30, settleSeconds: 7, minVoters: 2, allowUnsafeRemoval: true },
            }),
        );
        assert.deepStrictEqual(cfg.raft, { bolt_raft_tick_interval: 200, bolt_raft_election_tick: 20, bolt_raft_heartbeat_tick: 2 });
        assert.equal(cfg.nodes[0].dataDir, "/data/tg/node-1/data");
        assert.equal(cfg.nodes[1].logDir, "/mnt/b");
        assert.deepStrictEqual(cfg.bootstrap, [1, 2]);
        assert.deepStrictEqual(cfg.membership, {
            callTimeoutMs: 5000,
            totalTimeoutMs: 30000,
            settleMs: 7000,
            minVoters: 2,
            allowUnsafeRemoval: true,
            allowWriteOutageForSync: false,
        });
    });
    it("accepts images pinned by a custom tag or a digest", () => {
        ok(base({ image: "tugraph/tugraph-runtime-centos7:4.5.2-hotfix" }));
        ok(base({ image: "tugraph/tugraph-runtime-centos7@sha256:abcdef" }));
        ok(base({ image: "tugraph/tugraph-runtime-centos7:v4.5.3" }));
    });
    it("defaults minVoters to min(3, voters before this stack's removals)", () => {
        assert.equal(ok(withNodes([{ id: 1, ip: "10.0.0.1" }])).membership.minVoters, 1);
        const five = [1, 2, 3, 4, 5].map((id) => ({ id, ip: `10.0.0.${id}` }));
        assert.equal(ok(withNodes(five)).membership.minVoters, 3);
        // Replacing a failed voter keeps 3 voters: allowed by default.
        const replaced = ok(
            withNodes([...three().map((n) => (n.id === 3 ? { ...n, removed: true } : n)), { id: 4, ip: "10.0.0.4" }], { bootstrap: [1, 2, 3] }),
        );
        assert.equal(replaced.membership.minVoters, 3);
    });
    it("refuses by default to shrink a 3-voter cluster to 2 (the issue's default of 3), unless allowUnsafeRemoval", () => {
        const shrink = (over: Record<string, unknown> = {}) =>
            withNodes(
                three().map((n) => (n.id === 3 ? { ...n, removed: true } : n)),
                { bootstrap: [1, 2, 3], ...over },
            );
        rejects(shrink(), "tugraph:membership", "minVoters defaults to 3 but the stack keeps only 2 voter(s)");
        assert.equal(ok(shrink({ membership: { allowUnsafeRemoval: true } })).membership.minVoters, 3);
    });
    it("defaults bootstrap to the live voters, sorted", () => {
        const cfg = ok(
            withNodes([
                { id: 5, ip: "10.0.0.5" },
                { id: 2, ip: "10.0.0.2" },
                { id: 4, ip: "10.0.0.4", role: "learner" },
            ]),
        );
        assert.deepStrictEqual(cfg.bootstrap, [2, 5]);
    });
    it("lets a new node reuse the ports of a removed one on the same host", () => {
        ok(
            withNodes(
                [...three(), { id: 4, ip: "172.20.10.54" }].map((n) => (n.id === 3 ? { ...n, removed: true } : n)),
                { bootstrap: [1, 2, 3] },
            ),
        );
    });
    it("allows equal ports and equal dirs on different docker hosts", () => {
        ok(
            withNodes([
                { id: 1, ip: "10.0.0.1", dockerHost: "ssh://a", dataDir: "/d", logDir: "/l" },
                { id: 2, ip: "10.0.0.2", dockerHost: "ssh://b", dataDir: "/d", logDir: "/l" },
            ]),
        );
    });
    it("accepts an encrypted (secure:) admin password as present", () => {
        ok(base({ adminPassword: ENCRYPTED }));
    });
    it("keeps bootstrap members that were removed later", () => {
        const cfg = ok(
            withNodes(
                three().map((n) => (n.id === 1 ? { ...n, removed: true } : n)),
                { bootstrap: [1, 2, 3], membership: { minVoters: 2 } },
            ),
        );
        assert.deepStrictEqual(cfg.bootstrap, [1, 2, 3]);
    });
});

describe("parseClusterConfig: one message per rule", () => {
    describe("top-level keys", () => {
        it("unknown key with an obvious typo lists the close key", () => rejects(base({ imgae: "x" }), "tugraph:imgae", "did you mean image?"));
        it("snake_case spelling of a key", () => rejects(base({ admin_user: "x" }), "tugraph:admin_user", "did you mean adminUser"));
        it("unknown key without a close match says to remove it", () => rejects(base({ frobnicate: 1 }), "tugraph:frobnicate", "remove it (valid keys:"));
        it("lgraph.json key that is derived per node", () => rejects(base({ bolt_port: 7687 }), "tugraph:bolt_port", "set nodes[].boltPort"));
        it("init peers cannot be given by hand", () =>
            rejects(base({ bolt_raft_init_peers: [] }), "tugraph:bolt_raft_init_peers", "derived from tugraph:nodes"));
        it("enable_ha is refused", () => rejects(base({ enable_ha: true }), "tugraph:enable_ha", "RPC HA must not be mixed with Bolt raft"));
        it("any ha_* key is refused", () => rejects(base({ ha_node_join_group_s: 10 }), "tugraph:ha_node_join_group_s", "RPC-HA key"));
        it("an unreadable top level", () => {
            const r = parseClusterConfig(null as unknown as Record<string, unknown>);
            assert.equal(r.ok, false);
        });
    });
    describe("image", () => {
        it("latest", () => rejects(base({ image: "tugraph/tugraph-runtime-centos7:latest" }), "tugraph:image", "pin a version"));
        it("no tag", () => rejects(base({ image: "tugraph/tugraph-runtime-centos7" }), "tugraph:image", "has no tag"));
        it("a registry port is not a tag", () => rejects(base({ image: "reg:5000/tugraph/x" }), "tugraph:image", "has no tag"));
        it("semver below 4.5.2", () => rejects(base({ image: "tugraph/tugraph-runtime-centos7:4.5.1" }), "tugraph:image", "needs TuGraph >= 4.5.2"));
        it("older minor", () => rejects(base({ image: "tugraph/tugraph-runtime-centos7:4.3.9" }), "tugraph:image", ">= 4.5.2"));
        it("two-part version below", () => rejects(base({ image: "tugraph/tugraph-runtime-centos7:4.5" }), "tugraph:image", ">= 4.5.2"));
        it("not a string", () => rejects(base({ image: 42 }), "tugraph:image", "must be an image reference string"));
        it("blank", () => rejects(base({ image: "" }), "tugraph:image", "non-empty image reference"));
    });
    describe("admin account and verbosity", () => {
        it("empty adminUser", () => rejects(base({ adminUser: "" }), "tugraph:adminUser", "must not be empty"));
        it("missing adminPassword", () =>
            rejects({ nodes: three() }, "tugraph:adminPassword", "is required: set it with `pulumi config set --secret tugraph:adminPassword"));
        it("empty adminPassword", () => rejects(base({ adminPassword: "" }), "tugraph:adminPassword", "must be a non-empty string"));
        it("a non-string adminPassword is not quoted", () => {
            rejects(base({ adminPassword: 987654321 }), "tugraph:adminPassword", "must be a non-empty string");
            assert.ok(!errorsOf(base({ adminPassword: 987654321 }))[0].message.includes("987654321"));
        });
        it("verbose out of range", () => rejects(base({ verbose: 3 }), "tugraph:verbose", "must be 0, 1 or 2"));
        it("verbose as text", () => rejects(base({ verbose: "high" }), "tugraph:verbose", "must be 0, 1 or 2"));
    });
    describe("raft tunables", () => {
        for (const name of TUNABLE_KEYS) {
            const min = RAFT_TUNABLES[name].min;
            it(`${name} below TuGraph's minimum ${min}`, () => {
                // keep heartbeat < election true so only the minimum is at fault
                const extra = name === "bolt_raft_election_tick" ? { bolt_raft_heartbeat_tick: 1 } : {};
                const errors = errorsOf(base({ [name]: min - 1, ...extra }));
                const mine = errors.filter((e) => e.key === `tugraph:${name}`);
                assert.equal(mine.length, 1, formatConfigErrors(errors));
                assert.ok(mine[0].message.includes(`must be an integer >= ${min}`), mine[0].message);
            });
        }
        it("a fractional value", () => rejects(base({ bolt_raft_logstore_cache: 10.5 }), "tugraph:bolt_raft_logstore_cache", "must be an integer >= 10"));
        it("heartbeat not below election", () =>
            rejects(
                base({ bolt_raft_heartbeat_tick: 20, bolt_raft_election_tick: 20 }),
                "tugraph:bolt_raft_heartbeat_tick",
                "must be smaller than bolt_raft_election_tick",
            ));
        it("heartbeat alone against TuGraph's default election tick", () =>
            rejects(base({ bolt_raft_heartbeat_tick: 10 }), "tugraph:bolt_raft_heartbeat_tick", "election_tick (10)"));
    });
    describe("tls", () => {
        it("enabled without key and cert names both keys", () => {
            const errors = errorsOf(base({ tls: { enabled: true } }));
            assert.deepStrictEqual(
                errors.map((e) => e.key),
                ["tugraph:tls.keyFile", "tugraph:tls.certFile"],
            );
            assert.ok(errors[0].message.includes("or the secret tugraph:tlsKey is required when tls.enabled is true"));
            assert.ok(errors[1].message.includes("tugraph:tlsCert"));
        });
        it("two sources for the key", () =>
            rejects(
                base({ tls: { enabled: true, keyFile: "/k.pem", certFile: "/c.pem" }, tlsKey: "-----BEGIN K" }),
                "tugraph:tls.keyFile",
                "are both set: give exactly one source",
            ));
        it("a key file while tls is off", () => rejects(base({ tls: { keyFile: "/k.pem" } }), "tugraph:tls.keyFile", "tls.enabled is false"));
        it("an inline cert while tls is off", () => rejects(base({ tlsCert: "-----BEGIN C" }), "tugraph:tlsCert", "tls.enabled is false"));
        it("a relative key file", () =>
            rejects(base({ tls: { enabled: true, keyFile: "k.pem", certFile: "/c.pem" } }), "tugraph:tls.keyFile", "must be an absolute path"));
        it("an inline key that is not PEM, without quoting it", () => {
            rejects(base({ tls: { enabled: true, certFile: "/c.pem" }, tlsKey: "not-a-pem-s3cr3t" }), "tugraph:tlsKey", "must hold a PEM block");
            assert.ok(!errorsOf(base({ tls: { enabled: true, certFile: "/c.pem" }, tlsKey: "not-a-pem-s3cr3t" }))[0].message.includes("s3cr3t"));
        });
        it("a typo inside tls", () => rejects(base({ tls: { enable: true } }), "tugraph:tls.enable", "did you mean enabled?"));
        it("enabled not a boolean", () => rejects(base({ tls: { enabled: "yes" } }), "tugraph:tls.enabled", "must be true or false"));
        it("tls not an object", () => rejects(base({ tls: true }), "tugraph:tls", "must be an object"));
        // TuGraph's Bolt has no TLS (docs/tugraph-facts.md): the keys that only meant Bolt over TLS are refused.
        it("tugraph:tlsCa is refused, with TLS on or off, saying why and the fix", () => {
            for (const raw of [base({ tls: { enabled: true, keyFile: "/k.pem", certFile: "/c.pem" }, tlsCa: FIXTURE_CA }), base({ tlsCa: FIXTURE_CA })]) {
                const e = errorsOf(raw).find((x) => x.key === "tugraph:tlsCa");
                assert.ok(e, JSON.stringify(errorsOf(raw)));
                assert.match(e.message, /is no longer used: TuGraph's Bolt has no TLS/);
                assert.match(e.message, /ssl_auth only makes the web port HTTPS/);
                assert.match(
                    e.message,
                    /Fix: remove it \(`pulumi config rm tugraph:tlsCa -s <stack>`\); protect Bolt \(passwords included\) and raft with a private network/,
                );
            }
        });
        it("tls.insecureSkipVerify is refused, saying why and the fix", () => {
            const e = errorsOf(base({ tls: { enabled: true, keyFile: "/k.pem", certFile: "/c.pem", insecureSkipVerify: true } }));
            assert.deepStrictEqual(
                e.map((x) => x.key),
                ["tugraph:tls.insecureSkipVerify"],
            );
            assert.match(e[0].message, /is no longer used: TuGraph's Bolt has no TLS.*Fix: remove it.*private network/);
        });
        it("tls on with its key and cert is only the web port's HTTPS", () => {
            const cfg = ok(base({ tls: { enabled: true, keyFile: "/k.pem", certFile: "/c.pem" } }));
            assert.deepStrictEqual(cfg.tls, { enabled: true, keyFile: "/k.pem", certFile: "/c.pem" });
        });
    });
    describe("paths and names", () => {
        it("relative web", () => rejects(base({ web: "browser" }), "tugraph:web", "must be an absolute path"));
        it("bad container prefix", () => rejects(base({ containerPrefix: "tu graph" }), "tugraph:containerPrefix", "valid Docker container name prefix"));
        it("relative dataRoot", () => rejects(base({ dataRoot: "tugraph" }), "tugraph:dataRoot", "must be an absolute path"));
        it("dataRoot with ..", () => rejects(base({ dataRoot: "/root/../etc" }), "tugraph:dataRoot", 'without spaces or ".."'));
        it("encrypted non-secret key", () => rejects(base({ web: ENCRYPTED }), "tugraph:web", "is encrypted (secure:) but is not a secret key"));
    });
    describe("nodes list", () => {
        it("missing", () => rejects({ adminPassword: PASSWORD }, "tugraph:nodes", "is required"));
        it("not a list", () => rejects(base({ nodes: { id: 1 } }), "tugraph:nodes", "must be a list of node entries"));
        it("empty", () => rejects(base({ nodes: [] }), "tugraph:nodes", "is empty"));
        it("an entry that is not an object", () => rejects(withNodes([...three(), "10.0.0.4"]), "tugraph:nodes[3]", "must be an object"));
    });
    describe("node fields", () => {
        const node = (extra: Record<string, unknown>) => withNodes([...three(), { id: 4, ip: "172.20.10.41", ...extra }]);
        it("missing id", () => rejects(withNodes([...three(), { ip: "10.0.0.4" }]), "tugraph:nodes[3].id", "is required"));
        it("id 0", () => rejects(node({ id: 0 }), "tugraph:nodes[3].id", "must be an integer from 1 to"));
        it("fractional id", () => rejects(node({ id: 1.5 }), "tugraph:nodes[3].id", "must be an integer from 1 to"));
        it("id as text", () => rejects(node({ id: "4" }), "tugraph:nodes[3].id", 'got "4"'));
        it("missing ip", () => rejects(withNodes([...three(), { id: 4 }]), "tugraph:nodes[3].ip", "is required"));
        it("a host name instead of an IPv4", () => rejects(node({ ip: "db4.example.com" }), "tugraph:nodes[3].ip", "TuGraph does not resolve host names"));
        it("an out-of-range octet", () =>
            rejects(
                node({ ip: "10.0.0.256" }),
                "tugraph:nodes[3].ip",
                '(node 4) has the octet 256, out of range, got "10.0.0.256": each of the four numbers is 0 to 255',
            ));
        it("an IPv6 address", () =>
            rejects(node({ ip: "::1" }), "tugraph:nodes[3].ip", '(node 4) is an IPv6 address, got "::1": TuGraph\'s raft peers are IPv4 only'));
        it("an address with a port", () =>
            rejects(
                node({ ip: "10.0.0.4:7687" }),
                "tugraph:nodes[3].ip",
                'must be a bare IPv4 address, got "10.0.0.4:7687": the ports are nodes[].boltPort, raftPort and webPort; write 10.0.0.4',
            ));
        it("three numbers", () => rejects(node({ ip: "10.0.4" }), "tugraph:nodes[3].ip", "must be four numbers joined by dots"));
        it("a leading zero", () => rejects(node({ ip: "10.0.0.04" }), "tugraph:nodes[3].ip", 'has the octet 04 with a leading zero, got "10.0.0.04": write 4'));
        it("only a host name is told about name resolution", () => {
            for (const ip of ["10.0.0.256", "::1", "10.0.0.4:7687", "10.0.4", "10.0.0.04", "10.0.0.4 ", "[10.0.0.4]"]) {
                assert.ok(!errorsOf(node({ ip }))[0].message.includes("resolve host names"), ip);
            }
            assert.ok(errorsOf(node({ ip: "localhost" }))[0].message.includes("TuGraph does not resolve host names"));
        });
        it("0.0.0.0", () => rejects(node({ ip: "0.0.0.0" }), "tugraph:nodes[3].ip", "peers cannot connect to"));
        it("port 0", () => rejects(node({ boltPort: 0 }), "tugraph:nodes[3].boltPort", "must be a port number"));
        it("port above 65535", () => rejects(node({ raftPort: 70000 }), "tugraph:nodes[3].raftPort", "from 1 to 65535"));
        it("port as text", () => rejects(node({ webPort: "7070" }), "tugraph:nodes[3].webPort", 'got "7070"'));
        it("unknown role", () => rejects(node({ role: "leader" }), "tugraph:nodes[3].role", 'must be "voter" or "learner"'));
        it("bad docker host scheme", () =>
            rejects(node({ dockerHost: "http://10.0.0.4:2375" }), "tugraph:nodes[3].dockerHost", "unix:///path/to/docker.sock, tcp://host:port or ssh://"));
        it("tcp docker host without a port", () => rejects(node({ dockerHost: "tcp://10.0.0.4" }), "tugraph:nodes[3].dockerHost", "tcp://host:port"));
        it("docker host port out of range", () => rejects(node({ dockerHost: "ssh://h:99999" }), "tugraph:nodes[3].dockerHost", "ssh://[user@]host[:port]"));
        it("relative dataDir", () => rejects(node({ dataDir: "data" }), "tugraph:nodes[3].dataDir", "must be an absolute path"));
        it("relative logDir", () => rejects(node({ logDir: "./log" }), "tugraph:nodes[3].logDir", "must be an absolute path"));
        it("removed not a boolean", () => rejects(node({ removed: "yes" }), "tugraph:nodes[3].removed", "must be true or false"));
        it("a node key typo", () => rejects(node({ boltport: 7687 }), "tugraph:nodes[3].boltport", "did you mean boltPort?"));
        it("snake_case node key", () => rejects(node({ raft_port: 8000 }), "tugraph:nodes[3].raft_port", "did you mean raftPort?"));
        it("lgraph.json's port inside a node", () => rejects(node({ port: 7070 }), "tugraph:nodes[3].port", "use webPort"));
        it("enable_ha inside a node", () => rejects(node({ enable_ha: true }), "tugraph:nodes[3].enable_ha", "RPC HA must not be mixed with Bolt raft"));
        it("ha_* inside a node", () => rejects(node({ ha_snapshot_interval_s: 1 }), "tugraph:nodes[3].ha_snapshot_interval_s", "RPC-HA key"));
    });
    describe("cross-node rules", () => {
        it("duplicate id", () => rejects(withNodes([...three(), { id: 2, ip: "10.0.0.9" }]), "tugraph:nodes[3].id", "2 is already used by node 2 (nodes[1])"));
        it("an id reused from a removed node", () =>
            rejects(
                withNodes([...three(), { id: 9, ip: "10.0.0.9", removed: true }, { id: 9, ip: "10.0.0.8" }], { bootstrap: [1, 2, 3] }),
                "tugraph:nodes[4].id",
                "also against removed nodes",
            ));
        it("two nodes on one port of one host", () =>
            rejects(
                withNodes([
                    { id: 1, ip: "127.0.0.1" },
                    { id: 2, ip: "127.0.0.1", boltPort: 7688, webPort: 7071 },
                ]),
                "tugraph:nodes[1].raftPort",
                "(node 2) 8000 is already used by the raftPort of node 1 (nodes[0]) on docker host unix:///var/run/docker.sock",
            ));
        it("two nodes on one port of one docker host with different ips (TuGraph binds 0.0.0.0)", () =>
            rejects(
                withNodes([
                    { id: 1, ip: "10.0.0.1", dockerHost: LOCAL },
                    { id: 2, ip: "10.0.0.2", raftPort: 8001, webPort: 7071, dockerHost: LOCAL },
                    { id: 3, ip: "10.0.0.3" },
                ]),
                "tugraph:nodes[1].boltPort",
                "even with different ips",
            ));
        it("a node's raft port on another node's bolt port", () =>
            rejects(
                withNodes([
                    { id: 1, ip: "127.0.0.1" },
                    { id: 2, ip: "127.0.0.1", boltPort: 7688, raftPort: 7687, webPort: 7071 },
                ]),
                "tugraph:nodes[1].raftPort",
                "already used by the boltPort of node 1 (nodes[0])",
            ));
        it("a node's own two listeners on one port", () =>
            rejects(withNodes([{ id: 1, ip: "10.0.0.1", webPort: 7687 }]), "tugraph:nodes[0].webPort", "is also this node's boltPort"));
        it("one ip:port on two docker hosts", () =>
            rejects(
                withNodes([
                    { id: 1, ip: "10.0.0.1", dockerHost: "ssh://a" },
                    { id: 2, ip: "10.0.0.1", dockerHost: "ssh://b", boltPort: 7688, webPort: 7071 },
                ]),
                "tugraph:nodes[1].raftPort",
                "peers reach nodes by ip:port",
            ));
        it("loopback across docker hosts", () => {
            const errors = errorsOf(
                withNodes([
                    { id: 1, ip: "127.0.0.1" },
                    { id: 2, ip: "10.0.0.2", dockerHost: "ssh://b" },
                ]),
            );
            assert.deepStrictEqual(
                errors.map((e) => e.key),
                ["tugraph:nodes[0].ip"],
            );
            assert.ok(errors[0].message.includes("loopback address 127.0.0.1 but the cluster spans several docker hosts"));
        });
        it("two nodes sharing a data dir on one docker host", () =>
            rejects(
                withNodes([
                    { id: 1, ip: "10.0.0.1", dataDir: "/d/x", dockerHost: LOCAL },
                    { id: 2, ip: "10.0.0.2", boltPort: 7688, raftPort: 8001, webPort: 7071, dataDir: "/d/x/", dockerHost: LOCAL },
                ]),
                "tugraph:nodes[1].dataDir",
                "is also the dataDir of node 1 (nodes[0])",
            ));
        it("a log dir on another node's data dir", () =>
            rejects(
                withNodes([
                    { id: 1, ip: "10.0.0.1", dockerHost: LOCAL },
                    { id: 2, ip: "10.0.0.2", boltPort: 7688, raftPort: 8001, webPort: 7071, logDir: "/root/tugraph/node-1/data", dockerHost: LOCAL },
                ]),
                "tugraph:nodes[1].logDir",
                "is also the dataDir of node 1 (nodes[0])",
            ));
        it("a data dir still holding a removed node's data", () =>
            rejects(
                withNodes(
                    [
                        ...three(),
                        { id: 9, ip: "10.0.0.9", removed: true, dockerHost: LOCAL },
                        { id: 10, ip: "10.0.0.10", dataDir: "/root/tugraph/node-9/data", dockerHost: LOCAL },
                    ],
                    { bootstrap: [1, 2, 3] },
                ),
                "tugraph:nodes[4].dataDir",
                "its data stays on disk",
            ));
        it("a data dir nested in another node's data dir", () =>
            rejects(
                withNodes([
                    { id: 1, ip: "10.0.0.1", dataDir: "/d", dockerHost: LOCAL },
                    { id: 2, ip: "10.0.0.2", boltPort: 7688, raftPort: 8001, webPort: 7071, dataDir: "/d/x", dockerHost: LOCAL },
                ]),
                "tugraph:nodes[1].dataDir",
                "(node 2) /d/x lies inside /d, the dataDir of node 1 (nodes[0]), on docker host",
            ));
        it("nested directories on different docker hosts are fine", () => {
            ok(
                withNodes([
                    { id: 1, ip: "10.0.0.1", dataDir: "/d", dockerHost: "ssh://a" },
                    { id: 2, ip: "10.0.0.2", dataDir: "/d/x", dockerHost: "ssh://b" },
                    { id: 3, ip: "10.0.0.3", dockerHost: "ssh://c" },
                ]),
            );
        });
        it("a node's data and log dir the same", () =>
            rejects(withNodes([{ id: 1, ip: "10.0.0.1", dataDir: "/d", logDir: "/d" }]), "tugraph:nodes[0].logDir", "is also this node's dataDir"));
    });
    describe("roles", () => {
        it("no voter at all", () => rejects(withNodes([{ id: 1, ip: "10.0.0.1", role: "learner" }]), "tugraph:nodes", "has no voter"));
        it("every voter removed (the last voter cannot go)", () =>
            rejects(
                withNodes(
                    [
                        { id: 1, ip: "10.0.0.1", removed: true },
                        { id: 2, ip: "10.0.0.2", role: "learner" },
                    ],
                    { bootstrap: [1] },
                ),
                "tugraph:nodes",
                "marks every voter as removed, node 1 (nodes[0]):",
            ));
        it("more learners than voters", () =>
            rejects(
                withNodes([
                    { id: 1, ip: "10.0.0.1" },
                    { id: 2, ip: "10.0.0.2", role: "learner" },
                    { id: 3, ip: "10.0.0.3", role: "learner" },
                ]),
                "tugraph:nodes",
                "only add replication load on the leader",
            ));
    });
    describe("bootstrap", () => {
        it("not a list", () => rejects(base({ bootstrap: "1,2,3" }), "tugraph:bootstrap", "must be a list of node ids"));
        it("left to the default after a node was removed", () =>
            rejects(
                withNodes(
                    three().map((n) => (n.id === 3 ? { ...n, removed: true } : n)),
                    { membership: { minVoters: 2 } },
                ),
                "tugraph:bootstrap",
                "must be given explicitly once nodes are removed, as node 3 (nodes[2]) is",
            ));
        it("a non-id item", () => rejects(base({ bootstrap: [1, 0] }), "tugraph:bootstrap[1]", "must be a node id"));
        it("empty", () => rejects(base({ bootstrap: [] }), "tugraph:bootstrap", "is empty"));
        it("an id twice", () => rejects(base({ bootstrap: [1, 2, 2] }), "tugraph:bootstrap[2]", "lists id 2 twice"));
        it("an id not in nodes", () => rejects(base({ bootstrap: [1, 2, 4] }), "tugraph:bootstrap[2]", "names id 4, which no entry of tugraph:nodes has"));
        it("a learner", () =>
            rejects(
                withNodes([...three(), { id: 4, ip: "10.0.0.4", role: "learner" }], { bootstrap: [1, 2, 3, 4] }),
                "tugraph:bootstrap[3]",
                "init peers have no learner flag",
            ));
    });
    describe("membership", () => {
        it("not an object", () => rejects(base({ membership: 3 }), "tugraph:membership", "must be an object"));
        it("a typo", () => rejects(base({ membership: { minVoter: 2 } }), "tugraph:membership.minVoter", "did you mean minVoters?"));
        it("zero call timeout", () => rejects(base({ membership: { callTimeoutSeconds: 0 } }), "tugraph:membership.callTimeoutSeconds", "from 1 to 3600"));
        it("total below one call", () =>
            rejects(
                base({ membership: { callTimeoutSeconds: 30, totalTimeoutSeconds: 20 } }),
                "tugraph:membership.totalTimeoutSeconds",
                "must be at least callTimeoutSeconds (30)",
            ));
        it("settleSeconds: negative, fractional or above 600 is refused, naming the key and why", () => {
            for (const v of [-1, 1.5, 601, "2"]) {
                rejects(base({ membership: { settleSeconds: v } }), "tugraph:membership.settleSeconds", "must be an integer number of seconds from 0 to 600");
            }
            const [e] = (parseClusterConfig(base({ membership: { settleSeconds: -1 } })) as { errors: { message: string }[] }).errors;
            assert.match(e.message, /TuGraph drops the writes still queued on its apply thread when it stops/);
            assert.equal(ok(base({ membership: { settleSeconds: 0 } })).membership.settleMs, 0);
        });
        it("minVoters 0", () => rejects(base({ membership: { minVoters: 0 } }), "tugraph:membership.minVoters", "must be an integer >= 1"));
        it("fewer voters than minVoters", () =>
            rejects(
                withNodes(
                    three().map((n) => (n.id === 3 ? { ...n, removed: true } : n)),
                    { bootstrap: [1, 2, 3], membership: { minVoters: 3 } },
                ),
                "tugraph:membership.minVoters",
                "set allowUnsafeRemoval: true",
            ));
        it("allowUnsafeRemoval lifts it", () => {
            ok(
                withNodes(
                    three().map((n) => (n.id === 3 ? { ...n, removed: true } : n)),
                    { bootstrap: [1, 2, 3], membership: { minVoters: 3, allowUnsafeRemoval: true } },
                ),
            );
        });
        it("allowUnsafeRemoval not a boolean", () =>
            rejects(base({ membership: { allowUnsafeRemoval: 1 } }), "tugraph:membership.allowUnsafeRemoval", "must be true or false"));
    });
});

describe("parseClusterConfig: all errors at once", () => {
    it("reports every problem of one stack in one result", () => {
        const errors = errorsOf({
            adminPassword: PASSWORD,
            enable_ha: true,
            image: "tugraph/tugraph-runtime-centos7:latest",
            verbose: 5,
            bolt_raft_tick_interval: 10,
            nodes: [
                { id: 1, ip: "10.0.0.1" },
                { id: 1, ip: "node2.local" },
                { id: 3, ip: "10.0.0.1", boltPort: 7688, raftPort: 8001 },
                { id: 4, ip: "10.0.0.4", role: "observer", dockerHost: "ssh://10.0.0.4" },
            ],
            bootstrap: [1, 8],
        });
        assert.deepStrictEqual(errors.map((e) => e.key).sort(), [
            "tugraph:bolt_raft_tick_interval",
            "tugraph:bootstrap[1]",
            "tugraph:enable_ha",
            "tugraph:image",
            "tugraph:nodes[1].id",
            "tugraph:nodes[1].ip",
            "tugraph:nodes[2].webPort",
            "tugraph:nodes[3].role",
            "tugraph:verbose",
        ]);
    });
    it("formatConfigErrors prints one line per error", () => {
        const errors = errorsOf({ enable_ha: true, verbose: 9, nodes: [] });
        const text = formatConfigErrors(errors);
        assert.equal(text.split("\n").length, errors.length);
        assert.ok(text.split("\n").every((l) => l.startsWith("  - tugraph:")));
    });
});

describe("rawFromPulumiConfig", () => {
    it("keeps only tugraph keys and decodes by key kind", () => {
        const raw = rawFromPulumiConfig({
            "tugraph:image": "tugraph/tugraph-runtime-centos7:4.5.2",
            "tugraph:adminPassword": "12345",
            "tugraph:adminUser": "007",
            "tugraph:verbose": "2",
            "tugraph:nodes": JSON.stringify(three()),
            "tugraph:tls": '{"enabled":false}',
            "tugraph:bolt_raft_tick_interval": "150",
            "aws:region": "eu-west-1",
            "tugraph-ha:nodes": "[]",
        });
        assert.deepStrictEqual(raw, {
            image: "tugraph/tugraph-runtime-centos7:4.5.2",
            adminPassword: "12345",
            adminUser: "007",
            verbose: 2,
            nodes: three(),
            tls: { enabled: false },
            bolt_raft_tick_interval: 150,
        });
    });
    it("leaves undecodable text for validation to reject", () => {
        const raw = rawFromPulumiConfig({ "tugraph:adminPassword": PASSWORD, "tugraph:nodes": "[{id: 1", "tugraph:verbose": "loud" });
        const errors = errorsOf(raw);
        assert.deepStrictEqual(
            errors.map((e) => e.key),
            ["tugraph:verbose", "tugraph:nodes"],
        );
    });
    it("round-trips with parseClusterConfig", () => {
        const cfg = ok(rawFromPulumiConfig({ "tugraph:adminPassword": PASSWORD, "tugraph:nodes": JSON.stringify(three()) }));
        assert.equal(cfg.nodes.length, 3);
        assert.equal(cfg.image, DEFAULTS.image);
    });
});

describe("closeKeys", () => {
    it("finds typos and spelling variants, not unrelated keys", () => {
        assert.deepStrictEqual(closeKeys("nodse", ["nodes", "image"]), ["nodes"]);
        assert.deepStrictEqual(closeKeys("ADMINUSER", ["adminUser"]), ["adminUser"]);
        assert.deepStrictEqual(closeKeys("zzz", ["nodes", "image"]), []);
    });
});

describe("parseClusterConfig: the default docker host shared by nodes with different ips", () => {
    // No dockerHost anywhere: every node lands on the local engine.
    const lan = (over: Record<string, unknown>[] = []) => base({ nodes: [1, 2, 3].map((id, i) => ({ id, ip: `10.0.0.${id}`, ...over[i] })) });
    it("gives one message that names dockerHost, instead of one per clashing port", () => {
        const errors = errorsOf(lan());
        assert.equal(errors.length, 1, formatConfigErrors(errors));
        assert.equal(errors[0].key, "tugraph:nodes[].dockerHost");
        for (const fragment of [
            "is not set for node 1 (nodes[0]), node 2 (nodes[1]) and node 3 (nodes[2])",
            `default docker host ${LOCAL}`,
            "clash on port(s) 7070, 7687, 8000",
            "(10.0.0.1, 10.0.0.2, 10.0.0.3)",
            "tugraph:nodes[1].dockerHost: ssh://root@10.0.0.2",
            "give each node its own boltPort, raftPort and webPort",
        ]) {
            assert.ok(errors[0].message.includes(fragment), `"${errors[0].message}" lacks "${fragment}"`);
        }
    });
    it("names only the nodes and ports that clash", () => {
        const errors = errorsOf(lan([{}, { boltPort: 7688, raftPort: 8001, webPort: 7071 }, { boltPort: 7689, raftPort: 8002 }]));
        assert.equal(errors.length, 1, formatConfigErrors(errors));
        assert.ok(errors[0].message.includes("is not set for node 1 (nodes[0]) and node 3 (nodes[2]), so"), errors[0].message);
        assert.ok(errors[0].message.includes("port(s) 7070 "), errors[0].message);
    });
    it("keeps the per-port message when dockerHost was given (the user put them on one engine)", () => {
        const errors = errorsOf(lan([{ dockerHost: LOCAL }, { dockerHost: LOCAL }, { dockerHost: "ssh://c" }]));
        assert.deepStrictEqual(
            errors.map((e) => e.key),
            ["tugraph:nodes[1].boltPort", "tugraph:nodes[1].raftPort", "tugraph:nodes[1].webPort"],
        );
    });
    it("is valid once the ports differ (one machine with several ips)", () => {
        ok(lan([{}, { boltPort: 7688, raftPort: 8001, webPort: 7071 }, { boltPort: 7689, raftPort: 8002, webPort: 7072 }]));
    });
});

describe("parseClusterConfig: warnings", () => {
    const warningsOf = (raw: Record<string, unknown>, opts: Parameters<typeof parseClusterConfig>[1] = {}) => {
        const r = parseClusterConfig(raw, opts);
        for (const w of r.warnings) {
            assert.ok(w.message.startsWith(w.key), `warning names its key: ${w.message}`);
            assert.ok(!w.message.includes(PASSWORD), `warning quotes the password: ${w.message}`);
        }
        return r.warnings;
    };
    const explicit = (over: Record<string, unknown> = {}) => base({ bootstrap: [1, 2, 3], ...over });
    it("none for a stack that states its bootstrap and keeps plausible tunables", () => {
        assert.deepStrictEqual(
            warningsOf(explicit({ bolt_raft_tick_interval: 1000, bolt_raft_logstore_cache: 65536, bolt_raft_logstore_gc_interval: 120 }), {
                stack: "prod",
                encryptedKeys: ["adminPassword"],
            }),
            [],
        );
    });

    describe("defaulted bootstrap", () => {
        it("warns that the default is right only for a first deployment, with both fixes for the stack", () => {
            const ws = warningsOf(withNodes([...three(), { id: 4, ip: "10.0.0.4" }]), { stack: "dev2" });
            assert.deepStrictEqual(
                ws.map((w) => w.key),
                ["tugraph:bootstrap"],
            );
            for (const fragment of [
                "defaults to every voter (1, 2, 3, 4)",
                "right only for a first deployment",
                "`tugraph:bootstrap: [1, 2, 3, 4]` in Pulumi.dev2.yaml",
                "`pulumi config set --path 'tugraph:bootstrap[0]' 1 -s dev2`",
            ]) {
                assert.ok(ws[0].message.includes(fragment), `"${ws[0].message}" lacks "${fragment}"`);
            }
        });
        it("without a stack name, the commands say <stack>", () => {
            assert.ok(warningsOf(base())[0].message.includes("-s <stack>"));
        });
        it("the config is still valid and uses the default", () => {
            const r = parseClusterConfig(base());
            assert.ok(r.ok);
            assert.deepStrictEqual(r.ok && r.config.bootstrap, [1, 2, 3]);
        });
    });

    describe("implausible tunables", () => {
        const one = (name: string, value: number) => {
            const ws = warningsOf(explicit({ [name]: value }));
            assert.deepStrictEqual(
                ws.map((w) => w.key),
                [`tugraph:${name}`],
            );
            return ws[0].message;
        };
        it("a tick interval given in microseconds", () => {
            const m = one("bolt_raft_tick_interval", 100000);
            assert.ok(m.includes("is 100000 ms (100 s per tick), implausibly large: TuGraph's default is 100 ms"), m);
            assert.ok(m.includes("The unit is ms; if you meant microseconds, that is 100 ms: give the value in ms"), m);
        });
        it("a gc interval given in seconds", () => {
            const m = one("bolt_raft_logstore_gc_interval", 600);
            assert.ok(m.includes("is 600 minutes (10 hours), implausibly large"), m);
            assert.ok(m.includes("The unit is minutes; if you meant seconds, that is 10 minutes"), m);
        });
        it("a log store cache given in bytes", () => {
            const m = one("bolt_raft_logstore_cache", 1073741824);
            assert.ok(m.includes("is 1073741824 MB (1024 TB), implausibly large"), m);
            assert.ok(m.includes("The unit is MB; if you meant bytes, that is 1024 MB"), m);
        });
        it("property: a warning, naming the unit, exactly above the plausible maximum", () => {
            fc.assert(
                fc.property(
                    fc.constantFrom(...TUNABLE_KEYS),
                    fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 2_000_000_000 })),
                    (name, offset) => {
                        const { min, plausibleMax, unit } = RAFT_TUNABLES[name];
                        const value = min + offset;
                        const extra =
                            name === "bolt_raft_heartbeat_tick"
                                ? { bolt_raft_election_tick: Math.max(10, value + 1) }
                                : name === "bolt_raft_election_tick"
                                  ? { bolt_raft_heartbeat_tick: 1 }
                                  : {};
                        const r = parseClusterConfig(explicit({ [name]: value, ...extra }));
                        assert.ok(r.ok, JSON.stringify(r));
                        const mine = r.warnings.filter((w) => w.key === `tugraph:${name}`);
                        assert.equal(mine.length, value > plausibleMax ? 1 : 0);
                        if (mine.length) assert.ok(mine[0].message.includes(`The unit is ${unit}`) && mine[0].message.includes(`${value} ${unit}`));
                    },
                ),
                {
                    numRuns: 300,
                    examples: [
                        ["bolt_raft_tick_interval", 900],
                        ["bolt_raft_tick_interval", 901],
                        ["bolt_raft_logstore_gc_interval", 119],
                        ["bolt_raft_logstore_gc_interval", 120],
                    ],
                },
            );
        });
    });

    describe("a plain-text secret outside the dev stack", () => {
        it("warns for the admin password, with the command that encrypts it for this stack", () => {
            const ws = warningsOf(explicit(), { stack: "prod", encryptedKeys: [] });
            assert.deepStrictEqual(
                ws.map((w) => w.key),
                ["tugraph:adminPassword"],
            );
            assert.ok(ws[0].message.includes("is stored as plain text in stack prod"), ws[0].message);
            assert.ok(ws[0].message.includes("`pulumi config set --secret tugraph:adminPassword <password> -s prod`"), ws[0].message);
        });
        it("warns for an inline TLS key, reading the PEM from a file", () => {
            const ws = warningsOf(explicit({ tls: { enabled: true, certFile: "/c.pem" }, tlsKey: "-----BEGIN KEY-----" }), {
                stack: "prod",
                encryptedKeys: ["adminPassword"],
            });
            assert.deepStrictEqual(
                ws.map((w) => w.key),
                ["tugraph:tlsKey"],
            );
            assert.ok(ws[0].message.includes("`pulumi config set --secret tugraph:tlsKey -s prod < key.pem`"), ws[0].message);
        });
        it("not for the dev stack, an encrypted value, or when the caller cannot tell", () => {
            assert.deepStrictEqual(warningsOf(explicit(), { stack: "dev", encryptedKeys: [] }), []);
            assert.deepStrictEqual(warningsOf(explicit(), { stack: "prod", encryptedKeys: ["adminPassword"] }), []);
            assert.deepStrictEqual(warningsOf(explicit({ adminPassword: ENCRYPTED }), { stack: "prod", encryptedKeys: [] }), []);
            assert.deepStrictEqual(warningsOf(explicit(), { stack: "prod" }), []);
        });
    });

    it("come back with the errors of an invalid stack too", () => {
        const r = parseClusterConfig(base({ enable_ha: true, bolt_raft_tick_interval: 100000 }), { stack: "prod", encryptedKeys: [] });
        assert.equal(r.ok, false);
        assert.deepStrictEqual(
            r.warnings.map((w) => w.key),
            ["tugraph:adminPassword", "tugraph:bolt_raft_tick_interval", "tugraph:bootstrap"],
        );
    });
});
