// SPDX-License-Identifier: GPL-2.0
/* kpromotedctl's pure pieces (see kpctl.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kpctl.h"
#include "kpromoted/policy.h"

/* ---- `name value` text ---- */

int kpctl_kv_parse(const char *text, struct kpctl_kvset *set)
{
	const char *line = text;

	set->n = 0;
	while (line && *line && set->n < KPCTL_MAX_KV) {
		const char *end = strchr(line, '\n'), *sp;
		size_t len = end ? (size_t)(end - line) : strlen(line), nlen, vlen;
		struct kpctl_kv *kv = &set->kv[set->n];

		sp = memchr(line, ' ', len);
		nlen = sp ? (size_t)(sp - line) : len;
		if (nlen > 0 && nlen < KPCTL_NAME_LEN) {
			memcpy(kv->name, line, nlen);
			kv->name[nlen] = '\0';
			vlen = sp ? len - nlen - 1 : 0;
			if (vlen >= KPCTL_VALUE_LEN)
				vlen = KPCTL_VALUE_LEN - 1;
			if (sp)
				memcpy(kv->value, sp + 1, vlen);
			kv->value[vlen] = '\0';
			set->n++;
		}
		line = end ? end + 1 : NULL;
	}
	return set->n;
}

const char *kpctl_kv_get(const struct kpctl_kvset *set, const char *name)
{
	int i;

	for (i = 0; i < set->n; i++)
		if (!strcmp(set->kv[i].name, name))
			return set->kv[i].value;
	return NULL;
}

bool kpctl_is_u64(const char *s)
{
	if (!s || !*s || strlen(s) > 20)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int kpctl_kv_u64(const struct kpctl_kvset *set, const char *name, uint64_t *out)
{
	const char *v = kpctl_kv_get(set, name);

	if (!kpctl_is_u64(v))
		return -1;
	errno = 0;
	*out = strtoull(v, NULL, 10);
	return errno ? -1 : 0;
}

/* ---- parameters ---- */

enum kpctl_ptype { P_UINT, P_ENUM, P_NODES, P_SOURCES, P_INJECT };

static const char *const mode_words[] = { "promote", "observe", NULL };
static const char *const numab_words[] = { "auto", "keep", NULL };
static const char *const lrugen_words[] = { "keep", "enable", NULL };
static const char *const inject_words[] = {
	"none", "tiers", "symbols", "hooks", "debugfs", "sources", NULL
};

/*
 * Names, ranges and the "accepted" texts of docs/interfaces.md; the value
 * syntax is checked by the module's own parsers. tests/ checks this table
 * against src/core/params.c so the two cannot drift apart unnoticed.
 */
static const struct kpctl_param {
	const char *name;
	enum kpctl_ptype type;
	uint32_t min, max;
	const char *const *words;
	const char *accepted;
} params[] = {
	{ "slow_nodes", P_NODES, 0, 0, NULL,
	  "empty, or online memory node ids like 1 or 1,3-4, below 64, leaving one fast" },
	{ "sources", P_SOURCES, 0, 0, NULL, "auto, none, or a comma list of hintfault,mglru,ibs,pebs" },
	{ "mode", P_ENUM, 0, 0, mode_words, "promote, observe" },
	{ "rate_limit_mbps", P_UINT, 1, 100000, NULL, "1..100000" },
	{ "batch_pages", P_UINT, 1, 1024, NULL, "1..1024" },
	{ "hot_threshold", P_UINT, 1, 15, NULL, "1..15" },
	{ "window_ms", P_UINT, 10, 60000, NULL, "10..60000" },
	{ "min_free_pct", P_UINT, 0, 50, NULL, "0..50" },
	{ "numa_balancing", P_ENUM, 0, 0, numab_words, "auto, keep" },
	{ "lru_gen", P_ENUM, 0, 0, lrugen_words, "keep, enable" },
	{ "hintfault_period_max_ms", P_UINT, 0, 600000, NULL, "0 or 1000..600000" },
	{ "hint_latency_ms", P_UINT, 1, 60000, NULL, "1..60000" },
	{ "mglru_min_ms", P_UINT, 50, 60000, NULL, "50..60000" },
	{ "mglru_max_ms", P_UINT, 50, 600000, NULL, "50..600000, not below mglru_min_ms" },
	{ "inject_fail", P_INJECT, 0, 0, NULL,
	  "none, tiers, symbols, hooks, debugfs, sources, symbol:<name>" },
};
#define NR_PARAMS (sizeof(params) / sizeof(params[0]))

const char *const kpctl_param_names[] = {
	"slow_nodes", "sources", "mode", "rate_limit_mbps", "batch_pages", "hot_threshold",
	"window_ms", "min_free_pct", "numa_balancing", "lru_gen", "hintfault_period_max_ms", "hint_latency_ms", "mglru_min_ms",
	"mglru_max_ms", "inject_fail", NULL
};

/* The module keeps at most 63 characters of a value. */
#define KPCTL_RAW_MAX 63

static const struct kpctl_param *param_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NR_PARAMS; i++)
		if (strlen(params[i].name) == len && !strncmp(params[i].name, name, len))
			return &params[i];
	return NULL;
}

