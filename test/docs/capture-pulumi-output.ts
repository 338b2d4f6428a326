// Captures a real `pulumi preview` and `pulumi up` of a grow (3 -> 4 nodes) on the real engine
// (.ci/pulumi/build.sh's CLI and Docker plugin) with containers of the TuGraph simulator (a test
// double) on the local Docker engine, and writes them into README.md between the
// `pulumi-captured:begin` / `pulumi-captured:end` markers. Not hand-written:
//   npx ts-node --transpile-only test/docs/capture-pulumi-output.ts
// (ports, paths, ids and timings vary between runs; they are replaced by stable placeholders).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_DOCKER_HOST, docker } from "../docker/engine";
import { DEFAULT_PASSWORD, freePorts } from "../simulator/harness";
import { removeContainers } from "../scenario/dockerApply";
import { RealStack } from "../pulumi/realPulumi";
import { leaderAmong, pinnedImage } from "../pulumi/support";

const README = path.join(__dirname, "..", "..", "README.md");
const PREFIX = "tugraph-";

async function main() {
    const host = process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-capture-"));
    const ports = await freePorts(12);
    const names = [1, 2, 3, 4].map((i) => `${PREFIX}${i}`);
    await removeContainers(names, host);
    const image = await pinnedImage("4.5.2-capture", host);
    const config = (ids: number[]) => ({
        image,
        adminUser: "admin",
        adminPassword: DEFAULT_PASSWORD,
        containerPrefix: PREFIX,
        dataRoot: root,
        bootstrap: [1, 2, 3],
        membership: { callTimeoutSeconds: 5, totalTimeoutSeconds: 60 },
        nodes: ids.map((id) => ({ id, ip: "127.0.0.1", boltPort: ports[id - 1], raftPort: ports[3 + id], webPort: ports[7 + id], dockerHost: host })),
    });
    const stack = await RealStack.create("dev", { config: config([1, 2, 3]) });
    const stable = (t: string) => {
        let out = t;
        for (let id = 1; id <= 4; id++) {
            out = out
                .replaceAll(`:${ports[id - 1]}`, `:${7686 + id}`)
                .replaceAll(`/${ports[3 + id]}`, `/${7999 + id}`)
                .replaceAll(`${ports[3 + id]}`, `${7999 + id}`)
                .replaceAll(`${ports[id - 1]}`, `${7686 + id}`);
        }
        return out
            .replaceAll(root, "/var/lib/tugraph-ha")
            .replaceAll(image, "tugraph/tugraph-runtime-centos7:4.5.2")
            .replace(/\(\d+(\.\d+)?m?s\)/g, "(<t>)")
            .replace(/Duration: .*/g, "Duration: <t>")
            .replace(/\b\d{4}-\d\d-\d\dT[\d:.]+Z\b/g, "<time>")
            .replace(/@ (previewing|updating) update\.*\n/g, "")
            .replace(/^@ .*\n/gm, "")
            .replace(/^\s*\n(?=\s*\n)/gm, "");
    };
    try {
        await stack.up();
        await leaderAmong([1, 2, 3].map((id) => `127.0.0.1:${ports[id - 1]}`));
        await stack.setConfig(config([1, 2, 3, 4]));
        const preview = await stack.preview({ diff: false });
        const up = await stack.up();
        const version = stack.cli(["version"]).stdout.trim() || "v3.248.0";
        const section = [
            `Captured from a real \`pulumi\` ${version} (built by \`.ci/pulumi/build.sh\`) growing a 3-node cluster to 4, with`,
            "containers of the TuGraph simulator (a test double) on a local Docker engine; ports, paths and",
            "timings are replaced by stable placeholders. `pulumi preview` of the grown stack:",
            "",
            "```text",
            stable(preview.stdout).trimEnd(),
            "```",
            "",
            "`pulumi up`:",
            "",
            "```text",
            stable(up.stdout).trimEnd(),
            "```",
            "",
        ].join("\n");
        const readme = fs.readFileSync(README, "utf8");
        const begin = "<!-- pulumi-captured:begin (test/docs/capture-pulumi-output.ts writes this part) -->";
        const end = "<!-- pulumi-captured:end -->";
        const a = readme.indexOf(begin);
        const b = readme.indexOf(end);
        if (a < 0 || b < a) throw new Error(`README.md has no ${begin} ... ${end} markers`);
        fs.writeFileSync(README, readme.slice(0, a + begin.length) + "\n" + section + readme.slice(b));
        console.log(`capture-pulumi-output: wrote ${section.split("\n").length} lines into README.md`);
    } finally {
        await stack.destroy().catch(() => undefined);
        await removeContainers(names, host);
        await docker(["rmi", image], { host });
        stack.remove();
        fs.rmSync(root, { recursive: true, force: true });
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
