// SPDX-License-Identifier: GPL-2.0
/*
 * Making room: when hot pages wait for a fast node that has no free room,
 * that node's cold pages go down to its demotion target in exchange, only
 * as many as the waiting pages need. Called by the node's worker
 * (src/promote/workers.c), never in an application's context.
 *
 * Cold is seen, not guessed. A clock runs over the node's page frames:
 * the arming hand looks at the mapped LRU folios of a chunk of frames
 * (a look clears their accessed bits, src/compat/rmap.c) and notes the
 * time; once `idle` has passed, the checking hand looks at the same chunk
 * again, and a folio whose bits are still clear was not used in all that
 * time: it is cold and may go down. One used in between is found young and
 * stays. The state is the two hands, a ring of armed chunks (a start
 * frame and a time each, 4 KiB a node) and one check's suspects (16 KiB):
 * no memory per page.
 *
 * A clear bit at the check only makes a page a suspect: the kernel's own
 * aging (MGLRU, reclaim) clears accessed bits without a TLB flush, and a
 * page in constant use then stays cached and does not set its bit again.
 * The check's looks end with a flush; a suspect still unused four times
 * a promotion's confirmation span later (240 ms) is cold. The demotion side thus mirrors the promotion side, whose
 * nominees must be used at every look.
 *
 * Hysteresis by construction: a page is promoted only after it was found
 * young in confirm_tests looks confirm_ms apart (used every 20 ms or so)
 * and demoted only after a whole `idle` (room_idle_ms; by default 2 x window_ms, 2 s)
 * without one use. What is exchanged is always hotter than what it
 * displaces, and a page in use on the fast node is never taken down for
 * room: a hot set larger than the fast node does not ping-pong.
 *
 * Pages kpromoted demoted are noted (the frame they went to, and when) in
 * a small hash; one promoted again within a minute counts as `repromoted`.
 * Pages kpromoted promoted are noted the same way, and are not taken down
 * for room within a minute of their promotion, however idle they look:
 * what was just confirmed hot does not go straight back.
 * Such returns mean the workload's uses are further apart than `idle`:
 * they lengthen it (kpromoted/idle.h), clean periods shorten it again.
 * The same note tells a worker that a frame number it holds went stale:
 * promotions free slow frames, and demotions are given exactly those.
 *
 * Not made room by: unmapped page cache (no accessed bits to look at; the
 * kernel's reclaim demotes it when demotion is on), mlocked and pinned
 * pages.
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/topology.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/classify.h"
#include "kpromoted/compat.h"
#include "kpromoted/idle.h"
#include "kpromoted/promote.h"
#include "kpromoted/stats.h"
#include "kpromoted/table.h"
#include "kpromoted/trace.h"

#define KP_ROOM_CHUNK 512	/* frames armed together: 2 MiB */
#define KP_ROOM_RING 256	/* armed chunks a node holds: 512 MiB of frames */
#define KP_ROOM_ARM_MAX 32	/* chunks armed per call (16384 frames) */
#define KP_ROOM_BATCH 512	/* pages demoted per migrate_pages() call */
#define KP_ROOM_LOOKS_PER_FLUSH 64
#define KP_ROOM_SUSPECTS 2048	/* pages found idle at a check, looked at again */
#define KP_ROOM_ROUNDS 2	/* check rounds per call, each kp_room_recheck_ms() long */
#define KP_DEMOTED_SLOTS 4096	/* recent demotions (promotions) remembered: 32 KiB each */
#define KP_REPROMOTE_S 60	/* a promotion this soon after our demotion is a ping-pong */

struct kp_chunk {
	unsigned long start;	/* first frame */
	unsigned long armed_at;	/* jiffies */
};

struct kp_clock {
	int nid;
	struct mutex lock;	/* one worker lane at a time; others do not wait */
	unsigned long next;	/* the arming hand */
	u32 head, nr;		/* armed chunks, the oldest at head */
	u32 head_done;		/* frames of the head chunk already checked */
	struct kp_chunk ring[KP_ROOM_RING];
	u64 moved[KP_ROOM_BATCH];
	unsigned long suspect[KP_ROOM_SUSPECTS];
	struct kp_look_batch looks;
};

