/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hotness table: a per-page estimate of how often a page is used, for
 * the pages that matter, in a fixed array of 64-bit entries grouped in
 * buckets of four, updated only with compare-and-swap. Recording is O(1),
 * takes no lock, never sleeps or allocates, so it is safe from NMI, IRQ
 * and process context at once. Nobody outside table.c reads a slot: the
 * API is record, forget, take, unnominate and expire.
 *
 * Entry layout (0 = empty):
 *   pfn:38 | ts:12 | heat:6 | src:2 | nom:1 | anid:5
 *   ts    time of the heat value, in 32 ms ticks (wraps after 131 s; the
 *         sweep expires entries long before that); kept while the decay
 *         since is less than one unit
 *   heat  decayed evidence of use, 0..63; it halves every half-life
 *         without new evidence, so a page no longer used is cold in seconds
 *   src   the source of the last evidence (two sources reporting within
 *         KP_MERGE_TICKS of each other saw one access: it counts once)
 *   nom   nominated: handed to the confirmation stage, not again until it
 *         answers
 *   anid  accessing node + 1 (0 = unknown)
 *
 * Each source weighs its own evidence (kp_record_access's weight, in heat
 * units, KP_HEAT_UNIT for one clear sighting); the table adds it to the
 * decayed heat. An entry whose heat reaches the nomination threshold is
 * nominated once: classification is the confirmation stage's job.
 *
 * Pure code: built into the module and into the host unit tests.
 */
#ifndef KPROMOTED_TABLE_H
#define KPROMOTED_TABLE_H

#include "kpromoted/policy.h"

#define KP_TBL_WAYS 4
#define KP_TBL_FIXED_ENTRIES 65536	/* 512 KiB whatever the slow tier's size */
#define KP_TICK_SHIFT_MS 5			/* 32 ms ticks */
#define KP_TS_BITS 12
#define KP_TS_MASK ((1u << KP_TS_BITS) - 1)
#define KP_PFN_BITS 38
#define KP_PFN_MAX ((1ull << KP_PFN_BITS) - 1)
#define KP_HEAT_MAX 63
#define KP_HEAT_UNIT 8		/* one clear sighting */
#define KP_ANID_MAX 30
#define KP_MERGE_TICKS 2	/* another source within 64 ms: the same access */
/* Entries untouched this long are gone, well before the timestamp wraps. */
#define KP_STALE_MAX_TICKS (100000 >> KP_TICK_SHIFT_MS)

struct kp_entry {
	u64 pfn;
	u32 ts;
	u32 heat;
	u32 src;
	bool nom;
	int anid;		/* KP_NID_UNKNOWN_T when not known */
};
#define KP_NID_UNKNOWN_T (-1)

static inline u64 kp_entry_pack(const struct kp_entry *e)
{
	u64 anid = (e->anid >= 0 && e->anid <= KP_ANID_MAX) ? (u64)e->anid + 1 : 0;

	return (e->pfn & KP_PFN_MAX) << 26 | (u64)(e->ts & KP_TS_MASK) << 14 |
	       (u64)(e->heat & KP_HEAT_MAX) << 8 | (u64)(e->src & 3) << 6 |
	       (u64)!!e->nom << 5 | anid;
}

static inline void kp_entry_unpack(u64 v, struct kp_entry *e)
{
	e->pfn = v >> 26;
	e->ts = (u32)(v >> 14) & KP_TS_MASK;
	e->heat = (u32)(v >> 8) & KP_HEAT_MAX;
	e->src = (u32)(v >> 6) & 3;
	e->nom = (v >> 5) & 1;
	e->anid = (int)(v & 31) - 1;
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

/* Heat after gap ticks without evidence: halved every half-life ticks. */
u32 kp_heat_decay(u32 heat, u32 gap, u32 half_life);

/*
 * Region heat: one byte per 2 MiB of each slow node, bumped by every
 * sighting in the region and halved once per half-life: where the heat is,
 * coarsely, for the operator's view.
 */
#define KP_REGION_SHIFT 9		/* 512 base pages */
#define KP_MAX_REGION_SPANS 8

struct kp_region_span {
	int nid;
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
	u64 *slots;		/* nr_buckets * KP_TBL_WAYS entries */
	u32 nr_buckets;
	u32 half_life;		/* ticks in which heat halves (window_ms) */
	u32 nominate_heat;	/* heat at which a page is nominated */
};

enum kp_record_result {
	KP_REC_NEW,		/* first evidence, new entry */
	KP_REC_COUNTED,		/* heat went up */
	KP_REC_MERGED,		/* another source saw the same access */
	KP_REC_EVICTED,		/* new entry in place of a colder one */
	KP_REC_NOMINATE,	/* heat reached the threshold: nominated now */
	KP_REC_DROPPED,		/* bucket full of hotter entries, or contention */
};

/* What a record tells its caller besides the result. */
struct kp_record_out {
	u64 pfn;
	int anid;
	u32 heat;
};

/* The next state of an entry after evidence: the hotness rule. */
u64 kp_entry_next(u64 old, u64 pfn, u32 now, u32 src, u32 weight, int anid,
		  u32 half_life, u32 nominate_heat, enum kp_record_result *res);
/*
 * Records weight units of evidence from src; lock-free, O(KP_TBL_WAYS).
 * *res is KP_REC_NOMINATE exactly once per nomination.
 */
enum kp_record_result kp_table_record(struct kp_table *t, u64 pfn, u32 now,
				      unsigned int src, u32 weight, int anid,
				      struct kp_record_out *out);
/* Bucket index for a pfn. */
u32 kp_table_bucket(const struct kp_table *t, u64 pfn);
/* Entries that fit the memory budget for this many slow pages. */
u32 kp_table_buckets_for(u64 slow_pages);
/*
 * Forgets pfn's evidence (it was seen not in use, or its nomination was
 * refused); true if it had an entry. Lock-free, O(KP_TBL_WAYS).
 */
bool kp_table_forget(struct kp_table *t, u64 pfn);
/*
 * A nomination that could not be handed on: the entry keeps its heat and
 * may be nominated again. True if it was nominated.
 */
bool kp_table_unnominate(struct kp_table *t, u64 pfn);
/*
 * Visits n slots from *cursor (wrapping), removing entries whose heat
 * decayed to nothing or that are older than stale ticks; advances *cursor.
 * Returns how many live entries it saw.
 */
u32 kp_table_expire(struct kp_table *t, u32 *cursor, u32 n, u32 now, u32 stale);

#endif
