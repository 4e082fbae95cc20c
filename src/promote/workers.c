// SPDX-License-Identifier: GPL-2.0
/*
 * Migration: the workers of each fast node isolate the pages they were
 * handed and migrate them in batches of up to 512, within the rate limit
 * (tokens taken per batch) and the node's room, which they make when the
 * node is full (src/promote/room.c). Nothing here runs in the
 * application's context.
 */
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/memory_hotplug.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/bucket.h"
#include "kpromoted/compat.h"
#include "kpromoted/promote.h"
#include "kpromoted/room_debt.h"
#include "kpromoted/stats.h"
#include "kpromoted/trace.h"

/*
 * Pages one node's workers hold: 16 MiB of base pages (32 KiB). The
 * confirmation stage refills it every round (confirm_ms), so this is no
 * cap on the rate, only on what waits.
 */
#define KP_PENDING_MAX 4096
/* Pages per migrate_pages() call: its own limit (NR_MAX_BATCHED_MIGRATION). */
#define KP_BATCH_MAX 512
/* A queued page: its frame number, and when it was found hot there (kp_room_stamp()). */
#define KP_QUEUED_SHIFT KP_PFN_BITS
/* A node waiting for room is looked at again this much later (or when room appears). */
#define KP_ROOM_RETRY_MS 100
/* Workers per node: more than one when migration outruns one CPU. */
#define KP_LANES_MAX 4

struct kp_node_worker;

/* One worker of a node: a work item and its own batch. */
struct kp_lane {
	struct work_struct work;
	struct kp_node_worker *w;
	u32 idx;
	u64 pfn[KP_BATCH_MAX];		/* queue words: frame | stamp */
	struct folio *folio[KP_BATCH_MAX];
	u64 moved[KP_BATCH_MAX];	/* the frames a promotion filled */
	u64 moved_src[KP_BATCH_MAX];	/* and the frames they came from */
	u64 since;			/* ns: when it last started work (under w->lock) */
};

struct kp_node_worker {
	int nid;
	u32 nr_lanes;
	spinlock_t lock;		/* pending, nr_pending, credit, asked */
	u32 nr_pending;
	unsigned long credit;		/* pages demoted for room, not yet filled */
	unsigned long asked;		/* pages being demoted for room right now */
	unsigned long unpaid_since;	/* jiffies: the debt began or was last paid down */
	unsigned long room_retry;	/* jiffies: waiting for room, do not look before */
	u32 busy;			/* lanes at work on a batch */
	u64 busy_since;			/* ns: when busy last went from 0 to 1 */
	u64 pending[KP_PENDING_MAX];
	struct kp_lane lane[KP_LANES_MAX];
};

static struct workqueue_struct *kp_wq;
static struct kp_node_worker *kp_workers[KP_MAX_NODES];
static bool kp_stopping;

/* Token bucket in bytes, shared by all workers and both directions. */
static DEFINE_SPINLOCK(kp_rate_lock);
static struct kp_bucket kp_rate;

u64 kp_rate_bytes_per_s(void)
{
	return (u64)kp_cfg.rate_limit_mbps << 20;
}

/*
 * A worker runs when it is handed pages, later when the machine is busy:
 * the bucket holds a second's worth so a late run does not lose the time
 * between, and never less than a huge page.
 */
static u64 kp_rate_cap(void)
{
	return max_t(u64, kp_rate_bytes_per_s(), HPAGE_PMD_SIZE);
}

u64 kp_rate_take(u64 bytes)
{
	u64 got;

	spin_lock(&kp_rate_lock);
	kp_bucket_refill(&kp_rate, ktime_get_ns(), kp_rate_bytes_per_s(), kp_rate_cap());
	got = kp_bucket_take(&kp_rate, bytes);
	spin_unlock(&kp_rate_lock);
	return got;
}

/* Bytes the bucket holds now (nothing taken). */
static u64 kp_rate_available(void)
{
	u64 got;

	spin_lock(&kp_rate_lock);
	kp_bucket_refill(&kp_rate, ktime_get_ns(), kp_rate_bytes_per_s(), kp_rate_cap());
	got = kp_rate.tokens;
	spin_unlock(&kp_rate_lock);
	return got;
}

