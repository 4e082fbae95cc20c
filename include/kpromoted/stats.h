/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters shown in debugfs `stats` (their names: stats_names.h). Per-CPU,
 * so the record path (any context, NMI included) pays one local increment.
 */
#ifndef KPROMOTED_STATS_H
#define KPROMOTED_STATS_H

#include <linux/percpu.h>

#include "kpromoted/stats_names.h"

enum kp_stat {
#define KP_STAT_ENUM(name) KP_STAT_##name,
	KP_STATS(KP_STAT_ENUM)
#undef KP_STAT_ENUM
	KP_NR_STATS,
};

struct kp_stats {
	u64 v[KP_NR_STATS];
};

DECLARE_PER_CPU(struct kp_stats, kp_stats);

/* Safe from any context: a per-CPU add needs no lock. */
static inline void kp_stat_add(enum kp_stat s, u64 n)
{
	this_cpu_add(kp_stats.v[s], n);
}

static inline void kp_stat_inc(enum kp_stat s)
{
	kp_stat_add(s, 1);
}

u64 kp_stat_read(enum kp_stat s);
const char *kp_stat_name(enum kp_stat s);
void kp_stats_reset(void);

#endif
