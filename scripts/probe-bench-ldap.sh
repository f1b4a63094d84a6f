# The LDAP half of scripts/probe-bench.sh (sourced from it, in its work folder, after
# trustctl_bench_pki and the bench connector): one slapd (GnuTLS) serving chain.pem on an
# ldaps:// and an ldap:// port, then side by side in one run:
#   - trustctl probing N ldaps:// and N ldap:// (StartTLS) targets (8 LDAP workers),
#   - the same N root DSE reads by `ldapsearch` in a loop (ldaps, and -ZZ for StartTLS),
#   - the latency of one probe alone (median elapsed_seconds of M single-target runs) next to
#     one ldapsearch (median wall time, process start included),
#   - slapd's own handshake capacity: 4 `openssl s_time -new` clients against ldaps for 5 s.
# Needs: measure, calc, $trustctl, $n, $work (from probe-bench.sh).

SLAPD_PID=
bench_slapd_stop() {
  [ -n "$SLAPD_PID" ] || return 0
  kill "$SLAPD_PID" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$SLAPD_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$SLAPD_PID" 2>/dev/null || true
  wait "$SLAPD_PID" 2>/dev/null || true
  SLAPD_PID=
}

# bench_slapd_start LDAP_PORT LDAPS_PORT: slapd in the foreground (background job), as in
# /work/shared/notes/slapd-tls.md; waits (bounded) until ldaps answers.
bench_slapd_start() {
  local lport=$1 sport=$2 d=$work/slapd
  mkdir -p "$d/slapd.d" "$d/db"
  trustctl_slapd_ldif "$d/slapd.pid" "$work/chain.pem" "$work/leaf.key" "$work/root.pem" "$d/db" \
    "dc=example,dc=test" "olcRootDN: cn=admin,dc=example,dc=test
olcRootPW: secret" >"$d/config.ldif"
  slapadd -n 0 -F "$d/slapd.d" -l "$d/config.ldif" >"$d/slapadd.log" 2>&1
  slapd -d 0 -F "$d/slapd.d" -h "ldap://127.0.0.1:$lport/ ldaps://127.0.0.1:$sport/" \
    >"$d/slapd.log" 2>&1 &
  SLAPD_PID=$!
  for _ in $(seq 100); do
    LDAPTLS_CACERT=$work/root.pem ldapsearch -x -LLL -H "ldaps://127.0.0.1:$sport" -b "" -s base \
      1.1 >/dev/null 2>&1 && return 0
    kill -0 "$SLAPD_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$d/slapd.log" >&2
  echo "slapd did not start" >&2
  return 1
}

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# single_latency URL M: median elapsed_seconds (ms) of M one-target probes.
single_latency() {
  local url=$1 m=$2
  for _ in $(seq "$m"); do
    "$trustctl" probe --connector bench --json --no-system-catalog --timeout 30 "$url" |
      awk -F': ' '/"elapsed_seconds"/ { gsub(/[ ,]/, "", $2); print $2 * 1000 }'
  done | median
}

# ldapsearch_latency M ARGS...: median wall ms of M ldapsearch runs.
ldapsearch_latency() {
  local m=$1
  shift
  for _ in $(seq "$m"); do
    local t0 t1
    t0=$(date +%s%N)
    LDAPTLS_CACERT=$work/root.pem ldapsearch -x -LLL "$@" -b "" -s base supportedLDAPVersion \
      namingContexts >/dev/null 2>&1
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000))
  done | median | awk '{ print $1 / 1000 }'
}

