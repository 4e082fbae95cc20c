// SPDX-License-Identifier: GPL-2.0
/*
 * Memory-management calls that differ between releases or are not
 * exported. Every resolved symbol is called here and only here, through
 * its IBT-safe stub.
 */
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/memory_hotplug.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/version.h>
#include <linux/vmstat.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/compat.h"
#include "kpromoted/ksyms.h"
#include "kabi.h"

/* 6.3 moved the migration callbacks from pages to folios (kabi.h). */
#if !KP_MIGRATE_FOLIO_CB
typedef new_page_t kp_new_cb_t;
typedef free_page_t kp_free_cb_t;
#else
typedef new_folio_t kp_new_cb_t;
typedef free_folio_t kp_free_cb_t;
#endif

/* 6.4 turned folio_isolate_lru's 0-on-success int into a bool (kabi.h). */
#if !KP_ISOLATE_LRU_BOOL
int kp_call_folio_isolate_lru(struct folio *folio);
#define KP_ISOLATED(ret) ((ret) == 0)
#else
bool kp_call_folio_isolate_lru(struct folio *folio);
#define KP_ISOLATED(ret) (ret)
#endif

bool kp_call_node_is_toptier(int node);
int kp_call_migrate_pages(struct list_head *from, kp_new_cb_t *get_new,
			  kp_free_cb_t *put_new, unsigned long private,
			  enum migrate_mode mode, int reason,
			  unsigned int *ret_succeeded);
void kp_call_putback_movable_pages(struct list_head *l);

bool kp_compat_have_tiers(void)
{
	return kp_ksym_present(kp_addr_node_is_toptier);
}

bool kp_compat_node_is_toptier(int nid)
{
	if (!kp_compat_have_tiers())
		return true;
	return kp_call_node_is_toptier(nid);
}

#ifdef CONFIG_NUMA_BALANCING
#define KP_CPUPID_NONE (-1 & LAST_CPUPID_MASK)

/* The field the kernel keeps a CPU/PID in, or in a tiering mode a scan time. */
static int kp_page_cpupid(const struct page *page)
{
#ifdef LAST_CPUPID_NOT_IN_PAGE_FLAGS
	return READ_ONCE(page->_last_cpupid) & LAST_CPUPID_MASK;
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
	return (READ_ONCE(page->flags.f) >> LAST_CPUPID_PGSHIFT) & LAST_CPUPID_MASK;
#else
	return (READ_ONCE(page->flags) >> LAST_CPUPID_PGSHIFT) & LAST_CPUPID_MASK;
#endif
}

/* As the kernel resets it for a freed page: -1, "no CPU and PID yet". */
static void kp_folio_cpupid_reset(struct folio *folio)
{
	struct page *head = &folio->page;

#ifdef LAST_CPUPID_NOT_IN_PAGE_FLAGS
	WRITE_ONCE(head->_last_cpupid, KP_CPUPID_NONE);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
	atomic_long_or(LAST_CPUPID_MASK << LAST_CPUPID_PGSHIFT, (atomic_long_t *)&head->flags.f);
#else
	atomic_long_or(LAST_CPUPID_MASK << LAST_CPUPID_PGSHIFT, (atomic_long_t *)&head->flags);
#endif
}

/* A top-tier page's field that no CPU/PID wrote: a scan time carried over. */
static bool kp_page_cpupid_stale(const struct page *page)
{
	int cpupid = kp_page_cpupid(page);

	return cpupid != KP_CPUPID_NONE && cpupid_to_cpu(cpupid) >= nr_cpu_ids;
}

/*
 * Resets the field of every folio of node nid, or with only_stale of those
 * whose field names a CPU that does not exist. A folio is reset under a
 * reference, by its head page: never a tail's field.
 */
static unsigned long kp_node_cpupid_reset(int nid, bool only_stale)
{
	unsigned long pfn, step, end = node_end_pfn(nid), n = 0;

	for (pfn = node_start_pfn(nid); pfn < end; pfn += step) {
		struct page *page = pfn_to_online_page(pfn);
		struct folio *folio;

		step = 1;
		if (!(pfn & 1023))
			cond_resched();
		if (!page || (only_stale && !kp_page_cpupid_stale(page)))
			continue;
		folio = page_folio(page);
		if (!folio_try_get(folio))
			continue;
		/* One field per folio: its tails are skipped, not looked up. */
		if (page_folio(page) == folio) {
			if (&folio->page == page) {
				kp_folio_cpupid_reset(folio);
				n++;
			}
			step = folio_pfn(folio) + folio_nr_pages(folio) - pfn;
		}
		folio_put(folio);
	}
	return n;
}

