// The admin password and the web port's TLS on real Docker, through the step-order
// driver: a 3-node cluster with `tls` on (ssl_auth, key and certificate made in the
// test and mounted from the host: TuGraph only makes its web port HTTPS with them),
// whose admin password `pulumi up` sets on the first deployment and rotates on the
// next over plain Bolt, as TuGraph has no other (docs/tugraph-facts.md). Neither
// password is printed, and no node's log holds one (a refused login would put it there).
// Why still on the step-order driver: it mounts the web port's key and certificate from host files
// (tls.keyFile/certFile); the real engine runs the password set and rotated, and the inline TLS
// rotation, in test/pulumi/ (replace-and-password-real, tls-rotation-real).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseClusterConfig } from "../../components/core/config";
import type { ClusterConfig } from "../../components/core/types";
import { TuGraphCluster } from "../../components/resources/cluster";
import { listRaftNodes } from "../../components/adapters/boltAdmin";
import { clusterEndpoints } from "../../components/core/endpoints";
import { requireDocker } from "../docker/engine";
import { DEFAULT_PASSWORD, DEFAULT_USER, freePorts, simulatorDriver } from "../simulator/harness";
import { useTestPki } from "../tls/certs";
import { removeContainers } from "./dockerApply";
import { Deployment } from "../engine/deployment";
import { dockerContainers } from "./dockerRealizer";
import { liveAsProgram } from "../engine/simulatorStack";

const PREFIX = "tugraph-ha-sec-";
const FIRST = "Docker-Pw-1st";
const SECOND = "Docker-Pw-2nd";

describe("admin password over plain Bolt, tls for the web port only, on real Docker (simulator image)", function () {
    this.timeout(300_000);
    const pki = useTestPki();
    let root = "";
    let ports: number[] = [];
    let d: Deployment | undefined;
    before(async function () {
        await requireDocker(this);
        root = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-sec-"));
        ports = await freePorts(9);
        await removeContainers([1, 2, 3].map((i) => `${PREFIX}${i}`));
        d = await new Deployment({ realizers: { "docker:index/container:Container": dockerContainers({ waitHealthyMs: 60_000 }) } }).start();
    });
    after(async () => {
        await d?.stop();
        await removeContainers([1, 2, 3].map((i) => `${PREFIX}${i}`));
        if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    const stack = (): ClusterConfig => {
        const parsed = parseClusterConfig({
            adminPassword: "x",
            containerPrefix: PREFIX,
            dataRoot: root,
            image: "tugraph-simulator:4.5.2",
            bootstrap: [1, 2, 3],
            tls: { enabled: true, keyFile: pki().node.keyFile, certFile: pki().node.certFile },
            membership: { callTimeoutSeconds: 5, totalTimeoutSeconds: 60 },
            nodes: [1, 2, 3].map((id) => ({ id, ip: "127.0.0.1", boltPort: ports[id - 1], raftPort: ports[2 + id], webPort: ports[5 + id] })),
        });
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
        return parsed.config;
    };
    const program = async (password: string) => {
        const cfg = stack();
        const live = await liveAsProgram(d!, cfg, password);
        return () => new TuGraphCluster("tugraph", { config: cfg, adminPassword: pulumi.secret(password), live });
    };
    const login = (password: string) =>
        listRaftNodes({ seeds: [], user: DEFAULT_USER, password, callTimeoutMs: 5000, totalTimeoutMs: 5000 }, `127.0.0.1:${ports[0]}`);
    const nodeLogs = () => [1, 2, 3].map((id) => fs.readFileSync(path.join(root, `node-${id}`, "log", "lgraph.log"), "utf8")).join("\n");

    it("sets the stack's password on a new cluster with ssl_auth on, over plain Bolt, then rotates it; neither password is printed or in a node's log", async () => {
        const first = await d!.upOk(await program(FIRST));
        assert.strictEqual(first.steps.find((s) => !s.preview && s.name === "tugraph-admin-password")?.op, "create");
        assert.strictEqual((await login(FIRST)).length, 3);
        const second = await d!.upOk(await program(SECOND));
        assert.strictEqual(second.steps.find((s) => !s.preview && s.name === "tugraph-admin-password")?.op, "update");
        assert.strictEqual((await login(SECOND)).length, 3);
        const shown = [...d!.host.stderr, ...d!.host.stdout, ...second.errors].join("\n");
        for (const pw of [FIRST, SECOND]) assert.ok(!shown.includes(pw), "a password in the provider host's output");
        const logs = nodeLogs();
        assert.match(logs, /ssl_auth: the web port serves HTTPS/, "the nodes ran with ssl_auth and readable key and cert");
        for (const pw of [FIRST, SECOND]) assert.ok(!logs.includes(pw), "a stack password in a node's log");
        // The old password is refused now (checked last: this refusal writes it into node 1's log, as TuGraph does).
        await assert.rejects(login(FIRST), /authentication failed/);
    });

    it("the cluster's URI is plain neo4j://, and a TLS client cannot reach a node", async () => {
        assert.strictEqual(clusterEndpoints(stack()).neo4jUri, `neo4j://127.0.0.1:${ports[0]}`);
        const drv = simulatorDriver(`127.0.0.1:${ports[0]}`, { encrypted: true, password: DEFAULT_PASSWORD });
        try {
            const s = drv.session({ database: "default" });
            await assert.rejects(s.run("CALL db.bolt.listRaftNodes()"));
            await s.close();
        } finally {
            await drv.close();
        }
    });
});
