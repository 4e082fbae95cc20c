// SPDX-License-Identifier: GPL-2.0
/*
 * NUMA-balancing hint faults as a source.
 *
 * The kernel's scanner makes pages inaccessible; the next access faults
 * and the kernel asks "migrate this page?" (hook point KP_HOOK_HINTFAULT).
 * For a page on a slow node, that question becomes a record, and while
 * kpromoted promotes (mode=promote) the answer is "no": the faulting task
 * does not pay for a migration, kpromoted's workers do it later, in batch,
 * for the pages that proved hot.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/compat.h"
#include "kpromoted/hooks.h"
#include "kpromoted/promote.h"
#include "kpromoted/sources.h"
#include "kpromoted/stats.h"

#define KP_NUMAB_PATH "/proc/sys/kernel/numa_balancing"
#define KP_NUMAB_NORMAL 1
#define KP_NUMAB_TIERING 2

/*
 * How long until the scanner comes back to the same page of this task: it
 * scans 256 MiB (the default numa_balancing_scan_size) every
 * numa_scan_period, so a large task is covered once per several periods.
 * Twice that, so one late pass does not reset a hot page's count.
 */
#define KP_SCAN_SIZE_PAGES ((256UL << 20) >> PAGE_SHIFT)

static unsigned int kp_revisit_ms(struct task_struct *p)
{
	unsigned long rss = p->mm ? get_mm_rss(p->mm) : 0;
	unsigned long passes = max(1UL, DIV_ROUND_UP(rss, KP_SCAN_SIZE_PAGES));

	return (unsigned int)min(2UL * passes * READ_ONCE(p->numa_scan_period), 60000UL);
}

/* The kernel stamps slow pages with their scan time (tiering mode on). */
static bool kp_scan_age_valid;

/*
 * With the stamp, every fault is a verdict on the scan before it: quick
 * means the page was in use when scanned, late means it sat idle for a
 * while. A page that stays in use faults quickly after each of its scans
 * however far apart its task's scans are (a slowed-down scanner, a large
 * address space, skipped VMAs), so consecutive quick sightings count
 * within the longest window, and a late fault erases what came before:
 * the count is of consecutive scans that found the page in use.
 */
/* Half the longest window the table allows: the window is twice the period. */
#define KP_STAMPED_PERIOD_MS ((KP_WINDOW_MAX_TICKS << KP_TICK_SHIFT_MS) / 2)

static void kp_hintfault_record(const struct kp_hook_event *ev)
{
	unsigned int period_ms;

	if (kp_scan_age_valid && ev->scan_age_ms >= 0) {
		if (ev->scan_age_ms > kp_hint_latency_limit()) {
			kp_stat_inc(KP_STAT_records_late);
			kp_record_idle(ev->pfn);
			return;
		}
		period_ms = KP_STAMPED_PERIOD_MS;
	} else {
		/* No stamp (6.1 with slow_nodes=): every fault counts, revisit-timed. */
		period_ms = kp_revisit_ms(current);
	}
	kp_record_access(ev->pfn, ev->accessing_nid, KP_SRC_HINTFAULT, period_ms);
}

static bool kp_hintfault_event(struct kp_hook *hook, const struct kp_hook_event *ev)
{
	if (!kp_node_is_slow(ev->page_nid))
		return false;
	/*
	 * An excluded task's access is not recorded; in promote mode it is
	 * not migrated by the kernel either: kpromoted owns slow-tier
	 * promotion, and excluded means not promoted.
	 */
	if (kp_filter_allows_task(current))
		kp_hintfault_record(ev);
	if (kp_cfg.mode != KP_MODE_PROMOTE)
		return false;
	kp_stat_inc(KP_STAT_hintfault_suppressed);
	return true;
}

static struct kp_hook kp_hintfault_hook = {
	.name = "hintfault",
	.point = KP_HOOK_HINTFAULT,
	.handler = kp_hintfault_event,
};

static const char *kp_hintfault_unavailable(void)
{
	if (!IS_ENABLED(CONFIG_NUMA_BALANCING))
		return "kernel built without CONFIG_NUMA_BALANCING";
	return NULL;
}

/*
 * The NUMA-balancing mode that makes the kernel scan the slow nodes:
 * memory-tiering mode (2) scans only pages outside the top tier, which is
 * exactly the slow nodes when the kernel tiers them, costs no fault on
 * fast memory, and stamps each scanned slow page with the scan time (the
 * fault latency tells a page in use from one touched by chance). Where the
 * kernel does not tier (slow_nodes= on 6.1), only the normal mode (1)
 * scans them.
 */
static int kp_numab_needed_bit(void)
{
	int nid;

	for (nid = 0; nid < KP_MAX_NODES; nid++)
		if (kp_node_is_slow(nid) && kp_compat_node_is_toptier(nid))
			return KP_NUMAB_NORMAL;
	return KP_NUMAB_TIERING;
}

static int kp_numab_enable(const char **why)
{
	char cur[16], val[16];
	unsigned int mode;
	int need;

	kp_scan_age_valid = false;
	if (kp_cfg.numa_balancing == KP_NUMAB_KEEP)
		return 0;
	if (kp_setting_read(KP_NUMAB_PATH, cur, sizeof(cur)) || kstrtouint(cur, 10, &mode)) {
		*why = "cannot read " KP_NUMAB_PATH;
		return -EIO;
	}
	need = kp_numab_needed_bit();
	kp_scan_age_valid = need == KP_NUMAB_TIERING;
	if (mode & need)
		return 0;
	snprintf(val, sizeof(val), "%u", mode | need);
	if (kp_setting_set(KP_NUMAB_PATH, val)) {
		*why = "cannot set " KP_NUMAB_PATH;
		return -EIO;
	}
	return 0;
}

static int kp_hintfault_start(const char **why)
{
	int err = kp_hook_arm(&kp_hintfault_hook);

	if (err) {
		*why = kp_hintfault_hook.reason;
		kp_hook_disarm(&kp_hintfault_hook);
		return err;
	}
	err = kp_numab_enable(why);
	if (err) {
		kp_hook_disarm(&kp_hintfault_hook);
		return err;
	}
	/* Without the variable the source still works, only sampling slower. */
	if (kp_cfg.mode == KP_MODE_PROMOTE &&
	    kp_compat_scan_period_cap(kp_cfg.hintfault_period_max_ms))
		pr_info("cannot cap the NUMA-balancing scan period on this kernel\n");
	return 0;
}

static void kp_hintfault_stop(void)
{
	kp_hook_disarm(&kp_hintfault_hook);
	kp_compat_scan_period_restore();
}

const struct kp_source_ops kp_hintfault_source = {
	.unavailable = kp_hintfault_unavailable,
	.start = kp_hintfault_start,
	.stop = kp_hintfault_stop,
};
