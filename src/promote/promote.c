// SPDX-License-Identifier: GPL-2.0
/*
 * Promotion: a periodic sweep classifies the table's entries, hands hot
 * pages to the worker of the fast node that should receive them, and each
 * node's worker isolates and migrates them in batches, within the rate
 * limit and the target's free space. Nothing here runs in the
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
#include <linux/topology.h>
#include <linux/workqueue.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/compat.h"
#include "kpromoted/promote.h"
#include "kpromoted/stats.h"
#include "kpromoted/trace.h"

/*
 * Candidates one node's worker holds between two sweeps: 8 MiB of base
 * pages (more with huge pages) per sweep, 32 KiB of memory per fast node.
 */
#define KP_PENDING_MAX 2048

struct kp_node_worker {
	int nid;
	struct work_struct work;
	spinlock_t lock;		/* pending, nr_pending */
	u32 nr_pending;
	unsigned long room;		/* pages it may still receive, per sweep */
	u64 pending[KP_PENDING_MAX];
	u64 batch[KP_PENDING_MAX];	/* worker-private copy */
};

static struct workqueue_struct *kp_wq;
static struct delayed_work kp_sweep_work;
static struct kp_node_worker *kp_workers[KP_MAX_NODES];
static unsigned long kp_sweep_jiffies;
static bool kp_stopping;
/* Region heat decays once per window; the count still warm after it. */
static unsigned long kp_decay_next;
static u64 kp_regions_warm;

/* Adaptive hot threshold: aims the candidate rate at the promotion rate. */
static u32 kp_thr_eff;
static u64 kp_adapt_bytes;
static u32 kp_adapt_sweeps;

/*
 * Admission under table pressure: when records are being dropped (more
 * pages sighted than the table holds), hint faults must come ever sooner
 * after their scan to count, so the table fills with the pages in use
 * right when they were scanned, the hottest; with no drops the bound
 * relaxes back to hint_latency_ms.
 */
static u32 kp_lat_eff;
static u64 kp_adm_records, kp_adm_dropped;

u32 kp_hint_latency_limit(void)
{
	return READ_ONCE(kp_lat_eff);
}

static void kp_adapt_admission(void)
{
	u64 records = kp_stat_read(KP_STAT_records), dropped = kp_stat_read(KP_STAT_records_dropped);
	u64 dr = records - kp_adm_records, dd = dropped - kp_adm_dropped;
	u32 lat = kp_lat_eff;

	kp_adm_records = records;
	kp_adm_dropped = dropped;
	if (dd * 100 > dr)
		lat = max(1u, lat - lat / 4);
	else if (!dd)
		lat = min(kp_cfg.hint_latency_ms, lat + lat / 16 + 1);
	WRITE_ONCE(kp_lat_eff, lat);
}

/* Token bucket in bytes, shared by all workers. */
static DEFINE_SPINLOCK(kp_rate_lock);
static s64 kp_rate_tokens;
static u64 kp_rate_last_ns;

static u64 kp_rate_bytes_per_s(void)
{
	return (u64)kp_cfg.rate_limit_mbps << 20;
}

