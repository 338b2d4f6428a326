// Loads a dynamic provider's stored text (the `__provider` input the engine keeps
// in state) in a FRESH plain node process (cwd = repo root, no ts-node), the way
// @pulumi/pulumi/cmd/dynamic-provider does (require-from-string + handler()),
// and calls its methods in order.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

// Runs in the child: loads the provider text like @pulumi/pulumi/cmd/dynamic-provider does.
const HOST = `
const fs = require("fs");
const requireFromString = require("require-from-string");
const [file, calls] = [process.argv[1], JSON.parse(process.argv[2])];
const provider = requireFromString(fs.readFileSync(file, "utf8")).handler();
(async () => {
  const out = [];
  for (const [method, args] of calls) {
    try { out.push({ ok: true, value: await provider[method](...args) }); }
    catch (e) { out.push({ ok: false, message: String(e && e.message) }); }
  }
  process.stdout.write(JSON.stringify({ out, tsNode: !!require.extensions[".ts"] }));
})();
`;

export function runInFreshNode(providerText: string, calls: [string, unknown[]][]): Promise<{ out: { ok: boolean; value?: any; message?: string }[]; tsNode: boolean }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-provider-"));
    const file = path.join(dir, "provider.js");
    fs.writeFileSync(file, providerText);
    const env = { ...process.env };
    delete env.TS_NODE_PROJECT;
    delete env.NODE_OPTIONS;
    return new Promise((resolve, reject) => {
        execFile(process.execPath, ["-e", HOST, file, JSON.stringify(calls)], { cwd: ROOT, env, timeout: 60_000 }, (err, stdout, stderr) => {
            fs.rmSync(dir, { recursive: true, force: true });
            if (err) return reject(new Error(`${err.message}\n${stderr}`));
            resolve(JSON.parse(stdout));
        });
    });
}

