#!/usr/bin/env bash
# Rules that make the IBT-safe calling convention and the compat layer hold
# by construction. Each rule is one TAP line; the script fails on any break.
#   check_construction.sh            the source rules and the host build of the stubs
#   check_construction.sh KO...      the source rules and these built modules (vm-check
#                                    runs it on each release's module right after building it)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
n=0 failed=0
check() { # check "description" command...
	local desc=$1; shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n - $desc"
	else
		failed=$((failed + 1))
		echo "not ok $n - $desc"
		printf '%s\n' "$out" | sed 's/^/#   /' | head -20
	fi
}
none() { # none PATTERN PATHS...: grep finds nothing
	local pat=$1; shift
	! grep -rnE "$pat" "$@"
}
src_outside_compat() { find src include -name '*.[ch]' ! -path 'src/compat/*' \
	! -name ksyms.h ! -name compat.h; }

check "resolved-symbol addresses (kp_addr_*) used only in src/compat" \
	none 'kp_addr_' $(src_outside_compat)
check "resolved-symbol stubs (kp_call_*) called only in src/compat" \
	none 'kp_call_' $(src_outside_compat)
check "kpromoted/ksyms.h included only by src/compat" \
	none 'include "kpromoted/ksyms.h"' $(find src include -name '*.[ch]' ! -path 'src/compat/*' ! -name debugfs.c ! -name main.c)
check "no kernel version test outside the compat layer" \
	none 'LINUX_VERSION_CODE|KERNEL_VERSION\(' $(src_outside_compat)
# (The prototype src/compat/kabi.h expects in BTF is a string, not a call.)
check "kallsyms_lookup_name never called directly or through a pointer" \
	none '^[^"]*[^_"]kallsyms_lookup_name *\(|long \(\*[a-z_]*\)\(const char' src include
check "no function pointer is loaded from a resolved address" \
	none '\(\*\)\([^)]*\)\) *kp_addr_|= *\([a-z_ ]*\(\*\)' src
