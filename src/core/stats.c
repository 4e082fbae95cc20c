// SPDX-License-Identifier: GPL-2.0
#include <linux/cpumask.h>
#include "kpromoted/stats.h"

DEFINE_PER_CPU(struct kp_stats, kp_stats);

static const char *const kp_stat_names[KP_NR_STATS] = {
#define KP_STAT_NAME(name) [KP_STAT_##name] = #name,
	KP_STATS(KP_STAT_NAME)
#undef KP_STAT_NAME
};

const char *kp_stat_name(enum kp_stat s)
{
	return kp_stat_names[s];
}

u64 kp_stat_read(enum kp_stat s)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(kp_stats, cpu).v[s];
	return sum;
}

void kp_stats_reset(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(&kp_stats, cpu), 0, sizeof(struct kp_stats));
}