static bool kp_rate_take(u64 bytes)
{
	u64 now = ktime_get_ns(), rate = kp_rate_bytes_per_s();
	/*
	 * Workers run once per sweep, later when the machine is busy: the
	 * bucket holds four sweeps' worth so a late run does not lose the
	 * time between, and never less than a huge page.
	 */
	s64 cap = max_t(s64, div64_u64(rate * 4 * jiffies_to_msecs(kp_sweep_jiffies), MSEC_PER_SEC),
			(s64)HPAGE_PMD_SIZE);
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

/* The fast node that should receive a page: nearest to whoever accessed it. */
static struct kp_node_worker *kp_pick_target(int page_nid, int anid, unsigned long nr)
{
	int from = anid >= 0 ? anid : page_nid, nid, best_dist = INT_MAX;
	struct kp_node_worker *best = NULL;

	for (nid = 0; nid < KP_MAX_NODES; nid++) {
		struct kp_node_worker *w = kp_workers[nid];
		int d;

		if (!w || w->room < nr)
			continue;
		d = node_distance(from, nid);
		if (d < best_dist) {
			best_dist = d;
			best = w;
		}
	}
	return best;
}

/* Pages the sweep may hand to a node: room above watermarks and the reserve. */
static unsigned long kp_node_budget(int nid)
{
	unsigned long room = kp_compat_node_room(nid);
	unsigned long keep = node_present_pages(nid) * kp_cfg.min_free_pct / 100;

	return room > keep ? room - keep : 0;
}

/* Node of a pfn, or NUMA_NO_NODE when it is not online memory. */
static int kp_pfn_nid(u64 pfn)
{
	struct page *page = pfn_to_online_page(pfn);

	return page ? page_to_nid(page) : NUMA_NO_NODE;
}

static void kp_adapt_threshold(u64 cand_bytes)
{
	u64 budget;

	kp_adapt_bytes += cand_bytes;
	if (++kp_adapt_sweeps < 8)
		return;
	/* Budget of these sweeps at the configured rate. */
	budget = div64_u64(kp_rate_bytes_per_s() * jiffies_to_msecs(kp_sweep_jiffies) *
			   kp_adapt_sweeps, MSEC_PER_SEC);
	if (kp_adapt_bytes > budget + budget / 2 && kp_thr_eff < KP_COUNT_MAX)
		kp_thr_eff++;
	else if (kp_adapt_bytes < budget / 2 && kp_thr_eff > kp_cfg.hot_threshold)
		kp_thr_eff--;
	kp_adapt_bytes = 0;
	kp_adapt_sweeps = 0;
}

/*
 * Hands one hot entry to a worker. The entry leaves the table only once a
 * worker has taken it; with no room on any fast node it is dropped (the
 * page must prove itself again), with a full queue it waits in the table.
 */
static void kp_dispatch(u32 slot, u64 v, const struct kp_entry *e, int page_nid)
{
	struct kp_node_worker *w = kp_pick_target(page_nid, e->anid, 1);

	if (!w) {
		if (kp_table_take(&kp_tbl, slot, v))
			kp_stat_inc(KP_STAT_skipped_no_room);
		return;
	}
	spin_lock(&w->lock);
	if (w->nr_pending < KP_PENDING_MAX && kp_table_take(&kp_tbl, slot, v)) {
		w->pending[w->nr_pending++] = e->pfn;
		w->room--;
		kp_stat_inc(KP_STAT_candidates);
	}
	spin_unlock(&w->lock);
}

/*
 * Each sweep visits a quarter of the table (at least 64 Ki entries), so a
 * full pass takes one window whatever the slow tier's size, and a sweep of
 * a terabyte's table stays in the milliseconds.
 */
static u32 kp_sweep_cursor;

/*
 * Hottest first: candidates of the last sweep by sighting count. When
 * they outnumber the free places in the workers' queues, this sweep hands
 * over only the most-sighted ones; the rest wait in the table for the
 * next sweep (a priority, not a gate: with room, every candidate goes).
 */
static u32 kp_cand_hist[KP_COUNT_MAX + 1];
static u32 kp_level_last;

static u32 kp_sweep_level(void)
{
	u32 room = 0;
	int nid;

	for (nid = 0; nid < KP_MAX_NODES; nid++)
		if (kp_workers[nid])
			room += KP_PENDING_MAX - READ_ONCE(kp_workers[nid]->nr_pending);
	return kp_dispatch_level(kp_cand_hist, kp_thr_eff, room);
}

static void kp_sweep(struct work_struct *work)
{
	u32 now = kp_now_ticks(), nr_slots = kp_tbl.nr_buckets * KP_TBL_WAYS;
	/*
	 * Stale after two windows, and always early enough that the next
	 * visit (one window_ms later) comes before the timestamp wraps.
	 */
	u32 stale = min_t(u32, 2 * READ_ONCE(kp_tbl.max_window_ticks),
			  KP_TS_MASK - 64 - (kp_cfg.window_ms >> KP_TICK_SHIFT_MS));
	u32 chunk = min(nr_slots, max(nr_slots / 4, 65536u)), n, slot;
	u32 level = kp_cfg.mode == KP_MODE_PROMOTE ? kp_sweep_level() : kp_thr_eff;
	u64 cand_bytes = 0;
	int nid;

	WRITE_ONCE(kp_level_last, level);
	memset(kp_cand_hist, 0, sizeof(kp_cand_hist));

	for (nid = 0; nid < KP_MAX_NODES; nid++)
		if (kp_workers[nid])
			kp_workers[nid]->room = kp_node_budget(nid);

	for (n = 0; n < chunk; n++) {
		u64 v;
		struct kp_entry e;

		slot = kp_sweep_cursor;
		kp_sweep_cursor = slot + 1 < nr_slots ? slot + 1 : 0;
		v = READ_ONCE(kp_tbl.slots[slot]);
		if (!v)
			continue;
		kp_entry_unpack(v, &e);
		if (kp_ticks_since(now, e.ts) > stale) {
			kp_table_take(&kp_tbl, slot, v);
			continue;
		}
		if (e.count < kp_thr_eff)
			continue;
		nid = kp_pfn_nid(e.pfn);
		if (!kp_node_is_slow(nid)) {
			/* Moved or freed since it was recorded. */
			kp_table_take(&kp_tbl, slot, v);
			continue;
		}
		cand_bytes += PAGE_SIZE;
		kp_cand_hist[e.count]++;
		if (kp_cfg.mode == KP_MODE_PROMOTE) {
			if (e.count >= level)
				kp_dispatch(slot, v, &e, nid);
		} else if (kp_table_take(&kp_tbl, slot, v)) {
			/* Observe: count it once, then let it prove itself again. */
			kp_stat_inc(KP_STAT_candidates);
		}
	}
	kp_adapt_threshold(cand_bytes);
	kp_adapt_admission();
	if (time_after_eq(jiffies, kp_decay_next)) {
		WRITE_ONCE(kp_regions_warm, kp_regions_decay(&kp_regions));
		kp_decay_next = jiffies + msecs_to_jiffies(kp_cfg.window_ms);
	}

	for (nid = 0; nid < KP_MAX_NODES; nid++) {
		struct kp_node_worker *w = kp_workers[nid];

		if (w && READ_ONCE(w->nr_pending))
			queue_work_node(nid, kp_wq, &w->work);
	}
	if (!READ_ONCE(kp_stopping))
		queue_delayed_work(kp_wq, &kp_sweep_work, kp_sweep_jiffies);
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
 * Over the rate limit: the rest of the batch waits for the next round
 * instead of being forgotten, so a hot set larger than the limit moves at
 * the limit, not in bursts separated by re-detection.
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
	unsigned long room = kp_node_budget(w->nid), listed = 0;
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

int kp_promote_init(void)
{
	int nid;

	kp_stopping = false;
	kp_decay_next = jiffies;
	kp_sweep_cursor = 0;
	kp_thr_eff = kp_cfg.hot_threshold;
	kp_level_last = kp_thr_eff;
	memset(kp_cand_hist, 0, sizeof(kp_cand_hist));
	kp_lat_eff = kp_cfg.hint_latency_ms;
	kp_adm_records = 0;
	kp_adm_dropped = 0;
	kp_adapt_bytes = 0;
	kp_adapt_sweeps = 0;
	kp_rate_tokens = 0;
	kp_rate_last_ns = ktime_get_ns();
	kp_sweep_jiffies = max(1UL, msecs_to_jiffies(max(kp_cfg.window_ms / 4, 20u)));
	kp_wq = alloc_workqueue("kpromoted", WQ_UNBOUND | WQ_FREEZABLE, 0);
	if (!kp_wq)
		return -ENOMEM;
	/* Before any failure below: kp_promote_exit() cancels it. */
	INIT_DELAYED_WORK(&kp_sweep_work, kp_sweep);
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
	queue_delayed_work(kp_wq, &kp_sweep_work, kp_sweep_jiffies);
	return 0;
nomem:
	kp_promote_exit();
	return -ENOMEM;
}

/* Stops the sweep, then every worker; no page stays isolated. */
void kp_promote_exit(void)
{
	int nid;

	WRITE_ONCE(kp_stopping, true);
	if (kp_wq)
		cancel_delayed_work_sync(&kp_sweep_work);
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

/* Memory of the per-node workers: the fixed part besides the table. */
static unsigned long kp_workers_bytes(void)
{
	unsigned long n = 0;
	int nid;

	for (nid = 0; nid < KP_MAX_NODES; nid++)
		n += kp_workers[nid] ? sizeof(struct kp_node_worker) : 0;
	return n;
}

void kp_promote_show(struct seq_file *m)
{
	u32 slot, used = 0, nr_slots = kp_tbl.nr_buckets * KP_TBL_WAYS;

	for (slot = 0; slot < nr_slots; slot++)
		used += READ_ONCE(kp_tbl.slots[slot]) != 0;
	seq_printf(m, "table_bytes %llu\n", kp_table_bytes());
	seq_printf(m, "workers_bytes %lu\n", kp_workers_bytes());
	seq_printf(m, "region_bytes %llu\n", kp_region_bytes());
	seq_printf(m, "regions_warm %llu\n", READ_ONCE(kp_regions_warm));
	seq_printf(m, "table_entries %u\n", nr_slots);
	seq_printf(m, "table_used %u\n", used);
	seq_printf(m, "hot_threshold_effective %u\n", READ_ONCE(kp_thr_eff));
	seq_printf(m, "hint_latency_effective_ms %u\n", READ_ONCE(kp_lat_eff));
	seq_printf(m, "dispatch_level %u\n", READ_ONCE(kp_level_last));
	seq_printf(m, "sweep_interval_ms %u\n", jiffies_to_msecs(kp_sweep_jiffies));
	seq_printf(m, "mglru_interval_ms %u\n", kp_mglru_interval_ms());
}
