#!/usr/bin/env bash
# Probe throughput, side by side in one run: trustctl probing N HTTPS targets on loopback
# concurrently (full handshake each, verified and diagnosed), against the same N requests done
# by `curl --parallel` (verifies only), by `openssl s_client` in a loop, and the machine's
# handshake ceiling measured with several `openssl s_time -new` clients. nginx with 2 workers
# serves; session reuse and keep-alive are off everywhere so every probe is a new handshake.
# Then N targets that send only their leaf, so trustctl must build the path itself: with the
# intermediate from --catalog, and fetched from the leaf's AIA caIssuers URL (plain HTTP from
# the same nginx), next to curl --parallel, which cannot build paths and is given the
# intermediate in --cacert. Then the client CPU of the chain judgement per probe: bench/
# probe_bench times diagnose() and the path builder on the captures these runs recorded, as a
# share of trustctl's whole client CPU per probe.
# Then the same for LDAP against slapd (scripts/probe-bench-ldap.sh): N LDAPS and N StartTLS
# targets next to an ldapsearch loop, one probe's latency next to one ldapsearch, and slapd's
# handshake capacity.
# Usage: scripts/probe-bench.sh [PATH_TO_TRUSTCTL] [N] [all|https|ldap]
#        (default: Release build, 1000, all; TRUSTCTL_BENCH_ROUNDS=3 alternated runs per tool)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/probe-bench-ldap.sh"
source "$(dirname "$0")/probe-bench-proxy.sh"
if [ $# -ge 1 ] && [ -x "$1" ]; then
  trustctl=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
  shift
else
  trustctl_install_packages "${TRUSTCTL_BUILD_PACKAGES[@]}" nginx-light curl time slapd ldap-utils \
    tinyproxy
  mkdir -p "$TRUSTCTL_ROOT/build"
  trustctl_build "$TRUSTCTL_ROOT/build/release" -DCMAKE_BUILD_TYPE=Release -DTRUSTCTL_TESTS=OFF \
    -DTRUSTCTL_BENCH=ON >/dev/null
  trustctl=$TRUSTCTL_ROOT/build/release/agent/trustctl
fi
# Next to trustctl in its build tree (TRUSTCTL_PROBE_BENCH overrides); the CPU rows need it.
probe_bench=${TRUSTCTL_PROBE_BENCH:-$(dirname "$trustctl")/../bench/probe_bench}
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
  # The last line: GNU time puts "Command exited with non-zero status" first on a failure.
  read -r wall user sys rss < <(tail -n 1 time.out)
  printf '%s %s %s %s\n' "$label" "$wall" "$(calc "$user + $sys")" "$((rss / 1024))"
}
# The machine may be shared: trustctl and curl runs alternate, $rounds of each, and the run
# with the median wall time is the one shown.
rounds=${TRUSTCTL_BENCH_ROUNDS:-3}
median_run() { printf '%s\n' "$@" | sort -k2,2n | sed -n "$((($# + 1) / 2))p"; }
if [ "$mode" = ldap ]; then
  probe_bench_ldap
  exit 0
fi

port=$((30000 + RANDOM % 20000))
leaf_port=$((port + 1))
aia_port=$((port + 2))
# The leaf-only server: the same key, a leaf naming its issuer's URL (DER over plain HTTP).
mkdir -p aia
openssl x509 -in inter.pem -outform DER -out aia/inter.der
printf 'authorityInfoAccess=caIssuers;URI:http://127.0.0.1:%s/inter.der\n' "$aia_port" >aia.ext
cat leaf.ext >>aia.ext
openssl req -new -key leaf.key -subj "/CN=localhost" |
  openssl x509 -req -CA inter.pem -CAkey inter.key -CAcreateserial -days 30 -extfile aia.ext \
    -out leaf-aia.pem 2>/dev/null
