# shellcheck shell=bash
# The kernel of the trixie-debug pseudo-release (`make check-debug`): Debian's own
# linux-source-6.12, x86_64_defconfig with scripts/debug-kernel.config merged over it
# (KASAN, lockdep, kmemleak, ...), built inside the release's trixie chroot with trixie's
# gcc-14. Sourced by scripts/release.sh, whose helpers (in_chroot, quiet, say) and
# variables (CHROOT, LOG) it uses; debug_kernel sets what fetch_image, find_vmlinuz and
# install_headers set for a stock release: ABI, VMLINUZ, KVER, MODDIR, KDIR,
# HEADERS_VERSION.
#
# Cache: $KP_CACHE/kernel/debug-<source package version>-<fragment hash>/ holds boot/
# (vmlinuz, System.map, config), usr/lib/modules/<kver>/ and headers/ (the tree a
# linux-headers package holds: scripts/package/install-extmod-build). It is rebuilt only
# when the source package or the fragment changes; the headers are then installed in the
# chroot as /usr/src/linux-headers-<kver>, where DKMS finds them. The object tree stays in
# the chroot (/var/tmp/kp-debug/obj-<source version>, a few GB): a changed fragment then
# recompiles only what the change touches (often everything: asm-offsets depends on much).
# Env: KP_JOBS (make -j, default nproc). The compile runs under nice -n 19.

DEBUG_SRC_PKG=linux-source-6.12
DEBUG_FRAGMENT=$KP_SCRIPTS/debug-kernel.config
# The compiler Debian builds its 6.12 kernels with. A stock release gets it with its
# linux-headers package; here nothing else pulls it in (trixie's dkms only recommends gcc).
DEBUG_CC_PKG=gcc-14
DEBUG_CC=x86_64-linux-gnu-$DEBUG_CC_PKG
# What building a kernel needs beyond the chroot's minbase + dkms (pahole for BTF).
DEBUG_BUILD_DEPS=("$DEBUG_CC_PKG" bc bison flex libelf-dev libssl-dev dwarves cpio xz-utils zstd python3)
DEBUG_WORK=/var/tmp/kp-debug # scratch inside the chroot: source and object trees

