// Golden: the manual's node files come out of a stack describing the manual's
// cluster, key for key. Properties: stability of bootstrap nodes' text,
// own id in init peers, determinism, validation total on arbitrary input.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { ENCRYPTED, TOP_LEVEL_KEYS, formatConfigErrors, parseClusterConfig } from "../../components/core/config";
import { bootstrapPeers, initPeersFor, joinPeers, lgraphJsonText, renderLgraphConfig } from "../../components/core/render";
import type { ClusterConfig } from "../../components/core/types";
import { stackConfigFromText } from "../../components/cli/stackFile";

const FIXTURES = path.join(__dirname, "..", "fixtures", "manual");
const manualNode = (id: number) => JSON.parse(fs.readFileSync(path.join(FIXTURES, `node${id}.json`), "utf8"));

function stack(name: string): ClusterConfig {
    const text = fs.readFileSync(path.join(FIXTURES, `Pulumi.${name}.yaml`), "utf8");
    const r = parseClusterConfig(stackConfigFromText(text, "manual").raw);
    if (!r.ok) assert.fail(formatConfigErrors(r.errors));
    return r.config;
}
function cfgOf(raw: Record<string, unknown>): ClusterConfig {
    const r = parseClusterConfig(raw);
    if (!r.ok) assert.fail(formatConfigErrors(r.errors));
    return r.config;
}
const node = (cfg: ClusterConfig, id: number) => cfg.nodes.find((n) => n.id === id)!;

// deepStrictEqual ignores key order; the manual's order is part of the contract.
function assertSameKeysInOrder(actual: unknown, expected: unknown, where = "$") {
    if (Array.isArray(expected)) {
        (expected as unknown[]).forEach((e, i) => assertSameKeysInOrder((actual as unknown[])[i], e, `${where}[${i}]`));
    } else if (expected && typeof expected === "object") {
        assert.deepStrictEqual(Object.keys(actual as object), Object.keys(expected as object), `key order at ${where}`);
        for (const k of Object.keys(expected as object)) {
            assertSameKeysInOrder((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${where}.${k}`);
        }
    }
}

describe("render: golden files from the TuGraph manual", () => {
    const cfg = stack("manual");
    for (const id of [1, 2, 3]) {
        it(`node ${id} equals the manual's lgraph.json, key for key`, () => {
            const rendered = renderLgraphConfig(cfg, node(cfg, id), bootstrapPeers(cfg));
            const expected = manualNode(id);
            assert.deepStrictEqual(rendered, expected);
            assertSameKeysInOrder(rendered, expected);
            assert.deepStrictEqual(JSON.parse(lgraphJsonText(rendered)), expected);
        });
    }
    it("node 4 of the manual's add-node section (3 removed, 4 added, bootstrap [1,2,3])", () => {
        const grown = stack("manual-add");
        const n4 = node(grown, 4);
        assert.deepStrictEqual(
            joinPeers(grown, n4).map((p) => p.bolt_raft_node_id),
            [1, 2, 4],
        );
        const rendered = renderLgraphConfig(grown, n4, initPeersFor(grown, n4));
        assert.deepStrictEqual(rendered, manualNode(4));
        assertSameKeysInOrder(rendered, manualNode(4));
    });
    it("bootstrap nodes keep their original files after the manual's remove/add", () => {
        const before = stack("manual");
        const after = stack("manual-add");
        for (const id of [1, 2]) {
            assert.equal(
                lgraphJsonText(renderLgraphConfig(after, node(after, id), initPeersFor(after, node(after, id)))),
                lgraphJsonText(renderLgraphConfig(before, node(before, id), initPeersFor(before, node(before, id)))),
            );
        }
    });
});

