/* SPDX-License-Identifier: GPL-2.0 */
/* kpromoted: what the pieces of the module say to each other. */
#ifndef KPROMOTED_H
#define KPROMOTED_H

#include <linux/types.h>
#include <linux/nodemask.h>
#include "kpromoted/policy.h"
#include "kpromoted/tier_select.h"

enum kp_mode { KP_MODE_PROMOTE, KP_MODE_OBSERVE };
enum kp_numab { KP_NUMAB_AUTO, KP_NUMAB_KEEP };
enum kp_lrugen { KP_LRUGEN_KEEP, KP_LRUGEN_ENABLE };
enum kp_onoff { KP_ON, KP_OFF };

/*
 * Effective configuration, validated at load; read-only afterwards. Each
 * field is named after its parameter (kpromoted/params.h).
 */
struct kp_config {
	u64 slow_nodes;			/* override mask, 0 = kernel tiers */
	u32 sources;			/* mask of enum kp_source_id */
	bool sources_auto;		/* sources=auto: skip what's absent */
	u32 mode;			/* enum kp_mode */
	u32 rate_limit_mbps;
	u32 batch_pages;
	u32 hot_threshold;
	u32 window_ms;
	u32 room_idle_ms;		/* start of `idle` (room.c), 0 = 2 x window_ms */
	u32 min_free_pct;
	u32 numa_balancing;		/* enum kp_numab */
	u32 lru_gen;			/* enum kp_lrugen */
	u32 hintfault_period_max_ms;	/* cap on NUMA scan period, 0 = keep */
	u32 hint_latency_ms;		/* quick-fault bound in tiering mode */
	u32 mglru_min_ms;		/* MGLRU scan interval bounds */
	u32 mglru_max_ms;
	u32 confirm_ms;			/* interval between looks at a nominee */
	u32 confirm_tests;		/* young looks that confirm it, 0 = none */
	u32 ibs_period;			/* hardware sampling (src/sources/hwsample.c) */
	u32 pebs_period;
	u32 hwsample_max_rate;		/* samples/s per CPU */
	u32 hwsample_l3_miss;		/* enum kp_onoff */
	char inject_fail[32];		/* testing: a load step to fail */
};

extern struct kp_config kp_cfg;

/* params.c: parse and validate every parameter into kp_cfg. */
int kp_params_validate(void);
/* One `name value` line per parameter into a seq_file. */
struct seq_file;
void kp_params_show(struct seq_file *m);
/* Testing aid: true when inject_fail= names this load step. */
bool kp_inject(const char *step);
/* inject_fail=<kind><name>, e.g. symbol:migrate_pages or hook:mglru. */
bool kp_inject_named(const char *kind, const char *name);

/* tiers.c */
extern struct kp_tiers kp_tiers;
int kp_tiers_detect(void);
bool kp_node_is_slow(int nid);
void kp_tiers_show(struct seq_file *m);

/* settings.c: sysctl/sysfs values changed while loaded, restored after. */
int kp_setting_set(const char *path, const char *value);
void kp_settings_restore(void);
void kp_setting_revert(const char *path);
int kp_setting_read(const char *path, char *buf, size_t len);
/* Opens a path from the system's root (init's), whatever the caller's. */
struct file;
struct file *kp_root_open(const char *path, int flags);

/* debugfs.c */
int kp_debugfs_init(void);
void kp_debugfs_exit(void);

/* sources/sources.c */
int kp_sources_start(void);
void kp_sources_stop(void);
void kp_sources_show(struct seq_file *m);

/* filter.c: per-process control (debugfs `filter`). */
struct task_struct;
struct mem_cgroup;
bool kp_filter_allows_task(struct task_struct *task);
bool kp_filter_allows_memcg(struct mem_cgroup *memcg);
ssize_t kp_filter_write(const char __user *ubuf, size_t len);
void kp_filter_show(struct seq_file *m);
void kp_filter_exit(void);

/* sources/mglru.c: the scan thread's current interval. */
unsigned int kp_mglru_interval_ms(void);

/* The one entry point every source calls. Any context, NMI included. */
#define KP_NID_UNKNOWN (-1)
/*
 * weight: what this evidence is worth, in heat units (KP_HEAT_UNIT for one
 * clear sighting); each source weighs its own evidence. Who used the page,
 * as far as the source knows (debugfs `owners`): task, the task that made
 * the access (hint faults and samples run in it), else memcg, the page's
 * memory cgroup (the MGLRU walk knows its lruvec's), else both NULL.
 */
void kp_record_access(unsigned long pfn, int accessing_nid, enum kp_source_id src,
		      unsigned int weight, struct task_struct *task, struct mem_cgroup *memcg);
/* The page was seen not in use: its earlier evidence no longer counts. */
void kp_record_idle(unsigned long pfn);

/*
 * owners.c: per-process and per-cgroup counts (debugfs `owners`). The
 * sighted ones from kp_record_access(), any context, NMI included; the
 * rest in process context.
 */
void kp_owners_reset(void);
void kp_owners_sighted_task(struct task_struct *task);
void kp_owners_sighted_memcg(struct mem_cgroup *memcg);
/* tgid: the owner the placement check found for a queued frame (0: none). */
void kp_owners_note(u64 pfn, int tgid);
/* After a migration: the n frames it filled (dst) and where each came from (src, or NULL). */
void kp_owners_promoted(const u64 *dst, const u64 *src, u32 n);
void kp_owners_show(struct seq_file *m);
/* record.c: debugfs `regions`, the heat of every 2 MiB region of the slow nodes. */
void kp_regions_show(struct seq_file *m);

#endif
