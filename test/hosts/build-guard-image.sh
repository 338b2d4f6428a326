#!/usr/bin/env bash
# Builds `tugraph-ha-guard:test`, the image the raft-port guard's helper runs in the tests: a
# rootfs with busybox (the shell) and this machine's iptables (xtables-nft-multi, the libraries
# ldd lists for it, its extensions), imported without a registry into each engine given.
# Test infrastructure only: a real stack names an image of its own with iptables (tugraph:raftGuard.image).
#   build-guard-image.sh DOCKER_HOST...
set -euo pipefail
IMAGE=tugraph-ha-guard:test
ipt="$(readlink -f "$(command -v iptables)")"
bb="$(readlink -f "$(command -v busybox)")"
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/sbin" "$root/tmp" "$root/run" "$root/etc"
install -m 0755 "$bb" "$root/bin/busybox"
for app in sh cat awk grep sed echo; do ln -s busybox "$root/bin/$app"; done
install -D -m 0755 "$ipt" "$root$ipt"
ln -s "$ipt" "$root/sbin/iptables"
for lib in $(ldd "$ipt" | awk '/=> \// {print $3} $1 ~ /^\// {print $1}'); do install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"; done
# iptables finds its extensions (even the ACCEPT target) in XTABLES_LIBDIR
xt=/usr/lib/x86_64-linux-gnu/xtables
mkdir -p "$root$xt" && cp -aL "$xt/." "$root$xt/"
for l in $(ls "$xt"/*.so); do for dep in $(ldd "$l" | awk '/=> \// {print $3}'); do [ -e "$root$dep" ] || install -D -m 0644 "$(readlink -f "$dep")" "$root$dep"; done; done
echo "root:x:0:0:root:/:/bin/sh" > "$root/etc/passwd"
for host in "$@"; do
    tar -C "$root" -cf - . | DOCKER_HOST="$host" docker import -c 'ENTRYPOINT ["/bin/sh", "-c"]' -c "ENV XTABLES_LIBDIR=$xt" - "$IMAGE" >/dev/null
done
echo "$IMAGE"
