#!/usr/bin/env bash
# Installs what is missing, builds trustctl twice (warnings as errors; clang ASan+UBSan with
# the libFuzzer target) and runs the whole test suite through CTest in both, then the fuzzer
# for a bounded time. Exit code 0 only when everything passed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
TRUSTCTL_NEED_KEYTOOL=1 trustctl_install_packages "${TRUSTCTL_BUILD_PACKAGES[@]}" \
  "${TRUSTCTL_TEST_PACKAGES[@]}"
build=$TRUSTCTL_ROOT/build
mkdir -p "$build"
jobs=${TRUSTCTL_TEST_JOBS:-2}

echo "== build: gcc, warnings as errors"
trustctl_build "$build/ci" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRUSTCTL_WERROR=ON
echo "== test: gcc build"
ctest --test-dir "$build/ci" --output-on-failure -j "$jobs" --timeout 600

echo "== build: clang, ASan + UBSan + libFuzzer"
CC=clang CXX=clang++ trustctl_build "$build/asan" -DCMAKE_BUILD_TYPE=Debug -DTRUSTCTL_WERROR=ON \
  -DTRUSTCTL_SANITIZE=ON -DTRUSTCTL_FUZZ=ON -DTRUSTCTL_BENCH=OFF
echo "== test: sanitizer build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions=$TRUSTCTL_ROOT/scripts/lsan.supp:print_suppressions=0 \
  ctest --test-dir "$build/asan" --output-on-failure -j "$jobs" --timeout 900

echo "== fuzz: importer, ${TRUSTCTL_FUZZ_SECONDS:-60} s"
"$TRUSTCTL_ROOT/scripts/fuzz.sh" "$build/asan" "${TRUSTCTL_FUZZ_SECONDS:-60}"
echo "== all tests passed"
