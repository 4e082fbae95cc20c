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
#define kp_load32(p) READ_ONCE(*(p))
#define kp_store32(p, v) WRITE_ONCE(*(p), (v))
#else
static inline bool kp_cas(u64 *p, u64 old, u64 new)
{
	return __atomic_compare_exchange_n(p, &old, new, false, __ATOMIC_RELAXED,
					   __ATOMIC_RELAXED);
}
#define kp_load(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define kp_load32(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define kp_store32(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
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

u64 kp_entry_next(u64 old, u64 pfn, u32 now, u32 src_bit, int anid,
		  u32 window_ticks, enum kp_record_result *res)
{
	struct kp_entry e = { .pfn = pfn, .ts = now, .count = 1, .srcs = src_bit,
			      .anid = anid };
	struct kp_entry o;
	u32 gap;

	if (!old) {
		*res = KP_REC_NEW;
		return kp_entry_pack(&e);
	}
	kp_entry_unpack(old, &o);
	gap = kp_ticks_since(now, o.ts);
	if (anid < 0)
		e.anid = o.anid;
	if (gap > window_ticks) {
		/* Too long since the last sighting: recency restarts the count. */
		*res = KP_REC_COUNTED;
	} else if (!(o.srcs & src_bit) && gap < window_ticks / 2) {
		/* Another source, same access: one sighting, both sources. */
		e.count = o.count;
		e.srcs = o.srcs | src_bit;
		e.ts = o.ts;
		*res = KP_REC_MERGED;
	} else {
		e.count = o.count < KP_COUNT_MAX ? o.count + 1 : KP_COUNT_MAX;
		*res = KP_REC_COUNTED;
	}
	return kp_entry_pack(&e);
}

bool kp_table_take(struct kp_table *t, u32 slot, u64 v)
{
	return kp_cas(&t->slots[slot], v, 0);
}

u32 kp_dispatch_level(const u32 *hist, u32 thr, u32 room)
{
	u32 c, fits = 0;
	u64 acc = 0;

	if (thr > KP_COUNT_MAX)
		return KP_COUNT_MAX;
	for (c = KP_COUNT_MAX; c >= thr && c > 0; c--) {
		if (!hist[c])
			continue;
		acc += hist[c];
		if (acc > room)
			/* The most-sighted go even when they alone overflow. */
			return fits ? fits : c;
		fits = c;
	}
	return thr;
}

bool kp_table_forget(struct kp_table *t, u64 pfn)
{
	u64 *b = &t->slots[(u64)kp_table_bucket(t, pfn) * KP_TBL_WAYS];
	int i;

	for (i = 0; i < KP_TBL_WAYS; i++) {
		u64 v = kp_load(&b[i]);

		/* A concurrent sighting wins: the page was seen in use again. */
		if (v && kp_entry_pfn(v) == pfn)
			return kp_cas(&b[i], v, 0);
	}
	return false;
}

u32 kp_table_window(struct kp_table *t, u32 period_ms)
{
	u32 w = (u32)(((u64)period_ms * 2) >> KP_TICK_SHIFT_MS);

	if (w < t->window_ticks)
		w = t->window_ticks;
	if (w > KP_WINDOW_MAX_TICKS)
		w = KP_WINDOW_MAX_TICKS;
	/* Racy max: a lost update only delays the sweep's staleness by one. */
	if (w > kp_load32(&t->max_window_ticks))
		kp_store32(&t->max_window_ticks, w);
	return w;
}

enum kp_record_result kp_table_record(struct kp_table *t, u64 pfn, u32 now,
				      unsigned int src, int anid, u32 window_ticks)
{
	u64 *b = &t->slots[(u64)kp_table_bucket(t, pfn) * KP_TBL_WAYS];
	enum kp_record_result res;
	u32 src_bit = 1u << src, worst_age = 0;
	int i, victim = -1, tries;
	u64 v;

	if (!pfn || pfn > KP_PFN_MAX)
		return KP_REC_DROPPED;
	now &= KP_TS_MASK;
	/* A few retries under contention; then dropping is the honest answer. */
	for (tries = 0; tries < 3; tries++) {
		int empty = -1;

		for (i = 0; i < KP_TBL_WAYS; i++) {
			v = kp_load(&b[i]);
			if (v && kp_entry_pfn(v) == pfn)
				break;
			if (!v && empty < 0)
				empty = i;
		}
		if (i < KP_TBL_WAYS) {
			if (kp_cas(&b[i], v, kp_entry_next(v, pfn, now, src_bit, anid,
							   window_ticks, &res)))
				return res;
			continue;
		}
		if (empty >= 0) {
			if (kp_cas(&b[empty], 0, kp_entry_next(0, pfn, now, src_bit, anid,
								window_ticks, &res)))
				return KP_REC_NEW;
			continue;
		}
		/* Full bucket: replace the oldest entry if it is past its window. */
		victim = -1;
		worst_age = window_ticks;
		for (i = 0; i < KP_TBL_WAYS; i++) {
			struct kp_entry o;
			u32 age;

			v = kp_load(&b[i]);
			kp_entry_unpack(v, &o);
			age = kp_ticks_since(now, o.ts);
			if (age > worst_age) {
				worst_age = age;
				victim = i;
			}
		}
		if (victim < 0 && t->regions) {
			/*
			 * Every entry is live: the one in the coldest region
			 * gives way, if the new page's region is hotter.
			 */
			unsigned int mine = kp_region_heat(t->regions, pfn), coldest = mine;

			for (i = 0; i < KP_TBL_WAYS; i++) {
				unsigned int h = kp_region_heat(t->regions,
								kp_entry_pfn(kp_load(&b[i])));

				if (h < coldest) {
					coldest = h;
					victim = i;
				}
			}
			if (victim >= 0) {
				v = kp_load(&b[victim]);
				if (v && kp_entry_pfn(v) != pfn &&
				    kp_cas(&b[victim], v, kp_entry_next(0, pfn, now, src_bit, anid,
									 window_ticks, &res)))
					return KP_REC_EVICTED;
				continue;
			}
		}
		if (victim < 0)
			return KP_REC_DROPPED;
		v = kp_load(&b[victim]);
		if (kp_entry_pfn(v) != pfn && v &&
		    kp_ticks_since(now, (u32)(v >> 14) & KP_TS_MASK) > window_ticks &&
		    kp_cas(&b[victim], v, kp_entry_next(0, pfn, now, src_bit, anid,
							 window_ticks, &res)))
			return KP_REC_EVICTED;
	}
	return KP_REC_DROPPED;
}
