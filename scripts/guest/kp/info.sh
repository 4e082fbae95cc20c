#!/bin/sh
# Print the guest's memory topology as TAP, for checking the two-tier setup by hand.
echo "1..3"
echo "# kernel $(uname -r) release $KP_RELEASE"
for f in /sys/devices/system/node/node*/meminfo; do
	echo "# $(grep MemTotal "$f")"
done
n=0
for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
	[ -f "$t/nodelist" ] || continue
	n=$((n + 1))
	echo "# ${t##*/}/nodelist: $(cat "$t/nodelist")"
done
echo "ok 1 - memory tiers: $n"
echo "ok 2 - numa_balancing: $(cat /proc/sys/kernel/numa_balancing)"
echo "ok 3 - lru_gen enabled: $(cat /sys/kernel/mm/lru_gen/enabled 2>/dev/null || echo absent)"