void kp_rate_refund(u64 bytes)
{
	if (!bytes)
		return;
	spin_lock(&kp_rate_lock);
	kp_bucket_refund(&kp_rate, bytes, kp_rate_cap());
	spin_unlock(&kp_rate_lock);
}

bool kp_worker_exists(int nid)
{
	return nid >= 0 && nid < KP_MAX_NODES && kp_workers[nid];
}

/* Free pages above the high watermarks, less min_free_pct: what promotion may fill. */
unsigned long kp_node_room(int nid)
{
	long room = kp_compat_node_room(nid, false);
	long keep = node_present_pages(nid) * kp_cfg.min_free_pct / 100;

	return room > keep ? room - keep : 0;
}

unsigned long kp_node_capacity(int nid)
{
	unsigned long room = kp_node_room(nid);

	/* A node whose cold pages can go down takes, beyond its room, what the workers can queue. */
	return kp_room_unavailable(nid) ? room : room + KP_PENDING_MAX;
}

u32 kp_worker_pending(int nid)
{
	return kp_worker_exists(nid) ? READ_ONCE(kp_workers[nid]->nr_pending) : 0;
}

bool kp_worker_queue(int nid, u64 pfn, u32 seen)
{
	struct kp_node_worker *w = kp_workers[nid];
	bool queued = false;

	spin_lock(&w->lock);
	if (w->nr_pending < KP_PENDING_MAX) {
		w->pending[w->nr_pending++] = (pfn & KP_PFN_MAX) | (u64)seen << KP_QUEUED_SHIFT;
		queued = true;
	}
	spin_unlock(&w->lock);
	return queued;
}

void kp_worker_kick(int nid)
{
	if (kp_worker_exists(nid) && !READ_ONCE(kp_stopping))
		queue_work_node(nid, kp_wq, &kp_workers[nid]->lane[0].work);
}

/*
 * Takes a reference on the folio at pfn and checks, just before isolation,
 * that it is still worth and safe to move. Returns the folio or NULL.
 */
static struct folio *kp_grab(u64 pfn)
{
	struct page *page = pfn_to_online_page(pfn);
	struct folio *folio;

	if (!page) {
		kp_stat_inc(KP_STAT_skipped_offline);
		return NULL;
	}
	folio = page_folio(page);
	if (!folio_try_get(folio)) {
		kp_stat_inc(KP_STAT_skipped_not_lru);
		return NULL;
	}
	if (unlikely(page_folio(page) != folio)) {
		kp_stat_inc(KP_STAT_skipped_not_lru);
		goto put;
	}
	if (!kp_node_is_slow(folio_nid(folio))) {
		kp_stat_inc(KP_STAT_skipped_not_slow);
		goto put;
	}
	if (!folio_test_lru(folio)) {
		kp_stat_inc(KP_STAT_skipped_not_lru);
		goto put;
	}
	if (folio_maybe_dma_pinned(folio)) {
		kp_stat_inc(KP_STAT_skipped_pinned);
		goto put;
	}
	return folio;
put:
	folio_put(folio);
	return NULL;
}

/* Puts pfns back in the queue, for the next run (the sweep kicks workers that hold pages). */
static void kp_requeue(struct kp_node_worker *w, const u64 *pfns, u32 n)
{
	u32 take;

	spin_lock(&w->lock);
	take = min(n, KP_PENDING_MAX - w->nr_pending);
	memcpy(w->pending + w->nr_pending, pfns, take * sizeof(u64));
	w->nr_pending += take;
	spin_unlock(&w->lock);
}

static u32 kp_take_batch(struct kp_node_worker *w, u64 *pfns, u32 max, bool *more)
{
	u32 n;

	spin_lock(&w->lock);
	n = min(w->nr_pending, max);
	w->nr_pending -= n;
	memcpy(pfns, w->pending + w->nr_pending, n * sizeof(u64));
	*more = w->nr_pending > 0;
	spin_unlock(&w->lock);
	return n;
}

/* Of the pages demoted for this node, those the allocation can take without reclaim. */
static unsigned long kp_exchange_room(struct kp_node_worker *w)
{
	long above_low = kp_compat_node_room(w->nid, true);
	unsigned long credit;

	spin_lock(&w->lock);
	credit = w->credit;
	spin_unlock(&w->lock);
	return min(credit, above_low > 0 ? (unsigned long)above_low : 0UL);
}

