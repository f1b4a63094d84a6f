#!/usr/bin/env bash
# Builds the Debian package trustctl_VERSION_ARCH.deb from the CMake install tree: the CLI and
# agent, the systemd unit (installed, not enabled or started), sysusers.d/tmpfiles.d files for
# the user trustctl and the store, man page, bash completion, example config, and maintainer
# scripts that create the user and folders. The runtime library and its headers are not in
# this package (connectors build against `cmake --install`).
# Usage: scripts/package.sh [--build-dir DIR] [--out DIR]
#   --build-dir DIR  package an existing build (any prefix: it is installed with --prefix /usr);
#                    default: configure and build build/package (Release, prefix /usr)
#   --out DIR        where the .deb goes (default build/deb); its path is printed last
set -euo pipefail
source "$(dirname "$0")/lib.sh"

build_dir=""
out_dir=$TRUSTCTL_ROOT/build/deb
while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build_dir=$(realpath -e -- "$2"); shift 2 ;;
    --out) out_dir=$2; shift 2 ;;
    *) echo "usage: $0 [--build-dir DIR] [--out DIR]" >&2; exit 2 ;;
  esac
done
packaging=$TRUSTCTL_ROOT/packaging
for tool in dpkg-deb dpkg-shlibdeps strip gzip; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is missing (apt-get install dpkg-dev binutils)" >&2; exit 3; }
done

if [ -z "$build_dir" ]; then
  trustctl_install_packages "${TRUSTCTL_BUILD_PACKAGES[@]}"
  build_dir=$TRUSTCTL_ROOT/build/package
  mkdir -p "$TRUSTCTL_ROOT/build"
  trustctl_build "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
    -DTRUSTCTL_TESTS=OFF -DTRUSTCTL_BENCH=OFF
fi

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build_dir/CMakeCache.txt")
arch=$(dpkg --print-architecture)
changelog_version=$(sed -n '1s/^trustctl (\([^)]*\)).*/\1/p' "$packaging/debian/changelog")
if [ "$version" != "$changelog_version" ]; then
  echo "$0: project version $version but packaging/debian/changelog starts at $changelog_version;" \
    "add a changelog entry for $version" >&2
  exit 2
fi
maintainer=${TRUSTCTL_DEB_MAINTAINER:-$(git -C "$TRUSTCTL_ROOT" log -1 --format='%an <%ae>' 2>/dev/null || true)}
[ -n "$maintainer" ] || { echo "$0: set TRUSTCTL_DEB_MAINTAINER='Name <email>'" >&2; exit 2; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
DESTDIR=$stage/install cmake --install "$build_dir" --prefix /usr >/dev/null
[ -f "$stage/install/usr/share/man/man1/trustctl.1" ] ||
  { echo "$0: the build has no man page (install help2man and rebuild)" >&2; exit 3; }

# Only what the agent package holds is copied out of the install tree.
pkg=$stage/trustctl
keep=(usr/bin/trustctl usr/lib/systemd/system/trustctl-agent.service usr/lib/sysusers.d/trustctl.conf
  usr/lib/tmpfiles.d/trustctl.conf usr/share/man/man1/trustctl.1
  usr/share/bash-completion/completions/trustctl usr/share/doc/trustctl/examples/trustctl.toml)
for f in "${keep[@]}"; do
  install -D -m "$([ "$f" = usr/bin/trustctl ] && echo 0755 || echo 0644)" "$stage/install/$f" "$pkg/$f"
done
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$pkg/usr/bin/trustctl"
gzip -9n "$pkg/usr/share/man/man1/trustctl.1"
install -m 0644 "$packaging/debian/copyright" "$pkg/usr/share/doc/trustctl/copyright"
sed "s|@MAINTAINER@|$maintainer|" "$packaging/debian/changelog" | gzip -9n >"$pkg/usr/share/doc/trustctl/changelog.gz"
chmod 0644 "$pkg/usr/share/doc/trustctl/changelog.gz"

# Runtime dependencies from the binary's own needs (dpkg-shlibdeps wants a debian/control).
mkdir -p "$stage/shlibs/debian"
printf 'Source: trustctl\n\nPackage: trustctl\nArchitecture: any\n' >"$stage/shlibs/debian/control"
shlibs=$(cd "$stage/shlibs" && dpkg-shlibdeps -O "$pkg/usr/bin/trustctl" 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')

mkdir -p "$pkg/DEBIAN"
for script in postinst prerm postrm; do
  install -m 0755 "$packaging/debian/$script" "$pkg/DEBIAN/$script"
done
(cd "$pkg" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$pkg/DEBIAN/md5sums"
installed_size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@MAINTAINER@|$maintainer|" \
  -e "s|@INSTALLED_SIZE@|$installed_size|" -e "s|@SHLIBS@|$shlibs|" \
  "$packaging/debian/control.in" >"$pkg/DEBIAN/control"
chmod -R u=rwX,go=rX "$pkg"
chmod 0755 "$pkg"/DEBIAN/post* "$pkg"/DEBIAN/prerm

mkdir -p "$out_dir"
deb=$(realpath "$out_dir")/trustctl_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
echo "$deb"
