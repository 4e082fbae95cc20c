#!/bin/sh
# The kernel's own mm selftests in the guest, twice (scripts/mm-selftests.sh builds them
# and compares): pass "base" without kpromoted, pass "kp" with kpromoted loaded and
# promoting. Every program runs under kp_slow (its memory on node 1) with a timeout.
#
#   /mmst/run.sh            every program of /mmst/tests.list ("name timeout args...")
#
# Output (TAP on the guest's TAP port): per pass and program one top-level "ok" line (the
# program ran; its own verdicts are judged on the host), its output indented with "# "
# between "# MMST-BEGIN pass=P test=T" and "# MMST-END pass=P test=T rc=N secs=S".
# The kp pass ends with kpromoted's debugfs stats as "# MMST-STAT name value" lines.
# Exit status 1 only when the run itself broke (kpromoted would not load or unload).
here=/mmst
. /etc/kp.env
KP_PARAMS_EXTRA=$(cat "$here/kp.params" 2>/dev/null)
DEMOTE_MS=$(cat "$here/demote_ms" 2>/dev/null || echo 500)
# fill: node 0 kept full (kp_fill), the programs' pages fault on node 1, nothing but the
# programs themselves and kpromoted moves them; demote: kp_slow moves them to node 1 every
# DEMOTE_MS (the harness's own migrations, in both passes).
PLACEMENT=$(cat "$here/placement" 2>/dev/null || echo fill)
# The passes, in order: "base kp" for the comparison; more kp passes to hunt a rare
# difference (KP_MMST_PASSES, scripts/mm-selftests.sh: the comparison reads the last).
PASSES=$(cat "$here/passes" 2>/dev/null || echo base kp)
TR=/sys/kernel/tracing

