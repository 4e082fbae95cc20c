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
#include "kpromoted/table.h"

#define KP_NUMAB_PATH "/proc/sys/kernel/numa_balancing"
#define KP_NUMAB_NORMAL 1
#define KP_NUMAB_TIERING 2

/* The kernel stamps slow pages with their scan time (tiering mode on). */
static bool kp_scan_age_valid;

/*
 * What one hint fault is worth. A task's pages are scanned once per scan
 * pass, seconds apart, so a page gets one fault per pass at most: each
 * fault must count on its own, or the heat decays between two of them.
 * With the stamp, the fault's latency after the scan that armed it is the
 * evidence: a fault within hint_latency_ms is worth two sightings (at the
 * default threshold it nominates the page; the confirmation stage then
 * tells a page in constant use from one read now and then), and a quicker
 * one more, up to four within KP_HINT_QUICK_MS, so it still nominates when
 * the threshold has risen. A fault later than the latency bound is
 * evidence that the page sat idle, and erases what came before. Without
 * the stamp (6.1 with slow_nodes=), a fault says only "used since the last
 * scan pass": two sightings.
 */
#define KP_HINT_QUICK_MS 8

static unsigned int kp_hint_weight(int age_ms)
{
	return KP_HEAT_UNIT * (2 + (age_ms <= 4 * KP_HINT_QUICK_MS) + (age_ms <= KP_HINT_QUICK_MS));
}

static void kp_hintfault_record(const struct kp_hook_event *ev)
{
	unsigned int weight = 2 * KP_HEAT_UNIT;

	if (kp_scan_age_valid && ev->scan_age_ms >= 0) {
		if (ev->scan_age_ms > kp_hint_latency_limit()) {
			kp_stat_inc(KP_STAT_records_late);
			kp_record_idle(ev->pfn);
			return;
		}
		weight = kp_hint_weight(ev->scan_age_ms);
	}
	/* The faulting task is the one that used the page. */
	kp_record_access(ev->pfn, ev->accessing_nid, KP_SRC_HINTFAULT, weight, current, NULL);
}

static bool kp_hintfault_event(struct kp_hook *hook, const struct kp_hook_event *ev)
{
	if (!kp_node_is_slow(ev->page_nid)) {
		kp_stat_inc(KP_STAT_records_not_slow);
		return false;
	}
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

/*
 * The setting first, then the hook, as the MGLRU source does: a hook that
 * cannot be armed takes the setting back at once (kp_setting_revert), so
 * that path is the one inject_fail=hooks exercises, after a real change.
 */
static int kp_hintfault_start(const char **why)
{
	int err = kp_numab_enable(why);

	if (err)
		return err;
	err = kp_hook_arm(&kp_hintfault_hook);
	if (err) {
		*why = kp_hintfault_hook.reason;
		kp_hook_disarm(&kp_hintfault_hook);
		kp_setting_revert(KP_NUMAB_PATH);
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