debug_kernel() {
	local pkg missing=() cand inst
	for pkg in "$DEBUG_SRC_PKG" "${DEBUG_BUILD_DEPS[@]}"; do
		# shellcheck disable=SC2016 # dpkg-query format, not shell
		in_chroot dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$pkg")
	done
	cand=$(cand_version "$DEBUG_SRC_PKG")
	# shellcheck disable=SC2016 # dpkg-query format, not shell
	inst=$(in_chroot dpkg-query -W -f='${Version}' "$DEBUG_SRC_PKG" 2>/dev/null || true)
	if [[ ${#missing[@]} -gt 0 || $inst != "$cand" ]]; then
		say "installing ${missing[*]:-$DEBUG_SRC_PKG $cand} in chroot"
		quiet in_chroot apt-get install -y "$DEBUG_SRC_PKG" "${DEBUG_BUILD_DEPS[@]}"
	fi
	local srcver hash
	# shellcheck disable=SC2016
	srcver=$(in_chroot dpkg-query -W -f='${Version}' "$DEBUG_SRC_PKG")
	hash=$(sha256sum "$DEBUG_FRAGMENT" | cut -c1-12)
	ABI=debug-$srcver-$hash
	local kdir=$KP_CACHE/kernel/$ABI
	[[ -f $kdir/.kp-packages ]] || debug_kernel_build "$srcver" "$hash" "$kdir"
	KVER=$(cat "$kdir/kernel.release")
	# shellcheck disable=SC2034 # VMLINUZ, HEADERS_VERSION: read by release.sh's write_env
	VMLINUZ=$kdir/boot/vmlinuz-$KVER
	MODDIR=$kdir/usr/lib/modules/$KVER
	KDIR=/usr/src/linux-headers-$KVER
	# shellcheck disable=SC2034
	HEADERS_VERSION="$srcver+config.$hash"
	# The headers and the modules in the chroot, as the linux-headers and linux-image
	# packages would put them (dkms install runs depmod there).
	if [[ $(cat "$CHROOT$KDIR/.kp-abi" 2>/dev/null) != "$ABI" ]]; then
		say "installing the headers and modules of $KVER ($ABI) in chroot"
		rm -rf --one-file-system "$CHROOT$KDIR" "$CHROOT/usr/lib/modules/$KVER"
		mkdir -p "$CHROOT$KDIR" "$CHROOT/usr/lib/modules/$KVER"
		cp -a "$kdir/headers/." "$CHROOT$KDIR/"
		cp -a "$MODDIR/." "$CHROOT/usr/lib/modules/$KVER/"
		ln -sfn "$KDIR" "$CHROOT/usr/lib/modules/$KVER/build"
		echo "$ABI" >"$CHROOT$KDIR/.kp-abi"
	fi
}

# debug_kernel_build SRCVER HASH KDIR: configure, build and install into KDIR (the cache).
debug_kernel_build() {
	local srcver=$1 hash=$2 kdir=$3 t0=$SECONDS
	# One object tree per source version: a changed fragment rebuilds only what it changes.
	local src=$DEBUG_WORK/src-$srcver obj=$DEBUG_WORK/obj-$srcver
	local cc=$DEBUG_CC
	local mk=(nice -n 19 make -C "$src" O="$obj" CC="$cc" HOSTCC="$cc")
	# What an earlier build (another source version or fragment) left: gigabytes.
	local d
	for d in "$CHROOT$DEBUG_WORK"/*; do
		[[ -e $d && $d != "$CHROOT$src" && $d != "$CHROOT$obj" ]] && rm -rf --one-file-system "$d"
	done
	if [[ ! -f $CHROOT$src/Makefile ]]; then
		say "unpacking $DEBUG_SRC_PKG $srcver"
		mkdir -p "$CHROOT$DEBUG_WORK"
		quiet in_chroot sh -c "cd $DEBUG_WORK && tar -xJf /usr/src/$DEBUG_SRC_PKG.tar.xz &&
			mv $DEBUG_SRC_PKG $src"
	fi
	say "configuring: x86_64_defconfig + ${DEBUG_FRAGMENT##*/} ($hash)"
	mkdir -p "$CHROOT$obj"
	cp "$DEBUG_FRAGMENT" "$CHROOT$obj/kp-fragment.config"
	quiet in_chroot "${mk[@]}" defconfig
	quiet in_chroot sh -c "cd $obj && nice -n 19 $src/scripts/kconfig/merge_config.sh -m -O $obj .config kp-fragment.config"
	quiet in_chroot "${mk[@]}" olddefconfig
	# Every line of the fragment must have survived olddefconfig.
	local line sym bad=()
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) grep -qxF "$line" "$CHROOT$obj/.config" || bad+=("$line") ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			! grep -q "^$sym=" "$CHROOT$obj/.config" || bad+=("$line")
			;;
		esac
	done <"$DEBUG_FRAGMENT"
	[[ ${#bad[@]} -eq 0 ]] || kp_die "debug kernel config: not as asked after olddefconfig: ${bad[*]}"
	say "building $DEBUG_SRC_PKG $srcver ($(nproc) jobs, nice 19; about 40 min on 2 cores)"
	quiet in_chroot "${mk[@]}" -j"${KP_JOBS:-$(nproc)}" bzImage modules
	local kver stage=$DEBUG_WORK/install-$hash
	kver=$(cat "$CHROOT$obj/include/config/kernel.release")
	rm -rf --one-file-system "$CHROOT$stage"
	mkdir -p "$CHROOT$stage/boot" "$CHROOT$stage/usr"
	quiet in_chroot "${mk[@]}" INSTALL_MOD_PATH="$stage/usr" modules_install
	rm -f "$CHROOT$stage/usr/lib/modules/$kver/build"
	cp "$CHROOT$obj/arch/x86/boot/bzImage" "$CHROOT$stage/boot/vmlinuz-$kver"
	cp "$CHROOT$obj/System.map" "$CHROOT$stage/boot/System.map-$kver"
	cp "$CHROOT$obj/.config" "$CHROOT$stage/boot/config-$kver"
	# What a linux-headers package holds (Debian's builddeb uses the same script).
	quiet in_chroot sh -c "cd $obj && srctree=$src SRCARCH=x86 KCONFIG_CONFIG=.config \
		MAKE=make CC=$cc HOSTCC=$cc nice -n 19 sh $src/scripts/package/install-extmod-build $stage/headers"
	cp "$CHROOT$obj/.config" "$CHROOT$stage/headers/.config"
	# Debian's top Makefile includes .kernelvariables, which its headers packages use to name
	# the kernel's compiler: DKMS runs a plain make, which would otherwise use gcc.
	printf 'override ARCH = x86\noverride KERNELRELEASE = %s\nCC = %s\n' "$kver" "$cc" \
		>"$CHROOT$stage/headers/.kernelvariables"
	echo "$kver" >"$CHROOT$stage/kernel.release"
	printf '%s=%s config=%s\n' "$DEBUG_SRC_PKG" "$srcver" "$hash" >"$CHROOT$stage/.kp-packages"
	rm -rf --one-file-system "$kdir"
	mv "$CHROOT$stage" "$kdir"
	say "debug kernel $kver built in $(kp_fmt_secs $((SECONDS - t0))): $kdir"
}
