# shellcheck shell=bash
# Helpers shared by the kpromoted scripts. Sourced, never executed; sets no shell options
# so that it can be sourced from an interactive shell too.

KP_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KP_ROOT=$(cd "$KP_SCRIPTS/.." && pwd)
# Everything downloaded or built lives here (git-ignored). Made absolute because the
# scripts cd around and chroot.
: "${KP_CACHE:=$KP_ROOT/.cache}"
mkdir -p "$KP_CACHE"
KP_CACHE=$(cd "$KP_CACHE" && pwd)
export KP_CACHE

KP_ALL_RELEASES="bookworm trixie sid"
# Kernel flavours besides the generic amd64 one: RELEASE-FLAVOUR names that release's chroot
# with linux-image-FLAVOUR-amd64 and its headers installed next to the generic ones.
KP_FLAVOURS="trixie-rt trixie-cloud"
# Pseudo-releases: a release's userspace with a kernel built here instead of its stock one.
# trixie-debug: a chroot of its own (the kernel's source and object tree, a few GB) made of
# trixie, gcc-14, Debian's linux-source-6.12 built with KASAN, lockdep, kmemleak, ...
# (scripts/debug-kernel.sh; `make check-debug`). Not in make check: its build does not fit
# CI's 90 minutes.
KP_DEBUG_RELEASES="trixie-debug"
# What `make check` runs: every release, then the flavours (their reduced suites).
# shellcheck disable=SC2034 # read by check.sh
KP_CHECK_RELEASES="$KP_ALL_RELEASES trixie-cloud trixie-rt"

# Does `make check` run the kernel's mm selftests (scripts/mm-selftests.sh) after RELEASE's
# guest suite? The releases themselves only: a flavour is the same source built otherwise,
# and trixie-debug's kernel makes every test several times slower.
kp_mm_selftests_release() { [[ " $KP_ALL_RELEASES " == *" $1 "* ]]; }

kp_log() { printf '%s\n' "$*" >&2; }
kp_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

kp_check_release() {
	case "${1:-}" in
	bookworm | trixie | sid | trixie-rt | trixie-cloud | trixie-debug) ;;
	*) kp_die "unknown release '${1:-}' (expected one of: $KP_ALL_RELEASES $KP_FLAVOURS $KP_DEBUG_RELEASES)" ;;
	esac
}
# The Debian suite a release's chroot is made of: trixie-rt, trixie-debug -> trixie.
kp_release_suite() { printf '%s\n' "${1%%-*}"; }
# Is the kernel built here (scripts/debug-kernel.sh) rather than a Debian image?
kp_release_builds_kernel() { [[ $1 == *-debug ]]; }
# The chroot a release uses (under $KP_CACHE/chroot): a flavour shares its suite's, a
# pseudo-release has its own (its kernel tree would otherwise sit in every trixie run's).
kp_release_chroot() {
	if kp_release_builds_kernel "$1"; then printf '%s\n' "$1"; else kp_release_suite "$1"; fi
}
# The Debian kernel flavour of a release name, empty for the generic amd64 kernel and for a
# pseudo-release: trixie-rt -> rt.
kp_release_flavour() {
	case $1 in
	*-rt | *-cloud) printf '%s\n' "${1#*-}" ;;
	esac
}

# Guest programs to run on RELEASE, comma-separated (kp.tests=); empty means the whole suite.
# The flavours' reduced suites are chosen here only (the generic kernels run everything).
# cloud: the record path and its debugfs surface (lifecycle), the hooks and the promotion
# workers (promote), the hardware-sampling NMI path through the test PMU (hwsample), the
# MGLRU walk hook (mglru). rt: Debian's PREEMPT_RT kernel has no NUMA balancing (no
# hint-fault source) and its compiler inlined get_pfn_folio at one of three call sites (the
# module refuses that hook: no MGLRU source), so the test PMU's samples are its only source
# here: hwsample covers the record path from NMI, confirmation and the workers on RT.
kp_release_tests() {
	case $(kp_release_flavour "$1") in
	cloud) echo kp_lifecycle,kp_promote,kp_hwsample,kp_mglru ;;
	rt) echo kp_hwsample ;;
	esac
}

# How many times slower than a stock kernel a release's guest does the work behind a test's
# rate or time bound (faults, migrations, page-table walks): KP_TIME_SCALE on the guest's
# command line (scripts/vm-check.sh), read by kp_time_scale() (tests/vm/kp_test_util.c).
# 1 on Debian's kernels. 10 on the debug kernel (KASAN inline, lockdep, kmemleak), where
# the kernel's work measured 4.6x slower for move_pages(2) of 64 MiB from node 1 to node 0
# (19.6 against 89.4 MB/s), 8.6x for the workload's system time per iteration (bench
# scenario hot, no promotion) and 10-18x for a promotion drain, which is all of it at once
# (faults, walks, looks, migrations): 643 against 6480-11432 pages in the best second
# (README "Reliability"). Tests scale their bounds by it, never what they check.
kp_release_time_scale() {
	case $1 in
	*-debug) echo 10 ;;
	*) echo 1 ;;
	esac
}

