// SPDX-License-Identifier: GPL-2.0
/*
 * The modelled sources (tests/sim): only the events the module would see,
 * at the rate the kernel produces them.
 *
 * Hardware sampling: one sample per `period` accesses of all memory (the
 * fast tier's as many as the slow tier's), the period doubled while the
 * CPUs would exceed the ceiling (kpromoted/hwsample.h), each sample one
 * access drawn from the stream; one on a page already promoted lands on
 * the fast tier and is not a record.
 *
 * Hint faults: each tenant's NUMA-balancing scan protects 256 MiB of its
 * slice per scan period, in address order; a protected page faults at its
 * next access, with that delay as the fault's latency after the scan. The
 * period is the kernel's for a task of the tenant's size (kernel/sched/
 * fair.c, task_scan_min()): scan_period_min (1000 ms) over the task's
 * 256 MiB windows, floored at 1000 ms / (MAX_SCAN_WINDOW 2560 MB/s / 256
 * MB) = 100 ms. task_scan_max() is 60000 ms over the windows, at least
 * that: for a tenant of 1 TiB both are 100 ms (2.5 GiB/s scanned), for
 * 64 GiB 100..234 ms; the model takes the minimum (the kernel shortens the
 * period while faults show misplaced memory, as they do here).
 *
 * MGLRU: an aging pass every interval (adapted as src/sources/mglru.c does)
 * finds young every page accessed since the previous pass: probability
 * 1 - exp(-rate * interval), drawn without visiting every page (geometric
 * skips over the background, thinning over the Zipf ranks). The walk takes
 * SIM_MGLRU_NS_PER_PAGE per page of the tier (at most the interval), in
 * address order: a young page's record comes when the walk reaches it.
 */
#include <math.h>
#include "sim.h"
#include "kpromoted/hwsample.h"
#include "kpromoted/table.h"

#define SIM_FAST_SHARE 1.0	/* fast-tier accesses per slow-tier access */
#define SIM_HWS_REF_PERIOD 1000	/* PEBS's reference period (src/sources/pebs.c) */
#define SIM_HINT_SCAN_BYTES (256ull << 20)	/* numa_balancing_scan_size_mb */
#define SIM_HINT_PERIOD_MIN_MS 1000		/* numa_balancing_scan_period_min_ms */
#define SIM_HINT_MAX_WINDOW_MB 2560		/* MAX_SCAN_WINDOW */
#define SIM_MGLRU_MIN_MS 400	/* mglru_min_ms, mglru_max_ms defaults */
#define SIM_MGLRU_MAX_MS 5000
#define SIM_MGLRU_BUSY 256	/* src/sources/mglru.c */
#define SIM_MGLRU_IDLE 16
#define SIM_MGLRU_YOUNG_PCT 35
#define SIM_MGLRU_NS_PER_PAGE 1.0	/* an assumption: 1 ns per PTE walked */

/* kernel/sched/fair.c: task_scan_min() for a task of `bytes`, in seconds. */
static double sim_hint_period(u64 bytes)
{
	u64 windows = (bytes + SIM_HINT_SCAN_BYTES - 1) / SIM_HINT_SCAN_BYTES;
	unsigned int floor = 1000 / (SIM_HINT_MAX_WINDOW_MB / (SIM_HINT_SCAN_BYTES >> 20));
	u64 scan = SIM_HINT_PERIOD_MIN_MS / (windows ? windows : 1);

	return (scan > floor ? scan : floor) / 1000.0;
}

void sim_sources_init(struct sim *s)
{
	double all = s->total_acc * (1 + SIM_FAST_SHARE);
	double period = s->c.hws_period, cap = s->c.cpus * s->c.hws_max_rate;
	int shift;
	unsigned int i;

	/* The throttle's steady state: the period that keeps under the ceiling. */
	for (shift = 0; shift < KP_HWS_MAX_SHIFT && all / period > cap; shift++)
		period *= 2;
	s->hws_samples_ps = all / period;
	if (s->hws_samples_ps > cap)
		s->hws_samples_ps = cap;	/* the rest throttled */
	s->hws_weight = kp_hws_weight((u64)period, SIM_HWS_REF_PERIOD);
	if (s->c.hint_period_s <= 0)	/* the kernel's, for the tenant's size */
		s->c.hint_period_s = sim_hint_period((u64)(s->span * s->page_bytes));
	for (i = 0; i < s->c.tenants; i++) {
		s->hint_next[i] = rng_unit(&s->rng) * s->c.hint_period_s;
		s->hint_cursor[i] = rng_below(&s->rng, s->span);
	}
	s->mglru_interval_ms = SIM_MGLRU_MIN_MS;
	s->mglru_next = s->mglru_interval_ms / 1000.0;
}

static void sim_hws_step(struct sim *s)
{
	u64 n = rng_poisson(&s->rng, s->hws_samples_ps * SIM_DT_MS / 1000.0);

	while (n--) {
		u64 page;

		if (rng_unit(&s->rng) * (1 + SIM_FAST_SHARE) >= 1)
			continue;	/* an access to the fast tier's own pages */
		page = sim_draw_access(s);
		if (sim_promoted(s, page))
			continue;
		s->st.samples++;
		if (s->eng->sample)
			s->eng->sample(s, page, s->hws_weight);
	}
}

