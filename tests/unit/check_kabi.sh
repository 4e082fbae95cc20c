#!/usr/bin/env bash
# The prototypes src/compat/kabi.h expects for one release's kernel against that
# kernel's own BTF, on the host (the module makes the same check at load):
#   check_kabi.sh RELEASE     (after scripts/release.sh RELEASE; vm-check runs it)
# The .BTF section is taken from the release's vmlinuz once, kept in
# $KP_CACHE/out/RELEASE/vmlinux.btf. One TAP line per function.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
rel=${1:?usage: check_kabi.sh RELEASE}
cache=${KP_CACHE:-$top/.cache}
env=$cache/release/$rel.env
[[ -f $env ]] || { echo "check_kabi: no $env (run scripts/release.sh $rel)" >&2; exit 1; }
# shellcheck source=/dev/null
. "$env"
out=$cache/out/$rel
mkdir -p "$out"
btf=$out/vmlinux.btf
if [[ ! -s $btf || $btf -ot $KP_VMLINUZ ]]; then
	python3 "$top/tests/unit/vmlinuz_btf.py" "$KP_VMLINUZ" "$btf.tmp"
	mv "$btf.tmp" "$btf"
fi
uapi=$KP_CHROOT$KP_KDIR/include/generated/uapi
[[ -f $uapi/linux/version.h ]] || { echo "check_kabi: no $uapi/linux/version.h" >&2; exit 1; }
# The hooked hint-fault function exists only with NUMA balancing (not on PREEMPT_RT).
numab=1
grep -qsx 'CONFIG_NUMA_BALANCING=y' "$KP_CHROOT$KP_KDIR/include/config/auto.conf" || numab=0
bin=$out/kabi_check
${CC:-gcc} -O1 -g -Wall -Wextra -Werror -D__ASSEMBLY__ -DKP_KCONFIG_NUMA_BALANCING=$numab \
	-I"$uapi" -I"$top/include" \
	-I"$top/src/compat" -I"$top/tests/unit" -o "$bin" "$top/tests/unit/kabi_check.c" \
	"$top/src/compat/btf.c"
echo "# kabi $rel ($KP_KVER): $btf"
"$bin" "$btf"