/*
 * Pages demoted for a node and not yet filled by a promotion are owed to
 * it, and what is owed is bounded: two batches. Room that other
 * allocations take meanwhile is not made again and again; at the bound
 * the exchange waits until its promotions settle the debt, so over any run
 * demoted_for_room <= promoted_pages + the bound + room_forgiven, by
 * construction, and room_forgiven grows by at most the bound every
 * KP_ROOM_FORGIVE_MS: only room others took and nothing paid for that long
 * is forgiven (room_debt.h). A node
 * the kernel's kswapd cannot demote from (no demotion target in its tiers:
 * 6.1, slow_nodes=) may also owe its low watermark: below it, no kswapd
 * lifts it, and the exchange must first demote it above it.
 */
static unsigned long kp_owed_max(int nid)
{
	unsigned long max = 2 * KP_BATCH_MAX;

	if (!kp_node_is_slow(kp_compat_demotion_target(nid)))
		max += kp_compat_node_low_wmark(nid);
	return max;
}

/*
 * Pages this batch may fill on the node: its free room, plus what was
 * demoted for it. An exchange keeps the node as full as it was, so it
 * needs no room above min_free_pct nor the high watermark, only pages the
 * allocation can take without reclaim (above the low watermark). (Asking
 * for the high watermark instead made 6.1, whose kswapd cannot demote,
 * demote 2.4 pages per page promoted to lift the node above it.) A node
 * below its low watermark is demoted above it first: the credit alone
 * would wait for a kswapd that no allocation wakes.
 */
static unsigned long kp_batch_room(struct kp_node_worker *w, unsigned long want)
{
	unsigned long room = kp_node_room(w->nid), usable, ask, got, max, owed, forgiven;
	long above_low;

	if (room >= want)
		return room;
	usable = kp_exchange_room(w);
	if (usable >= want - room || kp_room_unavailable(w->nid))
		return room + usable;
	max = kp_owed_max(w->nid);
	above_low = kp_compat_node_room(w->nid, true);
	spin_lock(&w->lock);
	/* Room others took and nothing paid for a while: no longer owed (room_debt.h). */
	owed = kp_room_debt(w->credit, above_low, jiffies_to_msecs(jiffies - w->unpaid_since));
	forgiven = w->credit - owed;
	if (forgiven) {
		w->credit = owed;
		w->unpaid_since = jiffies;
	}
	/* What is asked counts as owed while it is made: lanes never owe more together. */
	ask = w->credit + w->asked < max ? min(want - room - usable,
					       max - w->credit - w->asked) : 0;
	w->asked += ask;
	spin_unlock(&w->lock);
	kp_stat_add(KP_STAT_room_forgiven, forgiven);
	if (!ask) {
		kp_stat_inc(KP_STAT_room_owed_full);
		/*
		 * At the bound with the room below the low watermark: what was
		 * demoted sits under it, and promotions do not allocate until
		 * it is usable, so no allocation wakes kswapd. Where kswapd can
		 * demote (the bound has no low watermark in it) it is woken,
		 * as any allocation there would: it lifts the node to its high
		 * watermark. (7.2 once waited 100 s so, at 1836 of 2048 hot
		 * pages, with 1024 owed: THP's min_free_kbytes puts the low
		 * watermark of a 1 GiB node near 10k pages.)
		 */
		if (kp_node_is_slow(kp_compat_demotion_target(w->nid)) &&
		    kp_compat_node_room(w->nid, true) < (long)want) {
			kp_compat_wake_kswapd(w->nid);
			kp_stat_inc(KP_STAT_room_kswapd_woken);
		}
		return room + usable;
	}
	got = kp_room_make(w->nid, ask, READ_ONCE(w->nr_pending));
	spin_lock(&w->lock);
	w->asked -= ask;
	if (!w->credit && got)
		w->unpaid_since = jiffies;
	w->credit += got;
	spin_unlock(&w->lock);
	return room + kp_exchange_room(w);
}

