// SPDX-License-Identifier: GPL-2.0
/*
 * The sweep, four times a second: a slice of the table, so that every entry
 * is visited within KP_SWEEP_PASS_MS and expired ones leave long before
 * their timestamps could wrap; region heat halved once per half-life; the
 * nomination threshold and the hint-fault admission bound adapted; workers
 * that hold deferred pages kicked.
 */
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/workqueue.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/classify.h"
#include "kpromoted/promote.h"
#include "kpromoted/stats.h"

#define KP_SWEEP_MS 250
#define KP_SWEEP_PASS_MS 8000
#define KP_SWEEP_RESCHED 16384
#define KP_ADAPT_SWEEPS 8		/* the threshold moves at most every 2 s */

static struct delayed_work kp_sweep_work;
static bool kp_sweep_stopping;
static u32 kp_sweep_cursor;
static u32 kp_table_live;
/* Region heat decays once per half-life; the count still warm after it. */
static unsigned long kp_decay_next;
static u64 kp_regions_warm;

/* Adaptive threshold: aims the confirmed rate at what can be promoted. */
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

static void kp_adapt_threshold(void)
{
	u64 budget, room = 0;
	int nid;

	kp_adapt_bytes += kp_dispatch_take_bytes();
	if (++kp_adapt_sweeps < KP_ADAPT_SWEEPS)
		return;
	/* What these sweeps could promote: the rate limit, and the room there is. */
	budget = div64_u64(kp_rate_bytes_per_s() * KP_SWEEP_MS * kp_adapt_sweeps, MSEC_PER_SEC);
	for (nid = 0; nid < KP_MAX_NODES; nid++)
		if (kp_worker_exists(nid))
			room += (u64)kp_node_capacity(nid) << PAGE_SHIFT;
	budget = min(budget, room);
	kp_thr_eff = kp_threshold_next(kp_thr_eff, kp_cfg.hot_threshold, KP_HOT_THRESHOLD_MAX,
				       kp_adapt_bytes, budget);
	WRITE_ONCE(kp_tbl.nominate_heat, kp_thr_eff * KP_HEAT_UNIT);
	kp_adapt_bytes = 0;
	kp_adapt_sweeps = 0;
}

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
	kp_adapt_threshold();
	kp_adapt_admission();
	if (time_after_eq(jiffies, kp_decay_next)) {
		WRITE_ONCE(kp_regions_warm, kp_regions_decay(&kp_regions));
		kp_decay_next = jiffies + msecs_to_jiffies(kp_cfg.window_ms);
	}
	/* Workers holding pages the rate limit deferred try again; full nodes prepare room. */
	kp_room_adapt();
	for (nid = 0; nid < KP_MAX_NODES; nid++) {
		if (!kp_worker_exists(nid))
			continue;
		if (kp_worker_pending(nid))
			kp_worker_kick(nid);
		kp_room_prepare(nid);
	}
	if (!READ_ONCE(kp_sweep_stopping))
		queue_delayed_work(system_freezable_wq, &kp_sweep_work,
				   max(1UL, msecs_to_jiffies(KP_SWEEP_MS)));
}

int kp_sweep_init(void)
{
	kp_sweep_stopping = false;
	kp_decay_next = jiffies;
	kp_sweep_cursor = 0;
	kp_table_live = 0;
	kp_thr_eff = kp_cfg.hot_threshold;
	kp_lat_eff = kp_cfg.hint_latency_ms;
	kp_adm_records = 0;
	kp_adm_dropped = 0;
	kp_adapt_bytes = 0;
	kp_adapt_sweeps = 0;
	kp_dispatch_take_bytes();
	INIT_DELAYED_WORK(&kp_sweep_work, kp_sweep);
	queue_delayed_work(system_freezable_wq, &kp_sweep_work, msecs_to_jiffies(KP_SWEEP_MS));
	return 0;
}

void kp_sweep_exit(void)
{
	WRITE_ONCE(kp_sweep_stopping, true);
	cancel_delayed_work_sync(&kp_sweep_work);
}

void kp_sweep_show(struct seq_file *m)
{
	seq_printf(m, "table_bytes %llu\n", kp_table_bytes());
	seq_printf(m, "region_bytes %llu\n", kp_region_bytes());
	seq_printf(m, "regions_warm %llu\n", READ_ONCE(kp_regions_warm));
	seq_printf(m, "table_entries %u\n", kp_tbl.nr_buckets * KP_TBL_WAYS);
	seq_printf(m, "table_used %u\n", READ_ONCE(kp_table_live));
	seq_printf(m, "hot_threshold_effective %u\n", READ_ONCE(kp_thr_eff));
	seq_printf(m, "hint_latency_effective_ms %u\n", READ_ONCE(kp_lat_eff));
	seq_printf(m, "sweep_interval_ms %u\n", KP_SWEEP_MS);
	seq_printf(m, "mglru_interval_ms %u\n", kp_mglru_interval_ms());
}
