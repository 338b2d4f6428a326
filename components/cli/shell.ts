// What the command shells share: the real file system, and printing a result.
import * as fs from "node:fs";
import type { Io } from "./planCommand";

export const localIo: Io = { cwd: process.cwd(), exists: (f) => fs.existsSync(f), readText: (f) => fs.readFileSync(f, "utf8") };

/** Prints a command's result and exits with its code; a node that hangs can keep a socket open after its deadline, so we do not wait for it. */
export function finish(name: string, run: Promise<{ code: number; stdout: string; stderr: string }>): void {
    run.then(
        (result) => {
            process.stdout.write(result.stdout);
            process.stderr.write(result.stderr);
            process.exitCode = result.code;
            setTimeout(() => process.exit(result.code), 200).unref();
        },
        (e: unknown) => {
            process.stderr.write(`${name}: unexpected error: ${(e as Error)?.message ?? e}\n`);
            process.exit(1);
        },
    );
}
