/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one table of kpromoted's module parameters: name, syntax, range,
 * default, the "accepted" text of the error line, and the modinfo
 * description. The module (src/core/params.c) declares its parameters from
 * it and kpromotedctl validates against it, so the two cannot disagree.
 * The spec array and the functions below are in src/core/param_table.c.
 * Pure: built into the module, the tool and the host unit tests.
 */
#ifndef KPROMOTED_PARAMS_H
#define KPROMOTED_PARAMS_H

#include "kpromoted/policy.h"

enum kp_ptype { KP_P_UINT, KP_P_ENUM, KP_P_NODES, KP_P_SOURCES, KP_P_INJECT };

/*
 * X(name, type, modinfo type, min, max, words, default, accepted, description)
 * hintfault_period_max_ms is "0 or 1000..max", ibs_period a multiple of 16:
 * kp_param_parse() knows.
 */
#define KP_PARAMS(X)							\
	X(slow_nodes, KP_P_NODES, "nodelist", 0, 0, NULL, "",		\
	  "empty, or online memory node ids like 1 or 1,3-4, below 64, leaving one fast", \
	  "Slow memory nodes, e.g. 1 or 2-3 (default: the kernel's memory tiers). Needed where the kernel does not tier, such as 6.1 without dax/kmem") \
	X(sources, KP_P_SOURCES, "list", 0, 0, NULL, "auto",		\
	  "auto, none, or a comma list of hintfault,mglru,ibs,pebs",	\
	  "Access sources: auto (every source available here), none, or a comma list of hintfault,mglru,ibs,pebs") \
	X(mode, KP_P_ENUM, "enum", 0, 0, kp_mode_words, "promote",	\
	  "promote, observe",						\
	  "promote: migrate hot slow-tier pages; observe: record and classify only") \
	X(rate_limit_mbps, KP_P_UINT, "uint", 1, 100000, NULL, "256",	\
	  "1..100000", "Promotion rate limit in MB/s, 1..100000 (default 256)") \
	X(batch_pages, KP_P_UINT, "uint", 1, 512, NULL, "512",		\
	  "1..512", "Pages isolated and migrated per batch, 1..512 (default 512, migrate_pages' own batch)") \
	X(hot_threshold, KP_P_UINT, "uint", 1, 15, NULL, "2",		\
	  "1..15", "Heat, in clear sightings' worth of decayed evidence, that nominates a page for confirmation, 1..15 (default 2)") \
	X(window_ms, KP_P_UINT, "uint", 10, 60000, NULL, "1000",	\
	  "10..60000", "Half-life of a page's heat in ms: evidence older than this counts half, 10..60000 (default 1000)") \
	X(room_idle_ms, KP_P_UINT, "uint", 0, 600000, NULL, "0",	\
	  "0..600000",							\
	  "How long a fast page must go unused before it may be demoted for room, in ms, 0 (2 x window_ms) ..600000; lengthened by itself while demoted pages come back (default 0)") \
	X(min_free_pct, KP_P_UINT, "uint", 0, 50, NULL, "5",		\
	  "0..50", "Free memory kept on a fast node, percent of the node, 0..50 (default 5)") \
	X(numa_balancing, KP_P_ENUM, "enum", 0, 0, kp_numab_words, "auto", \
	  "auto, keep",							\
	  "auto: set the NUMA-balancing mode hint faults need while loaded and restore it on unload; keep: leave it alone") \
	X(lru_gen, KP_P_ENUM, "enum", 0, 0, kp_lrugen_words, "keep",	\
	  "keep, enable",						\
	  "keep: leave MGLRU as it is; enable: turn MGLRU on while loaded and restore it on unload") \
	X(hintfault_period_max_ms, KP_P_UINT, "uint", 0, 600000, NULL, "8000", \
	  "0 or 1000..600000",						\
	  "Cap on the NUMA-balancing scan period while kpromoted promotes, in ms, 0 (keep the kernel's) or 1000..600000 (default 8000)") \
	X(hint_latency_ms, KP_P_UINT, "uint", 1, 60000, NULL, "100",	\
	  "1..60000",							\
	  "In memory-tiering mode, a hint fault counts only this long after the scan, in ms, 1..60000 (default 100)") \
	X(mglru_min_ms, KP_P_UINT, "uint", 50, 60000, NULL, "400",	\
	  "50..60000",							\
	  "Shortest interval between MGLRU aging passes of the slow nodes in ms, 50..60000 (default 400)") \
	X(mglru_max_ms, KP_P_UINT, "uint", 50, 600000, NULL, "5000",	\
	  "50..600000, not below mglru_min_ms",				\
	  "Longest interval between MGLRU aging passes in ms, 50..600000, not below mglru_min_ms (default 5000)") \
	X(confirm_ms, KP_P_UINT, "uint", 4, 1000, NULL, "20",		\
	  "4..1000",							\
	  "Interval between two looks at a nominee's accessed bits in ms, 4..1000 (default 20)") \
	X(confirm_tests, KP_P_UINT, "uint", 0, 8, NULL, "3",		\
	  "0..8",							\
	  "Looks in a row that must find a nominee in use before it is promoted, 0 (promote every nominee) ..8 (default 3)") \
	X(ibs_period, KP_P_UINT, "uint", 4096, 67108864, NULL, "65536",	\
	  "4096..67108864, a multiple of 16",				\
	  "AMD IBS op sampling period in ops, 4096..67108864, a multiple of 16 (default 65536)") \
	X(pebs_period, KP_P_UINT, "uint", 1, 1000000, NULL, "1000",	\
	  "1..1000000",							\
	  "Intel PEBS sampling period in loads over the latency threshold, 1..1000000 (default 1000)") \
	X(hwsample_max_rate, KP_P_UINT, "uint", 100, 100000, NULL, "2000", \
	  "100..100000",						\
	  "Ceiling on hardware samples per second per CPU (IBS, PEBS): above it the period doubles, 100..100000 (default 2000)") \
	X(hwsample_l3_miss, KP_P_ENUM, "enum", 0, 0, kp_onoff_words, "on", \
	  "on, off",							\
	  "on: hardware sampling sees only accesses served by memory (IBS L3MissOnly where the CPU has it, else the sample's data source; PEBS latency of 128 cycles or more); off: every sampled load or store") \
	X(inject_fail, KP_P_INJECT, "string", 0, 0, kp_inject_words, "none", \
	  "none, tiers, symbols, hooks, debugfs, sources, room, nobtf, symbol:<name>, hook:<name>, btf:<function>, inline:<function>, after:<step>", \
	  "Testing only: fail this load step (none, tiers, symbols, hooks, debugfs, sources, room, nobtf, symbol:<name>, hook:<name>, btf:<function>, inline:<function>, after:<step>: fail the load once that step has started)")

