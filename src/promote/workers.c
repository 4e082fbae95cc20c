// SPDX-License-Identifier: GPL-2.0
/*
 * Migration: one worker per fast node isolates the pages it was handed and
 * migrates them in batches, within the rate limit and the node's room.
 * Nothing here runs in the application's context.
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
#include "kpromoted/compat.h"
#include "kpromoted/promote.h"
#include "kpromoted/stats.h"
#include "kpromoted/trace.h"

/* Pages one node's worker holds: 8 MiB of base pages, 32 KiB of memory per fast node. */
#define KP_PENDING_MAX 2048

struct kp_node_worker {
	int nid;
	struct work_struct work;
	spinlock_t lock;		/* pending, nr_pending */
	u32 nr_pending;
	u64 pending[KP_PENDING_MAX];
	u64 batch[KP_PENDING_MAX];	/* worker-private copy */
};

static struct workqueue_struct *kp_wq;
static struct kp_node_worker *kp_workers[KP_MAX_NODES];
static bool kp_stopping;

/* Token bucket in bytes, shared by all workers. */
static DEFINE_SPINLOCK(kp_rate_lock);
static s64 kp_rate_tokens;
static u64 kp_rate_last_ns;

u64 kp_rate_bytes_per_s(void)
{
	return (u64)kp_cfg.rate_limit_mbps << 20;
}

static bool kp_rate_take(u64 bytes)
{
	u64 now = ktime_get_ns(), rate = kp_rate_bytes_per_s();
	/*
	 * A worker runs when it is handed pages, later when the machine is
	 * busy: the bucket holds a second's worth so a late run does not lose
	 * the time between, and never less than a huge page.
	 */
	s64 cap = max_t(s64, rate, (s64)HPAGE_PMD_SIZE);
	bool ok;

	spin_lock(&kp_rate_lock);
	kp_rate_tokens += (s64)div64_u64((now - kp_rate_last_ns) * rate, NSEC_PER_SEC);
	kp_rate_last_ns = now;
	if (kp_rate_tokens > cap)
		kp_rate_tokens = cap;
	ok = kp_rate_tokens >= (s64)bytes;
	if (ok)
		kp_rate_tokens -= bytes;
	spin_unlock(&kp_rate_lock);
	return ok;
}

/* Gives back what a page that then failed to isolate had taken. */
static void kp_rate_refund(u64 bytes)
{
	spin_lock(&kp_rate_lock);
	kp_rate_tokens += bytes;
	spin_unlock(&kp_rate_lock);
}

bool kp_worker_exists(int nid)
{
	return nid >= 0 && nid < KP_MAX_NODES && kp_workers[nid];
}

unsigned long kp_node_room(int nid)
{
	unsigned long room = kp_compat_node_room(nid);
	unsigned long keep = node_present_pages(nid) * kp_cfg.min_free_pct / 100;

	return room > keep ? room - keep : 0;
}

u32 kp_worker_pending(int nid)
{
	return kp_worker_exists(nid) ? READ_ONCE(kp_workers[nid]->nr_pending) : 0;
}

bool kp_worker_queue(int nid, u64 pfn)
{
	struct kp_node_worker *w = kp_workers[nid];
	bool queued = false;

	spin_lock(&w->lock);
	if (w->nr_pending < KP_PENDING_MAX) {
		w->pending[w->nr_pending++] = pfn;
		queued = true;
	}
	spin_unlock(&w->lock);
	return queued;
}

