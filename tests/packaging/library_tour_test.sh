#!/usr/bin/env bash
# The library tour is also a smoke test: run from another folder with a relative path to the
# built binary it must pass every step (exit 0); given a path that is not a binary, or a binary
# whose steps fail, it must stop and exit non-zero instead of printing errors and exiting 0.
# Usage: library_tour_test.sh TRUSTCTL SOURCE_DIR
set -euo pipefail
trustctl=$(realpath -e -- "$1")
source_dir=$2
tour=$source_dir/scripts/library-tour.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A relative path, as in `scripts/library-tour.sh build/release/agent/trustctl`.
mkdir -p "$work/cwd/build"
ln -s "$trustctl" "$work/cwd/build/trustctl"
cd "$work/cwd"
relative=build/trustctl
bash "$tour" "$relative" >"$work/ok.log" 2>&1 || { cat "$work/ok.log"; fail "tour with '$relative' failed"; }
grep -q "step failed" "$work/ok.log" && fail "tour printed a failed step yet exited 0"
# What only a binary that really ran prints (the commands themselves are echoed too).
grep -q "^Created connector erp-api" "$work/ok.log" || fail "the tour did not create the connector"
grep -q "^OK  server-chain.pem against connector erp-api" "$work/ok.log" || fail "the tour did not verify"

rc=0
bash "$tour" "$work/no-such-trustctl" >"$work/missing.log" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "tour with a missing binary exited 0"
grep -q "is not an executable trustctl binary" "$work/missing.log" || fail "no clear message: $(cat "$work/missing.log")"

# A binary that exists but fails every command: the tour stops at the first step.
printf '#!/bin/sh\nexit 3\n' >"$work/broken-trustctl"
chmod +x "$work/broken-trustctl"
rc=0
bash "$tour" "$work/broken-trustctl" >"$work/broken.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "tour with a failing binary exited $rc, expected 1"
[ "$(grep -c 'step failed' "$work/broken.log")" -eq 1 ] || fail "tour did not stop at the first failing step"
echo "library tour: ok"
