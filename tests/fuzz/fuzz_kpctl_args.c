// SPDX-License-Identifier: GPL-2.0
/*
 * kpromotedctl's command-line values (tools/kpromotedctl/kpctl_lib.c):
 * kpctl_params_check() on `load` arguments, kpctl_parse_interval() and
 * kpctl_parse_count().
 *
 * Input: arguments separated by NUL bytes. The first says what the others are:
 *   load                          param=value ..., the machine's nodes unknown
 *   load@ONLINE/MEMORY/CPU        the same on a machine with these node lists
 *   interval | count              values of --interval | --iterations
 *   anything else                 all of them (this one too) are load arguments
 *
 * Properties of `load`: the error is one line of printable text, the same
 * (cut short, never overflowing) in a smaller buffer; an accepted set of
 * arguments, joined as kpromotedctl hands them to the kernel, is split by
 * the kernel's parameter parser (next_arg(), modelled here) into exactly
 * these name=value pairs and passes the module's own validation (a model of
 * kp_params_validate(): every value of at most 63 bytes, parsed by the
 * module's parsers, then the rules between them); conversely a set the
 * module takes unchanged, of known distinct names, without quotes, is
 * accepted; slow_nodes accepted on a known machine leaves a fast node.
 * Of --interval and --iterations: an accepted value is in 0.05..3600 s and
 * 1..1000000.
 */
#include <math.h>
#include "fuzz.h"
#include "kpctl.h"
#include "kpromoted/params.h"
#include "kpromoted/parse.h"
#include "kpromoted/tier_select.h"

#define MAX_ARGS 40
#define ERR_LEN 512	/* kpromotedctl's cmd_load */
#define OPTS_LEN 1024	/* its opts[]: what it joins the arguments into */
#define RAW_LEN 64	/* src/core/params.c: KP_RAW_LEN */

/* The kernel's isspace() (lib/ctype.c): 9..13, 32 and 160. */
static bool kisspace(unsigned char c)
{
	return (c >= 9 && c <= 13) || c == ' ' || c == 160;
}

static char *kskip_spaces(char *s)
{
	while (kisspace((unsigned char)*s))
		s++;
	return s;
}

/* lib/cmdline.c next_arg(), as in Linux 6.1 to 7.x. */
static char *knext_arg(char *args, char **param, char **val)
{
	unsigned int i, equals = 0;
	int in_quote = 0, quoted = 0;

	if (*args == '"') {
		args++;
		in_quote = 1;
		quoted = 1;
	}
	for (i = 0; args[i]; i++) {
		if (kisspace((unsigned char)args[i]) && !in_quote)
			break;
		if (equals == 0) {
			if (args[i] == '=')
				equals = i;
		}
		if (args[i] == '"')
			in_quote = !in_quote;
	}
	*param = args;
	if (!equals) {
		*val = NULL;
	} else {
		args[equals] = '\0';
		*val = args + equals + 1;
		if (**val == '"') {
			(*val)++;
			if (args[i - 1] == '"')
				args[i - 1] = '\0';
		}
	}
	if (quoted && i > 0 && args[i - 1] == '"')
		args[i - 1] = '\0';
	if (args[i]) {
		args[i] = '\0';
		args += i + 1;
	} else {
		args += i;
	}
	return kskip_spaces(args);
}

/* kernel/params.c parameq(): '-' and '_' are the same. */
static bool kparameq(const char *a, const char *b)
{
	for (; *a || *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;

		if (x != y)
			return false;
	}
	return true;
}

struct kpair {
	char *name, *val;
};

/*
 * What init_module() with these options does to kpromoted: the pairs the
 * kernel parser hands over (into pairs, up to max), and whether the
 * module's validation then passes. Returns the pair count, -1 if the load
 * fails.
 */
