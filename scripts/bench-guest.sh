#!/bin/sh
# Runs inside the bench guest (busybox sh, added to the initramfs by scripts/bench.sh).
# One contender per boot; the scenarios of the run one after the other, each with a
# clean reset (module unloaded, DAMON off, caches dropped, a fresh workload process).
# Kernel command line: kpb.contender=NAME kpb.scenarios=a,b,.. kpb.secs=N kpb.seed=N
#   kpb.rep=N kpb.mib=N kpb.hot=N [kpb.kp=name=value:name=value (more kpromoted parameters)]
# Contenders: none, kernel (numa_balancing=2), kernel-nb1 (numa_balancing=1), damon
#   (migrate_hot), damon-tier (migrate_hot + migrate_cold, node-memory quota goals), kp-hint,
#   kp-mglru, kp-both, kp-default (no sources=: what modprobe gives a user).
#   Scenarios: hot, hot-thp, pressure, shift, uniform,
#   movepages.
# Output: "KPB ..." lines (parsed by scripts/bench-report.py).
C=none SCEN=hot SECS=20 SEED=42 REP=0 MIB=256 HOT=32
for w in $(cat /proc/cmdline); do
	case $w in
	kpb.contender=*) C=${w#*=} ;;
	kpb.scenarios=*) SCEN=${w#*=} ;;
	kpb.secs=*) SECS=${w#*=} ;;
	kpb.seed=*) SEED=${w#*=} ;;
	kpb.rep=*) REP=${w#*=} ;;
	kpb.mib=*) MIB=${w#*=} ;;
	kpb.hot=*) HOT=${w#*=} ;;
	kpb.kp=*) KP_MORE=$(echo "${w#*=}" | tr ':' ' ') ;;
	esac
done
BIN=/tests/kp_bench
NB=/proc/sys/kernel/numa_balancing
DAMON=/sys/kernel/mm/damon/admin
KVER=$(uname -r)
# 6.1 does not tier from HMAT: tell kpromoted which node is slow there.
TIERED=0
for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
	[ -f "$t/nodelist" ] && [ "$(cat "$t/nodelist")" = 1 ] && TIERED=1
done
KP_EXTRA=""
[ $TIERED = 1 ] || KP_EXTRA="slow_nodes=1"
KP_EXTRA="$KP_EXTRA ${KP_MORE:-}"

w() { [ -e "$2" ] && echo "$1" >"$2" 2>/dev/null; }
say() { echo "KPB $*"; }

