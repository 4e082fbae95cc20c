// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters. The kernel only stores each raw string; the whole set
 * is validated in one place at load, so a bad value produces exactly one
 * line naming the parameter and its accepted range, and the load fails
 * before anything is allocated or hooked. All parameters are read-only
 * after load (0444): the effective values are in debugfs `config`.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include "kpromoted/kpromoted.h"

#define KP_RAW_LEN 64

struct kp_raw {
	char val[KP_RAW_LEN];
	bool too_long;
};

static int kp_raw_set(const char *val, const struct kernel_param *kp)
{
	struct kp_raw *raw = kp->arg;

	/* Never fail here: validation and its message belong to kp_params_validate. */
	raw->too_long = strscpy(raw->val, val ?: "", sizeof(raw->val)) < 0;
	return 0;
}

static int kp_raw_get(char *buf, const struct kernel_param *kp)
{
	const struct kp_raw *raw = kp->arg;

	return scnprintf(buf, PAGE_SIZE, "%s\n", raw->val);
}

static const struct kernel_param_ops kp_raw_ops = {
	.set = kp_raw_set,
	.get = kp_raw_get,
};

#define KP_PARAM(name, type, def, desc)					\
	static struct kp_raw kp_raw_##name = { .val = def };		\
	module_param_cb(name, &kp_raw_ops, &kp_raw_##name, 0444);	\
	__MODULE_PARM_TYPE(name, type);					\
	MODULE_PARM_DESC(name, desc)

KP_PARAM(slow_nodes, "nodelist", "",
	 "Slow memory nodes, e.g. 1 or 2-3 (default: the kernel's memory tiers). Needed where the kernel does not tier, such as 6.1 without dax/kmem");
KP_PARAM(sources, "list", "auto",
	 "Access sources: auto (every source available here), none, or a comma list of hintfault,mglru,ibs,pebs");
KP_PARAM(mode, "enum", "promote",
	 "promote: migrate hot slow-tier pages; observe: record and classify only");
KP_PARAM(rate_limit_mbps, "uint", "256",
	 "Promotion rate limit in MB/s, 1..100000 (default 256)");
KP_PARAM(batch_pages, "uint", "64",
	 "Pages isolated and migrated per batch, 1..1024 (default 64)");
KP_PARAM(hot_threshold, "uint", "2",
	 "Accesses within one window that make a page hot, 1..15 (default 2)");
KP_PARAM(window_ms, "uint", "1000",
	 "Hotness window in ms, 10..60000 (default 1000)");
KP_PARAM(min_free_pct, "uint", "5",
	 "Free memory kept on a fast node, percent of the node, 0..50 (default 5)");
KP_PARAM(numa_balancing, "enum", "auto",
	 "auto: set the NUMA-balancing mode hint faults need while loaded and restore it on unload; keep: leave it alone");
KP_PARAM(lru_gen, "enum", "keep",
	 "keep: leave MGLRU as it is; enable: turn MGLRU on while loaded and restore it on unload");
KP_PARAM(hintfault_period_max_ms, "uint", "8000",
	 "Cap on the NUMA-balancing scan period while kpromoted promotes, in ms, 0 (keep the kernel's) or 1000..600000 (default 8000)");
KP_PARAM(hint_latency_ms, "uint", "1000",
	 "In memory-tiering mode, a hint fault counts only this long after the scan, in ms, 1..60000 (default 1000, as the kernel's numa_balancing_hot_threshold_ms)");
KP_PARAM(mglru_min_ms, "uint", "400",
	 "Shortest interval between MGLRU aging passes of the slow nodes in ms, 50..60000 (default 400)");
KP_PARAM(mglru_max_ms, "uint", "5000",
	 "Longest interval between MGLRU aging passes in ms, 50..600000, not below mglru_min_ms (default 5000)");
KP_PARAM(inject_fail, "string", "none",
	 "Testing only: fail this load step (none, tiers, symbols, hooks, debugfs, sources, symbol:<name>)");

struct kp_config kp_cfg;

static const char *const kp_mode_words[] = { "promote", "observe", NULL };
static const char *const kp_numab_words[] = { "auto", "keep", NULL };
static const char *const kp_lrugen_words[] = { "keep", "enable", NULL };

enum kp_ptype { KP_P_UINT, KP_P_ENUM, KP_P_NODES, KP_P_SOURCES, KP_P_INJECT };

struct kp_param_spec {
	const char *name;
	struct kp_raw *raw;
	enum kp_ptype type;
	u32 min, max;
	const char *const *words;
	u32 *dst;
	const char *accepted;
};

static const struct kp_param_spec kp_specs[] = {
	{ "slow_nodes", &kp_raw_slow_nodes, KP_P_NODES, 0, 0, NULL, NULL,
	  "empty, or online memory node ids like 1 or 1,3-4, below 64, leaving one fast" },
	{ "sources", &kp_raw_sources, KP_P_SOURCES, 0, 0, NULL, &kp_cfg.sources,
	  "auto, none, or a comma list of hintfault,mglru,ibs,pebs" },
	{ "mode", &kp_raw_mode, KP_P_ENUM, 0, 0, kp_mode_words, &kp_cfg.mode,
	  "promote, observe" },
	{ "rate_limit_mbps", &kp_raw_rate_limit_mbps, KP_P_UINT, 1, 100000, NULL,
	  &kp_cfg.rate_limit_mbps, "1..100000" },
	{ "batch_pages", &kp_raw_batch_pages, KP_P_UINT, 1, 1024, NULL,
	  &kp_cfg.batch_pages, "1..1024" },
	{ "hot_threshold", &kp_raw_hot_threshold, KP_P_UINT, 1, 15, NULL,
	  &kp_cfg.hot_threshold, "1..15" },
	{ "window_ms", &kp_raw_window_ms, KP_P_UINT, 10, 60000, NULL,
	  &kp_cfg.window_ms, "10..60000" },
	{ "min_free_pct", &kp_raw_min_free_pct, KP_P_UINT, 0, 50, NULL,
	  &kp_cfg.min_free_pct, "0..50" },
	{ "numa_balancing", &kp_raw_numa_balancing, KP_P_ENUM, 0, 0, kp_numab_words,
	  &kp_cfg.numa_balancing, "auto, keep" },
	{ "lru_gen", &kp_raw_lru_gen, KP_P_ENUM, 0, 0, kp_lrugen_words,
	  &kp_cfg.lru_gen, "keep, enable" },
	{ "hintfault_period_max_ms", &kp_raw_hintfault_period_max_ms, KP_P_UINT, 0, 600000,
	  NULL, &kp_cfg.hintfault_period_max_ms, "0 or 1000..600000" },
	{ "hint_latency_ms", &kp_raw_hint_latency_ms, KP_P_UINT, 1, 60000, NULL,
	  &kp_cfg.hint_latency_ms, "1..60000" },
	{ "mglru_min_ms", &kp_raw_mglru_min_ms, KP_P_UINT, 50, 60000, NULL,
	  &kp_cfg.mglru_min_ms, "50..60000" },
	{ "mglru_max_ms", &kp_raw_mglru_max_ms, KP_P_UINT, 50, 600000, NULL,
	  &kp_cfg.mglru_max_ms, "50..600000, not below mglru_min_ms" },
	{ "inject_fail", &kp_raw_inject_fail, KP_P_INJECT, 0, 0, NULL, NULL,
	  "none, tiers, symbols, hooks, debugfs, sources, symbol:<name>" },
};

static const char *const kp_inject_steps[] = {
	"none", "tiers", "symbols", "hooks", "debugfs", "sources", NULL
};

static int kp_parse_inject(const char *s, const char **why)
{
	u32 idx;

	if (!strncmp(s, "symbol:", 7) && s[7] && strlen(s) < sizeof(kp_cfg.inject_fail)) {
		strscpy(kp_cfg.inject_fail, s, sizeof(kp_cfg.inject_fail));
		return 0;
	}
	if (kp_parse_enum(s, kp_inject_steps, &idx, why))
		return -1;
	strscpy(kp_cfg.inject_fail, kp_inject_steps[idx], sizeof(kp_cfg.inject_fail));
	return 0;
}

static int kp_parse_one(const struct kp_param_spec *p, const char **why)
{
	const char *s = p->raw->val;

	if (p->raw->too_long) {
		*why = "value too long";
		return -1;
	}
	switch (p->type) {
	case KP_P_UINT:
		return kp_parse_uint(s, p->min, p->max, p->dst, why);
	case KP_P_ENUM:
		return kp_parse_enum(s, p->words, p->dst, why);
	case KP_P_NODES:
		return kp_parse_nodelist(s, &kp_cfg.slow_override, why);
	case KP_P_SOURCES:
		return kp_parse_sources(s, p->dst, &kp_cfg.sources_auto, why);
	case KP_P_INJECT:
		return kp_parse_inject(s, why);
	}
	*why = "internal error";
	return -1;
}

int kp_params_validate(void)
{
	const char *why = NULL;
	size_t i;

	memset(&kp_cfg, 0, sizeof(kp_cfg));
	for (i = 0; i < ARRAY_SIZE(kp_specs); i++) {
		const struct kp_param_spec *p = &kp_specs[i];

		if (kp_parse_one(p, &why)) {
			pr_err("invalid %s=%*pE: %s (accepted: %s)\n", p->name,
			       (int)strnlen(p->raw->val, KP_RAW_LEN), p->raw->val,
			       why, p->accepted);
			return -EINVAL;
		}
	}
	if (kp_cfg.hintfault_period_max_ms && kp_cfg.hintfault_period_max_ms < 1000) {
		pr_err("invalid hintfault_period_max_ms=%u: out of range (accepted: 0 or 1000..600000)\n",
		       kp_cfg.hintfault_period_max_ms);
		return -EINVAL;
	}
	if (kp_cfg.mglru_max_ms < kp_cfg.mglru_min_ms) {
		pr_err("invalid mglru_max_ms=%u: below mglru_min_ms=%u (accepted: 50..600000, not below mglru_min_ms)\n",
		       kp_cfg.mglru_max_ms, kp_cfg.mglru_min_ms);
		return -EINVAL;
	}
	return 0;
}

void kp_params_show(struct seq_file *m)
{
	char nodes[128];
	u32 i;

	kp_format_nodelist(kp_cfg.slow_override, nodes, sizeof(nodes));
	seq_printf(m, "slow_nodes %s\n", nodes);
	if (kp_cfg.sources_auto) {
		seq_puts(m, "sources auto\n");
	} else if (!kp_cfg.sources) {
		seq_puts(m, "sources none\n");
	} else {
		const char *sep = "";

		seq_puts(m, "sources ");
		for (i = 0; i < KP_NR_SOURCES; i++) {
			if (kp_cfg.sources & (1u << i)) {
				seq_printf(m, "%s%s", sep, kp_source_names[i]);
				sep = ",";
			}
		}
		seq_putc(m, '\n');
	}
	seq_printf(m, "mode %s\n", kp_mode_words[kp_cfg.mode]);
	seq_printf(m, "rate_limit_mbps %u\n", kp_cfg.rate_limit_mbps);
	seq_printf(m, "batch_pages %u\n", kp_cfg.batch_pages);
	seq_printf(m, "hot_threshold %u\n", kp_cfg.hot_threshold);
	seq_printf(m, "window_ms %u\n", kp_cfg.window_ms);
	seq_printf(m, "min_free_pct %u\n", kp_cfg.min_free_pct);
	seq_printf(m, "numa_balancing %s\n", kp_numab_words[kp_cfg.numa_balancing]);
	seq_printf(m, "lru_gen %s\n", kp_lrugen_words[kp_cfg.lru_gen]);
	seq_printf(m, "hintfault_period_max_ms %u\n", kp_cfg.hintfault_period_max_ms);
	seq_printf(m, "hint_latency_ms %u\n", kp_cfg.hint_latency_ms);
	seq_printf(m, "mglru_min_ms %u\n", kp_cfg.mglru_min_ms);
	seq_printf(m, "mglru_max_ms %u\n", kp_cfg.mglru_max_ms);
	seq_printf(m, "inject_fail %s\n", kp_cfg.inject_fail);
}

bool kp_inject(const char *step)
{
	return !strcmp(kp_cfg.inject_fail, step);
}
