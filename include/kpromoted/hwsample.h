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
 * the window ends. The sample that passes the share raises the period at
 * once, by the power of two that brings the rate seen so far under the
 * ceiling: a CPU the sampled work has just moved to comes down in one
 * step, not one doubling per window. A window under a quarter of the
 * ceiling halves the period again, never below the configured one.
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
 * The period for what follows `count` samples in `elapsed_ns` at `period`,
 * under a ceiling of `quota` samples per window of `window_ns`; `base` is
 * the configured period. Over the ceiling's rate: raised by the power of
 * two that brings that rate under it, up to 2^KP_HWS_MAX_SHIFT x the base.
 * Under a quarter of it: halved, never below the base. Between: kept.
 */
static inline u64 kp_hws_next_period(u64 count, u64 elapsed_ns, u32 quota, u64 window_ns,
				     u64 period, u64 base)
{
	u64 cap = base << KP_HWS_MAX_SHIFT, seen, allowed;

	/*
	 * Bounds that keep the products below in 64 bits, with a window under
	 * 2^30 ns: 2^20 samples, a quota of 2^20 (a ceiling of 100000/s gives
	 * 12800), 2^40 ns (18 minutes).
	 */
	if (count > (1ull << 20))
		count = 1ull << 20;
	if (quota > (1u << 20))
		quota = 1u << 20;
	if (elapsed_ns > (1ull << 40))
		elapsed_ns = 1ull << 40;
	if (!elapsed_ns)
		elapsed_ns = 1;
	/* The rate seen against the ceiling's, both scaled by window x elapsed. */
	seen = count * window_ns;
	allowed = (u64)quota * elapsed_ns;
	if (seen > allowed) {
		while (seen > allowed && period < cap) {
			period *= 2;
			allowed *= 2;
		}
		return period < cap ? period : cap;
	}
	if (seen * 4 < allowed && period > base)
		return period / 2 > base ? period / 2 : base;
	return period;
}

#endif
