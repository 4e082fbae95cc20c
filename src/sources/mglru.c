// SPDX-License-Identifier: GPL-2.0
/*
 * The MGLRU page-table walk as a source: hot pages found without a single
 * hint fault.
 *
 * Passive: a hook where the walk finds a young PTE (KP_HOOK_MGLRU_YOUNG)
 * turns every young page on a slow node into a record; the walk does not
 * know which CPU touched it, so the accessing node is unknown.
 *
 * Active: the walk only runs when MGLRU ages a node, and a lightly loaded
 * machine rarely ages its slow node. The kpromoted_scan thread asks for
 * aging of every slow node's lruvecs, every memcg, at an interval that
 * halves while many young pages turn up and doubles while few do, within
 * [mglru_min_ms, mglru_max_ms].
 *
 * What the walk cannot see: a CPU sets the accessed bit when it loads a
 * PTE into its TLB, and the aging clears it without a flush, so a page
 * whose entry never leaves a TLB looks idle until something flushes (a
 * context switch to another mm, a shootdown, the confirmation's looks,
 * which flush). On hardware a hot set larger than a few thousand pages
 * does not stay in a TLB; QEMU's software TLB holds any hot set, which is
 * why the guest workloads drop theirs (tests/vm kp_workload_pause()).
 */
#include <linux/delay.h>
#include <linux/freezer.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/compat.h"
#include "kpromoted/hooks.h"
#include "kpromoted/sources.h"
#include "kpromoted/stats.h"
#include "kpromoted/table.h"

#define KP_LRU_GEN_PATH "/sys/kernel/mm/lru_gen/enabled"
/* Young pages per pass above which the scan speeds up, below which it slows. */
#define KP_MGLRU_BUSY 256
#define KP_MGLRU_IDLE 16

static struct task_struct *kp_scan_thread;
static unsigned int kp_scan_interval_ms;

/*
 * What one young PTE is worth: "used at least once since the last pass".
 * A page young in a share s of the passes settles at a heat of
 * w * s / (1 - 2^(-interval / half-life)); the weight is chosen so that
 * s = KP_MGLRU_YOUNG_PCT% reaches the configured threshold, whatever the
 * interval: a page read every 2 ms (young in every pass) is nominated
 * within a few passes, one read now and then only when the passes are so
 * long that it is young in most of them. The confirmation stage then tells
 * the two apart for certain.
 */
#define KP_MGLRU_YOUNG_PCT 35
static unsigned int kp_young_weight;	/* for the pass under way */

static unsigned int kp_mglru_weight(void)
{
	u32 hl = max(1u, kp_cfg.window_ms >> KP_TICK_SHIFT_MS);
	u32 ticks = READ_ONCE(kp_scan_interval_ms) >> KP_TICK_SHIFT_MS;
	u32 lost = KP_HEAT_MAX - kp_heat_decay(KP_HEAT_MAX, max(ticks, 1u), hl);

	return max(1u, DIV_ROUND_UP(kp_cfg.hot_threshold * KP_HEAT_UNIT * lost * 100,
				    KP_HEAT_MAX * KP_MGLRU_YOUNG_PCT));
}

/* Only a slow node's walk can yield a record: the others are not followed to the handler. */
static bool kp_mglru_wants(const struct kp_hook_event *ev)
{
	return kp_node_is_slow(ev->page_nid);
}

/* Called only for the calls kp_mglru_wants() took: a young PTE of a slow node's page. */
static bool kp_mglru_event(struct kp_hook *hook, const struct kp_hook_event *ev)
{
	/* The walk knows the lruvec's memcg, not which task used the page. */
	if (kp_filter_allows_memcg(ev->memcg))
		kp_record_access(ev->pfn, KP_NID_UNKNOWN, KP_SRC_MGLRU, READ_ONCE(kp_young_weight),
				 NULL, ev->memcg);
	return false;
}

static struct kp_hook kp_mglru_hook = {
	.name = "mglru",
	.point = KP_HOOK_MGLRU_YOUNG,
	.handler = kp_mglru_event,
	.wants = kp_mglru_wants,
};

static bool kp_lru_gen_on(void)
{
	char val[16];
	unsigned int caps;

	if (kp_setting_read(KP_LRU_GEN_PATH, val, sizeof(val)) || kstrtouint(val, 0, &caps))
		return false;
	return caps & 1;
}

