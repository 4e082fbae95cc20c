// SPDX-License-Identifier: GPL-2.0
/*
 * Intel PEBS load-latency sampling, as the hardware sampling core sees it:
 * the core PMU (cpu, or cpu_core on hybrid parts), the kernel's own
 * mem-loads event (its encoding read from the PMU's events/mem-loads, as
 * perf(1) does), a latency threshold in config1 (format/ldlat), precise,
 * one load over the threshold sampled every pebs_period.
 *
 * A PEBS record carries the load's linear address; the kernel turns it
 * into a physical one only when it writes a sample out, which an in-kernel
 * handler bypasses, so the handler translates it itself the way the kernel
 * does (an NMI-safe lockless page-table walk of the interrupted task). A
 * PMU that reports the physical address itself is taken at its word.
 *
 * wakeup_events=1 keeps the kernel from batching records in "large PEBS",
 * which a kernel counter would only see at the next drain.
 */
#include <linux/kernel.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>
#include "kpromoted/kpromoted.h"
#include "hwsample.h"

#define KP_PEBS_LDLAT_MISS 128	/* cycles: beyond any cache on current parts */
#define KP_PEBS_LDLAT_ALL 3	/* the smallest threshold the hardware takes */

static const char *const kp_pebs_pmus[] = { "cpu_core", "cpu", NULL };

static const char *kp_pebs_no_pmu(void)
{
	if (boot_cpu_data.x86_vendor != X86_VENDOR_INTEL)
		return "no Intel PEBS: not an Intel CPU";
	if (!boot_cpu_has(X86_FEATURE_DS))
		return "no Intel PEBS: CPU has no debug store";
	return "no Intel PEBS: no core PMU with load latency (a hypervisor without a PEBS vPMU?)";
}

/* event=0x..,umask=0x.. of the PMU's events/mem-loads into a config value. */
static int kp_pebs_mem_loads(const char *pmu, u64 *config)
{
	char path[96], val[96], *s = val, *tok;
	unsigned int event = 0, umask = 0, v;
	bool have_event = false;

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/events/mem-loads", pmu);
	if (kp_setting_read(path, val, sizeof(val)))
		return -ENOENT;
	while ((tok = strsep(&s, ",")) != NULL) {
		if (!strncmp(tok, "event=", 6) && !kstrtouint(tok + 6, 0, &v)) {
			event = v;
			have_event = true;
		} else if (!strncmp(tok, "umask=", 6) && !kstrtouint(tok + 6, 0, &v)) {
			umask = v;
		}
	}
	if (!have_event || event > 0xff || umask > 0xff)
		return -EINVAL;
	*config = event | (u64)umask << 8;
	return 0;
}

static bool kp_pebs_has_ldlat(const char *pmu)
{
	char path[96], val[32];

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/format/ldlat", pmu);
	return !kp_setting_read(path, val, sizeof(val)) && !strncmp(val, "config1:", 8);
}

static bool kp_pebs_usable(const struct kp_hws_pmu *pmu)
{
	return kp_pebs_has_ldlat(pmu->name);
}

static const char *kp_pebs_setup(struct perf_event_attr *attr, const struct kp_hws_pmu *pmu,
				 char *note, size_t len)
{
	u32 ldlat = kp_cfg.hwsample_l3_miss == KP_ON ? KP_PEBS_LDLAT_MISS : KP_PEBS_LDLAT_ALL;

	if (kp_pebs_mem_loads(pmu->name, &attr->config))
		return "no Intel PEBS load latency: the core PMU has no mem-loads event";
	attr->config1 = ldlat;
	attr->precise_ip = 1;
	attr->wakeup_events = 1;
	attr->sample_type = PERF_SAMPLE_ADDR | PERF_SAMPLE_PHYS_ADDR;
	snprintf(note, len, "loads of %u cycles or more (mem-loads 0x%llx, ldlat %u)", ldlat,
		 attr->config, ldlat);
	return NULL;
}

static u64 kp_pebs_period(void)
{
	return kp_cfg.pebs_period;
}

/* NMI: the linear address of the interrupted context, translated without a lock. */
static u64 kp_pebs_virt_to_phys(u64 virt)
{
	struct page *p;
	u64 phys = 0;

	if (virt >= TASK_SIZE_MAX) {
		if (virt_addr_valid((void *)(uintptr_t)virt) &&
		    !(virt >= VMALLOC_START && virt < VMALLOC_END))
			phys = (u64)virt_to_phys((void *)(uintptr_t)virt);
		return phys;
	}
	if (!current->mm)
		return 0;
	pagefault_disable();
	if (get_user_page_fast_only(virt, 0, &p)) {
		phys = page_to_phys(p) + offset_in_page(virt);
		put_page(p);
	}
	pagefault_enable();
	return phys;
}

/* NMI. */
static u64 kp_pebs_phys(struct perf_event *event, struct perf_sample_data *data)
{
	if (data->sample_flags & PERF_SAMPLE_PHYS_ADDR)
		return data->phys_addr;
	if ((data->sample_flags & PERF_SAMPLE_ADDR) && data->addr)
		return kp_pebs_virt_to_phys(data->addr);
	return 0;
}

const struct kp_hws_desc kp_pebs_desc = {
	.name = "pebs",
	.hp_name = "kpromoted/pebs:online",
	.src = KP_SRC_PEBS,
	.pmu_names = kp_pebs_pmus,
	.no_pmu = kp_pebs_no_pmu,
	.usable = kp_pebs_usable,
	.setup = kp_pebs_setup,
	.period = kp_pebs_period,
	.ref_period = 1000,
	.phys = kp_pebs_phys,
};
