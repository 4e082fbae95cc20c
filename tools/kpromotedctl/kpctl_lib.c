// SPDX-License-Identifier: GPL-2.0
/* kpromotedctl's pure pieces (see kpctl.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kpctl.h"
#include "kpromoted/parse.h"
#include "kpromoted/tier_select.h"
#include "kpromoted/params.h"

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

/*
 * The parameters, their syntax and ranges come from the module's own table
 * (include/kpromoted/params.h) and are checked by the module's own parsers.
 */
const char *const kpctl_param_names[] = {
#define KPCTL_NAME(name, ...) #name,
	KP_PARAMS(KPCTL_NAME)
#undef KPCTL_NAME
	NULL
};

/* The module keeps at most 63 characters of a value. */
#define KPCTL_RAW_MAX 63

const char *kpctl_param_accepted(const char *name)
{
	int id = kp_param_index(name, strlen(name));

	return id < 0 ? NULL : kp_param_specs[id].accepted;
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

int kpctl_params_check(int argc, char *const *argv, const struct kpctl_nodes *nodes,
		       char *err, size_t errlen)
{
	struct kp_param_value vals[KP_NR_PARAMS];
	bool seen[KP_NR_PARAMS] = { false };
	enum kp_param_id bad, other;
	const char *why = NULL;
	char shown[80];
	int i, id;

	/* What the module will see: the defaults, then what was given. */
	memset(vals, 0, sizeof(vals));
	for (id = 0; id < KP_NR_PARAMS; id++)
		if (kp_param_parse(id, kp_param_specs[id].def, &vals[id], &why))
			return fail(err, errlen, "internal error: default of %s: %s",
				    kp_param_specs[id].name, why);
	for (i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '='), *v;
		const struct kp_param_spec *p;

		printable(arg, shown, sizeof(shown));
		if (!eq || eq == arg)
			return fail(err, errlen, "bad parameter '%s': expected name=value", shown);
		id = kp_param_index(arg, (size_t)(eq - arg));
		if (id < 0)
			return fail(err, errlen, "unknown parameter '%.*s' (known: see kpromotedctl --help)",
				    (int)(eq - arg) < 40 ? (int)(eq - arg) : 40, shown);
		p = &kp_param_specs[id];
		if (seen[id])
			return fail(err, errlen, "parameter %s given twice", p->name);
		seen[id] = true;
		v = eq + 1;
		printable(v, shown, sizeof(shown));
		if (strlen(v) > KPCTL_RAW_MAX)
			return fail(err, errlen, "invalid %s: value too long (accepted: %s)", p->name,
				    p->accepted);
		/*
		 * The kernel's parameter parser splits on its isspace() (9..13, 32 and
		 * 160) and treats quotes.
		 */
		if (strpbrk(v, " \t\n\v\f\r\xa0\"'"))
			return fail(err, errlen, "invalid %s=%s: spaces and quotes are not allowed (accepted: %s)",
				    p->name, shown, p->accepted);
		if (kp_param_parse(id, v, &vals[id], &why))
			return fail(err, errlen, "invalid %s=%s: %s (accepted: %s)", p->name, shown,
				    why, p->accepted);
	}
	if (kp_params_check_pairs(vals, &bad, &other, &why))
		return fail(err, errlen, "invalid %s=%u: %s %s=%u (accepted: %s)",
			    kp_param_specs[bad].name, vals[bad].num, why,
			    kp_param_specs[other].name, vals[other].num, kp_param_specs[bad].accepted);
	if (vals[KP_PARAM_slow_nodes].nodes && nodes && nodes->known) {
		u64 slow = vals[KP_PARAM_slow_nodes].nodes;
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
				    kp_param_specs[KP_PARAM_slow_nodes].accepted);
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
