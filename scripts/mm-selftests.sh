#!/usr/bin/env bash
# The kernel's own mm selftests (tools/testing/selftests/mm of the release's linux-source),
# run in the two-tier guest twice, with every program's memory on the slow node: without
# kpromoted, then with kpromoted loaded and promoting. The results are compared test case
# by test case (tests/mm/compare.py): a difference not listed with its reason in
# tests/mm/expected-differences fails, and so does a kp pass in which kpromoted promoted
# nothing (the comparison would mean nothing). Issue 17.
#   build: in the release's chroot, with the kernel's compiler, statically linked (the guest
#   has no libc of that release): linux-source-<series> of the kernel's version, libnuma-dev
#   (migration), liburing-dev (cow, gup_longterm: io_uring fixed buffers), libcap-dev.
#   run:   tests/mm/run.sh in the guest, programs and timeouts from tests/mm/tests.list.
# Usage: scripts/mm-selftests.sh RELEASE (bookworm, trixie or sid)
# Env: KP_SMP (guest vCPUs, default 3 here), KP_MMST_BUILD_ONLY=1 (stop before the boot), KP_TIMEOUT (guest, default 1200 s), KP_MMST_TESTS="a b" (only these programs),
#      KP_MMST_REUSE_MODULE=1 (use $KP_CACHE/out/RELEASE/kpromoted.ko as built, as make check does after vm-check),
#      KP_MMST_PLACEMENT (fill: node 0 kept full by tests/mm/kp_fill, the default; demote: kp_slow
#      moves the programs' pages to node 1 every KP_MMST_DEMOTE_MS, default 500, as until
#      2026-12-05), KP_MMST_KSM_EVIDENCE=1 (after the
#      passes, ksm_functional_tests 4 more times with kpromoted observing/promoting: docs/mm-selftests.md),
#      KP_MMST_PASSES (default "base kp"; "base kp kp kp" hunts a rare difference: each kp
#      pass loads and unloads kpromoted, the comparison reads the last), KP_MMST_PARAMS (more
#      module parameters for the kp passes, e.g. "sources=mglru"), KP_RESULT_FILE (as vm-run).
# Output: the comparison as TAP in $KP_CACHE/logs/mm-RELEASE-<stamp>.compare.tap (its path
# as cmp=... in KP_RESULT_FILE), the guest's in the usual vm-run logs.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

REL=${1:-}
kp_check_release "$REL"
# The releases themselves (scripts/lib.sh): a flavour's kernel is the same source built
# otherwise, trixie-debug's too slow for both passes.
kp_mm_selftests_release "$REL" || kp_die "mm-selftests: $REL is not one of $KP_ALL_RELEASES"
t0=$SECONDS
step() { echo "== mm-selftests $REL: $* (at $(kp_fmt_secs $((SECONDS - t0))))"; }

bash "$KP_SCRIPTS/release.sh" "$REL" >/dev/null
kp_load_release_env "$REL"
kp_lock_release "$REL"
export KP_LOCKED_RELEASE=$REL
OUT=$KP_CACHE/out/$REL
series=$(echo "$KP_KVER" | cut -d. -f1,2)
series=${series%%-*}
pkg=linux-source-$series
SRC_IN=/build/mmst-src # in the chroot
BIN_IN=/build/mmst-out
SRCROOT=$SRC_IN/$KP_HEADERS_VERSION/$pkg
# tools/testing/selftests/vm until 6.3 (6.1 here), mm since.
MM_IN=$SRCROOT/tools/testing/selftests/mm
LOG=$KP_CACHE/logs/mm-build-$REL.log
mkdir -p "$KP_CACHE/logs"
: >"$LOG"
in_chroot() { kp_chroot "$KP_CHROOT" "$@"; }

# make check's vm-check built this very module for this release a moment ago.
if [[ -n ${KP_MMST_REUSE_MODULE:-} && -f $OUT/kpromoted.ko ]]; then
	step "module: vm-check's build, $OUT/kpromoted.ko"
else
	step "module"
	bash "$KP_SCRIPTS/build-module.sh" "$REL" >/dev/null
fi

step "$pkg $KP_HEADERS_VERSION and build dependencies in the chroot"
want=("$pkg=$KP_HEADERS_VERSION" libnuma-dev liburing-dev libcap-dev xz-utils)
if ! in_chroot apt-get install -y --no-install-recommends "${want[@]}" >>"$LOG" 2>&1; then
	# The kernel's own version is gone from the archive: the newest source of the series.
	in_chroot apt-get install -y --no-install-recommends "$pkg" "${want[@]:1}" >>"$LOG" 2>&1 ||
		kp_die "could not install $pkg and build dependencies in $KP_CHROOT; log: $LOG"
