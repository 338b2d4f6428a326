// Test hosts in network namespaces (netns-hosts.sh): each with its own address, Docker engine
// and sshd, so a stack can use the manual's layout (one node per host, every node on
// 7687/8000/7070) and ssh:// engines. Made once per test run, on first use, and removed by the
// root hook (rootHooks.ts) when the run ends, also when it failed. Test infrastructure only.
import { execFile } from "child_process";
import * as path from "path";
import { BUILD_IMAGE_SCRIPT } from "../docker/engine";

export const HOSTS_SCRIPT = path.join(__dirname, "netns-hosts.sh");
/** The deploying machine's own address on the test hosts' bridge. */
export const DEPLOYER_IP = "10.77.0.1";

export interface TestHost {
    readonly index: number; // 1-based: th<index>
    readonly name: string;
    readonly ip: string;
    /** The host's engine through its unix socket (the namespaces share this machine's filesystem). */
    readonly unix: string;
    /** The host's engine as a user reaches a remote one: ssh://root@<ip> (needs sshConfig). */
    readonly ssh: string;
}

export interface TestHosts {
    readonly hosts: TestHost[];
    /** ssh client config for the hosts (key, known_hosts, user): give it as `-F <file>`. */
    readonly sshConfig: string;
}

const run = (args: string[], timeoutMs = 180_000) =>
    new Promise<string>((resolve, reject) =>
        execFile(HOSTS_SCRIPT, args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) =>
            err ? reject(new Error(`netns-hosts.sh ${args.join(" ")} failed: ${String(stderr).trim() || err.message}`)) : resolve(String(stdout)),
        ),
    );

const state = globalThis as { __tugraphHaHosts?: { made: number; hosts?: TestHosts } };

/** Why namespace hosts cannot be made here, or undefined. */
export function hostsUnavailableReason(): string | undefined {
    if (process.platform !== "linux") return "network namespaces need Linux";
    if (process.getuid?.() !== 0) return "network namespaces need root";
    return undefined;
}

/**
 * At least `n` namespace hosts, each with the simulator image imported (reused when the run
 * made them already). In CI a failure is a test failure; elsewhere call requireHosts first.
 */
export async function namespaceHosts(n: number): Promise<TestHosts> {
    const s = (state.__tugraphHaHosts ??= { made: 0 });
    if (s.hosts && s.made >= n) return { hosts: s.hosts.hosts.slice(0, n), sshConfig: s.hosts.sshConfig };
    const out = (await run(["up", String(n)])).trim().split("\n");
    const hosts: TestHost[] = [];
    let sshConfig = "";
    for (const line of out) {
        const [name, ip, unix] = line.split(" ");
        if (name === "ssh-config") sshConfig = ip;
        else if (/^th\d+$/.test(name)) hosts.push({ index: Number(name.slice(2)), name, ip, unix, ssh: `ssh://root@${ip}` });
    }
    if (hosts.length < n || !sshConfig) throw new Error(`netns-hosts.sh up ${n} printed no hosts: ${out.join(" | ")}`);
    await new Promise<void>((resolve, reject) =>
        execFile(
            BUILD_IMAGE_SCRIPT,
            hosts.map((h) => h.unix),
            { timeout: 300_000, maxBuffer: 1 << 22 },
            (err, _o, stderr) => (err ? reject(new Error(`importing the simulator image into the test hosts failed: ${String(stderr).trim()}`)) : resolve()),
        ),
    );
    s.made = n;
    s.hosts = { hosts, sshConfig };
    return s.hosts;
}

/** Skips (outside CI) or fails (in CI) when namespace hosts cannot be made here. */
export function requireHosts(ctx: Mocha.Context): void {
    const why = hostsUnavailableReason();
    if (!why) return;
    if (process.env.CI === "true") throw new Error(`CI needs the namespace test hosts: ${why}`);
    ctx.skip();
}

/** Cuts host `index` off the bridge (everyone, the deploying machine included, loses it). */
export const cutHost = (index: number) => run(["cut", String(index)]);
/** Puts host `index` back on the bridge. */
export const healHost = (index: number) => run(["heal", String(index)]);

/**
 * Runs `args` (an iptables command line) inside host `index`'s network namespace: a fault
 * that only some peers see, e.g. the deploying machine cut off while the hosts still talk.
 */
export function inHost(index: number, args: string[]): Promise<string> {
    return new Promise((resolve, reject) =>
        execFile("ip", ["netns", "exec", `th${index}`, ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
            err ? reject(new Error(`${args.join(" ")} in th${index} failed: ${String(stderr).trim() || err.message}`)) : resolve(String(stdout)),
        ),
    );
}

/** Removes every namespace host this run made (the root hook calls it once, at the end). */
export async function hostsDown(): Promise<void> {
    if (!state.__tugraphHaHosts?.hosts) return;
    state.__tugraphHaHosts = undefined;
    await run(["down"]);
}
