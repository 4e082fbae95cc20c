#!/usr/bin/env bash
# The whole test run (`make check`): host unit tests, then vm-check for each release.
# A failing release does not stop the others; the exit status is non-zero if anything
# failed. Ends with a summary table and the line "N passed, N failed[, N skipped]",
# counted from the TAP results of the unit tests and every guest run. A step that fails
# without a "not ok" of its own (build error, kernel warning, hang) counts as one failure.
# Usage: scripts/check.sh [RELEASE ...]   (default: bookworm trixie sid)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

releases=("$@")
[[ ${#releases[@]} -gt 0 ]] || read -r -a releases <<<"$KP_ALL_RELEASES"
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
	rows+=("$(printf '%-10s %-24s %6s %6s %7s  %-4s %8s' "$name" "$kernel" "$p" "$f" "$s" \
		"$verdict" "$(kp_fmt_secs "$secs")")")
}

echo "== check: host packages"
bash "$KP_SCRIPTS/host-deps.sh"

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
	rows+=("$(printf '%-10s %-24s %6s %6s %7s  %-4s %8s' unit - - - - NONE -)")
fi

for rel in "${releases[@]}"; do
	echo "== check: vm-check $rel"
	t=$SECONDS
	# A stale result from an earlier run must not be counted if this one dies early.
	rm -f "$LOGDIR/$rel-latest.tap.log"
	rc=0
	bash "$KP_SCRIPTS/vm-check.sh" "$rel" 2>&1 | tee "$LOGDIR/check-$rel.log" || rc=$?
	kernel=$(sed -n "s/^KP_KVER=//p" "$KP_CACHE/release/$rel.env" 2>/dev/null | tr -d "'" || true)
	add_row "$rel" "${kernel:-?}" "$rc" "$LOGDIR/$rel-latest.tap.log" $((SECONDS - t))
done

echo
echo "== check summary"
printf '%-10s %-24s %6s %6s %7s  %-4s %8s\n' what kernel passed failed skipped res time
for row in "${rows[@]}"; do echo "$row"; done
echo "logs: $LOGDIR"
echo "total time: $(kp_fmt_secs $((SECONDS - t0)))"
line="$total_pass passed, $total_fail failed"
[[ $total_skip -gt 0 ]] && line+=", $total_skip skipped"
# Kept for callers that print more after us (make's "Error 1", .ci/run).
echo "$line" >"$LOGDIR/check-summary.txt"
echo "$line"
exit "$status"
