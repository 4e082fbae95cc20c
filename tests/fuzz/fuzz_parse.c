// SPDX-License-Identifier: GPL-2.0
/*
 * The value parsers of src/core/parse.c against models written apart from
 * them, and kp_format_nodelist() round trips.
 *
 * Input: one selector byte, then the payload.
 *   'u' <range byte> <text>   kp_parse_uint() with a parameter's min..max
 *   'n' <text>                kp_parse_nodelist()
 *   's' <text>                kp_parse_sources()
 *   'e' <list byte> <text>    kp_parse_enum() with one of the modules' word lists
 *   'f' <8 bytes mask> <len>  kp_format_nodelist() into a buffer of exactly len bytes
 * (another selector byte picks one of these by its value modulo 5).
 *
 * Properties: the parse result (accepted or not, the value, the reason for
 * uint) is the model's; a refused value leaves the output untouched and
 * gives a one-line reason; what parses formats back and reparses to the
 * same value; a formatted node list never exceeds its buffer, returns its
 * length and is a prefix of the untruncated one.
 */
#include "fuzz.h"
#include "kpromoted/parse.h"

static const struct { u32 min, max; } ranges[] = {
	/* The module's parameters (kpromoted/params.h), the filter's pid, kpromotedctl's count. */
	{ 1, 100000 }, { 1, 1024 }, { 1, 15 }, { 10, 60000 }, { 0, 50 }, { 0, 600000 },
	{ 1, 60000 }, { 50, 60000 }, { 50, 600000 }, { 4, 1000 }, { 0, 8 },
	{ 1, 0x3fffffff }, { 1, 1000000 },
	/* Edges. */
	{ 0, 0xffffffffu }, { 0, 0 }, { 0xffffffffu, 0xffffffffu }, { 7, 3 },
};
#define NR_RANGES (sizeof(ranges) / sizeof(ranges[0]))

static const char *const mode_words[] = { "promote", "observe", NULL };
static const char *const numab_words[] = { "auto", "keep", NULL };
static const char *const lrugen_words[] = { "keep", "enable", NULL };
static const char *const inject_words[] = {
	"none", "tiers", "symbols", "hooks", "debugfs", "sources", NULL
};
static const char *const no_words[] = { NULL };
static const char *const *const lists[] = {
	mode_words, numab_words, lrugen_words, inject_words, no_words
};
#define NR_LISTS (sizeof(lists) / sizeof(lists[0]))

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* Decimal digits s[0..n) (all digits) as a number, or -1 above max. */
static long long digits_value(const char *s, size_t n, unsigned long long max)
{
	unsigned long long v = 0;

	while (n > 1 && *s == '0') {
		s++;
		n--;
	}
	if (n > 20)
		return -1;
	for (; n; s++, n--) {
		if (v > (max - (unsigned long long)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*s - '0');
	}
	return (long long)v;
}

/* kp_parse_uint's contract, by other means: digits, at most one trailing newline. */
static int model_uint(const char *s, u32 min, u32 max, u32 *out, const char **why)
{
	size_t d = strspn(s, "0123456789");
	long long v;

	if (!*s)
		return *why = "empty", -1;
	if (!d)
		return *why = "not a number", -1;
	/* Overflow is found while reading the digits, before the junk after them. */
	v = digits_value(s, d, 0xffffffffull);
	if (v < 0)
		return *why = "out of range", -1;
	if (strcmp(s + d, "") && strcmp(s + d, "\n"))
		return *why = "not a number", -1;
	if (v < min || v > max)
		return *why = "out of range", -1;
	*out = (u32)v;
	return 0;
}

/* One item of a node list, s[0..n): "N" or "N-M", N <= M < 64. */
static int model_node_item(const char *s, size_t n, u64 *mask)
{
	const char *dash = memchr(s, '-', n);
	size_t ln = dash ? (size_t)(dash - s) : n;
	long long lo, hi;

	if (!all_digits(s, ln))
		return -1;
	lo = hi = digits_value(s, ln, 63);
	if (dash) {
		if (!all_digits(dash + 1, n - ln - 1))
			return -1;
		hi = digits_value(dash + 1, n - ln - 1, 63);
	}
	if (lo < 0 || hi < 0 || hi < lo)
		return -1;
	for (; lo <= hi; lo++)
		*mask |= 1ull << lo;
	return 0;
}

static int model_nodelist(const char *s, u64 *mask)
{
	size_t len = fz_len_sans_nl(s), i = 0, j;
	u64 m = 0;

	if (!len) {
		*mask = 0;
		return 0;
	}
	for (;;) {
		for (j = i; j < len && s[j] != ','; j++)
			;
		if (model_node_item(s + i, j - i, &m))
			return -1;
		if (j == len)
			break;
		i = j + 1;
	}
	*mask = m;
	return 0;
}

static bool is_word(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !memcmp(s, w, n);
}

static int model_sources(const char *s, u32 *mask, bool *is_auto)
{
	size_t len = fz_len_sans_nl(s), i = 0, j;
	u32 m = 0, k;

	*is_auto = false;
	if (!*s)
		return -1;
	if (is_word(s, len, "auto")) {
		*is_auto = true;
		*mask = KP_SRC_ALL;
		return 0;
	}
	if (is_word(s, len, "none")) {
		*mask = 0;
		return 0;
	}
	for (;;) {
		for (j = i; j < len && s[j] != ','; j++)
			;
		for (k = 0; k < KP_NR_SOURCES; k++)
			if (is_word(s + i, j - i, kp_source_names[k]))
				break;
		if (k == KP_NR_SOURCES)
			return -1;
		m |= 1u << k;
		if (j == len)
			break;
		i = j + 1;
	}
	*mask = m;
	return 0;
}

static int model_enum(const char *s, const char *const *words, u32 *out)
{
	size_t len = fz_len_sans_nl(s);
	u32 i;

	if (!*s)
		return -1;
	for (i = 0; words[i]; i++)
		if (is_word(s, len, words[i]))
			return *out = i, 0;
	return -1;
}

/* What the module's `config` shows for a source mask, and what kpromotedctl accepts back. */
static void format_sources(u32 mask, bool is_auto, char *buf, size_t len)
{
	u32 i;

	if (is_auto) {
		snprintf(buf, len, "auto");
		return;
	}
	if (!mask) {
		snprintf(buf, len, "none");
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < KP_NR_SOURCES; i++)
		if (mask & (1u << i))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", *buf ? "," : "",
				 kp_source_names[i]);
}