/* Pages isolated from the LRUs of the slow nodes now (migrations under way, mostly). */
static long kp_slow_isolated(void)
{
	long x = 0;
	int nid, cpu;

	for_each_node_state(nid, N_MEMORY) {
		struct pglist_data *pgdat = NODE_DATA(nid);

		if (kp_compat_node_is_toptier(nid))
			continue;
		x += atomic_long_read(&pgdat->vm_stat[NR_ISOLATED_ANON]) +
		     atomic_long_read(&pgdat->vm_stat[NR_ISOLATED_FILE]);
		for_each_online_cpu(cpu) {
			struct per_cpu_nodestat *d = per_cpu_ptr(pgdat->per_cpu_nodestats, cpu);

			x += d->vm_node_stat_diff[NR_ISOLATED_ANON] +
			     d->vm_node_stat_diff[NR_ISOLATED_FILE];
		}
	}
	return x;
}
#endif

/*
 * The kernel stamps a scan time only on pages outside the top tier
 * (folio_use_access_time()); none where it does not tier (6.1 here). Called
 * with numa_balancing at 0, where nothing stamps and a migration copies the
 * field as it is: a slow page moved to a top-tier node before its reset
 * (a NUMA-hint migration decided in the tiering mode, move_pages(2), memory
 * offline) takes its scan time there. So: every slow page reset, then the
 * migrations out of the slow nodes already under way waited out (a moment
 * with none isolated, a second at most), then every top-tier page whose
 * field names no CPU reset too. A reset walks pfns, a reference per folio.
 */
unsigned long kp_compat_clear_access_times(void)
{
	unsigned long n = 0;
#ifdef CONFIG_NUMA_BALANCING
	unsigned long deadline;
	int nid;

	if (!kp_compat_have_tiers())
		return 0;
	for_each_node_state(nid, N_MEMORY)
		if (!kp_compat_node_is_toptier(nid))
			n += kp_node_cpupid_reset(nid, false);
	deadline = jiffies + HZ;
	while (kp_slow_isolated() > 0 && time_before(jiffies, deadline))
		usleep_range(1000, 2000);
	for_each_node_state(nid, N_MEMORY)
		if (kp_compat_node_is_toptier(nid))
			n += kp_node_cpupid_reset(nid, true);
#endif
	return n;
}

bool kp_compat_isolate_lru(struct folio *folio)
{
	if (!KP_ISOLATED(kp_call_folio_isolate_lru(folio)))
		return false;
	/* migrate_pages() and putback undo this when the folio leaves the list. */
	node_stat_mod_folio(folio, NR_ISOLATED_ANON + folio_is_file_lru(folio),
			    folio_nr_pages(folio));
	return true;
}

/*
 * Destination allocation: on the target node only, never reclaiming or
 * waking kswapd there for a base page (the caller checked the free space),
 * and a whole huge page for a huge source, so THPs move whole.
 */
static struct folio *kp_alloc_dst(struct folio *src, int nid)
{
	unsigned int order = folio_order(src);
	gfp_t gfp = __GFP_THISNODE;

	if (order)
		gfp |= GFP_TRANSHUGE_LIGHT;
	else
		gfp |= (GFP_HIGHUSER_MOVABLE | __GFP_NOMEMALLOC | __GFP_NORETRY |
			__GFP_NOWARN) & ~__GFP_RECLAIM;
	return __folio_alloc_node(gfp, order, nid);
}

/* What migrate_pages() hands the allocation callback: the target, and where to note demotions. */
struct kp_migrate_ctx {
	int nid;
	struct kp_moved *moved;	/* NULL: frames not noted */
};

static struct folio *kp_new_folio(struct folio *src, unsigned long private)
{
	struct kp_migrate_ctx *ctx = (struct kp_migrate_ctx *)private;
	struct folio *dst = kp_alloc_dst(src, ctx->nid);
	struct kp_moved *mv = ctx->moved;

	if (dst && mv && mv->nr < mv->max) {
		if (mv->src)
			mv->src[mv->nr] = folio_pfn(src);
		mv->pfn[mv->nr++] = folio_pfn(dst);
	}
	return dst;
}

#if KP_MIGRATE_FOLIO_CB
static struct folio *kp_new_cb(struct folio *src, unsigned long private)
{
	return kp_new_folio(src, private);
}
#else
static struct page *kp_new_cb(struct page *page, unsigned long private)
{
	struct folio *dst = kp_new_folio(page_folio(page), private);

	return dst ? &dst->page : NULL;
}
#endif

/*
 * Asynchronous first: it never waits for a folio lock or writeback. What
 * that pass left (a folio locked or under writeback at that instant) gets
 * one more chance in MIGRATE_SYNC_LIGHT, which waits for locks but not for
 * writeback, before it goes back to its LRU.
 */
