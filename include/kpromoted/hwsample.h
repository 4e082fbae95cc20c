/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arithmetic of the hardware sampling sources (src/sources/hwsample.c),
 * pure so that the host unit tests check it.
 *
 * Weight: a sample taken once every `period` events stands for `period`
 * events, one of which touched this page: the expected number of samples
 * on a page is its accesses / period, so samples x period estimates its
 * accesses whatever the period. A sample at the source's reference period
 * is one clear sighting (KP_HEAT_UNIT), in proportion at other periods,
 * within what one table record can carry.
 *
 * Rate: each CPU counts its samples per window of KP_HWS_WINDOW_MS. Past
 * the ceiling's share of a window, samples are dropped (throttled) until
 * the window ends; a window over the ceiling doubles the period (half the
 * interrupts), one under a quarter of it halves the period again, never
 * below the configured one.
 */
#ifndef KPROMOTED_HWSAMPLE_H
#define KPROMOTED_HWSAMPLE_H

#include "kpromoted/table.h"

#define KP_HWS_WINDOW_MS 128
/* Periods the throttle may reach: 2^6 times the configured one. */
#define KP_HWS_MAX_SHIFT 6

static inline u32 kp_hws_weight(u64 period, u64 ref_period)
{
	u64 w;

	if (!ref_period)
		return KP_HEAT_UNIT;
	if (period > ((u64)KP_HEAT_MAX * ref_period) / KP_HEAT_UNIT)
		return KP_HEAT_MAX;
	w = (period * KP_HEAT_UNIT + ref_period / 2) / ref_period;
	return w ? (u32)w : 1;
}

/* Samples one CPU may record per window under a ceiling of max_rate per second. */
static inline u32 kp_hws_window_quota(u32 max_rate)
{
	u64 q = ((u64)max_rate * KP_HWS_WINDOW_MS + 999) / 1000;

	return q ? (u32)q : 1;
}

/*
 * The period for the next window, after `count` samples arrived in one
 * whose quota was `quota`, at period `period`; `base` is the configured
 * period.
 */
static inline u64 kp_hws_next_period(u32 count, u32 quota, u64 period, u64 base)
{
	if (count > quota && period < (base << KP_HWS_MAX_SHIFT))
		return period * 2;
	if (count < quota / 4 && period > base)
		return period / 2 > base ? period / 2 : base;
	return period;
}

#endif