vmstat() { awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' /proc/vmstat; }
# Allocations on node 1 that wanted node 0 (node 0 was full): where the programs' pages went
# (node 1's numa_miss: one per allocation, a huge page counts once).
fell() { awk '$1 == "numa_miss" { print $2 }' /sys/devices/system/node/node1/numastat; }
# Is node 1 in a lower memory tier than node 0? (6.1: no; kpromoted then needs slow_nodes=1)
tiered() {
	for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
		[ "$(cat "$t/nodelist" 2>/dev/null)" = 1 ] && return 0
	done
	return 1
}

# KSM merge failures, as the kernel traces them (ksm:ksm_merge_one_page, 6.8+), and the
# migrations of the same time: the evidence for a ksm_functional_tests difference.
trace_on() {
	[ -d $TR/events/ksm/ksm_merge_one_page ] || return 0
	echo 0 >$TR/tracing_on
	echo >$TR/trace
	echo 16384 >$TR/buffer_size_kb
	echo 'err != 0' >$TR/events/ksm/ksm_merge_one_page/filter
	echo 1 >$TR/events/ksm/ksm_merge_one_page/enable
	[ -d $TR/events/migrate/mm_migrate_pages ] && echo 1 >$TR/events/migrate/mm_migrate_pages/enable
	echo 1 >$TR/tracing_on
}
trace_off() {
	[ -d $TR/events/ksm/ksm_merge_one_page ] || return 0
	echo 0 >$TR/tracing_on
	echo 0 >$TR/events/ksm/ksm_merge_one_page/enable
	[ -d $TR/events/migrate/mm_migrate_pages ] && echo 0 >$TR/events/migrate/mm_migrate_pages/enable
	echo "MMST-TRACE failed merges by error: $(grep -o 'error -[0-9]*' $TR/trace | sort | uniq -c | tr '\n' ';')"
	echo "MMST-TRACE migrations by reason: $(grep -o 'reason=[a-z_]*' $TR/trace | sort | uniq -c | tr '\n' ';')"
	# When merges failed and what migrated around then: time:pages of each migration by
	# kpromoted's workers (kworker, MIGRATE_ASYNC), by kp_slow (syscall) and the kernel's own.
	echo "MMST-TRACE failed merges between: $(grep 'ksm_merge_one_page' $TR/trace | awk '{ t[NR] = $4 } END { if (NR) print t[1], "and", t[NR]; else print "none" }')"
	echo "MMST-TRACE migrations: $(grep 'mm_migrate_pages' $TR/trace | awk '{ split($0, a, "nr_succeeded="); split(a[2], b, " "); r = $0; sub(/.*reason=/, "", r); printf "%s%s:%s:%s ", $1 ~ /kworker/ ? "kw" : "", $4, b[1], r }')"
}

# Failed THP collapses (huge_memory:mm_collapse_huge_page{,_isolate}, status other than
# succeeded) and the migrations of the same time, by who ran them: the evidence for a
# khugepaged difference (MADV_COLLAPSE fails with EINVAL on a PTE that is a migration entry,
# status pte_non_present; docs/mm-selftests.md).
HM=$TR/events/huge_memory
khp_trace_on() {
	[ -d $HM/mm_collapse_huge_page ] || return 0
	echo 0 >$TR/tracing_on
	echo >$TR/trace
	echo 16384 >$TR/buffer_size_kb
	for e in mm_collapse_huge_page mm_collapse_huge_page_isolate; do
		[ -d $HM/$e ] || continue
		echo 'status != 1' >$HM/$e/filter 2>/dev/null
		echo 1 >$HM/$e/enable 2>/dev/null
	done
	[ -d $TR/events/migrate/mm_migrate_pages ] && echo 1 >$TR/events/migrate/mm_migrate_pages/enable
	echo 1 >$TR/tracing_on
}
khp_trace_off() {
	[ -d $HM/mm_collapse_huge_page ] || return 0
	echo 0 >$TR/tracing_on
	for e in mm_collapse_huge_page mm_collapse_huge_page_isolate; do
		[ -d $HM/$e ] && echo 0 >$HM/$e/enable
	done
	[ -d $TR/events/migrate/mm_migrate_pages ] && echo 0 >$TR/events/migrate/mm_migrate_pages/enable
	echo "MMST-TRACE failed collapses by status: $(grep 'mm_collapse_huge_page' $TR/trace | grep -o 'mm_collapse_huge_page[a-z_]*:.*status=[a-z_]*' | sed 's/:.*status=/ /' | sort | uniq -c | tr '\n' ';')"
	echo "MMST-TRACE failed collapses, by task: $(grep 'mm_collapse_huge_page' $TR/trace | grep -v 'status=pte_non_present' -c) other, $(grep 'status=pte_non_present' $TR/trace | awk '{ print $1 }' | sort | uniq -c | tr '\n' ';') pte_non_present (task-pid: the kernel thread khugepaged has a low pid, the test program of that name a high one)"
	echo "MMST-TRACE pte_non_present at: $(grep 'status=pte_non_present' $TR/trace | awk '{ printf "%s ", $4 }' | head -c 400)"
	echo "MMST-TRACE migrations by reason: $(grep -o 'reason=[a-z_]*' $TR/trace | sort | uniq -c | tr '\n' ';') by kworkers: $(grep 'mm_migrate_pages' $TR/trace | awk '$1 ~ /kworker/' | wc -l)"
	echo "MMST-TRACE kworker migrations at: $(grep 'mm_migrate_pages' $TR/trace | awk '$1 ~ /kworker/ { printf "%s ", $4 }' | head -c 600)"
}

echo "TAP version 13"
echo "# mm selftests: release=${KP_RELEASE:-?} kernel=$(uname -r) demote every ${DEMOTE_MS} ms"
grep -q ' /sys/kernel/debug ' /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug
# Settings the programs expect (as run_vmtests.sh sets them), the same in both passes.
echo 1 >/proc/sys/vm/drop_caches 2>/dev/null
# shellcheck disable=SC3045 # busybox sh has ulimit -l
ulimit -l unlimited 2>/dev/null
# migration's hugetlb cases need huge pages in the pool (run_vmtests.sh reserves them too).
echo 8 >/proc/sys/vm/nr_hugepages 2>/dev/null
echo "# MMST-HUGETLB nr_hugepages=$(cat /proc/sys/vm/nr_hugepages)"
# What libnuma sees (migration skips on it).
"$here/kp_numa_probe" 2>&1 | sed 's/^/# MMST-NUMA /'
grep -E '^(Cpus|Mems)_allowed_list' /proc/self/status | sed 's/^/# MMST-NUMA /'
# Every program runs with the same address-space layout (kp_slow: ADDR_NO_RANDOMIZE): a
# program's heap, twice, at the same place.
for _ in 1 2; do
	echo "# MMST-LAYOUT heap of a program under kp_slow: $("$here/kp_slow" -m none -t 5 -- /bin/cat /proc/self/maps 2>&1 </dev/null | grep -m1 '\[heap\]' || echo none)"
done
ntests=$(grep -c '^[a-z]' "$here/tests.list")
npass=$(echo "$PASSES" | wc -w) nkp=$(echo "$PASSES" | tr ' ' '\n' | grep -c '^kp$')
echo "1..$((npass * ntests + 2 * nkp))"
params="rate_limit_mbps=100000 hot_threshold=1 confirm_tests=1 mglru_min_ms=100 lru_gen=enable"
tiered || params="$params slow_nodes=1"
params="$params $KP_PARAMS_EXTRA"

n=0 broke=0
exec 4>&1
if [ "$PLACEMENT" = fill ]; then
	# As on a server that tiers memory: node 0's cold pages may go down to node 1, by
	# the kernel's reclaim in both passes and by kpromoted making room in the kp pass
	# (it makes none with demotion off).
	echo 1 >/sys/kernel/mm/numa/demotion_enabled 2>/dev/null
	echo "# MMST-FILL demotion_enabled=$(cat /sys/kernel/mm/numa/demotion_enabled 2>/dev/null)"
	mkfifo /tmp/fill.in /tmp/fill.out
fi
# A filler per pass, so that both start alike: what the kernel demoted of the base pass's
# filler (compaction_test, last, takes all memory) stays on node 1 until the filler exits.
fill_start() {
	[ "$PLACEMENT" = fill ] || return 0
	"$here/kp_fill" </tmp/fill.in >/tmp/fill.out &
	fill_pid=$!
	exec 5>/tmp/fill.in 6</tmp/fill.out
}
# It exits at the end of its input; one that does not within 60 s is killed and said so
# (the pass goes on: the guest's own timeout would end the run, with no word of why).
fill_stop() {
	[ "$PLACEMENT" = fill ] || return 0
	exec 5>&- 6<&-
	i=0
	# Running, not a zombie waiting to be reaped (kill -0 succeeds on both).
	while grep -qs '^State:[[:space:]]*[^Z]' "/proc/$fill_pid/status" && [ $i -lt 300 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	if grep -qs '^State:[[:space:]]*[^Z]' "/proc/$fill_pid/status"; then
		echo "# MMST-FILL kp_fill did not exit 60 s after its input ended: killed"
		kill -9 "$fill_pid" 2>/dev/null
	fi
	wait "$fill_pid"
}
# Node 0's room to $1 KiB (kp_fill: free memory above each zone's low watermark and lowmem
# reserve), before each program.
fill() {
	[ "$PLACEMENT" = fill ] || return 0
	echo "fill $1" >&5
	# shellcheck disable=SC3045 # busybox sh has read -t
	read -t 60 -r line <&6 || line="no answer in 60 s"
	echo "# MMST-FILL $line"
}
for pass in $PASSES; do
	if [ "$pass" = kp ]; then
		n=$((n + 1))
		# shellcheck disable=SC2086 # params: words
		if insmod "$KP_MODULE" $params; then
			echo "ok $n mm: kp: insmod kpromoted $params"
			sed 's/^/# MMST-SOURCES /' /sys/kernel/debug/kpromoted/sources
		else
			echo "not ok $n mm: kp: insmod kpromoted $params"
			broke=1
			break
		fi
	fi
	fill_start
	echo "# MMST-PASS $pass numa_balancing=$(cat /proc/sys/kernel/numa_balancing) lru_gen=$(cat /sys/kernel/mm/lru_gen/enabled 2>/dev/null)"
	pass_t0=$(date +%s)
	mig0=$(vmstat pgmigrate_success)
	while read -r name tmo args; do
		case $name in '' | '#'*) continue ;; esac
		n=$((n + 1))
		echo "# MMST-BEGIN pass=$pass test=$name"
		[ "$name" = ksm_functional_tests ] && trace_on
		[ "$name" = khugepaged ] && khp_trace_on
		t0=$(date +%s)
		m0=$(vmstat pgmigrate_success) f0=$(fell) d0=$(vmstat pgdemote_kswapd) k0=$(vmstat pgscan_kswapd)
		# migration moves its one page (2 MiB) between node 0 and node 1 itself, as fast as
		# it can: kp_slow's moves would only race with its move_pages(2), which 6.1's
		# migration.c does not retry (docs/mm-selftests.md, bookworm). Half its time the
		# page is on node 1 anyway, where kpromoted sees it.
		slow="-i $DEMOTE_MS" room=0
		[ "$PLACEMENT" = fill ] && slow="-m none"
		case $name in
		# migration moves its page to node 0 and back: it needs room there.
		migration) slow="-m none" room=65536 ;;
		# khugepaged's collapse_compound_extreme holds 512 huge pages, 1 GiB, at once: more
		# than node 1 has with node 0 full (it gave up at 423 and 482 of 512, in either pass;
		# at 385 with 256 MiB of room, in the kp pass on 6.1).
		khugepaged) room=524288 ;;
		esac
		fill $room
		# shellcheck disable=SC2086 # args, slow: words
		rc=$({ { cd $here/bin && $here/kp_slow $slow -t "${tmo%+}" -- "./${name%%@*}" $args </dev/null 2>&1 5>&- 6<&-
			echo $? >&3; } | sed 's/^/# /' >&4; } 3>&1)
		secs=$(($(date +%s) - t0))
		# "N+": a program that runs until killed, N s its duration (tests.list).
		case $tmo in *+) [ "$rc" = 124 ] && rc=0 ;; esac
		[ "$name" = ksm_functional_tests ] && trace_off | sed 's/^/# /'
		[ "$name" = khugepaged ] && khp_trace_off | sed 's/^/# /'
		echo "# MMST-END pass=$pass test=$name rc=$rc secs=$secs migrated=$(($(vmstat pgmigrate_success) - m0)) on_node1=$(($(fell) - f0)) demoted_kswapd=$(($(vmstat pgdemote_kswapd) - d0)) scanned_kswapd=$(($(vmstat pgscan_kswapd) - k0))"
		echo "ok $n mm: $pass: $name # exit=$rc ${secs}s"
	done <"$here/tests.list"
	fill_stop
	echo "# MMST-PASSEND $pass secs=$(($(date +%s) - pass_t0)) migrated=$(($(vmstat pgmigrate_success) - mig0)) promote_success=$(vmstat pgpromote_success)"
	if [ "$pass" = kp ]; then
		sed 's/^/# MMST-STAT /' /sys/kernel/debug/kpromoted/stats
		n=$((n + 1))
		if rmmod kpromoted; then
			echo "ok $n mm: kp: rmmod kpromoted"
		else
			echo "not ok $n mm: kp: rmmod kpromoted"
			broke=1
		fi
	fi