# CPU time (ms) of the threads whose name matches an awk regex: utime + stime (USER_HZ 100).
cpu_ms() {
	cat /proc/[0-9]*/task/[0-9]*/stat 2>/dev/null |
		awk -v re="$1" '{ c = $0; sub(/^[0-9]+ \(/, "", c); n = c; sub(/\).*/, "", n);
			sub(/^.*\) /, "", c); split(c, f, " ");
			if (n ~ re) s += f[12] + f[13] } END { printf "%d\n", s * 10 }'
}
vm() { awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' /proc/vmstat; }
vm_sum() { awk -v re="$1" '$1 ~ re { s += $2 } END { print s + 0 }' /proc/vmstat; }
kps() { awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' \
	/sys/kernel/debug/kpromoted/stats 2>/dev/null || echo 0; }

VMKEYS="numa_hint_faults numa_pages_migrated pgpromote_success pgmigrate_success pgdemote_kswapd pgdemote_direct pgdemote_khugepaged pgpromote_candidate pgscan_direct pgsteal_direct oom_kill"
snap() { # snap PREFIX: vmstat + thread CPU into shell variables PREFIX_<name>
	for k in $VMKEYS; do eval "$1_$k=$(vm $k)"; done
	eval "$1_pgdemote=$(vm_sum '^pgdemote_')"
	eval "$1_allocstall=$(vm_sum '^allocstall_')"
	eval "$1_cpu_kpscan=$(cpu_ms '^kpromoted')"
	eval "$1_cpu_kdamond=$(cpu_ms '^kdamond')"
	eval "$1_cpu_kworker=$(cpu_ms '^kworker')"
	eval "$1_cpu_kswapd=$(cpu_ms '^kswapd')"
	eval "$1_cpu_all=$(awk '/^cpu / { print ($2 + $3 + $4 + $7 + $8) * 10 }' /proc/stat)"
}

# Who enters direct reclaim during a scenario: the comm of each task the kernel's
# vmscan:mm_vmscan_direct_reclaim_begin event saw, "comm:count,..." (none: no tracefs);
# then the same for the measured run alone, after kp_bench's "run begins" marker
# (before it: the filler and the buffer's fault-in). Prints both, as the result's fields.
TR=/sys/kernel/tracing
[ -d $TR/events ] || mount -t tracefs nodev $TR 2>/dev/null
DR=$TR/events/vmscan/mm_vmscan_direct_reclaim_begin/enable
dr_start() { [ -e $DR ] && echo >$TR/trace && echo 1 >$DR; }
dr_stop() {
	[ -e $DR ] || { echo "direct_reclaim_by=none direct_reclaim_run_by=none"; return; }
	echo 0 >$DR
	awk 'function list(a,   s, k) { s = ""; for (k in a) s = s (s == "" ? "" : ",") k ":" a[k]
			return s == "" ? "nobody" : s }
		/kp_bench: run begins/ { run = 1 }
		/mm_vmscan_direct_reclaim_begin:/ { c = $1; sub(/-[0-9]+$/, "", c); n[c]++; if (run) r[c]++ }
		END { print "direct_reclaim_by=" list(n) " direct_reclaim_run_by=" list(r) }' $TR/trace
}

reset() {
	rmmod kpromoted 2>/dev/null
	if [ -d $DAMON ]; then
		for k in "$DAMON"/kdamonds/[0-9]*; do w off "$k/state"; done
		w 0 $DAMON/kdamonds/nr_kdamonds
	fi
	w 0 $NB
	w 1 /sys/kernel/mm/numa/demotion_enabled
	sync
	w 3 /proc/sys/vm/drop_caches
	w 1 /proc/sys/vm/compact_memory
}

# Physical address range [start, end) of a node, from its memory blocks.
node_range() {
	bs=$(printf '%d' "0x$(cat /sys/devices/system/memory/block_size_bytes)")
	ids=$(ls -d /sys/devices/system/node/node"$1"/memory[0-9]* | sed 's/.*memory//' | sort -n)
	lo=$(echo "$ids" | head -n 1)
	hi=$(echo "$ids" | tail -n 1)
	echo "$((lo * bs)) $(((hi + 1) * bs))"
}

# DAMON sysfs (Documentation/admin-guide/mm/damon/usage.rst). A new scheme directory starts
# with every access_pattern range at 0..0 (a scheme that matches no region of non-zero size),
# so every file a scheme depends on is written here, none left at its default, and the whole
# tree is read back once per boot ("KPB damoncfg" lines). Left at their defaults, checked in
# that read-back on 6.12 and 7.2, because nothing here uses them: the quota weights (no quota
# for `damon`), the watermark levels (metric none), pid_target (paddr), and on 7.2 addr_unit 1
# (byte addresses), pause N, probes 0, refresh_ms 0, goal_tuner consist and fail_charge_* 0.
U32MAX=4294967295
ULMAX=18446744073709551615
dw() { # dw VALUE FILE: write a DAMON sysfs file; say so when it is missing or refuses
	[ -e "$2" ] || { say "note damon missing ${2#"$DAMON"/}"; return 1; }
	echo "$1" >"$2" 2>/dev/null || { say "note damon refused ${2#"$DAMON"/}=$1"; return 1; }
}
damon_ctx() { # damon_ctx KDAMOND START END [ACCESS_BP AGGRS MIN_US MAX_US]: paddr over [START,END)
	dw 1 "$DAMON/kdamonds/$1/contexts/nr_contexts"
	X=$DAMON/kdamonds/$1/contexts/0
	dw paddr "$X/operations"
	# DAMON's defaults, written anyway: 5 ms sampling, 100 ms aggregation (20 samples, so
	# nr_accesses runs 0..20), 1 s ops update; 10..1000 regions.
	dw 5000 "$X/monitoring_attrs/intervals/sample_us"
	dw 100000 "$X/monitoring_attrs/intervals/aggr_us"
	dw 1000000 "$X/monitoring_attrs/intervals/update_us"
	dw 10 "$X/monitoring_attrs/nr_regions/min"
	dw 1000 "$X/monitoring_attrs/nr_regions/max"
	# Self-tuned intervals (Linux 6.15+): off (access_bp 0) unless asked for.
	G=$X/monitoring_attrs/intervals/intervals_goal
	if [ -d "$G" ]; then
		dw "${4:-0}" "$G/access_bp"
		dw "${5:-0}" "$G/aggrs"
		dw "${6:-0}" "$G/min_sample_us"
		dw "${7:-0}" "$G/max_sample_us"
	fi
	dw 1 "$X/targets/nr_targets"
	dw 1 "$X/targets/0/regions/nr_regions"
	dw "$2" "$X/targets/0/regions/0/start"
	dw "$3" "$X/targets/0/regions/0/end"
}
damon_scheme() { # damon_scheme DIR ACTION TARGET_NID NR_ACCESSES_MIN NR_ACCESSES_MAX APPLY_US
	S=$1
	dw "$2" "$S/action"
	[ "$3" = - ] || dw "$3" "$S/target_nid"
	dw "$6" "$S/apply_interval_us" # 0: every aggregation interval
	# The full access pattern: any region of at least a page, any age.
	dw 4096 "$S/access_pattern/sz/min"
	dw $ULMAX "$S/access_pattern/sz/max"
	dw "$4" "$S/access_pattern/nr_accesses/min"
	dw "$5" "$S/access_pattern/nr_accesses/max"
	dw 0 "$S/access_pattern/age/min"
	dw $U32MAX "$S/access_pattern/age/max"
	# No quota (ms 0 and bytes 0 and no goal: DAMON applies the action without limit), no
	# watermarks (metric none: always active), no filters. damon_tier() sets its own.
	dw 0 "$S/quotas/ms"
	dw 0 "$S/quotas/bytes"
	dw 0 "$S/quotas/reset_interval_ms"
	dw 0 "$S/quotas/goals/nr_goals"
	dw none "$S/watermarks/metric"
	for f in filters core_filters ops_filters; do
		[ -d "$S/$f" ] && dw 0 "$S/$f/nr_filters"
	done
	[ -d "$S/dests" ] && dw 0 "$S/dests/nr_dests" # 0: target_nid is the destination
	return 0
}
damon_quota() { # damon_quota DIR METRIC TARGET_BP NID YOUNG(allow|reject): damon-tier's limits
	S=$1
	# 200 MiB per 1 s at most, tuned toward a node-memory goal; hotter/older regions first,
	# size ignored (upstream's weights: samples/damon/mtier.c).
	dw 1000 "$S/quotas/reset_interval_ms"
	dw $((200 << 20)) "$S/quotas/bytes"
	dw 0 "$S/quotas/weights/sz_permil"
	dw 100 "$S/quotas/weights/nr_accesses_permil"
	dw 100 "$S/quotas/weights/age_permil"
	dw 1 "$S/quotas/goals/nr_goals"
	dw "$2" "$S/quotas/goals/0/target_metric" || return 1
	dw "$3" "$S/quotas/goals/0/target_value"
	dw "$4" "$S/quotas/goals/0/nid"
	# DAMON's regions are coarse: check each page's accessed bit before acting (promote
	# only young pages, demote no young page), as upstream's tiering setup does.
	F=$S/ops_filters
	[ -d "$F" ] || F=$S/filters
	dw 1 "$F/nr_filters"
	dw young "$F/0/type"
	dw Y "$F/0/matching"
	if [ -e "$F/0/allow" ]; then
		if [ "$5" = allow ]; then dw Y "$F/0/allow"; else dw N "$F/0/allow"; fi
	elif [ "$5" = allow ]; then
		dw N "$F/0/matching" # before "allow" (6.14): a filter excludes what it matches
	fi
	return 0
}

damon_prepare() {
	[ -d $DAMON ] || { say "note contender=$C unavailable: no $DAMON"; return 1; }
	# Debian's 7.2 starts DAMON_STAT at boot; it holds DAMON (state=on fails with EBUSY).
	if [ "$(cat /sys/module/damon_stat/parameters/enabled 2>/dev/null)" = Y ]; then
		w N /sys/module/damon_stat/parameters/enabled
		say "note damon_stat was enabled at boot: turned off to run DAMON sysfs"
		sleep 1
	fi
}

# `damon`: one kdamond, paddr over node 1. Scheme 0 is "stat" with the hot pattern (does
# nothing, counts what DAMON calls hot: the evidence line), scheme 1 migrate_hot to node 0.
# Hot: accessed in at least 5 of the 20 samples of an aggregation interval.
damon_on() {
	damon_prepare || return 1
	# shellcheck disable=SC2046 # two numbers, split on purpose
	set -- $(node_range 1)
	dw 1 $DAMON/kdamonds/nr_kdamonds
	damon_ctx 0 "$1" "$2"
	X=$DAMON/kdamonds/0/contexts/0
	dw 2 "$X/schemes/nr_schemes"
	damon_scheme "$X/schemes/0" stat - 5 20 0
	damon_scheme "$X/schemes/1" migrate_hot 0 5 20 0
	w on $DAMON/kdamonds/0/state || { say "note damon state=on failed"; return 1; }
	say "note damon paddr node1=[$1,$2) schemes=stat,migrate_hot target_nid=0 state=$(cat $DAMON/kdamonds/0/state)"
}

# `damon-tier`: DAMON's self-tuned memory tiering as upstream configures it: SeongJae Park,
# "mm/damon: auto-tune DAMOS for NUMA setups including tiered memory" (Linux 6.16,
# https://lore.kernel.org/20250420194030.75838-1-sj@kernel.org), its sample module
# samples/damon/mtier.c and damo's scripts/mem_tier.sh. Two kdamonds:
#   0: paddr over node 1, migrate_hot to node 0 for regions accessed at all (nr_accesses
#      1..max), quota 200 MiB/s tuned toward node 0 used = 99.7% (node_mem_used_bp 9970),
#      young pages only; plus the same "stat" evidence scheme as `damon`;
#   1: paddr over node 0, migrate_cold to node 1 for regions not accessed (0..0), quota
#      200 MiB/s tuned toward node 0 free = 0.5% (node_mem_free_bp 50), no young page.
# Both act once a second and self-tune their intervals toward 4% observed accesses in 3
# aggregations, sampling between 5 ms and 10 s. The node-memory goal metrics exist from 6.16.
damon_tier() {
	damon_prepare || return 1
	# shellcheck disable=SC2046 # two numbers each, split on purpose
	set -- $(node_range 1) $(node_range 0)
	dw 2 $DAMON/kdamonds/nr_kdamonds
	damon_ctx 0 "$1" "$2" 400 3 5000 10000000
	damon_ctx 1 "$3" "$4" 400 3 5000 10000000
	X=$DAMON/kdamonds/0/contexts/0
	dw 2 "$X/schemes/nr_schemes"
	damon_scheme "$X/schemes/0" stat - 1 $U32MAX 1000000
	damon_scheme "$X/schemes/1" migrate_hot 0 1 $U32MAX 1000000
	if ! damon_quota "$X/schemes/1" node_mem_used_bp 9970 0 allow; then
		say "note contender=$C unavailable: no node_mem_used_bp quota goal (Linux 6.16+)"
		return 1
	fi
	X=$DAMON/kdamonds/1/contexts/0
	dw 1 "$X/schemes/nr_schemes"
	damon_scheme "$X/schemes/0" migrate_cold 1 0 0 1000000
	damon_quota "$X/schemes/0" node_mem_free_bp 50 0 reject
	w on $DAMON/kdamonds/0/state || { say "note damon kdamond 0 state=on failed"; return 1; }
	w on $DAMON/kdamonds/1/state || { say "note damon kdamond 1 state=on failed"; return 1; }
	say "note damon-tier node1=[$1,$2) migrate_hot->0 node0=[$3,$4) migrate_cold->1 state=$(cat $DAMON/kdamonds/0/state),$(cat $DAMON/kdamonds/1/state)"
}

# Every DAMON sysfs file of the running kdamonds, read back (once per boot): what DAMON runs.
damon_dump() {
	[ -n "$DUMPED" ] && return
	DUMPED=1
	find $DAMON/kdamonds -type f ! -path '*/tried_regions/*' ! -path '*/stats/*' ! -name state ! -name pid 2>/dev/null | sort |
		while read -r f; do
			v=$(head -c 200 "$f" 2>/dev/null | tr -s ' \n' ',,' | sed 's/,$//')
			echo "KPB damoncfg contender=$C ${f#"$DAMON"/kdamonds/}=${v:-?}"
		done
}

# What DAMON sees and does, per scheme: stats, the regions the scheme was tried on (now), the
# effective quota and the goal's current value, and node 0's used memory in basis points
# (MemTotal - MemFree, as DAMON's node_mem_used_bp counts it: sysfs shows no measured
# current_value for that metric on 7.2). One "KPB damon" line per scheme.
damon_probe() { # damon_probe TIME-TAG
	n0=$(awk '$3 == "MemTotal:" { t = $4 } $3 == "MemFree:" { f = $4 }
		END { if (t) printf "%d", (t - f) * 10000 / t; else print -1 }' /sys/devices/system/node/node0/meminfo 2>/dev/null)
	for K in "$DAMON"/kdamonds/[0-9]*; do
		[ "$(cat "$K/state" 2>/dev/null)" = on ] || continue
		for cmd in update_schemes_stats update_schemes_tried_regions update_schemes_effective_quotas; do
			echo $cmd >"$K/state" 2>/dev/null
		done
		for S in "$K"/contexts/0/schemes/[0-9]*; do
			l="contender=$C scenario=$s rep=$REP t=$1 kd=${K##*/} scheme=${S##*/} action=$(cat "$S/action")"
			for k in nr_tried sz_tried nr_applied sz_applied qt_exceeds; do
				l="$l $k=$(cat "$S/stats/$k" 2>/dev/null || echo 0)"
			done
			l="$l tried_bytes=$(cat "$S/tried_regions/total_bytes" 2>/dev/null || echo -1)"
			n=0
			for r in "$S"/tried_regions/[0-9]*; do [ -d "$r" ] && n=$((n + 1)); done
			l="$l tried_regions=$n"
			l="$l esz=$(cat "$S/quotas/effective_bytes" 2>/dev/null || echo -1)"
			[ -e "$S/quotas/goals/0/current_value" ] &&
				l="$l goal=$(cat "$S/quotas/goals/0/target_metric"):$(cat "$S/quotas/goals/0/current_value")/$(cat "$S/quotas/goals/0/target_value")"
			l="$l node0_used_bp=${n0:--1} sample_us=$(cat "$K/contexts/0/monitoring_attrs/intervals/sample_us")"
			l="$l aggr_us=$(cat "$K/contexts/0/monitoring_attrs/intervals/aggr_us")"
			echo "KPB damon $l"
		done
	done
}
# While the workload runs: probe 1 s into its access phase, then every 5 s.
damon_watch() {
	i=0
	until grep -q '^KPB info' /tmp/out 2>/dev/null; do
		sleep 0.2
		i=$((i + 1))
		[ $i -lt 1500 ] || return
	done
	sleep 1
	damon_probe 1
	t=1
	while [ $((t + 5)) -lt "$SECS" ]; do
		sleep 5
		t=$((t + 5))
		damon_probe $t
	done
}

setup() {
	case $C in
	none) w 0 $NB ;;
	kernel) w 2 $NB ;;
	kernel-nb1) w 1 $NB ;;
	damon) w 0 $NB; damon_on ;;
	damon-tier) w 0 $NB; damon_tier ;;
	kp-hint) modprobe kpromoted sources=hintfault $KP_EXTRA ;;
	kp-mglru) w 0 $NB; modprobe kpromoted sources=mglru lru_gen=enable numa_balancing=keep $KP_EXTRA ;;
	kp-both) modprobe kpromoted sources=hintfault,mglru lru_gen=enable $KP_EXTRA ;;
	kp-default) modprobe kpromoted $KP_EXTRA ;;
	*) say "note unknown contender $C"; return 1 ;;
	esac
}

