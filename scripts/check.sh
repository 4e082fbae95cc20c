#!/usr/bin/env bash
# The whole test run (`make check`): host unit tests, the fuzz targets (KP_FUZZ_SECONDS
# each, default 20), the simulator's smoke run, then vm-check for each release, each of
# bookworm, trixie and sid followed by the kernel's mm selftests without and with kpromoted
# (mm-selftests.sh; not the flavours nor trixie-debug; KP_MM_SELFTESTS=0 leaves them out).
# A failing release does not stop the others; the exit status is non-zero if anything
# failed. Ends with a summary table and the line "N passed, N failed[, N skipped]",
# counted from the TAP results of the unit tests, the fuzz targets and every guest run. A
# step that fails without a "not ok" of its own (build error, kernel warning, hang) counts
# as one failure.
# Usage: [KP_FUZZ_SECONDS=N] scripts/check.sh [RELEASE ...]
#   (default: bookworm trixie sid, then the flavour trixie-cloud: KP_CHECK_RELEASES)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

releases=("$@")
[[ ${#releases[@]} -gt 0 ]] || read -r -a releases <<<"$KP_CHECK_RELEASES"
for r in "${releases[@]}"; do kp_check_release "$r"; done
t0=$SECONDS
LOGDIR=$KP_CACHE/logs
mkdir -p "$LOGDIR"
total_pass=0 total_fail=0 total_skip=0 status=0
rows=()

# add_row NAME KERNEL RC TAPFILE SECONDS: count one step's results and remember its row.
add_row() {
	local name=$1 kernel=$2 rc=$3 tap=$4 secs=$5 p f s verdict=PASS
	read -r p f s < <(kp_tap_count "$tap")
	if [[ $rc -ne 0 ]]; then
		verdict=FAIL
		status=1
		# The step failed but no test said so: count the step itself.
		[[ $f -eq 0 ]] && f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
	rows+=("$(printf '%-12s %-28s %6s %6s %7s  %-4s %8s' "$name" "$kernel" "$p" "$f" "$s" \
		"$verdict" "$(kp_fmt_secs "$secs")")")
}

echo "== check: host packages"
bash "$KP_SCRIPTS/host-deps.sh"

# Downloads dominate a cold run and are network-bound: prepare every release at once,
# while the unit tests run, and before any guest boots (a guest starved of CPU by a
# debootstrap could report false stalls). vm-check repeats release.sh cheaply and is
# where a failure here gets reported.
echo "== check: preparing releases: ${releases[*]}"
prep_pids=()
for rel in "${releases[@]}"; do
	bash "$KP_SCRIPTS/release.sh" "$rel" >"$LOGDIR/prepare-$rel.log" 2>&1 &
	prep_pids+=($!)
done

echo "== check: unit tests"
t=$SECONDS
unit_log=$LOGDIR/check-unit.log
if [[ -f $KP_ROOT/tests/unit/Makefile ]]; then
	rc=0
	make -C "$KP_ROOT/tests/unit" run 2>&1 | tee "$unit_log" || rc=$?
	read -r p f s < <(kp_tap_count "$unit_log")
	if [[ $((p + f + s)) -eq 0 ]]; then
		echo "check: WARNING: the unit tests printed no TAP results"
	fi
	add_row unit host "$rc" "$unit_log" $((SECONDS - t))
else
	cat <<-'EOF'
		######################################################
		##  NO UNIT TESTS YET: tests/unit/Makefile missing  ##
		######################################################
	EOF
	rows+=("$(printf '%-12s %-28s %6s %6s %7s  %-4s %8s' unit - - - - NONE -)")
fi

# Every parser on the host, a fixed time per target: any crash, broken property or
# sanitizer report fails the step (one TAP line per target).
fuzz_secs=${KP_FUZZ_SECONDS:-20}
echo "== check: fuzz targets, $fuzz_secs s each"
t=$SECONDS
fuzz_log=$LOGDIR/check-fuzz.log
rc=0
make -C "$KP_ROOT/tests/fuzz" run FUZZ_SECONDS="$fuzz_secs" 2>&1 | tee "$fuzz_log" || rc=$?
add_row fuzz host "$rc" "$fuzz_log" $((SECONDS - t))

# The hotness engine's simulator on the module's own table.c, smoke run (tests/sim,
# `make sim QUICK=1`, well under a minute): a broken build, link test or run fails the step.
echo "== check: simulator smoke run"
t=$SECONDS
sim_log=$LOGDIR/check-sim.log
rc=0
bash "$KP_ROOT/tests/sim/run.sh" --quick "$KP_CACHE/out/sim-quick" 2>&1 | tee "$sim_log" || rc=$?
add_row sim host "$rc" "$sim_log" $((SECONDS - t))

for i in "${!releases[@]}"; do
	if wait "${prep_pids[$i]}"; then
		tail -n 1 "$LOGDIR/prepare-${releases[$i]}.log"
	else
		echo "check: preparing ${releases[$i]} failed (vm-check will retry):"
		tail -n 5 "$LOGDIR/prepare-${releases[$i]}.log" | sed 's/^/  /'
	fi
done

for rel in "${releases[@]}"; do
	echo "== check: vm-check $rel"
	t=$SECONDS
	# vm-run names this run's logs here (not the -latest links, which a concurrent run of
	# the same release may move); if vm-check dies before booting it stays empty.
	result=$LOGDIR/check-$rel.result
	: >"$result"
	rc=0
	touch "$LOGDIR/check-$rel.start"
	KP_RESULT_FILE=$result bash "$KP_SCRIPTS/vm-check.sh" "$rel" 2>&1 | tee "$LOGDIR/check-$rel.log" || rc=$?
	kernel=$(sed -n "s/^KP_KVER=//p" "$KP_CACHE/release/$rel.env" 2>/dev/null | tr -d "'" || true)
	add_row "$rel" "${kernel:-?}" "$rc" "$(sed -n 's/^tap=//p' "$result")" $((SECONDS - t))
	# (An older run's comparison must not reach this run's summary.)
	rm -f "$LOGDIR/check-mm-$rel.result"
	# About 18 minutes for the three on a fresh machine (README, The kernel's mm selftests);
	# KP_MM_SELFTESTS=0 leaves them out, for a quicker local run.
	[[ ${KP_MM_SELFTESTS:-1} == 1 ]] || continue
	# Only the releases themselves: a flavour or pseudo-release is the same kernel source
	# built differently, and a third of an hour more of CI for little it does not cover.
	kp_mm_selftests_release "$rel" || continue
	# The kernel's mm selftests, both passes; counted from the comparison (one line per
	# test case: the same result with and without kpromoted, or an explained difference).
	echo "== check: mm-selftests $rel"
	t=$SECONDS
	mmresult=$LOGDIR/check-mm-$rel.result
	: >"$mmresult"
	rc=0
	# The module vm-check built just now, if it did (else mm-selftests builds it).
	reuse=
	[[ $KP_CACHE/out/$rel/kpromoted.ko -nt $LOGDIR/check-$rel.start ]] && reuse=1
	KP_MMST_REUSE_MODULE=$reuse KP_RESULT_FILE=$mmresult bash "$KP_SCRIPTS/mm-selftests.sh" "$rel" 2>&1 | tee "$LOGDIR/check-mm-$rel.log" || rc=$?
	add_row "mm-$rel" "${kernel:-?}" "$rc" "$(sed -n 's/^cmp=//p' "$mmresult")" $((SECONDS - t))
done

echo
echo "== check summary"
printf '%-12s %-28s %6s %6s %7s  %-4s %8s\n' what kernel passed failed skipped res time
for row in "${rows[@]}"; do echo "$row"; done
echo "logs: $LOGDIR"
# What failed, with its figures: the end of this output is often all a CI page shows.
for rel in "${releases[@]}"; do
	fails=$(kp_tap_failures "$(sed -n 's/^tap=//p' "$LOGDIR/check-$rel.result" 2>/dev/null)")
	[[ -n $fails ]] && printf '%s failures:\n%s\n' "$rel" "$fails"
	# (No comparison ran with KP_MM_SELFTESTS=0: no result file, and set -e must not
	# take sed's "no such file" for this summary's own failure.)
	mmcmp=
	[[ -f $LOGDIR/check-mm-$rel.result ]] && mmcmp=$(sed -n 's/^cmp=//p' "$LOGDIR/check-mm-$rel.result")
	[[ -n $mmcmp && -f $mmcmp ]] && grep -q '^not ok' "$mmcmp" &&
		printf 'mm-%s differences:\n%s\n' "$rel" "$(kp_mm_differences "$mmcmp")"
done
echo "total time: $(kp_fmt_secs $((SECONDS - t0)))"
line="$total_pass passed, $total_fail failed"
[[ $total_skip -gt 0 ]] && line+=", $total_skip skipped"
# Kept for callers that print more after us (make's "Error 1", .ci/run).
echo "$line" >"$LOGDIR/check-summary.txt"
echo "$line"
exit "$status"
