#!/usr/bin/env bash
# `cmake --install` into a DESTDIR puts everything the agent needs to run as a service in its
# place: the binary, the systemd unit naming that binary, the sysusers.d and tmpfiles.d files,
# the example config, a man page generated from the CLI's help, and bash completion that
# completes commands, options and names from a store.
# Usage: install_layout_test.sh BUILD_DIR
set -euo pipefail
build_dir=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
root=$work/root
DESTDIR=$root cmake --install "$build_dir" --prefix /usr >/dev/null

for f in usr/bin/trustctl usr/lib/systemd/system/trustctl-agent.service \
  usr/lib/sysusers.d/trustctl.conf usr/lib/tmpfiles.d/trustctl.conf \
  usr/share/doc/trustctl/examples/trustctl.toml usr/share/man/man1/trustctl.1 \
  usr/share/bash-completion/completions/trustctl; do
  [ -f "$root/$f" ] || fail "cmake --install did not install $f"
done
unit=$root/usr/lib/systemd/system/trustctl-agent.service
grep -qx 'ExecStart=/usr/bin/trustctl --store /var/lib/trustctl agent --config /etc/trustctl/trustctl.toml' "$unit" ||
  fail "the unit does not start the installed binary: $(grep ExecStart= "$unit")"
grep -q '^u trustctl ' "$root/usr/lib/sysusers.d/trustctl.conf" || fail "sysusers.d does not create trustctl"
grep -q '^d /var/lib/trustctl 2750 trustctl trustctl' "$root/usr/lib/tmpfiles.d/trustctl.conf" ||
  fail "tmpfiles.d does not make the store 2750 trustctl:trustctl"

# The man page renders, and documents every command the binary has.
man=$root/usr/share/man/man1/trustctl.1
text=$(MANWIDTH=100 man -l "$man" 2>"$work/man.err") || fail "man -l failed: $(cat "$work/man.err")"
[ ! -s "$work/man.err" ] || fail "man warns: $(cat "$work/man.err")"
for section in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS "EXIT STATUS" FILES; do
  grep -q "^$section" <<<"$text" || fail "man page has no $section section"
done
bin=$root/usr/bin/trustctl
for cmd in $("$bin" --help | awk '/^Subcommands:/ {s=1; next} s && /^  [a-z]/ {print $1; next} s {exit}'); do
  grep -q "trustctl $cmd" <<<"$text" || fail "man page does not document '$cmd'"
done
grep -q "trustctl connector create" <<<"$text" || fail "man page lacks the connector subcommands"

# Bash completion, driven the way bash drives it. Its output is captured before grep -q reads
# it: under pipefail, grep -q quitting at the first match would fail the writer with SIGPIPE.
complete_words() {
  (
    # shellcheck disable=SC1090,SC1091
    source "$root/usr/share/bash-completion/completions/trustctl"
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _trustctl
    printf '%s\n' "${COMPREPLY[@]}"
  )
}
store=$work/store
"$bin" --store "$store" connector create billing-api >/dev/null
[ "$(complete_words "$bin" lis)" = list ] || fail "'lis' does not complete to list"
[ "$(complete_words "$bin" connector cr)" = create ] || fail "'connector cr' does not complete to create"
grep -qx -- --password-file <<<"$(complete_words "$bin" import --pass)" || fail "import options not completed"
[ "$(complete_words "$bin" --store "$store" connector trust bil)" = billing-api ] ||
  fail "connector names are not completed from --store"
grep -qx capath <<<"$(complete_words "$bin" connector path billing-api --file ca)" || fail "--file kinds not completed"
echo "install layout: ok"