# Serialise everything that changes a release's chroot and outputs (apt, module build,
# initramfs) across concurrent runs. The lock lives beside the chroot so it also guards
# the chroot's creation; it is released when the holding process exits. vm-check holds it
# for its whole pipeline (so a run tests its own build) and tells its children so.
# A flavour shares its suite's chroot, hence its lock.
kp_lock_release() {
	local chroot
	chroot=$(kp_release_chroot "$1")
	[[ -n ${KP_LOCKED_RELEASE:-} && $(kp_release_chroot "$KP_LOCKED_RELEASE") == "$chroot" ]] && return 0
	local lock=$KP_CACHE/chroot/$chroot.lock
	mkdir -p "$KP_CACHE/chroot"
	exec {KP_LOCK_FD}>"$lock"
	if ! flock -n "$KP_LOCK_FD"; then
		kp_log "waiting for another run holding $lock ..."
		flock "$KP_LOCK_FD"
	fi
}

# Load $KP_CACHE/release/RELEASE.env (written by release.sh), preparing it first if absent.
kp_load_release_env() {
	local env=$KP_CACHE/release/$1.env
	if [[ ! -f $env ]]; then
		bash "$KP_SCRIPTS/release.sh" "$1" >/dev/null
	fi
	# shellcheck source=/dev/null
	source "$env"
}

# Run a command inside a chroot with /proc available (7.2's objtool and some maintainer
# scripts read it). A private mount namespace means the /proc mount vanishes with the
# command, even when it is killed; without unshare, fall back to a bind mount and a trap.
kp_chroot() {
	local root=$1
	shift
	local envs=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
		HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive TERM=dumb)
	if unshare --mount --propagation private true 2>/dev/null; then
		# shellcheck disable=SC2016 # $1/$@ belong to the inner sh
		unshare --mount --propagation private -- \
			sh -c 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"' sh \
			"$root" "$root" "${envs[@]}" "$@"
	else
		local rc=0
		mount --bind /proc "$root/proc"
		# shellcheck disable=SC2064 # expand $root now: the trap runs after it is gone
		trap "umount -l '$root/proc' 2>/dev/null || true" EXIT INT TERM
		chroot "$root" "${envs[@]}" "$@" || rc=$?
		umount -l "$root/proc" 2>/dev/null || true
		trap - EXIT INT TERM
		return "$rc"
	fi
}

# Count test cases in a TAP file: prints "PASS FAIL SKIP". Understands the kselftest
# runner's nesting: a program's own results, indented with "# ", replace the program's
# single top-level line; a top-level "not ok" whose cases all passed (crash, exit status,
# kernel splat) still adds one failure. "# SKIP" counts as skipped, "# TODO"/"# XFAIL" as
# passed.
kp_tap_count() {
	local f=$1
	[[ -f $f ]] || {
		echo "0 0 0"
		return
	}
	tr -d '\r' <"$f" | awk '
		function kind(line) {
			if (line ~ /#[ \t]*[Ss][Kk][Ii][Pp]/) return "s"
			if (line ~ /^not ok/ && line !~ /#[ \t]*([Tt][Oo][Dd][Oo]|[Xx][Ff][Aa][Ii][Ll])/) return "f"
			return "p"
		}
		/^# (not )?ok([ \t]|$)/ { k = kind(substr($0, 3)); n[k]++; nested++; next }
		/^(not )?ok([ \t]|$)/ {
			k = kind($0)
			if (nested) {
				p += n["p"]; f += n["f"]; s += n["s"]
				if (k == "f" && n["f"] == 0) f++
			} else if (k == "p") p++; else if (k == "f") f++; else s++
			nested = 0; n["p"] = n["f"] = n["s"] = 0
			next
		}
		END { p += n["p"]; f += n["f"]; s += n["s"]; printf "%d %d %d\n", p, f, s }'
}

# Elapsed seconds as "3m07s".
kp_fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# kp_mm_differences FILE: each "not ok" of an mm-selftests comparison (tests/mm/compare.py)
# with the lines of the program's output compare.py put under it ("#   PASS| ...").
kp_mm_differences() {
	awk '/^not ok/ { show = 1; print "  " $0; next } show && /^#   / { print "  " $0; next } { show = 0 }' "$1"
}

# kp_tap_failures FILE: every failed subtest of a TAP log with the lines it printed (its
# TH_LOG figures and failed expectations), at most 12 lines each, so a summary can say
# what failed and by how much without the whole log.
kp_tap_failures() {
	[[ -f $1 ]] || return 0
	tr -d '\r' <"$1" | awk '
		/^# #  RUN / { n = 0; next }
		/^# # / { if (n < 12) buf[n++] = substr($0, 5); next }
		/^# not ok / {
			print "  " substr($0, 3)
			for (i = 0; i < n; i++) print "      " buf[i]
			n = 0; next
		}
		/^# ok / { n = 0 }'
}