const char *kpctl_param_accepted(const char *name)
{
	const struct kpctl_param *p = param_find(name, strlen(name));

	return p ? p->accepted : NULL;
}

static int fail(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Printable form of a user's value for an error line: control bytes as '?'. */
static void printable(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	buf[i] = '\0';
}

static int check_value(const struct kpctl_param *p, const char *v, uint32_t *num,
		       uint64_t *nodes, const char **why)
{
	uint32_t mask, idx;
	bool is_auto;

	switch (p->type) {
	case P_UINT:
		return kp_parse_uint(v, p->min, p->max, num, why);
	case P_ENUM:
		return kp_parse_enum(v, p->words, &idx, why);
	case P_NODES:
		return kp_parse_nodelist(v, nodes, why);
	case P_SOURCES:
		return kp_parse_sources(v, &mask, &is_auto, why);
	case P_INJECT:
		if (!strncmp(v, "symbol:", 7) && v[7] && strlen(v) < 32)
			return 0;
		return kp_parse_enum(v, inject_words, &idx, why);
	}
	*why = "internal error";
	return -1;
}

int kpctl_params_check(int argc, char *const *argv, const struct kpctl_nodes *nodes,
		       char *err, size_t errlen)
{
	bool seen[NR_PARAMS] = { false };
	uint32_t min_ms = 400, max_ms = 5000;
	uint64_t slow = 0;
	const char *why = NULL;
	char shown[80];
	int i;

	for (i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '='), *v;
		const struct kpctl_param *p;
		uint32_t num = 0;

		printable(arg, shown, sizeof(shown));
		if (!eq || eq == arg)
			return fail(err, errlen, "bad parameter '%s': expected name=value", shown);
		p = param_find(arg, (size_t)(eq - arg));
		if (!p)
			return fail(err, errlen, "unknown parameter '%.*s' (known: see kpromotedctl --help)",
				    (int)(eq - arg) < 40 ? (int)(eq - arg) : 40, shown);
		if (seen[p - params])
			return fail(err, errlen, "parameter %s given twice", p->name);
		seen[p - params] = true;
		v = eq + 1;
		printable(v, shown, sizeof(shown));
		if (strlen(v) > KPCTL_RAW_MAX)
			return fail(err, errlen, "invalid %s: value too long (accepted: %s)", p->name,
				    p->accepted);
		/* The kernel's parameter parser splits on spaces and treats quotes. */
		if (strpbrk(v, " \t\n\"'"))
			return fail(err, errlen, "invalid %s=%s: spaces and quotes are not allowed (accepted: %s)",
				    p->name, shown, p->accepted);
		if (check_value(p, v, &num, &slow, &why))
			return fail(err, errlen, "invalid %s=%s: %s (accepted: %s)", p->name, shown,
				    why, p->accepted);
		if (!strcmp(p->name, "mglru_min_ms"))
			min_ms = num;
		else if (!strcmp(p->name, "mglru_max_ms"))
			max_ms = num;
	}
	if (max_ms < min_ms)
		return fail(err, errlen, "invalid mglru_max_ms=%u: below mglru_min_ms=%u (accepted: 50..600000, not below mglru_min_ms)",
			    max_ms, min_ms);
	if (slow && nodes && nodes->known) {
		struct kp_node_info info[KP_MAX_NODES];
		struct kp_tiers tiers;
		char list[128];
		int nid;

		memset(info, 0, sizeof(info));
		for (nid = 0; nid < KP_MAX_NODES; nid++) {
			info[nid].online = nodes->online >> nid & 1;
			info[nid].has_memory = nodes->memory >> nid & 1;
			info[nid].has_cpu = nodes->cpu >> nid & 1;
		}
		kp_format_nodelist(slow, list, sizeof(list));
		if (kp_select_tiers(info, KP_MAX_NODES, slow, &tiers, &why))
			return fail(err, errlen, "invalid slow_nodes=%s: %s (accepted: %s)", list, why,
				    param_find("slow_nodes", 10)->accepted);
	}
	return 0;
}

