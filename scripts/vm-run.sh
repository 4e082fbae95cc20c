#!/usr/bin/env bash
# Boot one release's stock kernel with the test initramfs in a two-tier NUMA QEMU guest and
# judge the run.
#   node 0: both vCPUs + KP_NODE0_MB (1024) MiB; node 1: CPU-less KP_NODE1_MB (1024) MiB,
#   HMAT: node 1 has 4x the latency (40 vs 10) and 1/5 the bandwidth (2G vs 10G).
#   A KP_DIMM_MB (128) MiB DIMM on node 1, cold-plugged and left offline
#   (memhp_default_state=offline: 6.12 and 7.2 would online it at boot), so node 1 is the
#   same 1 GiB for every test; only tests/vm/kp_faults.c onlines it (and offlines it again).
# The run fails when the guest prints no "KP-EXIT <n>", n != 0, a TAP "not ok" appears, the
# timeout hits, or the kernel logs a warning, oops, BUG, panic, lockup, stall, KASAN/UBSAN,
# or a report of the debug kernel's checkers (lockdep, ODEBUG, list corruption, kmemleak).
# Usage: scripts/vm-run.sh RELEASE [extra kernel cmdline ...]
# A guest still running at the timeout is taken apart before it is killed: its vCPUs'
# registers (QEMU monitor, twice, to tell a spinning guest from a stopped QEMU) go to
# RELEASE-<timestamp>.hang.log, then an NMI makes the kernel panic with its own backtrace
# (unknown_nmi_panic) on the console.
# Env: KP_RUN=/path/in/guest (script to run, default /tests/run.sh), KP_TIMEOUT (600 s),
#      KP_VERBOSE=1 (stream the whole console), KP_ACCEL=tcg|kvm|auto (tcg),
#      KP_TCG_THREAD=single|multi (single: both vCPUs on one host thread), KP_NODE0_MB,
#      KP_NODE1_MB, KP_DIMM_MB (128; 0: no DIMM), KP_SMP (2), KP_INITRD (another initramfs), KP_QEMU_ARGS (appended),
#      KP_RESULT_FILE (vm-run writes tap=<path> and console=<path> there).
# Logs: $KP_CACHE/logs/RELEASE-<timestamp>.{console,tap}.log, RELEASE-latest.* links.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

ARGS=("$@")
REL=${1:-}
kp_check_release "$REL"
shift
kp_load_release_env "$REL"

INITRD=${KP_INITRD:-$KP_CACHE/out/$REL/initramfs.cpio.gz}
[[ -f $INITRD ]] || kp_die "$INITRD missing: run scripts/mkinitramfs.sh $REL"
[[ -f $KP_VMLINUZ ]] || kp_die "$KP_VMLINUZ missing: run scripts/release.sh $REL"
TIMEOUT=${KP_TIMEOUT:-600}
N0=${KP_NODE0_MB:-1024}
N1=${KP_NODE1_MB:-1024}
SMP=${KP_SMP:-2}
DIMM=${KP_DIMM_MB:-128}
LOGDIR=$KP_CACHE/logs
mkdir -p "$LOGDIR"
stamp=$(date +%Y%m%d-%H%M%S)-$$
CONSOLE=$LOGDIR/$REL-$stamp.console.log
HANGLOG=$LOGDIR/$REL-$stamp.hang.log
# The monitor socket lives in /tmp: a unix socket path is limited to 108 bytes.
MONITOR=$(mktemp -u /tmp/kp-monitor.XXXXXX)
TAP=$LOGDIR/$REL-$stamp.tap.log
: >"$CONSOLE"
: >"$TAP"
# -latest links are for people; callers (vm-check, check) get this run's own paths through
# KP_RESULT_FILE, since a concurrent run of the same release moves the links.
ln -sfn "${CONSOLE##*/}" "$LOGDIR/$REL-latest.console.log"
ln -sfn "${TAP##*/}" "$LOGDIR/$REL-latest.tap.log"
if [[ -n ${KP_RESULT_FILE:-} ]]; then
	printf 'tap=%s\nconsole=%s\n' "$TAP" "$CONSOLE" >"$KP_RESULT_FILE"
fi

