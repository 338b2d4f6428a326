// What the real engine and Docker plugin do that the stand-ins did not, on one 3-node cluster
// (CLI and plugin from .ci/pulumi/build.sh, containers of the simulator image, a test double):
//   - a refused membership plan registers nothing: the Automation API's `up` is `--skip-preview`,
//     and the engine runs whatever the program registered before it threw;
//   - a container stopped outside Pulumi: `pulumi refresh` records it stopped (must_run false),
//     `pulumi preview` says the next `up` starts it again and the program warns that the voter is
//     down; `up` then starts it.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { docker, dockerOk, requireDocker, DEFAULT_DOCKER_HOST } from "../docker/engine";
import { DEFAULT_PASSWORD, freePorts } from "../simulator/harness";
import { removeContainers, startedAt } from "../scenario/dockerApply";
import { RealStack, requirePulumi } from "./realPulumi";
import { leaderAmong, pinnedImage } from "./support";

const PREFIX = "tugraph-ha-real-faults-";

describe("real engine: a refused plan, a container stopped outside Pulumi", function () {
    this.timeout(600_000);
    let root = "";
    let ports: number[] = [];
    let stack: RealStack | undefined;
    let image = "";
    const host = process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST;
    const names = [1, 2, 3].map((i) => `${PREFIX}${i}`);

    before(async function () {
        requirePulumi(this);
        await requireDocker(this);
        root = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-real-faults-"));
        ports = await freePorts(9);
        await removeContainers(names, host);
        image = await pinnedImage("real-faults", host);
    });
    after(async () => {
        if (!root) return;
        await removeContainers(names, host);
        await docker(["rmi", image], { host });
        stack?.remove();
        fs.rmSync(root, { recursive: true, force: true });
    });

    const config = (extra: Record<string, unknown> = {}, removed: number[] = [], more: Record<string, unknown>[] = []) => ({
        image,
        adminUser: "admin",
        adminPassword: DEFAULT_PASSWORD,
        containerPrefix: PREFIX,
        dataRoot: root,
        bootstrap: [1, 2, 3],
        membership: { callTimeoutSeconds: 5, totalTimeoutSeconds: 60 },
        nodes: [1, 2, 3]
            .map((id) => ({
                id,
                ip: "127.0.0.1",
                boltPort: ports[id - 1],
                raftPort: ports[2 + id],
                webPort: ports[5 + id],
                dockerHost: host,
                ...(removed.includes(id) ? { removed: true } : {}),
            }))
            .concat(more as never[]),
        ...extra,
    });
    const bolt = (id: number) => `127.0.0.1:${ports[id - 1]}`;
    const containerInputs = async () =>
        Object.fromEntries(
            (await stack!.resources())
                .filter((r) => r.type === "docker:index/container:Container")
                .map((r) => [r.urn.split("::").pop(), JSON.stringify(r.outputs?.uploads)]),
        );

    it("a refused plan (a replacement that needs a write outage, with a rolling change) changes nothing, not even the rolling part", async () => {
        stack = await RealStack.create("faults", { config: config() });
        await stack.up();
        await leaderAmong([1, 2, 3].map(bolt));
        const before = await Promise.all(names.map((n) => startedAt(n, host)));
        const uploads = await containerInputs();

        // verbose changes every container (a rolling change). Node 4 replaces 3 on its ports: 3 is
        // removed first, and copying 4's data then stops one of the 2 voters left, a write outage
        // the stack does not allow (allowWriteOutageForSync): the live plan refuses as a whole.
        const node4 = { id: 4, ip: "127.0.0.1", boltPort: ports[2], raftPort: ports[5], webPort: ports[8], dockerHost: host };
        await stack.setConfig(config({ verbose: 2 }, [3], [node4]));
        await assert.rejects(stack.up(), (e: Error) => /allowWriteOutageForSync/.test(e.message) && /membership plan|refus/i.test(e.message));
        assert.deepStrictEqual(await Promise.all(names.map((n) => startedAt(n, host))), before, "no container was restarted");
        assert.deepStrictEqual(await containerInputs(), uploads, "no container was replaced or updated in state");
        const members = await leaderAmong([1, 2, 3].map(bolt));
        assert.ok(members, "the cluster still has its leader");
    });

    it("a container stopped outside Pulumi: refresh records it, preview says up starts it again, up does", async () => {
        assert.ok(stack, "needs the cluster of the test before");
        await stack!.setConfig(config());
        await dockerOk(["stop", "-t", "30", names[1]], { host });
        await stack!.refresh();
        const c2 = (await stack!.resources()).find((r) => r.urn.endsWith("::tugraph-node-2-container"))!;
        assert.strictEqual(c2.outputs?.mustRun, false, "the plugin reads a stopped container back as must_run=false");

        const preview = await stack!.preview();
        if (process.env.TUGRAPH_HA_KEEP_OUTPUT) fs.writeFileSync(process.env.TUGRAPH_HA_KEEP_OUTPUT + "/preview-stopped.txt", preview.stdout);
        assert.match(
            preview.stdout,
            /~ docker:index\/container:Container: \(update\)\n\s+\[id=\S+\]\n\s+\[urn=\S+::tugraph-node-2-container\]/,
            preview.stdout,
        );
        assert.match(preview.stdout, /~ mustRun\s*: false => true/, preview.stdout);
        const warnings = preview.diagnostics.filter((d) => d.severity === "warning").map((d) => d.message);
        assert.ok(
            warnings.some((w) => /voter 2 is down/.test(w)),
            `the program says voter 2 is down:\n${warnings.join("\n")}`,
        );

        await stack!.up();
        assert.strictEqual((await docker(["inspect", "-f", "{{.State.Running}}", names[1]], { host })).stdout.trim(), "true", "up started it again");
        await leaderAmong([1, 2, 3].map(bolt));
    });
});
