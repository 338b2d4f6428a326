#!/usr/bin/env bash
# Builds the real Pulumi engine pieces this project's tests run, from Go modules only
# (no prebuilt download: those sites cannot be reached, and no binary is committed):
#   bin/pulumi                  the CLI and engine, github.com/pulumi/pulumi/pkg/v3 at the
#                               tag matching @pulumi/pulumi in package.json
#   plugins/pulumi-resource-docker  the Docker resource plugin registered as docker 5.2.0 (for
#                               @pulumi/docker 5.2.0): kreuzwerker's terraform-provider-docker
#                               through pulumi-terraform-bridge, as pulumi-docker builds it
#                               (pulumi-docker's own provider module is not on the proxy)
# into a cache outside the repo keyed by the versions and by this folder's contents, so a
# warm machine rebuilds nothing. Prints the cache directory (the one holding bin/) last.
#
#   .ci/pulumi/build.sh            build what is missing
#   TUGRAPH_HA_PULUMI_CACHE=<dir>  the cache root (default ~/.cache/tugraph-ha/pulumi)
#
# Not built: pulumi-language-nodejs. Its module is not on the proxy (403 for every
# version of github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3); the
# tests run the program through the Automation API's own Node language server instead
# (README: Running it with Pulumi).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

PULUMI_VERSION="3.248.0"
DOCKER_PLUGIN_VERSION="5.2.0"
# The upstream Terraform provider: the only version the proxy serves (v4.6.0 plus later commits).
UPSTREAM_MODULE="github.com/kreuzwerker/terraform-provider-docker"
UPSTREAM_VERSION="v0.0.0-20260916201441-96d331c98ff4"
# pulumi's fork of terraform-plugin-sdk/v2, pinned by pulumi-terraform-bridge v3.120.0.
TFSDK_MODULE="github.com/pulumi/terraform-plugin-sdk/v2"
TFSDK_VERSION="v2.0.0-20250923233607-7f1981c8674a"

# The CLI must match the SDK the program runs on.
sdk_version="$(node -p "require('$repo/package.json').dependencies['@pulumi/pulumi']")"
if [ "$sdk_version" != "$PULUMI_VERSION" ]; then
    echo "build.sh: package.json pins @pulumi/pulumi $sdk_version but this script builds the CLI $PULUMI_VERSION; change PULUMI_VERSION (and .ci/pulumi/cli/go.mod) together with package.json" >&2
    exit 1
fi

cache_root="${TUGRAPH_HA_PULUMI_CACHE:-$HOME/.cache/tugraph-ha/pulumi}"
recipe="$(cd "$here" && find . -type f ! -name '*.log' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)"
out="$cache_root/pulumi-v$PULUMI_VERSION-docker-v$DOCKER_PLUGIN_VERSION-$recipe"
mkdir -p "$out/bin" "$out/plugins"

export CGO_ENABLED=0 GOFLAGS="-buildvcs=false" GOTOOLCHAIN=local
started=$(date +%s)

if [ ! -x "$out/bin/pulumi" ]; then
    echo "build.sh: building pulumi v$PULUMI_VERSION (first build on this machine: several minutes)" >&2
    (cd "$here/cli" && go build -tags osusergo,grpcnotrace \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
        -o "$out/bin/pulumi.part" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
    mv "$out/bin/pulumi.part" "$out/bin/pulumi"
fi

# Kept out of bin/: the CLI would take a plugin next to itself before the registered one, with a warning.
if [ ! -x "$out/plugins/pulumi-resource-docker" ]; then
    echo "build.sh: building pulumi-resource-docker $DOCKER_PLUGIN_VERSION (first build on this machine: several minutes)" >&2
    work="$out/work"
    rm -rf "$work"
    mkdir -p "$work"
    module_dir() { go mod download -json "$1@$2" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.Dir)})'; }
    # Two patched copies of modules (the module cache is read-only): the upstream provider
    # gets package shim (its provider lives under internal/), the SDK fork one method.
    cp -r "$(module_dir "$UPSTREAM_MODULE" "$UPSTREAM_VERSION")" "$work/upstream"
    cp -r "$(module_dir "$TFSDK_MODULE" "$TFSDK_VERSION")" "$work/tfsdk"
    chmod -R u+w "$work"
    mkdir -p "$work/upstream/shim"
    cp "$here/docker/shim.go.txt" "$work/upstream/shim/shim.go"
    cp "$here/docker/tfsdk-generate-resource-config.go.txt" "$work/tfsdk/helper/schema/grpc_provider_generate_resource_config.go"
    mkdir -p "$work/docker"
    cp "$here/docker/main.go" "$here/docker/go.mod" "$here/docker/go.sum" "$work/docker/"
    (cd "$work/docker" && go build -tags no_compose \
        -ldflags "-s -w -X main.version=$DOCKER_PLUGIN_VERSION" \
        -o "$out/plugins/pulumi-resource-docker.part" .)
    mv "$out/plugins/pulumi-resource-docker.part" "$out/plugins/pulumi-resource-docker"
    rm -rf "$work"
fi

# The dynamic-provider host ships in @pulumi/pulumi (a script that resolves the SDK from the
# project directory); the CLI's own release bundles it next to pulumi, and so does this one.
cp "$repo/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs" "$out/bin/"

echo "build.sh: pulumi $("$out/bin/pulumi" version) and pulumi-resource-docker $("$out/plugins/pulumi-resource-docker" -version) ready in $(($(date +%s) - started)) s" >&2
echo "$out"