/* ---- rates and formatting ---- */

static double delta(const struct kpctl_kvset *a, const struct kpctl_kvset *b, const char *name,
		    double secs)
{
	uint64_t x, y;

	if (secs <= 0 || kpctl_kv_u64(a, name, &x) || kpctl_kv_u64(b, name, &y) || y < x)
		return 0;
	return (double)(y - x) / secs;
}

void kpctl_rates(const struct kpctl_kvset *a, const struct kpctl_kvset *b, double secs,
		 struct kpctl_rates *r)
{
	r->mb_s = delta(a, b, "promoted_bytes", secs) / 1e6;
	r->pages_s = delta(a, b, "promoted_pages", secs);
	r->batches_s = delta(a, b, "promote_batches", secs);
	r->records_s = delta(a, b, "records", secs);
	r->dropped_s = delta(a, b, "records_dropped", secs);
	r->candidates_s = delta(a, b, "candidates", secs);
	r->hintfault_s = delta(a, b, "records_hintfault", secs);
	r->mglru_s = delta(a, b, "records_mglru", secs);
	r->skipped_rate_s = delta(a, b, "skipped_rate_limit", secs);
	r->skipped_room_s = delta(a, b, "skipped_no_room", secs);
	r->failed_s = delta(a, b, "failed_isolate", secs) + delta(a, b, "failed_migrate", secs);
}

char *kpctl_fmt_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

int kpctl_parse_interval(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v >= 0.05 && v <= 3600))
		return -1;
	*out = v;
	return 0;
}

int kpctl_parse_count(const char *s, long *out)
{
	uint32_t v;
	const char *why;

	if (kp_parse_uint(s, 1, 1000000, &v, &why))
		return -1;
	*out = v;
	return 0;
}

/* ---- JSON ---- */

static void json_string(const char *s, FILE *out)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void kpctl_json(const struct kpctl_kvset *set, FILE *out)
{
	int i;

	fputs("{", out);
	for (i = 0; i < set->n; i++) {
		fputs(i ? ",\n  " : "\n  ", out);
		json_string(set->kv[i].name, out);
		fputs(": ", out);
		/* Counters as numbers (no leading zeros: JSON forbids them); the rest as strings. */
		if (kpctl_is_u64(set->kv[i].value) &&
		    (set->kv[i].value[0] != '0' || !set->kv[i].value[1]))
			fputs(set->kv[i].value, out);
		else
			json_string(set->kv[i].value, out);
	}
	fputs(set->n ? "\n}\n" : "}\n", out);
}

/* ---- settings ---- */

int kpctl_settings_diff(const struct kpctl_kvset *saved, const struct kpctl_kvset *now,
			char *err, size_t errlen)
{
	int i, n = 0;

	for (i = 0; i < saved->n; i++) {
		const char *was = saved->kv[i].value, *is = kpctl_kv_get(now, saved->kv[i].name);

		if (is && !strcmp(is, was))
			continue;
		if (!n++)
			snprintf(err, errlen, "%s is %s, was %s before load", saved->kv[i].name,
				 is ? is : "(unreadable)", was);
	}
	return n;
}