static void kp_credit_use(struct kp_node_worker *w, unsigned long used, unsigned long room_free)
{
	if (used <= room_free)
		return;
	spin_lock(&w->lock);
	if (w->credit) {
		w->credit -= min(w->credit, used - room_free);
		w->unpaid_since = jiffies;
	}
	spin_unlock(&w->lock);
}

/* The n folios of l->pfn taken again, those still there first; how many. */
static u32 kp_regrab(struct kp_lane *l, u32 n)
{
	u32 i, nf = 0;

	for (i = 0; i < n; i++) {
		struct folio *folio = kp_grab(l->pfn[i] & KP_PFN_MAX);

		if (!folio)
			continue;
		l->pfn[nf] = l->pfn[i];
		l->folio[nf++] = folio;
	}
	return nf;
}

/*
 * A lane starts or stops work on a batch (a wait for room is a stop). Both
 * clocks read the same instants: promote_ns adds up each lane's time, one
 * worker's rate; promote_busy_ns the time the node had at least one lane
 * at work, its promotion rate, lanes side by side counted once. So the
 * second never exceeds the first.
 */
static void kp_lane_busy(struct kp_lane *l, bool on)
{
	struct kp_node_worker *w = l->w;
	u64 now = ktime_get_ns();

	spin_lock(&w->lock);
	if (on) {
		l->since = now;
		if (!w->busy++)
			w->busy_since = now;
	} else {
		kp_stat_add(KP_STAT_promote_ns, now - l->since);
		if (!--w->busy)
			kp_stat_add(KP_STAT_promote_busy_ns, now - w->busy_since);
	}
	spin_unlock(&w->lock);
}

/*
 * One batch: grab the folios, fit them in the room (making room if it
 * must), take the tokens for all of them at once, isolate, migrate.
 * Returns false when the lane should stop: the rest waits (rate limit or
 * room being made) in the queue.
 */
