// SPDX-License-Identifier: GPL-2.0
/*
 * Hotness table (see kpromoted/table.h). Pure: the kernel build and the host
 * unit tests share it; kp_cas() is the only primitive that differs.
 */
#include "kpromoted/table.h"

#ifdef __KERNEL__
#include <linux/atomic.h>
#include <linux/compiler.h>
static inline bool kp_cas(u64 *p, u64 old, u64 new)
{
	return try_cmpxchg64(p, &old, new);
}
#define kp_load(p) READ_ONCE(*(p))
#include <linux/math64.h>
#define div_u64_kp(a, b) div64_u64((a), (b))
#else
static inline bool kp_cas(u64 *p, u64 old, u64 new)
{
	return __atomic_compare_exchange_n(p, &old, new, false, __ATOMIC_RELAXED,
					   __ATOMIC_RELAXED);
}
#define kp_load(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define div_u64_kp(a, b) ((a) / (b))
#endif

unsigned char *kp_region_of(struct kp_regions *r, u64 pfn)
{
	int i;

	for (i = 0; r && i < r->nr; i++) {
		u64 idx = (pfn - r->span[i].start_pfn) >> KP_REGION_SHIFT;

		if (pfn >= r->span[i].start_pfn && idx < r->span[i].nr)
			return &r->span[i].heat[idx];
	}
	return NULL;
}

void kp_region_touch(struct kp_regions *r, u64 pfn)
{
	unsigned char *h = kp_region_of(r, pfn);

	if (h && *h < 255)
		*(volatile unsigned char *)h = *h + 1;
}

unsigned int kp_region_heat(struct kp_regions *r, u64 pfn)
{
	unsigned char *h = kp_region_of(r, pfn);

	return h ? *(volatile unsigned char *)h : 0;
}

u64 kp_regions_decay(struct kp_regions *r)
{
	u64 warm = 0, j;
	int i;

	for (i = 0; r && i < r->nr; i++)
		for (j = 0; j < r->span[i].nr; j++) {
			unsigned char h = r->span[i].heat[j] >> 1;

			r->span[i].heat[j] = h;
			warm += h != 0;
		}
	return warm;
}

/* Multiplicative hash spread over the buckets without a power-of-two size. */
u32 kp_table_bucket(const struct kp_table *t, u64 pfn)
{
	u64 h = pfn * 0x9E3779B97F4A7C15ull;

	return (u32)(((h >> 32) * (u64)t->nr_buckets) >> 32);
}

/*
 * Memory budget: one entry (8 bytes) per 36 slow pages, i.e. about 57 KiB
 * per GiB of slow memory, plus a fixed KP_TBL_FIXED_ENTRIES (512 KiB) so a
 * small slow tier still has room for a hot set larger than 1/36 of it.
 */
u32 kp_table_buckets_for(u64 slow_pages)
{
	u64 entries = slow_pages / 36 + KP_TBL_FIXED_ENTRIES;

	if (entries > (1ull << 30))
		entries = 1ull << 30;
	return (u32)(entries / KP_TBL_WAYS);
}

u32 kp_heat_decay(u32 heat, u32 gap, u32 half_life)
{
	u32 halves;

	if (!half_life)
		half_life = 1;
	halves = gap / half_life;
	if (halves >= 8)
		return 0;
	heat >>= halves;
	/*
	 * 2^-x for the fraction x of a half-life, as 1 - x (11 - 3x) / 16:
	 * exact at both ends, the right slope at 0 (so that frequent small
	 * gaps decay as they should), within 1% between.
	 */
	gap %= half_life;
	return heat - (u32)div_u64_kp((u64)heat * gap * (11 * half_life - 3 * gap),
				      16ull * half_life * half_life);
}

u64 kp_entry_next(u64 old, u64 pfn, u32 now, u32 src, u32 weight, int anid,
		  u32 half_life, u32 nominate_heat, enum kp_record_result *res)
{
	struct kp_entry e = { .pfn = pfn, .ts = now, .src = src, .anid = anid };
	struct kp_entry o;
	u32 gap, heat;

	if (weight > KP_HEAT_MAX)
		weight = KP_HEAT_MAX;
	if (!old) {
		e.heat = weight;
		*res = KP_REC_NEW;
	} else {
		kp_entry_unpack(old, &o);
		gap = kp_ticks_since(now, o.ts);
		heat = kp_heat_decay(o.heat, gap, half_life);
		/*
		 * Integer heat decays in whole units: over a gap too short to
		 * lose one, the entry keeps its old time, so the decay owed
		 * accumulates until it is due instead of being rounded away at
		 * every frequent sighting.
		 */
		if (heat == o.heat && gap < half_life)
			e.ts = o.ts;
		if (anid < 0)
			e.anid = o.anid;
		e.nom = o.nom;
		if (o.src != src && gap <= KP_MERGE_TICKS && heat) {
			/* Another source, same access: the stronger report stands. */
			e.heat = heat > weight ? heat : weight;
			*res = KP_REC_MERGED;
		} else {
			heat += weight;
			e.heat = heat < KP_HEAT_MAX ? heat : KP_HEAT_MAX;
			*res = KP_REC_COUNTED;
		}
	}
	if (!e.nom && e.heat >= nominate_heat) {
		e.nom = true;
		*res = KP_REC_NOMINATE;
	}
	return kp_entry_pack(&e);
}

