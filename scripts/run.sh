#!/usr/bin/env bash
# Installs what is missing, builds trustctl, and runs the demo of what it does.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
trustctl_install_packages "${TRUSTCTL_BUILD_PACKAGES[@]}" "${TRUSTCTL_DEMO_PACKAGES[@]}"
mkdir -p "$TRUSTCTL_ROOT/build"
trustctl_build "$TRUSTCTL_ROOT/build/release" -DCMAKE_BUILD_TYPE=Release -DTRUSTCTL_TESTS=OFF \
  -DTRUSTCTL_BENCH=OFF
exec "$TRUSTCTL_ROOT/scripts/demo.sh" "$TRUSTCTL_ROOT/build/release/agent/trustctl"
