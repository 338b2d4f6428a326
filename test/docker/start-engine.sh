#!/usr/bin/env bash
# Starts a Docker engine (Debian's dockerd) for the tests and prints its DOCKER_HOST.
#   start-engine.sh            -> the default engine at unix:///var/run/docker.sock
#                                 (started only if none answers there)
#   start-engine.sh <name>     -> a further engine standing for another host, with its own
#                                 socket, data root, exec root and pid file under
#                                 /tmp/tugraph-ha-engines/<name>/
# Engines run `dockerd --iptables=false --bridge=none`: containers use --network host.
# Needs root and the docker.io package. Idempotent: an engine that answers is reused.
set -euo pipefail

name="${1:-default}"
command -v dockerd >/dev/null || { echo "start-engine.sh: dockerd not found (apt-get install docker.io)" >&2; exit 1; }

if [ "$name" = "default" ]; then
    host="unix:///var/run/docker.sock"
    base="/tmp/tugraph-ha-engines/default"
    extra=()
else
    case "$name" in *[!A-Za-z0-9_-]*) echo "start-engine.sh: bad engine name '$name'" >&2; exit 1;; esac
    base="/tmp/tugraph-ha-engines/$name"
    host="unix://$base/docker.sock"
    # exec-root must stay short (containerd socket path length limit)
    extra=(-H "$host" --data-root "$base/data" --exec-root "/run/thd-$name" --pidfile "$base/docker.pid")
fi

answers() { DOCKER_HOST="$1" timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if answers "$host"; then
    echo "$host"
    exit 0
fi

mkdir -p "$base"
log="$base/dockerd.log"
# setsid: the engine outlives this script and is not tied to the caller's terminal
setsid dockerd --iptables=false --bridge=none "${extra[@]}" >>"$log" 2>&1 < /dev/null &
echo $! > "$base/dockerd.launcher.pid"

for _ in $(seq 1 120); do
    if answers "$host"; then
        echo "$host"
        exit 0
    fi
    sleep 0.5
done
echo "start-engine.sh: engine '$name' did not answer at $host within 60 s; last log lines:" >&2
tail -n 20 "$log" >&2 || true
exit 1
