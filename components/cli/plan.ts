// `npm run plan -- --stack <name> [--dir <dir>] [--offline]`: validate a stack
// file, print every node's lgraph.json, then (unless --offline) the membership
// steps against the live cluster, without the Pulumi CLI. Thin shell over
// runLivePlan (planCommand.ts), which holds the logic.

import { runLivePlan } from "./planCommand";
import { readLiveMembership } from "../adapters/liveView";
import { finish, localIo } from "./shell";

finish("plan", runLivePlan(process.argv.slice(2), localIo, { env: process.env, readLive: readLiveMembership }));
