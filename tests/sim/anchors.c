// SPDX-License-Identifier: GPL-2.0
/*
 * Models of the anchors, from their published designs, fed the same
 * modelled streams (tests/sim). Models, not the code: each names what it
 * keeps of the design.
 *
 * pghot v6 default (model): one byte per PFN of the slow tier, 2-bit
 * frequency, 5-bit time (units of 128 ms), 1 ready bit; an access more
 * than the 3 s window after the window's start restarts it at frequency 1;
 * frequency 2 within the window (threshold 2) marks the page ready, and
 * the migration thread promotes ready pages (no confirmation). Every
 * source's event is one access: hint faults at any latency, young bits,
 * samples.
 *
 * pghot precise (model): the same rule with a u32 per PFN: a 10-bit frequency
 * and the window's start in 10 ms units (no wrap within a run), 1 ready bit.
 *
 * DAMON (model): physical address space of the slow tier in 10..1000
 * regions; every 5 ms one random page of each region is checked for an
 * access since the last check; every 100 ms (20 samples) nr_accesses is
 * final: DAMOS migrate_hot promotes pages of the regions with
 * nr_accesses >= 1, hottest first (random pages of the region not yet
 * promoted), within the same rate limit; then adjacent regions whose
 * nr_accesses differ by at most 10% of the maximum merge, and while
 * there are fewer than half the maximum every region splits in two at a
 * random point. DAMON consumes none of the other sources.
 *
 * numa_balancing=2 (model): a hint fault on a slow page within 1 s of the
 * scan that armed it promotes the page (kernel default rate limit,
 * 65536 MB/s); no other evidence.
 */
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "sim.h"

/* ---- pghot ---- */
#define PGHOT_TIME_MS 128
#define PGHOT_WINDOW_MS 3000
#define PGHOT_THRESHOLD 2

static int pghot_init(struct sim *s)
{
	s->eng_state = calloc(s->npages, 1);
	return s->eng_state ? 0 : -1;
}

/*
 * One access in either pghot model, on its decoded fields: a new window when
 * the last one began longer ago than PGHOT_WINDOW_MS (times in tick_ms units,
 * modulo tmask + 1), else one more access; the threshold queues the page.
 */
struct pghot_fields {
	uint32_t freq, time, ready;
};

static void pghot_update(struct sim *s, u64 page, struct pghot_fields *f, uint32_t now,
			 uint32_t tmask, uint32_t tick_ms, uint32_t freq_max)
{
	s->st.records++;
	if (f->ready)
		return;
	if (!f->freq || ((now - f->time) & tmask) * tick_ms > PGHOT_WINDOW_MS) {
		f->freq = 1;
		f->time = now;
	} else if (f->freq < freq_max) {
		f->freq++;
	}
	if (f->freq >= PGHOT_THRESHOLD) {
		if (sim_enqueue(s, page)) {
			f->ready = 1;
			s->st.nominated++;
		} else {
			s->st.dropped++;
		}
	}
}

static void pghot_access(struct sim *s, u64 page)
{
	unsigned char *b = (unsigned char *)s->eng_state + page;
	uint32_t now = (uint32_t)(s->t * 1000 / PGHOT_TIME_MS) & 31;
	struct pghot_fields f = { *b & 3, (*b >> 2) & 31, *b >> 7 };

	pghot_update(s, page, &f, now, 31, PGHOT_TIME_MS, 3);
	*b = (unsigned char)(f.freq | f.time << 2 | f.ready << 7);
}

static void pghot_hint(struct sim *s, u64 page, double age_ms)
{
	(void)age_ms;
	pghot_access(s, page);
}

static void pghot_young(struct sim *s, u64 page, u32 w)
{
	(void)w;
	pghot_access(s, page);
}

static void pghot_step(struct sim *s)
{
	u64 before = s->qhead, i;

	sim_promote_step(s);
	/* Promoted pages leave the slow tier's map: their byte is cleared. */
	for (i = before; i < s->qhead; i++)
		((unsigned char *)s->eng_state)[s->queue[i & (s->qcap - 1)]] = 0;
}

static u64 pghot_meta(struct sim *s)
{
	return s->npages;
}

static void pghot_fini(struct sim *s)
{
	free(s->eng_state);
}

const struct sim_engine_ops sim_pghot_ops = {
	.name = "pghot-default-model",
	.init = pghot_init,
	.hint = pghot_hint,
	.young = pghot_young,
	.sample = pghot_young,
	.step = pghot_step,
	.meta_bytes = pghot_meta,
	.fini = pghot_fini,
};

