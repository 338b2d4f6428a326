#!/usr/bin/env bash
# Test hosts as network namespaces: each host has its own address on one bridge, its own
# Docker engine (dockerd started with `nsenter --net`, so containers run with --network host
# bind inside the host) and its own sshd (for ssh:// engines). Test infrastructure only.
#
#   netns-hosts.sh up <n>    make hosts th1..th<n> (idempotent: a host that answers is kept)
#                            and print one line per host: `<name> <ip> <unix docker host>`,
#                            then `ssh-config <file>`: the ssh client config for the hosts
#   netns-hosts.sh down      stop and remove every host this script made (engines, sshd,
#                            namespaces, links, bridge, their files)
#   netns-hosts.sh cut <n> | heal <n>    take host n's link down / up again (a partition)
#
# Addresses: bridge thbr0 10.77.0.1/24 in this machine's namespace (the deploying machine),
# host n at 10.77.0.(10+n). Tests send traffic only to these addresses and to loopback.
# Needs root, iproute2, nsenter (util-linux), dockerd (docker.io) and sshd (openssh-server).
set -euo pipefail

ROOT="${TUGRAPH_HA_HOSTS_DIR:-/tmp/tugraph-ha-hosts}"
BRIDGE=thbr0
NET=10.77.0
log() { echo "netns-hosts.sh: $*" >&2; }
need() { command -v "$1" >/dev/null || { log "$1 not found ($2)"; exit 1; }; }

