#!/usr/bin/env bash
# Resolve and prepare one Debian release for building and booting kpromoted:
#   - a minbase debootstrap chroot ($KP_CACHE/chroot/RELEASE) with that release's own
#     compiler, make, libc6-dev, kmod and dkms, like a user's machine running DKMS;
#   - the current linux-image-amd64 of that release: headers installed in the chroot,
#     image extracted to $KP_CACHE/kernel/<abi>/ for QEMU;
#   - for a flavour (RELEASE-FLAVOUR, e.g. trixie-rt): the same from RELEASE's chroot with
#     linux-image-FLAVOUR-amd64 and its headers, installed next to the generic ones;
#   - $KP_CACHE/release/RELEASE.env describing the result (KP_KVER, KP_VMLINUZ, ...).
#   - trixie-debug (a pseudo-release): a trixie chroot whose kernel is built from Debian's
#     linux-source-6.12 with debugging options (scripts/debug-kernel.sh), its headers
#     installed in the chroot like a linux-headers package, the image in $KP_CACHE/kernel.
# Usage: scripts/release.sh RELEASE     or: source scripts/release.sh RELEASE
# Env: KP_MIRROR, KP_SECURITY_MIRROR (Debian mirrors; default: the host apt's),
#      KP_APT_REFRESH=1 (force apt-get update; otherwise at most once a day), KP_CACHE.

if [[ ${BASH_SOURCE[0]} != "$0" ]]; then
	# Sourced: do the work in a child (strict mode and the lock stay there), import the env.
	# shellcheck source=lib.sh
	source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
	bash "$KP_SCRIPTS/release.sh" "${1:-}" || return
	set -a
	# shellcheck source=/dev/null
	source "$KP_CACHE/release/$1.env"
	set +a
	return 0
fi

set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

REL=${1:-}
kp_check_release "$REL"
SUITE=$(kp_release_suite "$REL")
FLAVOUR=$(kp_release_flavour "$REL")
META=linux-image-${FLAVOUR:+$FLAVOUR-}amd64
# The Debian mirrors the host's own apt uses, unless told otherwise.
host_mirror() {
	{
		grep -hsE '^[[:space:]]*URIs:' /etc/apt/sources.list.d/*.sources |
			sed -E 's/^[[:space:]]*URIs:[[:space:]]*//' | tr ' ' '\n'
		grep -hsE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
			sed -E 's/\[[^]]*\]//' | awk '{print $2}'
	} | grep -E "$1" | head -n 1 || true
}
MIRROR=${KP_MIRROR:-$(host_mirror '/debian/?$')}
SECURITY_MIRROR=${KP_SECURITY_MIRROR:-$(host_mirror '/debian-security/?$')}
[[ -n $MIRROR ]] || kp_die "no Debian mirror in the host's apt sources: set KP_MIRROR"
if [[ -z $SECURITY_MIRROR && $SUITE != sid ]]; then
	kp_die "no debian-security mirror in the host's apt sources: set KP_SECURITY_MIRROR"
fi
CHROOT=$KP_CACHE/chroot/$(kp_release_chroot "$REL")
LOG=$KP_CACHE/logs/release-$REL.log
mkdir -p "$KP_CACHE/logs" "$KP_CACHE/kernel" "$KP_CACHE/release"

say() { kp_log "[release $REL] $*"; }
# Noisy tools log to a file; on failure show its tail so the cause is visible.
quiet() {
	if ! "$@" >>"$LOG" 2>&1; then
		kp_log "[release $REL] failed: $*"
		tail -n 30 "$LOG" >&2
		kp_die "see $LOG"
	fi
}
in_chroot() { kp_chroot "$CHROOT" "$@"; }

# Suites whose packages a user of that release gets: the kernel of a stable release moves
# through -security (and point releases), so those are included.
suites_main() {
	case $SUITE in
	sid) echo "sid" ;;
	*) echo "$SUITE $SUITE-updates" ;;
	esac
}
suites_security() {
	case $SUITE in
	sid) ;;
	*) echo "$SUITE-security" ;;
	esac
}

