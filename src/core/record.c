// SPDX-License-Identifier: GPL-2.0
/*
 * kp_record_access(): the one entry point of every source. Safe in NMI,
 * IRQ and process context: per-CPU counters, the owner's lock-free counts
 * and a lock-free table update, nothing else.
 */
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/seq_file.h>
#include <linux/vmalloc.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/confirm.h"
#include "kpromoted/promote.h"
#include "kpromoted/stats.h"
#include "kpromoted/trace.h"

struct kp_table kp_tbl;
struct kp_regions kp_regions;
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
		      unsigned int weight, struct task_struct *task, struct mem_cgroup *memcg)
{
	struct kp_record_out out;

	if (unlikely(!READ_ONCE(kp_tbl_ready)))
		return;
	kp_stat_inc(KP_STAT_records);
	kp_stat_inc(kp_src_stat[src]);
	if (task)
		kp_owners_sighted_task(task);
	else
		kp_owners_sighted_memcg(memcg);
	kp_region_touch(&kp_regions, pfn);
	switch (kp_table_record(&kp_tbl, pfn, kp_now_ticks(), src, weight, accessing_nid, &out)) {
	case KP_REC_NOMINATE:
		if (kp_confirm_nominate(pfn, out.anid)) {
			kp_stat_inc(KP_STAT_nominated);
		} else {
			/* No room on trial now: the next evidence nominates it again. */
			kp_table_unnominate(&kp_tbl, pfn);
			kp_stat_inc(KP_STAT_nominations_refused);
		}
		break;
	case KP_REC_DROPPED:
		kp_stat_inc(KP_STAT_records_dropped);
		trace_record_drop(pfn, src, KP_DROP_TABLE_FULL);
		break;
	case KP_REC_EVICTED:
		kp_stat_inc(KP_STAT_records_evicted);
		break;
	default:
		break;
	}
}

void kp_record_idle(unsigned long pfn)
{
	if (unlikely(!READ_ONCE(kp_tbl_ready)))
		return;
	if (kp_table_forget(&kp_tbl, pfn))
		kp_stat_inc(KP_STAT_records_forgotten);
}

u64 kp_table_bytes(void)
{
	return (u64)kp_tbl.nr_buckets * KP_TBL_WAYS * sizeof(u64);
}

u64 kp_region_bytes(void)
{
	u64 n = 0;
	int i;

	for (i = 0; i < kp_regions.nr; i++)
		n += kp_regions.span[i].nr;
	return n;
}

/*
 * debugfs `regions`: per span, `span node <nid> start_pfn <pfn> regions <n>`,
 * then its heat bytes in order, KP_REGIONS_PER_LINE to a line in hex, a
 * run of all-cold lines as one `z <regions>` line (the last line of a span
 * may be shorter). A terabyte of slow memory is 512 Ki regions: 1 MiB of
 * text when all of it is warm, a few lines when it is cold.
 */
#define KP_REGIONS_PER_LINE 64

static void kp_regions_zeros(struct seq_file *m, u64 *zeros)
{
	if (*zeros)
		seq_printf(m, "z %llu\n", *zeros);
	*zeros = 0;
}

void kp_regions_show(struct seq_file *m)
{
	static const char hex[] = "0123456789abcdef";
	char line[2 * KP_REGIONS_PER_LINE + 2];
	int i;

	for (i = 0; i < kp_regions.nr; i++) {
		const struct kp_region_span *s = &kp_regions.span[i];
		u64 j, zeros = 0;

		seq_printf(m, "span node %d start_pfn %llu regions %llu\n", s->nid, s->start_pfn,
			   s->nr);
		for (j = 0; j < s->nr; j += KP_REGIONS_PER_LINE) {
			u64 k, n = min_t(u64, KP_REGIONS_PER_LINE, s->nr - j);
			bool warm = false;

			for (k = 0; k < n; k++) {
				unsigned char h = READ_ONCE(s->heat[j + k]);

				line[2 * k] = hex[h >> 4];
				line[2 * k + 1] = hex[h & 15];
				warm |= h != 0;
			}
			if (!warm) {
				zeros += n;
				continue;
			}
			kp_regions_zeros(m, &zeros);
			line[2 * n] = '\n';
			line[2 * n + 1] = 0;
			seq_puts(m, line);
		}
		kp_regions_zeros(m, &zeros);
	}
}

static void kp_regions_free(void)
{
	while (kp_regions.nr > 0)
		vfree(kp_regions.span[--kp_regions.nr].heat);
}

/* One heat byte per 2 MiB of every slow node (the first eight). */
static int kp_regions_init(void)
{
	int nid;

	kp_regions.nr = 0;
	for_each_node_state(nid, N_MEMORY) {
		struct kp_region_span *s;

		if (!kp_node_is_slow(nid) || kp_regions.nr == KP_MAX_REGION_SPANS)
			continue;
		s = &kp_regions.span[kp_regions.nr];
		s->nid = nid;
		s->start_pfn = node_start_pfn(nid);
		s->nr = DIV_ROUND_UP(node_spanned_pages(nid), 1UL << KP_REGION_SHIFT);
		s->heat = vzalloc(s->nr);
		if (!s->heat) {
			kp_regions_free();
			return -ENOMEM;
		}
		kp_regions.nr++;
	}
	return 0;
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
	kp_tbl.half_life = max(1u, kp_cfg.window_ms >> KP_TICK_SHIFT_MS);
	kp_tbl.nominate_heat = kp_cfg.hot_threshold * KP_HEAT_UNIT;
	kp_tbl.slots = vzalloc(kp_table_bytes());
	if (!kp_tbl.slots)
		return -ENOMEM;
	if (kp_regions_init()) {
		vfree(kp_tbl.slots);
		kp_tbl.slots = NULL;
		return -ENOMEM;
	}
	kp_owners_reset();
	WRITE_ONCE(kp_tbl_ready, true);
	return 0;
}

/* Called after every source has stopped and hooks are unregistered. */
void kp_table_exit(void)
{
	WRITE_ONCE(kp_tbl_ready, false);
	kp_regions_free();
	vfree(kp_tbl.slots);
	kp_tbl.slots = NULL;
}
