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
#include "kpromoted/classify.h"
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
	unsigned long room;		/* pages it may still receive this round */
	bool kick;			/* got pages this round */
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
#define KP_HOT_THRESHOLD_MAX (KP_HEAT_MAX / KP_HEAT_UNIT)
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
	u64 budget, room = 0;
	int nid;

	kp_adapt_bytes += cand_bytes;
	if (++kp_adapt_sweeps < 8)
		return;
	/* What these sweeps could promote: the rate limit, and the room there is. */
	budget = div64_u64(kp_rate_bytes_per_s() * jiffies_to_msecs(kp_sweep_jiffies) *
			   kp_adapt_sweeps, MSEC_PER_SEC);
	for (nid = 0; nid < KP_MAX_NODES; nid++)
		if (kp_workers[nid])
			room += (u64)kp_node_budget(nid) << PAGE_SHIFT;
	budget = min(budget, room);
	kp_thr_eff = kp_threshold_next(kp_thr_eff, kp_cfg.hot_threshold, KP_HOT_THRESHOLD_MAX,
				       kp_adapt_bytes, budget);
	WRITE_ONCE(kp_tbl.nominate_heat, kp_thr_eff * KP_HEAT_UNIT);
	kp_adapt_bytes = 0;
	kp_adapt_sweeps = 0;
}

/*
 * Dispatch: the confirmation stage hands each confirmed page to the worker
 * of the fast node that should receive it, between kp_dispatch_begin()
 * (each node's room, once per round) and kp_dispatch_end() (the workers
 * that got pages start at once: no sweep to wait for).
 */
static atomic64_t kp_round_bytes;	/* confirmed since the last sweep */

void kp_dispatch_begin(void)
{
	int nid;

	for (nid = 0; nid < KP_MAX_NODES; nid++) {
		struct kp_node_worker *w = kp_workers[nid];
		unsigned long room;

		if (!w)
			continue;
		room = kp_node_budget(nid);
		w->room = room > READ_ONCE(w->nr_pending) ? room - READ_ONCE(w->nr_pending) : 0;
		w->kick = false;
	}
}

/* A confirmed page reached a decision: it counts once, for the threshold too. */
static enum kp_dispatch_result kp_candidate(enum kp_dispatch_result res)
{
	atomic64_add(PAGE_SIZE, &kp_round_bytes);
	kp_stat_inc(KP_STAT_candidates);
	return res;
}

enum kp_dispatch_result kp_dispatch(u64 pfn, int anid)
{
	int page_nid = kp_pfn_nid(pfn);
	struct kp_node_worker *w;
	bool queued = false;

	if (!kp_node_is_slow(page_nid))
		return KP_DISPATCH_DONE;	/* moved or freed since */
	if (kp_cfg.mode != KP_MODE_PROMOTE)
		return kp_candidate(KP_DISPATCH_DONE);	/* observe: counted, never moved */
	w = kp_pick_target(page_nid, anid, 1);
	if (!w) {
		kp_stat_inc(KP_STAT_skipped_no_room);
		return kp_candidate(KP_DISPATCH_DONE);
	}
	spin_lock(&w->lock);
	if (w->nr_pending < KP_PENDING_MAX) {
		w->pending[w->nr_pending++] = pfn;
		queued = true;
	}
	spin_unlock(&w->lock);
	if (!queued) {
		/* It waits in its trial, confirmed, for the next round. */
		kp_stat_inc(KP_STAT_skipped_queue_full);
		return KP_DISPATCH_QUEUE_FULL;
	}
	w->room--;
	w->kick = true;
	return kp_candidate(KP_DISPATCH_QUEUED);
}

void kp_dispatch_end(void)
{
	int nid;

	for (nid = 0; nid < KP_MAX_NODES; nid++) {
		struct kp_node_worker *w = kp_workers[nid];

		if (w && w->kick && !READ_ONCE(kp_stopping))
			queue_work_node(nid, kp_wq, &w->work);
	}
}

/*
 * The sweep: a slice of the table per run, so every entry is visited
 * within KP_SWEEP_PASS_MS, and expired entries leave long before their
 * timestamps could wrap; region heat decays once per half-life; the
 * thresholds adapt.
 */
#define KP_SWEEP_MS 250
#define KP_SWEEP_PASS_MS 8000
#define KP_SWEEP_RESCHED 16384
static u32 kp_sweep_cursor;
static u32 kp_table_live;

static void kp_sweep(struct work_struct *work)
{
	u32 now = kp_now_ticks(), nr_slots = kp_tbl.nr_buckets * KP_TBL_WAYS;
	u32 chunk = DIV_ROUND_UP(nr_slots, KP_SWEEP_PASS_MS / KP_SWEEP_MS), done, live = 0;
	/* Gone after eight half-lives without evidence: heat 63 is 0 by then. */
	u32 stale = 8 * kp_tbl.half_life;
	int nid;

	for (done = 0; done < chunk; done += KP_SWEEP_RESCHED) {
		live += kp_table_expire(&kp_tbl, &kp_sweep_cursor,
					min_t(u32, KP_SWEEP_RESCHED, chunk - done), now, stale);
		cond_resched();
	}
	/* An estimate of the whole table from the slice. */
	WRITE_ONCE(kp_table_live, (u32)div_u64((u64)live * nr_slots, max(chunk, 1u)));
	kp_adapt_threshold(atomic64_xchg(&kp_round_bytes, 0));
	kp_adapt_admission();
	if (time_after_eq(jiffies, kp_decay_next)) {
		WRITE_ONCE(kp_regions_warm, kp_regions_decay(&kp_regions));
		kp_decay_next = jiffies + msecs_to_jiffies(kp_cfg.window_ms);
	}
	/* Workers holding pages the rate limit deferred try again. */
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
	kp_table_live = 0;
	atomic64_set(&kp_round_bytes, 0);
	kp_thr_eff = kp_cfg.hot_threshold;
	kp_lat_eff = kp_cfg.hint_latency_ms;
	kp_adm_records = 0;
	kp_adm_dropped = 0;
	kp_adapt_bytes = 0;
	kp_adapt_sweeps = 0;
	kp_rate_tokens = 0;
	kp_rate_last_ns = ktime_get_ns();
	kp_sweep_jiffies = max(1UL, msecs_to_jiffies(KP_SWEEP_MS));
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
	u32 nr_slots = kp_tbl.nr_buckets * KP_TBL_WAYS;

	seq_printf(m, "table_bytes %llu\n", kp_table_bytes());
	seq_printf(m, "workers_bytes %lu\n", kp_workers_bytes());
	seq_printf(m, "region_bytes %llu\n", kp_region_bytes());
	seq_printf(m, "regions_warm %llu\n", READ_ONCE(kp_regions_warm));
	seq_printf(m, "table_entries %u\n", nr_slots);
	seq_printf(m, "table_used %u\n", READ_ONCE(kp_table_live));
	seq_printf(m, "hot_threshold_effective %u\n", READ_ONCE(kp_thr_eff));
	seq_printf(m, "hint_latency_effective_ms %u\n", READ_ONCE(kp_lat_eff));
	seq_printf(m, "sweep_interval_ms %u\n", jiffies_to_msecs(kp_sweep_jiffies));
	seq_printf(m, "mglru_interval_ms %u\n", kp_mglru_interval_ms());
}
