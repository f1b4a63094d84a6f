#!/usr/bin/env bash
# Re-records the golden probe corpus (tests/probes/golden/) from the probe integration tests:
# each `trustctl probe` they run against a real server on 127.0.0.1 also writes its captures,
# the connector's anchors, the catalog and the JSON result as one case file. Builds nothing.
# Re-record only on purpose (a result that changes by design), and say why in the commit;
# tests/probes/golden_replay_test.cc replays the corpus.
# Usage: scripts/record-golden.sh [BUILD_DIR]   (default: build/dev)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/dev}
tests=$build/tests/unit_tests
[ -x "$tests" ] || { echo "no $tests: build first (cmake --build $build)" >&2; exit 2; }
golden=$root/tests/probes/golden
mkdir -p "$golden"
rm -f "$golden"/*.json "$golden"/skipped.txt
# Every test that probes through ProbeFixture::probe (the hook lives there).
TRUSTCTL_GOLDEN_RECORD=$golden "$tests" \
  "probe*,example connector and trustctl probe agree*" --order decl
[ -f "$golden/skipped.txt" ] && sort -o "$golden/skipped.txt" "$golden/skipped.txt"
if grep -l "PRIVATE KEY" "$golden"/* >/dev/null 2>&1; then
  echo "a private key reached the corpus: refusing" >&2
  exit 1
fi
echo "recorded $(ls "$golden"/*.json | wc -l) cases into $golden ($(du -sh "$golden" | cut -f1))"
