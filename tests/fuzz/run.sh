#!/usr/bin/env bash
# Runs each fuzz target (build/fuzz_<target>, see Makefile) for SECONDS, one after the
# other: first every seed of corpus/<target>/, then new inputs, written to a temporary
# corpus that is deleted afterwards (the committed corpus stays as it is). Prints one TAP
# line per target; exits 1 if any target crashed, broke a property, had a sanitizer
# report, timed out or did not run. The input that failed stays in
# build/artifacts/<target>/ and the fuzzer's output in build/<target>.log.
# Usage: run.sh SECONDS TARGET...
set -euo pipefail

secs=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
build=$here/build
[[ $secs =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: SECONDS must be a positive number, not '$secs'" >&2; exit 2; }

# Sanitizers: stop at the first report, with a stack, and say so in the log.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

status=0 n=0
echo "1..$#"
for t in "$@"; do
	n=$((n + 1))
	bin=$build/fuzz_$t
	log=$build/$t.log
	art=$build/artifacts/$t
	rm -rf "$art"
	mkdir -p "$art"
	if [[ ! -x $bin || ! -d $here/corpus/$t ]]; then
		echo "not ok $n - fuzz $t: no $bin or no corpus/$t"
		status=1
		continue
	fi
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/kp-fuzz-$t.XXXXXX")
	rc=0
	# One process, no forks: -max_total_time bounds it; -timeout catches a hang on one input.
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
		-artifact_prefix="$art/" -print_final_stats=1 "$tmp" "$here/corpus/$t" \
		>"$log" 2>&1 || rc=$?
	rm -rf "$tmp"
	read -r execs took < <(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 \2/p' "$log" | tail -n 1) || true
	if [[ $rc -ne 0 || -z ${execs:-} ]] ||
		grep -qE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:|property failed:|ERROR: libFuzzer' "$log"; then
		found=$(find "$art" -type f 2>/dev/null | head -n 1 || true)
		echo "not ok $n - fuzz $t: failed (exit $rc), log $log${found:+, input $found}"
		# What broke, where in our sources, and the input (base64); indented so that no
		# line of the log reads as a TAP result.
		grep -E 'property failed|runtime error|ERROR: |SUMMARY|Base64:|^ +#[0-9]+ .* in [A-Za-z_]+ /.*/(src|tools|tests)/' \
			"$log" | head -n 25 | sed -E 's/^ +/  /; s/^/#    /' || true
		status=1
	else
		echo "ok $n - fuzz $t: $execs execs in $took s, no crash"
	fi
	execs='' took=''
done
exit $status
