// The resource graph of the program, under Pulumi mocks.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { parseClusterConfig } from "../../components/core/config";
import { ClusterConfig } from "../../components/core/types";
import { TuGraphCluster } from "../../components/resources/cluster";
import { PASSWORD, Registered, resolve, runUnderMocks } from "./program";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

const node = (id: number, extra: Record<string, unknown> = {}) => ({
    id,
    ip: "127.0.0.1",
    boltPort: 7686 + id,
    raftPort: 8999 + id,
    webPort: 7069 + id,
    ...extra,
});

function config(raw: Record<string, unknown>): ClusterConfig {
    const parsed = parseClusterConfig({ adminPassword: PASSWORD, ...raw });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return parsed.config;
}

async function deploy(cfg: ClusterConfig, preview = false) {
    return runUnderMocks(() => new TuGraphCluster("tugraph", { config: cfg, adminPassword: pulumi.secret(PASSWORD) }), { preview });
}

const containers = (r: Registered[]) => r.filter((x) => x.type === "docker:index/container:Container");
const containerOf = (r: Registered[], id: number) => containers(r).find((c) => c.name === `tugraph-node-${id}-container`)!;
const ofType = (r: Registered[], suffix: string) => r.filter((x) => x.type.endsWith(suffix));

describe("program under Pulumi mocks", () => {
    it("declares a cluster, three raft nodes with one container each, one engine provider and a cluster record", async () => {
        const { registered, result } = await deploy(config({ nodes: [node(1), node(2), node(3)] }));
        assert.deepStrictEqual(
            ofType(registered, "tugraph:index:Cluster").map((x) => x.name),
            ["tugraph"],
        );
        assert.deepStrictEqual(
            ofType(registered, "tugraph:index:RaftNode")
                .map((x) => x.name)
                .sort(),
            ["tugraph-node-1", "tugraph-node-2", "tugraph-node-3"],
        );
        assert.deepStrictEqual(
            containers(registered)
                .map((c) => c.inputs.name)
                .sort(),
            ["tugraph-node-1", "tugraph-node-2", "tugraph-node-3"],
        );
        assert.strictEqual(registered.filter((x) => x.type === "pulumi:providers:docker").length, 1);
        assert.strictEqual(ofType(registered, ":ClusterRecord").length, 1);
        assert.strictEqual(ofType(registered, "RaftMember").length, 0, "bootstrap members get no add call");
        // The guard's check runs before any container is touched.
        const record = ofType(registered, ":ClusterRecord")[0];
        // The first container waits for the record; the others roll after it, one at a time (each after the previous node is ready).
        const [first, ...rest] = containers(registered).sort((a, b) => a.name.localeCompare(b.name));
        assert.ok(first.dependencies.includes(record.urn), `${first.name} waits for the cluster record`);
        for (const c of rest)
            assert.ok(
                c.dependencies.some((u) => /::tugraph-ready-\d+$/.test(u)),
                `${c.name} waits for the node before it to be ready`,
            );
        // And each for its own RestartGate (its node settled after the last membership change before a restart).
        for (const c of [first, ...rest]) {
            const id = /tugraph-node-(\d+)-container/.exec(c.name)![1];
            assert.ok(
                c.dependencies.some((u) => u.endsWith(`::tugraph-restart-${id}`)),
                `${c.name} waits for its restart gate`,
            );
        }
        // Parents: container under its node, node under the cluster (the URN carries the parent chain).
        assert.match(await resolve(result.nodes[2].urn), /::tugraph:index:Cluster\$tugraph:index:RaftNode::tugraph-node-2$/);
        assert.match(await resolve(result.nodes[2].container.urn), /::tugraph:index:RaftNode\$docker:index\/container:Container::tugraph-node-2-container$/);
    });

    it("gives every container the manual's runtime shape: host network, mounts, config upload, foreground command, health check", async () => {
        const { registered } = await deploy(config({ nodes: [node(1), node(2), node(3)], dataRoot: "/srv/tg" }));
        const c = containerOf(registered, 2).inputs;
        assert.strictEqual(c.networkMode, "host");
        assert.deepStrictEqual(c.command, ["lgraph_server", "-c", "/usr/local/etc/lgraph.json", "-d", "run"]);
        assert.deepStrictEqual(
            c.volumes.map((v: any) => [v.hostPath, v.containerPath]),
            [
                ["/srv/tg/node-2/data", "/var/lib/lgraph/data"],
                ["/srv/tg/node-2/log", "/var/log/lgraph_log"],
            ],
        );
        assert.strictEqual(c.restart, "unless-stopped");
        assert.deepStrictEqual(c.healthcheck.tests, ["CMD", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/7688"]);
        assert.strictEqual(c.removeVolumes, false);
        const upload = c.uploads.find((u: any) => u.file === "/usr/local/etc/lgraph.json");
        const lgraph = JSON.parse(upload.content);
        assert.strictEqual(lgraph.bolt_raft_node_id, 2);
        assert.strictEqual(lgraph.bolt_port, 7688);
        assert.deepStrictEqual(
            lgraph.bolt_raft_init_peers.map((p: any) => p.bolt_raft_node_id),
            [1, 2, 3],
        );
        assert.strictEqual(c.image, "sha256:tugraph/tugraph-runtime-centos7:4.5.2");
    });

    it("uses one Docker provider per distinct dockerHost, and each container its host's provider", async () => {
        const { registered } = await deploy(
            config({
                nodes: [
                    node(1, { ip: "10.0.0.1", boltPort: 7687, raftPort: 8000, webPort: 7070, dockerHost: "ssh://root@10.0.0.1" }),
                    node(2, { ip: "10.0.0.2", boltPort: 7687, raftPort: 8000, webPort: 7070, dockerHost: "ssh://root@10.0.0.2" }),
                    node(3, { ip: "10.0.0.2", boltPort: 7688, raftPort: 8001, webPort: 7071, dockerHost: "ssh://root@10.0.0.2" }),
                ],
            }),
        );
        const providers = registered.filter((x) => x.type === "pulumi:providers:docker");
        assert.deepStrictEqual(providers.map((p) => p.inputs.host).sort(), ["ssh://root@10.0.0.1", "ssh://root@10.0.0.2"]);
        const providerOf = (id: number) => containerOf(registered, id).provider!;
        assert.match(providerOf(1), /10-0-0-1/);
        assert.match(providerOf(2), /10-0-0-2/);
        assert.strictEqual(providerOf(2), providerOf(3));
    });

    it("keeps nodes 1-3 byte-identical when a 4th node joins (stability of init peers)", async () => {
        const three = await deploy(config({ nodes: [node(1), node(2), node(3)] }));
        const four = await deploy(config({ nodes: [node(1), node(2), node(3), node(4)], bootstrap: [1, 2, 3] }));
        for (const id of [1, 2, 3]) {
            assert.strictEqual(
                JSON.stringify(containerOf(four.registered, id).inputs),
                JSON.stringify(containerOf(three.registered, id).inputs),
                `container inputs of node ${id} changed`,
            );
        }
        // The joiner: an add call first, and its own config renders the membership recorded at join time.
        const members = ofType(four.registered, "RaftMember");
        assert.deepStrictEqual(
            members.map((m) => m.inputs.nodeId),
            [4],
        );
        const joiner = JSON.parse(containerOf(four.registered, 4).inputs.uploads[0].content);
        assert.deepStrictEqual(
            joiner.bolt_raft_init_peers.map((p: any) => p.bolt_raft_node_id),
            [1, 2, 3, 4],
        );
    });

    it("a copy comes only from a copy source: bootstrap members, joiners copied before in this chain or recorded by the last deployment", async () => {
        const cfg = config({ nodes: [node(1), node(2), node(3), node(4), node(5), node(6)], bootstrap: [1, 2, 3] });
        const sources = (r: Registered[]) => Object.fromEntries(ofType(r, ":DataSync").map((x) => [x.inputs.nodeId, x.inputs.copySources]));
        const fresh = await deploy(cfg);
        assert.deepStrictEqual(sources(fresh.registered), { 4: [1, 2, 3], 5: [1, 2, 3, 4], 6: [1, 2, 3, 4, 5] });
        // The last deployment copied 6 (say, on a resync of 4 while 6 exists): it may donate to 4, a removed or unknown id never.
        const again = await runUnderMocks(() => new TuGraphCluster("tugraph", { config: cfg, adminPassword: pulumi.secret(PASSWORD), copied: [6, 9] }));
        assert.deepStrictEqual(sources(again.registered)[4], [1, 2, 3, 6]);
        // The stack output that records them for the next run.
        assert.deepStrictEqual(await resolve(fresh.result.copiedNodeIds), [4, 5, 6]);
        // Each copy waits for the donor to settle: the stack's settle period reaches the provider.
        assert.deepStrictEqual(
            ofType(fresh.registered, ":DataSync").map((x) => x.inputs.settleMs),
            [2000, 2000, 2000],
        );
    });

    it("declares a removal for a tombstoned node and drops its container", async () => {
        const { registered } = await deploy(
            config({
                nodes: [node(1), node(2), node(3, { removed: true }), node(4)],
                bootstrap: [1, 2, 3],
            }),
        );
        assert.deepStrictEqual(
            ofType(registered, "RaftRemoval").map((m) => m.inputs.nodeId),
            [3],
        );
        assert.deepStrictEqual(
            containers(registered)
                .map((c) => c.inputs.name)
                .sort(),
            ["tugraph-node-1", "tugraph-node-2", "tugraph-node-4"],
        );
        const joiner = JSON.parse(containerOf(registered, 4).inputs.uploads[0].content);
        assert.deepStrictEqual(
            joiner.bolt_raft_init_peers.map((p: any) => p.bolt_raft_node_id),
            [1, 2, 4],
            "the manual's node 4 init peers",
        );
    });

    it("exports bolt endpoints, a neo4j:// URI with resolver addresses, and ids by role", async () => {
        const { result } = await deploy(config({ nodes: [node(1), node(2), node(3), node(4, { role: "learner" })], bootstrap: [1, 2, 3] }));
        assert.deepStrictEqual(await resolve(result.boltEndpoints), { 1: "127.0.0.1:7687", 2: "127.0.0.1:7688", 3: "127.0.0.1:7689", 4: "127.0.0.1:7690" });
        assert.strictEqual(await resolve(result.neo4jUri), "neo4j://127.0.0.1:7687");
        assert.deepStrictEqual(await resolve(result.resolverAddresses), ["127.0.0.1:7687", "127.0.0.1:7688", "127.0.0.1:7689", "127.0.0.1:7690"]);
        assert.deepStrictEqual(await resolve(result.voterIds), [1, 2, 3]);
        assert.deepStrictEqual(await resolve(result.learnerIds), [4]);
    });

    it("never puts the admin password in plain text into a container input, upload or output", async () => {
        const { registered, result } = await deploy(config({ nodes: [node(1), node(2), node(3), node(4)], bootstrap: [1, 2, 3] }));
        for (const r of registered.filter((x) => !x.type.startsWith("pulumi-nodejs:"))) {
            assert.ok(!JSON.stringify(r.inputs).includes(PASSWORD), `${r.type} ${r.name} carries the password`);
        }
        const outputs = await Promise.all([result.boltEndpoints, result.neo4jUri, result.resolverAddresses].map((o) => resolve(o as pulumi.Output<unknown>)));
        assert.ok(!JSON.stringify(outputs).includes(PASSWORD));
        for (const n of Object.values(result.nodes)) assert.ok(!(await resolve(n.lgraphJson)).includes(PASSWORD));
        // Where it must travel (the membership calls) it stays a Pulumi secret.
        // (a secret reaches the engine wrapped in Pulumi's secret signature, not as a bare string)
        const member = ofType(registered, "RaftMember")[0];
        assert.strictEqual(member.inputs.adminPassword[SECRET_SIG], "1b47061264138c4ac30d75fd1eb44270");
        assert.strictEqual(typeof member.inputs.adminUser, "string");
    });
});

describe("program under Pulumi mocks: guards", () => {
    it("chains membership changes after the cluster record even when every bootstrap member is gone", async () => {
        const cfg = config({
            nodes: [node(1, { removed: true }), node(2, { removed: true }), node(3, { removed: true }), node(4), node(5), node(6), node(7)],
            bootstrap: [1, 2, 3],
            membership: { allowUnsafeRemoval: true },
        });
        const { registered } = await deploy(cfg);
        const record = ofType(registered, ":ClusterRecord")[0];
        const first = ofType(registered, ":RaftRemoval").find((r) => r.inputs.nodeId === 1)!;
        assert.ok(first.dependencies.includes(record.urn), "the first change waits for the record's check");
    });
});
