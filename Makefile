# How to build kpromoted. What to build is in Kbuild.
#   make                  module against KDIR (default: the running kernel) + tools
#   make unit             host unit tests (sanitizers)
#   make fuzz [FUZZ_SECONDS=60]   the parsers' fuzz targets on the host, that long each
#   make vm-check RELEASE=bookworm|trixie|sid   build in that release's chroot, run guest suite
#                 RELEASE=trixie-rt|trixie-cloud  Debian 13's RT/cloud kernel, reduced suite
#                 [GUEST_TESTS=kp_promote,kp_frequency]  only these guest programs
#   make check            unit + vm-check for every release and flavour [RELEASES=...],
#                 each of bookworm, trixie, sid followed by its mm-selftests [KP_MM_SELFTESTS=0: not]
#   make mm-selftests RELEASE=bookworm|trixie|sid   the kernel's mm selftests in the guest,
#                 without and with kpromoted, compared case by case (issue 17)
#   make check-debug      the guest suite on a debug kernel (KASAN, lockdep, kmemleak, ...)
#                 built from Debian's 6.12 source; before resolving issues, not in CI
#   make demo             two-tier guest on a stock Debian kernel, hot set promoted
#   make sim [QUICK=1]    host simulator of the hotness engine at 64 GiB..16 TiB (issue 14)
#   make readme           README's benchmark tables copied again from their committed reports
KDIR ?= /lib/modules/$(shell uname -r)/build
KPROMOTED_VERSION ?= $(shell cat $(CURDIR)/VERSION 2>/dev/null || echo 0.1.0)
RELEASE ?= trixie
RELEASES ?= bookworm trixie sid
FUZZ_SECONDS ?= 60
export KP_CACHE ?= $(CURDIR)/.cache

.PHONY: all module tools clean unit fuzz vm-check check check-debug demo deps deb rpm

all: module tools

# kpromotedctl needs libkmod, not the kernel headers: `make tools` works anywhere.
tools:
	$(MAKE) -C tools/kpromotedctl

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) KPROMOTED_VERSION=$(KPROMOTED_VERSION) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C tests/unit clean
	$(MAKE) -C tests/fuzz clean
	$(MAKE) -C tests/sim clean
	$(MAKE) -C tools/kpromotedctl clean

deps:
	scripts/host-deps.sh

unit:
	$(MAKE) -C tests/unit run

fuzz:
	$(MAKE) -C tests/fuzz run FUZZ_SECONDS=$(FUZZ_SECONDS)

vm-check:
	scripts/vm-check.sh $(RELEASE) $(if $(GUEST_TESTS),kp.tests=$(GUEST_TESTS))

# Without RELEASES given, check.sh's default: every release, then the flavours (scripts/lib.sh).
check:
	scripts/check.sh $(if $(filter command line environment,$(origin RELEASES)),$(RELEASES))

# The trixie-debug pseudo-release (scripts/debug-kernel.sh): the kernel is built once per
# source version and config fragment, then vm-check as for any release. The suite is
# several times slower on this kernel under TCG: a hung guest fails after KP_TIMEOUT.
check-debug:
	KP_TIMEOUT=$${KP_TIMEOUT:-3600} scripts/vm-check.sh trixie-debug $(if $(GUEST_TESTS),kp.tests=$(GUEST_TESTS))

.PHONY: mm-selftests
mm-selftests:
	scripts/mm-selftests.sh $(RELEASE)

demo:
	scripts/demo.sh $(RELEASE)

# Packages, built in the bookworm chroot: .debs with dh-dkms (lintian-checked, then
# installed with apt in every release's chroot, where DKMS must build the module), and
# the dkms rpm with Debian's rpmbuild. Output: .cache/out/packages/
deb:
	scripts/build-deb.sh --install-check $(RELEASES)

rpm:
	scripts/build-rpm.sh

# Benchmarks (not tests: nothing in `make check` depends on them). RELEASE=<one> or all;
# QUICK=1: trixie unless RELEASE is given, fewer scenarios, < 15 min. See README "Benchmarks".
.PHONY: bench
bench:
	BENCH_QUICK=$(if $(QUICK),1,$(or $(BENCH_QUICK),0)) scripts/bench.sh $(if $(filter command line environment,$(origin RELEASE)),$(RELEASE),)

# README's bench tables from the committed reports they name (scripts/readme-tables.py);
# `make unit` fails when one differs from its report.
.PHONY: readme
readme:
	scripts/readme-tables.py README.md

# The hotness engine's simulator on the host (tests/sim, issue 14): results/sim-<date>[-quick]/.
# QUICK=1: the smoke run, 64 GiB and 1 TiB, well under 5 minutes. See README "Simulator".
.PHONY: sim
sim:
	tests/sim/run.sh $(if $(QUICK),--quick)
