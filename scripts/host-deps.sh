#!/usr/bin/env bash
# Install the host packages the build and VM scripts need. Idempotent and fast when
# everything is present: dpkg is asked first, apt only when something is missing.
set -euo pipefail

# qemu-system-x86: the guest; busybox-static + kmod + libkmod2: initramfs userland;
# debootstrap + debian-archive-keyring: per-release chroots; cpio/gzip/xz/zstd: archives;
# gcc/make/libc6-dev: host unit tests and guest test binaries; rsync: copying sources;
# util-linux: flock/unshare; coreutils: timeout; clang + libclang-rt-14-dev (libFuzzer
# and the sanitizer runtimes, only recommended by clang): the fuzz targets (tests/fuzz);
# python3 + gnuplot-nox: the simulator's report and plots (tests/sim), and `kpromotedctl
# heatmap --png` in test_cli.sh (the guest needs no gnuplot); prometheus: its
# promtool checks `kpromotedctl stats --prometheus` (tools/kpromotedctl/tests/test_cli.sh);
# bash-completion: the completion test sources its helpers; groff-base + man-db: the man
# page test renders the pages with warnings on, as lintian does.
PKGS=(
	qemu-system-x86 busybox-static debootstrap debian-archive-keyring
	libkmod-dev libkmod2 kmod cpio gzip xz-utils zstd
	gcc make libc6-dev rsync util-linux coreutils
	clang libclang-rt-14-dev python3 gnuplot-nox
	prometheus bash-completion groff-base man-db
)

missing=()
for p in "${PKGS[@]}"; do
	if [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) != "install ok installed" ]]; then
		missing+=("$p")
	fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

[[ $(id -u) -eq 0 ]] || { echo "host-deps: need root to install: ${missing[*]}" >&2; exit 1; }
echo "host-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
# No recommends: qemu-system-x86 would otherwise pull in a desktop's worth of packages.
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