probe_bench_ldap() {
  local lport=$((30000 + RANDOM % 20000)) sport m=${TRUSTCTL_BENCH_LATENCY_RUNS:-21}
  sport=$((lport + 1))
  bench_slapd_start "$lport" "$sport"
  local ldaps=() starttls=() i
  for i in $(seq "$n"); do
    ldaps+=("ldaps://127.0.0.1:$sport")
    starttls+=("ldap://127.0.0.1:$lport")
  done
  local r=()
  r+=("$(measure trustctl-ldaps "$trustctl" probe --connector bench --json --no-system-catalog --timeout 30 "${ldaps[@]}")")
  r+=("$(measure trustctl-starttls "$trustctl" probe --connector bench --json --no-system-catalog --timeout 30 "${starttls[@]}")")
  local ok_ldaps ok_starttls
  ok_ldaps=$("$trustctl" probe --connector bench --json --no-system-catalog --timeout 30 "${ldaps[@]}" | grep -c '"verdict":"ok"' || true)
  ok_starttls=$("$trustctl" probe --connector bench --json --no-system-catalog --timeout 30 "${starttls[@]}" | grep -c '"verdict":"ok"' || true)
  cat >ldapsearch.sh <<EOS
export LDAPTLS_CACERT=$work/root.pem
for i in \$(seq $n); do ldapsearch -x -LLL -H "\$1" \${2:-} -b "" -s base supportedLDAPVersion namingContexts >/dev/null 2>&1; done
EOS
  r+=("$(measure ldapsearch-ldaps bash ldapsearch.sh "ldaps://127.0.0.1:$sport")")
  r+=("$(measure ldapsearch-ZZ bash ldapsearch.sh "ldap://127.0.0.1:$lport" -ZZ)")
  local lat_ldaps lat_starttls lat_search lat_search_zz
  lat_ldaps=$(single_latency "ldaps://127.0.0.1:$sport" "$m")
  lat_starttls=$(single_latency "ldap://127.0.0.1:$lport" "$m")
  lat_search=$(ldapsearch_latency "$m" -H "ldaps://127.0.0.1:$sport")
  lat_search_zz=$(ldapsearch_latency "$m" -H "ldap://127.0.0.1:$lport" -ZZ)
  rm -f stime.*
  for c in 1 2 3 4; do
    openssl s_time -connect "127.0.0.1:$sport" -new -time 5 -CAfile root.pem >stime.$c 2>&1 &
  done
  wait $(jobs -p | grep -v -e "^$SLAPD_PID$" -e "^${nginx_pid:-none}$") 2>/dev/null || true
  local ceiling
  ceiling=$(cat stime.* | awk '/connections in .* real seconds/ {n += $1} END {printf "%.0f", n / 5}')
  bench_slapd_stop

  echo
  echo "Probing $n LDAPS and $n StartTLS targets on 127.0.0.1 (slapd, GnuTLS), $(nproc) cores:"
  printf '%-18s %9s %10s %12s %10s\n' tool "wall s" "per s" "client CPU s" "peak MiB"
  for x in "${r[@]}"; do
    read -r label wall cpu rss <<<"$x"
    printf '%-18s %9.2f %10.0f %12.2f %10s\n' "$label" "$wall" "$(calc "$n / $wall")" "$cpu" "$rss"
  done
  printf '%-18s %9s %10s\n' "s_time ceiling" "-" "$ceiling"
  local t_l t_s s_l s_s
  read -r _ t_l _ _ <<<"${r[0]}"
  read -r _ t_s _ _ <<<"${r[1]}"
  read -r _ s_l _ _ <<<"${r[2]}"
  read -r _ s_s _ _ <<<"${r[3]}"
  echo
  printf 'one probe alone, median of %s: ldaps %.1f ms, StartTLS %.1f ms (elapsed_seconds)\n' "$m" "$lat_ldaps" "$lat_starttls"
  printf 'one ldapsearch, median of %s:  ldaps %.1f ms, -ZZ %.1f ms (wall, process start included)\n' "$m" "$lat_search" "$lat_search_zz"
  printf 'trustctl ldaps / ldapsearch loop time ratio:     %.3f\n' "$(calc "$t_l / $s_l")"
  printf 'trustctl StartTLS / ldapsearch -ZZ time ratio:   %.3f\n' "$(calc "$t_s / $s_s")"
  printf 'trustctl ldaps rate / slapd handshake ceiling:   %.2f\n' "$(calc "$n / $t_l / $ceiling")"
  printf 'one-probe latency / one ldapsearch (ldaps, ZZ):  %.2f, %.2f\n' "$(calc "$lat_ldaps / $lat_search")" "$(calc "$lat_starttls / $lat_search_zz")"
  echo "targets diagnosed ok by trustctl: ldaps $ok_ldaps of $n, StartTLS $ok_starttls of $n"
}
