// SPDX-License-Identifier: GPL-2.0
/*
 * kpromoted's engine in the simulator: src/core/table.c itself (linked
 * unchanged: record, forget, unnominate, expire, region heat), called as
 * src/core/record.c and src/core/sweep.c call it, with what stands around
 * it in the kernel modelled:
 *  - record: kp_record_access() (region touch, table record; a nomination
 *    goes on trial, or is unnominated when KP_TRIALS_MAX (--trials-max) are on trial);
 *  - hint faults: src/sources/hintfault.c's weight by latency, a fault
 *    later than the admission bound forgets the page;
 *  - the sweep every 250 ms: a slice of kp_table_expire(), the adaptive
 *    threshold (kp_threshold_next() of kpromoted/classify.h) and the
 *    adaptive hint-latency bound, region decay once per window;
 *  - confirmation: confirm_tests looks confirm_ms apart (module defaults
 *    3 and 20 ms; --confirm-tests and --confirm-ms for what-ifs) through
 *    kp_trial_step() (kpromoted/classify.h), each look young with
 *    probability 1 - exp(-rate * confirm_ms) for the page's true rate;
 *    the entry is forgotten at the verdict, as src/classify/confirm.c does.
 */
#include <stdlib.h>
#include <math.h>
#include "sim.h"
#include "kpromoted/classify.h"
#include "kpromoted/table.h"

#define KP_SWEEP_MS 250			/* src/core/sweep.c */
#define KP_SWEEP_PASS_MS 8000
#define KP_ADAPT_SWEEPS 8
#define KP_PENDING_MAX 4096		/* src/promote/workers.c */
#define KP_HINT_QUICK_MS 8		/* src/sources/hintfault.c */
#define CFG_HINT_LATENCY_MS 100

struct kp_sim {
	struct kp_table tbl;
	struct kp_regions reg;
	u32 cursor, thr_eff, lat_eff, adapt_sweeps, trials;
	u64 adapt_bytes, adm_records, adm_dropped;
	double next_sweep, next_decay;
};

static int kp_init(struct sim *s)
{
	struct kp_sim *k = calloc(1, sizeof(*k));

	if (!k)
		return -1;
	s->eng_state = k;
	k->tbl.nr_buckets = kp_table_buckets_for(s->base_pages);
	k->tbl.half_life = s->c.window_ms >> KP_TICK_SHIFT_MS;
	k->tbl.nominate_heat = s->c.nominate_raw ? s->c.nominate_raw : s->c.hot_threshold * KP_HEAT_UNIT;
	k->tbl.slots = calloc((u64)k->tbl.nr_buckets * KP_TBL_WAYS, sizeof(u64));
	k->reg.nr = 1;
	k->reg.span[0].start_pfn = SIM_BASE_PFN;
	k->reg.span[0].nr = (s->base_pages + (1u << KP_REGION_SHIFT) - 1) >> KP_REGION_SHIFT;
	k->reg.span[0].heat = calloc(k->reg.span[0].nr, 1);
	k->thr_eff = s->c.hot_threshold;
	k->lat_eff = CFG_HINT_LATENCY_MS;
	k->next_sweep = KP_SWEEP_MS / 1000.0;
	return k->tbl.slots && k->reg.span[0].heat ? 0 : -1;
}

static void kp_fini(struct sim *s)
{
	struct kp_sim *k = s->eng_state;

	free(k->tbl.slots);
	free(k->reg.span[0].heat);
	free(k);
}

static u64 kp_meta(struct sim *s)
{
	struct kp_sim *k = s->eng_state;

	return (u64)k->tbl.nr_buckets * KP_TBL_WAYS * sizeof(u64) + k->reg.span[0].nr;
}

/* src/core/record.c: kp_record_access(). */
static void kp_record(struct sim *s, u64 page, unsigned int src, u32 weight, int anid)
{
	struct kp_sim *k = s->eng_state;
	struct kp_record_out out;
	u64 pfn = sim_pfn(s, page);

	s->st.records++;
	kp_region_touch(&k->reg, pfn);
	switch (kp_table_record(&k->tbl, pfn, sim_now_ticks(s), src, weight, anid, &out)) {
	case KP_REC_NOMINATE:
		if (k->trials < s->c.trials_max) {	/* KP_TRIALS_MAX of src/classify/confirm.c */
			k->trials++;
			s->st.nominated++;
			s->st.nominated_hot += sim_is_hot(s, page);
			/* Drained at the next round, armed, then confirm_tests looks. */
			sim_schedule(s, s->t + (s->c.confirm_tests + 1.5) * s->c.confirm_ms / 1000.0,
				     page, 0, EV_VERDICT);
		} else {
			kp_table_unnominate(&k->tbl, pfn);
			s->st.refused++;
		}
		break;
	case KP_REC_DROPPED:
		s->st.dropped++;
		break;
	case KP_REC_EVICTED:
		s->st.evicted++;
		break;
	default:
		break;
	}
}