cat root.pem inter.pem >root-inter.pem
trustctl_bench_nginx "$port" "
  server { listen 127.0.0.1:$leaf_port ssl backlog=4096; ssl_certificate $work/leaf-aia.pem;
    ssl_certificate_key $work/leaf.key; location / { return 200 \"ok\\n\"; } }
  server { listen 127.0.0.1:$aia_port backlog=4096; root $work/aia; }"
nginx_pid=$TRUSTCTL_NGINX_PID

urls=()
leaf_urls=()
for i in $(seq "$n"); do
  urls+=("https://127.0.0.1:$port/t/$i")
  leaf_urls+=("https://127.0.0.1:$leaf_port/t/$i")
done
: >curl.cfg
for u in "${urls[@]}"; do printf 'url = "%s"\noutput = "/dev/null"\n' "$u" >>curl.cfg; done
sed "s/:$port\//:$leaf_port\//" curl.cfg >curl-leaf.cfg
probe=("$trustctl" probe --connector bench --json --no-system-catalog --timeout 30)
curl_parallel=(curl --parallel --parallel-max 64 --no-sessionid -s -H 'Connection: close')
# verdicts FILE: how many probes got each diagnosis code, e.g. "1000 ok".
verdicts() { grep -o '"diagnosis":{"code":"[a-z_]*"' "$1" | cut -d'"' -f6 | sort | uniq -c | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2}'; }

results=()
t_runs=()
c_runs=()
for _ in $(seq "$rounds"); do
  t_runs+=("$(measure trustctl "${probe[@]}" "${urls[@]}")")
  c_runs+=("$(measure curl-parallel "${curl_parallel[@]}" --cacert root.pem -K curl.cfg)")
done
results+=("$(median_run "${t_runs[@]}")" "$(median_run "${c_runs[@]}")")
"${probe[@]}" --record rec-chain.jsonl "${urls[@]}" >out-chain.json || true
ok=$(grep -c '"verdict":"ok"' out-chain.json || true)
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
echo "Probing $n HTTPS targets on 127.0.0.1 (nginx, 2 workers, no session reuse), $(nproc) cores"
echo "(trustctl and curl: the median of $rounds alternated runs):"
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
probe_bench_proxy

paths=()
# --catalog takes every word after it up to the next option: --no-aia ends it before the URLs.
cat_runs=()
aia_runs=()
lc_runs=()
for _ in $(seq "$rounds"); do
  cat_runs+=("$(measure trustctl-catalog "${probe[@]}" --catalog inter.pem --no-aia "${leaf_urls[@]}")")
  aia_runs+=("$(measure trustctl-aia "${probe[@]}" "${leaf_urls[@]}")")
  lc_runs+=("$(measure curl-parallel "${curl_parallel[@]}" --cacert root-inter.pem -K curl-leaf.cfg)")
done
paths+=("$(median_run "${cat_runs[@]}")" "$(median_run "${aia_runs[@]}")" "$(median_run "${lc_runs[@]}")")
"${probe[@]}" --catalog inter.pem --no-aia --record rec-catalog.jsonl "${leaf_urls[@]}" >out-catalog.json || true
"${probe[@]}" --record rec-aia.jsonl "${leaf_urls[@]}" >out-aia.json || true
echo
echo "Path building: $n HTTPS targets that send only their leaf (same nginx, another port;"
echo "median of $rounds alternated runs):"
printf '%-16s %9s %10s %12s %10s\n' tool "wall s" "per s" "client CPU s" "peak MiB"
for r in "${paths[@]}"; do
  read -r label wall cpu rss <<<"$r"
  printf '%-16s %9.2f %10.0f %12.2f %10s\n' "$label" "$wall" "$(calc "$n / $wall")" "$cpu" "$rss"
done
echo "  trustctl-catalog: the intermediate from --catalog inter.pem (--no-aia)"
echo "  trustctl-aia:     the intermediate fetched from the leaf's AIA caIssuers URL (local nginx)"
echo "  curl-parallel:    cannot build a path (no AIA, no catalog): given root + intermediate"
echo "                    in --cacert, so it only verifies what the others had to find"
read -r _ cat_wall cat_cpu _ <<<"${paths[0]}"
read -r _ aia_wall aia_cpu _ <<<"${paths[1]}"
read -r _ lc_wall _ _ <<<"${paths[2]}"
printf 'trustctl-catalog / curl --parallel time ratio: %.2f\n' "$(calc "$cat_wall / $lc_wall")"
printf 'trustctl-aia / curl --parallel time ratio:     %.2f\n' "$(calc "$aia_wall / $lc_wall")"
echo "diagnoses, catalog: $(verdicts out-catalog.json); aia: $(verdicts out-aia.json)"
echo "  (missing_intermediate is right: the server must send the intermediate it was built from)"

echo
if [ -x "$probe_bench" ]; then
  echo "Client CPU of the chain judgement per probe (bench/probe_bench on the recorded captures,"
  echo "one thread, median of 5 rounds; diagnose() as the runner calls it, the path builder alone):"
  read -r _ _ chain_cpu _ <<<"${results[0]}"
  for row in "full-chain rec-chain.jsonl $chain_cpu" "catalog rec-catalog.jsonl $cat_cpu inter.pem" \
    "aia rec-aia.jsonl $aia_cpu"; do
    read -r label rec cpu catalog <<<"$row"
    line=$("$probe_bench" "$rec" root.pem $catalog)
    field() { sed "s/.*$1=\([0-9.]*\).*/\1/" <<<"$line"; }
    per=$(calc "$cpu / $n * 1e6")
    printf '%-11s path building %5.1f µs per probe = %4.1f %% of %4.0f µs client CPU per probe\n' \
      "$label:" "$(field build_paths_us)" "$(calc "100 * $(field build_paths_us) / $per")" "$per"
    printf '%-11s (all of diagnose(): %.1f µs = %.1f %%, %s calls per probe, %s of %s ok)\n' "" \
      "$(field diagnose_us)" "$(calc "100 * $(field diagnose_us) / $per")" \
      "$(field diagnoses_per_probe)" "$(field ok)" "$(field probes)"
  done
else
  echo "no $probe_bench (build with -DTRUSTCTL_BENCH=ON): no client CPU rows"
fi
if [ "$mode" = all ]; then
  probe_bench_ldap
fi
