// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs `filter` command (kp_parse_filter_cmd(), src/core/parse.c),
 * fed what a write(2) to the file gives the module: the bytes up to the
 * first NUL, in a buffer of exactly that size.
 *
 * Properties: the result (accepted or not, and the command) is that of a
 * model written apart from the parser: words separated by spaces or tabs,
 * at most one newline and only at the end ("one command per write"),
 * `clear`, or include|exclude, pid|cgroup and one argument (a pid of 1 to
 * 0x3fffffff in fewer than 16 characters, an absolute path of fewer than
 * KP_FILTER_ARG_LEN bytes); a refused command gives a one-line reason; an
 * accepted command written back the way debugfs shows it parses to the same
 * command.
 */
#include "fuzz.h"
#include "kpromoted/parse.h"

#define MAX_WORDS 8

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Splits s[0..len) at runs of blanks; returns the word count (up to MAX_WORDS + 1). */
static int words_of(const char *s, size_t len, const char **w, size_t *wn)
{
	size_t i = 0;
	int k = 0;

	while (i < len && k <= MAX_WORDS) {
		while (i < len && blank(s[i]))
			i++;
		if (i == len)
			break;
		w[k] = s + i;
		while (i < len && !blank(s[i]))
			i++;
		wn[k] = (size_t)(s + i - w[k]);
		k++;
	}
	return k;
}

static bool is(const char *w, size_t n, const char *word)
{
	return strlen(word) == n && !memcmp(w, word, n);
}

static int model(const char *s, struct kp_filter_cmd *c)
{
	size_t len = fz_len_sans_nl(s), wn[MAX_WORDS + 1], i;
	const char *w[MAX_WORDS + 1];
	unsigned long long pid = 0;
	int k;

	memset(c, 0, sizeof(*c));
	if (memchr(s, '\n', len))
		return -1;
	k = words_of(s, len, w, wn);
	if (k == 1 && is(w[0], wn[0], "clear")) {
		c->op = KP_FILTER_CLEAR;
		return 0;
	}
	if (k != 3)
		return -1;
	if (is(w[0], wn[0], "include"))
		c->op = KP_FILTER_INCLUDE;
	else if (is(w[0], wn[0], "exclude"))
		c->op = KP_FILTER_EXCLUDE;
	else
		return -1;
	if (is(w[1], wn[1], "pid")) {
		c->kind = KP_FILTER_PID;
		if (wn[2] >= 16)
			return -1;
		for (i = 0; i < wn[2]; i++) {
			if (w[2][i] < '0' || w[2][i] > '9')
				return -1;
			pid = pid * 10 + (unsigned long long)(w[2][i] - '0');
		}
		if (pid < 1 || pid > 0x3fffffff)
			return -1;
		c->pid = (u32)pid;
		return 0;
	}
	if (is(w[1], wn[1], "cgroup")) {
		c->kind = KP_FILTER_CGROUP;
		if (w[2][0] != '/' || wn[2] >= KP_FILTER_ARG_LEN)
			return -1;
		memcpy(c->path, w[2], wn[2]);
		return 0;
	}
	return -1;
}

static bool same(const struct kp_filter_cmd *a, const struct kp_filter_cmd *b)
{
	return a->op == b->op && a->kind == b->kind && a->pid == b->pid &&
	       !memcmp(a->path, b->path, sizeof(a->path));
}

/* The command as debugfs `filter` shows its rule (src/core/filter.c), as a command. */
static void format_cmd(const struct kp_filter_cmd *c, char *buf, size_t len, bool nl)
{
	const char *op = c->op == KP_FILTER_INCLUDE ? "include" : "exclude";

	if (c->op == KP_FILTER_CLEAR)
		snprintf(buf, len, "clear%s", nl ? "\n" : "");
	else if (c->kind == KP_FILTER_PID)
		snprintf(buf, len, "%s pid %u%s", op, c->pid, nl ? "\n" : "");
	else
		snprintf(buf, len, "%s cgroup %s%s", op, c->path, nl ? "\n" : "");
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct kp_filter_cmd c, mc, back;
	const char *why = NULL;
	char *s = fz_str(d, n), *again;
	char text[KP_FILTER_ARG_LEN + 32];
	int rc, mrc, nl;

	memset(&c, 0x5a, sizeof(c));
	rc = kp_parse_filter_cmd(s, &c, &why);
	mrc = model(s, &mc);
	FZ_ASSERT(rc == mrc, "'%s': parser %d (%s), model %d", s, rc, rc ? why : "ok", mrc);
	if (rc) {
		FZ_ASSERT(fz_one_line(why, 80), "'%s': why '%s'", s, why ? why : "(unset)");
		free(s);
		return 0;
	}
	FZ_ASSERT(same(&c, &mc), "'%s': op %d kind %d pid %u path '%.*s'", s, c.op, c.kind, c.pid,
		  KP_FILTER_ARG_LEN, c.path);
	FZ_ASSERT(c.op == KP_FILTER_CLEAR || c.op == KP_FILTER_INCLUDE || c.op == KP_FILTER_EXCLUDE,
		  "'%s': op %d", s, c.op);
	FZ_ASSERT(strnlen(c.path, sizeof(c.path)) < sizeof(c.path), "'%s': path unterminated", s);
	if (c.op != KP_FILTER_CLEAR && c.kind == KP_FILTER_PID)
		FZ_ASSERT(c.pid >= 1 && c.pid <= 0x3fffffff && !c.path[0], "'%s': pid %u", s, c.pid);
	if (c.op != KP_FILTER_CLEAR && c.kind == KP_FILTER_CGROUP)
		FZ_ASSERT(c.path[0] == '/' && !c.pid && !strpbrk(c.path, " \t\n"), "'%s': path '%s'",
			  s, c.path);
	for (nl = 0; nl < 2; nl++) {
		format_cmd(&c, text, sizeof(text), nl);
		again = fz_dup(text);
		FZ_ASSERT(!kp_parse_filter_cmd(again, &back, &why) && same(&c, &back),
			  "'%s' written back as '%s' does not parse to the same", s, again);
		free(again);
	}
	free(s);
	return 0;
}
