#!/usr/bin/env bash
# Builds (Release) and runs the runtime library benchmark: the per-connection change check
# against a handshake, reloading a 1,000-anchor trust against OpenSSL's own loading, and
# handshakes/s of the library and the example connector against plain libcurl CURLOPT_CAINFO.
# Usage: scripts/runtime-bench.sh [HANDSHAKES]   (default 3000)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
trustctl_install_packages "${TRUSTCTL_BUILD_PACKAGES[@]}" nginx-light
mkdir -p "$TRUSTCTL_ROOT/build"
trustctl_build "$TRUSTCTL_ROOT/build/bench" -DCMAKE_BUILD_TYPE=Release >/dev/null
b=$TRUSTCTL_ROOT/build/bench
"$b/bench/runtime_bench" "$b/agent/trustctl" "$b/examples/connector/trustctl-example-connector" "$@"
