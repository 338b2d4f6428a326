// `npm run plan -- --stack <name> [--dir <dir>] [--offline]`: validate a stack
// file, print every node's lgraph.json, then (unless --offline) the membership
// steps against the live cluster, without the Pulumi CLI. Thin shell over
// runLivePlan (planCommand.ts), which holds the logic.

import * as fs from "node:fs";
import { runLivePlan } from "./planCommand";
import { readLiveMembership } from "../adapters/liveView";

runLivePlan(
    process.argv.slice(2),
    {
        cwd: process.cwd(),
        exists: (f) => fs.existsSync(f),
        readText: (f) => fs.readFileSync(f, "utf8"),
    },
    { env: process.env, readLive: readLiveMembership },
).then(
    (result) => {
        process.stdout.write(result.stdout);
        process.stderr.write(result.stderr);
        process.exitCode = result.code;
        // A node that hangs can keep a socket open after its deadline: do not wait for it.
        setTimeout(() => process.exit(result.code), 200).unref();
    },
    (e: unknown) => {
        process.stderr.write(`plan: unexpected error: ${(e as Error)?.message ?? e}\n`);
        process.exit(1);
    },
);
