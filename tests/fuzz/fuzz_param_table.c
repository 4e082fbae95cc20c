// SPDX-License-Identifier: GPL-2.0
/*
 * The parameter table (src/core/param_table.c): kp_param_index(),
 * kp_param_parse() for every parameter and kp_params_check_pairs().
 *
 * Input: assignments separated by NUL bytes, each "name=value" (a known
 * name) or any text, which is then the value of the parameter its first
 * byte picks (so every parameter is reached without knowing its name).
 *
 * Properties: every default parses; a name is found iff it is a
 * parameter's; a refused value gives a one-line reason; an accepted value
 * is what the spec allows (min..max, "0 or 1000.." for
 * hintfault_period_max_ms, one of the words, a node or source mask, a
 * bounded inject_fail string) and the value the module shows in debugfs
 * `config` parses back to the same value; the rules between parameters
 * fail exactly when mglru_max_ms < mglru_min_ms, naming both.
 */
#include "fuzz.h"
#include "kpromoted/params.h"
#include "kpromoted/parse.h"

#define MAX_ASSIGN 32

static struct kp_param_value defaults[KP_NR_PARAMS];

static u32 nr_words(const char *const *w)
{
	u32 n = 0;

	while (w[n])
		n++;
	return n;
}

/* kp_param_show() (src/core/params.c, kernel-only) for one value. */
static void show(enum kp_param_id id, const struct kp_param_value *v, char *buf, size_t len)
{
	const struct kp_param_spec *p = &kp_param_specs[id];
	u32 i;

	buf[0] = '\0';
	switch (p->type) {
	case KP_P_UINT:
		snprintf(buf, len, "%u", v->num);
		break;
	case KP_P_ENUM:
		snprintf(buf, len, "%s", p->words[v->num]);
		break;
	case KP_P_NODES:
		kp_format_nodelist(v->nodes, buf, len);
		break;
	case KP_P_SOURCES:
		if (v->sources_auto) {
			snprintf(buf, len, "auto");
		} else if (!v->sources) {
			snprintf(buf, len, "none");
		} else {
			for (i = 0; i < KP_NR_SOURCES; i++)
				if (v->sources & (1u << i))
					snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
						 *buf ? "," : "", kp_source_names[i]);
		}
		break;
	case KP_P_INJECT:
		snprintf(buf, len, "%s", v->inject);
		break;
	}
}

static bool same_value(enum kp_param_id id, const struct kp_param_value *a,
		       const struct kp_param_value *b)
{
	switch (kp_param_specs[id].type) {
	case KP_P_UINT:
	case KP_P_ENUM:
		return a->num == b->num;
	case KP_P_NODES:
		return a->nodes == b->nodes;
	case KP_P_SOURCES:
		return a->sources == b->sources && a->sources_auto == b->sources_auto;
	case KP_P_INJECT:
		return !strcmp(a->inject, b->inject);
	}
	return false;
}

static bool has_prefix_name(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(s, prefix, n) && s[n];
}

/* An accepted value is one the spec allows. */
static void check_accepted(enum kp_param_id id, const char *s, const struct kp_param_value *v)
{
	const struct kp_param_spec *p = &kp_param_specs[id];
	size_t len = fz_len_sans_nl(s);

	switch (p->type) {
	case KP_P_UINT:
		FZ_ASSERT(v->num >= p->min && v->num <= p->max, "%s=%s: %u outside %u..%u", p->name,
			  s, v->num, p->min, p->max);
		FZ_ASSERT(id != KP_PARAM_hintfault_period_max_ms || !v->num || v->num >= 1000,
			  "%s=%s: %u", p->name, s, v->num);
		FZ_ASSERT(len && strspn(s, "0123456789") == len, "%s='%s' accepted", p->name, s);
		break;
	case KP_P_ENUM:
		FZ_ASSERT(v->num < nr_words(p->words), "%s=%s: index %u", p->name, s, v->num);
		FZ_ASSERT(strlen(p->words[v->num]) == len && !strncmp(s, p->words[v->num], len),
			  "%s='%s' taken as %s", p->name, s, p->words[v->num]);
		break;
	case KP_P_NODES:
		/* Any u64 is a set of ids below KP_MAX_NODES; the round trip checks the rest. */
		break;
	case KP_P_SOURCES:
		FZ_ASSERT(!(v->sources & ~KP_SRC_ALL), "%s=%s: %#x", p->name, s, v->sources);
		FZ_ASSERT(!v->sources_auto || v->sources == KP_SRC_ALL, "%s=%s: auto %#x", p->name, s,
			  v->sources);
		break;
	case KP_P_INJECT:
		FZ_ASSERT(strnlen(v->inject, KP_INJECT_LEN) < KP_INJECT_LEN, "%s: unterminated",
			  p->name);
		if (has_prefix_name(s, "symbol:") || has_prefix_name(s, "hook:") ||
		    has_prefix_name(s, "btf:") || has_prefix_name(s, "inline:") ||
		    has_prefix_name(s, "after:")) {
			FZ_ASSERT(!strcmp(v->inject, s), "%s='%s' stored as '%s'", p->name, s, v->inject);
		} else {
			u32 i;

			for (i = 0; p->words[i]; i++)
				if (!strcmp(v->inject, p->words[i]))
					break;
			FZ_ASSERT(p->words[i] && strlen(p->words[i]) == len &&
				  !strncmp(s, p->words[i], len), "%s='%s' stored as '%s'", p->name, s,
				  v->inject);
		}
		break;
	}
}

