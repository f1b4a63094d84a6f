#!/usr/bin/env bash
# The installed systemd unit is a notify service with a watchdog that runs as the user
# trustctl with the store readable by group trustctl, is hardened to an exposure of 2.5 or
# better by `systemd-analyze security`, and passes `systemd-analyze verify`.
# Usage: systemd_unit_test.sh BUILD_DIR
set -euo pipefail
build_dir=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
root=$work/root
DESTDIR=$root cmake --install "$build_dir" --prefix /usr >/dev/null
unit=$root/usr/lib/systemd/system/trustctl-agent.service
[ -f "$unit" ] || fail "no unit installed"

for line in Type=notify NotifyAccess=main WatchdogSec=60s RestartPreventExitStatus=2 \
  User=trustctl Group=trustctl StateDirectory=trustctl StateDirectoryMode=2750 UMask=0027 \
  NoNewPrivileges=yes ProtectSystem=strict CapabilityBoundingSet= \
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX'; do
  grep -qx -- "$line" "$unit" || fail "the unit lacks '$line'"
done

# --offline judges the file itself, not a loaded unit (this machine need not run systemd).
report=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1) || fail "$report"
score=$(sed -n 's/.*Overall exposure level for trustctl-agent.service: \([0-9.]*\).*/\1/p' <<<"$report")
[ -n "$score" ] || fail "no exposure score in: $report"
echo "exposure: $score"
awk -v s="$score" 'BEGIN { exit !(s <= 2.5) }' || { echo "$report"; fail "exposure $score is above 2.5"; }

# verify checks that ExecStart exists and Documentation= resolves: point it at the installed
# binary and man page (the unit names /usr/bin/trustctl, which this machine need not have).
mkdir -p "$work/verify"
sed "s|^ExecStart=/usr/bin/trustctl |ExecStart=$root/usr/bin/trustctl |" "$unit" \
  >"$work/verify/trustctl-agent.service"
out=$(MANPATH=$root/usr/share/man systemd-analyze verify "$work/verify/trustctl-agent.service" 2>&1) ||
  fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify warns: $out"
echo "systemd unit: ok"
