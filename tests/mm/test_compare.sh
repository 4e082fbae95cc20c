#!/bin/sh
# Host test of tests/mm/compare.py (make unit): a small two-pass log in the format of
# tests/mm/run.sh, compared as scripts/mm-selftests.sh does. TAP on stdout, exit 1 on a failure.
#   - khugepaged's progress, rewritten in place with carriage returns, is read piece by
#     piece: "Construct ... 512/512... OK" is a check, "...Failed to allocate huge page" fails
#     that check, and the pass that stopped there has the later checks "not reached";
#   - a case that fails only with kpromoted: listed in the expected file for the release it
#     passes, the same difference for another release fails; one result in both passes
#     passes; a case that fails only without kpromoted passes as a TODO, listed or not;
#   - a kp pass that promoted nothing fails;
#   - summary.py counts those verdicts as README's tables show them;
#   - the programs' heap at two addresses (randomisation back) fails;
#   - migration giving up on a page that moved within the last second fails.
here=$(cd "$(dirname "$0")" && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
n=0 bad=0
check() { # DESCRIPTION COMMAND...
	n=$((n + 1))
	d=$1
	shift
	if "$@" >/dev/null 2>&1; then echo "ok $n compare.py: $d"; else echo "not ok $n compare.py: $d"; bad=1; fi
}

cr=$(printf '\r')
esc=$(printf '\033')
# One pass of khugepaged: $2 = how its compound_extreme construction ends.
pass() { # PASS ENDING RC
	printf '# MMST-BEGIN pass=%s test=khugepaged\n' "$1"
	printf '# Run test: collapse_full (madvise:anon)\r\n'
	printf '# Collapse fully populated PTE table.... %s[32mOK%s[0m\r\n' "$esc" "$esc"
	printf '# Run test: collapse_compound_extreme (madvise:anon)\r\n'
	printf '# %sConstruct PTE page table full of different PTE-mapped compound pages   1/512...%s' "$cr" "$cr"
	printf 'Construct PTE page table full of different PTE-mapped compound pages   2/512...%s%s\r\n' "$cr" "$2"
	if [ "$3" = 0 ]; then
		printf '# Collapse PTE table full of different compound pages... %s[32mOK%s[0m\r\n' "$esc" "$esc"
		printf '# Run test: collapse_fork (madvise:anon)\r\n'
		printf '# Allocate small page... %s[32mOK%s[0m\r\n' "$esc" "$esc"
	fi
	printf '# MMST-END pass=%s test=khugepaged rc=%s secs=3 migrated=10\n' "$1" "$3"
	printf '# MMST-PASSEND %s secs=3 migrated=10 promote_success=0\n' "$1"
}
ok_end='Construct PTE page table full of different PTE-mapped compound pages 512/512... OK'
fail_end='Construct PTE page table full of different PTE-mapped compound pages 130/512...Failed to allocate huge page'
{ pass base "$ok_end" 0; pass kp "$fail_end" 1; echo '# MMST-STAT promoted_pages 7'; } >"$t/log"
{ pass base "$fail_end" 1; pass kp "$ok_end" 0; echo '# MMST-STAT promoted_pages 7'; } >"$t/baseonly"
{ pass base "$ok_end" 0; pass kp "$ok_end" 0; echo '# MMST-STAT promoted_pages 0'; } >"$t/nopromo"
case_name='khugepaged: collapse_compound_extreme (madvise:anon): Construct PTE page table full of different PTE-mapped compound pages'
{
	echo "relA | $case_name | ok -> not ok | a reason"
	echo "relA | khugepaged: exit status | exit 0 -> exit nonzero | the case above"
} >"$t/expected"

cmp() { python3 -B "$here/compare.py" --release "$1" --expected "$t/expected" "$2" >"$t/out.$1"; }
check "a difference listed for the release passes" cmp relA "$t/log"
check "the step that gave up is a failing check of that pass" \
	grep -q "^ok .*$case_name (without kpromoted: ok, with: not ok; expected: a reason)" "$t/out.relA"
check "the checks after the stop are not reached in that pass" \
	grep -q "^ok .*collapse_fork (madvise:anon): Allocate small page # SKIP not reached" "$t/out.relA"
check "a result the same in both passes passes" \
	grep -q "^ok .*collapse_full (madvise:anon): Collapse fully populated PTE table$" "$t/out.relA"
check "the same difference, not listed for this release, fails" sh -c "! python3 -B '$here/compare.py' --release relB --expected '$t/expected' '$t/log' >'$t/out.relB'"
check "... and names it" grep -q "^not ok .*$case_name (without kpromoted: ok, with: not ok)$" "$t/out.relB"
check "... with what the program printed up to it in the pass that failed" \
	sh -c "grep -A8 '^not ok .*$case_name' '$t/out.relB' | grep -q '^#   kp| Run test: collapse_compound_extreme' &&
		grep -A8 '^not ok .*$case_name' '$t/out.relB' | grep -q '^#   kp| .*130/512...Failed to allocate huge page' &&
		! grep -q '^#   base|' '$t/out.relB'"
check "make check's summary shows the difference with those lines, and nothing else" \
	sh -c "KP_CACHE='$t/cache' bash -c '. \"$here/../../scripts/lib.sh\"; kp_mm_differences \"$t/out.relB\"' >'$t/diffs' &&
		grep -q '^  not ok .*$case_name' '$t/diffs' && grep -q '^  #   kp| Run test: collapse_compound_extreme' '$t/diffs' &&
		! grep -q '^  ok \|^  # pass\|^  # kpromoted' '$t/diffs'"
check "a failure only without kpromoted passes, for a release it is not listed for" \
	python3 -B "$here/compare.py" --release relB --expected "$t/expected" "$t/baseonly"
check "... as a TODO that names it" sh -c "python3 -B '$here/compare.py' --release relB --expected '$t/expected' '$t/baseonly' | grep -q '^ok .*$case_name # TODO failed only without kpromoted (without: not ok, with: ok)'"
check "a kp pass that promoted nothing fails" sh -c "! python3 -B '$here/compare.py' --release relA --expected '$t/expected' '$t/nopromo' >'$t/out.np'"
check "... and says so" grep -q "^not ok .*promoted_pages=0" "$t/out.np"
# summary.py (README's tables) counts the same verdicts: the log with a listed difference
# ("explained"), and the one with a failure only without kpromoted.
cp "$t/log" "$t/relA-20261205-120000-1.tap.log"
cp "$t/baseonly" "$t/relA-20261205-120100-2.tap.log"
python3 -B "$here/summary.py" --expected "$t/expected" "$t/relA-20261205-120000-1.tap.log" \
	"$t/relA-20261205-120100-2.tap.log" >"$t/summary" 2>&1
check "summary.py: a listed difference is counted explained, none unexplained" \
	grep -q '^| relA (12:00) | ? | [0-9]* | 0 | 2 | 0 | [0-9]* | 3 s + 3 s | 10 + 10 | 7 pages | ? pages |$' "$t/summary"
check "summary.py: a failure only without kpromoted is counted in its own column" \
	grep -q '^| relA (12:01) | ? | [0-9]* | 0 | 0 | 2 | [0-9]* | 3 s + 3 s | 10 + 10 | 7 pages | ? pages |$' "$t/summary"
# The programs' layout: one heap address twice passes, two different ones fail.
heap='# MMST-LAYOUT heap of a program under kp_slow'
{ echo "$heap: 005ec000-0060e000 rw-p 00000000 00:00 0 [heap]"; echo "$heap: 005ec000-0060e000 rw-p 00000000 00:00 0 [heap]"; cat "$t/log"; } >"$t/fixed"
{ echo "$heap: 005ec000-0060e000 rw-p 00000000 00:00 0 [heap]"; echo "$heap: 3fe51000-3fe73000 rw-p 00000000 00:00 0 [heap]"; cat "$t/log"; } >"$t/random"
check "one heap address in every MMST-LAYOUT line passes" sh -c \
	"python3 -B '$here/compare.py' --release relA --expected '$t/expected' '$t/fixed' | grep -q '^ok .*one address-space layout (heap at 005ec000-0060e000, 005ec000-0060e000)'"
check "two different heap addresses fail (randomisation is back)" sh -c \
	"! python3 -B '$here/compare.py' --release relA --expected '$t/expected' '$t/random' >'$t/out.random' && grep -q '^not ok .*one address-space layout' '$t/out.random'"
# migration's report: giving up after 100 failed moves in 20 ms breaks the 1 s rule.
mig() { # PASS REPORT
	printf '# MMST-BEGIN pass=%s test=migration\n# # kp: migrate() %s\n# ok 1 migration.shared_anon\n' "$1" "$2"
	printf '# MMST-END pass=%s test=migration rc=0 secs=3 migrated=10\n' "$1"
}
stuck='failed after 1006 ms: 223 moves, 223 failed (at most 223 in a row, for 1006 ms), longest move_pages 34 ms'
early='failed after 300 ms: 90 moves, 100 failed (at most 100 in a row, for 20 ms), longest move_pages 1 ms'
ended='ended after 2973 ms: 775 moves, 13 failed (at most 13 in a row, for 3 ms), longest move_pages 13 ms'
# Retried past 100 within the second, then moved again, and ran to its end (trixie, 2026-12-06 07:01).
kept='ended after 2919 ms: 660 moves, 657 failed (at most 247 in a row, for 950 ms), longest move_pages 83 ms'
{ mig base "$stuck"; mig kp "$ended"; echo '# MMST-STAT promoted_pages 7'; } >"$t/mig_ok"
{ mig base "$ended"; mig kp "$kept"; echo '# MMST-STAT promoted_pages 7'; } >"$t/mig_kept"
{ mig base "$ended"; mig kp "$early"; echo '# MMST-STAT promoted_pages 7'; } >"$t/mig_early"
check "migration: giving up on a page stuck for 1 s keeps the rule" sh -c \
	"python3 -B '$here/compare.py' --release relA --expected '$t/expected' '$t/mig_ok' | grep -q '^ok .*migration gave up only on pages stuck for 1000 ms (2 reports)'"
check "... retrying 247 in a row within the second and running to the end keeps it" sh -c \
	"python3 -B '$here/compare.py' --release relA --expected '$t/expected' '$t/mig_kept' | grep -q '^ok .*migration gave up only on pages stuck for 1000 ms (2 reports)'"
check "... giving up after 100 failed moves in 20 ms breaks it, and shows the report" sh -c \
	"! python3 -B '$here/compare.py' --release relA --expected '$t/expected' '$t/mig_early' >'$t/out.early' &&
		grep -A1 '^not ok .*migration gave up only' '$t/out.early' | grep -q '^#   kp| # kp: migrate() failed after 300 ms'"
# 6.1's ksm_tests prints a bare OK or Not OK: its one case, "result".
{
	printf '# MMST-BEGIN pass=base test=ksm_tests@merge\n# OK\n# MMST-END pass=base test=ksm_tests@merge rc=0 secs=0\n'
	printf '# MMST-BEGIN pass=kp test=ksm_tests@merge\n# Not OK\n# MMST-END pass=kp test=ksm_tests@merge rc=1 secs=0\n'
	echo '# MMST-STAT promoted_pages 7'
} >"$t/ksm"
check "ksm_tests' Not OK is its result failing, not a check that passed" sh -c \
	"python3 -B '$here/compare.py' --release relA --expected '$t/expected' '$t/ksm' | grep -q '^not ok .*ksm_tests@merge: result (without kpromoted: ok, with: not ok)'"
echo "1..$n"
exit $bad