describe("render: details", () => {
    const three = [1, 2, 3].map((id) => ({ id, ip: `10.0.0.${id}`, dockerHost: `ssh://10.0.0.${id}` }));
    it("renders tunables after the manual's keys, only when set, in TuGraph's order", () => {
        const cfg = cfgOf({ adminPassword: "x", nodes: three, bolt_raft_logstore_threads: 8, bolt_raft_tick_interval: 200 });
        const keys = Object.keys(renderLgraphConfig(cfg, cfg.nodes[0], bootstrapPeers(cfg)));
        assert.deepStrictEqual(keys.slice(-3), ["web", "bolt_raft_tick_interval", "bolt_raft_logstore_threads"]);
        const plain = cfgOf({ adminPassword: "x", nodes: three });
        assert.ok(!Object.keys(renderLgraphConfig(plain, plain.nodes[0], bootstrapPeers(plain))).some((k) => k.startsWith("bolt_raft_logstore")));
    });
    it("ssl_auth follows tls.enabled; paths stay the container's", () => {
        const cfg = cfgOf({ adminPassword: "x", nodes: three, tls: { enabled: true, keyFile: "/h/k.pem", certFile: "/h/c.pem" } });
        const r = renderLgraphConfig(cfg, cfg.nodes[0], bootstrapPeers(cfg));
        assert.equal(r.ssl_auth, true);
        assert.equal(r.server_key, "/usr/local/etc/lgraph/server-key.pem");
        assert.equal(r.server_cert, "/usr/local/etc/lgraph/server-cert.pem");
    });
    it("bootstrapPeers is sorted by id whatever the stack order", () => {
        const cfg = cfgOf({ adminPassword: "x", nodes: [...three].reverse() });
        assert.deepStrictEqual(
            bootstrapPeers(cfg).map((p) => p.bolt_raft_node_id),
            [1, 2, 3],
        );
    });
    it("a joining learner predicts the live voters plus itself", () => {
        const cfg = cfgOf({ adminPassword: "x", nodes: [...three, { id: 5, ip: "10.0.0.5", dockerHost: "ssh://10.0.0.5", role: "learner" }] });
        assert.deepStrictEqual(
            joinPeers(cfg, node(cfg, 5)).map((p) => p.bolt_raft_node_id),
            [1, 2, 3, 5],
        );
        assert.deepStrictEqual(cfg.bootstrap, [1, 2, 3]);
    });
    it("init peers are rendered in the manual's key order whatever the caller passes", () => {
        const cfg = cfgOf({ adminPassword: "x", nodes: three });
        const shuffled = bootstrapPeers(cfg).map((p) => ({
            bolt_port: p.bolt_port,
            ip: p.ip,
            bolt_raft_port: p.bolt_raft_port,
            bolt_raft_node_id: p.bolt_raft_node_id,
        }));
        const r = renderLgraphConfig(cfg, cfg.nodes[0], shuffled) as { bolt_raft_init_peers: object[] };
        assert.deepStrictEqual(Object.keys(r.bolt_raft_init_peers[0]), ["bolt_raft_node_id", "ip", "bolt_raft_port", "bolt_port"]);
    });
    it("lgraphJsonText is 2-space JSON with one trailing newline", () => {
        const text = lgraphJsonText({ a: 1, b: [1] });
        assert.equal(text, '{\n  "a": 1,\n  "b": [\n    1\n  ]\n}\n');
    });
});

// ---------- properties ----------

// Random valid clusters: distinct ids, one ip per node, some learners/tombstones.
const clusterArb = fc
    .uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 7 })
    .chain((ids) =>
        fc.tuple(
            fc.constant(ids),
            fc.array(fc.constantFrom("voter", "learner"), { minLength: ids.length, maxLength: ids.length }),
            fc.array(fc.boolean(), { minLength: ids.length, maxLength: ids.length }),
            fc.option(
                fc.record({ bolt_raft_tick_interval: fc.integer({ min: 100, max: 1000 }), bolt_raft_logstore_threads: fc.integer({ min: 2, max: 16 }) }),
                { nil: undefined },
            ),
        ),
    )
    .map(([ids, roles, removed, raft]) => ({
        adminPassword: "x",
        ...(raft ?? {}),
        nodes: ids.map((id, i) => ({
            id,
            ip: `10.1.${Math.floor(id / 200)}.${id}`,
            dockerHost: `ssh://node-${id}`,
            role: i === 0 ? "voter" : roles[i],
            removed: i === 0 ? false : removed[i],
        })),
        // explicit, as a stack with tombstones must have it: every voter ever listed
        bootstrap: ids.filter((_, i) => i === 0 || roles[i] === "voter"),
    }));

function validCluster(raw: Record<string, unknown>): ClusterConfig | undefined {
    const r = parseClusterConfig(raw);
    return r.ok ? r.config : undefined;
}