static void check_format_roundtrip(u64 mask)
{
	char *buf = malloc(256);
	const char *why = NULL;
	u64 back = ~mask;
	int n;

	if (!buf)
		abort();
	n = kp_format_nodelist(mask, buf, 256);
	FZ_ASSERT(n >= 0 && (size_t)n == strlen(buf) && n < 255, "mask %#llx: %d %s",
		  (unsigned long long)mask, n, buf);
	/* debugfs `config` and `tiers` format into 128 bytes: never truncated. */
	FZ_ASSERT(n < 128, "mask %#llx: %d bytes: %s", (unsigned long long)mask, n, buf);
	FZ_ASSERT(!kp_parse_nodelist(buf, &back, &why) && back == mask,
		  "mask %#llx formats as '%s', which reparses to %#llx", (unsigned long long)mask,
		  buf, (unsigned long long)back);
	free(buf);
}

static void fuzz_uint(const uint8_t *d, size_t n)
{
	const char *why = NULL, *mwhy = NULL;
	u32 v = 0xdeadbeef, mv = 0, min, max;
	char *s;
	int rc, mrc;

	if (!n)
		return;
	min = ranges[d[0] % NR_RANGES].min;
	max = ranges[d[0] % NR_RANGES].max;
	s = fz_str(d + 1, n - 1);
	rc = kp_parse_uint(s, min, max, &v, &why);
	mrc = model_uint(s, min, max, &mv, &mwhy);
	FZ_ASSERT(rc == mrc, "'%s' %u..%u: parser %d, model %d (%s)", s, min, max, rc, mrc,
		  mrc ? mwhy : "ok");
	if (rc) {
		FZ_ASSERT(v == 0xdeadbeef, "refused '%s' wrote %u", s, v);
		FZ_ASSERT(fz_one_line(why, 80) && !strcmp(why, mwhy), "'%s': why '%s', model '%s'",
			  s, why ? why : "(unset)", mwhy);
	} else {
		char back[16];

		FZ_ASSERT(v == mv && v >= min && v <= max, "'%s': %u (model %u, %u..%u)", s, v, mv,
			  min, max);
		snprintf(back, sizeof(back), "%u", v);
		FZ_ASSERT(!kp_parse_uint(back, min, max, &mv, &why) && mv == v, "%u reparses to %u",
			  v, mv);
	}
	free(s);
}

static void fuzz_nodelist(const uint8_t *d, size_t n)
{
	u64 m = 0x5a5a, mm = 0;
	const char *why = NULL;
	char *s = fz_str(d, n);
	int rc = kp_parse_nodelist(s, &m, &why), mrc = model_nodelist(s, &mm);

	FZ_ASSERT(rc == mrc, "'%s': parser %d, model %d", s, rc, mrc);
	if (rc) {
		FZ_ASSERT(m == 0x5a5a, "refused '%s' wrote %#llx", s, (unsigned long long)m);
		FZ_ASSERT(fz_one_line(why, 80), "'%s': why '%s'", s, why ? why : "(unset)");
	} else {
		FZ_ASSERT(m == mm, "'%s': %#llx, model %#llx", s, (unsigned long long)m,
			  (unsigned long long)mm);
		check_format_roundtrip(m);
	}
	free(s);
}

