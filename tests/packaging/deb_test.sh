#!/usr/bin/env bash
# scripts/package.sh builds a .deb that lintian passes without errors, and that installs into a
# scratch root (dpkg --root, maintainer scripts run chrootless with DPKG_ROOT): it creates the
# user and group trustctl, the store /var/lib/trustctl 2750 trustctl:trustctl and /etc/trustctl
# 2750 root:trustctl, enables no service, and its trustctl runs; remove and purge work.
# Usage: deb_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

deb=$(bash "$source_dir/scripts/package.sh" --build-dir "$build_dir" --out "$work/out" | tail -1)
[ -f "$deb" ] || fail "package.sh printed no .deb: $deb"
dpkg-deb --info "$deb" >"$work/info"
grep -q '^ Package: trustctl$' "$work/info" || fail "not the trustctl package"
grep -q '^ Depends: .*libssl3' "$work/info" || fail "Depends lacks the shared libraries: $(grep Depends "$work/info")"
dpkg-deb --contents "$deb" >"$work/contents"
for f in ./usr/bin/trustctl ./usr/lib/systemd/system/trustctl-agent.service \
  ./usr/share/man/man1/trustctl.1.gz ./usr/share/doc/trustctl/copyright \
  ./usr/share/doc/trustctl/changelog.gz ./usr/share/bash-completion/completions/trustctl; do
  grep -q " $f\$" "$work/contents" || fail "the package lacks $f"
done
if grep -q "root/root.*/etc/systemd/system/.*wants" "$work/contents"; then
  fail "the package enables a unit itself"
fi

# Lintian: no errors (warnings are printed for the record).
lintian --tag-display-limit 0 "$deb" >"$work/lintian" 2>&1 || true
cat "$work/lintian"
if grep -q '^E: ' "$work/lintian"; then
  fail "lintian reports errors"
fi

# Install into a scratch root: the maintainer scripts see DPKG_ROOT and work inside it.
root=$work/root
mkdir -p "$root/etc" "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
dpkg_root() {
  dpkg --root="$root" --admindir="$root/var/lib/dpkg" --force-script-chrootless \
    --force-depends --force-not-root --log=/dev/null "$@"
}
dpkg_root -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i into the scratch root failed"; }
uid=$(awk -F: '$1 == "trustctl" { print $3 }' "$root/etc/passwd")
gid=$(awk -F: '$1 == "trustctl" { print $3 }' "$root/etc/group")
{ [ -n "$uid" ] && [ -n "$gid" ]; } || fail "no user/group trustctl in the scratch root"
[ "$uid" -lt 1000 ] || fail "trustctl is not a system user (uid $uid)"
[ "$(stat -c '%a %u %g' "$root/var/lib/trustctl")" = "2750 $uid $gid" ] ||
  fail "store is $(stat -c '%a %u %g' "$root/var/lib/trustctl"), want 2750 $uid $gid"
[ "$(stat -c '%a %u %g' "$root/etc/trustctl")" = "2750 0 $gid" ] ||
  fail "/etc/trustctl is $(stat -c '%a %u %g' "$root/etc/trustctl"), want 2750 0 $gid"
[ ! -e "$root/etc/systemd/system/multi-user.target.wants/trustctl-agent.service" ] ||
  fail "the package enabled the agent"
grep -q "^trustctl " <<<"$("$root/usr/bin/trustctl" --version)" || fail "the installed trustctl does not run"

dpkg_root -r trustctl >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -r failed"; }
[ ! -e "$root/usr/bin/trustctl" ] || fail "remove left the binary"
dpkg_root -P trustctl >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -P failed"; }
[ ! -e "$root/etc/trustctl" ] || fail "purge left an empty /etc/trustctl"
[ -d "$root/var/lib/trustctl" ] || fail "purge removed the store (it is kept on purpose)"
echo "deb: ok"
