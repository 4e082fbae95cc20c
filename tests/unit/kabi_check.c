// SPDX-License-Identifier: GPL-2.0
/*
 * The prototypes src/compat/kabi.h expects, for the kernel version this is
 * compiled for (-I that release's include/generated/uapi), against that
 * kernel's BTF: kabi_check VMLINUX.BTF. One TAP line per function; the same
 * comparison the module makes at load (src/compat/protos.c), without booting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/version.h>
#include "kpromoted/btf.h"
#include "kpromoted/ksyms.h"	/* with -D__ASSEMBLY__: the KP_KSYMS table only */
#include "kabi.h"
#include "tap.h"

/* check_kabi.sh passes 0 when the kernel's config lacks it (PREEMPT_RT kernels do). */
#ifndef KP_KCONFIG_NUMA_BALANCING
#define KP_KCONFIG_NUMA_BALANCING 1
#endif

static struct kp_btf b;

static void check(const char *name, const char *expected)
{
	unsigned int n, i;
	char found[512];

	if (!expected) {
		CHECK(1, "%s: not called on this kernel # SKIP", name);
		return;
	}
	n = kp_btf_count_funcs(&b, name);
	CHECK(n > 0, "%s in BTF", name);
	for (i = 0; i < n; i++) {
		int len = kp_btf_render_func(&b, (unsigned int)kp_btf_find_func(&b, name, i), found,
					     sizeof(found));

		CHECK(len > 0 && kp_btf_proto_equal(found, expected), "%s: expected '%s', found '%s'",
		      name, expected, found);
	}
}

int main(int argc, char **argv)
{
	static unsigned char blob[64 << 20];
	size_t len;
	u32 *offs;
	FILE *f;

	if (argc != 2 || !(f = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: kabi_check VMLINUX.BTF\n");
		return 2;
	}
	len = fread(blob, 1, sizeof(blob), f);
	fclose(f);
	CHECK(!kp_btf_open(&b, blob, len), "%s opens (%zu bytes)", argv[1], len);
	if (!b.nr_types)
		return tap_done("kabi");
	offs = malloc(b.nr_types * sizeof(*offs));
	if (!offs)
		return 1;
	kp_btf_index(&b, offs);
	check("kallsyms_lookup_name", KP_PROTO_kallsyms_lookup_name);
#define KP_CHECK_KSYM(name, req, feat) check(#name, KP_PROTO_##name);
	KP_KSYMS(KP_CHECK_KSYM)
#if KP_KCONFIG_NUMA_BALANCING
	check("should_numa_migrate_memory", KP_PROTO_should_numa_migrate_memory);
#else
	/* PREEMPT_RT kernels: no NUMA balancing, the hint-fault hook says "not found". */
	CHECK(1, "should_numa_migrate_memory: kernel without CONFIG_NUMA_BALANCING # SKIP");
#endif
	check("get_pfn_folio", KP_PROTO_get_pfn_folio);
	free(offs);
	return tap_done("kabi");
}