# Does KVM really run this guest? (/dev/kvm exists on this kind of machine, yet guests die
# with an emulation failure or an MSR assertion.) Boot it once with /bin/true, bounded by a
# timeout; remember the answer for a day.
kvm_works() {
	local memo=$KP_CACHE/accel-probe log rc=1
	if [[ -f $memo && -n $(find "$memo" -mmin -1440) ]]; then
		[[ $(cat "$memo") == kvm ]]
		return
	fi
	if [[ -r /dev/kvm && -w /dev/kvm ]]; then
		log=$(mktemp)
		# In a subshell so that bash's "Aborted" notice about QEMU goes to /dev/null too.
		(timeout -k 5 60 qemu-system-x86_64 -accel kvm -cpu host -smp 1 -m 512M -nographic \
			-no-reboot -nic none -monitor none -serial "file:$log" -kernel "$KP_VMLINUZ" \
			-initrd "$INITRD" -append "console=ttyS0 panic=-1 kp.run=/bin/true" \
			</dev/null >/dev/null 2>&1 || true) 2>/dev/null
		grep -q '^KP-EXIT 0' "$log" && rc=0
		rm -f "$log"
	fi
	if [[ $rc -eq 0 ]]; then echo kvm >"$memo"; else echo tcg >"$memo"; fi
	kp_log "vm-run: KVM probe: $([[ $rc -eq 0 ]] && echo "boots a guest" || echo "no guest boots, using TCG")"
	return "$rc"
}

# TCG by default (see above); KP_ACCEL=auto uses KVM when the probe boots, kvm insists.
accel_mode=${KP_ACCEL:-tcg}
if [[ $accel_mode == auto ]]; then
	accel_mode=tcg
	kvm_works && accel_mode=kvm
fi
case $accel_mode in
# One host thread runs both vCPUs (KP_TCG_THREAD=multi: a thread each). Multi-threaded TCG
# crashed the guest kernel where no kernel bug was: an int3 oops at a jump-label site the
# other vCPU had just re-patched (6.12, migrate_task_rq_fair, a timer softirq over
# move_pages), a double fault with garbage EFLAGS right after a cmpxchg16b, which MTTCG
# emulates by stopping every vCPU. One thread has neither race and ran the same guest
# programs in the same time (kp_promote 316 s against 298, kp_hwsample 66 s against 75).
tcg) accel=(-accel "tcg,thread=${KP_TCG_THREAD:-single}" -cpu max) ;;
kvm)
	[[ -r /dev/kvm && -w /dev/kvm ]] || kp_die "KP_ACCEL=kvm but /dev/kvm is not usable"
	accel=(-accel kvm -cpu host)
	;;
*) kp_die "KP_ACCEL must be tcg, kvm or auto" ;;
esac

# shellcheck disable=SC2054 # commas belong to the option values
cmdline=(console=ttyS0,115200 printk.time=1 panic_on_warn=1 oops=panic panic=-1
	softlockup_panic=1 hung_task_panic=1 unknown_nmi_panic kp.tap=ttyS1)
# The DIMM stays offline until a test onlines it (6.1 leaves it offline anyway).
mem=("$((N0 + N1))M")
dimm=()
if ((DIMM > 0)); then
	cmdline+=(memhp_default_state=offline)
	mem=("$((N0 + N1))M,slots=1,maxmem=$((N0 + N1 + DIMM))M")
	# shellcheck disable=SC2054 # commas belong to the option values
	dimm=(-object "memory-backend-ram,id=dimm1mem,size=${DIMM}M"
		-device "pc-dimm,id=dimm1,memdev=dimm1mem,node=1")
fi
[[ -n ${KP_RUN:-} ]] && cmdline+=("kp.run=$KP_RUN")
cmdline+=("$@")

# shellcheck disable=SC2206,SC2054 # KP_QEMU_ARGS is split on purpose; commas are QEMU's
qemu=(qemu-system-x86_64 "${accel[@]}" -smp "$SMP" -m "${mem[0]}"
	-machine pc,hmat=on -nographic -no-reboot -nic none -parallel none
	-monitor "unix:$MONITOR,server=on,wait=off"
	-serial "file:$CONSOLE" -serial "file:$TAP"
	-object "memory-backend-ram,id=mem0,size=${N0}M"
	-object "memory-backend-ram,id=mem1,size=${N1}M"
	-numa "node,nodeid=0,cpus=0-$((SMP - 1)),memdev=mem0,initiator=0"
	-numa "node,nodeid=1,memdev=mem1,initiator=0"
	-numa hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-latency,latency=10
	-numa hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-bandwidth,bandwidth=10G
	-numa hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-latency,latency=40
	-numa hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-bandwidth,bandwidth=2G
	"${dimm[@]}"
	-kernel "$KP_VMLINUZ" -initrd "$INITRD" -append "${cmdline[*]}"
	${KP_QEMU_ARGS:-})

# One guest at a time on this machine (several worktrees share one cache): two TCG guests on two
# cores slow each other and make the placement deadlines of the tests lie.
exec 9>"$KP_CACHE/vm.lock"
if ! flock -n 9; then
	echo "vm-run $REL: waiting for the guest already running on this machine"
	flock 9