static void kp_hint(struct sim *s, u64 page, double age_ms)
{
	struct kp_sim *k = s->eng_state;
	unsigned int w;

	if (age_ms > k->lat_eff) {
		s->st.late++;
		s->st.late_hot += sim_is_hot(s, page);
		if (kp_table_forget(&k->tbl, sim_pfn(s, page)))
			s->st.forgotten++;
		return;
	}
	w = KP_HEAT_UNIT * (2 + (age_ms <= 4 * KP_HINT_QUICK_MS) + (age_ms <= KP_HINT_QUICK_MS));
	kp_record(s, page, KP_SRC_HINTFAULT, w, 0);
}

static void kp_young(struct sim *s, u64 page, u32 weight)
{
	kp_record(s, page, KP_SRC_MGLRU, weight, KP_NID_UNKNOWN_T);
}

static void kp_sample(struct sim *s, u64 page, u32 weight)
{
	kp_record(s, page, KP_SRC_PEBS, weight, 0);
}

/* The trial of a nominee: src/classify/confirm.c's rounds, looks drawn from its rate. */
static void kp_verdict(struct sim *s, u64 page)
{
	struct kp_sim *k = s->eng_state;
	struct kp_trial tr = { .pfn = sim_pfn(s, page) };
	double q = -expm1(-sim_rate(s, page) * s->c.confirm_ms / 1000.0);
	enum kp_verdict v = KP_VERDICT_WAIT;
	int looks;

	for (looks = 0; v == KP_VERDICT_WAIT && looks < 16; looks++) {
		enum kp_look look = sim_promoted(s, page) ? KP_LOOK_GONE :
				    rng_unit(&s->erng) < q ? KP_LOOK_YOUNG : KP_LOOK_OLD;

		v = kp_trial_step(&tr, look, s->c.confirm_tests);
	}
	if (v == KP_VERDICT_HOT) {
		if (!sim_enqueue(s, page)) {	/* the workers' queue full: waits a round */
			sim_schedule(s, s->t + s->c.confirm_ms / 1000.0, page, 0, EV_VERDICT);
			return;
		}
		s->st.confirm_hot++;
		k->adapt_bytes += (u64)s->page_bytes;
	} else {
		s->st.confirm_cold++;
		s->st.rejected_hot += sim_is_hot(s, page);
	}
	kp_table_forget(&k->tbl, tr.pfn);
	k->trials--;
}

/* src/core/sweep.c: kp_adapt_threshold() and kp_adapt_admission(). */
static void kp_adapt(struct sim *s)
{
	struct kp_sim *k = s->eng_state;
	u64 dr = s->st.records - k->adm_records, dd = s->st.dropped - k->adm_dropped;
	u64 budget, room;

	k->adm_records = s->st.records;
	k->adm_dropped = s->st.dropped;
	if (dd * 100 > dr)
		k->lat_eff = k->lat_eff - k->lat_eff / 4 > 1 ? k->lat_eff - k->lat_eff / 4 : 1;
	else if (!dd)
		k->lat_eff = k->lat_eff + k->lat_eff / 16 + 1 < CFG_HINT_LATENCY_MS ?
			     k->lat_eff + k->lat_eff / 16 + 1 : CFG_HINT_LATENCY_MS;
	if (++k->adapt_sweeps < KP_ADAPT_SWEEPS)
		return;
	budget = s->rate_bytes * KP_SWEEP_MS * k->adapt_sweeps / 1000;
	room = (u64)((s->k - s->pcount + KP_PENDING_MAX) * s->page_bytes);
	if (budget > room)
		budget = room;
	k->thr_eff = kp_threshold_next(k->thr_eff, s->c.hot_threshold, KP_HEAT_MAX / KP_HEAT_UNIT,
				       k->adapt_bytes, budget);
	k->tbl.nominate_heat = s->c.nominate_raw ? s->c.nominate_raw : k->thr_eff * KP_HEAT_UNIT;
	k->adapt_bytes = 0;
	k->adapt_sweeps = 0;
}

static void kp_step(struct sim *s)
{
	struct kp_sim *k = s->eng_state;
	u32 nr_slots = k->tbl.nr_buckets * KP_TBL_WAYS;

	if (s->t >= k->next_sweep) {
		kp_table_expire(&k->tbl, &k->cursor,
				(nr_slots + KP_SWEEP_PASS_MS / KP_SWEEP_MS - 1) / (KP_SWEEP_PASS_MS / KP_SWEEP_MS),
				sim_now_ticks(s), 8 * k->tbl.half_life);
		kp_adapt(s);
		k->next_sweep += KP_SWEEP_MS / 1000.0;
	}
	if (s->t >= k->next_decay) {
		kp_regions_decay(&k->reg);
		k->next_decay += s->c.window_ms / 1000.0;
	}
	sim_promote_step(s);
}

const struct sim_engine_ops sim_kp_ops = {
	.name = "kpromoted",
	.init = kp_init,
	.hint = kp_hint,
	.young = kp_young,
	.sample = kp_sample,
	.verdict = kp_verdict,
	.step = kp_step,
	.meta_bytes = kp_meta,
	.fini = kp_fini,
};