# An rmap walk of a folio kpromoted has only referenced needs its anon_vma pinned (or the
# folio locked): every walk goes through kp_compat_rmap_walk, the one caller of the stub,
# which passes folio_lock_anon_vma_read as anon_lock (src/compat/rmap.c).
rmap_walk_locked() {
	local callers
	callers=$(grep -rn 'kp_call_rmap_walk(' src | grep -v '^src/compat/rmap.c:.*kp_call_rmap_walk(folio, rwc);$')
	[[ -z $callers ]] || { echo "rmap_walk called outside kp_compat_rmap_walk: $callers"; return 1; }
	grep -q 'rwc->anon_lock = kp_anon_lock;' src/compat/rmap.c ||
		{ echo "kp_compat_rmap_walk does not set anon_lock"; return 1; }
	grep -q 'return kp_call_folio_lock_anon_vma_read(folio, rwc);' src/compat/rmap.c ||
		{ echo "kp_anon_lock does not call folio_lock_anon_vma_read"; return 1; }
}
check "every rmap walk pins the anon_vma or locks the folio (kp_compat_rmap_walk)" rmap_walk_locked
check "no %px (raw kernel pointers) anywhere" none '%px' --exclude=check_construction.sh src include tests tools
# Kernel options the module cannot build or work without: dkms.conf refuses kernels
# without them (BUILD_EXCLUSIVE_CONFIG) and README lists the same ones.
dkms_configs() {
	sed -n 's/^BUILD_EXCLUSIVE_CONFIG="\(.*\)"/\1/p' dkms.conf | tr ' ' '\n' |
		grep -v -e '^$' -e '^CONFIG_X86_64$' | sort
}
readme_configs() {
	sed -n '/^Requirements:/,/^$/p' README.md | grep -oE 'CONFIG_[A-Z0-9_]+' | sort -u
}
same_configs() {
	diff <(dkms_configs) <(readme_configs) | sed 's/^</dkms.conf only:/; s/^>/README only:/'
	[ -n "$(dkms_configs)" ] && [ "$(dkms_configs)" = "$(readme_configs)" ]
}
# configs_for_fields: a kernel field the sources read that exists only with an
# option makes that option a requirement (PATTERN:CONFIG_X pairs), unless every file
# reading it does so under `#ifdef CONFIG_X` (the compat layer's accessor does).
configs_for_fields() {
	local pairs=('->numa_scan_period:CONFIG_NUMA_BALANCING') pair pat opt f bad=0
	for pair in "${pairs[@]}"; do
		pat=${pair%%:*} opt=${pair##*:}
		dkms_configs | grep -x "$opt" >/dev/null && continue
		for f in $(grep -rlF -- "$pat" src); do
			grep -x "#ifdef $opt" "$f" >/dev/null && continue
			echo "$f reads $pat, which needs $opt: not in dkms.conf BUILD_EXCLUSIVE_CONFIG"
			bad=1
		done
	done
	return $bad
}
check "README's kernel requirements are dkms.conf's BUILD_EXCLUSIVE_CONFIG" same_configs
check "kernel fields the sources read have their option in BUILD_EXCLUSIVE_CONFIG" \
	configs_for_fields
# The stub names ksyms.h defines: kallsyms_lookup_name's and one per KP_KSYMS entry.
stub_names() {
	printf '%s\n' '#include "kpromoted/ksyms.h"' \
		'#define KP_STUB_NAME(name, req, feat) kp_call_##name' \
		'kp_call_kallsyms_lookup_name' 'KP_KSYMS(KP_STUB_NAME)' |
		cpp -P -D__ASSEMBLY__ -Iinclude - | tr -s ' \t' '\n' | grep '^kp_call_' | sort
}
# stubs_exact OBJ: exactly the stubs ksyms.h names, each one push and no indirect branch.
stubs_exact() {
	local obj=$1 want have
	[ -f "$obj" ] || { echo "missing $obj"; return 1; }
	want=$(stub_names)
	[ -n "$want" ] || { echo "no stub names from include/kpromoted/ksyms.h"; return 1; }
	have=$(nm "$obj" | awk '$2 == "T" && $3 ~ /^kp_call_/ {print $3}' | sort)
	[ "$want" = "$have" ] || { diff <(echo "$want") <(echo "$have"); return 1; }
	objdump -d "$obj" | grep -E '(call|jmp)q? +\*' && return 1
	[ "$(objdump -d "$obj" | grep -cE 'push +0x0\(%rip\)')" -eq "$(echo "$want" | wc -l)" ] ||
		{ echo "push count is not one per stub"; return 1; }
}
# The kernel config a built module is for (out/REL/kpromoted.ko -> REL's headers).
ko_config() {
	local env
	env=${KP_CACHE:-.cache}/release/$(basename "$(dirname "$1")").env
	[ -f "$env" ] || return 1
	(
		# shellcheck source=/dev/null
		. "$env"
		for f in "$KP_CHROOT$KP_KDIR/include/config/auto.conf" "$KP_CHROOT$KP_KDIR/.config"; do
			[ -f "$f" ] && { echo "$f"; exit 0; }
		done
		exit 1
	)
}
# stubs_return KO CONFIG: where the kernel has return thunks (retbleed/SRSO), every
# kp_call_* ends in jmp __x86_return_thunk that objtool listed in .return_sites (so
# the kernel patches it as its own returns); never in a bare ret.
stubs_return() {
	local ko=$1 conf=$2 rethunk=0 sites
	grep -qE '^CONFIG_(MITIGATION_)?RETHUNK=y' "$conf" && rethunk=1
	sites=$(readelf -rW "$ko" | awk '/^Relocation section/ {p = ($3 ~ /return_sites/)}
		p && $5 == ".text" && $6 == "+" {print $7}' | tr '\n' ' ')
	objdump -drw --no-show-raw-insn "$ko" | awk -v rethunk=$rethunk -v sites=" $sites " \
		-v want="$(stub_names | wc -l)" '
		function done_stub() {
			if (stub == "") return
			if (rets) { print stub ": bare ret"; bad++ }
			if (rethunk && thunk == "") { print stub ": no jmp __x86_return_thunk"; bad++ }
			if (rethunk && thunk != "" && index(sites, " " thunk " ") == 0) {
				print stub ": return at 0x" thunk " not in .return_sites"; bad++
			}
			if (!rethunk && !plain) { print stub ": no ret"; bad++ }
			stub = ""
		}
		/^[0-9a-f]+ <.*>:$/ {
			done_stub()
			if ($2 ~ /^<kp_call_/) {
				stub = substr($2, 2, length($2) - 3); n++
				rets = plain = 0; thunk = ""
			}
			next
		}
		stub == "" || !/^ *[0-9a-f]+:\t/ { next }
		{
			addr = $1; sub(/:$/, "", addr); sub(/^0+/, "", addr)
			if ($2 == "ret" || $2 == "retq") { if (rethunk) rets++; else plain++ }
			if ($2 ~ /^jmp/ && /R_X86_64_(PLT|PC)32[ \t]+__x86_return_thunk-0x4/) thunk = addr
		}
		END {
			done_stub()
			if (n != want) { print n " stubs, expected " want; bad++ }
			exit bad > 0
		}'
}
# fake_sc_filled KO: the scan_control stand-in 6.1's aging reads
# (src/compat/scan_control_61.h) is read-only and every byte of it is 0x7f.
fake_sc_filled() {
	local ko=$1 sym sec off size bytes tmp
	sym=$(objdump -t "$ko" | awk '$NF == "kp_fake_sc"')
	[ -n "$sym" ] || { echo "no kp_fake_sc in $ko"; return 1; }
	read -r off sec size <<<"$(echo "$sym" | awk '{print $1, $(NF - 2), $(NF - 1)}')"
	case $sec in
	.rodata*) ;;
	*) echo "kp_fake_sc is in $sec, not read-only data"; return 1 ;;
	esac
	tmp=$(mktemp)
	objcopy -O binary --only-section="$sec" "$ko" "$tmp"
	bytes=$(od -An -v -tx1 -j $((16#$off)) -N $((16#$size)) "$tmp" | tr -s ' ' '\n' |
		grep -v '^$' | sort | uniq -c)
	rm -f "$tmp"
	if [ "$(echo "$bytes" | awk '{print $2}')" != 7f ] || [ $((16#$size)) -lt 1024 ]; then
		echo "kp_fake_sc ($((16#$size)) bytes): byte counts:"
		echo "$bytes"
		return 1
	fi
}
if [ $# -eq 0 ]; then
	check "stubs: exactly the ones ksyms.h names, no indirect call or jump (host build)" \
		stubs_exact tests/unit/build/ksym_thunk.o
fi
for ko in "$@"; do
	check "built module $ko exists" test -f "$ko" || continue
	check "stubs: exactly the ones ksyms.h names, no indirect call or jump ($ko)" \
		stubs_exact "$ko"
	if conf=$(ko_config "$ko"); then
		check "stubs return through the kernel's return thunk where it has one ($ko, $conf)" \
			stubs_return "$ko" "$conf"
	else
		check "kernel config for $ko found (release env, headers)" false
	fi
	# Only the 6.1 aging call takes a scan_control.
	if modinfo -F vermagic "$ko" | grep '^6\.1\.' >/dev/null; then
		check "6.1 aging's scan_control stand-in is read-only and all 0x7f ($ko)" \
			fake_sc_filled "$ko"
	fi
done
echo "1..$n"
echo "# construction: $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
