#!/bin/sh
# Runs the kpromoted test programs inside the guest (busybox sh), in order.
#
#   run.sh [test ...]          default: the programs the Makefile put here (tests.list)
#
# Environment: KP_RELEASE (bookworm|trixie|sid), KP_KVER, KP_MODULE (path of
# kpromoted.ko; if unset, modprobe's copy is used).
#
# Output is TAP, as the kselftest runner prints it: one line per program, its
# own TAP indented with "# ". Before each program a canary goes to the kernel
# log; a WARNING/BUG/Oops/Call Trace logged after it fails that program even if
# the program passed. On a kernel with kmemleak (make check-debug) a last test scans for
# leaks after every program has run. Exit status: 0 when every program passed or skipped.
SPLAT='WARNING:|BUG:|Oops|Call Trace'

here=$(cd "$(dirname "$0")" && pwd)
TESTS=$(cat "$here/tests.list" 2>/dev/null)
[ $# -gt 0 ] && TESTS="$*"

# Each program prints its own plan under ours, as kselftest's runner does.
export KSFT_TAP_LEVEL=1

preflight()
{
	[ "$(id -u)" = 0 ] || { echo "# preflight: must run as root"; return 1; }
	grep -qw debugfs /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug ||
		{ echo "# preflight: no debugfs"; return 1; }
	if [ -n "$KP_MODULE" ]; then
		[ -f "$KP_MODULE" ] || { echo "# preflight: KP_MODULE=$KP_MODULE: no such file"; return 1; }
	else
		KP_MODULE=$(modinfo -n kpromoted 2>/dev/null) ||
			{ echo "# preflight: KP_MODULE unset and modinfo finds no kpromoted"; return 1; }
		export KP_MODULE
	fi
	# A leftover from an earlier run would make every load fail with EEXIST.
	if [ -d /sys/module/kpromoted ]; then
		rmmod kpromoted || { echo "# preflight: kpromoted loaded and will not unload"; return 1; }
	fi
	return 0
}

# Kernel log after the canary line ($1): the splats in it, if any. The one exception: the stack
# of an OOM report ("<task> invoked oom-killer:" ... "Call Trace:") between the markers a test
# that provokes an OOM on purpose writes to /dev/kmsg (kp_faults); anything else there counts.
splats_since()
{
	dmesg | awk -v c="$1" -v re="$SPLAT" '
		found && /kp-expect: oom-killer begin/ { win = 1 }
		found && /kp-expect: oom-killer end/ { win = 0; oom = 0 }
		found && win && /invoked oom-killer:/ { oom = 1 }
		found && $0 ~ re {
			if (win && oom && /Call Trace/) { oom = 0; next }
			print
		}
		index($0, c) { found = 1 }
		END { if (!found) print "canary " c " not in dmesg: cannot tell" }'
}

echo "TAP version 13"
echo "# kpromoted guest tests: release=${KP_RELEASE:-?} kernel=${KP_KVER:-$(uname -r)}"
if ! preflight; then
	echo "1..1"
	echo "not ok 1 selftests: kpromoted: preflight"
	echo "guest: 0 passed, 1 failed"
	exit 1
fi
echo "# module: $KP_MODULE"
# A kernel with kmemleak (the debug kernel of `make check-debug`): what boot left behind is
# the kernel's own, set aside (and counted) here; the suite is judged by the scan after it.
KMEMLEAK=/sys/kernel/debug/kmemleak
[ -w "$KMEMLEAK" ] || KMEMLEAK=
if [ -n "$KMEMLEAK" ]; then
	echo scan >"$KMEMLEAK"
	echo "# kmemleak: $(grep -c '^unreferenced object' "$KMEMLEAK") object(s) reported before the suite (boot), cleared"
	echo clear >"$KMEMLEAK"
fi
# shellcheck disable=SC2086 # a list of words
set -- $TESTS
plan=$#
[ -n "$KMEMLEAK" ] && plan=$((plan + 1))
echo "1..$plan"

n=0 passed=0 failed=0 skipped=0
exec 4>&1
for t in $TESTS; do
	n=$((n + 1))
	canary="kp-canary: $n $t $(date +%s)"
	echo "$canary" >/dev/kmsg

	if [ -x "$here/$t" ]; then
		# The program's status comes out on fd 3, its TAP goes to stdout indented.
		rc=$({ { "$here/$t" 2>&1; echo $? >&3; } | sed 's/^/# /' >&4; } 3>&1)
	else
		echo "# $here/$t: missing"
		rc=127
	fi

	splat=$(splats_since "$canary")
	if [ -n "$splat" ]; then
		echo "# kernel log after the canary of $t:"
		echo "$splat" | sed 's/^/#   /'
		[ "$rc" = 0 ] || [ "$rc" = 4 ] && rc=splat
	fi

	case $rc in
	0)	echo "ok $n selftests: kpromoted: $t"; passed=$((passed + 1)) ;;
	4)	echo "ok $n selftests: kpromoted: $t # SKIP"; skipped=$((skipped + 1)) ;;
	splat)	echo "not ok $n selftests: kpromoted: $t # kernel warning/oops in dmesg"
		failed=$((failed + 1)) ;;
	*)	echo "not ok $n selftests: kpromoted: $t # exit=$rc"; failed=$((failed + 1)) ;;
	esac
	# Never hand a loaded module to the next program.
	[ -d /sys/module/kpromoted ] && rmmod kpromoted 2>/dev/null
done
exec 4>&-

# kmemleak after the suite: objects must be 5 s old to be reported, and a second scan drops
# what the first saw only in flight. Any report fails; those whose allocation backtrace
# runs through the module are counted apart.
if [ -n "$KMEMLEAK" ]; then
	n=$((n + 1))
	sleep 5
	echo scan >"$KMEMLEAK"
	sleep 5
	echo scan >"$KMEMLEAK"
	cat "$KMEMLEAK" >/tmp/kmemleak.txt
	leaks=$(grep -c '^unreferenced object' /tmp/kmemleak.txt)
	if [ "$leaks" = 0 ]; then
		echo "ok $n selftests: kpromoted: kmemleak after the suite"
		passed=$((passed + 1))
	else
		ours=$(awk '/^unreferenced object/ { if (o) k++; o = 0 } /kpromoted/ { o = 1 }
			END { if (o) k++; print k + 0 }' /tmp/kmemleak.txt)
		sed 's/^/# /' /tmp/kmemleak.txt
		echo "not ok $n selftests: kpromoted: kmemleak after the suite # $leaks unreferenced object(s), $ours allocated through kpromoted"
		failed=$((failed + 1))
	fi
fi

echo "guest: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
