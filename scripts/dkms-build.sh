#!/usr/bin/env bash
# Build and install kpromoted with DKMS inside one release's chroot, as a user's machine
# does (dkms add/build/install against the release's stock linux-headers), and put the
# module DKMS built where the guest tests take it from: $KP_CACHE/out/RELEASE/kpromoted.ko.
# vm-check runs it after build-module.sh, so the guest suite tests the DKMS-built module.
# Usage: scripts/dkms-build.sh RELEASE
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

REL=${1:-}
kp_check_release "$REL"
kp_load_release_env "$REL"
SRC=${KP_SRC:-$KP_ROOT}
OUT=$KP_CACHE/out/$REL
LOG=$KP_CACHE/logs/dkms-$REL.log
version=$(cat "$SRC/VERSION" 2>/dev/null || echo 0.1.0)
mkdir -p "$OUT" "$KP_CACHE/logs"
kp_lock_release "$REL"

# The tree a package would put in /usr/src/kpromoted-VERSION, dkms.conf with this version.
usr_src=/usr/src/kpromoted-$version
rm -rf --one-file-system "$KP_CHROOT$usr_src"
mkdir -p "$KP_CHROOT$usr_src"
for f in Kbuild Makefile VERSION src include; do
	cp -a "$SRC/$f" "$KP_CHROOT$usr_src/"
done
sed "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$version\"/" "$SRC/dkms.conf" >"$KP_CHROOT$usr_src/dkms.conf"

in_chroot() { kp_chroot "$KP_CHROOT" "$@"; }
: >"$LOG"
run() {
	echo "+ $*" >>"$LOG"
	if ! in_chroot "$@" >>"$LOG" 2>&1; then
		tail -n 25 "$LOG" | sed 's/^/  | /' >&2
		kp_die "dkms-build $REL: '$*' failed; log: $LOG"
	fi
}
# A previous run's registration (any version) goes first: dkms refuses to add twice.
in_chroot sh -c 'for v in $(ls /var/lib/dkms/kpromoted 2>/dev/null | grep -v "^source$"); do
	dkms remove -m kpromoted -v "$v" --all; done' >>"$LOG" 2>&1 || true
run dkms add -m kpromoted -v "$version"
# The chroot's `uname -r` is the host's: always name the kernel.
run dkms build -m kpromoted -v "$version" -k "$KP_KVER"
run dkms install -m kpromoted -v "$version" -k "$KP_KVER" --force
in_chroot dkms status -m kpromoted >>"$LOG" 2>&1 || true

# What dkms installed for that kernel (compressed like the kernel's own modules, or not).
ko=$(in_chroot sh -c "ls /lib/modules/$KP_KVER/updates/dkms/kpromoted.ko* 2>/dev/null | head -n 1")
[[ -n $ko ]] || kp_die "dkms-build $REL: dkms installed no kpromoted.ko for $KP_KVER; log: $LOG"
case $ko in
*.ko) cp "$KP_CHROOT$ko" "$OUT/dkms-kpromoted.tmp.ko" ;;
*.ko.xz) xz -dc "$KP_CHROOT$ko" >"$OUT/dkms-kpromoted.tmp.ko" ;;
*.ko.zst) zstd -qdc "$KP_CHROOT$ko" >"$OUT/dkms-kpromoted.tmp.ko" ;;
*.ko.gz) gzip -dc "$KP_CHROOT$ko" >"$OUT/dkms-kpromoted.tmp.ko" ;;
*) kp_die "dkms-build $REL: unexpected module file $ko" ;;
esac
vermagic=$(modinfo -F vermagic "$OUT/dkms-kpromoted.tmp.ko")
[[ $vermagic == "$KP_KVER "* ]] || kp_die "dkms-build $REL: vermagic '$vermagic' is not $KP_KVER"
mv "$OUT/dkms-kpromoted.tmp.ko" "$OUT/kpromoted.ko"
signer=$(modinfo -F signer "$OUT/kpromoted.ko" 2>/dev/null || true)
echo "dkms-build $REL: dkms add/build/install kpromoted/$version for $KP_KVER: $ko${signer:+ (signed by $signer)}; testing this module"
