// SPDX-License-Identifier: GPL-2.0
/*
 * The parameter table of kpromoted/params.h made concrete: the spec of each
 * parameter, lookup by name, parsing of one value and the rules between
 * parameters. Pure, built into the module (declared by src/core/params.c),
 * tools/kpromotedctl and the host unit tests (tests/unit).
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include <string.h>
#endif
#include "kpromoted/params.h"
#include "kpromoted/parse.h"

const char *const kp_mode_words[] = { "promote", "observe", NULL };
const char *const kp_numab_words[] = { "auto", "keep", NULL };
const char *const kp_lrugen_words[] = { "keep", "enable", NULL };
const char *const kp_onoff_words[] = { "on", "off", NULL };
const char *const kp_inject_words[] = {
	"none", "tiers", "symbols", "hooks", "debugfs", "sources", "room", "nobtf", NULL
};

const struct kp_param_spec kp_param_specs[KP_NR_PARAMS] = {
#define KP_PARAM_SPEC(pname, ptype, tstr, pmin, pmax, pwords, pdef, pacc, pdesc) \
	[KP_PARAM_##pname] = { .name = #pname, .type = ptype, .min = pmin, .max = pmax, \
			       .words = pwords, .def = pdef, .accepted = pacc },
	KP_PARAMS(KP_PARAM_SPEC)
#undef KP_PARAM_SPEC
};

int kp_param_index(const char *name, size_t len)
{
	int i;

	for (i = 0; i < KP_NR_PARAMS; i++)
		if (strlen(kp_param_specs[i].name) == len &&
		    !strncmp(name, kp_param_specs[i].name, len))
			return i;
	return -1;
}

/* inject_fail=<kind>:<name>, a load step of one named thing made to fail. */
static bool kp_inject_named_ok(const char *s)
{
	static const char *const kinds[] = { "symbol:", "hook:", "btf:", "inline:", "after:", NULL };
	int i;

	for (i = 0; kinds[i]; i++)
		if (!strncmp(s, kinds[i], strlen(kinds[i])) && s[strlen(kinds[i])])
			return true;
	return false;
}

int kp_param_parse(enum kp_param_id id, const char *s, struct kp_param_value *out,
		   const char **why)
{
	const struct kp_param_spec *p = &kp_param_specs[id];
	u32 idx;

	switch (p->type) {
	case KP_P_UINT:
		if (kp_parse_uint(s, p->min, p->max, &out->num, why))
			return -1;
		/* "0 or N..max": zero switches the feature off. */
		if (id == KP_PARAM_hintfault_period_max_ms && out->num && out->num < 1000) {
			*why = "out of range";
			return -1;
		}
		/* IBS counts in units of 16 ops. */
		if (id == KP_PARAM_ibs_period && (out->num & 15)) {
			*why = "not a multiple of 16";
			return -1;
		}
		return 0;
	case KP_P_ENUM:
		return kp_parse_enum(s, p->words, &out->num, why);
	case KP_P_NODES:
		return kp_parse_nodelist(s, &out->nodes, why);
	case KP_P_SOURCES:
		return kp_parse_sources(s, &out->sources, &out->sources_auto, why);
	case KP_P_INJECT:
		if (kp_inject_named_ok(s) && strlen(s) < KP_INJECT_LEN) {
			memcpy(out->inject, s, strlen(s) + 1);
			return 0;
		}
		if (kp_parse_enum(s, p->words, &idx, why))
			return -1;
		memcpy(out->inject, p->words[idx], strlen(p->words[idx]) + 1);
		return 0;
	}
	*why = "internal error";
	return -1;
}

int kp_params_check_pairs(const struct kp_param_value *vals, enum kp_param_id *bad,
			  enum kp_param_id *other, const char **why)
{
	if (vals[KP_PARAM_mglru_max_ms].num < vals[KP_PARAM_mglru_min_ms].num) {
		*bad = KP_PARAM_mglru_max_ms;
		*other = KP_PARAM_mglru_min_ms;
		*why = "below";
		return -1;
	}
	return 0;
}
