#!/usr/bin/env bash
# The agent's steady-state cost: RSS, CPU per probe cycle and the cycle's wall time, with
# 10 connectors x 10 targets (100) and 100 connectors x 10 targets (1,000) on loopback
# (nginx, 2 workers). Usage: scripts/agent-bench.sh [PATH_TO_TRUSTCTL]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
if [ $# -ge 1 ] && [ -x "$1" ]; then
  trustctl=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
else
  trustctl_install_packages "${TRUSTCTL_BUILD_PACKAGES[@]}" nginx-light curl
  mkdir -p "$TRUSTCTL_ROOT/build"
  trustctl_build "$TRUSTCTL_ROOT/build/release" -DCMAKE_BUILD_TYPE=Release -DTRUSTCTL_TESTS=OFF \
    -DTRUSTCTL_BENCH=OFF >/dev/null
  trustctl=$TRUSTCTL_ROOT/build/release/agent/trustctl
fi
work=$(mktemp -d /tmp/trustctl-agent-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
trustctl_bench_pki
port=$((30000 + RANDOM % 20000))
trustctl_bench_nginx "$port"
pids+=("$TRUSTCTL_NGINX_PID")

metric() { curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'; }
echo "Agent steady state, $(nproc) cores, probe interval 10 s, 10 targets per connector:"
printf '%-12s %-8s %14s %16s %10s\n' connectors targets "cycle wall s" "CPU s per cycle" "RSS MiB"
for connectors in 10 100; do
  http=$((port + connectors))
  {
    printf '[agent]\nlisten = "127.0.0.1:%s"\ndefault_probe_interval_seconds = 10\n' "$http"
    printf '[entries.root]\nfile = "root.pem"\n'
    for c in $(seq "$connectors"); do
      printf '[connectors.c%s]\ntrust = ["root"]\ntargets = [' "$c"
      for t in $(seq 10); do printf '"https://127.0.0.1:%s/c%s/t%s"%s' "$port" "$c" "$t" "$([ "$t" = 10 ] || echo ,)"; done
      printf ']\n'
    done
  } >agent-$connectors.toml
  "$trustctl" --store "$work/store-$connectors" agent --config agent-$connectors.toml 2>agent-$connectors.log &
  agent=$!
  pids+=($agent)
  probed() { awk '/ probed / { n += $4 } END { print n + 0 }' agent-$connectors.log; }
  for _ in $(seq 600); do [ "$(probed)" -ge $((connectors * 10)) ] && break; sleep 0.1; done
  # The first cycle probes every connector at once; later ones are spread by the jitter.
  wall=$(awk '/ probed / { print $(NF-1); exit }' agent-$connectors.log)
  ticks=$(getconf CLK_TCK)
  cpu_ticks() { awk '{ print $14 + $15 }' /proc/$agent/stat; }
  t0=$(cpu_ticks); n0=$(probed)
  sleep 25
  t1=$(cpu_ticks); n1=$(probed)
  rss=$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' /proc/$agent/status)
  cpu=$(awk -v a="$t0" -v b="$t1" -v t="$ticks" -v n0="$n0" -v n1="$n1" -v all=$((connectors * 10)) \
    'BEGIN { printf "%.3f", (b - a) / t / (n1 - n0) * all }')
  printf '%-12s %-8s %14.3f %16s %10s\n' "$connectors" "$((connectors * 10))" "$wall" "$cpu" "$rss"
  kill "$agent"
  wait "$agent" 2>/dev/null || true
done
echo "(cycle wall: the first cycle, all targets at once; CPU: measured over 25 s of steady state,"
echo " per probed target, times the targets of one full cycle)"