static bool kp_lane_batch(struct kp_lane *l, u32 n)
{
	struct kp_node_worker *w = l->w;
	unsigned long want = 0, fit, room_free, listed = 0, used = 0;
	unsigned int retried, moved;
	struct kp_moved mv;
	u64 bytes = 0, granted;
	int from;
	u32 i, nf = 0, defer_from, back = 0;
	bool go_on = true, wait_room;
	LIST_HEAD(list);

	for (i = 0; i < n; i++) {
		u64 pfn = l->pfn[i] & KP_PFN_MAX;
		enum kp_demoted demoted;
		struct folio *folio;
		u32 ago_ms = 0;

		demoted = kp_room_demoted(pfn, (u32)(l->pfn[i] >> KP_QUEUED_SHIFT), &ago_ms);
		if (demoted == KP_DEMOTED_SINCE) {
			kp_stat_inc(KP_STAT_skipped_stale);
			continue;
		}
		if (demoted == KP_DEMOTED_BEFORE)
			kp_stat_inc(KP_STAT_repromoted);
		folio = kp_grab(pfn);
		if (!folio)
			continue;
		if (demoted == KP_DEMOTED_BEFORE)
			trace_repromote(pfn, folio->index, folio_nr_pages(folio), folio_test_anon(folio),
					ago_ms);
		l->pfn[nf] = l->pfn[i];
		l->folio[nf++] = folio;
		want += folio_nr_pages(folio);
	}
	if (!nf)
		return true;
	room_free = kp_node_room(w->nid);
	if (room_free < want) {
		/*
		 * Making room sleeps (the recheck, a quarter second and more):
		 * the application's folios are not pinned by us meanwhile,
		 * they are taken again after it.
		 */
		for (i = 0; i < nf; i++)
			folio_put(l->folio[i]);
		/* The wait for room is not the workers' time. */
		kp_lane_busy(l, false);
		fit = kp_batch_room(w, want);
		kp_lane_busy(l, true);
		nf = kp_regrab(l, nf);
	} else {
		fit = room_free;
	}
	/* The prefix that fits, then the prefix of that the rate limit grants. */
	for (i = 0; i < nf; i++) {
		unsigned long nr = folio_nr_pages(l->folio[i]);

		if (used + nr > fit)
			break;
		used += nr;
		bytes += (u64)nr << PAGE_SHIFT;
	}
	defer_from = i;
	wait_room = defer_from < nf && !kp_room_unavailable(w->nid);
	if (defer_from < nf) {
		/* With room being made they wait for it; without, they are dropped. */
		kp_stat_add(wait_room ? KP_STAT_waiting_for_room : KP_STAT_skipped_no_room,
			    nf - defer_from);
		if (wait_room)
			WRITE_ONCE(w->room_retry, jiffies + msecs_to_jiffies(KP_ROOM_RETRY_MS));
		go_on = false;
	}
	granted = kp_rate_take(bytes);
	for (i = 0; i < defer_from; i++) {
		struct folio *folio = l->folio[i];
		u64 b = (u64)folio_nr_pages(folio) << PAGE_SHIFT;

		if (b > granted) {
			kp_stat_add(KP_STAT_skipped_rate_limit, defer_from - i);
			go_on = false;
			break;
		}
		if (!kp_compat_isolate_lru(folio)) {
			kp_stat_inc(KP_STAT_failed_isolate);
			folio_put(folio);
			continue;
		}
		granted -= b;
		/*
		 * Confirmed in use at every look: active, which migration
		 * carries over, so the fast node's LRU takes it in among its
		 * youngest pages. Inactive, MGLRU puts a migrated anon page
		 * in its second-oldest generation, and on a full node kswapd
		 * demoted it again at once (6.1: 2880 promoted, 0 of the
		 * 2048 hot pages left on node 0).
		 */
		if (!folio_test_unevictable(folio))
			folio_set_active(folio);
		/* The isolation holds its own reference now. */
		folio_put(folio);
		list_add_tail(&folio->lru, &list);
		listed += folio_nr_pages(folio);
	}
	kp_rate_refund(granted);
	/* What did not go waits in the queue (the rate limit, room being made), or is dropped. */
	for (; i < nf; i++) {
		folio_put(l->folio[i]);
		if (i < defer_from || wait_room)
			l->pfn[back++] = l->pfn[i];
	}
	kp_requeue(w, l->pfn, back);
	if (!listed)
		return go_on;
	from = folio_nid(list_first_entry(&list, struct folio, lru));
	mv = (struct kp_moved){ .max = KP_BATCH_MAX, .pfn = l->moved, .src = l->moved_src };
	moved = kp_compat_migrate(&list, w->nid, &mv, &retried);
	kp_room_promoted(l->moved, mv.nr);
	kp_owners_promoted(l->moved, l->moved_src, mv.nr);
	kp_credit_use(w, moved, room_free);
	kp_stat_add(KP_STAT_promoted_pages, moved);
	kp_stat_add(KP_STAT_promoted_bytes, (u64)moved << PAGE_SHIFT);
	kp_stat_add(KP_STAT_migrate_retried, retried);
	if (listed > moved) {
		kp_stat_add(KP_STAT_failed_migrate, listed - moved);
		/* The limit is on what moves: a page that stayed gives its tokens back. */
		kp_rate_refund((u64)(listed - moved) << PAGE_SHIFT);
	}
	kp_stat_inc(KP_STAT_promote_batches);
	trace_promote_batch(from, w->nid, listed, moved);
	return go_on;
}

/*
 * How many queued pages a lane takes now: a batch, or as many as the rate
 * limit lets through if fewer. Below a chunk's worth of tokens it takes
 * none and the pages wait in the queue (deferred, counted once per run),
 * until the sweep's kick (every 250 ms) or the next dispatch finds the
 * tokens there: a lane kicked at every confirmation round would otherwise
 * take and check a whole batch to move the two or three pages 20 ms of
 * allowance buys, and give the rest back.
 */
#define KP_RATE_CHUNK_PAGES 64

static u32 kp_lane_quota(struct kp_node_worker *w)
{
	u32 max = clamp_t(u32, kp_cfg.batch_pages, 1, KP_BATCH_MAX), pending;
	u64 chunk = min_t(u64, (u64)KP_RATE_CHUNK_PAGES << PAGE_SHIFT, kp_rate_cap());
	u64 avail = kp_rate_available();

	pending = READ_ONCE(w->nr_pending);
	if (!pending)
		return 0;
	if (avail < chunk && avail < ((u64)pending << PAGE_SHIFT)) {
		kp_stat_add(KP_STAT_skipped_rate_limit, pending);
		return 0;
	}
	/* A huge page at the head takes its whole size at once: the grant defers it until then. */
	return (u32)min_t(u64, max, max_t(u64, avail >> PAGE_SHIFT, 1));
}

