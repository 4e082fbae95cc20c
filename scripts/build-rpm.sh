#!/usr/bin/env bash
# `make rpm`: the kpromoted-dkms noarch rpm from packaging/rpm/kpromoted-dkms.spec, built
# with Debian's rpmbuild inside the bookworm chroot (the host's apt state stays as it is).
# Result: $KP_CACHE/out/packages/kpromoted-dkms-VERSION-1.noarch.rpm
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

BUILD_REL=bookworm
kp_load_release_env "$BUILD_REL"
version=$(cat "$KP_ROOT/VERSION")
PKGOUT=$KP_CACHE/out/packages
LOG=$KP_CACHE/logs/rpm.log
mkdir -p "$PKGOUT" "$KP_CACHE/logs"
: >"$LOG"
kp_lock_release "$BUILD_REL"
in_chroot() { kp_chroot "$KP_CHROOT" "$@"; }
run() {
	echo "+ $*" >>"$LOG"
	if ! in_chroot "$@" >>"$LOG" 2>&1; then
		tail -n 30 "$LOG" | sed 's/^/  | /' >&2
		kp_die "build-rpm: '$*' failed; log: $LOG"
	fi
}
in_chroot sh -c 'command -v rpmbuild' >/dev/null 2>&1 || run apt-get install -y rpm

top=/build/rpm
rm -rf --one-file-system "$KP_CHROOT$top"
mkdir -p "$KP_CHROOT$top"/{SOURCES,SPECS,BUILD,RPMS,SRPMS} "$KP_CHROOT$top/kpromoted-$version"
for f in Kbuild Makefile VERSION dkms.conf README.md docs src include packaging; do
	cp -a "$KP_ROOT/$f" "$KP_CHROOT$top/kpromoted-$version/"
done
find "$KP_CHROOT$top/kpromoted-$version" \( -name '*.o' -o -name '*.ko' -o -name '*.cmd' -o -name '*.mod*' \) -delete
tar -C "$KP_CHROOT$top" -czf "$KP_CHROOT$top/SOURCES/kpromoted-$version.tar.gz" "kpromoted-$version"
cp "$KP_ROOT/packaging/rpm/kpromoted-dkms.spec" "$KP_CHROOT$top/SPECS/"
# --nodeps: dkms and kernel-devel are the target's requirements, not this builder's.
run rpmbuild -bb --nodeps --define "_topdir $top" --define "kp_version $version" \
	"$top/SPECS/kpromoted-dkms.spec"
rpm=$(cd "$KP_CHROOT$top/RPMS/noarch" && ls kpromoted-dkms-*.rpm)
cp "$KP_CHROOT$top/RPMS/noarch/$rpm" "$PKGOUT/"
files=$(in_chroot rpm -qlp "$top/RPMS/noarch/$rpm" 2>/dev/null | grep -c . || true)
in_chroot rpm -qlp "$top/RPMS/noarch/$rpm" 2>/dev/null | grep "/usr/src/kpromoted-$version/dkms.conf" >/dev/null ||
	kp_die "build-rpm: $rpm lacks /usr/src/kpromoted-$version/dkms.conf"
in_chroot rpm -qlp "$top/RPMS/noarch/$rpm" 2>/dev/null | grep "/man4/kpromoted\.4" >/dev/null ||
	kp_die "build-rpm: $rpm lacks the man page kpromoted(4)"
echo "build-rpm: $PKGOUT/$rpm ($files files)"
