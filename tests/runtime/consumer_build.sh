#!/usr/bin/env bash
# Installs trustctl into a temporary prefix and builds the example connector against it twice,
# as a user would: with find_package(trustctl) and with pkg-config. Then runs both binaries
# against a store made by the installed trustctl.
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build_dir" --prefix "$prefix" >/dev/null

echo "== find_package(trustctl)"
cmake -S "$source_dir/examples/connector" -B "$work/cmake-build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/cmake-build" >/dev/null

echo "== pkg-config trustctl-runtime"
pc_dir=$(dirname "$(find "$prefix" -name trustctl-runtime.pc)")
flags=$(PKG_CONFIG_PATH=$pc_dir pkg-config --cflags --libs trustctl-runtime)
# shellcheck disable=SC2086
c++ -std=c++17 "$source_dir/examples/connector/example_connector.cc" $flags -o "$work/pc-example"

echo "== both run against a store"
store=$work/store
"$prefix/bin/trustctl" --store "$store" connector create api >/dev/null
libdir=$(dirname "$(find "$prefix" -name 'libtrustctl-runtime.so' | head -1)")
"$work/cmake-build/trustctl-example-connector" --store "$store" --connector api --stdin </dev/null
LD_LIBRARY_PATH=$libdir "$work/pc-example" --store "$store" --connector api --stdin </dev/null
set +e
"$work/cmake-build/trustctl-example-connector" --store "$store" --connector nope --stdin </dev/null 2>"$work/err"
rc=$?
set -e
[[ $rc == 2 ]] && grep -q "connector 'nope' is not in the store" "$work/err"
# Only the runtime API is exported, not the truststore code linked inside.
exported=$(nm -DC --defined-only "$libdir/libtrustctl-runtime.so")
if grep -q "trustctl::truststore::" <<<"$exported"; then
  echo "libtrustctl-runtime.so exports truststore symbols" >&2
  exit 1
fi
echo "consumer builds: ok"
