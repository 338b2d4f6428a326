// Small waits shared by the real-engine scenarios.
import { discover } from "../../components/adapters/boltAdmin";
import { DEFAULT_PASSWORD, DEFAULT_USER } from "../simulator/harness";
import { dockerOk, SIMULATOR_IMAGE } from "../docker/engine";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` until it holds; the last error is in the timeout's message. */
export async function waitFor(cond: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
        try {
            if (await cond()) return;
        } catch (e) {
            last = e;
        }
        await sleep(300);
    }
    throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ""}`);
}

/** The Bolt address of the leader among `seeds`, once there is one. */
export async function leaderAmong(seeds: string[], timeoutMs = 60_000, password = DEFAULT_PASSWORD): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const d = await discover({ seeds, user: DEFAULT_USER, password, callTimeoutMs: 2000, totalTimeoutMs: 5000 });
        if (d.leaderId !== undefined && d.leaderAddress) return d.leaderAddress;
        if (Date.now() > deadline) throw new Error(`no leader among ${seeds.join(", ")}: ${d.errors.join("; ")}`);
        await sleep(300);
    }
}

/**
 * The simulator image under a tag of this test's own, so that a rebuild of the shared tag while
 * the test runs (the real RemoteImage refreshes by tag) cannot roll its containers. Returns the tag.
 */
export async function pinnedImage(tag: string, host?: string): Promise<string> {
    const name = `tugraph-simulator:${tag}`;
    await dockerOk(["tag", SIMULATOR_IMAGE, name], { host });
    return name;
}
