// The host guard's rules, applied in a host's network stack by a short-lived helper container
// (host network, NET_ADMIN) of an image with iptables: TuGraph's raft port has no authentication
// at all, so only the stack's nodes may reach it; with boltClients, the Bolt port is kept to those
// networks and the nodes. A helper container, rather than commands over SSH: it works for every
// engine address the stack accepts (unix://, tcp://, ssh://) and needs nothing on the host but Docker.
// Two chains of ours (TUGRAPH-HA-RAFT, TUGRAPH-HA-BOLT), jumped to from INPUT for the guarded
// ports; applying replaces them whole, removing deletes exactly them.
import { runHelper } from "./dataSync";

export interface GuardSpec {
    readonly dockerHost: string;
    readonly sshOptions?: readonly string[];
    readonly image: string; // with iptables
    readonly raftPorts: readonly number[]; // of the nodes on this host
    readonly boltPorts: readonly number[]; // guarded only when boltClients is given
    readonly peers: readonly string[]; // the stack's node ips: allowed everywhere
    readonly boltClients?: readonly string[];
}

// Both scripts start with these: the image check, and unjump (INPUT's jumps to our chains, deleted).
const PRELUDE = `command -v iptables >/dev/null || { echo "iptables is not in the image" >&2; exit 9; }
unjump() { iptables -S INPUT | grep -E -- "-j TUGRAPH-HA-(RAFT|BOLT)$" | sed 's/^-A /-D /' | while read -r r; do eval "iptables $r"; done; }`;

// $1 "raft ports" $2 "bolt ports" $3 "peers" $4 "bolt clients" ("-" for none). Loopback always passes.
const APPLY_SCRIPT = `set -e
${PRELUDE}
chain() { iptables -N "$1" 2>/dev/null || iptables -F "$1"; iptables -A "$1" -s 127.0.0.0/8 -j ACCEPT; for s in $2; do iptables -A "$1" -s "$s" -j ACCEPT; done; iptables -A "$1" -j DROP; }
unjump
chain TUGRAPH-HA-RAFT "$3"
for p in $1; do iptables -I INPUT -p tcp --dport "$p" -j TUGRAPH-HA-RAFT; done
if [ "$4" != "-" ]; then
  chain TUGRAPH-HA-BOLT "$3 $4"
  for p in $2; do iptables -I INPUT -p tcp --dport "$p" -j TUGRAPH-HA-BOLT; done
else
  iptables -F TUGRAPH-HA-BOLT 2>/dev/null && iptables -X TUGRAPH-HA-BOLT || true
fi
iptables -S | grep -c TUGRAPH-HA | sed 's/^/rules /'`;

const REMOVE_SCRIPT = `${PRELUDE}
unjump
for c in TUGRAPH-HA-RAFT TUGRAPH-HA-BOLT; do iptables -F "$c" 2>/dev/null && iptables -X "$c"; done
true`;

async function guardHelper(g: GuardSpec, what: string, script: string, args: string[]): Promise<string> {
    const r = await runHelper({
        host: g.dockerHost,
        ssh: g.sshOptions,
        image: g.image,
        name: `tugraph-ha-guard-${what}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`,
        binds: [],
        hostNetwork: true,
        capAdd: ["NET_ADMIN", "NET_RAW"],
        script,
        args,
    });
    if (r.code !== 0) {
        throw new Error(
            `the raft guard on ${g.dockerHost} could not ${what} its rules (helper exit ${r.code}: ${r.stderr.trim().slice(0, 300)}); ` +
                (r.code === 9 ? `tugraph:raftGuard.image (${g.image}) must contain iptables` : `check that ${g.image} runs there with NET_ADMIN`),
        );
    }
    return r.stdout;
}

/** Replaces this host's guard rules with the ones `g` describes. */
export async function applyGuard(g: GuardSpec): Promise<void> {
    const list = (xs: readonly (string | number)[] | undefined) => (xs ?? []).join(" ");
    await guardHelper(g, "apply", APPLY_SCRIPT, [list(g.raftPorts), list(g.boltPorts), list(g.peers), g.boltClients?.length ? list(g.boltClients) : "-"]);
}

/** Removes this host's guard rules (what applyGuard made, nothing else). */
export async function removeGuard(g: GuardSpec): Promise<void> {
    await guardHelper(g, "remove", REMOVE_SCRIPT, []);
}
