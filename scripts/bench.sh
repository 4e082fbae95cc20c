#!/usr/bin/env bash
# `make bench`: kpromoted against the kernel's own promotion and DAMON, side by side, in the
# same two-tier guest (scripts/vm-run.sh: node 0 = 2 CPUs + 1 GiB, node 1 = CPU-less 1 GiB,
# HMAT latency 10 vs 40). One fresh guest boot per contender and repetition; inside it every
# scenario runs after a clean reset (scripts/bench-guest.sh), same workload, same seed
# (tests/vm/kp_bench.c). Not a test: it prints figures and writes a report.
# Usage: scripts/bench.sh [RELEASE|all ...]
# Env: BENCH_QUICK=1 (quick mode: trixie by default, fewer scenarios and seconds; < 15 min),
#      BENCH_REPS (repetitions; 2 quick, 3 full), BENCH_SECS (seconds per scenario; 10 quick,
#      30 full), BENCH_SCENARIOS, BENCH_CONTENDERS (override the lists), BENCH_OUT (results
#      directory, default results/<date>-<release>), BENCH_SEED (42), BENCH_KP_PARAMS (more
#      module parameters for the kp-* contenders, e.g. "hint_latency_ms=250 hot_threshold=3").
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

QUICK=${BENCH_QUICK:-0}
rels=("$@")
[[ ${#rels[@]} -eq 0 || ${rels[0]} == all ]] && {
	if [[ $QUICK == 1 && ${#rels[@]} -eq 0 ]]; then rels=(trixie); else read -ra rels <<<"$KP_ALL_RELEASES"; fi
}
for r in "${rels[@]}"; do kp_check_release "$r"; done
if [[ $QUICK == 1 ]]; then
	REPS=${BENCH_REPS:-2}
	SECS=${BENCH_SECS:-10}
	SCENARIOS=${BENCH_SCENARIOS:-hot,pressure,shift,uniform}
else
	REPS=${BENCH_REPS:-3}
	SECS=${BENCH_SECS:-30}
	SCENARIOS=${BENCH_SCENARIOS:-hot,hot-thp,pressure,shift,uniform}
fi
SEED=${BENCH_SEED:-42}
# A thread per vCPU: the benchmark is of a two-CPU machine, where kpromoted's kernel threads
# run beside the workload. With both vCPUs on one host thread (vm-run.sh's default for the
# tests, which it chose for the stability of the guest kernel) they take the workload's
# time instead: on trixie the default sources then reached 90% of the hot set in 3.6-7.8 s
# instead of 1.5-1.9, their kworkers accounted 6810 ms of CPU for the same 8197 promotions and
# 250k looks as 1380 ms with a thread each (kp-default, scenario hot, commit 58e4168). A
# guest that crashes shows in the report's Runs (vm-run status), with no figures for the
# scenarios it did not finish.
export KP_TCG_THREAD=${KP_TCG_THREAD:-multi}
MIB=256
HOT=32
t0=$SECONDS

# gnuplot for the plots (python3 for the report is part of any Debian install).
if ! command -v gnuplot >/dev/null || ! command -v python3 >/dev/null; then
	[[ $(id -u) -eq 0 ]] || kp_die "need gnuplot and python3 (apt-get install gnuplot-nox python3)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gnuplot-nox python3 >&2 ||
		{ apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gnuplot-nox python3 >&2; }
fi

# The host-side record path microbenchmark (pure C, src/core/table.c).
hostbench=$(mktemp -d)
trap 'rm -rf "$hostbench"' EXIT
gcc -O2 -Wall -Wextra -pthread -I"$KP_ROOT/include" -o "$hostbench/bench_record" \
	"$KP_ROOT/tests/unit/bench_record.c" "$KP_ROOT/src/core/table.c"
echo "== bench: host record path (kp_table_record, $(nproc) host cores)"
"$hostbench/bench_record" | tee "$hostbench/record.txt"

for rel in "${rels[@]}"; do
	bash "$KP_SCRIPTS/host-deps.sh"
	bash "$KP_SCRIPTS/release.sh" "$rel" >/dev/null
	bash "$KP_SCRIPTS/build-module.sh" "$rel"
	bash "$KP_SCRIPTS/build-tests.sh" "$rel" >/dev/null
	bash "$KP_SCRIPTS/mkinitramfs.sh" "$rel" >/dev/null
	kp_load_release_env "$rel"
	# (an if, not `[[ ]] &&`: under set -e a failed test in the substitution ends the script)
	suffix=
	if [[ $QUICK == 1 ]]; then suffix=-quick; fi
	out=${BENCH_OUT:-$KP_ROOT/results/$(date +%Y-%m-%d)-$rel$suffix}
	mkdir -p "$out"
	raw=$out/raw.txt
	: >"$raw"
	cp "$hostbench/record.txt" "$out/host-record.txt"

	# The guest script rides in a second cpio archive after the release's initramfs.
	stage=$hostbench/$rel
	mkdir -p "$stage/root/kp/user"
	install -m 755 "$KP_SCRIPTS/bench-guest.sh" "$stage/root/kp/user/bench-guest.sh"
	(cd "$stage/root" && find . | cpio --create --format=newc --owner=0:0 --quiet | gzip) >"$stage/user.cpio.gz"
	cat "$KP_CACHE/out/$rel/initramfs.cpio.gz" "$stage/user.cpio.gz" >"$stage/initrd.cpio.gz"

	contenders=${BENCH_CONTENDERS:-}
	if [[ -z $contenders ]]; then
		contenders="none kernel"
		[[ $rel == bookworm ]] && contenders+=" kernel-nb1"
		[[ $rel != bookworm ]] && contenders+=" damon"
		# DAMON's node-memory quota goals (damon-tier) exist from Linux 6.16.
		[[ $(printf '%s\n' 6.16 "${KP_KVER%%-*}" | sort -V | head -n 1) == 6.16 ]] && contenders+=" damon-tier"
		contenders+=" kp-hint kp-mglru kp-both kp-default"
	fi
	nscen=$(tr ',' '\n' <<<"$SCENARIOS" | grep -c .)
	kp_more=$(tr -s ' ' ':' <<<"${BENCH_KP_PARAMS:-}" | sed 's/^://; s/:$//')
	echo "== bench $rel: kernel $KP_KVER; contenders: $contenders; scenarios: $SCENARIOS; ${SECS}s each; $REPS repetition(s); seed $SEED -> $out"
	{
		echo "KPB meta date=$(date -u +%Y-%m-%dT%H:%M:%SZ) release=$rel kernel=$KP_KVER quick=$QUICK reps=$REPS secs=$SECS seed=$SEED mib=$MIB hot=$HOT kp_params=${kp_more:-none} set_scenarios=${BENCH_SCENARIOS:-} set_contenders=$(tr -s ' ' ':' <<<"${BENCH_CONTENDERS:-}") set_reps=${BENCH_REPS:-} set_secs=${BENCH_SECS:-}"
		echo "KPB meta guest=node0:2vCPU+${KP_NODE0_MB:-1024}MiB,node1:cpuless+${KP_NODE1_MB:-1024}MiB,hmat_latency=10/40,hmat_bw=10G/2G accel=tcg,thread=$KP_TCG_THREAD host_cores=$(nproc) qemu=$(qemu-system-x86_64 --version | head -n 1 | awk '{print $4}') commit=$(git -C "$KP_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$KP_ROOT" diff --quiet HEAD -- src include Kbuild 2>/dev/null || echo +uncommitted-src)"
	} >>"$raw"
	for ((rep = 0; rep < REPS; rep++)); do
		for c in $contenders; do
			scen=$SCENARIOS
			# move_pages(2) throughput, in every boot, last: each contender's migration rate
			# is set against the one TCG gave its own boot.
			scen+=,movepages
			tmo=$((120 + nscen * (SECS + 60)))
			log=$hostbench/$rel-$c-$rep.log
			t1=$SECONDS
			vrc=0
			touch "$hostbench/mark"
			KP_INITRD=$stage/initrd.cpio.gz KP_RUN=/kp/user/bench-guest.sh KP_TIMEOUT=$tmo \
				bash "$KP_SCRIPTS/vm-run.sh" "$rel" "kpb.contender=$c" "kpb.scenarios=$scen" \
				"kpb.secs=$SECS" "kpb.seed=$SEED" "kpb.rep=$rep" "kpb.mib=$MIB" "kpb.hot=$HOT" \
				${kp_more:+"kpb.kp=$kp_more"} \
				>"$log" 2>&1 || vrc=$?
			# The guest's output as its serial port recorded it (vm-run.sh keeps the TAP log;
			# other runs may write logs meanwhile: take the one of this boot).
			# shellcheck disable=SC2046 # log paths have no spaces (release-timestamp)
			tap=$(grep -la "^KPB boot contender=$c rep=$rep .*seed=$SEED" \
				$(find "$KP_CACHE/logs" -name "$rel-*.tap.log" -newer "$hostbench/mark") /dev/null | head -n 1)
			tr -d '\r' <"${tap:-$log}" | grep -a '^KPB ' >>"$raw" || true
			verdict=$(grep -a '^vm-run' "$log" | tail -n 1)
			echo "KPB run contender=$c rep=$rep vmrun_rc=$vrc seconds=$((SECONDS - t1))" >>"$raw"
			echo "   $rel rep $rep $c: $((SECONDS - t1))s; $verdict"
			if [[ $vrc -ne 0 ]]; then
				grep -a -A12 'FAIL' "$log" | head -n 20 | sed 's/^/     /'
			fi
		done
	done
	python3 "$KP_SCRIPTS/bench-report.py" "$out"
	echo "== bench $rel: report $out/report.md"
done
echo "== bench: done in $(kp_fmt_secs $((SECONDS - t0)))"
