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
t0=$SECONDS
step() { echo "== vm-check $REL: $*"; }

step "host packages"
bash "$KP_SCRIPTS/host-deps.sh"
step "release (chroot, kernel, headers)"
bash "$KP_SCRIPTS/release.sh" "$REL"
step "module"
bash "$KP_SCRIPTS/build-module.sh" "$REL"
# The suite below then tests the module DKMS built (dkms add/build/install in the chroot).
step "module via DKMS"
bash "$KP_SCRIPTS/dkms-build.sh" "$REL"
step "guest tests"
bash "$KP_SCRIPTS/build-tests.sh" "$REL"
step "initramfs"
bash "$KP_SCRIPTS/mkinitramfs.sh" "$REL"
step "boot"
rc=0
bash "$KP_SCRIPTS/vm-run.sh" "$REL" "$@" || rc=$?

# shellcheck source=/dev/null
source "$KP_CACHE/release/$REL.env"
read -r pass fail skip < <(kp_tap_count "$KP_CACHE/logs/$REL-latest.tap.log")
verdict=PASS
[[ $rc -eq 0 ]] || verdict=FAIL
echo "== vm-check $REL: $verdict (kernel $KP_KVER, gcc $KP_GCC; $pass passed, $fail failed, $skip skipped) in $(kp_fmt_secs $((SECONDS - t0)))"
exit "$rc"
