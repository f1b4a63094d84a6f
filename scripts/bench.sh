#!/usr/bin/env bash
# Builds (Release) and runs the benchmarks, printing trustctl side by side with openssl.
# Usage: scripts/bench.sh [SMALL BIG]   (defaults 1000 10000)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
trustctl_install_packages "${TRUSTCTL_BUILD_PACKAGES[@]}"
mkdir -p "$TRUSTCTL_ROOT/build"
trustctl_build "$TRUSTCTL_ROOT/build/bench" -DCMAKE_BUILD_TYPE=Release >/dev/null
"$TRUSTCTL_ROOT/build/bench/bench/trust_bench" "$TRUSTCTL_ROOT/build/bench/agent/trustctl" "$@"
