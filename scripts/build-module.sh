#!/usr/bin/env bash
# Build kpromoted.ko for one release inside that release's chroot, against its stock
# kernel headers and with the compiler the kernel was built with (as DKMS does).
# Result: $KP_CACHE/out/RELEASE/kpromoted.ko
# Usage: scripts/build-module.sh RELEASE
# Env: KP_SRC (module source tree, default: this repo), KP_JOBS (make -j, default nproc).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

REL=${1:-}
kp_check_release "$REL"
kp_load_release_env "$REL"
SRC=${KP_SRC:-$KP_ROOT}
OUT=$KP_CACHE/out/$REL
BUILD_IN=/build/kpromoted # path inside the chroot
LOG=$KP_CACHE/logs/build-$REL.log
mkdir -p "$OUT" "$KP_CACHE/logs"

kp_lock_release "$REL"

# A fresh copy of exactly what a DKMS source tree would hold.
dst=$KP_CHROOT$BUILD_IN
rm -rf --one-file-system "$dst"
mkdir -p "$dst"
for f in Kbuild Makefile VERSION dkms.conf src include; do
	[[ -e $SRC/$f ]] && cp -a "$SRC/$f" "$dst/"
done
[[ -f $dst/Kbuild ]] || kp_die "no Kbuild in $SRC"
version=$(cat "$SRC/VERSION" 2>/dev/null || echo 0.1.0)

echo "build-module $REL: kernel $KP_KVER, headers $KP_HEADERS_VERSION, $KP_CC $KP_GCC"
rc=0
kp_chroot "$KP_CHROOT" make -C "$KP_KDIR" M="$BUILD_IN" CC="$KP_CC" \
	KPROMOTED_VERSION="$version" -j"${KP_JOBS:-$(nproc)}" modules >"$LOG" 2>&1 || rc=$?
# Show the whole (short) kbuild output so warnings are seen, not just counted.
sed 's/^/  | /' "$LOG"
nwarn=$(grep -c -E 'warning:|WARNING:' "$LOG" || true)
if [[ $rc -ne 0 || ! -f $dst/kpromoted.ko ]]; then
	kp_die "build for $REL ($KP_KVER) failed (make exit $rc); log: $LOG"
fi

# The module must be for the kernel we will boot.
vermagic=$(modinfo -F vermagic "$dst/kpromoted.ko")
[[ $vermagic == "$KP_KVER "* ]] || kp_die "vermagic '$vermagic' does not match $KP_KVER"
cp "$dst/kpromoted.ko" "$OUT/kpromoted.ko"
echo "build-module $REL: $OUT/kpromoted.ko ($(stat -c %s "$OUT/kpromoted.ko") bytes, $nwarn warning(s)), vermagic: $vermagic"
