// SPDX-License-Identifier: GPL-2.0
/*
 * kpromotedctl's reading of debugfs and /run text (tools/kpromotedctl/
 * kpctl_lib.c): kpctl_kv_parse(), kpctl_kv_get(), kpctl_kv_u64(),
 * kpctl_json(), kpctl_settings_diff(), kpctl_rates(), kpctl_fmt_bytes(),
 * kpctl_prometheus().
 *
 * Input: one text (what `stats`, `tiers` or the saved settings hold), or two
 * separated by a NUL byte (the second: the settings read after unload, or
 * the next stats sample).
 *
 * Properties: the pairs are those of a line-by-line model (name up to the
 * first space, 1..63 bytes; the rest of the line, cut to 191 bytes; lines
 * without a name skipped; at most KPCTL_MAX_KV), and written back as text
 * they parse to the same pairs; kv_get finds the first pair of a name;
 * kv_u64 takes exactly the decimal numbers below 2^64; --json output is one
 * valid JSON object whose members are the pairs in order, numbers exactly
 * where a value is a number without leading zeros; the settings
 * difference counts the saved pairs not found unchanged and describes the
 * first in one line; rates are finite and never negative; a byte count
 * formats within its buffer; the Prometheus text (the first text as stats,
 * the second as sources, the first value as the version) is only HELP, TYPE
 * and sample lines, each family once, its HELP then its TYPE then its
 * samples, names kpromoted_[a-z0-9_]*, counters exactly the families ending
 * in _total, label values without a quote, backslash or newline, values
 * decimal numbers, no series twice, as many samples as it returns.
 * The first text as debugfs `regions` (heatmap): accepted or refused with
 * one line and nothing kept; accepted, every span is folded into at most
 * 64 x 32 cells each the hottest of its regions, and drawn; as `owners`
 * (top): one line when refused; accepted, one owner per `cgroup ` line
 * (a name never adds a row), each path escaped again as the module does
 * (space, control, backslash, non-ASCII as \ooo) parses back to the same
 * owner, the table has one line per owner shown and no control byte but
 * its newlines, and the rates of the second text against it are finite and
 * never negative, sorted with `other` last. The first text as one escaped
 * name: accepted, escaped again it reads back the same, and it is refused
 * when it holds a raw space, control or non-ASCII byte.
 */
#include <math.h>
#include "fuzz.h"
#include "kpctl.h"

static struct kpctl_kvset a, b, model, again;
static struct kpctl_owners own_a, own_b;

static void check_regions(const char *text)
{
	struct kpctl_regions r;
	struct kpctl_fold f;
	char err[256] = "";
	uint64_t j;
	FILE *out;
	int i;

	if (kpctl_regions_parse(text, &r, err, sizeof(err))) {
		FZ_ASSERT(*err && !strchr(err, '\n') && !r.n, "regions refused: '%s', %d spans", err, r.n);
		return;
	}
	out = fopen("/dev/null", "w");
	for (i = 0; i < r.n; i++) {
		FZ_ASSERT(!kpctl_fold(&r.span[i], 64, 32, &f), "fold of %llu regions",
			  (unsigned long long)r.span[i].nr);
		FZ_ASSERT(f.rows >= 1 && f.rows <= 32 && f.cells <= (uint64_t)f.rows * 64 &&
			  f.cells * f.per_cell >= r.span[i].nr, "fold: %d rows, %llu cells",
			  f.rows, (unsigned long long)f.cells);
		for (j = 0; j < r.span[i].nr; j++)
			FZ_ASSERT(f.cell[j / f.per_cell] >= r.span[i].heat[j], "fold lost region %llu",
				  (unsigned long long)j);
		if (out)
			kpctl_heatmap_render(&r.span[i], &f, i & 1, out);
		kpctl_fold_free(&f);
	}
	if (out)
		fclose(out);
	kpctl_regions_free(&r);
}

