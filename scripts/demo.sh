#!/usr/bin/env bash
# `make demo`: kpromoted at work in a two-tier QEMU guest on a stock Debian kernel.
# Prepares everything the way vm-check does (host packages, release chroot and kernel,
# module, guest programs, initramfs), then boots the guest with scripts/guest/demo.sh and
# streams its output (the kernel's console stays in the log file).
# Usage: scripts/demo.sh [RELEASE]   (default trixie)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

REL=${1:-trixie}
kp_check_release "$REL"
t0=$SECONDS
quietly() { # quietly WHAT CMD...: a preparation step, its output only on failure
	local log=$KP_CACHE/logs/demo-$REL-$1.log rc=0
	shift
	mkdir -p "$KP_CACHE/logs"
	"$@" >"$log" 2>&1 || rc=$?
	if [[ $rc -ne 0 ]]; then
		tail -n 30 "$log" >&2
		kp_die "demo: '$*' failed (log: $log)"
	fi
	tail -n 1 "$log"
}
echo "== demo $REL: preparing (a first run downloads a Debian chroot and kernel: a few minutes)"
bash "$KP_SCRIPTS/host-deps.sh"
quietly release bash "$KP_SCRIPTS/release.sh" "$REL"
quietly module bash "$KP_SCRIPTS/build-module.sh" "$REL"
quietly tests bash "$KP_SCRIPTS/build-tests.sh" "$REL"
quietly initramfs bash "$KP_SCRIPTS/mkinitramfs.sh" "$REL"
echo "== demo $REL: booting the guest (about 3 minutes)"
KP_TIMEOUT=${KP_TIMEOUT:-900} bash "$KP_SCRIPTS/guest-shell.sh" "$REL" "$KP_SCRIPTS/guest/demo.sh"
echo "== demo $REL: done in $(kp_fmt_secs $((SECONDS - t0))); console log: $KP_CACHE/logs/$REL-latest.console.log"