fi
echo "vm-run $REL: kernel $KP_KVER, ${accel[*]}, ${SMP} vCPUs, node0 ${N0} MiB, node1 ${N1} MiB (+ ${DIMM} MiB DIMM, offline), timeout ${TIMEOUT}s"
echo "vm-run $REL: cmdline: ${cmdline[*]}"
t0=$SECONDS
# One HMP command to the guest's monitor; its answer on stdout (python3: bash has no unix
# sockets). Gives up after a few seconds: a QEMU whose main loop is stuck answers nothing.
monitor() {
	python3 - "$MONITOR" "$1" <<'PY' 2>&1
import re, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
def drain(t):
    out, end = b"", time.time() + t
    while time.time() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        out += chunk
        if out.rstrip().endswith(b"(qemu)"):
            break
    return out
drain(2)
s.sendall(sys.argv[2].encode() + b"\n")
# The monitor echoes the command with line-editing escapes: drop that line, keep the answer.
text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", drain(10).decode(errors="replace"))
print("\n".join(text.replace("\r", "").split("\n")[1:]).replace("(qemu)", "").rstrip())
PY
}

# The guest at the timeout: registers of every vCPU twice, 3 s apart (the same RIPs: QEMU
# itself is stuck or the vCPUs spin in place), then an NMI for the kernel's own backtrace.
dump_hung_guest() {
	{
		echo "guest still running after ${TIMEOUT}s: vCPU registers, twice, 3 s apart"
		monitor "info registers -a"
		sleep 3
		monitor "info registers -a"
		echo "NMI sent: the kernel panics with its backtrace on the console (unknown_nmi_panic)"
		monitor "nmi"
	} >"$HANGLOG" 2>&1
	sleep 20
	monitor "quit" >/dev/null 2>&1 || true
}

# A hung guest is a failure: at the timeout it is dumped and stopped (above); TERM 60 s
# later if it is still there, KILL 10 s after that.
timeout -k 10 "$((TIMEOUT + 60))" "${qemu[@]}" </dev/null >"$LOGDIR/$REL-$stamp.qemu.log" 2>&1 &
qpid=$!
(
	# Its sleep goes with it when the run ends first.
	trap 'kill "$nap" 2>/dev/null; exit 0' TERM
	sleep "$TIMEOUT" &
	nap=$!
	wait "$nap"
	kill -0 "$qpid" 2>/dev/null || exit 0
	: >"$HANGLOG"
	dump_hung_guest
) &
watchdog=$!
# Interrupted: take the guest down with us (timeout passes TERM on to QEMU).
trap 'kill "$qpid" "$watchdog" 2>/dev/null; rm -f "$MONITOR"; exit 130' INT TERM
# Stream the guest's test output (and, verbose, the console) while it runs.
tails=()
# Line-buffered (sed -u) so the two streams interleave by whole lines.
tail -n +1 -F --pid="$qpid" "$TAP" 2>/dev/null | sed -u 's/\r$//' &
tails+=($!)
if [[ ${KP_VERBOSE:-0} == 1 ]]; then
	# Drop the firmware's terminal escapes; prefix so the console is told from test output.
	tail -n +1 -F --pid="$qpid" "$CONSOLE" 2>/dev/null |
		sed -u -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g' -e 's/^/console| /' &
	tails+=($!)
fi
qrc=0
wait "$qpid" || qrc=$?
wait "${tails[@]}" 2>/dev/null || true
elapsed=$((SECONDS - t0))
kill "$watchdog" 2>/dev/null || true
wait "$watchdog" 2>/dev/null || true
rm -f "$MONITOR"
# The watchdog took the guest down: that is the timeout, whatever QEMU's exit status.
[[ -s $HANGLOG ]] && qrc=124

# The kernel died while booting, before init ran (no KP-BEGIN): nothing of kpromoted has run
# yet (only the guest's scripts load it). Seen once under TCG on 7.2 (an int3 oops in the timer
# interrupt while the kernel patched its own text). Boot once more, and say so; a second
# failure is judged as usual.
if [[ -z ${KP_BOOT_RETRIED:-} ]] && ! grep -aq '^KP-BEGIN ' "$CONSOLE" &&
	grep -aqE '\[ *[0-9]+\.[0-9]+\] .*(Kernel panic|Oops)' "$CONSOLE"; then
	echo "vm-run $REL: the kernel panicked while booting, before init started; booting once more"
	echo "vm-run $REL: that boot's console: $CONSOLE"
	KP_BOOT_RETRIED=1 exec bash "$0" "${ARGS[@]}"
fi

fail=()
if [[ $qrc -eq 124 || $qrc -eq 137 ]]; then
	fail+=("timeout: guest still running after ${TIMEOUT}s (hung?); vCPU registers: $HANGLOG")
elif [[ $qrc -ne 0 ]]; then
	fail+=("qemu exited with status $qrc: $(tail -n 3 "$LOGDIR/$REL-$stamp.qemu.log" | tr '\n' ' ')")
fi

