// Dumps the provider text the engine would store for each membership resource
// (the `__provider` input), so that a later commit can test how its fixes reach
// a stack created by this one:
//   npx ts-node --transpile-only test/engine/dump-provider-text.ts <label>
// writes test/fixtures/provider-text/<Type>-<label>.js.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { RaftMember } from "../../components/providers/raftMember";
import { RaftRemoval } from "../../components/providers/raftRemoval";
import { ClusterRecord } from "../../components/providers/clusterRecord";
import { recordRegistrations } from "../mocks/program";

async function main(label: string) {
    const access = { seeds: ["127.0.0.1:1"], adminUser: "admin", adminPassword: pulumi.secret("x"), callTimeoutMs: 1000, totalTimeoutMs: 2000 };
    const regs = await recordRegistrations(() => {
        new RaftRemoval("rm", { ...access, nodeId: 3, minVoters: 3, allowUnsafeRemoval: false });
        new RaftMember("m", { ...access, nodeId: 4, ip: "127.0.0.1", boltPort: 1, raftPort: 2, role: "learner", initPeers: [] });
        new ClusterRecord("rec", { ...access, bootstrap: [], nodes: [], retiredIds: [], retiredDirs: [] } as any);
    });
    const dir = path.join(__dirname, "..", "fixtures", "provider-text");
    fs.mkdirSync(dir, { recursive: true });
    for (const r of regs.filter((x) => x.custom)) {
        const type = r.type.split(":").pop();
        fs.writeFileSync(
            path.join(dir, `${type}-${label}.js`),
            `// ${type}'s stored provider text at ${label} (test/engine/dump-provider-text.ts)\n${r.inputs.__provider}`,
        );
        console.log(`${type}-${label}.js: ${r.inputs.__provider.length} chars`);
    }
}
// Only when run as a script: a test runner loading this folder must not write fixtures.
if (require.main === module) {
    main(process.argv[2] ?? "current").catch((e) => {
        console.error(e);
        process.exit(1);
    });
}
