// SPDX-License-Identifier: GPL-2.0
/*
 * kp_record_access(): the one entry point of every source. Safe in NMI,
 * IRQ and process context: a per-CPU counter and a lock-free table update,
 * nothing else.
 */
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/vmalloc.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/promote.h"
#include "kpromoted/stats.h"
#include "kpromoted/trace.h"

struct kp_table kp_tbl;
static bool kp_tbl_ready;

static const enum kp_stat kp_src_stat[KP_NR_SOURCES] = {
	[KP_SRC_HINTFAULT] = KP_STAT_records_hintfault,
	[KP_SRC_MGLRU] = KP_STAT_records_mglru,
	[KP_SRC_IBS] = KP_STAT_records_ibs,
	[KP_SRC_PEBS] = KP_STAT_records_pebs,
};

u32 kp_now_ticks(void)
{
	return (u32)(jiffies_to_msecs(jiffies) >> KP_TICK_SHIFT_MS) & KP_TS_MASK;
}

void kp_record_access(unsigned long pfn, int accessing_nid, enum kp_source_id src,
		      unsigned int period_ms)
{
	if (unlikely(!READ_ONCE(kp_tbl_ready)))
		return;
	kp_stat_inc(KP_STAT_records);
	kp_stat_inc(kp_src_stat[src]);
	if (kp_table_record(&kp_tbl, pfn, kp_now_ticks(), src, accessing_nid,
			    kp_table_window(&kp_tbl, period_ms)) == KP_REC_DROPPED) {
		kp_stat_inc(KP_STAT_records_dropped);
		trace_record_drop(pfn, src, KP_DROP_TABLE_FULL);
	}
}

u64 kp_table_bytes(void)
{
	return (u64)kp_tbl.nr_buckets * KP_TBL_WAYS * sizeof(u64);
}

/* Sized once from the slow tier's capacity; never grows. */
int kp_table_init(void)
{
	u64 slow_pages = 0;
	int nid;

	for_each_node_state(nid, N_MEMORY)
		if (kp_node_is_slow(nid))
			slow_pages += node_present_pages(nid);
	kp_tbl.nr_buckets = kp_table_buckets_for(slow_pages);
	kp_tbl.window_ticks = max(1u, kp_cfg.window_ms >> KP_TICK_SHIFT_MS);
	kp_tbl.max_window_ticks = kp_tbl.window_ticks;
	kp_tbl.slots = vzalloc(kp_table_bytes());
	if (!kp_tbl.slots)
		return -ENOMEM;
	WRITE_ONCE(kp_tbl_ready, true);
	return 0;
}

/* Called after every source has stopped and hooks are unregistered. */
void kp_table_exit(void)
{
	WRITE_ONCE(kp_tbl_ready, false);
	vfree(kp_tbl.slots);
	kp_tbl.slots = NULL;
}