/* name as the module prints it (seq_escape_str, ESCAPE_OCTAL | ESCAPE_NAP | ESCAPE_APPEND, " \t\n\\"). */
static size_t module_escape(const char *name, char *out)
{
	size_t n = 0;

	for (; *name; name++) {
		unsigned char c = (unsigned char)*name;

		if (c <= ' ' || c >= 0x7f || c == '\\')
			n += (size_t)sprintf(out + n, "\\%03o", c);
		else
			out[n++] = (char)c;
	}
	out[n] = '\0';
	return n;
}

static void check_names(const char *t1, size_t n1)
{
	static char name[256], again[4 * sizeof(name) + 1], back[sizeof(name)];
	size_t i;

	if (kpctl_unescape_name(t1, n1, name, sizeof(name)))
		return;
	for (i = 0; i < n1; i++)
		FZ_ASSERT((unsigned char)t1[i] > ' ' && (unsigned char)t1[i] < 0x7f,
			  "a raw byte %#x accepted in a name", (unsigned char)t1[i]);
	/* \ooo of a printable byte is accepted too: the name, not the text, comes back. */
	module_escape(name, again);
	FZ_ASSERT(!kpctl_unescape_name(again, strlen(again), back, sizeof(back)) && !strcmp(back, name),
		  "name: '%s' escaped again is '%s', read back '%s'", name, again, back);
}