say "boot contender=$C rep=$REP kernel=$KVER tiered=$TIERED scenarios=$SCEN secs=$SECS seed=$SEED mib=$MIB hot=$HOT"
say "boot thp=$(cat /sys/kernel/mm/transparent_hugepage/enabled) demotion=$(cat /sys/kernel/mm/numa/demotion_enabled 2>/dev/null || echo absent) lru_gen=$(cat /sys/kernel/mm/lru_gen/enabled 2>/dev/null || echo absent)"
rc=0
for s in $(echo "$SCEN" | tr , ' '); do
	reset
	# move_pages(2) is the yardstick of this boot's migration speed: nothing loaded, nothing on.
	if [ "$s" != movepages ] && ! setup; then
		say "result contender=$C scenario=$s rep=$REP status=unavailable"
		continue
	fi
	args="-s $SECS -x $SEED -m $MIB -H $HOT"
	case $s in
	hot-thp) args="$args -S hot -t" ;;
	*) args="$args -S $s" ;;
	esac
	: >/tmp/out
	case $C:$s in *:movepages) wp="" ;; damon*) damon_dump; damon_watch & wp=$! ;; *) wp="" ;; esac
	snap a
	dr_start
	t0=$(date +%s)
	$BIN $args >/tmp/out 2>&1 || { rc=1; sed 's/^/KPB note error /' /tmp/out | tail -n 5; }
	snap b
	dm=""
	if [ -n "$wp" ]; then
		kill "$wp" 2>/dev/null
		wait "$wp" 2>/dev/null
		# The totals at the end: bytes each action was applied to, bytes "stat" found hot.
		damon_probe end | tee /tmp/damon_end
		dm=$(awk '{ for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			a = v["action"]; s[a] += v["sz_applied"]; t[a] += v["sz_tried"] }
			END { printf " damon_hot_applied_pages=%d damon_cold_applied_pages=%d damon_stat_tried_mib=%.1f",
				s["migrate_hot"] / 4096, s["migrate_cold"] / 4096, t["stat"] / 1048576 }' /tmp/damon_end)
	fi
	dr_by=$(dr_stop)
	nbmode=$(cat $NB)
	kp=""
	if [ -d /sys/kernel/debug/kpromoted ]; then
		for k in records records_hintfault records_mglru records_dropped records_filtered candidates promoted_pages \
			hintfault_suppressed skipped_rate_limit skipped_no_room failed_migrate \
			mglru_scans mglru_scan_cpu_ns table_bytes hot_threshold_effective \
			nominated nominations_refused confirm_looks confirm_hot confirm_cold confirm_gone \
			demoted_for_room repromoted waiting_for_room room_armed room_kept migrate_retried \
			skipped_stale promoted_bytes promote_ns promote_busy_ns promote_batches; do
			kp="$kp kp_$k=$(kps $k)"
		done
	fi
	reset
	d=""
	for k in $VMKEYS pgdemote allocstall cpu_kpscan cpu_kdamond cpu_kworker cpu_kswapd cpu_all; do
		eval "d=\"\$d $k=\$((b_$k - a_$k))\""
	done
	grep '^KPB sample' /tmp/out | sed "s/^KPB sample/KPB sample contender=$C scenario=$s rep=$REP/"
	grep '^KPB info' /tmp/out
	res=$(grep '^KPB result' /tmp/out | sed 's/^KPB result //; s/scenario=[^ ]* //')
	say "result contender=$C scenario=$s rep=$REP status=ok kernel=$KVER nb=$nbmode wall=$(($(date +%s) - t0)) $res$d$kp$dm $dr_by"
done
exit $rc
