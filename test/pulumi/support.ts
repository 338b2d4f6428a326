// What the real-engine scenarios share: one cluster's scaffold (made before, removed after,
// also when a test failed), its stack config, and small waits.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { discover } from "../../components/adapters/boltAdmin";
import { DEFAULT_PASSWORD, DEFAULT_USER, freePorts } from "../simulator/harness";
import { docker, dockerOk, requireDocker, DEFAULT_DOCKER_HOST, SIMULATOR_IMAGE } from "../docker/engine";
import { removeContainers } from "../scenario/dockerApply";
import { RealStack, requirePulumi } from "./realPulumi";

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

/** Node slots a cluster has ports for (each slot: bolt, raft and web port). */
const SLOTS = 5;

/**
 * One real-engine cluster of a test file, on the default Docker engine: a data root, free ports
 * for SLOTS node slots, container names `<prefix><id>`, the simulator image under a tag of its own,
 * and the RealStack once a test creates it. Call inside `describe`: it registers the `before`
 * (skips, or fails in CI, without the engine or Docker) and the `after` that removes every
 * container, helper, image tag, stack dir and data root it made.
 */
export function realCluster(prefix: string) {
    const host = process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST;
    const c = {
        host,
        prefix,
        root: "",
        image: "",
        ports: [] as number[],
        stack: undefined as RealStack | undefined,
        names: Array.from({ length: SLOTS }, (_, i) => `${prefix}${i + 1}`),
        boltPort: (slot: number) => c.ports[(slot - 1) * 3],
        /** `127.0.0.1:<bolt port>` of a node slot. */
        bolt: (slot: number) => `127.0.0.1:${c.boltPort(slot)}`,
        /** A node entry on this engine, on the ports of its own slot or of `portsOf`. */
        node: (id: number, extra: Record<string, unknown> & { portsOf?: number } = {}) => {
            const { portsOf = id, ...rest } = extra;
            const at = (portsOf - 1) * 3;
            return { id, ip: "127.0.0.1", boltPort: c.ports[at], raftPort: c.ports[at + 1], webPort: c.ports[at + 2], dockerHost: host, ...rest };
        },
        /** The stack's `tugraph:*` config: these nodes (ids or entries) and the tests' defaults; `extra` wins, `membership` is merged. */
        config: (nodes: (number | Record<string, unknown>)[], extra: Record<string, unknown> = {}) => {
            const { membership, ...rest } = extra as { membership?: Record<string, unknown> };
            return {
                image: c.image,
                adminUser: "admin",
                adminPassword: DEFAULT_PASSWORD,
                containerPrefix: prefix,
                dataRoot: c.root,
                bootstrap: [1, 2, 3],
                membership: { callTimeoutSeconds: 5, totalTimeoutSeconds: 60, ...membership },
                nodes: nodes.map((n) => (typeof n === "number" ? c.node(n) : n)),
                ...rest,
            };
        },
        /** What node `id`'s server wrote to its log. */
        log: (id: number) => fs.readFileSync(path.join(c.root, `node-${id}`, "log", "lgraph.log"), "utf8"),
    };
    before(async function () {
        requirePulumi(this);
        await requireDocker(this);
        c.root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
        c.ports = await freePorts(SLOTS * 3);
        await removeContainers(c.names, host);
        c.image = await pinnedImage(prefix.replace(/-+$/, ""), host);
    });
    after(async () => {
        if (!c.root) return;
        await removeContainers(c.names, host);
        // The data copy's helper containers of this cluster (they mount a directory under its root).
        const helpers = (await docker(["ps", "-aq", "--filter", "label=tugraph-ha.helper=datasync"], { host })).stdout.split("\n").filter(Boolean);
        for (const h of helpers) {
            const mounts = (await docker(["inspect", "-f", "{{range .Mounts}}{{.Source}} {{end}}", h], { host })).stdout;
            if (mounts.includes(c.root)) await docker(["rm", "-f", h], { host });
        }
        await docker(["rmi", c.image], { host });
        c.stack?.remove();
        fs.rmSync(c.root, { recursive: true, force: true });
    });
    return c;
}