static void kp_lane_work(struct work_struct *work)
{
	struct kp_lane *l = container_of(work, struct kp_lane, work);
	struct kp_node_worker *w = l->w;
	bool more, go_on;
	u32 n;

	/* Waiting for room that is not there yet: the queue is not gone through again at once. */
	if (time_before(jiffies, READ_ONCE(w->room_retry)))
		return;
	while (!READ_ONCE(kp_stopping)) {
		n = kp_lane_quota(w);
		if (!n)
			break;
		n = kp_take_batch(w, l->pfn, n, &more);
		if (!n)
			break;
		/* More waiting than this batch: the next lane starts on it meanwhile. */
		if (more && w->nr_lanes > 1)
			queue_work_node(w->nid, kp_wq, &w->lane[(l->idx + 1) % w->nr_lanes].work);
		kp_lane_busy(l, true);
		go_on = kp_lane_batch(l, n);
		kp_lane_busy(l, false);
		if (!go_on)
			break;
		cond_resched();
	}
}

int kp_workers_init(void)
{
	int nid, i;

	int err;

	kp_stopping = false;
	kp_rate = (struct kp_bucket){ .tokens = 0, .last_ns = ktime_get_ns() };
	err = kp_room_init();
	if (err)
		return err;
	kp_wq = alloc_workqueue("kpromoted", WQ_UNBOUND | WQ_FREEZABLE, 0);
	if (!kp_wq) {
		kp_room_exit();
		return -ENOMEM;
	}
	for (nid = 0; nid < KP_MAX_NODES; nid++) {
		struct kp_node_worker *w;

		if (!(kp_tiers.fast & (1ull << nid)))
			continue;
		w = kvzalloc(sizeof(*w), GFP_KERNEL);
		if (!w)
			goto nomem;
		w->nid = nid;
		w->nr_lanes = clamp_t(u32, num_online_cpus(), 1, KP_LANES_MAX);
		spin_lock_init(&w->lock);
		for (i = 0; i < KP_LANES_MAX; i++) {
			w->lane[i].w = w;
			w->lane[i].idx = i;
			INIT_WORK(&w->lane[i].work, kp_lane_work);
		}
		kp_workers[nid] = w;
	}
	return 0;
nomem:
	kp_workers_exit();
	return -ENOMEM;
}

/* After everything that hands pages out has stopped: no page stays isolated. */
void kp_workers_exit(void)
{
	int nid, i;

	WRITE_ONCE(kp_stopping, true);
	for (nid = 0; nid < KP_MAX_NODES; nid++) {
		if (!kp_workers[nid])
			continue;
		for (i = 0; i < KP_LANES_MAX; i++)
			cancel_work_sync(&kp_workers[nid]->lane[i].work);
		kvfree(kp_workers[nid]);
		kp_workers[nid] = NULL;
	}
	if (kp_wq)
		destroy_workqueue(kp_wq);
	kp_wq = NULL;
	kp_room_exit();
}

void kp_workers_show(struct seq_file *m)
{
	unsigned long n = 0;
	int nid;

	for (nid = 0; nid < KP_MAX_NODES; nid++)
		n += kp_workers[nid] ? sizeof(struct kp_node_worker) : 0;
	seq_printf(m, "workers_bytes %lu\n", n);
	seq_printf(m, "room_bytes %llu\n", kp_room_bytes());
	seq_printf(m, "room_idle_ms %u\n", kp_room_idle_ms());
	for (nid = 0; nid < KP_MAX_NODES; nid++) {
		struct kp_node_worker *w = kp_workers[nid];

		if (!w)
			continue;
		seq_printf(m, "node%d_workers %u\n", nid, w->nr_lanes);
		seq_printf(m, "node%d_pending %u\n", nid, READ_ONCE(w->nr_pending));
		seq_printf(m, "node%d_room_owed %lu\n", nid, READ_ONCE(w->credit));
		seq_printf(m, "node%d_room_owed_max %lu\n", nid, kp_owed_max(nid));
	}
}