fi
# shellcheck disable=SC2016 # dpkg-query format
src_version=$(in_chroot dpkg-query -W -f='${Version}' "$pkg")
[[ $src_version == "$KP_HEADERS_VERSION" ]] ||
	echo "mm-selftests $REL: NOTE: $pkg $src_version, the kernel is $KP_HEADERS_VERSION"

if [[ ! -f $KP_CHROOT$SRCROOT/.kp-ready ]]; then
	step "unpacking $pkg (once per version) and installing its uapi headers"
	rm -rf --one-file-system "${KP_CHROOT:?}$SRC_IN"
	mkdir -p "$KP_CHROOT$SRC_IN/$KP_HEADERS_VERSION"
	nice -n 19 tar -xJf "$KP_CHROOT/usr/src/$pkg.tar.xz" -C "$KP_CHROOT$SRC_IN/$KP_HEADERS_VERSION"
	in_chroot sh -c "cd $SRCROOT && nice -n 19 make HOSTCC=$KP_CC CC=$KP_CC headers" >>"$LOG" 2>&1 ||
		kp_die "make headers failed in $SRCROOT; log: $LOG"
	touch "$KP_CHROOT$SRCROOT/.kp-ready"
fi

[[ -d $KP_CHROOT$MM_IN ]] || MM_IN=${MM_IN%/mm}/vm
# migration.c: RUNTIME 3 s per case (20; 60 in 6.1), and on 6.1 the retry of migrate()
# that upstream added later (tests/mm/patch-migration.py says why). Idempotent.
python3 "$KP_ROOT/tests/mm/patch-migration.py" "$KP_CHROOT$MM_IN/migration.c" ||
	kp_die "could not adjust migration.c"
step "building the mm selftests with $KP_CC (static)"
# Entries are PROGRAM or PROGRAM@variant (the same program with other arguments).
# "ALT:NEWER entry" lines stand in for NEWER where this release's source lacks it;
# "IF:FILE:WORD entry" and "UNLESS:FILE:WORD entry" run where FILE in the source has (lacks)
# WORD.
list=$KP_CACHE/out/$REL/mmst-tests.list
awk -v dir="$KP_CHROOT$MM_IN" '
	function has(file, word) { return system("grep -qF -- \"" word "\" " dir "/" file) == 0 }
	/^ALT:/ { newer = substr($1, 5); if (system("test -f " dir "/" newer ".c") == 0) next
		  $1 = ""; sub(/^ /, ""); print; next }
	/^(IF|UNLESS):/ { split($1, c, ":"); if (has(c[2], c[3]) != (c[1] == "IF")) next
		  $1 = ""; sub(/^ /, ""); print; next }
	/^[a-z]/ { print }' "$KP_ROOT/tests/mm/tests.list" >"$list"
programs=$(awk '{ sub(/@.*/, "", $1); print $1 }' "$list" | sort -u)
[[ -n ${KP_MMST_TESTS:-} ]] && programs=$KP_MMST_TESTS
rm -rf --one-file-system "${KP_CHROOT:?}$BIN_IN"
mkdir -p "$KP_CHROOT$BIN_IN"
built=() missing=()
for p in $programs; do
	if [[ ! -f $KP_CHROOT$MM_IN/$p.c ]]; then
		missing+=("$p")
		continue
	fi
	mk="cd $MM_IN && nice -n 19 make -j$(nproc) CC=$KP_CC LDFLAGS=-static OUTPUT=$BIN_IN $BIN_IN/$p"
	if ! in_chroot sh -c "$mk" >>"$LOG" 2>&1; then
		# Debian's 6.12 khugepaged.c uses KSFT_SKIP without including kselftest.h.
		echo "mm-selftests $REL: $p did not build; again with -include ../kselftest.h" | tee -a "$LOG"
		in_chroot sh -c "$mk EXTRA_CFLAGS='-include ../kselftest.h'" >>"$LOG" 2>&1 ||
			kp_die "$p did not build; log: $LOG"
	fi
	built+=("$p")
done
echo "mm-selftests $REL: built ${built[*]}${missing[*]:+; not in $pkg: ${missing[*]}}"

