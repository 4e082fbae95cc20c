#!/usr/bin/env bash
# Build the guest test suite for one release into $KP_CACHE/out/RELEASE/tests
# (`make -C tests/vm OUT=... KP_CACHE=...`: binaries + run.sh). Until tests/vm exists, a
# placeholder run.sh that loads and unloads the module and prints TAP stands in, loudly.
# Usage: scripts/build-tests.sh RELEASE
# Env: KP_VM_TESTS=DIR (suite to build, default tests/vm; "none": the placeholder).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

REL=${1:-}
kp_check_release "$REL"
kp_load_release_env "$REL"
OUT=$KP_CACHE/out/$REL/tests
kp_lock_release "$REL"
# KP_VM_TESTS: directory with the suite's Makefile; "none" forces the placeholder.
VM_TESTS=${KP_VM_TESTS:-$KP_ROOT/tests/vm}
rm -rf "$OUT"
mkdir -p "$OUT"

if [[ -f $VM_TESTS/Makefile ]]; then
	echo "build-tests $REL: make -C $VM_TESTS OUT=$OUT"
	make -C "$VM_TESTS" OUT="$OUT" KP_CACHE="$KP_CACHE" RELEASE="$REL" KP_KVER="$KP_KVER"
	[[ -f $OUT/run.sh ]] || kp_die "tests/vm did not produce $OUT/run.sh"
	chmod +x "$OUT/run.sh"
	exit 0
fi

cat >&2 <<-'EOF'
	##################################################################
	## build-tests: no tests/vm/Makefile: using the PLACEHOLDER       ##
	## run.sh (insmod/rmmod only). This is NOT the guest test suite. ##
	##################################################################
EOF
cat >"$OUT/run.sh" <<-'EOF'
	#!/bin/sh
	# PLACEHOLDER guest suite written by scripts/build-tests.sh (tests/vm/ missing).
	n=0 fails=0
	t() { # t NAME CMD...: one TAP test
		n=$((n + 1)); name=$1; shift
		if "$@" >/tmp/t.out 2>&1; then echo "ok $n - $name"
		else echo "not ok $n - $name"; sed 's/^/# /' /tmp/t.out; fails=$((fails + 1)); fi
	}
	mod_loaded() { grep -q '^kpromoted ' /proc/modules; }
	echo "TAP version 13"
	echo "1..5"
	echo "# placeholder suite: kernel $(uname -r), module $KP_MODULE"
	t "insmod kpromoted.ko" insmod "$KP_MODULE"
	t "module listed in /proc/modules" mod_loaded
	t "rmmod kpromoted" rmmod kpromoted
	t "modprobe kpromoted (depmod data in initramfs)" modprobe kpromoted
	t "modprobe -r kpromoted" sh -c 'modprobe -r kpromoted && ! grep -q "^kpromoted " /proc/modules'
	exit $((fails > 0))
EOF
chmod +x "$OUT/run.sh"
echo "build-tests $REL: placeholder $OUT/run.sh"
