// `npm run status -- --stack <name> [--dir <dir>] [--json] [--timeout <s>]`:
// live members, leader and lag of a stack's cluster over Bolt. Thin shell over
// runStatus (statusCommand.ts), which holds the logic. Progress goes to stderr.

import * as fs from "node:fs";
import { askOverBolt, runStatus } from "./statusCommand";

runStatus(
    process.argv.slice(2),
    {
        cwd: process.cwd(),
        exists: (f) => fs.existsSync(f),
        readText: (f) => fs.readFileSync(f, "utf8"),
    },
    {
        env: process.env,
        ask: askOverBolt,
        progress: (line) => process.stderr.write(`${line}\n`),
    },
).then(
    (result) => {
        process.stdout.write(result.stdout);
        process.stderr.write(result.stderr);
        process.exitCode = result.code;
        // A node that hangs can keep a socket open after its deadline: do not wait for it.
        setTimeout(() => process.exit(result.code), 200).unref();
    },
    (e: unknown) => {
        process.stderr.write(`status: unexpected error: ${(e as Error)?.message ?? e}\n`);
        process.exit(1);
    },
);