/* ---- pghot precise ---- */
#define PGHOTP_TIME_MS 10
#define PGHOTP_FREQ_MAX 1023

static int pghotp_init(struct sim *s)
{
	s->eng_state = calloc(s->npages, sizeof(uint32_t));
	return s->eng_state ? 0 : -1;
}

static void pghotp_access(struct sim *s, u64 page)
{
	uint32_t *e = (uint32_t *)s->eng_state + page;
	uint32_t now = (uint32_t)(s->t * 1000 / PGHOTP_TIME_MS) & 0x1FFFFF;
	struct pghot_fields f = { *e & 1023, (*e >> 10) & 0x1FFFFF, *e >> 31 };

	pghot_update(s, page, &f, now, 0x1FFFFF, PGHOTP_TIME_MS, PGHOTP_FREQ_MAX);
	*e = f.freq | f.time << 10 | f.ready << 31;
}

static void pghotp_hint(struct sim *s, u64 page, double age_ms)
{
	(void)age_ms;
	pghotp_access(s, page);
}

static void pghotp_young(struct sim *s, u64 page, u32 w)
{
	(void)w;
	pghotp_access(s, page);
}

static void pghotp_step(struct sim *s)
{
	u64 before = s->qhead, i;

	sim_promote_step(s);
	for (i = before; i < s->qhead; i++)
		((uint32_t *)s->eng_state)[s->queue[i & (s->qcap - 1)]] = 0;
}

static u64 pghotp_meta(struct sim *s)
{
	return s->npages * sizeof(uint32_t);
}

const struct sim_engine_ops sim_pghotp_ops = {
	.name = "pghot-precise-model",
	.init = pghotp_init,
	.hint = pghotp_hint,
	.young = pghotp_young,
	.sample = pghotp_young,
	.step = pghotp_step,
	.meta_bytes = pghotp_meta,
	.fini = pghot_fini,
};

/* ---- DAMON ---- */
#define DAMON_MIN 10
#define DAMON_MAX 1000
#define DAMON_SAMPLE_MS 5
#define DAMON_AGGR_SAMPLES 20

struct damon_region {
	u64 start, end;		/* pages [start, end) */
	u64 sample;
	u32 nr_acc, age;
	double checked;
};

struct damon {
	struct damon_region r[DAMON_MAX], tmp[DAMON_MAX];
	int nr, samples;
};

static void damon_pick(struct sim *s, struct damon_region *r)
{
	r->sample = r->start + rng_below(&s->erng, r->end - r->start);
	r->checked = s->t;
}

static int damon_init(struct sim *s)
{
	struct damon *d = calloc(1, sizeof(*d));
	int i;

	if (!d)
		return -1;
	s->eng_state = d;
	d->nr = DAMON_MIN;
	for (i = 0; i < d->nr; i++) {
		d->r[i].start = s->npages * i / d->nr;
		d->r[i].end = s->npages * (i + 1) / d->nr;
		damon_pick(s, &d->r[i]);
	}
	return 0;
}

static void damon_check(struct sim *s, struct damon_region *r)
{
	double dt = s->t - r->checked;
	bool acc = false;

	if (!sim_promoted(s, r->sample))
		acc = rng_unit(&s->erng) < -expm1(-sim_rate(s, r->sample) * dt) ||
		      sim_scan_touched(s, r->sample, r->checked, s->t);
	r->nr_acc += acc;
	damon_pick(s, r);
}

static int damon_hotter(const void *a, const void *b)
{
	const struct damon_region *x = *(struct damon_region *const *)a;
	const struct damon_region *y = *(struct damon_region *const *)b;

	if (x->nr_acc != y->nr_acc)
		return x->nr_acc < y->nr_acc ? 1 : -1;
	return x->age < y->age ? 1 : x->age > y->age ? -1 : 0;
}

/* DAMOS migrate_hot: a quota's worth of pages of the hottest regions queued. */
static void damon_migrate_hot(struct sim *s, struct damon *d)
{
	struct damon_region *order[DAMON_MAX];
	u64 quota = (u64)(s->rate_bytes * (DAMON_SAMPLE_MS * DAMON_AGGR_SAMPLES / 1000.0) / s->page_bytes);
	int i;

	if (sim_queue_len(s) > quota)
		return;
	for (i = 0; i < d->nr; i++)
		order[i] = &d->r[i];
	qsort(order, d->nr, sizeof(order[0]), damon_hotter);
	for (i = 0; i < d->nr && quota && order[i]->nr_acc >= 1; i++) {
		struct damon_region *r = order[i];
		u64 want = r->end - r->start < quota ? r->end - r->start : quota, tries = want * 2;

		while (want && tries--) {
			u64 page = r->start + rng_below(&s->erng, r->end - r->start);

			if (sim_promoted(s, page))
				continue;
			s->st.nominated++;
			sim_enqueue(s, page);
			want--;
			quota--;
		}
	}
}

