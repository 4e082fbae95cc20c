// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware sampling sources (AMD IBS, Intel PEBS). Each reports precisely
 * why it cannot run here; the consumers themselves come with their own
 * issues.
 */
#include <linux/kernel.h>
#include <asm/cpufeature.h>
#include "kpromoted/sources.h"

static const char *kp_ibs_unavailable(void)
{
	if (boot_cpu_data.x86_vendor != X86_VENDOR_AMD)
		return "no AMD IBS: not an AMD CPU";
	if (!boot_cpu_has(X86_FEATURE_IBS))
		return "no AMD IBS: CPU does not report IBS";
	return "IBS consumer not implemented in this version";
}

static const char *kp_pebs_unavailable(void)
{
	if (boot_cpu_data.x86_vendor != X86_VENDOR_INTEL)
		return "no Intel PEBS: not an Intel CPU";
	if (!boot_cpu_has(X86_FEATURE_DS))
		return "no Intel PEBS: CPU has no debug store";
	return "PEBS consumer not implemented in this version";
}

static int kp_nostart(const char **why)
{
	*why = "not startable";
	return -ENODEV;
}

static void kp_nostop(void)
{
}

const struct kp_source_ops kp_ibs_source = {
	.unavailable = kp_ibs_unavailable,
	.start = kp_nostart,
	.stop = kp_nostop,
};

const struct kp_source_ops kp_pebs_source = {
	.unavailable = kp_pebs_unavailable,
	.start = kp_nostart,
	.stop = kp_nostop,
};
