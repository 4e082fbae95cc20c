// SPDX-License-Identifier: GPL-2.0
/*
 * AMD IBS op sampling, as the hardware sampling core sees it: the ibs_op
 * PMU (Family 10h and later), one op tagged every ibs_period ops, its
 * registers in PERF_SAMPLE_RAW (decoded by kpromoted/ibs.h) and, since
 * Linux 6.1, its data's physical address in PERF_SAMPLE_PHYS_ADDR.
 *
 * With hwsample_l3_miss=on (the default) only accesses that went to memory
 * count: on Zen 4 and later the PMU's own L3MissOnly filter (its
 * format/l3missonly bit) drops the others before they interrupt; before,
 * the sample's DataSrc tells, and a load served by a cache is not recorded
 * (hwsample_lost).
 */
#include <linux/kernel.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/ibs.h"
#include "hwsample.h"

static bool kp_ibs_sw_l3_filter __read_mostly;

static const char *const kp_ibs_pmus[] = { "ibs_op", NULL };

static const char *kp_ibs_no_pmu(void)
{
	if (boot_cpu_data.x86_vendor != X86_VENDOR_AMD &&
	    boot_cpu_data.x86_vendor != X86_VENDOR_HYGON)
		return "no AMD IBS: not an AMD CPU";
	if (!boot_cpu_has(X86_FEATURE_IBS))
		return "no AMD IBS: CPU does not report IBS (a hypervisor may hide it)";
	return "no ibs_op PMU (kernel without CONFIG_PERF_EVENTS_AMD_IBS?)";
}

static const char *kp_ibs_setup(struct perf_event_attr *attr, const struct kp_hws_pmu *pmu,
				char *note, size_t len)
{
	/*
	 * Kernel and user ops alike: before Linux 6.14 ibs_op refuses
	 * exclude_user/exclude_kernel, and both touch slow memory.
	 */
	attr->sample_type = PERF_SAMPLE_RAW | PERF_SAMPLE_PHYS_ADDR;
	kp_ibs_sw_l3_filter = false;
	if (kp_cfg.hwsample_l3_miss == KP_OFF) {
		snprintf(note, len, "every load and store");
	} else if (pmu->l3miss_bit >= 0) {
		attr->config |= 1ull << pmu->l3miss_bit;
		snprintf(note, len, "L3 misses (the PMU's l3missonly filter)");
	} else {
		kp_ibs_sw_l3_filter = true;
		snprintf(note, len, "loads served by memory (DataSrc; no l3missonly on this CPU)");
	}
	return NULL;
}

static u64 kp_ibs_period(void)
{
	return kp_cfg.ibs_period;
}

/* NMI. */
static u64 kp_ibs_phys(struct perf_event *event, struct perf_sample_data *data)
{
	struct kp_ibs_op op;

	if ((data->sample_flags & PERF_SAMPLE_RAW) && data->raw) {
		if (!kp_ibs_op_decode(data->raw->frag.data, data->raw->frag.size, &op) ||
		    !op.valid || !op.phys_valid)
			return 0;
		if (READ_ONCE(kp_ibs_sw_l3_filter) && !op.from_memory)
			return 0;
		return op.phys;
	}
	/* No raw record: the address the driver decoded (DcPhyAddrValid) alone. */
	if (data->sample_flags & PERF_SAMPLE_PHYS_ADDR)
		return data->phys_addr;
	return 0;
}

const struct kp_hws_desc kp_ibs_desc = {
	.name = "ibs",
	.hp_name = "kpromoted/ibs:online",
	.src = KP_SRC_IBS,
	.pmu_names = kp_ibs_pmus,
	.no_pmu = kp_ibs_no_pmu,
	.setup = kp_ibs_setup,
	.period = kp_ibs_period,
	.ref_period = 65536,
	.phys = kp_ibs_phys,
};