static void check_index(const char *name, size_t len)
{
	/* Exactly the name's bytes, no NUL after them: kp_param_index must stop at len. */
	char *buf = malloc(len ? len : 1);
	int id, i, want = -1;

	if (!buf)
		abort();
	memcpy(buf, name, len);
	id = kp_param_index(buf, len);
	for (i = 0; i < KP_NR_PARAMS; i++)
		if (strlen(kp_param_specs[i].name) == len && !memcmp(kp_param_specs[i].name, name, len))
			want = i;
	FZ_ASSERT(id == want, "'%.*s': index %d, expected %d", (int)len, name, id, want);
	free(buf);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *why = NULL;
	int i;

	(void)argc;
	(void)argv;
	for (i = 0; i < KP_NR_PARAMS; i++) {
		const struct kp_param_spec *p = &kp_param_specs[i];

		FZ_ASSERT(!kp_param_parse(i, p->def, &defaults[i], &why), "default %s=%s: %s",
			  p->name, p->def, why);
		check_accepted(i, p->def, &defaults[i]);
		FZ_ASSERT(kp_param_index(p->name, strlen(p->name)) == i, "%s", p->name);
		FZ_ASSERT(fz_one_line(p->accepted, 200), "%s: accepted text", p->name);
	}
	FZ_ASSERT(!kp_params_check_pairs(defaults, (enum kp_param_id[]){ 0 },
					 (enum kp_param_id[]){ 0 }, &why), "defaults: %s", why);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct kp_param_value vals[KP_NR_PARAMS];
	char *piece[MAX_ASSIGN];
	enum kp_param_id bad = KP_NR_PARAMS, other = KP_NR_PARAMS;
	const char *why;
	int k, i, rc;

	memcpy(vals, defaults, sizeof(vals));
	k = fz_split(d, n, piece, MAX_ASSIGN);
	for (i = 0; i < k; i++) {
		const char *eq = strchr(piece[i], '='), *s = piece[i];
		struct kp_param_value v, back;
		char shown[256];
		int id = -1;

		if (eq) {
			check_index(piece[i], (size_t)(eq - piece[i]));
			id = kp_param_index(piece[i], (size_t)(eq - piece[i]));
		}
		if (id >= 0)
			s = eq + 1;
		else
			id = (unsigned char)piece[i][0] % KP_NR_PARAMS;

		memset(&v, 0, sizeof(v));
		why = NULL;
		rc = kp_param_parse(id, s, &v, &why);
		FZ_ASSERT(rc == 0 || rc == -1, "%s='%s': %d", kp_param_specs[id].name, s, rc);
		if (rc) {
			FZ_ASSERT(fz_one_line(why, 80), "%s='%s': why '%s'", kp_param_specs[id].name, s,
				  why ? why : "(unset)");
			continue;
		}
		check_accepted(id, s, &v);
		/* debugfs `config` shows the value; it must parse back to the same. */
		show(id, &v, shown, sizeof(shown));
		memset(&back, 0, sizeof(back));
		FZ_ASSERT(!kp_param_parse(id, shown, &back, &why) && same_value(id, &v, &back),
			  "%s='%s' shown as '%s', which does not parse back", kp_param_specs[id].name,
			  s, shown);
		FZ_ASSERT(kp_param_specs[id].type == KP_P_INJECT || fz_one_line(shown, 127) ||
			  !*shown, "%s='%s' shown as '%s'", kp_param_specs[id].name, s, shown);
		vals[id] = v;
	}
	why = NULL;
	rc = kp_params_check_pairs(vals, &bad, &other, &why);
	if (vals[KP_PARAM_mglru_max_ms].num < vals[KP_PARAM_mglru_min_ms].num) {
		FZ_ASSERT(rc == -1 && bad == KP_PARAM_mglru_max_ms && other == KP_PARAM_mglru_min_ms &&
			  fz_one_line(why, 80), "max %u < min %u: rc %d bad %d other %d",
			  vals[KP_PARAM_mglru_max_ms].num, vals[KP_PARAM_mglru_min_ms].num, rc, bad,
			  other);
	} else {
		FZ_ASSERT(rc == 0, "max %u >= min %u refused: bad %d other %d",
			  vals[KP_PARAM_mglru_max_ms].num, vals[KP_PARAM_mglru_min_ms].num, bad, other);
	}
	fz_free_all(piece, k);
	return 0;
}