/* One scan period of one tenant: its next 256 MiB protected, faults scheduled. */
static void sim_hint_scan(struct sim *s, unsigned int t)
{
	u64 n = (u64)(SIM_HINT_SCAN_BYTES / s->page_bytes), i;

	if (n > s->span)
		n = s->span;
	for (i = 0; i < n; i++) {
		u64 page = t * s->span + (s->hint_cursor[t] + i) % s->span;
		double d;

		if (sim_promoted(s, page))
			continue;	/* the tiering scan skips the top tier */
		d = sim_first_access(s, page, s->t);
		if (d < (SIM_CAL_SLOTS - 2) * SIM_DT_MS / 1000.0)
			sim_schedule(s, s->t + d, page, (float)(d * 1000), EV_HINT);
	}
	s->hint_cursor[t] = (s->hint_cursor[t] + n) % s->span;
}

/* src/sources/mglru.c's weight of a young bit at this interval. */
static u32 sim_mglru_weight(const struct sim *s, double interval_ms)
{
	u32 hl = s->c.window_ms >> KP_TICK_SHIFT_MS, ticks = (u32)interval_ms >> KP_TICK_SHIFT_MS;
	u32 lost = KP_HEAT_MAX - kp_heat_decay(KP_HEAT_MAX, ticks ? ticks : 1, hl);
	u32 w = (s->c.hot_threshold * KP_HEAT_UNIT * lost * 100 + KP_HEAT_MAX * SIM_MGLRU_YOUNG_PCT - 1) /
		(KP_HEAT_MAX * SIM_MGLRU_YOUNG_PCT);

	return w ? w : 1;
}

static void sim_young(struct sim *s, u64 page, u32 w, u64 *young)
{
	double walk = fmin(s->npages * SIM_MGLRU_NS_PER_PAGE * 1e-9, s->mglru_interval_ms / 1000.0);

	if (sim_promoted(s, page))
		return;
	(*young)++;
	if (s->eng->young)
		sim_schedule(s, s->t + walk * page / s->npages, page, (float)w, EV_YOUNG);
}

static void sim_mglru_pass(struct sim *s)
{
	double iv = (s->t - s->mglru_last), p_bg = -expm1(-s->bg_rate * iv);
	u32 w = sim_mglru_weight(s, s->mglru_interval_ms);
	u64 young = 0, page, r;
	unsigned int t;

	/* Hot ranks: thinning under the (decreasing) probability of the current rank. */
	for (t = 0; t < s->c.tenants; t++)
		for (r = 0; r < s->hot;) {
			double p_hi = -expm1(-(s->bg_rate + s->hot_rate * zipf_pmf(&s->z, r + 1)) * iv);
			u64 g = p_hi >= 0.5 ? 0 : rng_geometric(&s->rng, p_hi);
			double p;

			if (g >= s->hot - r)
				break;
			r += g;
			p = -expm1(-(s->bg_rate + s->hot_rate * zipf_pmf(&s->z, r + 1)) * iv);
			if (rng_unit(&s->rng) * p_hi < p)
				sim_young(s, t * s->span + perm_fwd(&s->perm[t], r), w, &young);
			r++;
		}
	/* Background: every page alike; the hot ranks were drawn above. */
	for (page = rng_geometric(&s->rng, p_bg); page < s->npages;) {
		if (sim_rank(s, page, &t) >= s->hot)
			sim_young(s, page, w, &young);
		r = rng_geometric(&s->rng, p_bg);
		if (r >= s->npages)
			break;
		page += r + 1;
	}
	/* What the scan-like stream read since the last pass. */
	if (s->scan_pps > 0) {
		u64 from = (u64)(s->mglru_last * s->scan_pps), to = (u64)(s->t * s->scan_pps);

		if (to - from > s->npages)
			from = to - s->npages;
		for (; from < to; from++)
			sim_young(s, from % s->npages, w, &young);
	}
	s->st.young += young;
	/* src/sources/mglru.c: faster while many pages are young, slower while few. */
	if (young > SIM_MGLRU_BUSY)
		s->mglru_interval_ms = fmax(SIM_MGLRU_MIN_MS, s->mglru_interval_ms / 2);
	else if (young < SIM_MGLRU_IDLE)
		s->mglru_interval_ms = fmin(SIM_MGLRU_MAX_MS, s->mglru_interval_ms * 2);
	s->mglru_last = s->t;
	s->mglru_next = s->t + s->mglru_interval_ms / 1000.0;
}

void sim_sources_step(struct sim *s)
{
	unsigned int t;

	if (s->c.sources & SRC_HWS)
		sim_hws_step(s);
	if (s->c.sources & SRC_HINT)
		for (t = 0; t < s->c.tenants; t++)
			if (s->t >= s->hint_next[t]) {
				sim_hint_scan(s, t);
				s->hint_next[t] += s->c.hint_period_s;
			}
	if ((s->c.sources & SRC_MGLRU) && s->t >= s->mglru_next)
		sim_mglru_pass(s);
}

/* The delayed events due in this step. */
void sim_deliver(struct sim *s)
{
	struct ev_vec *v = &s->cal[s->step % SIM_CAL_SLOTS];
	u32 i;

	for (i = 0; i < v->n; i++) {
		struct sim_ev *e = &v->v[i];

		if (e->kind == EV_HINT) {
			if (sim_promoted(s, e->page))
				continue;
			s->st.hints++;
			if (s->eng->hint)
				s->eng->hint(s, e->page, e->age_ms);
		} else if (e->kind == EV_YOUNG) {
			if (!sim_promoted(s, e->page))
				s->eng->young(s, e->page, (u32)e->age_ms);
		} else if (s->eng->verdict) {
			s->eng->verdict(s, e->page);
		}
	}
	v->n = 0;
}
