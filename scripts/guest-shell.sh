#!/usr/bin/env bash
# Run a script of your own in the test guest of one release (no interactive shell: the
# guest's console is a log file). The script is added to the release's initramfs as
# /kp/user/<name> in a second cpio archive, and runs in place of /tests/run.sh with the
# same environment (KP_MODULE, KP_KVER, debugfs, tracefs, ...).
# Usage: scripts/guest-shell.sh RELEASE SCRIPT [extra kernel cmdline ...]
#   e.g. scripts/guest-shell.sh trixie ./probe.sh kpromoted.slow_nodes=1
# Any vm-run.sh env applies (KP_VERBOSE=1 to see the console, KP_TIMEOUT, KP_NODE1_MB).
# Without SCRIPT, runs the built-in /kp/info.sh (memory tiers, numa_balancing, lru_gen).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

REL=${1:-}
kp_check_release "$REL"
shift
script=${1:-}
[[ $# -gt 0 ]] && shift
base=$KP_CACHE/out/$REL/initramfs.cpio.gz
[[ -f $base ]] || kp_die "$base missing: run scripts/vm-check.sh $REL (or mkinitramfs.sh) first"

if [[ -z $script ]]; then
	KP_RUN=/kp/info.sh exec bash "$KP_SCRIPTS/vm-run.sh" "$REL" "$@"
fi
[[ -f $script ]] || kp_die "no such script: $script"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/kp/user"
name=$(basename "$script")
install -m 755 "$script" "$tmp/root/kp/user/$name"
# The kernel unpacks concatenated archives in order; later files add to earlier ones.
(cd "$tmp/root" && find . | cpio --create --format=newc --owner=0:0 --quiet | gzip) >"$tmp/user.cpio.gz"
cat "$base" "$tmp/user.cpio.gz" >"$tmp/initrd.cpio.gz"
KP_INITRD=$tmp/initrd.cpio.gz KP_RUN=/kp/user/$name bash "$KP_SCRIPTS/vm-run.sh" "$REL" "$@"