static struct kp_clock *kp_clocks[KP_MAX_NODES];

/*
 * Recent moves, one hash each way: target frame (KP_PFN_BITS) |
 * kp_room_stamp() (the rest); 0 = empty.
 */
static u64 *kp_demoted, *kp_promoted;
static DEFINE_SPINLOCK(kp_notes_lock);
static unsigned long kp_room_epoch;

/* `idle` = room_idle_ms (2 x window_ms) << shift; this period's counts (kpromoted/idle.h). */
static struct kp_idle kp_idle;
static unsigned long kp_idle_period_end;
static atomic_long_t kp_idle_demoted, kp_idle_repromoted;

static unsigned long kp_room_idle(void)
{
	u32 start = kp_cfg.room_idle_ms ? kp_cfg.room_idle_ms : 2 * kp_cfg.window_ms;

	return msecs_to_jiffies(start << READ_ONCE(kp_idle.shift));
}

/*
 * The sweep, every round (one caller): idle follows the counts, longer as
 * soon as the returns call for it (each one is a page moved twice for
 * nothing), shorter only after a long calm.
 */
void kp_room_adapt(void)
{
	struct kp_idle next;

	if (!kp_demoted)
		return;
	next = kp_idle;
	if (!kp_idle_step(&next, atomic_long_read(&kp_idle_demoted),
			  atomic_long_read(&kp_idle_repromoted),
			  time_after_eq(jiffies, kp_idle_period_end)))
		return;
	WRITE_ONCE(kp_idle.shift, next.shift);
	kp_idle.quiet = next.quiet;
	atomic_long_set(&kp_idle_demoted, 0);
	atomic_long_set(&kp_idle_repromoted, 0);
	kp_idle_period_end = jiffies + KP_IDLE_PERIODS * kp_room_idle();
}

u32 kp_room_idle_ms(void)
{
	return jiffies_to_msecs(kp_room_idle());
}

#define KP_STAMP_SHIFT KP_PFN_BITS
#define KP_STAMP_MASK ((1U << (64 - KP_STAMP_SHIFT)) - 1)
#define KP_STAMP_MS 16		/* a stamp unit; 26 bits wrap after 12 days */
#define KP_REPROMOTE_STAMPS (KP_REPROMOTE_S * 1000 / KP_STAMP_MS)

u32 kp_room_stamp(void)
{
	return (jiffies_to_msecs(jiffies - kp_room_epoch) / KP_STAMP_MS) & KP_STAMP_MASK;
}

/* Stamp units from a to b, modulo the wrap. */
static u32 kp_stamp_diff(u32 a, u32 b)
{
	return (b - a) & KP_STAMP_MASK;
}

static u32 kp_demoted_slot(u64 pfn)
{
	return (u32)((pfn * 0x9E3779B97F4A7C15ULL) >> 52) & (KP_DEMOTED_SLOTS - 1);
}

static void kp_note(u64 *notes, const u64 *pfns, u32 n)
{
	u64 now = kp_room_stamp();
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&kp_notes_lock, flags);
	for (i = 0; i < n; i++)
		notes[kp_demoted_slot(pfns[i])] = (pfns[i] & KP_PFN_MAX) | now << KP_STAMP_SHIFT;
	spin_unlock_irqrestore(&kp_notes_lock, flags);
}

void kp_room_promoted(const u64 *pfns, u32 n)
{
	if (kp_promoted)
		kp_note(kp_promoted, pfns, n);
}

/* Whether kpromoted promoted a page into frame pfn within the last minute. */
static bool kp_room_just_promoted(u64 pfn)
{
	u32 i = kp_demoted_slot(pfn);
	unsigned long flags;
	bool recent = false;
	u64 w;

	spin_lock_irqsave(&kp_notes_lock, flags);
	w = kp_promoted[i];
	if (w && (w & KP_PFN_MAX) == (pfn & KP_PFN_MAX)) {
		recent = kp_stamp_diff(w >> KP_STAMP_SHIFT, kp_room_stamp()) <= KP_REPROMOTE_STAMPS;
		if (!recent)
			kp_promoted[i] = 0;	/* too old to matter */
	}
	spin_unlock_irqrestore(&kp_notes_lock, flags);
	return recent;
}

