#!/usr/bin/env bash
# Probe throughput, side by side in one run: trustctl probing N HTTPS targets on loopback
# concurrently (full handshake each, verified and diagnosed), against the same N requests done
# by `curl --parallel` (verifies only), by `openssl s_client` in a loop, and the machine's
# handshake ceiling measured with several `openssl s_time -new` clients. nginx with 2 workers
# serves; session reuse and keep-alive are off everywhere so every probe is a new handshake.
# Then the same for LDAP against slapd (scripts/probe-bench-ldap.sh): N LDAPS and N StartTLS
# targets next to an ldapsearch loop, one probe's latency next to one ldapsearch, and slapd's
# handshake capacity.
# Usage: scripts/probe-bench.sh [PATH_TO_TRUSTCTL] [N] [all|https|ldap]
#        (default: Release build, 1000, all)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/probe-bench-ldap.sh"
if [ $# -ge 1 ] && [ -x "$1" ]; then
  trustctl=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
  shift
else
  trustctl_install_packages "${TRUSTCTL_BUILD_PACKAGES[@]}" nginx-light curl time slapd ldap-utils
  mkdir -p "$TRUSTCTL_ROOT/build"
  trustctl_build "$TRUSTCTL_ROOT/build/release" -DCMAKE_BUILD_TYPE=Release -DTRUSTCTL_TESTS=OFF \
    -DTRUSTCTL_BENCH=OFF >/dev/null
  trustctl=$TRUSTCTL_ROOT/build/release/agent/trustctl
fi
n=${1:-1000}
mode=${2:-all}
work=$(mktemp -d /tmp/trustctl-probe-bench.XXXXXX)
nginx_pid=
cleanup() {
  bench_slapd_stop
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
trustctl_bench_pki
export TRUSTCTL_STORE=$work/store
"$trustctl" import root.pem --name bench-root >/dev/null
"$trustctl" connector create bench >/dev/null
"$trustctl" connector trust bench bench-root >/dev/null

calc() { awk "BEGIN { print $1 }"; }
# measure LABEL CMD...: wall seconds, client CPU seconds and peak RSS of one run.
measure() {
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o time.out "$@" >/dev/null 2>err.out || true
  read -r wall user sys rss <time.out
  printf '%s %s %s %s\n' "$label" "$wall" "$(calc "$user + $sys")" "$((rss / 1024))"
}
if [ "$mode" = ldap ]; then
  probe_bench_ldap
  exit 0
fi

port=$((30000 + RANDOM % 20000))
trustctl_bench_nginx "$port"
nginx_pid=$TRUSTCTL_NGINX_PID

urls=()
for i in $(seq "$n"); do urls+=("https://127.0.0.1:$port/t/$i"); done
: >curl.cfg
for u in "${urls[@]}"; do printf 'url = "%s"\noutput = "/dev/null"\n' "$u" >>curl.cfg; done

results=()
results+=("$(measure trustctl "$trustctl" probe --connector bench --json --no-system-catalog --timeout 30 "${urls[@]}")")
ok=$("$trustctl" probe --connector bench --json --no-system-catalog --timeout 30 "${urls[@]}" | grep -c '"verdict":"ok"' || true)
results+=("$(measure curl-parallel curl --parallel --parallel-max 64 --no-sessionid -s -H 'Connection: close' --cacert root.pem -K curl.cfg)")
cat >sclient.sh <<EOS
for i in \$(seq $n); do openssl s_client -connect 127.0.0.1:$port -servername localhost -CAfile $work/root.pem -verify_return_error -brief </dev/null >/dev/null 2>&1; done
EOS
results+=("$(measure s_client-loop bash sclient.sh)")

# The ceiling: 4 s_time clients for 5 s, connections summed.
for c in 1 2 3 4; do
  openssl s_time -connect "127.0.0.1:$port" -new -time 5 -CAfile root.pem >stime.$c 2>&1 &
done
wait $(jobs -p | grep -v "^$nginx_pid$") 2>/dev/null || true
ceiling=$(cat stime.* | awk '/connections in .* real seconds/ {n += $1} END {printf "%.0f", n / 5}')

echo
echo "Probing $n HTTPS targets on 127.0.0.1 (nginx, 2 workers, no session reuse), $(nproc) cores:"
printf '%-16s %9s %10s %12s %10s\n' tool "wall s" "per s" "client CPU s" "peak MiB"
for r in "${results[@]}"; do
  read -r label wall cpu rss <<<"$r"
  printf '%-16s %9.2f %10.0f %12.2f %10s\n' "$label" "$wall" "$(calc "$n / $wall")" "$cpu" "$rss"
done
printf '%-16s %9s %10s\n' "s_time ceiling" "-" "$ceiling"
read -r _ t_wall _ _ <<<"${results[0]}"
read -r _ c_wall _ _ <<<"${results[1]}"
read -r _ s_wall _ _ <<<"${results[2]}"
echo
printf 'trustctl / curl --parallel time ratio: %.2f (below 1: trustctl is faster)\n' "$(calc "$t_wall / $c_wall")"
printf 'trustctl / s_client loop time ratio:   %.3f\n' "$(calc "$t_wall / $s_wall")"
printf 'trustctl rate / handshake ceiling:     %.2f\n' "$(calc "$n / $t_wall / $ceiling")"
echo "targets diagnosed ok by trustctl: $ok of $n"
if [ "$mode" = all ]; then
  probe_bench_ldap
fi