static const char *kp_mglru_unavailable(void)
{
	const char *why = kp_compat_mglru_unavailable();

	if (why)
		return why;
	if (!kp_lru_gen_on() && kp_cfg.lru_gen != KP_LRUGEN_ENABLE)
		return "MGLRU disabled (lru_gen=enable turns it on while kpromoted is loaded)";
	return NULL;
}

static unsigned int kp_scan_pass(void)
{
	u64 young = kp_stat_read(KP_STAT_records_mglru);
	u64 cpu = current->se.sum_exec_runtime;
	unsigned int aged = 0;
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		if (kthread_should_stop())
			break;
		if (kp_node_is_slow(nid))
			aged += kp_compat_mglru_age_node(nid);
	}
	kp_stat_inc(KP_STAT_mglru_scans);
	kp_stat_add(KP_STAT_mglru_lruvecs_aged, aged);
	kp_stat_add(KP_STAT_mglru_scan_cpu_ns, current->se.sum_exec_runtime - cpu);
	return (unsigned int)min_t(u64, kp_stat_read(KP_STAT_records_mglru) - young, UINT_MAX);
}

#define KP_MGLRU_IDLE_PASSES 3

static int kp_scan_main(void *unused)
{
	unsigned int idle_passes = 0;

	set_freezable();
	while (!kthread_should_stop()) {
		unsigned int young;

		WRITE_ONCE(kp_young_weight, kp_mglru_weight());
		young = kp_scan_pass();

		/*
		 * Faster at once when busy; slower only after KP_MGLRU_IDLE_PASSES
		 * lean passes in a row: one pass that finds little (the
		 * confirmation had just cleared the hot set's bits, the task
		 * was switched out) does not double the interval of a busy
		 * workload.
		 */
		if (young >= KP_MGLRU_BUSY) {
			kp_scan_interval_ms = max(kp_cfg.mglru_min_ms, kp_scan_interval_ms / 2);
			idle_passes = 0;
		} else if (young < KP_MGLRU_IDLE && ++idle_passes >= KP_MGLRU_IDLE_PASSES) {
			kp_scan_interval_ms = min(kp_cfg.mglru_max_ms, kp_scan_interval_ms * 2);
			idle_passes = 0;
		} else if (young >= KP_MGLRU_IDLE) {
			idle_passes = 0;
		}
		WRITE_ONCE(kp_scan_interval_ms, kp_scan_interval_ms);
		schedule_timeout_interruptible(msecs_to_jiffies(kp_scan_interval_ms));
		try_to_freeze();
	}
	return 0;
}

unsigned int kp_mglru_interval_ms(void)
{
	return READ_ONCE(kp_scan_interval_ms);
}

static int kp_mglru_start(const char **why)
{
	bool enabled_here = false;
	int err;

	if (!kp_lru_gen_on()) {
		if (kp_setting_set(KP_LRU_GEN_PATH, "y")) {
			*why = "cannot enable MGLRU";
			return -EIO;
		}
		enabled_here = true;
	}
	/* The kernel's own aging may reach the hook before the first pass. */
	kp_scan_interval_ms = kp_cfg.mglru_min_ms;
	kp_young_weight = kp_mglru_weight();
	err = kp_hook_arm(&kp_mglru_hook);
	if (err) {
		*why = kp_mglru_hook.reason;
		goto undo;
	}
	kp_scan_thread = kthread_run(kp_scan_main, NULL, "kpromoted_scan");
	if (IS_ERR(kp_scan_thread)) {
		err = PTR_ERR(kp_scan_thread);
		kp_scan_thread = NULL;
		*why = "cannot start the scan thread";
		goto undo;
	}
	return 0;
undo:
	/* A source that does not run leaves lru_gen as it found it. */
	kp_hook_disarm(&kp_mglru_hook);
	if (enabled_here)
		kp_setting_revert(KP_LRU_GEN_PATH);
	return err;
}

static void kp_mglru_stop(void)
{
	if (kp_scan_thread)
		kthread_stop(kp_scan_thread);
	kp_scan_thread = NULL;
	kp_hook_disarm(&kp_mglru_hook);
}

const struct kp_source_ops kp_mglru_source = {
	.unavailable = kp_mglru_unavailable,
	.start = kp_mglru_start,
	.stop = kp_mglru_stop,
};