/*
 * Whether kpromoted demoted a page into frame pfn within the last minute,
 * and if so whether before or after `queued` (when the page in that frame
 * was confirmed hot, not when it was handed over: a confirmed page may wait
 * for room a while). After: the worker holds a stale frame number (the hot
 * page left it, our demotion filled it since) and must drop it.
 */
enum kp_demoted kp_room_demoted(u64 pfn, u32 queued, u32 *ago_ms)
{
	u32 i = kp_demoted_slot(pfn), now = kp_room_stamp(), at;
	enum kp_demoted res = KP_NOT_DEMOTED;
	unsigned long flags;
	u64 w;

	if (!kp_demoted)
		return KP_NOT_DEMOTED;
	spin_lock_irqsave(&kp_notes_lock, flags);
	w = kp_demoted[i];
	if (w && (w & KP_PFN_MAX) == (pfn & KP_PFN_MAX)) {
		at = w >> KP_STAMP_SHIFT;
		*ago_ms = kp_stamp_diff(at, now) * KP_STAMP_MS;
		if (kp_stamp_diff(at, now) > KP_REPROMOTE_STAMPS)
			kp_demoted[i] = 0;	/* too old to matter */
		else if (kp_stamp_diff(queued, now) < kp_stamp_diff(at, now))
			res = KP_DEMOTED_BEFORE;
		else
			res = KP_DEMOTED_SINCE;
		/*
		 * Counted once. A stale frame number says nothing of the page
		 * our demotion put there: its note stays, for when that page
		 * itself is found hot.
		 */
		if (res == KP_DEMOTED_BEFORE)
			kp_demoted[i] = 0;
	}
	spin_unlock_irqrestore(&kp_notes_lock, flags);
	if (res == KP_DEMOTED_BEFORE)
		atomic_long_inc(&kp_idle_repromoted);
	return res;
}

/* Where nid's cold pages go: the kernel's demotion target, else the nearest slow node. */
static int kp_room_target(int nid)
{
	int t = kp_compat_demotion_target(nid), best = NUMA_NO_NODE, best_d = INT_MAX, s;

	if (kp_node_is_slow(t))
		return t;
	for (s = 0; s < KP_MAX_NODES; s++) {
		if (!kp_node_is_slow(s) || !node_online(s))
			continue;
		if (node_distance(nid, s) < best_d) {
			best_d = node_distance(nid, s);
			best = s;
		}
	}
	return best;
}

const char *kp_room_unavailable(int nid)
{
	if (kp_cfg.mode != KP_MODE_PROMOTE)
		return "observe mode";
	if (!kp_compat_demotion_enabled())
		return "demotion_enabled=0";
	if (kp_compat_look_unavailable())
		return "no look at accessed bits on this kernel";
	if (kp_room_target(nid) == NUMA_NO_NODE)
		return "no slow node to demote to";
	if (nid < 0 || nid >= KP_MAX_NODES || !kp_clocks[nid])
		return "not a fast node";
	return NULL;
}

/* Frames from pfn to the end of the folio there (1 for a hole), at most to the chunk's end. */
static unsigned long kp_room_step(unsigned long pfn, unsigned long end)
{
	struct page *page = pfn_to_online_page(pfn);
	unsigned long step = 1;

	if (page) {
		struct folio *folio = page_folio(page);
		unsigned long head = folio_pfn(folio), nr = folio_nr_pages(folio);

		/* Read without a reference: a racing free only makes the step short. */
		if (head <= pfn && head + nr > pfn)
			step = head + nr - pfn;
	}
	return min(step, end - pfn);
}

/* A look in a batch; the batch's flush every KP_ROOM_LOOKS_PER_FLUSH looks. */
static enum kp_look kp_room_look(struct kp_clock *c, unsigned long pfn, u32 *looks)
{
	enum kp_look look = kp_compat_look(&c->looks, pfn, KP_LOOK_FAST);

