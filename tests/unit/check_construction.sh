#!/usr/bin/env bash
# Rules that make the IBT-safe calling convention and the compat layer hold
# by construction. Each rule is one TAP line; the script fails on any break.
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
check "kallsyms_lookup_name never called directly or through a pointer" \
	none '[^_]kallsyms_lookup_name *\(|long \(\*[a-z_]*\)\(const char' src include
check "no function pointer is loaded from a resolved address" \
	none '\(\*\)\([^)]*\)\) *kp_addr_|= *\([a-z_ ]*\(\*\)' src
check "no %px (raw kernel pointers) anywhere" none '%px' --exclude=check_construction.sh src include tests tools
stubs_direct() {
	local obj=$1
	[ -f "$obj" ] || { echo "missing $obj"; return 1; }
	objdump -d "$obj" | grep -E '(call|jmp)q? +\*' && return 1
	objdump -d "$obj" | grep -cE 'push +0x0\(%rip\)' | grep -qx "$(grep -c 'X(' include/kpromoted/ksyms.h | awk '{print $1}')" || true
	return 0
}
check "stubs contain no indirect call or jump (host build)" stubs_direct tests/unit/build/ksym_thunk.o
for ko in "${KP_CACHE:-.cache}"/out/*/kpromoted.ko; do
	[ -f "$ko" ] || continue
	check "stubs contain no indirect call or jump ($ko)" \
		sh -c "objdump -d --no-show-raw-insn '$ko' | awk '/<kp_call_.*>:/{s=1;next} /^$/{s=0} s' | grep -E '(call|jmp)q? +\\*' && exit 1 || exit 0"
done
echo "1..$n"
echo "# construction: $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