ip_of() { echo "$NET.$((10 + $1))"; }
sock_of() { echo "unix://$ROOT/th$1/docker.sock"; }
# (no `| grep -q` under pipefail: grep's early exit can fail the pipeline)
has_addr() { [[ "$1" == *"inet $2 "* ]]; }
answers() { DOCKER_HOST="$1" timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

bridge_up() {
    ip link show "$BRIDGE" >/dev/null 2>&1 || ip link add "$BRIDGE" type bridge
    has_addr "$(ip -4 addr show dev "$BRIDGE")" "$NET.1/24" || ip addr add "$NET.1/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
}

netns_up() {
    local i=$1 ns="th$1"
    [ -e "/var/run/netns/$ns" ] || ip netns add "$ns"
    if ! ip link show "$ns-br" >/dev/null 2>&1; then
        ip link add "$ns-br" type veth peer name "$ns-ns"
        ip link set "$ns-ns" netns "$ns"
    fi
    ip link set "$ns-br" master "$BRIDGE"
    ip link set "$ns-br" up
    ip netns exec "$ns" ip link set lo up
    has_addr "$(ip netns exec "$ns" ip -4 addr show dev "$ns-ns")" "$(ip_of "$i")/24" || ip netns exec "$ns" ip addr add "$(ip_of "$i")/24" dev "$ns-ns"
    ip netns exec "$ns" ip link set "$ns-ns" up
}

engine_up() {
    local i=$1 ns="th$1" dir="$ROOT/th$1" host
    host="$(sock_of "$i")"
    answers "$host" && return 0
    mkdir -p "$dir"
    # `ip netns exec` remounts /sys and dockerd then fails ("Devices cgroup isn't mounted"):
    # nsenter --net changes only the network. setsid: the engine outlives this script.
    setsid nsenter --net="/var/run/netns/$ns" dockerd --iptables=false --bridge=none \
        -H "$host" --data-root "$dir/data" --exec-root "/run/thn-$ns" --pidfile "$dir/docker.pid" \
        >>"$dir/dockerd.log" 2>&1 </dev/null &
    for _ in $(seq 1 120); do
        answers "$host" && return 0
        sleep 0.5
    done
    log "engine of $ns did not answer at $host within 60 s; last log lines:"
    tail -n 20 "$dir/dockerd.log" >&2 || true
    exit 1
}

ssh_keys() {
    local s="$ROOT/ssh"
    mkdir -p "$s"
    chmod 700 "$s"
    [ -f "$s/id_ed25519" ] || ssh-keygen -q -t ed25519 -N "" -C tugraph-ha-test -f "$s/id_ed25519"
    cp "$s/id_ed25519.pub" "$s/authorized_keys"
    [ -f "$s/host_ed25519" ] || ssh-keygen -q -t ed25519 -N "" -C tugraph-ha-test-host -f "$s/host_ed25519"
    : >"$s/known_hosts.new"
    cat >"$s/config" <<EOF
# ssh client config for the test hosts (made by netns-hosts.sh)
Host $NET.*
    User root
    IdentityFile $s/id_ed25519
    IdentitiesOnly yes
    UserKnownHostsFile $s/known_hosts
    StrictHostKeyChecking yes
    BatchMode yes
    ConnectTimeout 5
    ServerAliveInterval 2
    ServerAliveCountMax 3
    LogLevel ERROR
EOF
}

sshd_up() {
    local i=$1 ns="th$1" dir="$ROOT/th$1" s="$ROOT/ssh" addr
    addr="$(ip_of "$i")"
    echo "$addr $(cut -d' ' -f1-2 "$s/host_ed25519.pub")" >>"$s/known_hosts.new"
    if [ -f "$dir/sshd.pid" ] && kill -0 "$(cat "$dir/sshd.pid")" 2>/dev/null; then return 0; fi
    mkdir -p /run/sshd "$dir"
    # SetEnv: `docker system dial-stdio`, which the ssh:// transports run, reaches this
    # host's own engine (the namespaces share one filesystem, so /var/run/docker.sock
    # would be the deploying machine's engine).
    cat >"$dir/sshd_config" <<EOF
ListenAddress $addr
Port 22
HostKey $s/host_ed25519
PidFile $dir/sshd.pid
AuthorizedKeysFile $s/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
SetEnv DOCKER_HOST=$(sock_of "$i")
AllowTcpForwarding no
X11Forwarding no
PrintMotd no
MaxStartups 200:30:400
MaxSessions 200
LogLevel ERROR
EOF
    nsenter --net="/var/run/netns/$ns" /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
}

stop_pid() {
    local f=$1 pid
    [ -f "$f" ] || return 0
    pid="$(cat "$f")"
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
up)
    n="${2:?usage: netns-hosts.sh up <n>}"
    need ip iproute2
    need nsenter util-linux
    need dockerd docker.io
    need /usr/sbin/sshd openssh-server
    need ssh-keygen openssh-client
    [ "$(id -u)" -eq 0 ] || { log "needs root (network namespaces)"; exit 1; }
    mkdir -p "$ROOT"
    bridge_up
    ssh_keys
    for i in $(seq 1 "$n"); do netns_up "$i"; done
    for i in $(seq 1 "$n"); do engine_up "$i" & done
    wait
    for i in $(seq 1 "$n"); do sshd_up "$i"; done
    sort -u "$ROOT/ssh/known_hosts.new" >"$ROOT/ssh/known_hosts"
    for i in $(seq 1 "$n"); do echo "th$i $(ip_of "$i") $(sock_of "$i")"; done
    echo "ssh-config $ROOT/ssh/config"
    ;;
down)
    for d in "$ROOT"/th*; do
        [ -d "$d" ] || continue
        stop_pid "$d/sshd.pid"
        stop_pid "$d/docker.pid"
    done
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^th[0-9]+$' || true); do
        ip link del "$ns-br" 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    done
    # dockerd bind-mounts namespace files under its exec root: unmount before removing
    for d in /run/thn-th*; do
        [ -d "$d" ] || continue
        awk -v d="$d/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
        rm -rf "$d"
    done
    ip link del "$BRIDGE" 2>/dev/null || true
    # Only what this script made: engine data roots (images), keys and logs. Test data
    # directories live in each test's own temporary root, which each test removes.
    rm -rf "$ROOT"
    ;;
cut) ip link set "th${2:?host number}-br" down ;;
heal) ip link set "th${2:?host number}-br" up ;;
*)
    echo "usage: netns-hosts.sh up <n> | down | cut <n> | heal <n>" >&2
    exit 2
    ;;
esac
