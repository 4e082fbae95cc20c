// SPDX-License-Identifier: GPL-2.0
/*
 * The text syntax of kpromoted's values: numbers, node lists, source lists,
 * enum words, a node list formatted back, and the debugfs `filter` command.
 * Pure functions, built into the module, tools/kpromotedctl and the host
 * unit tests (tests/unit).
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include <string.h>
#include <stdio.h>
#endif
#include "kpromoted/parse.h"

const char *const kp_source_names[KP_NR_SOURCES] = {
	[KP_SRC_HINTFAULT] = "hintfault",
	[KP_SRC_MGLRU] = "mglru",
	[KP_SRC_IBS] = "ibs",
	[KP_SRC_PEBS] = "pebs",
};

static bool kp_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

/* Parses decimal digits at *p into *out (<= limit); advances *p. */
static int kp_take_number(const char **p, u64 limit, u64 *out, const char **why)
{
	const char *s = *p;
	u64 v = 0;

	if (!kp_isdigit(*s)) {
		*why = "not a number";
		return -1;
	}
	while (kp_isdigit(*s)) {
		v = v * 10 + (u64)(*s - '0');
		if (v > limit) {
			*why = "out of range";
			return -1;
		}
		s++;
	}
	*p = s;
	*out = v;
	return 0;
}

int kp_parse_uint(const char *s, u32 min, u32 max, u32 *out, const char **why)
{
	u64 v;

	if (!s || !*s) {
		*why = "empty";
		return -1;
	}
	/* Large bound so that "99999999999" says "out of range", not garbage. */
	if (kp_take_number(&s, 0xffffffffull, &v, why))
		return -1;
	if (*s == '\n' && s[1] == '\0')
		s++;
	if (*s) {
		*why = "not a number";
		return -1;
	}
	if (v < min || v > max) {
		*why = "out of range";
		return -1;
	}
	*out = (u32)v;
	return 0;
}

int kp_parse_nodelist(const char *s, u64 *mask, const char **why)
{
	u64 m = 0, lo, hi;

	if (!s || !*s || (*s == '\n' && !s[1])) {
		*mask = 0;
		return 0;
	}
	for (;;) {
		if (kp_take_number(&s, KP_MAX_NODES - 1, &lo, why)) {
			if (kp_isdigit(*s))
				*why = "node id too large";
			return -1;
		}
		hi = lo;
		if (*s == '-') {
			s++;
			if (kp_take_number(&s, KP_MAX_NODES - 1, &hi, why)) {
				if (kp_isdigit(*s))
					*why = "node id too large";
				return -1;
			}
			if (hi < lo) {
				*why = "range end below its start";
				return -1;
			}
		}
		for (; lo <= hi; lo++)
			m |= 1ull << lo;
		if (*s == ',') {
			s++;
			continue;
		}
		if (*s == '\n' && !s[1])
			s++;
		if (*s) {
			*why = "expected a list like 1,3-4";
			return -1;
		}
		break;
	}
	*mask = m;
	return 0;
}

/* Length of the word at s, up to a comma, newline or the end. */
static size_t kp_word_len(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != ',' && s[n] != '\n')
		n++;
	return n;
}

static bool kp_word_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && !strncmp(s, word, n);
}

int kp_parse_enum(const char *s, const char *const *words, u32 *out, const char **why)
{
	size_t n;
	u32 i;

	if (!s || !*s) {
		*why = "empty";
		return -1;
	}
	n = kp_word_len(s);
	if (s[n] == ',' || (s[n] == '\n' && s[n + 1])) {
		*why = "unknown value";
		return -1;
	}
	for (i = 0; words[i]; i++) {
		if (kp_word_is(s, n, words[i])) {
			*out = i;
			return 0;
		}
	}
	*why = "unknown value";
	return -1;
}