describe("render: properties", () => {
    it("adding a node never changes the text of existing bootstrap nodes (explicit bootstrap)", () => {
        fc.assert(
            fc.property(clusterArb, fc.constantFrom("voter", "learner"), (raw, role) => {
                const before = validCluster(raw);
                fc.pre(before !== undefined);
                const pinned = { ...raw, bootstrap: before!.bootstrap };
                const b = validCluster(pinned)!;
                const grown = validCluster({ ...pinned, nodes: [...raw.nodes, { id: 99, ip: "10.9.9.99", dockerHost: "ssh://node-99", role }] });
                fc.pre(grown !== undefined); // e.g. too many learners
                for (const id of b.bootstrap) {
                    const textOf = (c: ClusterConfig) => lgraphJsonText(renderLgraphConfig(c, node(c, id), initPeersFor(c, node(c, id))));
                    assert.equal(textOf(grown!), textOf(b));
                }
            }),
            { numRuns: 200 },
        );
    });
    it("every node's init peers contain its own id; bootstrap nodes get exactly the bootstrap set", () => {
        fc.assert(
            fc.property(clusterArb, (raw) => {
                const cfg = validCluster(raw);
                fc.pre(cfg !== undefined);
                for (const n of cfg!.nodes.filter((x) => !x.removed)) {
                    const peers: number[] = initPeersFor(cfg!, n).map((p) => p.bolt_raft_node_id);
                    assert.ok(peers.includes(n.id));
                    assert.deepStrictEqual(
                        peers,
                        [...peers].sort((a, b) => a - b),
                    );
                    if (cfg!.bootstrap.includes(n.id)) assert.deepStrictEqual(peers, cfg!.bootstrap);
                }
            }),
            { numRuns: 200 },
        );
    });
    it("rendering is deterministic and JSON round-trips", () => {
        fc.assert(
            fc.property(clusterArb, (raw) => {
                const a = validCluster(raw);
                const b = validCluster(JSON.parse(JSON.stringify(raw)));
                fc.pre(a !== undefined);
                for (const n of a!.nodes) {
                    const ta = lgraphJsonText(renderLgraphConfig(a!, n, initPeersFor(a!, n)));
                    const tb = lgraphJsonText(renderLgraphConfig(b!, node(b!, n.id), initPeersFor(b!, node(b!, n.id))));
                    assert.equal(ta, tb);
                    assert.deepStrictEqual(JSON.parse(ta), renderLgraphConfig(a!, n, initPeersFor(a!, n)));
                }
            }),
            { numRuns: 100 },
        );
    });
    it("validation never throws and always returns a result on arbitrary input", () => {
        const keyArb = fc.oneof(fc.constantFrom(...TOP_LEVEL_KEYS, "enable_ha", "ha_x", "nodes"), fc.string());
        const valueArb = fc.oneof(
            fc.jsonValue(),
            fc.constant(ENCRYPTED),
            fc.array(fc.dictionary(fc.constantFrom("id", "ip", "boltPort", "role", "removed", "dataDir", "ha_x", "x"), fc.jsonValue())),
        );
        fc.assert(
            fc.property(fc.dictionary(keyArb, valueArb), (raw) => {
                const r = parseClusterConfig(raw);
                assert.ok(r.ok === true || (r.ok === false && r.errors.length > 0));
                if (!r.ok) assert.ok(r.errors.every((e) => typeof e.key === "string" && e.message.startsWith(e.key)));
            }),
            { numRuns: 500 },
        );
        fc.assert(
            fc.property(fc.anything(), (raw) => {
                const r = parseClusterConfig(raw as Record<string, unknown>);
                assert.equal(typeof r.ok, "boolean");
            }),
            { numRuns: 300 },
        );
    });
    it("no error message ever quotes the password", () => {
        fc.assert(
            fc.property(
                fc.string({ minLength: 6 }).map((s) => `PW~${s}`),
                fc.jsonValue(),
                (password, junk) => {
                    for (const raw of [
                        { adminPassword: password, nodes: junk },
                        { adminPassword: password, nodes: [{ id: 1, ip: "10.0.0.1" }], tls: { enabled: true }, tlsKey: password, tlsCert: password },
                        { adminPassword: password, adminPasword: password, nodes: [{ id: 1, ip: "10.0.0.1", password }] },
                        { adminPassword: [password], tlsKey: { password }, nodes: [] },
                    ]) {
                        const r = parseClusterConfig(raw as Record<string, unknown>);
                        const text = r.ok ? JSON.stringify(r.config) : formatConfigErrors(r.errors);
                        assert.ok(!text.includes(password), text);
                    }
                },
            ),
            { numRuns: 200 },
        );
    });
});
