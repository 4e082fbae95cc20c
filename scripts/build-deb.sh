#!/usr/bin/env bash
# `make deb`: kpromoted-dkms and kpromotedctl .debs, built with dh-dkms inside the bookworm
# chroot (its debhelper, not the host's), checked with lintian (errors and warnings fail the
# build) and for the man pages, bash completion and examples they must hold.
# With --install-check, each release's chroot then installs kpromoted-dkms_*.deb with apt,
# which must build the module for that chroot's kernel headers (DKMS autoinstall).
# Result: $KP_CACHE/out/packages/*.deb
# Usage: scripts/build-deb.sh [--install-check [RELEASE ...]]
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

BUILD_REL=bookworm
kp_load_release_env "$BUILD_REL"
version=$(cat "$KP_ROOT/VERSION")
PKGOUT=$KP_CACHE/out/packages
LOG=$KP_CACHE/logs/deb.log
mkdir -p "$PKGOUT" "$KP_CACHE/logs"
: >"$LOG"
step() { echo "build-deb: $*"; }
in_chroot() { kp_chroot "$KP_CHROOT" "$@"; }
run() { # run CMD...: in the build chroot, output to the log, its tail on failure
	echo "+ $*" >>"$LOG"
	if ! in_chroot "$@" >>"$LOG" 2>&1; then
		tail -n 30 "$LOG" | sed 's/^/  | /' >&2
		kp_die "build-deb: '$*' failed; log: $LOG"
	fi
}

(
	kp_lock_release "$BUILD_REL"
	need=()
	for p in build-essential debhelper dh-dkms libkmod-dev pkgconf lintian fakeroot; do
		in_chroot dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep '^install ok installed' >/dev/null ||
			need+=("$p")
	done
	if [[ ${#need[@]} -gt 0 ]]; then
		step "installing ${need[*]} in the $BUILD_REL chroot"
		run apt-get install -y "${need[@]}"
	fi
	src=/build/deb/kpromoted-$version
	rm -rf --one-file-system "$KP_CHROOT/build/deb"
	mkdir -p "$KP_CHROOT$src"
	for f in Kbuild Makefile VERSION dkms.conf README.md docs src include tools packaging; do
		cp -a "$KP_ROOT/$f" "$KP_CHROOT$src/"
	done
	cp -a "$KP_ROOT/packaging/debian" "$KP_CHROOT$src/debian"
	# Nothing built in the working tree may leak into the package.
	find "$KP_CHROOT$src" \( -name '*.o' -o -name '*.ko' -o -name '*.cmd' -o -name '*.mod*' \) -delete
	rm -f "$KP_CHROOT$src/tools/kpromotedctl/kpromotedctl"
	step "dpkg-buildpackage in the $BUILD_REL chroot"
	run sh -c "cd $src && dpkg-buildpackage -us -uc -b"
	step "lintian"
	echo "+ lintian" >>"$LOG"
	in_chroot sh -c "cd /build/deb && lintian --tag-display-limit 0 *.changes" >"$KP_CACHE/logs/lintian.log" 2>&1 || true
	sed 's/^/  lintian: /' "$KP_CACHE/logs/lintian.log"
	if grep -q '^[EW]: ' "$KP_CACHE/logs/lintian.log"; then
		kp_die "build-deb: lintian reports errors or warnings"
	fi
	# What the packages must hold besides the program and the module source.
	for want in kpromotedctl:./usr/share/man/man8/kpromotedctl.8.gz \
		kpromotedctl:./usr/share/bash-completion/completions/kpromotedctl \
		kpromotedctl:./usr/share/doc/kpromotedctl/examples/prometheus/kpromoted-textfile.timer \
		kpromotedctl:./usr/share/doc/kpromotedctl/examples/modprobe.d/kpromoted.conf \
		kpromoted-dkms:./usr/share/man/man4/kpromoted.4.gz; do
		in_chroot sh -c "dpkg -c /build/deb/${want%%:*}_*.deb" | awk '{ print $6 }' |
			grep -x "${want#*:}" >/dev/null || kp_die "build-deb: ${want%%:*} lacks ${want#*:}"
	done
	rm -f "$PKGOUT"/*.deb
	cp "$KP_CHROOT"/build/deb/*.deb "$PKGOUT/"
)
step "$(cd "$PKGOUT" && ls ./*.deb | tr '\n' ' ')in $PKGOUT (lintian: $(grep -c '^E: ' "$KP_CACHE/logs/lintian.log" || true) errors, $(grep -c '^W: ' "$KP_CACHE/logs/lintian.log" || true) warnings)"

[[ ${1:-} == --install-check ]] || exit 0
shift
releases=("$@")
[[ ${#releases[@]} -gt 0 ]] || read -r -a releases <<<"$KP_ALL_RELEASES"
for rel in "${releases[@]}"; do
	(
		kp_load_release_env "$rel"
		kp_lock_release "$rel"
		ilog=$KP_CACHE/logs/deb-install-$rel.log
		deb=$(cd "$PKGOUT" && ls kpromoted-dkms_*.deb)
		cp "$PKGOUT/$deb" "$KP_CHROOT/tmp/$deb"
		# Whatever dkms-build.sh registered goes first, so the package's postinst does the work.
		kp_chroot "$KP_CHROOT" sh -c 'for v in $(ls /var/lib/dkms/kpromoted 2>/dev/null | grep -v "^source$"); do
			dkms remove -m kpromoted -v "$v" --all; done; rm -rf /usr/src/kpromoted-*' >"$ilog" 2>&1 || true
		rc=0
		kp_chroot "$KP_CHROOT" apt-get install -y "/tmp/$deb" >>"$ilog" 2>&1 || rc=$?
		status=$(kp_chroot "$KP_CHROOT" dkms status -m kpromoted -k "$KP_KVER" 2>&1 || true)
		ko=$(kp_chroot "$KP_CHROOT" sh -c "ls /lib/modules/$KP_KVER/updates/dkms/kpromoted.ko* 2>/dev/null" || true)
		kp_chroot "$KP_CHROOT" apt-get purge -y kpromoted-dkms >>"$ilog" 2>&1 || true
		if [[ $rc -ne 0 || $status != *installed* || -z $ko ]]; then
			tail -n 20 "$ilog" | sed 's/^/  | /' >&2
			kp_die "build-deb: apt install ./$deb in $rel did not build the module for $KP_KVER (log: $ilog)"
		fi
		echo "build-deb: $rel: apt install ./$deb -> $status ($ko); purged again"
	)
done
