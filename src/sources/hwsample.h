/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hardware sampling core (hwsample.c) and the descriptions of the
 * hardware it drives (ibs.c, pebs.c). A description says which PMU to look
 * for, how to configure a counter on it and where a sample's physical data
 * address is; the core does the rest: one pinned kernel counter per online
 * CPU that follows CPU hotplug, the NMI handler, the rate ceiling, the
 * reasons when the PMU refuses.
 */
#ifndef KPROMOTED_SRC_HWSAMPLE_H
#define KPROMOTED_SRC_HWSAMPLE_H

#include <linux/perf_event.h>
#include "kpromoted/policy.h"

/* What the core found out about the PMU (from sysfs: the real and a test PMU alike). */
struct kp_hws_pmu {
	const char *name;	/* the PMU's name under /sys/bus/event_source/devices */
	u32 type;		/* its perf type */
	int l3miss_bit;		/* config bit of its format/l3missonly, or -1 */
};

struct kp_hws_desc {
	const char *name;		/* the source's name: "ibs", "pebs" */
	const char *hp_name;		/* its cpuhp state (kept by the kernel, not copied) */
	enum kp_source_id src;
	const char *const *pmu_names;	/* PMUs to look for, in order */
	/* Why there is no such PMU here (the CPU's side of the story). */
	const char *(*no_pmu)(void);
	/* Optional: false when a PMU of that name is not the one wanted (e.g. AMD's cpu). */
	bool (*usable)(const struct kp_hws_pmu *pmu);
	/*
	 * Fills attr (type and sample period are set by the core) for this
	 * PMU; writes how it filters into note. NULL, or why it cannot.
	 */
	const char *(*setup)(struct perf_event_attr *attr, const struct kp_hws_pmu *pmu,
			     char *note, size_t len);
	u64 (*period)(void);		/* the configured sample period */
	u64 ref_period;			/* a sample at this period is one sighting */
	/*
	 * NMI context: the physical address of the data the sample is about,
	 * or 0 when it has none worth recording. No lock, no allocation.
	 */
	u64 (*phys)(struct perf_event *event, struct perf_sample_data *data);
};

extern const struct kp_hws_desc kp_ibs_desc;
extern const struct kp_hws_desc kp_pebs_desc;

/* The PMU's format bit for name (format/<name> reads "config:<bit>"), or -1. */
int kp_hws_format_bit(const char *pmu, const char *name);

#endif