static int kernel_load(char *opts, struct kpair *pairs, int max, bool *known_only)
{
	char raw[KP_NR_PARAMS][RAW_LEN];
	bool too_long[KP_NR_PARAMS] = { false };
	struct kp_param_value vals[KP_NR_PARAMS];
	enum kp_param_id bad, other;
	const char *why;
	char *args = kskip_spaces(opts), *param, *val;
	int n = 0, i, id, fail = 0;

	*known_only = true;
	for (i = 0; i < KP_NR_PARAMS; i++)
		snprintf(raw[i], RAW_LEN, "%s", kp_param_specs[i].def);
	while (*args) {
		args = knext_arg(args, &param, &val);
		if (!val && !strcmp(param, "--"))
			break;
		if (n < max) {
			pairs[n].name = param;
			pairs[n].val = val;
		}
		n++;
		for (id = 0; id < KP_NR_PARAMS; id++)
			if (kparameq(param, kp_param_specs[id].name))
				break;
		if (id == KP_NR_PARAMS) {
			/* unknown_module_param_cb(): "unknown parameter ignored". */
			*known_only = false;
			continue;
		}
		if (!val) {
			/* parse_one(): no value and no KERNEL_PARAM_OPS_FL_NOARG. */
			fail = 1;
			continue;
		}
		/* kp_raw_set(): strscpy() into 64 bytes. */
		too_long[id] = strlen(val) >= RAW_LEN;
		snprintf(raw[id], RAW_LEN, "%s", val);
	}
	if (fail)
		return -1;
	memset(vals, 0, sizeof(vals));
	for (i = 0; i < KP_NR_PARAMS; i++)
		if (too_long[i] || kp_param_parse(i, raw[i], &vals[i], &why))
			return -1;
	if (kp_params_check_pairs(vals, &bad, &other, &why))
		return -1;
	return n;
}

static bool printable_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static int parse_nodes(const char *spec, struct kpctl_nodes *nodes)
{
	char buf[3][128];
	const char *why;
	const char *p = spec;
	int i;

	for (i = 0; i < 3; i++) {
		size_t n = strcspn(p, "/");

		if (n >= sizeof(buf[i]))
			return -1;
		memcpy(buf[i], p, n);
		buf[i][n] = '\0';
		p += n;
		if (*p == '/')
			p++;
	}
	nodes->known = true;
	if (kp_parse_nodelist(buf[0], &nodes->online, &why) ||
	    kp_parse_nodelist(buf[1], &nodes->memory, &why) ||
	    kp_parse_nodelist(buf[2], &nodes->cpu, &why))
		return -1;
	return 0;
}