static void damon_merge_split(struct sim *s, struct damon *d)
{
	u32 max_acc = 0, thres;
	int i, n = 0;

	for (i = 0; i < d->nr; i++)
		max_acc = d->r[i].nr_acc > max_acc ? d->r[i].nr_acc : max_acc;
	thres = max_acc / 10 > 1 ? max_acc / 10 : 1;
	for (i = 0; i < d->nr; i++) {
		struct damon_region *p = n ? &d->tmp[n - 1] : NULL, *r = &d->r[i];
		u32 diff = p ? (p->nr_acc > r->nr_acc ? p->nr_acc - r->nr_acc : r->nr_acc - p->nr_acc) : 0;

		/* Never fewer than DAMON_MIN regions: a merge stays within total / DAMON_MIN. */
		if (p && diff <= thres && r->end - p->start <= s->npages / DAMON_MIN) {
			u64 a = p->end - p->start, b = r->end - r->start;

			p->nr_acc = (u32)((p->nr_acc * a + r->nr_acc * b) / (a + b));
			p->age = (u32)((p->age * a + r->age * b) / (a + b));
			p->end = r->end;
		} else {
			d->tmp[n++] = *r;
		}
	}
	d->nr = 0;
	for (i = 0; i < n; i++) {
		struct damon_region *r = &d->tmp[i];
		bool split = n < DAMON_MAX / 2 && r->end - r->start >= 2 && d->nr + (n - i) < DAMON_MAX;

		r->age = r->nr_acc ? r->age + 1 : 0;
		r->nr_acc = 0;
		if (split) {
			u64 at = r->start + 1 + rng_below(&s->erng, r->end - r->start - 1);

			d->r[d->nr] = *r;
			d->r[d->nr].end = at;
			damon_pick(s, &d->r[d->nr++]);
			d->r[d->nr] = *r;
			d->r[d->nr].start = at;
		} else {
			d->r[d->nr] = *r;
		}
		damon_pick(s, &d->r[d->nr++]);
	}
}

static void damon_step(struct sim *s)
{
	struct damon *d = s->eng_state;
	int i;

	if (s->step % (DAMON_SAMPLE_MS / SIM_DT_MS) == 0) {
		for (i = 0; i < d->nr; i++)
			damon_check(s, &d->r[i]);
		s->st.records += d->nr;
		if (++d->samples == DAMON_AGGR_SAMPLES) {
			damon_migrate_hot(s, d);
			damon_merge_split(s, d);
			d->samples = 0;
		}
	}
	sim_promote_step(s);
}

static u64 damon_meta(struct sim *s)
{
	struct damon *d = s->eng_state;

	return d->nr * 96ull;	/* about sizeof(struct damon_region) in the kernel */
}

static void damon_fini(struct sim *s)
{
	free(s->eng_state);
}

const struct sim_engine_ops sim_damon_ops = {
	.name = "damon-model",
	.init = damon_init,
	.step = damon_step,
	.meta_bytes = damon_meta,
	.fini = damon_fini,
};

/* ---- numa_balancing=2 ---- */
#define NB2_HOT_MS 1000
#define NB2_RATE_MBPS 65536

static int nb2_init(struct sim *s)
{
	s->rate_bytes = (u64)NB2_RATE_MBPS << 20;
	return 0;
}

static void nb2_hint(struct sim *s, u64 page, double age_ms)
{
	s->st.records++;
	if (age_ms > NB2_HOT_MS) {
		s->st.late++;
		return;
	}
	s->st.nominated++;
	if (!sim_enqueue(s, page))
		s->st.dropped++;
}

static u64 nb2_meta(struct sim *s)
{
	(void)s;
	return 0;	/* the scan time lives in struct page's spare bits */
}

const struct sim_engine_ops sim_nb2_ops = {
	.name = "numa_balancing=2-model",
	.init = nb2_init,
	.hint = nb2_hint,
	.step = sim_promote_step,
	.meta_bytes = nb2_meta,
};
