# The proxied row of scripts/probe-bench.sh (sourced; uses its $trustctl, $probe, $urls,
# $rounds, measure and median_run): the same N targets probed through a local tinyproxy
# (plain CONNECT) and directly, alternated, the median of each, and the rate ratio. Issue 14
# asks for the proxied rate within 20 % of the direct one.

probe_bench_proxy() {
  local proxy_port=$((port + 3)) conf=$work/tinyproxy.conf proxy_pid p_runs=() d_runs=() c_runs=()
  printf 'Port %s\nListen 127.0.0.1\nTimeout 60\nMaxClients 1024\nAllow 127.0.0.1\nLogLevel Warning\nDisableViaHeader Yes\n' \
    "$proxy_port" >"$conf"
  tinyproxy -d -c "$conf" >"$work/tinyproxy.log" 2>&1 &
  proxy_pid=$!
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$proxy_port") 2>/dev/null && break
    sleep 0.1
  done
  for _ in $(seq "$rounds"); do
    p_runs+=("$(measure trustctl-proxied "${probe[@]}" --proxy "http://127.0.0.1:$proxy_port" "${urls[@]}")")
    d_runs+=("$(measure trustctl-direct "${probe[@]}" --proxy none "${urls[@]}")")
    # The proxy's own ceiling: curl through the same tinyproxy.
    c_runs+=("$(measure curl-proxied "${curl_parallel[@]}" --cacert root.pem \
      --proxy "http://127.0.0.1:$proxy_port" -K curl.cfg)")
  done
  local proxied direct curl_proxied
  proxied=$(median_run "${p_runs[@]}")
  direct=$(median_run "${d_runs[@]}")
  curl_proxied=$(median_run "${c_runs[@]}")
  "${probe[@]}" --proxy "http://127.0.0.1:$proxy_port" "${urls[@]}" >out-proxied.json || true
  kill "$proxy_pid" 2>/dev/null && wait "$proxy_pid" 2>/dev/null
  echo
  echo "Through a proxy: the same $n targets via tinyproxy (plain CONNECT, 127.0.0.1) and direct"
  echo "(median of $rounds alternated runs):"
  printf '%-16s %9s %10s %12s %10s\n' tool "wall s" "per s" "client CPU s" "peak MiB"
  local r label wall cpu rss
  for r in "$proxied" "$direct" "$curl_proxied"; do
    read -r label wall cpu rss <<<"$r"
    printf '%-16s %9.2f %10.0f %12.2f %10s\n' "$label" "$wall" "$(calc "$n / $wall")" "$cpu" "$rss"
  done
  read -r _ p_wall _ _ <<<"$proxied"
  read -r _ d_wall _ _ <<<"$direct"
  read -r _ c_wall _ _ <<<"$curl_proxied"
  printf 'proxied / direct rate ratio: %.2f (issue 14: at least 0.80)\n' "$(calc "$d_wall / $p_wall")"
  printf 'trustctl / curl --parallel through the same proxy, time ratio: %.2f\n' \
    "$(calc "$p_wall / $c_wall")"
  echo "diagnoses through the proxy: $(verdicts out-proxied.json)"
}
