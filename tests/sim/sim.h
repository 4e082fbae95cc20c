/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The trace-driven simulator of kpromoted's hotness engine (issue 14).
 *
 * A modelled slow tier (no per-page truth array: ranks are scattered over
 * pages by a permutation, rates follow from the rank), modelled sources
 * that produce only the events the module would see (hardware samples,
 * hint faults after NUMA-balancing scan passes, young bits of MGLRU aging
 * passes), and an engine that consumes them: kpromoted's own table
 * (src/core/table.c, linked unchanged) with modelled confirmation and
 * promotion, or a model of an anchor (pghot, DAMON, numa_balancing=2).
 */
#ifndef KP_SIM_H
#define KP_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "kpromoted/policy.h"
#include "kpromoted/bucket.h"
#include "simlib.h"

#define SIM_DT_MS 5			/* the simulation step */
#define SIM_CAL_SLOTS 1600		/* delayed events up to 8 s ahead */
#define SIM_PAGE 4096ull
#define SIM_BASE_PFN (1ull << 20)	/* the slow tier's first frame */
#define SIM_MAX_TENANTS 64

enum sim_src { SRC_HINT = 1, SRC_MGLRU = 2, SRC_HWS = 4 };
enum sim_engine { ENG_KP, ENG_PGHOT, ENG_DAMON, ENG_NB2, ENG_PGHOTP, ENG_ORACLE, ENG_NR };

struct sim_cfg {
	double gib;		/* slow tier size */
	unsigned int page_kib;	/* 4, or 2048 for THP */
	double zipf_s;
	double hot_frac;	/* hot set share of the tier (= the fast tier's room) */
	unsigned int tenants;
	bool phase;		/* the hot sets move at half time */
	double scan_gbps;	/* a scan-like stream touching everything once */
	unsigned int sources;	/* SRC_* */
	enum sim_engine engine;
	double seconds;
	double acc_rate;	/* accesses per second to the hot sets (all tenants) */
	double cold_rate;	/* accesses per second to each page of the tier */
	unsigned int cpus;	/* hardware sampling: CPUs, period, ceiling per CPU */
	double hws_period, hws_max_rate;
	double hint_period_s;	/* NUMA-balancing scan period, 256 MiB each (0: the kernel's) */
	double rate_mbps;	/* promotion rate limit */
	unsigned int confirm_ms, confirm_tests;	/* kpromoted's confirmation */
	unsigned int hot_threshold, window_ms;	/* kpromoted's frequency rule (module params) */
	unsigned int trials_max;
	unsigned int nominate_raw;	/* what-if: nominate at this raw heat (1..63), not adapted */	/* concurrent trials (src/classify/confirm.c: 8192) */
	u64 seed;
	FILE *series;		/* precision/recall over time, or NULL */
};

/* A delayed event. */
enum ev_kind { EV_HINT, EV_VERDICT, EV_YOUNG };
struct sim_ev {
	u64 page;
	float age_ms;		/* EV_HINT: latency after the scan; EV_YOUNG: weight */
	unsigned char kind;
};

struct ev_vec {
	struct sim_ev *v;
	u32 n, cap;
};

struct sim_stats {
	u64 records, dropped, evicted, nominated, refused, confirm_hot, confirm_cold,
		late, forgotten, promoted, demoted, no_room, samples, hints, young,
		nominated_hot, rejected_hot, late_hot,	/* of them, truly hot pages */
		seen_hot;	/* oracle: hot pages with any record */
};

struct sim;

/* What an engine does with the sources' events; each hook may be NULL. */
struct sim_engine_ops {
	const char *name;
	int (*init)(struct sim *s);
	void (*hint)(struct sim *s, u64 page, double age_ms);
	void (*young)(struct sim *s, u64 page, u32 weight);
	void (*sample)(struct sim *s, u64 page, u32 weight);
	void (*verdict)(struct sim *s, u64 page);
	void (*step)(struct sim *s);		/* once per SIM_DT_MS */
	u64 (*meta_bytes)(struct sim *s);
	void (*fini)(struct sim *s);
};

struct sim {
	struct sim_cfg c;
	const struct sim_engine_ops *eng;
	void *eng_state;
	struct sim_rng rng;		/* the workload's draws */
	struct sim_rng erng;		/* the engine's draws */
	double t;			/* simulated seconds */
	u64 step;
	/* The tier and the truth. */
	u64 npages, span, hot, k;	/* pages, per tenant, hot per tenant, fast room */
	double page_bytes;
	u64 stride, base_pages;		/* base pages per page, in the tier */
	struct zipf z;
	struct perm perm[SIM_MAX_TENANTS];
	int phase_no;
	double phase_t;
	double bg_rate, hot_rate;	/* per page; per tenant's hot set */
	double scan_pps;		/* scan-like stream, pages per second */
	double total_acc;		/* slow-tier accesses per second, scan included */
	/* Sources. */
	double hint_next[SIM_MAX_TENANTS];
	u64 hint_cursor[SIM_MAX_TENANTS];
	double mglru_next, mglru_interval_ms, mglru_last;
	double hws_samples_ps;		/* samples per second landing on any tier */
	u32 hws_weight;
	/* The fast tier: what was promoted. */
	u64 *prom_bits;
	u64 *plist, pcount;
	u64 hot_in, dup;
	double cover;			/* access share of the hot sets on the fast tier */
	u64 *queue;			/* confirmed, waiting for the rate limit */
	u64 qhead, qtail, qcap;
	struct kp_bucket bucket;
	u64 rate_bytes;
	/* Delayed events. */
	struct ev_vec cal[SIM_CAL_SLOTS];
	struct sim_stats st;
	/* Results. */
	double t90[2];
	double prec, recall;
};

/* world.c: the tier, the truth and the fast tier */
int sim_world_init(struct sim *s);
void sim_world_fini(struct sim *s);
void sim_phase_change(struct sim *s);
/* Tenant and rank of a page in the current phase; rank >= s->hot: not hot. */
u64 sim_rank(const struct sim *s, u64 page, unsigned int *tenant);
double sim_rate(const struct sim *s, u64 page);
static inline bool sim_is_hot(const struct sim *s, u64 page)
{
	unsigned int t;

	return sim_rank(s, page, &t) < s->hot;
}
bool sim_scan_touched(const struct sim *s, u64 page, double t0, double t1);
double sim_first_access(struct sim *s, u64 page, double t0);
u64 sim_draw_access(struct sim *s);
static inline bool sim_promoted(const struct sim *s, u64 page)
{
	return s->prom_bits[page >> 6] >> (page & 63) & 1;
}
/* Frames of a (huge) page: the head's; the table is sized in base pages. */
static inline u64 sim_pfn(const struct sim *s, u64 page)
{
	return SIM_BASE_PFN + page * s->stride;
}
static inline u64 sim_page(const struct sim *s, u64 pfn)
{
	return (pfn - SIM_BASE_PFN) / s->stride;
}
bool sim_enqueue(struct sim *s, u64 page);
u64 sim_queue_len(const struct sim *s);
void sim_promote_step(struct sim *s);
void sim_measure(struct sim *s);
void sim_schedule(struct sim *s, double at, u64 page, float age_ms, enum ev_kind kind);
u32 sim_now_ticks(const struct sim *s);

/* sources.c */
void sim_sources_init(struct sim *s);
void sim_sources_step(struct sim *s);
void sim_deliver(struct sim *s);

/* engines */
extern const struct sim_engine_ops sim_kp_ops, sim_pghot_ops, sim_damon_ops, sim_nb2_ops,
	sim_pghotp_ops, sim_oracle_ops;

#endif
