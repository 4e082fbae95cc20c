#!/bin/sh
# Runs inside the bench guest (busybox sh, added to the initramfs by scripts/bench.sh).
# One contender per boot; the scenarios of the run one after the other, each with a
# clean reset (module unloaded, DAMON off, caches dropped, a fresh workload process).
# Kernel command line: kpb.contender=NAME kpb.scenarios=a,b,.. kpb.secs=N kpb.seed=N
#   kpb.rep=N kpb.mib=N kpb.hot=N [kpb.kp=name=value:name=value (more kpromoted parameters)]
# Contenders: none, kernel (numa_balancing=2), kernel-nb1 (numa_balancing=1), damon,
#   kp-hint, kp-mglru, kp-both, kp-default (no sources=: what modprobe gives a user).
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
# vmscan:mm_vmscan_direct_reclaim_begin event saw, "comm:count,..." (none: no tracefs).
TR=/sys/kernel/tracing
[ -d $TR/events ] || mount -t tracefs nodev $TR 2>/dev/null
DR=$TR/events/vmscan/mm_vmscan_direct_reclaim_begin/enable
dr_start() { [ -e $DR ] && echo >$TR/trace && echo 1 >$DR; }
dr_stop() {
	[ -e $DR ] || { echo none; return; }
	echo 0 >$DR
	awk '/mm_vmscan_direct_reclaim_begin:/ { c = $1; sub(/-[0-9]+$/, "", c); n[c]++ }
		END { s = ""; for (k in n) s = s (s == "" ? "" : ",") k ":" n[k]; print s == "" ? "nobody" : s }' $TR/trace
}

reset() {
	rmmod kpromoted 2>/dev/null
	if [ -d $DAMON ]; then
		w off $DAMON/kdamonds/0/state
		w 0 $DAMON/kdamonds/nr_kdamonds
	fi
	w 0 $NB
	w 1 /sys/kernel/mm/numa/demotion_enabled
	sync
	w 3 /proc/sys/vm/drop_caches
	w 1 /proc/sys/vm/compact_memory
}

# Physical address range of node 1, from its memory blocks.
node1_range() {
	bs=$(printf '%d' "0x$(cat /sys/devices/system/memory/block_size_bytes)")
	ids=$(ls -d /sys/devices/system/node/node1/memory[0-9]* | sed 's/.*memory//' | sort -n)
	lo=$(echo "$ids" | head -n 1)
	hi=$(echo "$ids" | tail -n 1)
	echo "$((lo * bs)) $(((hi + 1) * bs))"
}

damon_on() {
	[ -d $DAMON ] || { say "note contender=damon unavailable: no $DAMON"; return 1; }
	# Debian's 7.2 starts DAMON_STAT at boot; it holds DAMON (state=on fails with EBUSY).
	if [ "$(cat /sys/module/damon_stat/parameters/enabled 2>/dev/null)" = Y ]; then
		w N /sys/module/damon_stat/parameters/enabled
		say "note damon_stat was enabled at boot: turned off to run DAMON sysfs"
		sleep 1
	fi
	# shellcheck disable=SC2046 # two numbers, split on purpose
	set -- $(node1_range)
	K=$DAMON/kdamonds/0
	w 1 $DAMON/kdamonds/nr_kdamonds
	w 1 $K/contexts/nr_contexts
	X=$K/contexts/0
	w paddr $X/operations
	# Monitoring intervals and region counts: DAMON's defaults (5 ms, 100 ms, 1 s; 10..1000).
	w 1 $X/targets/nr_targets
	w 1 $X/targets/0/regions/nr_regions
	w "$1" $X/targets/0/regions/0/start
	w "$2" $X/targets/0/regions/0/end
	w 1 $X/schemes/nr_schemes
	S=$X/schemes/0
	w migrate_hot $S/action
	w 0 $S/target_nid
	# Hot: accessed in at least 5 of the 20 samples of an aggregation interval.
	w 5 $S/access_pattern/nr_accesses/min
	w 20 $S/access_pattern/nr_accesses/max
	w on $K/state || { say "note damon state=on failed"; return 1; }
	say "note damon paddr node1=[$1,$2) action=$(cat $S/action) target_nid=$(cat $S/target_nid) state=$(cat $K/state)"
}

setup() {
	case $C in
	none) w 0 $NB ;;
	kernel) w 2 $NB ;;
	kernel-nb1) w 1 $NB ;;
	damon) w 0 $NB; damon_on ;;
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
	if ! setup; then
		say "result contender=$C scenario=$s rep=$REP status=unavailable"
		continue
	fi
	args="-s $SECS -x $SEED -m $MIB -H $HOT"
	case $s in
	hot-thp) args="$args -S hot -t" ;;
	*) args="$args -S $s" ;;
	esac
	snap a
	dr_start
	t0=$(date +%s)
	$BIN $args >/tmp/out 2>&1 || { rc=1; sed 's/^/KPB note error /' /tmp/out | tail -n 5; }
	snap b
	dr_by=$(dr_stop)
	nbmode=$(cat $NB)
	kp=""
	if [ -d /sys/kernel/debug/kpromoted ]; then
		for k in records records_hintfault records_mglru records_dropped records_filtered candidates promoted_pages \
			hintfault_suppressed skipped_rate_limit skipped_no_room failed_migrate \
			mglru_scans mglru_scan_cpu_ns table_bytes hot_threshold_effective \
			nominated nominations_refused confirm_looks confirm_hot confirm_cold confirm_gone \
			demoted_for_room repromoted waiting_for_room room_armed room_kept migrate_retried \
			skipped_stale; do
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
	say "result contender=$C scenario=$s rep=$REP status=ok kernel=$KVER nb=$nbmode wall=$(($(date +%s) - t0)) $res$d$kp direct_reclaim_by=$dr_by"
done
exit $rc
