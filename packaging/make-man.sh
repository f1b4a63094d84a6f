#!/usr/bin/env bash
# Builds trustctl(1) from the binary's own --help, so the manual cannot drift from the CLI:
# help2man turns the top-level help into NAME/SYNOPSIS/OPTIONS, and every subcommand's --help
# (groups such as `connector` and `store` included) becomes a section of COMMANDS.
# Usage: make-man.sh TRUSTCTL VERSION STATIC_SECTIONS OUT
set -euo pipefail
trustctl=$1
version=$2
static=$3
out=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The date in the manual's header is the last commit's, so a rebuild gives the same file.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$(dirname "$0")" log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

# The binary as `trustctl`: CLI11 prints argv[0] in every "Usage:" line.
tc() { (exec -a trustctl "$trustctl" "$@"); }

# The names listed under "Subcommands:" in a help text.
subcommands() {
  awk '/^Subcommands:/ { in_list = 1; next } in_list && /^  [a-z]/ { print $1; next } in_list { exit }'
}

# Help text as roff: no-fill, and backslashes and leading dots/quotes made literal.
as_roff() {
  printf '.nf\n'
  sed -e 's/\\/\\e/g' -e 's/^\([.'"'"']\)/\\\&\1/'
  printf '.fi\n'
}

{
  cat "$static"
  printf '[COMMANDS]\n'
  printf 'Every command prints this text with \\fB\\-\\-help\\fR.\n'
  for cmd in $(tc --help | subcommands); do
    help=$(tc "$cmd" --help)
    printf '.SS "trustctl %s"\n' "$cmd"
    printf '%s\n' "$help" | as_roff
    for sub in $(printf '%s\n' "$help" | subcommands); do
      printf '.SS "trustctl %s %s"\n' "$cmd" "$sub"
      tc "$cmd" "$sub" --help | as_roff
    done
  done
} >"$work/include.h2m"

# --version-string: the manual's version line is trustctl's alone, not the library lines
# --version also prints.
help2man --no-info --no-discard-stderr --section=1 --version-string="$version" \
  --name="certificate library and explicit trust stores for integration connectors" \
  --include="$work/include.h2m" --output="$work/trustctl.1" "$trustctl"
mv "$work/trustctl.1" "$out"
