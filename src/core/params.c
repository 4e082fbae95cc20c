// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters, declared from the one table in kpromoted/params.h.
 * The kernel only stores each raw string; the whole set is validated in
 * one place at load, so a bad value produces exactly one line naming the
 * parameter and its accepted range, and the load fails before anything is
 * allocated or hooked. All parameters are read-only after load (0444): the
 * effective values are in debugfs `config`.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/params.h"
#include "kpromoted/parse.h"

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

#define KP_PARAM_DECL(name, type, tstr, min, max, words, def, acc, desc) \
	static struct kp_raw kp_raw_##name = { .val = def };		\
	module_param_cb(name, &kp_raw_ops, &kp_raw_##name, 0444);	\
	__MODULE_PARM_TYPE(name, tstr);					\
	MODULE_PARM_DESC(name, desc);
KP_PARAMS(KP_PARAM_DECL)
#undef KP_PARAM_DECL

static struct kp_raw *const kp_raws[KP_NR_PARAMS] = {
#define KP_PARAM_RAW(name, ...) [KP_PARAM_##name] = &kp_raw_##name,
	KP_PARAMS(KP_PARAM_RAW)
#undef KP_PARAM_RAW
};

/* Where each parameter lands in struct kp_config (same name). */
static const size_t kp_cfg_off[KP_NR_PARAMS] = {
#define KP_PARAM_OFF(name, ...) [KP_PARAM_##name] = offsetof(struct kp_config, name),
	KP_PARAMS(KP_PARAM_OFF)
#undef KP_PARAM_OFF
};

struct kp_config kp_cfg;

static void kp_param_store(enum kp_param_id id, const struct kp_param_value *v)
{
	void *dst = (char *)&kp_cfg + kp_cfg_off[id];

	switch (kp_param_specs[id].type) {
	case KP_P_UINT:
	case KP_P_ENUM:
		*(u32 *)dst = v->num;
		break;
	case KP_P_NODES:
		*(u64 *)dst = v->nodes;
		break;
	case KP_P_SOURCES:
		*(u32 *)dst = v->sources;
		kp_cfg.sources_auto = v->sources_auto;
		break;
	case KP_P_INJECT:
		strscpy(dst, v->inject, KP_INJECT_LEN);
		break;
	}
}

static void kp_param_reject(enum kp_param_id id, const char *why)
{
	const struct kp_raw *raw = kp_raws[id];

	pr_err("invalid %s=%*pE: %s (accepted: %s)\n", kp_param_specs[id].name,
	       (int)strnlen(raw->val, KP_RAW_LEN), raw->val, why, kp_param_specs[id].accepted);
}

int kp_params_validate(void)
{
	static struct kp_param_value vals[KP_NR_PARAMS];
	enum kp_param_id bad, other;
	const char *why = NULL;
	int i;

	memset(&kp_cfg, 0, sizeof(kp_cfg));
	memset(vals, 0, sizeof(vals));
	for (i = 0; i < KP_NR_PARAMS; i++) {
		if (kp_raws[i]->too_long)
			why = "value too long";
		else if (!kp_param_parse(i, kp_raws[i]->val, &vals[i], &why))
			continue;
		kp_param_reject(i, why);
		return -EINVAL;
	}
	if (kp_params_check_pairs(vals, &bad, &other, &why)) {
		pr_err("invalid %s=%u: %s %s=%u (accepted: %s)\n", kp_param_specs[bad].name,
		       vals[bad].num, why, kp_param_specs[other].name, vals[other].num,
		       kp_param_specs[bad].accepted);
		return -EINVAL;
	}
	for (i = 0; i < KP_NR_PARAMS; i++)
		kp_param_store(i, &vals[i]);
	return 0;
}

static void kp_param_show(struct seq_file *m, enum kp_param_id id)
{
	const struct kp_param_spec *p = &kp_param_specs[id];
	const void *src = (const char *)&kp_cfg + kp_cfg_off[id];
	char nodes[128];
	const char *sep = "";
	u32 i;

	seq_printf(m, "%s ", p->name);
	switch (p->type) {
	case KP_P_UINT:
		seq_printf(m, "%u", *(const u32 *)src);
		break;
	case KP_P_ENUM:
		seq_puts(m, p->words[*(const u32 *)src]);
		break;
	case KP_P_NODES:
		kp_format_nodelist(*(const u64 *)src, nodes, sizeof(nodes));
		seq_puts(m, nodes);
		break;
	case KP_P_SOURCES:
		if (kp_cfg.sources_auto) {
			seq_puts(m, "auto");
		} else if (!kp_cfg.sources) {
			seq_puts(m, "none");
		} else {
			for (i = 0; i < KP_NR_SOURCES; i++) {
				if (kp_cfg.sources & (1u << i)) {
					seq_printf(m, "%s%s", sep, kp_source_names[i]);
					sep = ",";
				}
			}
		}
		break;
	case KP_P_INJECT:
		seq_puts(m, src);
		break;
	}
	seq_putc(m, '\n');
}

void kp_params_show(struct seq_file *m)
{
	int i;

	for (i = 0; i < KP_NR_PARAMS; i++)
		kp_param_show(m, i);
}

bool kp_inject(const char *step)
{
	return !strcmp(kp_cfg.inject_fail, step);
}

bool kp_inject_named(const char *kind, const char *name)
{
	size_t n = strlen(kind);

	return !strncmp(kp_cfg.inject_fail, kind, n) && !strcmp(kp_cfg.inject_fail + n, name);
}
