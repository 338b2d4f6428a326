// The admin password and TLS trust on real Docker, through the step-order driver:
// a 3-node cluster serving Bolt over TLS (certificates made in the test, mounted
// from the host), whose admin password `pulumi up` sets on the first deployment and
// rotates on the next, over verified TLS; an impostor CA is refused with the fix.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseClusterConfig } from "../../components/core/config";
import type { ClusterConfig } from "../../components/core/types";
import { TuGraphCluster } from "../../components/resources/cluster";
import { readLiveMembership } from "../../components/adapters/liveView";
import { listRaftNodes } from "../../components/adapters/boltAdmin";
import { requireDocker } from "../docker/engine";
import { DEFAULT_PASSWORD, DEFAULT_USER, freePorts } from "../simulator/harness";
import { useTestPki } from "../tls/certs";
import { removeContainers } from "./dockerApply";
import { Deployment } from "../engine/deployment";
import { dockerContainers } from "./dockerRealizer";

const PREFIX = "tugraph-ha-sec-";
const FIRST = "Docker-Pw-1st";
const SECOND = "Docker-Pw-2nd";

describe("admin password and TLS trust on real Docker (simulator image)", function () {
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
            tlsCa: pki().ca,
            tls: { enabled: true, keyFile: pki().node.keyFile, certFile: pki().node.certFile },
            membership: { callTimeoutSeconds: 5, totalTimeoutSeconds: 60 },
            nodes: [1, 2, 3].map((id) => ({ id, ip: "127.0.0.1", boltPort: ports[id - 1], raftPort: ports[2 + id], webPort: ports[5 + id] })),
        });
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
        return parsed.config;
    };
    const program = async (password: string) => {
        const cfg = stack();
        const live = await readLiveMembership(cfg, password, pki().ca);
        return () => new TuGraphCluster("tugraph", { config: cfg, adminPassword: pulumi.secret(password), tlsCa: pki().ca, live });
    };
    const login = (password: string, tlsCa = pki().ca) =>
        listRaftNodes({ seeds: [], user: DEFAULT_USER, password, callTimeoutMs: 5000, totalTimeoutMs: 5000, encrypted: true, tlsCa }, `127.0.0.1:${ports[0]}`);

    it("sets the stack's password on a new cluster over verified TLS, then rotates it; neither password is printed", async () => {
        const first = await d!.upOk(await program(FIRST));
        assert.strictEqual(first.steps.find((s) => !s.preview && s.name === "tugraph-admin-password")?.op, "create");
        assert.strictEqual((await login(FIRST)).length, 3);
        await assert.rejects(login(DEFAULT_PASSWORD), /authentication failed/);
        const second = await d!.upOk(await program(SECOND));
        assert.strictEqual(second.steps.find((s) => !s.preview && s.name === "tugraph-admin-password")?.op, "update");
        assert.strictEqual((await login(SECOND)).length, 3);
        await assert.rejects(login(FIRST), /authentication failed/);
        const shown = [...d!.host.stderr, ...d!.host.stdout, ...second.errors].join("\n");
        for (const pw of [FIRST, SECOND]) assert.ok(!shown.includes(pw), "a password in the provider host's output");
    });

    it("an impostor CA is refused at once, naming the node and the fix", async () => {
        const started = Date.now();
        await assert.rejects(login(SECOND, pki().otherCa), (e: Error) => {
            assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${ports[0]}`));
            assert.match(e.message, /certificate|UNABLE_TO_VERIFY/i);
            assert.ok(!e.message.includes(SECOND));
            return true;
        });
        assert.ok(Date.now() - started < 5000, "no retry on a certificate that does not verify");
        const live = await readLiveMembership(stack(), SECOND, pki().otherCa);
        assert.strictEqual(live.membership, undefined);
        assert.match(live.note ?? "", /certificate|UNABLE_TO_VERIFY/i);
    });
});
