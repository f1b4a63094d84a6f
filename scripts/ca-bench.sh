#!/usr/bin/env bash
# Builds (Release) and runs the built-in CA benchmark: issuing N TLS server certificates with
# trustctl's CA library next to `openssl req -new` + `openssl x509 -req` for the same N, in
# one run; prints both times and the ratio.
# Usage: scripts/ca-bench.sh [N]   (default 1000)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
trustctl_install_packages "${TRUSTCTL_BUILD_PACKAGES[@]}"
mkdir -p "$TRUSTCTL_ROOT/build"
trustctl_build "$TRUSTCTL_ROOT/build/bench" -DCMAKE_BUILD_TYPE=Release >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$TRUSTCTL_ROOT/build/bench/bench/ca_bench" "$work" "${1:-1000}"
