#!/usr/bin/env bash
# Build the test-only synthetic sampling PMU (tests/testpmu) for one release, inside that
# release's chroot against its stock headers with its compiler, like the module. It goes
# into the test initramfs only (scripts/mkinitramfs.sh), never into a package.
# Result: $KP_CACHE/out/RELEASE/kp_testpmu.ko
# Usage: scripts/build-testpmu.sh RELEASE
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

REL=${1:-}
kp_check_release "$REL"
kp_load_release_env "$REL"
OUT=$KP_CACHE/out/$REL
BUILD_IN=/build/kp_testpmu # path inside the chroot
LOG=$KP_CACHE/logs/build-testpmu-$REL.log
mkdir -p "$OUT" "$KP_CACHE/logs"
kp_lock_release "$REL"

dst=$KP_CHROOT$BUILD_IN
rm -rf --one-file-system "$dst"
mkdir -p "$dst"
cp -a "$KP_ROOT/tests/testpmu/." "$dst/"
# The stub that enters perf_event_overflow() is kpromoted's own (testpmu_thunk.S includes it).
cp "$KP_ROOT/src/compat/ksym_thunk.S" "$dst/"
rc=0
kp_chroot "$KP_CHROOT" make -C "$KP_KDIR" M="$BUILD_IN" CC="$KP_CC" \
	-j"${KP_JOBS:-$(nproc)}" modules >"$LOG" 2>&1 || rc=$?
sed 's/^/  | /' "$LOG"
nwarn=$(grep -c -E 'warning:|WARNING:' "$LOG" || true)
[[ $rc -eq 0 && -f $dst/kp_testpmu.ko ]] || kp_die "test PMU build for $REL failed (make exit $rc); log: $LOG"
[[ $nwarn -eq 0 ]] || kp_die "test PMU build for $REL: $nwarn warning(s); log: $LOG"
cp "$dst/kp_testpmu.ko" "$OUT/kp_testpmu.ko"
echo "build-testpmu $REL: $OUT/kp_testpmu.ko ($(stat -c %s "$OUT/kp_testpmu.ko") bytes)"
