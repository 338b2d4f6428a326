// `npm run status -- --stack <name> [--dir <dir>] [--json] [--timeout <s>]`:
// live members, leader and lag of a stack's cluster over Bolt. Thin shell over
// runStatus (statusCommand.ts), which holds the logic. Progress goes to stderr.

import { askOverBolt, runStatus } from "./statusCommand";
import { finish, localIo } from "./shell";

finish("status", runStatus(process.argv.slice(2), localIo, { env: process.env, ask: askOverBolt, progress: (line) => process.stderr.write(`${line}\n`) }));
