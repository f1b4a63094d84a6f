#!/usr/bin/env bash
# Installs what is missing, builds trustctl twice (warnings as errors; clang ASan+UBSan with
# the libFuzzer target) and runs the whole test suite through CTest in both, then the fuzzer
# for a bounded time. Exit code 0 only when everything passed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
TRUSTCTL_NEED_KEYTOOL=1 trustctl_install_packages "${TRUSTCTL_BUILD_PACKAGES[@]}" \
  "${TRUSTCTL_TEST_PACKAGES[@]}"
# The probe honours https_proxy / no_proxy as the connector would: the tests start their own
# proxies, so a proxy in the caller's environment must not route their loopback probes.
unset https_proxy HTTPS_PROXY http_proxy HTTP_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
build=$TRUSTCTL_ROOT/build
mkdir -p "$build"
jobs=${TRUSTCTL_TEST_JOBS:-2}

echo "== build: gcc, warnings as errors"
trustctl_build "$build/ci" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRUSTCTL_WERROR=ON
# The sanitizer build compiles (at low priority) while the gcc build's tests run: those tests
# mostly wait on servers and clients over loopback, so on 2 cores this saves most of a build.
echo "== build: clang, ASan + UBSan + libFuzzer (in the background, log in $build/asan.build.log)"
mkdir -p "$build/asan"
(CC=clang CXX=clang++ nice -n 15 bash -c 'source "$1"; shift; trustctl_build "$@"' _ \
  "$TRUSTCTL_ROOT/scripts/lib.sh" "$build/asan" -DCMAKE_BUILD_TYPE=Debug -DTRUSTCTL_WERROR=ON \
  -DTRUSTCTL_SANITIZE=ON -DTRUSTCTL_FUZZ=ON -DTRUSTCTL_BENCH=OFF) >"$build/asan.build.log" 2>&1 &
asan_build=$!
echo "== test: gcc build"
gcc_tests=0
ctest --test-dir "$build/ci" --output-on-failure -j "$jobs" --timeout 600 || gcc_tests=$?
asan_status=0
wait "$asan_build" || asan_status=$?
if [ "$gcc_tests" -ne 0 ]; then
  echo "gcc build's tests failed" >&2
  exit "$gcc_tests"
fi
if [ "$asan_status" -ne 0 ]; then
  tail -50 "$build/asan.build.log"
  echo "sanitizer build failed (log: $build/asan.build.log)" >&2
  exit "$asan_status"
fi
echo "== test: sanitizer build"
# The runtime matrix measures other programs (JSSE, Python, Node, GnuTLS, Go) against servers;
# the trustctl code it runs is run under the sanitizers by the runtime and probe tests, so the
# sanitizer build skips it (a minute of the 20 the suite may take) and the gcc build runs it.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions=$TRUSTCTL_ROOT/scripts/lsan.supp:print_suppressions=0 \
  ctest --test-dir "$build/asan" --output-on-failure -j "$jobs" --timeout 900 -E "^runtime matrix"

echo "== fuzz: importer, ${TRUSTCTL_FUZZ_SECONDS:-60} s"
"$TRUSTCTL_ROOT/scripts/fuzz.sh" "$build/asan" "${TRUSTCTL_FUZZ_SECONDS:-60}"
echo "== all tests passed"