static void check_load(int argc, char **argv, const struct kpctl_nodes *nodes)
{
	struct kpair pairs[MAX_ARGS * 2];
	char err[ERR_LEN], opts[OPTS_LEN] = "", joined[OPTS_LEN], *small;
	size_t errlen, total = 0;
	bool known_only, quotes = false, distinct = true, exact = true;
	int rc, rc2, kn, i, j;

	err[0] = '\0';
	rc = kpctl_params_check(argc, argv, nodes, err, sizeof(err));
	FZ_ASSERT(rc == 0 || rc == -1, "rc %d", rc);
	if (rc) {
		FZ_ASSERT(*err && strlen(err) < sizeof(err) && printable_line(err),
			  "error not one printable line: '%s'", err);
		/* A smaller buffer: the same line, cut short; ASan watches its end. */
		errlen = 1 + (strlen(err) * 7 + (size_t)argc) % (strlen(err) + 1);
		small = malloc(errlen);
		if (!small)
			abort();
		rc2 = kpctl_params_check(argc, argv, nodes, small, errlen);
		FZ_ASSERT(rc2 == rc && strlen(small) == errlen - 1 && !strncmp(small, err, errlen - 1),
			  "errlen %zu: '%s' vs '%s'", errlen, small, err);
		free(small);
	}

	/* What cmd_load hands libkmod, hence the kernel: the arguments joined by spaces. */
	for (i = 0; i < argc; i++)
		total += strlen(argv[i]) + 1;
	if (total > sizeof(opts))
		return;	/* would not fit opts[]: see the report of issue 13 */
	for (i = 0; i < argc; i++) {
		size_t len = strlen(opts);

		snprintf(opts + len, sizeof(opts) - len, "%s%s", len ? " " : "", argv[i]);
		if (strpbrk(argv[i], "\"'"))
			quotes = true;
		for (j = 0; j < i; j++) {
			const char *a = argv[i], *b = argv[j];
			size_t na = strcspn(a, "="), nb = strcspn(b, "=");

			if (na == nb && !memcmp(a, b, na))
				distinct = false;
		}
	}
	memcpy(joined, opts, sizeof(joined));
	kn = kernel_load(opts, pairs, MAX_ARGS * 2, &known_only);
	/* Did the kernel see exactly the arguments, each name=value? */
	if (kn != argc) {
		exact = false;
	} else {
		for (i = 0; i < argc && exact; i++) {
			size_t nl = strcspn(argv[i], "=");

			exact = pairs[i].val && strlen(pairs[i].name) == nl &&
				!memcmp(pairs[i].name, argv[i], nl) && argv[i][nl] == '=' &&
				!strcmp(pairs[i].val, argv[i] + nl + 1);
		}
	}
	if (!rc) {
		FZ_ASSERT(exact, "accepted, but the kernel splits '%s' into %d parameters", joined, kn);
		FZ_ASSERT(kn >= 0 && known_only, "accepted, but the module refuses '%s'", joined);
		if (nodes && nodes->known) {
			struct kp_node_info info[KP_MAX_NODES];
			struct kp_tiers tiers;
			const char *why;
			char *v = NULL;
			u64 slow = 0;

			for (i = 0; i < argc; i++)
				if (!strncmp(argv[i], "slow_nodes=", 11))
					v = argv[i] + 11;
			if (v && !kp_parse_nodelist(v, &slow, &why) && slow) {
				memset(info, 0, sizeof(info));
				for (i = 0; i < KP_MAX_NODES; i++) {
					info[i].online = nodes->online >> i & 1;
					info[i].has_memory = nodes->memory >> i & 1;
					info[i].has_cpu = nodes->cpu >> i & 1;
				}
				FZ_ASSERT(!kp_select_tiers(info, KP_MAX_NODES, slow, &tiers, &why) &&
					  tiers.fast && tiers.slow == slow,
					  "slow_nodes=%s accepted on online %#llx memory %#llx", v,
					  (unsigned long long)nodes->online,
					  (unsigned long long)nodes->memory);
			}
		}
	} else if ((!nodes || !nodes->known) && exact && kn >= 0 && known_only && distinct &&
		   !quotes) {
		/* The module would load with exactly these; kpromotedctl must agree. */
		for (i = 0; i < argc; i++)
			if (kp_param_index(argv[i], strcspn(argv[i], "=")) < 0)
				return;	/* a dash for an underscore: the kernel's, not ours */
		FZ_ASSERT(0, "refused '%s' (%s), which the module takes", joined, err);
	}
}

static void check_interval(const char *s)
{
	double v = -1;

	if (!kpctl_parse_interval(s, &v))
		FZ_ASSERT(isfinite(v) && v >= 0.05 && v <= 3600, "'%s': %g", s, v);
	else
		FZ_ASSERT(v == -1, "refused '%s' wrote %g", s, v);
}

static void check_count(const char *s)
{
	long v = -1;

	if (!kpctl_parse_count(s, &v))
		FZ_ASSERT(v >= 1 && v <= 1000000, "'%s': %ld", s, v);
	else
		FZ_ASSERT(v == -1, "refused '%s' wrote %ld", s, v);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char *argv[MAX_ARGS];
	struct kpctl_nodes nodes;
	int argc = fz_split(d, n, argv, MAX_ARGS), i;

	if (!strcmp(argv[0], "interval")) {
		for (i = 1; i < argc; i++)
			check_interval(argv[i]);
	} else if (!strcmp(argv[0], "count")) {
		for (i = 1; i < argc; i++)
			check_count(argv[i]);
	} else if (!strcmp(argv[0], "load")) {
		check_load(argc - 1, argv + 1, NULL);
	} else if (!strncmp(argv[0], "load@", 5)) {
		memset(&nodes, 0, sizeof(nodes));
		if (!parse_nodes(argv[0] + 5, &nodes))
			check_load(argc - 1, argv + 1, &nodes);
	} else {
		check_load(argc, argv, NULL);
	}
	fz_free_all(argv, argc);
	return 0;
}