static void check_owners(const char *t1, const char *t2)
{
	static struct kpctl_owners back;
	static char text[1100 * (80 + 4 * 256)];
	char err[256] = "", *buf = NULL;
	const char *line;
	size_t len = 0, tl = 0;
	int i, lines = 0, known, others;
	FILE *out;

	if (kpctl_owners_parse(t1, KPCTL_BY_CGROUP, &own_a, err, sizeof(err))) {
		FZ_ASSERT(*err && !strchr(err, '\n'), "owners refused: '%s'", err);
		return;
	}
	for (line = t1; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		lines += !strncmp(line, "cgroup ", 7);
	FZ_ASSERT(own_a.n == lines, "%d owners from %d cgroup lines", own_a.n, lines);
	/* Written back as the module would, the same owners. */
	for (i = 0; i < own_a.n; i++) {
		const struct kpctl_owner *o = &own_a.o[i];

		if (o->other)
			tl += (size_t)sprintf(text + tl, "cgroup other");
		else
			tl += (size_t)sprintf(text + tl, "cgroup %llu", (unsigned long long)o->id);
		tl += (size_t)sprintf(text + tl, " %llu %llu", (unsigned long long)o->sighted,
				      (unsigned long long)o->promoted);
		if (o->path[0]) {
			text[tl++] = ' ';
			tl += module_escape(o->path, text + tl);
		}
		text[tl++] = '\n';
	}
	text[tl] = '\0';
	FZ_ASSERT(!kpctl_owners_parse(text, KPCTL_BY_CGROUP, &back, err, sizeof(err)) && back.n == own_a.n,
		  "owners written back refused: %s", err);
	for (i = 0; i < own_a.n; i++)
		FZ_ASSERT(back.o[i].id == own_a.o[i].id && back.o[i].other == own_a.o[i].other &&
			  back.o[i].sighted == own_a.o[i].sighted &&
			  back.o[i].promoted == own_a.o[i].promoted &&
			  !strcmp(back.o[i].path, own_a.o[i].path), "owner %d written back differs", i);
	/* The table: one line per owner shown, no control byte but newlines. */
	out = open_memstream(&buf, &len);
	if (out) {
		kpctl_top_render(&own_a, KPCTL_BY_CGROUP, 20, NULL, NULL, out);
		fclose(out);
		for (known = 0, others = 0, i = 0; i < own_a.n; i++) {
			known += !own_a.o[i].other;
			others += own_a.o[i].other && (own_a.o[i].sighted || own_a.o[i].promoted);
		}
		for (i = 0, lines = 0; buf && (size_t)i < len; i++) {
			FZ_ASSERT(((unsigned char)buf[i] >= ' ' && (unsigned char)buf[i] < 0x7f) ||
				  buf[i] == '\n', "a raw byte %#x in the table", (unsigned char)buf[i]);
			lines += buf[i] == '\n';
		}
		/* Two of heading, the first 20 known owners, each `other` with counts. */
		FZ_ASSERT(lines == 2 + (known < 20 ? known : 20) + others,
			  "%d table lines for %d owners and %d other", lines, known, others);
		free(buf);
	}
	if (kpctl_owners_parse(t2, KPCTL_BY_CGROUP, &own_b, err, sizeof(err)))
		return;
	kpctl_owners_rates(&own_a, &own_b, 1.0);
	kpctl_owners_sort(&own_b);
	for (i = 0; i < own_b.n; i++) {
		FZ_ASSERT(isfinite(own_b.o[i].sighted_s) && own_b.o[i].sighted_s >= 0 &&
			  isfinite(own_b.o[i].promoted_s) && own_b.o[i].promoted_s >= 0, "owner rates");
		FZ_ASSERT(!own_b.o[i].other || i == own_b.n - 1 || own_b.o[i + 1].other,
			  "other before a known owner");
	}
}

static void kv_model(const char *text, struct kpctl_kvset *set)
{
	const char *line = text;

	set->n = 0;
	while (*line && set->n < KPCTL_MAX_KV) {
		size_t len = strcspn(line, "\n"), nlen = strcspn(line, " \n");

		if (nlen >= 1 && nlen <= KPCTL_NAME_LEN - 1) {
			struct kpctl_kv *kv = &set->kv[set->n++];
			size_t vlen = nlen < len ? len - nlen - 1 : 0;

			if (vlen > KPCTL_VALUE_LEN - 1)
				vlen = KPCTL_VALUE_LEN - 1;
			memcpy(kv->name, line, nlen);
			kv->name[nlen] = '\0';
			memcpy(kv->value, line + nlen + 1, vlen);
			kv->value[vlen] = '\0';
		}
		line += len;
		if (*line == '\n')
			line++;
	}
}

static void check_same(const struct kpctl_kvset *x, const struct kpctl_kvset *y, const char *what)
{
	int i;

	FZ_ASSERT(x->n == y->n, "%s: %d pairs, expected %d", what, x->n, y->n);
	for (i = 0; i < x->n; i++)
		FZ_ASSERT(!strcmp(x->kv[i].name, y->kv[i].name) &&
			  !strcmp(x->kv[i].value, y->kv[i].value),
			  "%s: pair %d '%s' '%s', expected '%s' '%s'", what, i, x->kv[i].name,
			  x->kv[i].value, y->kv[i].name, y->kv[i].value);
}

/* The text of a set, in a buffer of exactly its size. */
static char *kv_text(const struct kpctl_kvset *set)
{
	size_t len = 1, pos = 0;
	char *t;
	int i;

	for (i = 0; i < set->n; i++)
		len += strlen(set->kv[i].name) + strlen(set->kv[i].value) + 2;
	t = malloc(len);
	if (!t)
		abort();
	t[0] = '\0';
	for (i = 0; i < set->n; i++)
		pos += (size_t)snprintf(t + pos, len - pos, "%s %s\n", set->kv[i].name,
					set->kv[i].value);
	return t;
}

/* Decimal, 1..20 digits, below 2^64: into *v. */
static bool model_u64(const char *s, uint64_t *v)
{
	size_t n = strlen(s), i;

	*v = 0;
	if (!n || n > 20 || strspn(s, "0123456789") != n)
		return false;
	for (i = 0; i < n; i++) {
		if (*v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return false;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return true;
}

/* ---- a strict reader of what kpctl_json() writes ---- */

struct jr {
	const char *p, *end;
};

static void jr_ws(struct jr *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\t' || *r->p == '\r'))
		r->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A JSON string into out (bytes; \u escapes below 0x100 only, as kpctl writes them). */
static bool jr_string(struct jr *r, char *out, size_t len)
{
	size_t n = 0;

	if (r->p >= r->end || *r->p != '"')
		return false;
	r->p++;
	while (r->p < r->end && *r->p != '"') {
		unsigned char c = (unsigned char)*r->p++;

		if (c < 0x20)
			return false;
		if (c == '\\') {
			if (r->p >= r->end)
				return false;
			c = (unsigned char)*r->p++;
			if (c == 'u') {
				int h[4], k;

				if (r->end - r->p < 4)
					return false;
				for (k = 0; k < 4; k++)
					if ((h[k] = hexval(r->p[k])) < 0)
						return false;
				r->p += 4;
				if (h[0] || h[1])
					return false;
				c = (unsigned char)(h[2] << 4 | h[3]);
			} else if (c == 'n') {
				c = '\n';
			} else if (c == 't') {
				c = '\t';
			} else if (c == 'r') {
				c = '\r';
			} else if (c == 'b') {
				c = '\b';
			} else if (c == 'f') {
				c = '\f';
			} else if (c != '"' && c != '\\' && c != '/') {
				return false;
			}
		}
		if (n + 1 >= len)
			return false;
		out[n++] = (char)c;
	}
	if (r->p >= r->end)
		return false;
	r->p++;
	out[n] = '\0';
	return true;
}

/* A JSON number as kpctl writes them: an unsigned integer without leading zeros. */
static bool jr_number(struct jr *r, char *out, size_t len)
{
	size_t n = 0;

	if (r->p >= r->end || *r->p < '0' || *r->p > '9')
		return false;
	if (*r->p == '0' && r->p + 1 < r->end && r->p[1] >= '0' && r->p[1] <= '9')
		return false;
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
		if (n + 1 >= len)
			return false;
		out[n++] = *r->p++;
	}
	out[n] = '\0';
	return true;
}

static void check_json(const struct kpctl_kvset *set)
{
	char *out = NULL, key[KPCTL_NAME_LEN], val[KPCTL_VALUE_LEN];
	size_t len = 0;
	struct jr r;
	FILE *f = open_memstream(&out, &len);
	int i;

	if (!f)
		abort();
	kpctl_json(set, f);
	fclose(f);
	r.p = out;
	r.end = out + len;
	jr_ws(&r);
	FZ_ASSERT(r.p < r.end && *r.p == '{', "JSON does not start with {: %s", out);
	r.p++;
	for (i = 0; i < set->n; i++) {
		bool num;

		jr_ws(&r);
		if (i) {
			FZ_ASSERT(r.p < r.end && *r.p == ',', "member %d: no comma: %s", i, r.p);
			r.p++;
			jr_ws(&r);
		}
		FZ_ASSERT(jr_string(&r, key, sizeof(key)) && !strcmp(key, set->kv[i].name),
			  "member %d: key is not '%s'", i, set->kv[i].name);
		jr_ws(&r);
		FZ_ASSERT(r.p < r.end && *r.p == ':', "member %d: no colon", i);
		r.p++;
		jr_ws(&r);
		num = r.p < r.end && *r.p != '"';
		FZ_ASSERT(num ? jr_number(&r, val, sizeof(val)) : jr_string(&r, val, sizeof(val)),
			  "member %d (%s): value not valid JSON", i, key);
		FZ_ASSERT(!strcmp(val, set->kv[i].value), "member %d (%s): '%s', expected '%s'", i, key,
			  val, set->kv[i].value);
		FZ_ASSERT(num == (kpctl_is_u64(val) && (val[0] != '0' || !val[1])),
			  "member %d (%s): '%s' as %s", i, key, val, num ? "number" : "string");
	}
	jr_ws(&r);
	FZ_ASSERT(r.p < r.end && *r.p == '}', "JSON: no closing }");
	r.p++;
	jr_ws(&r);
	FZ_ASSERT(r.p == r.end, "JSON: text after the object");
	free(out);
}

static const char *first_value(const struct kpctl_kvset *set, const char *name)
{
	int i;

	for (i = 0; i < set->n; i++)
		if (!strcmp(set->kv[i].name, name))
			return set->kv[i].value;
	return NULL;
}

static void check_set(const char *text, struct kpctl_kvset *set)
{
	char *t;
	int i, n = kpctl_kv_parse(text, set);

	kv_model(text, &model);
	FZ_ASSERT(n == set->n, "returned %d, set has %d", n, set->n);
	check_same(set, &model, "parse");
	t = kv_text(set);
	kpctl_kv_parse(t, &again);
	check_same(&again, set, "written back");
	free(t);
	for (i = 0; i < set->n; i++) {
		uint64_t v = 1, mv;
		bool ok = !kpctl_kv_u64(set, set->kv[i].name, &v);
		const char *first = first_value(set, set->kv[i].name);

		FZ_ASSERT(kpctl_kv_get(set, set->kv[i].name) == first, "get '%s': not the first",
			  set->kv[i].name);
		FZ_ASSERT(ok == model_u64(first, &mv) && (!ok || v == mv), "u64 '%s' = '%s': %d %llu",
			  set->kv[i].name, first, ok, (unsigned long long)v);
		FZ_ASSERT(kpctl_is_u64(set->kv[i].value) ==
			  (*set->kv[i].value && strlen(set->kv[i].value) <= 20 &&
			   strspn(set->kv[i].value, "0123456789") == strlen(set->kv[i].value)),
			  "is_u64 '%s'", set->kv[i].value);
		if (ok) {
			char *buf;
			size_t len = 1 + (size_t)(v % 24);

			/* Exactly len bytes: ASan sees a write past them. */
			buf = malloc(len);
			if (!buf)
				abort();
			FZ_ASSERT(kpctl_fmt_bytes(v, buf, len) == buf && strlen(buf) < len,
				  "fmt_bytes %llu in %zu", (unsigned long long)v, len);
			free(buf);
		}
	}
	check_json(set);
}

/* ---- a strict reader of what kpctl_prometheus() writes ---- */

static size_t prom_name(const char *p)
{
	size_t k;

	if (strncmp(p, "kpromoted_", 10))
		return 0;
	k = 10 + strspn(p + 10, "abcdefghijklmnopqrstuvwxyz0123456789_");
	return k;
}

static void check_prometheus(const struct kpctl_kvset *st, const struct kpctl_kvset *src,
			     const char *version)
{
	char *out = NULL, *line, *next, fam[128] = "", **seen = NULL, **series = NULL;
	int ret, samples = 0, nseen = 0, i;
	bool counter = false, typed = false;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&out, &len);
	if (!f)
		abort();
	ret = kpctl_prometheus(st, src, version, f);
	fclose(f);
	FZ_ASSERT(!len || out[len - 1] == '\n', "prometheus: output does not end a line");
	seen = calloc((size_t)(len / 8 + 2), sizeof(*seen));
	series = calloc((size_t)(len / 8 + 2), sizeof(*series));
	if (!seen || !series)
		abort();
	for (line = out; *line; line = next) {
		size_t k;

		next = strchr(line, '\n');
		*next++ = '\0';
		if (!strncmp(line, "# HELP ", 7)) {
			k = prom_name(line + 7);
			FZ_ASSERT(k && k < sizeof(fam) && line[7 + k] == ' ' && line[8 + k],
				  "prometheus: bad HELP '%s'", line);
			for (i = 0; i < nseen; i++)
				FZ_ASSERT(strncmp(seen[i], line + 7, k) || seen[i][k],
					  "prometheus: family '%.*s' twice", (int)k, line + 7);
			seen[nseen] = strndup(line + 7, k);
			snprintf(fam, sizeof(fam), "%s", seen[nseen++]);
			typed = false;
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			k = strlen(fam);
			FZ_ASSERT(!typed && k && !strncmp(line + 7, fam, k) && line[7 + k] == ' ',
				  "prometheus: TYPE '%s' not right after the HELP of '%s'", line, fam);
			counter = !strcmp(line + 8 + k, "counter");
			FZ_ASSERT(counter || !strcmp(line + 8 + k, "gauge"), "prometheus: type '%s'", line);
			FZ_ASSERT(counter == (k > 6 && !strcmp(fam + k - 6, "_total")),
				  "prometheus: %s is a %s", fam, counter ? "counter" : "gauge");
			typed = true;
			continue;
		}
		/* A sample of the current family. */
		k = prom_name(line);
		FZ_ASSERT(typed && k == strlen(fam) && !strncmp(line, fam, k),
			  "prometheus: sample '%s' outside its family '%s'", line, fam);
		if (line[k] == '{') {
			char *p = line + k + 1;

			do {
				size_t l = strspn(p, "abcdefghijklmnopqrstuvwxyz_");

				FZ_ASSERT(l && p[l] == '=' && p[l + 1] == '"', "prometheus: label in '%s'", line);
				p += l + 2;
				p += strcspn(p, "\"\\");
				FZ_ASSERT(*p == '"', "prometheus: label value in '%s'", line);
				p++;
			} while (*p == ',' && p++);
			FZ_ASSERT(*p == '}', "prometheus: labels of '%s'", line);
			k = (size_t)(p + 1 - line);
		}
		FZ_ASSERT(line[k] == ' ' && line[k + 1] && strspn(line + k + 1, "0123456789.") ==
			  strlen(line + k + 1) && strchr(line + k + 1, '.') == strrchr(line + k + 1, '.') &&
			  line[k + 1] != '.' && line[strlen(line) - 1] != '.',
			  "prometheus: value of '%s'", line);
		line[k] = '\0';
		for (i = 0; i < samples; i++)
			FZ_ASSERT(strcmp(series[i], line), "prometheus: series '%s' twice", line);
		series[samples++] = strdup(line);
	}
	FZ_ASSERT(samples == ret, "prometheus: %d samples, returned %d", samples, ret);
	for (i = 0; i < nseen; i++)
		free(seen[i]);
	for (i = 0; i < samples; i++)
		free(series[i]);
	free(seen);
	free(series);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	size_t n1 = strnlen((const char *)d, n);
	char *t1 = fz_str(d, n1), *t2 = fz_str(n1 < n ? d + n1 + 1 : d + n, n1 < n ? n - n1 - 1 : 0);
	char err[256], *small;
	struct kpctl_rates r;
	size_t k;
	int i, diff, want = 0, first = -1;

	check_set(t1, &a);
	check_set(t2, &b);

	/* a: the settings saved at load; b: read after unload. */
	err[0] = '\0';
	diff = kpctl_settings_diff(&a, &b, err, sizeof(err));
	for (i = 0; i < a.n; i++) {
		const char *is = first_value(&b, a.kv[i].name);

		if (!is || strcmp(is, a.kv[i].value)) {
			want++;
			if (first < 0)
				first = i;
		}
	}
	FZ_ASSERT(diff == want, "settings diff %d, expected %d", diff, want);
	if (diff) {
		FZ_ASSERT(*err && !strchr(err, '\n') && !strncmp(err, a.kv[first].name,
								 strlen(a.kv[first].name)),
			  "settings diff: '%s'", err);
		/* The same in a smaller buffer, exactly its size. */
		k = 1 + strlen(err) / 3;
		small = malloc(k);
		if (!small)
			abort();
		FZ_ASSERT(kpctl_settings_diff(&a, &b, small, k) == diff && strlen(small) == k - 1 &&
			  !strncmp(small, err, k - 1), "settings diff in %zu bytes: '%s'", k, small);
		free(small);
	}

	/* No second text: no sources file, and then no version either. */
	check_prometheus(&a, b.n ? &b : NULL, b.n && a.n ? a.kv[0].value : NULL);

	/* a and b: two stats samples a second apart, then none apart. */
	for (k = 0; k < 2; k++) {
		kpctl_rates(&a, &b, k ? 0 : 1.0, &r);
		{
			const double x[] = { r.mb_s, r.pages_s, r.batches_s, r.records_s, r.dropped_s,
					     r.candidates_s, r.hintfault_s, r.mglru_s, r.skipped_rate_s,
					     r.skipped_room_s, r.failed_s };

			for (i = 0; i < (int)(sizeof(x) / sizeof(x[0])); i++)
				FZ_ASSERT(isfinite(x[i]) && x[i] >= 0 && (!k || x[i] == 0),
					  "rate %d over %s s: %g", i, k ? "0" : "1", x[i]);
		}
	}
	check_regions(t1);
	check_owners(t1, t2);
	check_names(t1, n1);
	free(t1);
	free(t2);
	return 0;
}
