// SPDX-License-Identifier: GPL-2.0
/*
 * The modelled slow tier and its truth, and the fast tier the engines
 * promote into (tests/sim).
 *
 * Workload: acc_rate accesses per second to the tenants' hot sets (each
 * tenant owns an equal slice of the tier and a hot set of hot_frac of it,
 * Zipf(s) over its ranks, s = 0: uniform), and cold_rate per second to
 * every page of the tier (cold traffic); a scan-like stream, if any, reads the
 * tier in address order, every page once per round (64 accesses each).
 * A rank is scattered over its tenant's slice by a permutation, which a
 * phase change replaces. The true top-k (k = the fast tier's room = the
 * hot sets' size) is the hot ranks: nothing is stored per page for it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sim.h"

#define SIM_SCAN_ACCESSES 64	/* a page read through: one access per line */
#define SIM_ROOM_IDLE_S 1.0	/* a fast page unused this long may be demoted */
#define SIM_ROOM_TRIES 8

static void sim_perms(struct sim *s)
{
	unsigned int i;

	for (i = 0; i < s->c.tenants; i++)
		perm_init(&s->perm[i], s->span, s->c.seed * 1000003 + i * 7919 + s->phase_no * 104729);
}

int sim_world_init(struct sim *s)
{
	struct sim_cfg *c = &s->c;
	u64 i;

	s->page_bytes = c->page_kib * 1024.0;
	s->stride = c->page_kib / 4;
	s->npages = (u64)(c->gib * (1ull << 30) / s->page_bytes);
	s->base_pages = s->npages * s->stride;
	if (c->tenants < 1 || c->tenants > SIM_MAX_TENANTS || s->npages < c->tenants * 16ull)
		return -1;
	s->span = s->npages / c->tenants;
	s->hot = (u64)(s->span * c->hot_frac);
	if (s->hot < 1)
		s->hot = 1;
	s->k = s->hot * c->tenants;
	zipf_init(&s->z, s->hot, c->zipf_s);
	sim_perms(s);
	s->bg_rate = c->cold_rate;
	s->hot_rate = c->acc_rate / c->tenants;
	s->scan_pps = c->scan_gbps * 1e9 / s->page_bytes;
	s->total_acc = c->acc_rate + s->bg_rate * s->npages + s->scan_pps * SIM_SCAN_ACCESSES;
	s->prom_bits = calloc(s->npages / 64 + 1, sizeof(u64));
	s->plist = malloc((s->k + 1) * sizeof(u64));
	s->qcap = 1u << 20;
	s->queue = malloc(s->qcap * sizeof(u64));
	if (!s->prom_bits || !s->plist || !s->queue)
		return -1;
	s->rate_bytes = (u64)(c->rate_mbps * 1e6);
	for (i = 0; i < 2; i++)
		s->t90[i] = -1;
	return 0;
}

void sim_world_fini(struct sim *s)
{
	int i;

	free(s->prom_bits);
	free(s->plist);
	free(s->queue);
	for (i = 0; i < SIM_CAL_SLOTS; i++)
		free(s->cal[i].v);
}

u64 sim_rank(const struct sim *s, u64 page, unsigned int *tenant)
{
	u64 t = page / s->span;

	if (t >= s->c.tenants) {	/* the remainder of an uneven split: never hot */
		*tenant = 0;
		return UINT64_MAX;
	}
	*tenant = (unsigned int)t;
	return perm_inv(&s->perm[t], page - t * s->span);
}

double sim_rate(const struct sim *s, u64 page)
{
	unsigned int t;
	u64 r = sim_rank(s, page, &t);

	if (r < s->hot)
		return s->bg_rate + s->hot_rate * zipf_pmf(&s->z, r + 1);
	return s->bg_rate;
}

/* Was page read by the scan-like stream during (t0, t1]? */
bool sim_scan_touched(const struct sim *s, u64 page, double t0, double t1)
{
	double round, at;

	if (s->scan_pps <= 0 || t1 <= t0)
		return false;
	round = s->npages / s->scan_pps;
	at = page / s->scan_pps;	/* first read in each round */
	if (t1 - t0 >= round)
		return true;
	at += ceil((t0 - at) / round) * round;
	if (at <= t0)
		at += round;
	return at <= t1;
}

/* Delay from t0 to the page's next access. */
double sim_first_access(struct sim *s, u64 page, double t0)
{
	double d = rng_exp(&s->rng, sim_rate(s, page)), round, at;

	if (s->scan_pps > 0) {
		round = s->npages / s->scan_pps;
		at = page / s->scan_pps;
		at += ceil((t0 - at) / round) * round;
		if (at < t0)
			at += round;
		if (at - t0 < d)
			d = at - t0;
	}
	return d;
}

