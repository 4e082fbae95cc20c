#!/bin/sh
# The guest half of `make demo` (scripts/demo.sh): a hot set on the slow node, kpromoted
# moving it (kpromotedctl heatmap, watch, top), a before/after summary, then the kernel's own
# numa_balancing=2 on the same workload for comparison. Output goes to the demo's terminal.
T=/tests
CTL=$T/kpromotedctl
HOTSET="$T/kp_hotset -m 256 -H 32 -n 1 -l"
say() { printf '\n=== %s\n' "$*"; }
vmstat() { awk -v k="$1" '$1 == k {print $2}' /proc/vmstat; }
# Prefix the workload's reports so they are told from kpromotedctl's frames.
tagged() { while IFS= read -r l; do echo "workload | $l"; done; }
# start_hotset SECONDS LOG: the workload in the background; returns once its buffer is on node 1.
start_hotset() {
	: >"$2"
	($HOTSET -s "$1" -r 5000 2>&1 | tee "$2" | tagged) &
	HS=$!
	i=0
	until grep -q '^hotset:' "$2" || [ $i -ge 600 ]; do sleep 0.1; i=$((i + 1)); done
}
# summary LOG: placement at the start (every page bound to node 1), first and last report.
summary() {
	echo "  t=  0.0s hot_on_fast=  0.0% cold_on_fast=  0.0%                   (allocated on node 1)"
	grep '^t=' "$1" | head -n 1 | sed 's/^/  /'
	grep '^t=' "$1" | tail -n 1 | sed 's/^/  /'
}

tiers=$(ls -d /sys/devices/virtual/memory_tiering/memory_tier* 2>/dev/null | wc -l)
say "kpromoted demo on $(uname -r) (Debian ${KP_RELEASE:-?}), 2 vCPUs under QEMU TCG"
echo "node 0: CPUs + $(awk '/MemTotal/ {print int($4/1024)}' /sys/devices/system/node/node0/meminfo) MiB (fast)," \
	"node 1: no CPU, $(awk '/MemTotal/ {print int($4/1024)}' /sys/devices/system/node/node1/meminfo) MiB (slow: 4x latency, 1/5 bandwidth in HMAT)"
for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
	[ -f "$t/nodelist" ] && echo "kernel memory tier ${t##*tier}: nodes $(cat "$t/nodelist")"
done
params=
if [ "$tiers" -lt 2 ]; then
	params=slow_nodes=1
	echo "this kernel puts both nodes in one tier: kpromoted is told slow_nodes=1"
fi
echo "workload: kp_hotset, 256 MiB faulted on node 1, the first 32 MiB read in a loop (the hot set),"
echo "          every other page read about once a second (lukewarm: used, but not worth fast memory)"

# The kernel's own balancing off, so the "before" is what a slow-tier allocation looks like.
numab0=$(cat /proc/sys/kernel/numa_balancing)
echo 0 >/proc/sys/kernel/numa_balancing

say "1. kpromoted: load, then watch for a minute"
start_hotset 60 /tmp/kp.log
mig0=$(vmstat pgmigrate_success)
app0=$(vmstat numa_pages_migrated)
$CTL load $params || exit 1
# Where the heat is on the slow node while the hot set is still there (through cat: frames
# one after another, not redrawn in place, so the demo's log reads like a story).
$CTL heatmap --node 1 --interval 1 --count 2 | cat
# Every second while the hot set moves, then every 10 s.
$CTL watch --interval 1 --iterations 8 | cat
# Whose pages moved.
$CTL top --interval 1 --count 1 | cat
$CTL watch --interval 10 --iterations 5 | cat
wait $HS
say "kpromoted after the run"
$CTL status --interval 0.5
promoted=$($CTL stats | awk '$1 == "promoted_pages" {print $2}')
$CTL unload || exit 1
mig1=$(vmstat pgmigrate_success)
app1=$(vmstat numa_pages_migrated)

say "2. the same workload under the kernel's own NUMA balancing (numa_balancing=2)"
if [ "$tiers" -lt 2 ]; then
	echo "Linux $(uname -r | cut -d- -f1) has no memory tiers on this machine (no HMAT tiering before 6.2's"
	echo "memory_tier work): tiering mode finds no slower tier and promotes nothing. Shown anyway:"
fi
echo 2 >/proc/sys/kernel/numa_balancing
p0=$(vmstat pgpromote_success)
g0=$(vmstat pgmigrate_success)
a0=$(vmstat numa_pages_migrated)
start_hotset 30 /tmp/nb.log
wait $HS
p1=$(vmstat pgpromote_success)
g1=$(vmstat pgmigrate_success)
a1=$(vmstat numa_pages_migrated)
echo "$numab0" >/proc/sys/kernel/numa_balancing

say "before/after (placement measured by the workload with move_pages(2))"
echo "kpromoted (migrations in its own workers, rate-limited, hot pages only):"
summary /tmp/kp.log
echo "  pages promoted by kpromoted: ${promoted:-?}; pgmigrate_success +$((mig1 - mig0));" \
	"migrations in the application's page faults: $((${app1:-0} - ${app0:-0}))"
echo "numa_balancing=2 (migrations in the faulting task):"
summary /tmp/nb.log
echo "  pgpromote_success +$((${p1:-0} - ${p0:-0})); pgmigrate_success +$((g1 - g0));" \
	"migrations in the application's page faults: $((${a1:-0} - ${a0:-0}))"
echo "(precision: of the workload's pages on the fast node, the share that is hot)"
[ "$tiers" -lt 2 ] && echo "  (6.1: no tiers, so tiering mode cannot promote)"
echo
echo "numa_balancing is back to $(cat /proc/sys/kernel/numa_balancing); kpromoted is unloaded."
exit 0