bootstrap_chroot() {
	[[ -f $CHROOT/.kp-bootstrapped ]] && return 0
	local tmp=$CHROOT.partial
	if [[ -e $tmp ]]; then
		# A previous run died half-way; refuse to delete through a live mount.
		if findmnt -rn -o TARGET | grep "^$tmp/" >/dev/null; then
			kp_die "$tmp has mounts below it; unmount them first"
		fi
		rm -rf --one-file-system "$tmp"
	fi
	[[ -e $CHROOT ]] && rm -rf --one-file-system "$CHROOT"
	say "debootstrap $SUITE (minbase) into $CHROOT ..."
	local t0=$SECONDS
	# The compiler comes with dkms (gcc) and, for the exact version the kernel was built
	# with, with the headers package below.
	quiet debootstrap --variant=minbase --include=make,libc6-dev,kmod,dkms \
		"$SUITE" "$tmp" "$MIRROR"
	touch "$tmp/.kp-bootstrapped"
	mv "$tmp" "$CHROOT"
	say "debootstrap done in $((SECONDS - t0)) s"
}

# Private apt configuration inside the chroot only; the host's sources are never touched.
write_apt_config() {
	local src=$CHROOT/etc/apt/sources.list.d/kpromoted.sources new
	new=$(
		printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n' "$MIRROR" "$(suites_main)"
		if [[ -n $(suites_security) ]]; then
			printf '\nTypes: deb\nURIs: %s\nSuites: %s\nComponents: main\n' \
				"$SECURITY_MIRROR" "$(suites_security)"
		fi
	)
	if [[ ! -f $src || $(cat "$src") != "$new" ]]; then
		printf '%s\n' "$new" >"$src"
		: >"$CHROOT/etc/apt/sources.list"
		rm -f "$CHROOT/var/lib/apt/kp-updated" # sources changed: lists are stale
	fi
	cat >"$CHROOT/etc/apt/apt.conf.d/90kpromoted" <<-'EOF'
		APT::Install-Recommends "false";
		APT::Install-Suggests "false";
		Acquire::Retries "3";
		Acquire::http::Timeout "60";
		Dpkg::Use-Pty "false";
		Dpkg::Options { "--force-confdef"; "--force-confold"; };
		quiet "1";
		// The reachable mirror may serve a frozen snapshot whose Valid-Until has passed.
		Acquire::Check-Valid-Until "false";
	EOF
	# Headers of 6.12+ depend on the image, whose hooks would build an initrd nobody boots:
	# divert update-initramfs to a no-op (the same trick container images use).
	if [[ ! -f $CHROOT/etc/kp-initramfs-diverted ]]; then
		in_chroot dpkg-divert --quiet --local --rename --divert /usr/sbin/update-initramfs.kp \
			--add /usr/sbin/update-initramfs
		printf '#!/bin/sh\n# kpromoted chroot: no initrd needed\nexit 0\n' \
			>"$CHROOT/usr/sbin/update-initramfs"
		chmod 755 "$CHROOT/usr/sbin/update-initramfs"
		touch "$CHROOT/etc/kp-initramfs-diverted"
	fi
	# DNS for apt inside the chroot follows the host's current resolver.
	cp -L /etc/resolv.conf "$CHROOT/etc/resolv.conf" 2>/dev/null || true
}

# apt-get update at most once a day (or when forced): re-runs stay fast and offline-ish.
apt_update_if_stale() {
	local stamp=$CHROOT/var/lib/apt/kp-updated
	if [[ ${KP_APT_REFRESH:-0} != 1 && -f $stamp && -n $(find "$stamp" -mmin -1440) ]]; then
		return 0
	fi
	say "apt-get update in chroot"
	quiet in_chroot apt-get update
	touch "$stamp"
}

# Candidate version of a package, from the chroot's lists.
cand_version() { in_chroot apt-cache policy "$1" | awk '/Candidate:/ {print $2; exit}'; }
# All package names in the Depends/Pre-Depends of a package's candidate (every alternative).
depends_of() {
	in_chroot apt-cache show --no-all-versions "$1" |
		awk -F': ' '/^(Pre-)?Depends:/ {print $2}' | tr ',' '\n' | tr '|' '\n' |
		sed -E 's/^ +//; s/[ :].*//' | sed '/^$/d'
}

