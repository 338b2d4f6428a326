#!/usr/bin/env bash
# Builds the local image `tugraph-simulator:test` of the TuGraph simulator (test double)
# with the real image's paths, without any registry: `docker import` of a small rootfs
# holding node (+ the libraries ldd lists), bash (+ libs), busybox-static, the simulator
# code and the node_modules it needs.
#   build-simulator-image.sh [DOCKER_HOST ...]   (default: $DOCKER_HOST or the default socket)
# Repeatable and fast: an engine that already has the image with the same content hash
# (label tugraph-simulator.hash) is skipped.
set -euo pipefail

IMAGE="${TUGRAPH_SIMULATOR_IMAGE:-tugraph-simulator:test}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
sim="$repo/test/simulator"
nm="$repo/node_modules"
modules=(neo4j-driver-bolt-connection neo4j-driver-core)

hosts=("$@")
if [ ${#hosts[@]} -eq 0 ]; then hosts=("${DOCKER_HOST:-unix:///var/run/docker.sock}"); fi

node_bin="$(readlink -f "$(command -v node)")"
bash_bin="$(readlink -f "$(command -v bash)")"
busybox_bin="$(readlink -f "$(command -v busybox)")"
[ -x "$busybox_bin" ] || { echo "build-simulator-image.sh: busybox not found (apt-get install busybox-static)" >&2; exit 1; }

# Content hash: simulator sources, this script, module versions, node and bash binaries.
hash="$( {
    cat "$0"
    (cd "$sim" && find bin lib -type f | LC_ALL=C sort | xargs sha256sum)
    for m in "${modules[@]}"; do grep '"version"' "$nm/$m/package.json"; done
    sha256sum "$node_bin" "$bash_bin" "$busybox_bin"
} | sha256sum | cut -c1-16)"

need=()
for h in "${hosts[@]}"; do
    have="$(DOCKER_HOST="$h" docker image inspect "$IMAGE" --format '{{index .Config.Labels "tugraph-simulator.hash"}}' 2>/dev/null || true)"
    if [ "$have" = "$hash" ]; then
        echo "build-simulator-image.sh: $IMAGE ($hash) already present at $h"
    else
        need+=("$h")
    fi
done
# Also tagged with a pinned version, so a test stack can name it as its `image` (the config
# requires a pinned tag >= 4.5.2); DataSync's helper containers run the stack's image.
STACK_TAG="${TUGRAPH_SIMULATOR_STACK_IMAGE:-tugraph-simulator:4.5.2}"
tag_all() { for h in "${hosts[@]}"; do DOCKER_HOST="$h" docker tag "$IMAGE" "$STACK_TAG"; done; }
if [ ${#need[@]} -eq 0 ]; then tag_all; exit 0; fi

work="$(mktemp -d /tmp/tugraph-simulator-rootfs.XXXXXX)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root"/{bin,sbin,lib,lib64,usr/bin,usr/sbin,usr/local/bin,usr/local/etc/lgraph,etc,tmp,root,proc,sys,dev} \
         "$root"/var/lib/lgraph/data "$root"/var/log/lgraph_log "$root"/opt/tugraph-simulator/node_modules
chmod 1777 "$root/tmp"

copy_with_libs() { # binary dest
    install -m 0755 "$1" "$root$2"
    ldd "$1" | awk '/=> \//{print $3} /^[ \t]*\/lib/{print $1}' | while read -r lib; do
        [ -e "$lib" ] || continue
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
        # also provide it under the canonical directory, whatever the loader path
        real="$(readlink -f "$lib")"
        mkdir -p "$root$(dirname "$real")"
        [ -e "$root$real" ] || cp -L "$lib" "$root$real"
    done
}
copy_with_libs "$node_bin" /usr/local/bin/node
copy_with_libs "$bash_bin" /bin/bash
install -m 0755 "$busybox_bin" "$root/bin/busybox"
for app in $("$busybox_bin" --list); do
    case "$app" in bash|busybox) continue;; esac
    [ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"
done
ln -sf ../../bin/busybox "$root/usr/bin/env"

cp -r "$sim/bin" "$sim/lib" "$root/opt/tugraph-simulator/"
for m in "${modules[@]}"; do cp -rL "$nm/$m" "$root/opt/tugraph-simulator/node_modules/"; done
rm -rf "$root"/opt/tugraph-simulator/node_modules/*/node_modules
ln -s /opt/tugraph-simulator/bin/lgraph_server "$root/usr/local/bin/lgraph_server"

cat > "$root/usr/local/etc/lgraph.json" <<'JSON'
{
  "directory": "/var/lib/lgraph/data",
  "host": "0.0.0.0",
  "port": 7070,
  "verbose": 1,
  "log_dir": "/var/log/lgraph_log",
  "disable_auth": false,
  "ssl_auth": false,
  "bolt_port": 7687
}
JSON
printf 'root:x:0:0:root:/root:/bin/bash\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"
echo "TuGraph simulator (test double) image, content hash $hash -- NOT TuGraph" > "$root/etc/tugraph-simulator-release"

tar -C "$root" -cf "$work/rootfs.tar" .
for h in "${need[@]}"; do
    DOCKER_HOST="$h" docker import \
        --change "LABEL tugraph-simulator.hash=$hash" \
        --change 'LABEL org.opencontainers.image.description="TuGraph simulator (test double), not TuGraph"' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'WORKDIR /root' \
        --change 'CMD ["/bin/bash"]' \
        "$work/rootfs.tar" "$IMAGE" >/dev/null
    echo "build-simulator-image.sh: imported $IMAGE ($hash) into $h"
done
tag_all