#define KP_NOM_BIT (1ull << 5)

/* Heat of a stored entry now. */
static u32 kp_slot_heat(u64 v, u32 now, u32 half_life)
{
	struct kp_entry o;

	kp_entry_unpack(v, &o);
	return kp_heat_decay(o.heat, kp_ticks_since(now, o.ts), half_life);
}

static void kp_fill_out(struct kp_record_out *out, u64 v)
{
	struct kp_entry e;

	if (!out)
		return;
	kp_entry_unpack(v, &e);
	out->pfn = e.pfn;
	out->anid = e.anid;
	out->heat = e.heat;
}

enum kp_record_result kp_table_record(struct kp_table *t, u64 pfn, u32 now,
				      unsigned int src, u32 weight, int anid,
				      struct kp_record_out *out)
{
	u64 *b = &t->slots[(u64)kp_table_bucket(t, pfn) * KP_TBL_WAYS];
	enum kp_record_result res;
	int i, tries;
	u64 v, nv;

	if (!pfn || pfn > KP_PFN_MAX || !weight)
		return KP_REC_DROPPED;
	now &= KP_TS_MASK;
	/* A few retries under contention; then dropping is the honest answer. */
	for (tries = 0; tries < 3; tries++) {
		int empty = -1, victim = -1;
		u32 coldest;

		for (i = 0; i < KP_TBL_WAYS; i++) {
			v = kp_load(&b[i]);
			if (v && kp_entry_pfn(v) == pfn)
				break;
			if (!v && empty < 0)
				empty = i;
		}
		if (i < KP_TBL_WAYS) {
			nv = kp_entry_next(v, pfn, now, src, weight, anid, t->half_life,
					   t->nominate_heat, &res);
			if (kp_cas(&b[i], v, nv))
				goto done;
			continue;
		}
		if (empty >= 0) {
			nv = kp_entry_next(0, pfn, now, src, weight, anid, t->half_life,
					   t->nominate_heat, &res);
			if (kp_cas(&b[empty], 0, nv))
				goto done;
			continue;
		}
		/*
		 * Full bucket: the coldest entry now gives way if it is colder
		 * than what the newcomer brings. A nominated entry stays until
		 * its confirmation answers.
		 */
		coldest = weight;
		for (i = 0; i < KP_TBL_WAYS; i++) {
			u32 h;

			v = kp_load(&b[i]);
			if (!v || (v & KP_NOM_BIT))
				continue;
			h = kp_slot_heat(v, now, t->half_life);
			if (h < coldest) {
				coldest = h;
				victim = i;
			}
		}
		if (victim < 0)
			return KP_REC_DROPPED;
		v = kp_load(&b[victim]);
		if (!v || kp_entry_pfn(v) == pfn || (v & KP_NOM_BIT) ||
		    kp_slot_heat(v, now, t->half_life) >= weight)
			continue;
		nv = kp_entry_next(0, pfn, now, src, weight, anid, t->half_life,
				   t->nominate_heat, &res);
		if (kp_cas(&b[victim], v, nv)) {
			if (res != KP_REC_NOMINATE)
				res = KP_REC_EVICTED;
			goto done;
		}
	}
	return KP_REC_DROPPED;
done:
	kp_fill_out(out, nv);
	return res;
}

/* Finds pfn's slot in its bucket and keeps only the bits of keep; true on success. */
static bool kp_table_update(struct kp_table *t, u64 pfn, u64 keep)
{
	u64 *b = &t->slots[(u64)kp_table_bucket(t, pfn) * KP_TBL_WAYS];
	int i, tries;

	for (tries = 0; tries < 3; tries++)
		for (i = 0; i < KP_TBL_WAYS; i++) {
			u64 v = kp_load(&b[i]);

			if (!v || kp_entry_pfn(v) != pfn)
				continue;
			if (kp_cas(&b[i], v, v & keep))
				return true;
			break;	/* changed under us: look again */
		}
	return false;
}

bool kp_table_forget(struct kp_table *t, u64 pfn)
{
	return kp_table_update(t, pfn, 0);
}

bool kp_table_unnominate(struct kp_table *t, u64 pfn)
{
	return kp_table_update(t, pfn, ~KP_NOM_BIT);
}

u32 kp_table_expire(struct kp_table *t, u32 *cursor, u32 n, u32 now, u32 stale)
{
	u32 nr_slots = t->nr_buckets * KP_TBL_WAYS, slot = *cursor, live = 0;

	now &= KP_TS_MASK;
	if (stale > KP_STALE_MAX_TICKS)
		stale = KP_STALE_MAX_TICKS;
	while (n--) {
		u64 v = kp_load(&t->slots[slot]);

		if (v) {
			struct kp_entry e;
			u32 gap;

			kp_entry_unpack(v, &e);
			gap = kp_ticks_since(now, e.ts);
			/* A nominated entry waits for its verdict unless it is ancient. */
			if (gap > stale || (!e.nom && !kp_heat_decay(e.heat, gap, t->half_life)))
				kp_cas(&t->slots[slot], v, 0);
			else
				live++;
		}
		slot = slot + 1 < nr_slots ? slot + 1 : 0;
	}
	*cursor = slot;
	return live;
}
