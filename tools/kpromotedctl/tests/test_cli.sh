#!/usr/bin/env bash
# kpromotedctl's command line on the host, against a fake /sys, /proc and /run
# (KPROMOTEDCTL_ROOT): exit codes, one-line errors, output formats. TAP.
# Usage: test_cli.sh PATH-TO-kpromotedctl
set -u
BIN=$(readlink -f "${1:?usage: test_cli.sh kpromotedctl}")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0 failed=0

ok() { # ok COND-STATUS DESCRIPTION
	n=$((n + 1))
	if [[ $1 -eq 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
# run EXPECTED-EXIT DESCRIPTION ARGS...: runs the tool in the fake root, keeps its output.
run() {
	local want=$1 desc=$2 rc=0
	shift 2
	KPROMOTEDCTL_ROOT=$T KPROMOTEDCTL_MODDIR=$T/empty "$BIN" "$@" >"$T/out" 2>"$T/err" || rc=$?
	[[ $rc -eq $want ]]
	ok $? "$desc (exit $rc, want $want)"
	[[ $rc -eq $want ]] || sed 's/^/# /' "$T/out" "$T/err"
}
one_line_err() { [[ $(wc -l <"$T/err") -eq 1 ]] && grep -q '^kpromotedctl: ' "$T/err"; }

make_tree() {
	rm -rf "${T:?}"/{sys,proc,run,empty}
	mkdir -p "$T/proc/sys/kernel" "$T/sys/kernel/mm/lru_gen" "$T/sys/module/kpromoted" \
		"$T/sys/kernel/debug/kpromoted" "$T/sys/devices/system/node/node0" \
		"$T/sys/devices/system/node/node1" "$T/run" "$T/empty"
	echo "debugfs /sys/kernel/debug debugfs rw,relatime 0 0" >"$T/proc/mounts"
	echo 1 >"$T/proc/sys/kernel/numa_balancing"
	echo 0x0007 >"$T/sys/kernel/mm/lru_gen/enabled"
	echo 0-1 >"$T/sys/devices/system/node/online"
	echo 0-1 >"$T/sys/devices/system/node/has_memory"
	echo 0 >"$T/sys/devices/system/node/has_cpu"
	echo "Node 0 MemUsed:         314572 kB" >"$T/sys/devices/system/node/node0/meminfo"
	echo "Node 1 MemUsed:         262144 kB" >"$T/sys/devices/system/node/node1/meminfo"
	echo 0.1.0 >"$T/sys/module/kpromoted/version"
	printf 'tier_source kernel\nfast_nodes 0\nslow_nodes 1\nnode0 fast\nnode1 slow\n' \
		>"$T/sys/kernel/debug/kpromoted/tiers"
	printf 'hintfault enabled\nmglru enabled\nibs unavailable: not an AMD CPU with IBS\npebs disabled\n' \
		>"$T/sys/kernel/debug/kpromoted/sources"
	printf 'mode promote\nrate_limit_mbps 256\n' >"$T/sys/kernel/debug/kpromoted/config"
	printf 'loads_selftest_ok 1\nrecords 1000\nrecords_dropped 3\npromoted_pages 8192\npromoted_bytes 33554432\npromote_batches 128\ntable_bytes 58368\ntable_entries 7296\ntable_used 42\nhot_threshold_effective 2\n' \
		>"$T/sys/kernel/debug/kpromoted/stats"
}

echo "TAP version 13"
make_tree
run 2 "no command is a usage error"
run 0 "--help" --help
grep -q 'exit status' "$T/out"
ok $? "--help lists the exit codes"
run 2 "unknown command" frobnicate
one_line_err
ok $? "unknown command: one line on stderr"
run 3 "load: parameter out of range" load rate_limit_mbps=0
grep -qx 'kpromotedctl: invalid rate_limit_mbps=0: out of range (accepted: 1..100000)' "$T/err"
ok $? "load: the error line names parameter, reason and range"
run 3 "load: unknown parameter" load bogus=1
run 3 "load: slow_nodes names a node the machine lacks" load slow_nodes=3
run 3 "load: slow_nodes leaves no fast node" load slow_nodes=0-1
[[ -z $(ls -A "$T/run") ]]
ok $? "a refused load leaves nothing behind in /run"
run 2 "load: unknown option" load --frob
run 8 "load while loaded" load
rm -rf "$T/sys/module/kpromoted"
run 5 "load: module not installed" load
grep -q 'not installed for kernel' "$T/err"
ok $? "not installed: says so"
run 7 "stats while not loaded" stats
run 7 "unload while not loaded" unload
make_tree
: >"$T/proc/mounts"
run 6 "stats without debugfs mounted" stats
grep -q 'debugfs is not mounted' "$T/err" && one_line_err
ok $? "debugfs: one clear line"
make_tree
run 0 "stats" stats
grep -qE '^promoted_pages +8192$' "$T/out" && grep -qE '^records_dropped +3$' "$T/out"
ok $? "stats prints every counter"
[[ $(wc -l <"$T/out") -eq $(wc -l <"$T/sys/kernel/debug/kpromoted/stats") ]]
ok $? "stats: one line per debugfs line"
run 0 "stats --json" stats --json
if command -v python3 >/dev/null; then
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["promoted_pages"] == 8192 and len(d) == 10' "$T/out"
	ok $? "stats --json is valid JSON with every counter as a number"
fi
run 2 "stats: unexpected argument" stats extra
run 2 "stats: --json and --prometheus together" stats --json --prometheus
one_line_err
ok $? "stats: --json with --prometheus: one line on stderr"

# --prometheus on a stats file with every line the module prints (stats.sample; module_names.sh
# reads the names from the module's sources, so a new stats line fails here until it is added).
HERE=$(dirname "$(readlink -f "$0")")
missing=$("$HERE/module_names.sh" | awk '$1 == "counter" || $1 == "gauge" { print $2 }' |
	sed 's/^nodeN_/node[0-9]+_/' | while read -r re; do
		grep -qE "^$re " "$HERE/stats.sample" || echo "$re"
	done)
[[ -z $missing ]]
ok $? "stats.sample has every stats line the module prints${missing:+ (missing: $(echo $missing))}"
cp "$HERE/stats.sample" "$T/sys/kernel/debug/kpromoted/stats"
run 0 "stats --prometheus" stats --prometheus
cp "$T/out" "$T/prom"
if command -v promtool >/dev/null; then
	# (promtool accepts an empty input: the output must not be.)
	[[ -s $T/prom ]] && promtool check metrics <"$T/prom" >"$T/lint" 2>&1
	ok $? "stats --prometheus passes promtool check metrics"
	sed 's/^/# promtool: /' "$T/lint"
else
	ok 1 "stats --prometheus passes promtool check metrics (promtool missing: apt install prometheus, or scripts/host-deps.sh)"
fi
grep -q 'not described by this kpromotedctl' "$T/prom"
ok $((!$?)) "stats --prometheus: kpromotedctl describes every stats line of the module"
[[ $(grep -c '^# HELP kpromoted_' "$T/prom") -eq $(grep -c '^# TYPE kpromoted_' "$T/prom") &&
	$(grep -c '^# TYPE' "$T/prom") -eq $(grep '^# TYPE' "$T/prom" | sort -u | wc -l) ]]
ok $? "stats --prometheus: one HELP and one TYPE per family"
grep -qx 'kpromoted_promoted_pages_total 8192' "$T/prom" &&
	grep -qx '# TYPE kpromoted_promoted_pages_total counter' "$T/prom" &&
	grep -qx '# TYPE kpromoted_table_bytes gauge' "$T/prom" &&
	grep -qx 'kpromoted_room_owed_pages{node="2"} 17' "$T/prom" &&
	grep -qx 'kpromoted_mglru_scan_cpu_seconds_total 1.234567891' "$T/prom" &&
	grep -qx 'kpromoted_info{version="0.1.0"} 1' "$T/prom" &&
	grep -qx 'kpromoted_source_enabled{source="ibs"} 0' "$T/prom"
ok $? "stats --prometheus: counters, gauges, node labels, seconds, version, sources"
# Every sample's type agrees with the module: counters are exactly stats_names.h's.
bad=$(awk '/^# TYPE/ { type[$3] = $4 } !/^#/ { n = $1; sub(/\{.*/, "", n); t = type[n]
	if ((t == "counter") != (n ~ /_total$/)) print n }' "$T/prom")
[[ -z $bad ]]
ok $? "stats --prometheus: counters end in _total, gauges do not${bad:+ ($bad)}"
ncounters=$("$HERE/module_names.sh" | grep -c '^counter ')
nsamples=$(awk '/^# TYPE .* counter$/ { c[$3] = 1 } !/^#/ { n = $1; sub(/\{.*/, "", n); if (n in c) k++ } END { print k }' "$T/prom")
[[ $ncounters -eq $nsamples ]]
ok $? "stats --prometheus: one counter sample per KP_STATS counter ($nsamples of $ncounters)"
if [[ -w /dev/full ]]; then
	rc=0
	KPROMOTEDCTL_ROOT=$T "$BIN" stats --prometheus >/dev/full 2>"$T/err" || rc=$?
	[[ $rc -eq 1 ]] && one_line_err && grep -q 'cannot write' "$T/err"
	ok $? "stats --prometheus into a full disk: exit 1, one line (got $rc), so the textfile is not replaced"
fi
# The example service's script, as systemd runs it ($$ -> $), against the fake tree.
unit=$HERE/../../../packaging/prometheus/kpromoted-textfile.service
script=$(sed -n '/^ExecStart=/,/[^\\]$/p' "$unit" | sed 's/^ExecStart=//' | sed -z 's/\\\n/ /g' |
	sed "s|^/bin/sh -c '||; s|'\$||; s|\\$\\$|\$|g; s|/usr/sbin/kpromotedctl|$BIN|; s|^d=[^;]*;|d=$T/textfile;|")
unit_run() { KPROMOTEDCTL_ROOT=$T KPROMOTEDCTL_MODDIR=$T/empty sh -c "$script" 2>"$T/err"; }
unit_run
[[ $? -eq 0 ]] && cmp -s "$T/textfile/kpromoted.prom" "$T/prom" && [[ -z $(ls "$T/textfile" | grep -v '^kpromoted.prom$') ]]
ok $? "example service: writes kpromoted.prom, nothing else left in the directory"
rm -rf "$T/sys/module/kpromoted"
unit_run
rc=$?
[[ $rc -eq 7 && ! -e $T/textfile/kpromoted.prom ]] && grep -q '^SuccessExitStatus=7$' "$unit"
ok $? "example service: module not loaded: the file is removed, exit 7 counts as success (got $rc)"
run 7 "stats --prometheus while not loaded" stats --prometheus
one_line_err && [[ ! -s $T/out ]]
ok $? "not loaded: one line on stderr, nothing on stdout (the textfile is not overwritten)"
make_tree
run 0 "status" status --interval 0.1
grep -q 'fast nodes 0, slow nodes 1' "$T/out" && grep -q 'ibs.*unavailable: not an AMD' "$T/out" &&
	grep -q 'MB/s' "$T/out" && grep -q '57.0 KiB' "$T/out" && grep -q 'node1 256.0 MiB used' "$T/out"
ok $? "status: tiers, sources with reasons, rate, table memory, node usage"
# A counter moving under watch: rewrite stats while it sleeps.
(sleep 0.3 && sed -i 's/^promoted_pages .*/promoted_pages 9000/' "$T/sys/kernel/debug/kpromoted/stats") &
run 0 "watch --iterations 3 --interval 0.2" watch --iterations 3 --interval 0.2
wait
[[ $(grep -c '^kpromoted watch' "$T/out") -eq 3 ]]
ok $? "watch: three frames"
! grep -q $'\e' "$T/out"
ok $? "watch: no terminal escapes into a pipe"
grep -qE 'promoting [0-9.]+ MB/s, [1-9][0-9]* pages/s' "$T/out"
ok $? "watch: a moving counter shows as pages/s"
run 2 "watch: bad interval" watch --interval 0
run 2 "watch: bad iterations" watch --iterations x
# heatmap and top against a fake regions and owners.
D=$T/sys/kernel/debug/kpromoted
{
	echo "span node 1 start_pfn 262144 regions 512"
	echo "z 64"
	printf '%072d%016s%024d\n' 0 "" 0 | sed 's/ /c8/g'
	echo "z 384"
} >"$D/regions"
mkdir -p "$T/proc/4242"
echo hotloop >"$T/proc/4242/comm"
printf 'process 4242 1000 8192\nprocess 77 5 0\nprocess other 3 0\ncgroup 1 5 0 /\ncgroup 4321 1000 8192 /kp.slice/workload\ncgroup other 0 0\n' >"$D/owners"
run 0 "heatmap --count 2" heatmap --count 2 --interval 0.1
[[ $(grep -c '^kpromoted heatmap' "$T/out") -eq 2 ]] && ! grep -q $'\e' "$T/out" &&
	grep -q '^node 1: 1.0 GiB from pfn 262144, 512 regions of 2 MiB, 2.0 MiB a cell, 16 warm$' "$T/out" &&
	grep -q '^  128.0M |                                    @@@@@@@@@@@@@@@@            |$' "$T/out"
ok $? "heatmap: two frames, plain characters into a pipe, the hot regions lit"
run 0 "heatmap --node 1" heatmap --node 1 --count 1
run 2 "heatmap: a node that is not slow" heatmap --node 0 --count 1
one_line_err && grep -q 'node 0 is not a slow node' "$T/err"
ok $? "heatmap --node 0: one line naming the node"
run 2 "heatmap: bad node" heatmap --node x
run 2 "heatmap: bad count" heatmap --count 0
run 2 "heatmap: bad interval" heatmap --interval 0
run 2 "heatmap: unexpected argument" heatmap 1
run 2 "heatmap: unknown option" heatmap --frob
one_line_err
ok $? "heatmap: unknown option: one line"
run 2 "heatmap: a png name gnuplot cannot take" heatmap --png "a'b"
if command -v gnuplot >/dev/null; then
	run 0 "heatmap --png" heatmap --count 2 --interval 0.1 --png "$T/heat.png"
	[[ $(head -c 8 "$T/heat.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]]
	ok $? "heatmap --png: a PNG image"
	run 1 "heatmap --png into a directory that is not there" heatmap --count 1 --png "$T/no/such/dir/h.png"
	one_line_err
	ok $? "heatmap --png failing: one line"
else
	n=$((n + 1))
	echo "ok $n - heatmap --png # SKIP no gnuplot (apt install gnuplot-nox)"
fi
PATH=/nonexistent run 1 "heatmap --png without gnuplot" heatmap --png "$T/x.png"
grep -q 'needs gnuplot' "$T/err" && one_line_err
ok $? "heatmap --png without gnuplot: says which package"
printf 'span node 1 start_pfn 0 regions 4\n01zz\n' >"$D/regions"
run 1 "heatmap: corrupt regions" heatmap --count 1
one_line_err
ok $? "heatmap: corrupt regions: one line"
rm "$D/regions"
run 1 "heatmap: regions unreadable" heatmap --count 1
run 0 "top --count 2" top --count 2 --interval 0.1
[[ $(grep -c '^kpromoted top --by process' "$T/out") -eq 2 ]] &&
	grep -qE '^ +4242 +0 +1000 +0 +8192  hotloop$' "$T/out" && grep -qE '^ +77 .* \(exited\)$' "$T/out"
ok $? "top: two frames, the process named by its comm, a gone one as exited"
run 0 "top --by cgroup" top --by cgroup --count 1 --interval 0.1
grep -qE '^ +4321 +0 +1000 +0 +8192  /kp.slice/workload$' "$T/out" && ! grep -q hotloop "$T/out"
ok $? "top --by cgroup: the cgroup by its path"
# Names are anyone's: a comm with a newline and an escape sequence, a cgroup path
# escaped as the module prints it. One row each, no raw control byte out.
mkdir -p "$T/proc/5151"
printf 'evil\nproc 9\e[2J\n' >"$T/proc/5151/comm"
printf 'process 5151 7 3\nprocess other 0 0\ncgroup 6 7 3 /evil\\012cgroup\\0409\\0409\\0409\\040/x\\033[2J\ncgroup other 0 0\n' >"$D/owners"
run 0 "top: hostile names" top --count 1 --interval 0.1
grep -qE '^ +5151 +0 +7 +0 +3  evil\\012proc 9\\033\[2J$' "$T/out" && ! grep -q '^proc 9' "$T/out" &&
	! grep -q $'\e' "$T/out"
ok $? "top: a comm with a newline and ESC is one escaped row"
run 0 "top --by cgroup: hostile names" top --by cgroup --count 1 --interval 0.1
grep -qE '^ +6 +0 +7 +0 +3  /evil\\012cgroup 9 9 9 /x\\033\[2J$' "$T/out" && ! grep -qE '^ *9 ' "$T/out" &&
	! grep -q $'\e' "$T/out"
ok $? "top --by cgroup: an escaped path with a forged line is one row, escaped again"
printf 'cgroup 6 7 3 /a b\n' >"$D/owners"
run 1 "top --by cgroup: a raw space in a path" top --by cgroup --count 1 --interval 0.1
one_line_err && grep -q 'line 1: bad line' "$T/err"
ok $? "top: a path not escaped: one line"
printf 'process 4242 1000 8192\nprocess 77 5 0\nprocess other 3 0\ncgroup 1 5 0 /\ncgroup 4321 1000 8192 /kp.slice/workload\ncgroup other 0 0\n' >"$D/owners"
run 2 "top: bad --by" top --by user
one_line_err
ok $? "top --by user: one line"
run 2 "top: bad count" top --count -1
run 2 "top: bad interval" top --interval x
run 2 "top: unexpected argument" top now
printf 'process x 1 2\n' >"$D/owners"
run 1 "top: corrupt owners" top --count 1 --interval 0.1
one_line_err
ok $? "top: corrupt owners: one line"
rm -rf "$T/sys/module/kpromoted"
run 7 "top while not loaded" top --count 1
run 7 "heatmap while not loaded" heatmap --count 1
make_tree
# unload in the fake tree checks only the settings (no module to remove).
printf 'numa_balancing 1\nlru_gen 0x0007\n' >"$T/run/settings-before-load"
mkdir -p "$T/run/kpromoted"
mv "$T/run/settings-before-load" "$T/run/kpromoted/"
echo 2 >"$T/proc/sys/kernel/numa_balancing"
run 9 "unload: a setting not restored" unload
grep -q 'numa_balancing is 2, was 1 before load' "$T/err"
ok $? "unload: names the setting"
echo 1 >"$T/proc/sys/kernel/numa_balancing"
run 0 "unload: settings restored" unload
[[ ! -e $T/run/kpromoted/settings-before-load ]]
ok $? "unload: forgets the recorded settings"
if [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null; then
	rc=0
	setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" stats >/dev/null 2>"$T/err" || rc=$?
	[[ $rc -eq 4 ]] && grep -q 'must run as root' "$T/err"
	ok $? "not root: exit 4 (got $rc)"
	rc=0
	setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" load batch_pages=0 >/dev/null 2>&1 || rc=$?
	[[ $rc -eq 3 ]]
	ok $? "not root: a bad parameter still says bad parameter (got $rc)"
else
	n=$((n + 1))
	echo "ok $n - not root # SKIP needs root and setpriv to drop privileges"
fi
echo "1..$n"
echo "# kpromotedctl cli: $((n - failed)) passed, $failed failed"
[[ $failed -eq 0 ]]
