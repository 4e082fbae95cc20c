#!/usr/bin/env bash
# Build the test guest's initramfs for one release: $KP_CACHE/out/RELEASE/initramfs.cpio.gz
#   /init (scripts/guest/init), static busybox + applet links, the host's kmod
#   (modprobe/insmod/rmmod/lsmod/modinfo) with its libraries, kpromoted.ko in
#   /lib/modules/<kver>/extra plus depmod data, the guest tests in /tests (run.sh + binaries
#   from build-tests.sh) with every shared library they need, the stock modules the tests
#   load (brd), and the failure-detection self-tests in /kp.
# Usage: scripts/mkinitramfs.sh RELEASE
# Env: KP_EXTRA_MODULES="mod ..." stock kernel modules to ship too (with dependencies);
#      KP_INITRAMFS_EXTRA=DIR copied over the root last;
#      KP_INITRAMFS_OUT=FILE written instead of $KP_CACHE/out/RELEASE/initramfs.cpio.gz (an
#      image for another purpose, e.g. scripts/mm-selftests.sh, leaves vm-check's alone).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

REL=${1:-}
kp_check_release "$REL"
kp_load_release_env "$REL"
OUT=$KP_CACHE/out/$REL
KO=$OUT/kpromoted.ko
TESTS=$OUT/tests
STAGE=$KP_CACHE/initramfs/$REL
IMAGE=${KP_INITRAMFS_OUT:-$OUT/initramfs.cpio.gz}
MODROOT=lib/modules/$KP_KVER

[[ -f $KO ]] || kp_die "$KO missing: run scripts/build-module.sh $REL"
[[ -x $TESTS/run.sh ]] || bash "$KP_SCRIPTS/build-tests.sh" "$REL"
kp_lock_release "$REL" # after build-tests, which takes the same lock

rm -rf --one-file-system "$STAGE"
mkdir -p "$STAGE"
cd "$STAGE"
mkdir -p bin sbin usr/bin usr/sbin lib lib64 etc proc sys dev tmp run root mnt \
	tests kp "$MODROOT/extra"
# The kernel opens /dev/console before /init runs, so it must exist in the archive.
mknod -m 600 dev/console c 5 1
mknod -m 666 dev/null c 1 3

# Copy an ELF file and, if dynamic, every library it needs (at the paths ldd names, plus
# the loader), so it runs in the guest as it does on the host.
copy_libs() {
	local f=$1 lib
	ldd "$f" >/dev/null 2>&1 || return 0 # static, or not ELF
	for lib in $(ldd "$f" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
		[[ -e .$lib ]] && continue
		mkdir -p ".$(dirname "$lib")"
		cp -L "$lib" ".$lib"
	done
}

# busybox (static) and its applets; kmod's tools replace busybox's below.
bb=$(command -v busybox) || kp_die "busybox missing: run scripts/host-deps.sh"
cp -L "$bb" bin/busybox
copy_libs bin/busybox
for applet in $(bin/busybox --list-full); do
	[[ -e $applet || -L $applet ]] || ln -s /bin/busybox "$applet"
done

# The real kmod: modprobe and libkmod behave as on a distribution (modules.dep, aliases,
# options on the kernel command line).
km=$(readlink -f "$(command -v kmod)") || kp_die "kmod missing: run scripts/host-deps.sh"
cp -L "$km" usr/bin/kmod
copy_libs usr/bin/kmod
for t in modprobe insmod rmmod lsmod modinfo depmod; do
	rm -f "sbin/$t" "bin/$t" "usr/sbin/$t" "usr/bin/$t"
	ln -s /usr/bin/kmod "sbin/$t"
done

# The module, the stock kernel's builtin lists (so modprobe knows what is built in), any
# stock modules it or the tests need, then depmod for this kernel (not the host's).
cp "$KO" "$MODROOT/extra/kpromoted.ko"
# The test-only synthetic sampling PMU (scripts/build-testpmu.sh), when built: tests only.
[[ -f $OUT/kp_testpmu.ko ]] && cp "$OUT/kp_testpmu.ko" "$MODROOT/extra/kp_testpmu.ko"
for f in modules.builtin modules.builtin.modinfo modules.order; do
	[[ -f $KP_KMODDIR/$f ]] && cp "$KP_KMODDIR/$f" "$MODROOT/"
done
ship_module() { # ship_module NAME: a stock module and, recursively, its dependencies
	local name=${1//-/_} f dep
	[[ -n $name ]] || return 0
	grep -qsE "/${name//_/[-_]}\.ko" "$MODROOT/modules.builtin" && return 0
	f=$(find "$KP_KMODDIR/kernel" -regextype egrep -regex ".*/${name//_/[-_]}\.ko(\.xz|\.zst|\.gz)?" |
		head -n 1)
	[[ -n $f ]] || kp_die "module $1 not found in $KP_KVER"
	[[ -e $MODROOT/${f#"$KP_KMODDIR"/} ]] && return 0
	mkdir -p "$MODROOT/$(dirname "${f#"$KP_KMODDIR"/}")"
	cp "$f" "$MODROOT/${f#"$KP_KMODDIR"/}"
	for dep in $(modinfo -F depends "$f" | tr ',' ' '); do
		ship_module "$dep"
	done
}
# Stock modules the guest tests load themselves: brd (a ramdisk whose page cache gives
# reclaim something to do, tests/vm/kp_mglru.c).
GUEST_MODULES="brd"
for dep in $(modinfo -F depends "$KO" | tr ',' ' ') $GUEST_MODULES ${KP_EXTRA_MODULES:-}; do
	ship_module "$dep"
done
depmod -b "$STAGE" "$KP_KVER"
grep -q '^extra/kpromoted.ko:' "$MODROOT/modules.dep" ||
	kp_die "depmod did not register extra/kpromoted.ko"

# Guest tests and their libraries.
cp -a "$TESTS/." tests/
while IFS= read -r -d '' f; do
	copy_libs "$f"
done < <(find tests -type f -perm -u+x -print0)

# init, the failure-detection self-tests, and what the guest needs to know about itself.
cp "$KP_SCRIPTS/guest/init" init
cp "$KP_SCRIPTS/guest/sleep-forever" bin/sleep-forever
cp "$KP_SCRIPTS"/guest/kp/*.sh kp/
chmod 755 init bin/sleep-forever kp/*.sh
{
	printf 'KP_RELEASE=%s\n' "$REL"
	printf 'KP_KVER=%s\n' "$KP_KVER"
	printf 'KP_MODULE=/%s\n' "$MODROOT/extra/kpromoted.ko"
} >etc/kp.env
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' >etc/group
if [[ -n ${KP_INITRAMFS_EXTRA:-} ]]; then
	cp -a "$KP_INITRAMFS_EXTRA/." .
fi

find . -print0 | LC_ALL=C sort -z |
	cpio --null --create --format=newc --owner=0:0 --quiet | gzip -6 >"$IMAGE.tmp"
mv "$IMAGE.tmp" "$IMAGE"
echo "mkinitramfs $REL: $IMAGE ($(du -k "$IMAGE" | cut -f1) KiB," \
	"kernel $KP_KVER, tests: $(find tests -type f | wc -l) file(s))"
