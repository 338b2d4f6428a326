// `npm run plan -- --stack <name> [--dir <dir>]`: validate a stack file and
// print every node's lgraph.json, without the Pulumi CLI. Thin shell over
// runPlan (planCommand.ts), which holds the logic.

import * as fs from "node:fs";
import { runPlan } from "./planCommand";

const result = runPlan(process.argv.slice(2), {
    cwd: process.cwd(),
    exists: (f) => fs.existsSync(f),
    readText: (f) => fs.readFileSync(f, "utf8"),
});
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.code;