static void fuzz_sources(const uint8_t *d, size_t n)
{
	u32 m = 0x5a5a, mm = 0, back = 0;
	bool is_auto = true, mauto = false, bauto = false;
	const char *why = NULL;
	char *s = fz_str(d, n), buf[64];
	int rc = kp_parse_sources(s, &m, &is_auto, &why), mrc = model_sources(s, &mm, &mauto);

	FZ_ASSERT(rc == mrc, "'%s': parser %d, model %d", s, rc, mrc);
	if (rc) {
		FZ_ASSERT(m == 0x5a5a && !is_auto, "refused '%s' wrote %#x auto %d", s, m, is_auto);
		FZ_ASSERT(fz_one_line(why, 80), "'%s': why '%s'", s, why ? why : "(unset)");
	} else {
		FZ_ASSERT(m == mm && is_auto == mauto && !(m & ~KP_SRC_ALL),
			  "'%s': %#x auto %d, model %#x auto %d", s, m, is_auto, mm, mauto);
		format_sources(m, is_auto, buf, sizeof(buf));
		FZ_ASSERT(!kp_parse_sources(buf, &back, &bauto, &why) && back == m && bauto == is_auto,
			  "'%s' -> %#x shown as '%s' -> %#x", s, m, buf, back);
	}
	free(s);
}

static void fuzz_enum(const uint8_t *d, size_t n)
{
	const char *const *words;
	const char *why = NULL;
	u32 v = 0xdeadbeef, mv = 0;
	char *s;
	int rc, mrc;

	if (!n)
		return;
	words = lists[d[0] % NR_LISTS];
	s = fz_str(d + 1, n - 1);
	rc = kp_parse_enum(s, words, &v, &why);
	mrc = model_enum(s, words, &mv);
	FZ_ASSERT(rc == mrc, "'%s': parser %d, model %d", s, rc, mrc);
	if (rc) {
		FZ_ASSERT(v == 0xdeadbeef, "refused '%s' wrote %u", s, v);
		FZ_ASSERT(fz_one_line(why, 80), "'%s': why '%s'", s, why ? why : "(unset)");
	} else {
		FZ_ASSERT(v == mv && words[v], "'%s': %u, model %u", s, v, mv);
		FZ_ASSERT(!kp_parse_enum(words[v], words, &mv, &why) && mv == v, "'%s' reparses to %u",
			  words[v], mv);
	}
	free(s);
}

static void fuzz_format(const uint8_t *d, size_t n)
{
	char full[256], *buf;
	size_t len;
	u64 mask = 0;
	int r;

	memcpy(&mask, d, n < 8 ? n : 8);
	len = n > 8 ? d[8] : 128;
	check_format_roundtrip(mask);
	kp_format_nodelist(mask, full, sizeof(full));
	/* Exactly len bytes (one for len 0, never written): ASan sees any write past them. */
	buf = malloc(len ? len : 1);
	if (!buf)
		abort();
	buf[0] = 'X';
	r = kp_format_nodelist(mask, buf, len);
	if (!len) {
		FZ_ASSERT(r == 0 && buf[0] == 'X', "len 0 returned %d or wrote", r);
	} else {
		FZ_ASSERT(r >= 0 && (size_t)r == strlen(buf) && (size_t)r < len,
			  "len %zu: returned %d for '%s'", len, r, buf);
		FZ_ASSERT(!strncmp(buf, full, (size_t)r), "len %zu: '%s' not a prefix of '%s'", len,
			  buf, full);
		FZ_ASSERT((size_t)r == strlen(full) || (size_t)r == len - 1,
			  "len %zu: stopped at %d of '%s'", len, r, full);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const char sel[] = "unsef";
	char c;

	if (!n)
		return 0;
	c = memchr(sel, d[0], 5) ? (char)d[0] : sel[d[0] % 5];
	switch (c) {
	case 'u':
		fuzz_uint(d + 1, n - 1);
		break;
	case 'n':
		fuzz_nodelist(d + 1, n - 1);
		break;
	case 's':
		fuzz_sources(d + 1, n - 1);
		break;
	case 'e':
		fuzz_enum(d + 1, n - 1);
		break;
	case 'f':
		fuzz_format(d + 1, n - 1);
		break;
	}
	return 0;
}