int kp_parse_sources(const char *s, u32 *mask, bool *is_auto, const char **why)
{
	u32 m = 0, i;
	size_t n;

	*is_auto = false;
	if (!s || !*s) {
		*why = "empty";
		return -1;
	}
	n = kp_word_len(s);
	if (kp_word_is(s, n, "auto") && (!s[n] || (s[n] == '\n' && !s[n + 1]))) {
		*is_auto = true;
		*mask = KP_SRC_ALL;
		return 0;
	}
	if (kp_word_is(s, n, "none") && (!s[n] || (s[n] == '\n' && !s[n + 1]))) {
		*mask = 0;
		return 0;
	}
	for (;;) {
		n = kp_word_len(s);
		for (i = 0; i < KP_NR_SOURCES; i++)
			if (kp_word_is(s, n, kp_source_names[i]))
				break;
		if (i == KP_NR_SOURCES) {
			*why = n ? "unknown source" : "empty list item";
			return -1;
		}
		m |= 1u << i;
		s += n;
		if (*s == ',') {
			s++;
			continue;
		}
		if (*s == '\n' && !s[1])
			s++;
		if (*s) {
			*why = "unknown source";
			return -1;
		}
		break;
	}
	*mask = m;
	return 0;
}

/* Appends with snprintf semantics; returns the new length (clamped). */
static size_t kp_append(char *buf, size_t len, size_t pos, const char *sep,
			unsigned int a, unsigned int b)
{
	int n;

	if (pos >= len)
		return pos;
	if (a == b)
		n = snprintf(buf + pos, len - pos, "%s%u", sep, a);
	else
		n = snprintf(buf + pos, len - pos, "%s%u-%u", sep, a, b);
	if (n < 0)
		return pos;
	pos += (size_t)n;
	return pos < len ? pos : len - 1;
}

int kp_format_nodelist(u64 mask, char *buf, size_t len)
{
	size_t pos = 0;
	unsigned int i = 0, start;

	if (!len)
		return 0;
	buf[0] = '\0';
	while (i < KP_MAX_NODES) {
		if (!(mask & (1ull << i))) {
			i++;
			continue;
		}
		start = i;
		while (i + 1 < KP_MAX_NODES && (mask & (1ull << (i + 1))))
			i++;
		pos = kp_append(buf, len, pos, pos ? "," : "", start, i);
		i++;
	}
	return (int)pos;
}


/* Next space-separated word of *s: its start, length in *n; advances *s. */
static const char *kp_next_word(const char **s, size_t *n)
{
	const char *w = *s;

	while (*w == ' ' || *w == '\t')
		w++;
	*n = 0;
	while (w[*n] && w[*n] != ' ' && w[*n] != '\t' && w[*n] != '\n')
		(*n)++;
	*s = w + *n;
	return w;
}

int kp_parse_filter_cmd(const char *s, struct kp_filter_cmd *cmd, const char **why)
{
	const char *w, *arg;
	size_t n, an;
	char num[16];

	memset(cmd, 0, sizeof(*cmd));
	w = kp_next_word(&s, &n);
	if (kp_word_is(w, n, "clear")) {
		cmd->op = KP_FILTER_CLEAR;
	} else if (kp_word_is(w, n, "include") || kp_word_is(w, n, "exclude")) {
		cmd->op = w[0] == 'i' ? KP_FILTER_INCLUDE : KP_FILTER_EXCLUDE;
		w = kp_next_word(&s, &n);
		arg = kp_next_word(&s, &an);
		if (!an) {
			*why = "missing argument";
			return -1;
		}
		if (kp_word_is(w, n, "pid")) {
			cmd->kind = KP_FILTER_PID;
			if (an >= sizeof(num)) {
				*why = "pid out of range";
				return -1;
			}
			memcpy(num, arg, an);
			num[an] = '\0';
			if (kp_parse_uint(num, 1, 0x3fffffff, &cmd->pid, why))
				return -1;
		} else if (kp_word_is(w, n, "cgroup")) {
			cmd->kind = KP_FILTER_CGROUP;
			if (arg[0] != '/' || an >= sizeof(cmd->path)) {
				*why = "cgroup must be an absolute cgroup v2 path";
				return -1;
			}
			memcpy(cmd->path, arg, an);
			cmd->path[an] = '\0';
		} else {
			*why = "expected pid or cgroup";
			return -1;
		}
	} else {
		*why = "expected clear, include or exclude";
		return -1;
	}
	/* One command per write: nothing after it but blanks and one final newline. */
	kp_next_word(&s, &n);
	if (n || (*s && !(*s == '\n' && !s[1]))) {
		*why = "unexpected text after the command";
		return -1;
	}
	return 0;
}