# The right kernel booted?
booted=$(tr -d '\r' <"$CONSOLE" | sed -n 's/^KP-BEGIN .* kernel=\([^ ]*\) .*/\1/p' | tail -n 1)
if [[ -z $booted ]]; then
	fail+=("init never started (no KP-BEGIN line)")
elif [[ $booted != "$KP_KVER" ]]; then
	fail+=("guest runs kernel $booted, expected $KP_KVER")
fi

exit_line=$(tr -d '\r' <"$CONSOLE" | grep -E '^KP-EXIT -?[0-9]+$' | tail -n 1 || true)
if [[ -z $exit_line ]]; then
	fail+=("no 'KP-EXIT <n>' line: the guest died or hung before its script finished")
elif [[ ${exit_line#KP-EXIT } != 0 ]]; then
	fail+=("guest script exited with status ${exit_line#KP-EXIT }")
fi

# Kernel trouble. Only what the kernel printed counts (it carries the "[ seconds] "
# timestamp; unanchored, since a kernel line can start in the middle of one of init's),
# so test output that mentions these words cannot trip it.
# The debug kernel's checkers (make check-debug) mostly report through WARNING:/BUG:; their
# own first lines are listed too, in case one ever prints without them: lockdep, debug
# objects, list debugging, might_sleep, kmemleak (kmemleak.verbose=1; without it
# tests/vm/run.sh reads the scan itself).
bad_re='WARNING:|BUG:|Oops|Kernel panic|soft lockup|hard LOCKUP|KASAN|UBSAN|general protection fault|Call Trace:|kernel BUG|RCU stall|rcu_sched self-detected|rcu_preempt self-detected|rcu: INFO|detected stalls? on CPU|blocked for more than|cut here'
bad_re+='|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage|ODEBUG:|list_(add|del) corruption|sleeping function called from invalid context|unreferenced object'
# One exception: the stack the OOM killer prints with its report ("<task> invoked oom-killer:"
# ... "Call Trace:"), between the markers a test that provokes an OOM on purpose writes to
# /dev/kmsg (tests/vm/kp_faults.c). Anything else in that window still counts.
bad=$(tr -d '\r' <"$CONSOLE" | KP_BAD_RE="\[ *[0-9]+\.[0-9]+\] .*($bad_re)" awk '
	/\] kp-expect: oom-killer begin/ { win = 1 }
	/\] kp-expect: oom-killer end/ { win = 0; oom = 0 }
	win && /\[ *[0-9]+\.[0-9]+\] .*invoked oom-killer:/ { oom = 1 }
	$0 ~ ENVIRON["KP_BAD_RE"] {
		if (win && oom && /Call Trace:/) { oom = 0; next }
		print NR ":" $0
	}' | head -n 20 || true)
[[ -n $bad ]] && fail+=("kernel reported problems on the console")

notok=$(tr -d '\r' <"$TAP" | grep -E '^not ok' | grep -viE '#[[:space:]]*(skip|todo)' || true)
[[ -n $notok ]] && fail+=("$(echo "$notok" | wc -l) TAP test(s) not ok")

read -r pass nfail skip < <(kp_tap_count "$TAP")
# The default suite must report something: a run.sh that tests nothing is not a pass.
if [[ -z ${KP_RUN:-} && $((pass + nfail + skip)) -eq 0 ]]; then
	fail+=("no TAP results from the guest suite")
fi
if [[ ${#fail[@]} -eq 0 ]]; then
	echo "vm-run $REL: PASS in ${elapsed}s (kernel $KP_KVER; TAP: $pass ok, $nfail not ok, $skip skipped)"
	exit 0
fi
indent() { sed "s/^/$1/"; }
echo "vm-run $REL: FAIL in ${elapsed}s (kernel $KP_KVER)"
for r in "${fail[@]}"; do echo "  - $r"; done
[[ -n $notok ]] && kp_tap_failures "$TAP"
if [[ -s $HANGLOG ]]; then
	echo "  vCPUs at the timeout (twice, 3 s apart; the backtrace follows in the console):"
	grep -E '^(CPU#|RIP=)' "$HANGLOG" | sed 's/^/    /' || echo "    (the monitor did not answer: QEMU itself hung)"
fi
if [[ -n $bad ]]; then
	echo "  offending console lines (line:text):"
	indent "    " <<<"$bad"
	# Show the first report in full: the trace says where it came from.
	first=${bad%%:*}
	echo "  console from line $first:"
	tr -d '\r' <"$CONSOLE" | sed -n "${first},$((first + 40))p" | sed 's/^/    /'
elif [[ -z $exit_line ]]; then
	echo "  last console lines:"
	tr -d '\r' <"$CONSOLE" | tail -n 25 | sed 's/^/    /'
fi
[[ -n $notok ]] && indent "  " <<<"$notok"
echo "  console log: $CONSOLE"
echo "  test output: $TAP"
exit 1