stage=$OUT/mmst-root
rm -rf --one-file-system "$stage"
mkdir -p "$stage/mmst/bin"
for p in "${built[@]}"; do cp "$KP_CHROOT$BIN_IN/$p" "$stage/mmst/bin/"; done
for tool in kp_slow kp_fill; do
	cp "$KP_ROOT/tests/mm/$tool.c" "$KP_CHROOT$BIN_IN/"
	in_chroot "$KP_CC" -O2 -Wall -static -o "$BIN_IN/$tool" "$BIN_IN/$tool.c" >>"$LOG" 2>&1 ||
		kp_die "$tool did not build; log: $LOG"
	cp "$KP_CHROOT$BIN_IN/$tool" "$stage/mmst/"
done
cp "$KP_ROOT/tests/mm/kp_numa_probe.c" "$KP_CHROOT$BIN_IN/"
in_chroot "$KP_CC" -O2 -Wall -static -o "$BIN_IN/kp_numa_probe" "$BIN_IN/kp_numa_probe.c" -lnuma >>"$LOG" 2>&1 ||
	kp_die "kp_numa_probe did not build; log: $LOG"
cp "$KP_CHROOT$BIN_IN/kp_numa_probe" "$stage/mmst/"
install -m 755 "$KP_ROOT/tests/mm/run.sh" "$stage/mmst/run.sh"
awk -v built=" ${built[*]} " '/^[a-z]/ { p = $1; sub(/@.*/, "", p); if (index(built, " " p " ")) print }' \
	"$list" >"$stage/mmst/tests.list"
printf '%s\n' "${missing[@]}" >"$stage/mmst/missing.list"
echo "${KP_MMST_DEMOTE_MS:-500}" >"$stage/mmst/demote_ms"
echo "${KP_MMST_PLACEMENT:-fill}" >"$stage/mmst/placement"
[[ -n ${KP_MMST_KSM_EVIDENCE:-} ]] && touch "$stage/mmst/ksm_evidence"
echo "${KP_MMST_PASSES:-base kp}" >"$stage/mmst/passes"
# More module parameters for the kp passes, after run.sh's own (the last word wins).
echo "${KP_MMST_PARAMS:-}" >"$stage/mmst/kp.params"

step "initramfs"
image=$OUT/initramfs-mmst.cpio.gz
KP_INITRAMFS_EXTRA=$stage KP_INITRAMFS_OUT=$image bash "$KP_SCRIPTS/mkinitramfs.sh" "$REL"
run_initrd=$OUT/initramfs-mmst.run-$$.cpio.gz
ln -f "$image" "$run_initrd"
trap 'rm -f "$run_initrd"' EXIT
exec {KP_LOCK_FD}>&-
unset KP_LOCKED_RELEASE
if [[ -n ${KP_MMST_BUILD_ONLY:-} ]]; then
	echo "mm-selftests $REL: built $run_initrd (KP_MMST_BUILD_ONLY: no boot)"
	trap - EXIT
	exit 0
fi

step "boot: both passes"
result=${KP_RESULT_FILE:-$(mktemp)}
export KP_RESULT_FILE=$result
rc=0
# Three vCPUs: migration needs two threads besides its main one (nthreads =
# numa_num_task_cpus() - 1 >= 2), else it skips every case ("Not enough threads or NUMA
# nodes available").
KP_SMP=${KP_SMP:-3} KP_TIMEOUT=${KP_TIMEOUT:-1200} KP_RUN=/mmst/run.sh KP_INITRD=$run_initrd \
	bash "$KP_SCRIPTS/vm-run.sh" "$REL" || rc=$?
tap=$(sed -n 's/^tap=//p' "$result")

step "comparison"
cmp=${tap%.tap.log}.compare.tap
[[ -n $tap ]] || cmp=$KP_CACHE/logs/mm-$REL-$(date +%Y%m%d-%H%M%S).compare.tap
echo "cmp=$cmp" >>"$result"
crc=0
python3 "$KP_ROOT/tests/mm/compare.py" --release "$REL" --guest-rc "$rc" \
	--expected "$KP_ROOT/tests/mm/expected-differences" --missing "$stage/mmst/missing.list" \
	"${tap:-/dev/null}" >"$cmp" || crc=$?
grep -v '^ok ' "$cmp" || true
read -r pass fail skip < <(kp_tap_count "$cmp")
verdict=PASS
[[ $rc -eq 0 && $crc -eq 0 ]] || verdict=FAIL
echo "== mm-selftests $REL: $verdict (kernel $KP_KVER, $pkg $src_version; $pass same, $fail failed, $skip skipped in both) in $(kp_fmt_secs $((SECONDS - t0))); comparison: $cmp"
[[ $verdict == PASS ]]