# Every package making up linux-image-<abi>, found by following Depends on names that
# carry the ABI. Stock 6.1/6.12 packages are one "linux-image-X" (boot/vmlinuz-X); newer
# ones are a meta over linux-binary-X (the kernel, usr/lib/modules/X/vmlinuz*),
# linux-modules-X and linux-base-X. Headers are not part of the image.
image_packages() {
	local todo=("linux-image-$ABI") seen=" " pkg dep
	while [[ ${#todo[@]} -gt 0 ]]; do
		pkg=${todo[0]}
		todo=("${todo[@]:1}")
		[[ $seen == *" $pkg "* ]] && continue
		seen+="$pkg "
		echo "$pkg"
		while read -r dep; do
			[[ $dep == *"$ABI"* && $dep != linux-headers-* ]] && todo+=("$dep")
		done < <(depends_of "$pkg")
	done
}

fetch_image() {
	local kdir=$KP_CACHE/kernel/$ABI want have pkg ver
	want=$(for pkg in $(image_packages); do
		ver=$(cand_version "$pkg")
		[[ -n $ver && $ver != "(none)" ]] || kp_die "no candidate for $pkg"
		echo "$pkg=$ver"
	done)
	have=$(cat "$kdir/.kp-packages" 2>/dev/null || true)
	if [[ $want == "$have" ]]; then
		return 0
	fi
	say "downloading $(echo "$want" | tr '\n' ' ')"
	local work=/var/tmp/kp-image tmpdir=$CHROOT/var/tmp/kp-image
	rm -rf "$tmpdir"
	mkdir -p "$tmpdir/root"
	# Download and unpack with the release's own apt/dpkg (its .deb compression may be
	# newer than the host's dpkg knows).
	# shellcheck disable=SC2046 # one word per package=version
	quiet in_chroot sh -c "cd $work && apt-get download $(echo "$want" | tr '\n' ' ')"
	quiet in_chroot sh -c "for d in $work/*.deb; do dpkg-deb -x \"\$d\" $work/root; done"
	rm -rf "$kdir"
	mv "$tmpdir/root" "$kdir"
	rm -rf "$tmpdir"
	printf '%s\n' "$want" >"$kdir/.kp-packages"
}

# Locate the kernel binary and its `uname -r` inside the extracted image.
find_vmlinuz() {
	local kdir=$KP_CACHE/kernel/$ABI f
	f=$(find "$kdir" \( -path '*/boot/vmlinuz-*' -o -path '*/modules/*/vmlinuz*' \) -type f |
		sort | head -n 1)
	[[ -n $f ]] || kp_die "no vmlinuz in $(tr '\n' ' ' <"$kdir/.kp-packages")"
	VMLINUZ=$f
	case $f in
	*/boot/vmlinuz-*) KVER=${f##*/boot/vmlinuz-} ;;
	*) KVER=$(basename "$(dirname "$f")") ;;
	esac
	MODDIR=
	local d
	for d in "$kdir/lib/modules/$KVER" "$kdir/usr/lib/modules/$KVER"; do
		[[ -d $d ]] && MODDIR=$d
	done
	[[ -n $MODDIR ]] || kp_die "no modules directory for $KVER in $kdir"
}

install_headers() {
	local pkg=linux-headers-$ABI cand inst
	cand=$(cand_version "$pkg")
	[[ -n $cand && $cand != "(none)" ]] || kp_die "no $pkg in $REL"
	# shellcheck disable=SC2016 # dpkg-query format, not shell
	inst=$(in_chroot dpkg-query -W -f='${Status} ${Version}' "$pkg" 2>/dev/null || true)
	if [[ $inst != "install ok installed $cand" ]]; then
		say "installing $pkg $cand in chroot"
		quiet in_chroot apt-get install -y "$pkg"
	fi
	HEADERS_VERSION=$cand
	KDIR=
	local d
	for d in "/usr/src/linux-headers-$ABI" "/lib/modules/$KVER/build"; do
		if [[ -f $CHROOT$d/Makefile ]]; then
			KDIR=$d
			break
		fi
	done
	[[ -n $KDIR ]] || kp_die "$pkg installed but no kernel build directory found"
}

# The compiler the kernel was built with, as recorded in its config (what DKMS uses too).
resolve_compiler() {
	local text
	text=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' \
		"$CHROOT$KDIR/include/config/auto.conf" "$CHROOT$KDIR/.config" 2>/dev/null | head -n 1)
	[[ -n $text ]] || kp_die "CONFIG_CC_VERSION_TEXT not found under $KDIR"
	CC=${text%% *}
	if ! in_chroot sh -c "command -v '$CC'" >/dev/null; then
		local major=${CC##*-gcc-}
		say "kernel built with $CC: installing gcc-$major"
		quiet in_chroot apt-get install -y "gcc-$major"
	fi
	GCC_VERSION=$(in_chroot "$CC" -dumpfullversion)
}

write_env() {
	local env=$KP_CACHE/release/$REL.env old_abi=
	if [[ -f $env ]]; then
		old_abi=$(sed -n "s/^KP_ABI=//p" "$env" | tr -d "'")
	fi
	{
		echo "# written by scripts/release.sh $(date -u +%FT%TZ)"
		printf 'KP_RELEASE=%q\n' "$REL"
		printf 'KP_KVER=%q\n' "$KVER"
		printf 'KP_ABI=%q\n' "$ABI"
		printf 'KP_VMLINUZ=%q\n' "$VMLINUZ"
		printf 'KP_KMODDIR=%q\n' "$MODDIR"
		printf 'KP_IMAGE_PKGS=%q\n' "$(tr '\n' ' ' <"$KP_CACHE/kernel/$ABI/.kp-packages" | sed 's/ $//')"
		printf 'KP_CHROOT=%q\n' "$CHROOT"
		printf 'KP_KDIR=%q\n' "$KDIR"
		printf 'KP_HEADERS_VERSION=%q\n' "$HEADERS_VERSION"
		printf 'KP_CC=%q\n' "$CC"
		printf 'KP_GCC=%q\n' "$GCC_VERSION"
	} >"$env.tmp"
	mv "$env.tmp" "$env"
	# The archive moved on: the previous image of this release is no longer needed.
	if [[ -n $old_abi && $old_abi != "$ABI" ]] &&
		! grep -qs "^KP_ABI=$old_abi\$" "$KP_CACHE"/release/*.env; then
		say "dropping old kernel $old_abi"
		rm -rf "${KP_CACHE:?}/kernel/$old_abi"
	fi
}

main() {
	command -v debootstrap >/dev/null || kp_die "debootstrap missing: run scripts/host-deps.sh"
	kp_lock_release "$REL"
	: >"$LOG"
	bootstrap_chroot
	write_apt_config
	apt_update_if_stale
	if kp_release_builds_kernel "$REL"; then
		# shellcheck source=debug-kernel.sh
		source "$KP_SCRIPTS/debug-kernel.sh"
		debug_kernel
		resolve_compiler
		write_env
		echo "release $REL: kernel $KVER (built here), headers $HEADERS_VERSION, gcc $GCC_VERSION"
		return 0
	fi
	local meta
	meta=$(depends_of "$META" | grep -m1 '^linux-image-' || true)
	[[ -n $meta ]] || kp_die "cannot resolve $META in $SUITE"
	ABI=${meta#linux-image-}
	# apt picks the newest across the suites (a stable kernel usually lives in -security).
	local ver
	ver=$(cand_version "$meta")
	say "$META -> $meta $ver from $(in_chroot apt-cache policy "$meta" |
		awk -v v="$ver" '$1 == v || ($1 == "***" && $2 == v) {getline; print $2, $3; exit}')"
	fetch_image
	find_vmlinuz
	install_headers
	resolve_compiler
	write_env
	echo "release $REL: kernel $KVER, headers $HEADERS_VERSION, gcc $GCC_VERSION"
}

main
