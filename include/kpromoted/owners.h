/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-owner counters for `kpromotedctl top`: who is sighted on the slow
 * tier, and whose pages are promoted. Two fixed tables of KP_OWNER_SLOTS
 * slots, one keyed by process (tgid), one by cgroup (the cgroup id of the
 * owner's memory cgroup), preallocated and never grown. A slot is claimed
 * with one compare-and-swap on its key and its counters are atomic adds:
 * no lock, no allocation, bounded work (KP_OWNER_PROBES slots looked at),
 * so counting is safe in NMI. An owner that finds no slot within its
 * probes (table full or crowded) counts in the `other` bucket, as does an
 * unknown owner (key 0). Slots are never freed: the tables hold the first
 * KP_OWNER_SLOTS owners seen since the load.
 *
 * Pure code: built into the module and into the host unit tests.
 */
#ifndef KPROMOTED_OWNERS_H
#define KPROMOTED_OWNERS_H

#include "kpromoted/policy.h"

#define KP_OWNER_SLOTS 1024	/* a power of two */
#define KP_OWNER_PROBES 16

#ifdef __KERNEL__
#include <linux/atomic.h>
#define kp_own_cas(p, o, n) (cmpxchg64((p), (o), (n)) == (o))
#define kp_own_add(p, v) ((void)__kp_own_add((p), (v)))
static inline u64 __kp_own_add(u64 *p, u64 v)
{
	return atomic64_add_return(v, (atomic64_t *)p);
}
#define kp_own_load(p) READ_ONCE(*(p))
#define kp_own_store(p, v) WRITE_ONCE(*(p), (v))
#else
static inline bool kp_own_cas(u64 *p, u64 o, u64 n)
{
	return __atomic_compare_exchange_n(p, &o, n, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}
#define kp_own_add(p, v) ((void)__atomic_fetch_add((p), (v), __ATOMIC_RELAXED))
#define kp_own_load(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define kp_own_store(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#endif

struct kp_owner_slot {
	u64 key;		/* 0: free */
	u64 sighted;		/* sightings recorded for this owner */
	u64 promoted;		/* pages promoted */
};

struct kp_owner_table {
	struct kp_owner_slot slot[KP_OWNER_SLOTS];
	struct kp_owner_slot other;	/* unknown owners, and those that found no slot */
};

static inline u32 kp_owner_hash(u64 key)
{
	return (u32)((key * 0x9E3779B97F4A7C15ull) >> 40) & (KP_OWNER_SLOTS - 1);
}

/* key's slot, claimed if need be; the `other` slot when none is free within the probes. */
static inline struct kp_owner_slot *kp_owner_slot(struct kp_owner_table *t, u64 key)
{
	u32 i, h;

	if (!key)
		return &t->other;
	h = kp_owner_hash(key);
	for (i = 0; i < KP_OWNER_PROBES; i++) {
		struct kp_owner_slot *s = &t->slot[(h + i) & (KP_OWNER_SLOTS - 1)];
		u64 k = kp_own_load(&s->key);

		if (k == key)
			return s;
		/* Lost the race for a free slot: the winner may be this very key. */
		if (!k && (kp_own_cas(&s->key, 0, key) || kp_own_load(&s->key) == key))
			return s;
	}
	return &t->other;
}

static inline void kp_owner_sight(struct kp_owner_table *t, u64 key, u64 n)
{
	kp_own_add(&kp_owner_slot(t, key)->sighted, n);
}

static inline void kp_owner_promote(struct kp_owner_table *t, u64 key, u64 n)
{
	kp_own_add(&kp_owner_slot(t, key)->promoted, n);
}

/*
 * Owner notes: a frame's owner (tgid), noted when the frame is queued for
 * promotion and taken when it is promoted. KP_OWNER_NOTES words of
 * tgid << KP_NOTE_PFN_BITS | pfn, 0 = free; a frame's note goes in the first
 * free word of KP_NOTE_PROBES from its hash, or over the first of them when
 * none is free (a frame queued and never promoted leaves its note behind
 * until then). Lossy by design, bounded work, any context.
 */
#define KP_OWNER_NOTES 8192	/* a power of two */
#define KP_NOTE_PROBES 8
#define KP_NOTE_PFN_BITS 40
#define KP_NOTE_PFN_MASK ((1ull << KP_NOTE_PFN_BITS) - 1)

static inline u32 kp_note_home(u64 pfn)
{
	return (u32)((pfn * 0x9E3779B97F4A7C15ull) >> 32) & (KP_OWNER_NOTES - 1);
}

static inline void kp_owner_note_put(u64 *notes, u64 pfn, u64 tgid)
{
	u64 w = tgid << KP_NOTE_PFN_BITS | (pfn & KP_NOTE_PFN_MASK);
	u32 h = kp_note_home(pfn), i;

	if (!tgid)
		return;
	for (i = 0; i < KP_NOTE_PROBES; i++) {
		u64 *p = &notes[(h + i) & (KP_OWNER_NOTES - 1)], old = kp_own_load(p);

		/* A free word, or this frame's older note. */
		if ((!old || (old & KP_NOTE_PFN_MASK) == (pfn & KP_NOTE_PFN_MASK)) &&
		    kp_own_cas(p, old, w))
			return;
	}
	kp_own_store(&notes[h], w);
}

/* The tgid noted for pfn (the note freed), 0 when there is none. */
static inline u64 kp_owner_note_take(u64 *notes, u64 pfn)
{
	u32 h = kp_note_home(pfn), i;

	for (i = 0; i < KP_NOTE_PROBES; i++) {
		u64 *p = &notes[(h + i) & (KP_OWNER_NOTES - 1)], w = kp_own_load(p);

		if (w && (w & KP_NOTE_PFN_MASK) == (pfn & KP_NOTE_PFN_MASK) && kp_own_cas(p, w, 0))
			return w >> KP_NOTE_PFN_BITS;
	}
	return 0;
}

#endif
