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
import { namespaceHosts, requireHosts, type TestHost } from "../hosts/namespaceHosts";

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

/** The manual's ports, the same on every host: bolt, raft, web. */
export const MANUAL_PORTS = { boltPort: 7687, raftPort: 8000, webPort: 7070 } as const;

export interface ClusterLayout {
    /**
     * Run on this many namespace test hosts (test/hosts), one node per host on the manual's
     * ports; node `id` runs on host `id` unless its entry says `host`. Default: none, every
     * node on the default engine at 127.0.0.1 with ports of its own.
     */
    readonly hosts?: number;
    /** How the stack reaches the hosts' engines: "ssh" (ssh://root@<ip>, the prod shape) or "unix" (their sockets). Default "ssh". */
    readonly via?: "ssh" | "unix";
}

/**
 * One real-engine cluster of a test file: a data root, container names `<prefix><id>`, the
 * simulator image under a tag of its own, and the RealStack once a test creates it. On the
 * default Docker engine (free ports for SLOTS node slots, every node at 127.0.0.1), or with
 * `layout.hosts` on namespace test hosts with the manual's ports. Call inside `describe`: it
 * registers the `before` (skips, or fails in CI, without the engine, Docker or the hosts) and
 * the `after` that removes every container, helper, image tag, stack dir and data root it made.
 */
export function realCluster(prefix: string, layout: ClusterLayout = {}) {
    const host = process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST;
    const onHosts = (layout.hosts ?? 0) > 0;
    const via = layout.via ?? "ssh";
    const hostOfNode = new Map<number, number>();
    const c = {
        host,
        /** The namespace hosts (with layout.hosts), th1 first. */
        hosts: [] as TestHost[],
        sshConfig: "",
        /** Every engine the cluster may use (unix sockets): for set-up and clean-up. */
        engines: () => (onHosts ? c.hosts.map((h) => h.unix) : [host]),
        /** The test host a node runs on (with layout.hosts). */
        hostOf: (id: number) => c.hosts[(hostOfNode.get(id) ?? id) - 1],
        prefix,
        root: "",
        image: "",
        ports: [] as number[],
        stack: undefined as RealStack | undefined,
        names: Array.from({ length: SLOTS }, (_, i) => `${prefix}${i + 1}`),
        boltPort: (slot: number) => (onHosts ? MANUAL_PORTS.boltPort : c.ports[(slot - 1) * 3]),
        /** The Bolt address of a node slot: `127.0.0.1:<its bolt port>`, or `<its host's ip>:7687`. */
        bolt: (slot: number) => (onHosts ? `${c.hostOf(slot).ip}:${MANUAL_PORTS.boltPort}` : `127.0.0.1:${c.boltPort(slot)}`),
        /**
         * A node entry: on this engine on the ports of its own slot or of `portsOf`; with
         * layout.hosts on its host (`host`, default its id) with the manual's ports.
         */
        node: (id: number, extra: Record<string, unknown> & { portsOf?: number; host?: number } = {}) => {
            if (onHosts) {
                const { host: at = id, portsOf: _unused, ...more } = extra;
                hostOfNode.set(id, at);
                const h = c.hosts[at - 1];
                if (!h) throw new Error(`node ${id}: no test host ${at} (the layout has ${c.hosts.length})`);
                return { id, ip: h.ip, ...MANUAL_PORTS, dockerHost: via === "ssh" ? h.ssh : h.unix, ...more };
            }
            const { portsOf = id, host: _none, ...rest } = extra;
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
                ...(onHosts && via === "ssh" ? { sshOptions: ["-F", c.sshConfig] } : {}),
                ...rest,
            };
        },
        /** What node `id`'s server wrote to its log. */
        log: (id: number) => fs.readFileSync(path.join(c.root, `node-${id}`, "log", "lgraph.log"), "utf8"),
    };
    before(async function () {
        requirePulumi(this);
        if (onHosts) {
            requireHosts(this);
            this.timeout(300_000);
            const made = await namespaceHosts(layout.hosts!);
            c.hosts = made.hosts;
            c.sshConfig = made.sshConfig;
        } else await requireDocker(this);
        c.root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
        if (!onHosts) c.ports = await freePorts(SLOTS * 3);
        for (const e of c.engines()) await removeContainers(c.names, e);
        for (const e of c.engines()) c.image = await pinnedImage(prefix.replace(/-+$/, ""), e);
    });
    after(async () => {
        if (!c.root) return;
        for (const e of c.engines()) {
            await removeContainers(c.names, e);
            // The data copy's helper containers of this cluster (they mount a directory under its root, or none: the probes).
            const helpers = (await docker(["ps", "-aq", "--filter", "label=tugraph-ha.helper=datasync"], { host: e })).stdout.split("\n").filter(Boolean);
            for (const h of helpers) {
                const mounts = (await docker(["inspect", "-f", "{{range .Mounts}}{{.Source}} {{end}}", h], { host: e })).stdout;
                if (mounts.includes(c.root) || (onHosts && mounts.trim() === "")) await docker(["rm", "-f", h], { host: e });
            }
            await docker(["rmi", c.image], { host: e });
        }
        c.stack?.remove();
        fs.rmSync(c.root, { recursive: true, force: true });
    });
    return c;
}