	if (look != KP_LOOK_GONE && ++*looks % KP_ROOM_LOOKS_PER_FLUSH == 0) {
		kp_compat_look_end(&c->looks);
		cond_resched();
		kp_compat_look_begin(&c->looks);
	}
	return look;
}

/* The arming hand: up to max_chunks chunks, or until `want` folios are armed. */
static void kp_room_arm(struct kp_clock *c, unsigned long want, u32 max_chunks)
{
	unsigned long lo = node_start_pfn(c->nid), hi = node_end_pfn(c->nid), armed = 0;
	u32 chunks = 0, looks = 0;

	kp_compat_look_begin(&c->looks);
	while (c->nr < KP_ROOM_RING && chunks < max_chunks && armed < want) {
		unsigned long pfn, end;
		struct kp_chunk *k;

		if (c->next < lo || c->next >= hi)
			c->next = lo;
		pfn = c->next;
		end = min(hi, ALIGN(pfn + 1, KP_ROOM_CHUNK));
		k = &c->ring[(c->head + c->nr) % KP_ROOM_RING];
		k->start = pfn;
		while (pfn < end) {
			enum kp_look look = kp_room_look(c, pfn, &looks);

			if (look == KP_LOOK_OLD || look == KP_LOOK_YOUNG)
				armed++;
			pfn += kp_room_step(pfn, end);
		}
		/* Armed once the flush below is done: its time is taken after it. */
		c->next = end;
		c->nr++;
		chunks++;
	}
	kp_compat_look_end(&c->looks);
	while (chunks)
		c->ring[(c->head + c->nr - chunks--) % KP_ROOM_RING].armed_at = jiffies;
	kp_stat_add(KP_STAT_room_armed, armed);
}

/* A reference on the folio at pfn if it is still a cold candidate of this node. */
static struct folio *kp_room_grab(unsigned long pfn, int nid)
{
	struct page *page = pfn_to_online_page(pfn);
	struct folio *folio;

	if (!page)
		return NULL;
	folio = page_folio(page);
	if (!folio_try_get(folio))
		return NULL;
	if (page_folio(page) != folio || folio_nid(folio) != nid || !folio_test_lru(folio) ||
	    folio_test_unevictable(folio) || folio_maybe_dma_pinned(folio)) {
		folio_put(folio);
		return NULL;
	}
	return folio;
}

static unsigned long kp_room_demote(struct kp_clock *c, struct list_head *list,
				    unsigned long listed, int target)
{
	struct kp_moved mv = { .max = KP_ROOM_BATCH, .pfn = c->moved };
	unsigned int retried, moved;

	if (!listed)
		return 0;
	moved = kp_compat_migrate(list, target, &mv, &retried);
	trace_demote_batch(c->nid, target, listed, moved);
	kp_note(kp_demoted, c->moved, mv.nr);
	atomic_long_add(moved, &kp_idle_demoted);
	kp_stat_add(KP_STAT_demoted_for_room, moved);
	kp_stat_add(KP_STAT_migrate_retried, retried);
	if (listed > moved)
		kp_stat_add(KP_STAT_failed_migrate, listed - moved);
	return moved;
}

/*
 * The checking hand: the chunks armed at least `idle` ago, in order; the
 * folios found idle become suspects, up to `want` pages. Returns how many
 * suspects; their address spaces are flushed when it returns.
 */