/* The page of one access drawn from the slow tier's access stream now. */
u64 sim_draw_access(struct sim *s)
{
	double u = rng_unit(&s->rng) * s->total_acc;
	unsigned int t;

	if (u < s->scan_pps * SIM_SCAN_ACCESSES)	/* where the scan is at some instant of this step */
		return (u64)((s->t + rng_unit(&s->rng) * SIM_DT_MS / 1000.0) * s->scan_pps) % s->npages;
	u -= s->scan_pps * SIM_SCAN_ACCESSES;
	if (u < s->c.acc_rate) {
		t = (unsigned int)rng_below(&s->rng, s->c.tenants);
		return t * s->span + perm_fwd(&s->perm[t], zipf_draw(&s->z, &s->rng) - 1);
	}
	return rng_below(&s->rng, s->npages);
}

/* Bookkeeping of one page joining (+1) or leaving (-1) the fast tier. */
static void sim_account(struct sim *s, u64 page, int dir)
{
	unsigned int t;
	u64 r = sim_rank(s, page, &t);

	if (r >= s->hot)
		return;
	s->hot_in += dir;
	s->cover += dir * zipf_pmf(&s->z, r + 1) / s->c.tenants;
}

static void sim_demote_at(struct sim *s, u64 i)
{
	u64 page = s->plist[i];

	s->prom_bits[page >> 6] &= ~(1ull << (page & 63));
	sim_account(s, page, -1);
	s->plist[i] = s->plist[--s->pcount];
	s->st.demoted++;
}

/* Room on a full fast tier: a promoted page found idle goes back down. */
static bool sim_make_room(struct sim *s)
{
	int i;

	for (i = 0; i < SIM_ROOM_TRIES; i++) {
		u64 j = rng_below(&s->erng, s->pcount);

		if (rng_unit(&s->erng) < exp(-sim_rate(s, s->plist[j]) * SIM_ROOM_IDLE_S)) {
			sim_demote_at(s, j);
			return true;
		}
	}
	return false;
}

static void sim_promote(struct sim *s, u64 page)
{
	s->prom_bits[page >> 6] |= 1ull << (page & 63);
	s->plist[s->pcount++] = page;
	sim_account(s, page, 1);
	s->st.promoted++;
}

bool sim_enqueue(struct sim *s, u64 page)
{
	if (s->qtail - s->qhead >= s->qcap)
		return false;
	s->queue[s->qtail++ & (s->qcap - 1)] = page;
	return true;
}

u64 sim_queue_len(const struct sim *s)
{
	return s->qtail - s->qhead;
}

/* The workers: the queue drained within the rate limit and the room there is. */
void sim_promote_step(struct sim *s)
{
	u64 now_ns = (u64)(s->t * 1e9), pb = (u64)s->page_bytes, got;

	kp_bucket_refill(&s->bucket, now_ns, s->rate_bytes, s->rate_bytes);
	while (s->qhead < s->qtail) {
		u64 page = s->queue[s->qhead & (s->qcap - 1)];

		if (sim_promoted(s, page)) {
			s->qhead++;
			s->dup++;
			continue;
		}
		if (s->pcount >= s->k && !sim_make_room(s)) {
			s->st.no_room++;
			break;
		}
		got = kp_bucket_take(&s->bucket, pb);
		if (got < pb) {
			kp_bucket_refund(&s->bucket, got, s->rate_bytes);
			break;
		}
		s->qhead++;
		sim_promote(s, page);
	}
}

void sim_phase_change(struct sim *s)
{
	u64 i;

	s->phase_no++;
	s->phase_t = s->t;
	sim_perms(s);
	s->hot_in = 0;
	s->cover = 0;
	for (i = 0; i < s->pcount; i++)
		sim_account(s, s->plist[i], 1);
}

void sim_measure(struct sim *s)
{
	s->prec = s->pcount ? (double)s->hot_in / s->pcount : 0;
	s->recall = (double)s->hot_in / s->k;
	if (s->recall >= 0.9 && s->t90[s->phase_no] < 0)
		s->t90[s->phase_no] = s->t - s->phase_t;
}

void sim_schedule(struct sim *s, double at, u64 page, float age_ms, enum ev_kind kind)
{
	u64 slot = (u64)(at * 1000 / SIM_DT_MS);
	struct ev_vec *v;

	if (slot <= s->step)
		slot = s->step + 1;
	if (slot - s->step >= SIM_CAL_SLOTS)
		return;		/* beyond the horizon: dropped */
	v = &s->cal[slot % SIM_CAL_SLOTS];
	if (v->n == v->cap) {
		u32 cap = v->cap ? v->cap * 2 : 256;
		struct sim_ev *nv = realloc(v->v, cap * sizeof(*nv));

		if (!nv)
			abort();
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = (struct sim_ev){ .page = page, .age_ms = age_ms, .kind = (unsigned char)kind };
}

u32 sim_now_ticks(const struct sim *s)
{
	return (u32)((u64)(s->t * 1000) >> 5);
}
