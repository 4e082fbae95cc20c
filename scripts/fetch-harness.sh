#!/usr/bin/env bash
# Fetch the kselftest harness headers (kselftest_harness.h, kselftest.h) from
# Debian's linux-source package into "$KP_CACHE/ksft/include" and print that
# directory. They are not vendored: the tests build against the copy shipped
# in the distribution's kernel source package.
#
#   scripts/fetch-harness.sh            -> prints <KP_CACHE>/ksft/include
#
# KP_CACHE         cache root (default: <repo>/.cache, git-ignored)
# KP_KSFT_SERIES   linux-source series to take the harness from (default 6.1,
#                  the host's release: apt-cache policy linux-source-6.1)
#
# Only the two headers are taken out of the source tarball (tar member names),
# and only they are kept: a second run finds them and downloads nothing.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${KP_CACHE:-$repo/.cache}
series=${KP_KSFT_SERIES:-6.1}
pkg=linux-source-$series
dest=$cache/ksft
inc=$dest/include
headers=(kselftest_harness.h kselftest.h)

log() { echo "fetch-harness: $*" >&2; }
die() { log "$*"; exit 1; }

have_headers()
{
	local h

	for h in "${headers[@]}"; do
		[ -s "$inc/$h" ] || return 1
	done
}

if have_headers; then
	echo "$inc"
	exit 0
fi

command -v dpkg-deb >/dev/null || die "dpkg-deb not found (Debian host expected)"
mkdir -p "$dest"
# One fetch at a time (parallel builds for several releases); the winner's copy serves all.
exec 9>"$dest/.lock"
flock 9
if have_headers; then
	echo "$inc"
	exit 0
fi
work=$(mktemp -d "$dest/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT

log "downloading $pkg (apt-get download)"
# Downloading into a private dir as root: no _apt sandbox user (it could not write here).
if ! (cd "$work" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2); then
	die "apt-get download $pkg failed (run 'apt-get update';" \
		"apt-cache policy $pkg must show a candidate)"
fi
deb=$(find "$work" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
[ -n "$deb" ] || die "apt-get download left no ${pkg}_*.deb"

# The .deb holds usr/src/linux-source-<series>.tar.xz; stream it out and take
# only the two members from it, without unpacking the tree.
members=()
for h in "${headers[@]}"; do
	members+=("$pkg/tools/testing/selftests/$h")
done
log "extracting ${headers[*]} from $(basename "$deb")"
dpkg-deb --fsys-tarfile "$deb" |
	tar -xOf - "./usr/src/$pkg.tar.xz" |
	tar -xJf - -C "$work" "${members[@]}" ||
	die "could not extract ${members[*]} from $deb"

mkdir -p "$work/include"
for h in "${headers[@]}"; do
	[ -s "$work/$pkg/tools/testing/selftests/$h" ] || die "$h missing in $deb"
	mv "$work/$pkg/tools/testing/selftests/$h" "$work/include/$h"
done
basename "$deb" >"$work/include/SOURCE"

# Replace the include dir in one step so a concurrent reader never sees half of it.
rm -rf "$inc"
mv "$work/include" "$inc"
log "cached in $inc"
echo "$inc"