static u32 kp_room_suspect(struct kp_clock *c, unsigned long want)
{
	unsigned long idle = kp_room_idle(), pages = 0;
	u32 looks = 0, n = 0;

	kp_compat_look_begin(&c->looks);
	while (c->nr && pages < want && n < KP_ROOM_SUSPECTS &&
	       time_after_eq(jiffies, c->ring[c->head].armed_at + idle)) {
		struct kp_chunk *k = &c->ring[c->head];
		unsigned long pfn = k->start + c->head_done;
		unsigned long end = min(node_end_pfn(c->nid), ALIGN(k->start + 1, KP_ROOM_CHUNK));

		while (pfn < end && pages < want && n < KP_ROOM_SUSPECTS) {
			unsigned long step = kp_room_step(pfn, end);

			switch (kp_room_look(c, pfn, &looks)) {
			case KP_LOOK_OLD:
				c->suspect[n++] = pfn;
				pages += step;
				break;
			case KP_LOOK_YOUNG:
				kp_stat_inc(KP_STAT_room_kept);
				break;
			default:
				break;
			}
			pfn += step;
		}
		if (pfn >= end) {
			c->head = (c->head + 1) % KP_ROOM_RING;
			c->nr--;
			c->head_done = 0;
		} else {
			c->head_done = pfn - k->start;
		}
	}
	kp_compat_look_end(&c->looks);
	return n;
}

/* The suspects still idle after the flush go down, up to budget pages. */
static unsigned long kp_room_demote_cold(struct kp_clock *c, u32 n, unsigned long budget,
					 int target)
{
	unsigned long listed = 0, freed = 0;
	u32 i, looks = 0;
	LIST_HEAD(list);

	kp_compat_look_begin(&c->looks);
	for (i = 0; i < n && freed + listed < budget; i++) {
		struct folio *folio;
		unsigned long nr;

		enum kp_look look = kp_room_look(c, c->suspect[i], &looks);

		if (look == KP_LOOK_YOUNG) {
			kp_stat_inc(KP_STAT_room_kept);
			kp_stat_inc(KP_STAT_room_kept_flushed);
		}
		if (look != KP_LOOK_OLD)
			continue;
		folio = kp_room_grab(c->suspect[i], c->nid);
		if (!folio)
			continue;
		if (kp_room_just_promoted(folio_pfn(folio))) {
			kp_stat_inc(KP_STAT_room_kept_promoted);
			folio_put(folio);
			continue;
		}
		nr = folio_nr_pages(folio);
		if (freed + listed + nr <= budget && kp_compat_isolate_lru(folio)) {
			/* Found unused: it goes down inactive, to age on the slow node. */
			folio_clear_active(folio);
			list_add_tail(&folio->lru, &list);
			listed += nr;
		}
		folio_put(folio);
		if (listed >= KP_ROOM_BATCH) {
			kp_compat_look_end(&c->looks);
			freed += kp_room_demote(c, &list, listed, target);
			listed = 0;
			kp_compat_look_begin(&c->looks);
		}
	}
	kp_compat_look_end(&c->looks);
	return freed + kp_room_demote(c, &list, listed, target);
}

/*
 * How long a suspect must then stay unused: four times the span over which
 * a nominee must be used to be promoted (confirm_tests looks confirm_ms
 * apart, 240 ms by default). A page used every 50 ms, which a promotion
 * could confirm, is caught; a window as short as a single look (20 ms)
 * often missed it (sid, a hog read all along: 965 of 1070 came back). At
 * most 2 s, whatever the parameters: a lane waits that long.
 */
static unsigned int kp_room_recheck_ms(void)
{
	return min(kp_cfg.confirm_ms * max(kp_cfg.confirm_tests, 1U) * 4, 2000U);
}

/* Cold pages down, up to `need` (and what the rate limit grants). */
static unsigned long kp_room_check(struct kp_clock *c, unsigned long need, int target)
{
	u64 budget = kp_rate_take((u64)need << PAGE_SHIFT) >> PAGE_SHIFT;
	unsigned long freed = 0;
	u32 round, n;

	for (round = 0; round < KP_ROOM_ROUNDS && freed < budget; round++) {
		n = kp_room_suspect(c, budget - freed);
		if (!n)
			break;
		msleep(kp_room_recheck_ms());
		freed += kp_room_demote_cold(c, n, budget - freed, target);
	}
	if (budget > freed)
		kp_rate_refund((budget - freed) << PAGE_SHIFT);
	return freed;
}

