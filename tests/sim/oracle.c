// SPDX-License-Identifier: GPL-2.0
/*
 * The ceiling (tests/sim): an oracle given the same records the sources
 * produce, not every access. It keeps per page the number of hardware
 * samples (up to 15) and the shortest hint-fault latency class (none,
 * <= 8 ms, <= 32 ms, <= 100 ms, <= 1 s, later), promotes nothing during
 * the run (so no sample is lost to the fast tier: an upper bound), and at
 * the end promotes the pages of the (samples, latency) cells purest in
 * true-hot pages first, while the promoted set stays >= 90% precise and
 * within k. Its recall is the best any engine could reach at precision
 * 0.9 from those records summarised that way: the ceiling the sources set.
 * It knows the truth, so it is no engine; a measure of the sources.
 */
#include <stdlib.h>
#include "sim.h"

#define OR_HWS 16
#define OR_LAT 6
#define OR_CELLS (OR_HWS * OR_LAT)
#define OR_PRECISION 0.9

static int or_init(struct sim *s)
{
	s->eng_state = calloc(s->npages, 1);	/* hws count << 3 | latency class */
	return s->eng_state ? 0 : -1;
}

static unsigned int or_lat_class(double ms)
{
	return ms <= 8 ? 1 : ms <= 32 ? 2 : ms <= 100 ? 3 : ms <= 1000 ? 4 : 5;
}

static void or_hint(struct sim *s, u64 page, double age_ms)
{
	unsigned char *c = s->eng_state;
	unsigned int l = or_lat_class(age_ms), old = c[page] & 7;

	s->st.records++;
	if (!old || l < old)
		c[page] = (unsigned char)((c[page] & ~7) | l);
}

static void or_sample(struct sim *s, u64 page, u32 weight)
{
	unsigned char *c = s->eng_state;

	(void)weight;
	s->st.records++;
	if ((c[page] >> 3) < OR_HWS - 1)
		c[page] = (unsigned char)(c[page] + 8);
}

static unsigned int or_cell(unsigned char v)
{
	return (v >> 3) * OR_LAT + (v & 7);
}

static u64 or_hc[OR_CELLS][2];

static int or_cmp_purity(const void *a, const void *b)
{
	const u64 (*hc)[2] = or_hc;
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;
	/* hot_x / (hot_x + cold_x) > hot_y / (hot_y + cold_y), by cross products */
	u64 nx = hc[x][0] + hc[x][1], ny = hc[y][0] + hc[y][1];
	double px = nx ? (double)hc[x][0] / nx : -1, py = ny ? (double)hc[y][0] / ny : -1;

	return px > py ? -1 : px < py ? 1 : x < y ? -1 : x > y;
}

/* At the end: the purest cells first, partial last cell, precision >= 0.9, <= k pages. */
static void or_choose(struct sim *s)
{
	unsigned char *c = s->eng_state;
	u64 (*hc)[2] = or_hc;
	double take[OR_CELLS] = { 0 }, hot = 0, all = 0;
	unsigned int order[OR_CELLS], i, t;
	u64 page;

	for (page = 0; page < s->npages; page++)
		if (c[page]) {
			bool cold = sim_rank(s, page, &t) >= s->hot;

			hc[or_cell(c[page])][cold]++;
			s->st.seen_hot += !cold;
		}
	for (i = 0; i < OR_CELLS; i++)
		order[i] = i;
	order[0] = OR_CELLS - 1;	/* cell 0 (no record) last: never chosen */
	order[OR_CELLS - 1] = 0;
	qsort(order, OR_CELLS - 1, sizeof(order[0]), or_cmp_purity);
	for (i = 0; i < OR_CELLS - 1; i++) {
		u64 h = hc[order[i]][0], n = h + hc[order[i]][1];
		double f = 1;

		if (!n)
			continue;
		if ((hot + h) < OR_PRECISION * (all + n)) {	/* a share of it keeps 0.9 */
			f = (hot - OR_PRECISION * all) / (OR_PRECISION * n - h);
			if (f <= 0)
				break;
		}
		if (all + f * n > s->k)
			f = (s->k - all) / n;
		take[order[i]] = f;
		hot += f * h;
		all += f * n;
		if (f < 1)
			break;
	}
	for (page = 0; page < s->npages; page++)
		if (c[page] && take[or_cell(c[page])] > 0 &&
		    (take[or_cell(c[page])] >= 1 || rng_unit(&s->erng) < take[or_cell(c[page])]) &&
		    s->pcount < s->k) {
			s->prom_bits[page >> 6] |= 1ull << (page & 63);
			s->plist[s->pcount++] = page;
			if (sim_rank(s, page, &t) < s->hot) {
				s->hot_in++;
				s->cover += zipf_pmf(&s->z, sim_rank(s, page, &t) + 1) / s->c.tenants;
			}
			s->st.promoted++;
		}
	if (getenv("KPSIM_ORACLE_CELLS"))
		for (i = 0; i < OR_CELLS; i++)
			if (hc[i][0] + hc[i][1])
				fprintf(stderr, "cell hws=%u lat=%u hot=%llu cold=%llu take=%.3f\n",
					i / OR_LAT, i % OR_LAT, (unsigned long long)hc[i][0],
					(unsigned long long)hc[i][1], take[i]);
}

static void or_step(struct sim *s)
{
	if (s->step == (u64)(s->c.seconds * 1000 / SIM_DT_MS))
		or_choose(s);
}

static u64 or_meta(struct sim *s)
{
	return s->npages;
}

static void or_fini(struct sim *s)
{
	free(s->eng_state);
}

const struct sim_engine_ops sim_oracle_ops = {
	.name = "oracle",
	.init = or_init,
	.hint = or_hint,
	.sample = or_sample,
	.step = or_step,
	.meta_bytes = or_meta,
	.fini = or_fini,
};