enum kp_param_id {
#define KP_PARAM_ID(name, ...) KP_PARAM_##name,
	KP_PARAMS(KP_PARAM_ID)
#undef KP_PARAM_ID
	KP_NR_PARAMS,
};

extern const char *const kp_mode_words[];
extern const char *const kp_numab_words[];
extern const char *const kp_lrugen_words[];
extern const char *const kp_onoff_words[];
extern const char *const kp_inject_words[];

struct kp_param_spec {
	const char *name;
	enum kp_ptype type;
	u32 min, max;
	const char *const *words;
	const char *def;
	const char *accepted;
};
extern const struct kp_param_spec kp_param_specs[KP_NR_PARAMS];

#define KP_INJECT_LEN 32
struct kp_param_value {
	u32 num;		/* UINT value, ENUM index */
	u64 nodes;		/* NODES */
	u32 sources;		/* SOURCES mask */
	bool sources_auto;
	char inject[KP_INJECT_LEN];
};

/* Index of the parameter called name[0..len), or -1. */
int kp_param_index(const char *name, size_t len);
/* Parses one value; 0, or -1 with *why. */
int kp_param_parse(enum kp_param_id id, const char *s, struct kp_param_value *out,
		   const char **why);
/*
 * Rules between parameters, on the parsed values of all of them: 0, or -1
 * with *bad (the parameter to name), *other (the one it conflicts with:
 * "<bad>=<v>: below <other>=<v>") and *why ("below").
 */
int kp_params_check_pairs(const struct kp_param_value *vals, enum kp_param_id *bad,
			  enum kp_param_id *other, const char **why);

#endif