unsigned int kp_compat_migrate(struct list_head *list, int nid, struct kp_moved *moved,
			       unsigned int *retried)
{
	struct kp_migrate_ctx ctx = { .nid = nid, .moved = moved };
	/*
	 * Demotions go as MR_NUMA_MISPLACED too, not MR_DEMOTION: for
	 * MR_DEMOTION, migrate_pages() leaves the NR_ISOLATED_* uncount of the
	 * folios it moved to the caller on some kernels (a fix of 2024,
	 * backported to stable releases, Debian's 6.1 included) and not on
	 * others, and which one a kernel is cannot be told from its version.
	 * Every other reason uncounts on every kernel.
	 */
	int reason = MR_NUMA_MISPLACED;
	unsigned int succeeded = 0, again = 0;
	int ret;

	*retried = 0;
	if (list_empty(list))
		return 0;
	ret = kp_call_migrate_pages(list, kp_new_cb, NULL, (unsigned long)&ctx,
				    MIGRATE_ASYNC, reason, &succeeded);
	if (ret > 0 && !list_empty(list)) {
		*retried = ret;
		ret = kp_call_migrate_pages(list, kp_new_cb, NULL, (unsigned long)&ctx,
					    MIGRATE_SYNC_LIGHT, reason, &again);
		succeeded += again;
	}
	if (ret)
		kp_call_putback_movable_pages(list);
	return succeeded;
}

bool kp_compat_demotion_enabled(void)
{
	if (!kp_ksym_present(kp_addr_numa_demotion_enabled))
		return false;
	return READ_ONCE(*(bool *)kp_addr_numa_demotion_enabled);
}

/*
 * 6.1-6.12 declare next_demotion_node(int node); later kernels added a
 * mask of allowed targets, read unconditionally. Passing every memory node
 * as that second argument is right for both: the older function never
 * reads its second argument register.
 */
int kp_call_next_demotion_node(int node, const nodemask_t *allowed);

int kp_compat_demotion_target(int nid)
{
	if (!kp_ksym_present(kp_addr_next_demotion_node))
		return NUMA_NO_NODE;
	return kp_call_next_demotion_node(nid, &node_states[N_MEMORY]);
}

long kp_compat_node_room(int nid, bool low)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	unsigned long free = 0, high = 0;
	int z;

	for (z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->node_zones[z];

		if (!populated_zone(zone))
			continue;
		free += zone_page_state(zone, NR_FREE_PAGES);
		high += low ? low_wmark_pages(zone) : high_wmark_pages(zone);
	}
	return (long)free - (long)high;
}

unsigned long kp_compat_node_low_wmark(int nid)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	unsigned long wmark = 0;
	int z;

	/* Without the watermark boost: a bound that holds still while reclaim boosts. */
	for (z = 0; z < MAX_NR_ZONES; z++)
		if (populated_zone(&pgdat->node_zones[z]))
			wmark += READ_ONCE(pgdat->node_zones[z]._watermark[WMARK_LOW]);
	return wmark;
}

void kp_compat_wake_kswapd(int nid)
{
	/* GFP_NOWAIT: no direct reclaim, but below the low watermark the slow path wakes kswapd. */
	struct page *page = alloc_pages_node(nid, GFP_NOWAIT | __GFP_THISNODE | __GFP_NOWARN |
					     __GFP_NOMEMALLOC, 0);

	if (page)
		__free_page(page);
}

static unsigned int kp_scan_max_saved, kp_scan_max_ours;
static bool kp_scan_max_changed;

int kp_compat_scan_period_cap(unsigned int max_ms)
{
	unsigned int *max = (unsigned int *)kp_addr_sysctl_numa_balancing_scan_period_max;

	if (!kp_ksym_present(kp_addr_sysctl_numa_balancing_scan_period_max))
		return -ENOENT;
	kp_scan_max_saved = READ_ONCE(*max);
	if (max_ms && max_ms < kp_scan_max_saved) {
		WRITE_ONCE(*max, max_ms);
		kp_scan_max_ours = max_ms;
		kp_scan_max_changed = true;
		pr_info("NUMA-balancing scan period max: %u -> %u ms (restored on unload)\n",
			kp_scan_max_saved, max_ms);
	}
	return 0;
}

void kp_compat_scan_period_restore(void)
{
	unsigned int *max = (unsigned int *)kp_addr_sysctl_numa_balancing_scan_period_max;
	unsigned int now;

	if (!kp_scan_max_changed)
		return;
	kp_scan_max_changed = false;
	/* An administrator's value (debugfs sched/numa_balancing) stays. */
	now = READ_ONCE(*max);
	if (now != kp_scan_max_ours) {
		pr_info("NUMA-balancing scan period max: left at %u ms, changed while loaded (was %u before)\n",
			now, kp_scan_max_saved);
		return;
	}
	WRITE_ONCE(*max, kp_scan_max_saved);
}

/*
 * In memory-tiering mode the kernel reuses a slow-tier folio's last_cpupid
 * bits for the time (ms, bucketed) at which the scanner made it
 * inaccessible; the hint fault reads it before overwriting it. 6.7 renamed
 * the accessor from page_cpupid_last() to folio_last_cpupid().
 */
int kp_compat_scan_age_ms(struct page *head)
{
#ifdef CONFIG_NUMA_BALANCING
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
	int last = page_cpupid_last(head);
#else
	int last = folio_last_cpupid(page_folio(head));
#endif
	int now = jiffies_to_msecs(jiffies);

	return (now - (last << PAGE_ACCESS_TIME_BUCKETS)) & PAGE_ACCESS_TIME_MASK;
#else
	return -1;
#endif
}
