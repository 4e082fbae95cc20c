/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hotness table: page-level detail for the pages that matter, in a
 * fixed array of 64-bit entries grouped in buckets of four, updated only
 * with compare-and-swap. Recording is O(1), takes no lock, never sleeps
 * or allocates, so it is safe from NMI, IRQ and process context at once.
 *
 * Entry layout (0 = empty):
 *   pfn:38 | ts:12 | count:4 | srcs:4 | anid:6
 *   ts    last sighting, in 32 ms ticks (wraps after 131 s; the sweep clears
 *         entries long before that, so a wrapped gap is never misread)
 *   count sightings so far, each no more than one window after the last
 *   srcs  sources that saw the page at the last counted sighting
 *   anid  accessing node + 1 (0 = unknown)
 *
 * Hotness is frequency and recency together: a sighting more than one
 * window after the previous one starts the count again at 1, so a page is
 * hot only after `hot_threshold` sightings each within a window of the
 * last. The window is window_ms, or twice the sampling period of the
 * source that reports the sighting when that is longer: a source that can
 * see a page only once per scan (hint faults, the MGLRU walk) must not
 * make every page look cold. A second source seeing the same page within half a window of the
 * first adds its bit, not a count: two sources, one access.
 *
 * Pure code: built into the module and into the host unit tests.
 */
#ifndef KPROMOTED_TABLE_H
#define KPROMOTED_TABLE_H

#include "kpromoted/policy.h"

#define KP_TBL_WAYS 4
#define KP_TBL_FIXED_ENTRIES 65536	/* 512 KiB whatever the slow tier's size */
#define KP_TICK_SHIFT_MS 5			/* 32 ms ticks */
#define KP_WINDOW_MAX_TICKS (60000 >> KP_TICK_SHIFT_MS)	/* 60 s */
#define KP_TS_BITS 12
#define KP_TS_MASK ((1u << KP_TS_BITS) - 1)
#define KP_PFN_BITS 38
#define KP_PFN_MAX ((1ull << KP_PFN_BITS) - 1)
#define KP_COUNT_MAX 15
#define KP_ANID_MAX 62

struct kp_entry {
	u64 pfn;
	u32 ts;
	u32 count;
	u32 srcs;
	int anid;		/* KP_NID_UNKNOWN_T when not known */
};
#define KP_NID_UNKNOWN_T (-1)

static inline u64 kp_entry_pack(const struct kp_entry *e)
{
	u64 anid = (e->anid >= 0 && e->anid <= KP_ANID_MAX) ? (u64)e->anid + 1 : 0;

	return (e->pfn & KP_PFN_MAX) << 26 | (u64)(e->ts & KP_TS_MASK) << 14 |
	       (u64)(e->count & 15) << 10 | (u64)(e->srcs & 15) << 6 | anid;
}

static inline void kp_entry_unpack(u64 v, struct kp_entry *e)
{
	e->pfn = v >> 26;
	e->ts = (u32)(v >> 14) & KP_TS_MASK;
	e->count = (u32)(v >> 10) & 15;
	e->srcs = (u32)(v >> 6) & 15;
	e->anid = (int)(v & 63) - 1;
}

static inline u64 kp_entry_pfn(u64 v)
{
	return v >> 26;
}

/* Ticks elapsed from then to now, modulo the timestamp width. */
static inline u32 kp_ticks_since(u32 now, u32 then)
{
	return (now - then) & KP_TS_MASK;
}

/*
 * Region heat: one byte per 2 MiB of each slow node, bumped by every
 * sighting in the region and halved once per window. It is the coarse
 * level of the table: when a bucket is full of live entries, a page in a
 * hotter region takes the place of the entry in the coldest one, so the
 * page-level detail goes to the candidates that matter.
 */
#define KP_REGION_SHIFT 9		/* 512 base pages */
#define KP_MAX_REGION_SPANS 8

struct kp_region_span {
	u64 start_pfn;
	u64 nr;			/* regions */
	unsigned char *heat;
};

struct kp_regions {
	int nr;
	struct kp_region_span span[KP_MAX_REGION_SPANS];
};

/* The heat byte of pfn's region, or NULL outside every span. */
unsigned char *kp_region_of(struct kp_regions *r, u64 pfn);
/* Saturating, lock-free (a lost increment under a race is harmless). */
void kp_region_touch(struct kp_regions *r, u64 pfn);
unsigned int kp_region_heat(struct kp_regions *r, u64 pfn);
/* Halves every region's heat; returns how many are still warm. */
u64 kp_regions_decay(struct kp_regions *r);

struct kp_table {
	struct kp_regions *regions;	/* may be NULL */
	u64 *slots;		/* nr_buckets * KP_TBL_WAYS entries */
	u32 nr_buckets;
	u32 window_ticks;	/* the hotness window (window_ms) */
	u32 max_window_ticks;	/* the longest window any record used */
};

enum kp_record_result {
	KP_REC_NEW,		/* first sighting, new entry */
	KP_REC_COUNTED,		/* count went up (or restarted) */
	KP_REC_MERGED,		/* another source saw the same access */
	KP_REC_EVICTED,		/* new entry in place of a stale one */
	KP_REC_DROPPED,		/* bucket full of live entries, or contention */
};

/* The next state of an entry after a sighting: the hotness rule. */
u64 kp_entry_next(u64 old, u64 pfn, u32 now, u32 src_bit, int anid,
		  u32 window_ticks, enum kp_record_result *res);
/* Records one sighting; lock-free, O(KP_TBL_WAYS). */
enum kp_record_result kp_table_record(struct kp_table *t, u64 pfn, u32 now,
				      unsigned int src, int anid, u32 window_ticks);
/* The window for a sighting from a source sampling every period_ms. */
u32 kp_table_window(struct kp_table *t, u32 period_ms);
/* Bucket index for a pfn. */
u32 kp_table_bucket(const struct kp_table *t, u64 pfn);
/* Entries that fit the memory budget for this many slow pages. */
u32 kp_table_buckets_for(u64 slow_pages);
/*
 * Forgets pfn's sightings (evidence that it was not in use); true if it had
 * an entry. Lock-free, O(KP_TBL_WAYS).
 */
bool kp_table_forget(struct kp_table *t, u64 pfn);
/*
 * Hottest first: given how many candidates had each sighting count
 * (hist[0..KP_COUNT_MAX]) and room for this many more, the lowest count
 * whose candidates, together with all more-sighted ones, still fit; never
 * below thr. Candidates under it wait for a sweep with more room.
 */
u32 kp_dispatch_level(const u32 *hist, u32 thr, u32 room);
/* Removes the entry if it still holds exactly v; true if removed. */
bool kp_table_take(struct kp_table *t, u32 slot, u64 v);

#endif
