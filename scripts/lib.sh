# Shared by scripts/run.sh and scripts/test.sh: install missing Debian packages, configure and
# build. Sourced, not run.

TRUSTCTL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Build and run dependencies (Debian 12 package names).
TRUSTCTL_BUILD_PACKAGES=(build-essential cmake ninja-build pkg-config git ca-certificates openssl
  libssl-dev libcurl4-openssl-dev libldap-dev libgnutls28-dev libtomlplusplus-dev libspdlog-dev
  libcli11-dev nlohmann-json3-dev libexpected-dev catch2 libcpp-httplib-dev)
# What the demo runs as local servers (started as plain processes, never as services).
TRUSTCTL_DEMO_PACKAGES=(slapd nginx-light)
# What the tests and benchmarks also need: real servers, clang for sanitizers and libFuzzer,
# a JDK for keytool, Google Benchmark.
TRUSTCTL_TEST_PACKAGES=(clang libclang-rt-14-dev slapd ldap-utils nginx-light libbenchmark-dev
  procps psmisc curl time)

trustctl_install_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # keytool comes with any JDK; install Debian's headless one only when none is on PATH.
  if [ "${TRUSTCTL_NEED_KEYTOOL:-0}" = 1 ] && ! command -v keytool >/dev/null 2>&1; then
    missing+=(default-jdk-headless)
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "== installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d keeps package installs from starting slapd/nginx as system services.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    TRUSTCTL_REMOVE_POLICY=1
  fi
  local log
  log=$(mktemp)
  if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -30 "$log"
    echo "package installation failed: ${missing[*]}" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
  if [ "${TRUSTCTL_REMOVE_POLICY:-0}" = 1 ]; then
    $sudo rm -f /usr/sbin/policy-rc.d
  fi
}

# trustctl_build DIR [cmake args...]
trustctl_build() {
  local dir=$1
  shift
  cmake -S "$TRUSTCTL_ROOT" -B "$dir" -G Ninja "$@" >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; return 1; }
  cmake --build "$dir" -j 2
}