void kp_worker_kick(int nid)
{
	if (kp_worker_exists(nid) && !READ_ONCE(kp_stopping))
		queue_work_node(nid, kp_wq, &kp_workers[nid]->work);
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

static void kp_migrate_batch(struct list_head *list, unsigned long *listed, int nid)
{
	int from = list_empty(list) ? NUMA_NO_NODE : folio_nid(list_first_entry(list, struct folio, lru));
	unsigned int moved;

	if (!*listed)
		return;
	moved = kp_compat_migrate_to_node(list, nid);
	kp_stat_add(KP_STAT_promoted_pages, moved);
	kp_stat_add(KP_STAT_promoted_bytes, (u64)moved << PAGE_SHIFT);
	if (*listed > moved)
		kp_stat_add(KP_STAT_failed_migrate, *listed - moved);
	kp_stat_inc(KP_STAT_promote_batches);
	trace_promote_batch(from, nid, *listed, moved);
	*listed = 0;
}

/*
 * Over the rate limit: the rest of the batch waits for the next run (the
 * sweep kicks workers that hold pages) instead of being forgotten, so a
 * hot set larger than the limit moves at the limit, not in bursts
 * separated by re-detection.
 */
static void kp_defer(struct kp_node_worker *w, const u64 *pfns, u32 n)
{
	u32 take;

	spin_lock(&w->lock);
	take = min(n, KP_PENDING_MAX - w->nr_pending);
	memcpy(w->pending + w->nr_pending, pfns, take * sizeof(u64));
	w->nr_pending += take;
	spin_unlock(&w->lock);
	kp_stat_add(KP_STAT_skipped_rate_limit, n);
}

static void kp_node_work(struct work_struct *work)
{
	struct kp_node_worker *w = container_of(work, struct kp_node_worker, work);
	unsigned long room = kp_node_room(w->nid), listed = 0;
	LIST_HEAD(list);
	u32 i, n;

	spin_lock(&w->lock);
	n = w->nr_pending;
	memcpy(w->batch, w->pending, n * sizeof(u64));
	w->nr_pending = 0;
	spin_unlock(&w->lock);

	for (i = 0; i < n && !READ_ONCE(kp_stopping); i++) {
		struct folio *folio = kp_grab(w->batch[i]);
		unsigned long nr;

		if (!folio)
			continue;
		nr = folio_nr_pages(folio);
		if (room < nr + listed) {
			kp_stat_inc(KP_STAT_skipped_no_room);
			folio_put(folio);
			continue;
		}
		if (!kp_rate_take((u64)nr << PAGE_SHIFT)) {
			folio_put(folio);
			kp_defer(w, w->batch + i, n - i);
			break;
		}
		if (!kp_compat_isolate_lru(folio)) {
			kp_stat_inc(KP_STAT_failed_isolate);
			kp_rate_refund((u64)nr << PAGE_SHIFT);
			folio_put(folio);
			continue;
		}
		/* The isolation holds its own reference now. */
		folio_put(folio);
		list_add_tail(&folio->lru, &list);
		listed += nr;
		if (listed >= kp_cfg.batch_pages) {
			room -= min(room, listed);
			kp_migrate_batch(&list, &listed, w->nid);
		}
	}
	kp_migrate_batch(&list, &listed, w->nid);
}

int kp_workers_init(void)
{
	int nid;

	kp_stopping = false;
	kp_rate_tokens = 0;
	kp_rate_last_ns = ktime_get_ns();
	kp_wq = alloc_workqueue("kpromoted", WQ_UNBOUND | WQ_FREEZABLE, 0);
	if (!kp_wq)
		return -ENOMEM;
	for (nid = 0; nid < KP_MAX_NODES; nid++) {
		struct kp_node_worker *w;

		if (!(kp_tiers.fast & (1ull << nid)))
			continue;
		w = kvzalloc(sizeof(*w), GFP_KERNEL);
		if (!w)
			goto nomem;
		w->nid = nid;
		spin_lock_init(&w->lock);
		INIT_WORK(&w->work, kp_node_work);
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
	int nid;

	WRITE_ONCE(kp_stopping, true);
	for (nid = 0; nid < KP_MAX_NODES; nid++) {
		if (!kp_workers[nid])
			continue;
		cancel_work_sync(&kp_workers[nid]->work);
		kvfree(kp_workers[nid]);
		kp_workers[nid] = NULL;
	}
	if (kp_wq)
		destroy_workqueue(kp_wq);
	kp_wq = NULL;
}

void kp_workers_show(struct seq_file *m)
{
	unsigned long n = 0;
	int nid;

	for (nid = 0; nid < KP_MAX_NODES; nid++)
		n += kp_workers[nid] ? sizeof(struct kp_node_worker) : 0;
	seq_printf(m, "workers_bytes %lu\n", n);
}