unsigned long kp_room_make(int nid, unsigned long need, unsigned long backlog)
{
	struct kp_clock *c;
	unsigned long freed;
	int target;

	if (!need || kp_room_unavailable(nid))
		return 0;
	c = kp_clocks[nid];
	if (!mutex_trylock(&c->lock))
		return 0;	/* another lane is at it */
	target = kp_room_target(nid);
	freed = kp_room_check(c, need, target);
	/*
	 * Arm for all that waits, not just this batch, so that the next
	 * batches find cold pages ripe instead of waiting a whole `idle`
	 * each; twice as many, since not every armed page turns out cold.
	 */
	if (freed < need + backlog)
		kp_room_arm(c, 2 * (need + backlog - freed), KP_ROOM_ARM_MAX);
	mutex_unlock(&c->lock);
	return freed;
}

/*
 * A full node is armed ahead of need, a little at a time (the sweep calls
 * this every 250 ms): when hot pages then arrive, cold ones are already
 * known, and the exchange does not first wait a whole `idle`.
 */
#define KP_ROOM_AHEAD_CHUNKS 4		/* per call: 8 MiB of frames */
#define KP_ROOM_AHEAD_MAX (KP_ROOM_RING / 4)

void kp_room_prepare(int nid)
{
	struct kp_clock *c;

	if (kp_room_unavailable(nid) || kp_node_room(nid))
		return;
	c = kp_clocks[nid];
	if (READ_ONCE(c->nr) >= KP_ROOM_AHEAD_MAX || !mutex_trylock(&c->lock))
		return;
	kp_room_arm(c, KP_ROOM_AHEAD_CHUNKS * KP_ROOM_CHUNK, KP_ROOM_AHEAD_CHUNKS);
	mutex_unlock(&c->lock);
}

int kp_room_init(void)
{
	int nid;

	kp_room_epoch = jiffies;
	kp_idle = (struct kp_idle){ 0 };
	atomic_long_set(&kp_idle_demoted, 0);
	atomic_long_set(&kp_idle_repromoted, 0);
	kp_idle_period_end = jiffies + KP_IDLE_PERIODS * kp_room_idle();
	kp_demoted = kvcalloc(KP_DEMOTED_SLOTS, sizeof(u64), GFP_KERNEL);
	kp_promoted = kvcalloc(KP_DEMOTED_SLOTS, sizeof(u64), GFP_KERNEL);
	if (!kp_demoted || !kp_promoted)
		goto nomem;
	for (nid = 0; nid < KP_MAX_NODES; nid++) {
		struct kp_clock *c;

		if (!(kp_tiers.fast & (1ull << nid)))
			continue;
		c = kp_inject("room") ? NULL : kvzalloc(sizeof(*c), GFP_KERNEL);
		if (!c)
			goto nomem;
		c->nid = nid;
		c->next = node_start_pfn(nid);
		mutex_init(&c->lock);
		kp_clocks[nid] = c;
	}
	return 0;
nomem:
	pr_err("no memory for making room on the fast nodes\n");
	kp_room_exit();
	return -ENOMEM;
}

/* After the workers stopped: nothing calls kp_room_make() any more. */
void kp_room_exit(void)
{
	int nid;

	for (nid = 0; nid < KP_MAX_NODES; nid++) {
		kvfree(kp_clocks[nid]);
		kp_clocks[nid] = NULL;
	}
	kvfree(kp_demoted);
	kp_demoted = NULL;
	kvfree(kp_promoted);
	kp_promoted = NULL;
}

u64 kp_room_bytes(void)
{
	u64 n = 2 * KP_DEMOTED_SLOTS * sizeof(u64);
	int nid;

	for (nid = 0; nid < KP_MAX_NODES; nid++)
		n += kp_clocks[nid] ? sizeof(struct kp_clock) : 0;
	return n;
}

void kp_room_show(struct seq_file *m)
{
	int nid;

	for (nid = 0; nid < KP_MAX_NODES; nid++) {
		const char *why;

		if (!kp_clocks[nid])
			continue;
		why = kp_room_unavailable(nid);
		if (why)
			seq_printf(m, "node%d_make_room off (%s)\n", nid, why);
		else
			seq_printf(m, "node%d_make_room on (demote to node %d)\n", nid,
				   kp_room_target(nid));
	}
}
