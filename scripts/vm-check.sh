#!/usr/bin/env bash
# Build and test kpromoted on one Debian release's stock kernel, end to end:
# host packages, release chroot + kernel, module build in the chroot (plain Kbuild for its
# warnings, then DKMS, whose module is the one tested), guest tests,
# initramfs, QEMU run. Exit status 0 only if every step and every guest test passed.
# Usage: scripts/vm-check.sh RELEASE [extra kernel cmdline ...]
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

REL=${1:-}
kp_check_release "$REL"
shift
# A flavour runs the reduced suite chosen in lib.sh (kp_release_tests), unless told which.
flavour_tests=$(kp_release_tests "$REL")
if [[ -n $flavour_tests && " $* " != *" kp.tests="* ]]; then
	set -- "$@" "kp.tests=$flavour_tests"
fi
# A slower kernel's guest tests scale their time and rate bounds (lib.sh kp_release_time_scale).
time_scale=$(kp_release_time_scale "$REL")
if [[ $time_scale != 1 && " $* " != *" KP_TIME_SCALE="* ]]; then
	set -- "$@" "KP_TIME_SCALE=$time_scale"
fi
t0=$SECONDS
# Hold the release from the chroot update to the initramfs: another run's build must not
# slip in between our build and our boot. The steps see KP_LOCKED_RELEASE and do not lock
# again. The guest then boots from this run's own link to the initramfs, unlocked.
kp_lock_release "$REL"
export KP_LOCKED_RELEASE=$REL
run_initrd=$KP_CACHE/out/$REL/initramfs.run-$$.cpio.gz
own_result=
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	rm -f "$run_initrd"
	[[ -z $own_result ]] || rm -f "$own_result"
}
trap cleanup EXIT
# Where vm-run names this run's logs (check.sh passes its own file down).
if [[ -z ${KP_RESULT_FILE:-} ]]; then
	KP_RESULT_FILE=$(mktemp)
	own_result=$KP_RESULT_FILE
fi
export KP_RESULT_FILE
: >"$KP_RESULT_FILE"
step() { echo "== vm-check $REL: $*"; }

step "host packages"
bash "$KP_SCRIPTS/host-deps.sh"
step "release (chroot, kernel, headers)"
bash "$KP_SCRIPTS/release.sh" "$REL"
step "module"
bash "$KP_SCRIPTS/build-module.sh" "$REL"
step "module construction (stubs, return thunks, 6.1 scan_control)"
bash "$KP_ROOT/tests/unit/check_construction.sh" "$KP_CACHE/out/$REL/kpromoted.ko"
step "expected prototypes against this kernel's BTF (src/compat/kabi.h, on the host)"
bash "$KP_ROOT/tests/unit/check_kabi.sh" "$REL"
# The suite below then tests the module DKMS built (dkms add/build/install in the chroot).
step "module via DKMS"
bash "$KP_SCRIPTS/dkms-build.sh" "$REL"
step "test PMU (tests/testpmu, test initramfs only)"
bash "$KP_SCRIPTS/build-testpmu.sh" "$REL"
step "guest tests"
bash "$KP_SCRIPTS/build-tests.sh" "$REL"
step "initramfs"
bash "$KP_SCRIPTS/mkinitramfs.sh" "$REL"
# mkinitramfs replaces the image by rename, so this hard link keeps our version.
ln -f "$KP_CACHE/out/$REL/initramfs.cpio.gz" "$run_initrd"
exec {KP_LOCK_FD}>&-
unset KP_LOCKED_RELEASE
step "boot"
rc=0
# The whole suite takes 9-10.5 min of guest time under TCG (6.1, 2026-12-02, with kp_hwsample):
# past vm-run's 600 s default. A hung guest still fails, after 20 min.
KP_TIMEOUT=${KP_TIMEOUT:-1200} KP_INITRD=$run_initrd bash "$KP_SCRIPTS/vm-run.sh" "$REL" "$@" || rc=$?

# shellcheck source=/dev/null
source "$KP_CACHE/release/$REL.env"
read -r pass fail skip < <(kp_tap_count "$(sed -n 's/^tap=//p' "$KP_RESULT_FILE")")
verdict=PASS
[[ $rc -eq 0 ]] || verdict=FAIL
echo "== vm-check $REL: $verdict (kernel $KP_KVER, gcc $KP_GCC; $pass passed, $fail failed, $skip skipped) in $(kp_fmt_secs $((SECONDS - t0)))"
exit "$rc"