done
exec 4>&-

# Evidence for ksm_functional_tests (issue 17): the same program again, twice with kpromoted
# only observing (records and confirmation looks, no migration) and twice promoting, each
# with the kernel's failed KSM merges counted. Not part of the comparison; about 80 s, so
# only when asked for (KP_MMST_KSM_EVIDENCE=1, scripts/mm-selftests.sh).
ksm_evidence() { # MODE RUN
	# shellcheck disable=SC2086 # params: words
	insmod "$KP_MODULE" $params "mode=$1" || { echo "# MMST-KSM mode=$1 run=$2 insmod failed"; return; }
	trace_on
	out=$(cd $here/bin && $here/kp_slow -i "$DEMOTE_MS" -t 60 -- ./ksm_functional_tests </dev/null 2>&1)
	fails=$(echo "$out" | grep '^not ok' | tr '\n' ';')
	echo "# MMST-KSM mode=$1 run=$2 failed: ${fails:-none}; $(trace_off | tr '\n' ' ')"
	echo "# MMST-KSM mode=$1 run=$2 stats: $(awk '$1 ~ /^(promoted_pages|nominated|confirm_hot|confirm_cold|candidates|failed_isolate)$/ { printf "%s=%s ", $1, $2 }' /sys/kernel/debug/kpromoted/stats)"
	rmmod kpromoted
}
if [ -f $here/ksm_evidence ] && [ -x $here/bin/ksm_functional_tests ] &&
	[ -d $TR/events/ksm/ksm_merge_one_page ] && [ $broke = 0 ]; then
	for r in 1 2; do ksm_evidence observe $r; ksm_evidence promote $r; done
fi
exit $broke
