// SPDX-License-Identifier: GPL-2.0
/* kpromotedctl's pure pieces (tools/kpromotedctl/kpctl_lib.c), on the host. */
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include "tap.h"
#include "kpctl.h"

static char err[512];

static int check(const char *a, const char *b, const struct kpctl_nodes *nodes)
{
	char *argv[2] = { (char *)a, (char *)b };

	err[0] = '\0';
	return kpctl_params_check(b ? 2 : 1, argv, nodes, err, sizeof(err));
}

static void test_params(void)
{
	struct kpctl_nodes two = { true, 0x3, 0x3, 0x1 }, one = { true, 0x1, 0x1, 0x1 };

	CHECK(!check("rate_limit_mbps=512", NULL, NULL), "good uint accepted");
	CHECK(!check("sources=hintfault,mglru", "mode=observe", NULL), "list and enum accepted");
	CHECK(!check("slow_nodes=", NULL, NULL), "empty slow_nodes accepted");
	CHECK(!check("inject_fail=symbol:migrate_pages", NULL, NULL), "inject symbol accepted");
	CHECK(check("rate_limit_mbps=0", NULL, NULL) &&
	      !strcmp(err, "invalid rate_limit_mbps=0: out of range (accepted: 1..100000)"),
	      "out of range: one line naming parameter, reason, range: %s", err);
	CHECK(check("batch_pages=12x", NULL, NULL) && strstr(err, "not a number"), "junk: %s", err);
	CHECK(check("hot_threshold=16", NULL, NULL) && strstr(err, "1..15"), "above max: %s", err);
	CHECK(check("mode=fast", NULL, NULL) && strstr(err, "unknown value") &&
	      strstr(err, "promote, observe"), "bad enum: %s", err);
	CHECK(check("sources=hintfault,foo", NULL, NULL) && strstr(err, "unknown source"),
	      "bad source: %s", err);
	CHECK(check("slow_nodes=64", NULL, NULL) && strstr(err, "node id too large"), "node 64: %s", err);
	CHECK(check("bogus=1", NULL, NULL) && strstr(err, "unknown parameter 'bogus'"),
	      "unknown name: %s", err);
	CHECK(check("rate_limit_mbps", NULL, NULL) && strstr(err, "expected name=value"),
	      "no '=': %s", err);
	CHECK(check("=5", NULL, NULL) && strstr(err, "expected name=value"), "no name: %s", err);
	CHECK(check("mode=promote", "mode=observe", NULL) && strstr(err, "given twice"),
	      "repeat refused: %s", err);
	CHECK(check("mglru_min_ms=900", "mglru_max_ms=800", NULL) && strstr(err, "below mglru_min_ms=900"),
	      "max below min: %s", err);
	CHECK(check("mglru_max_ms=300", NULL, NULL) && strstr(err, "below mglru_min_ms=400"),
	      "max below default min: %s", err);
	CHECK(check("sources=mglru pebs", NULL, NULL) && strstr(err, "spaces"), "space: %s", err);
	CHECK(check("window_ms=1\n0", NULL, NULL) && !strchr(err, '\n'),
	      "newline in value: error stays one line: %s", err);
	/* The kernel splits at \v, \f, \r and 0xa0 too: the module would see other values (fuzz_kpctl_args). */
	CHECK(check("inject_fail=symbol:a\rb", NULL, NULL) && strstr(err, "spaces"), "CR: %s", err);
	CHECK(check("inject_fail=symbol:a\vb", NULL, NULL) && strstr(err, "spaces"), "VT: %s", err);
	CHECK(check("inject_fail=hook:a\fb", NULL, NULL) && strstr(err, "spaces"), "FF: %s", err);
	CHECK(check("inject_fail=symbol:mig\xa0x", NULL, NULL) && strstr(err, "spaces"),
	      "0xa0: %s", err);
	CHECK(check("mode=1234567890123456789012345678901234567890123456789012345678901234", NULL, NULL) &&
	      strstr(err, "too long"), "long value: %s", err);
	CHECK(!check("slow_nodes=1", NULL, &two), "slow node 1 on a two-node machine");
	CHECK(check("slow_nodes=2", NULL, &two) && strstr(err, "not an online memory node"),
	      "absent node: %s", err);
	CHECK(check("slow_nodes=0-1", NULL, &two) && strstr(err, "no fast node"), "all nodes: %s", err);
	CHECK(check("slow_nodes=0", NULL, &one) && strstr(err, "no fast node"), "single node: %s", err);
}

/*
 * The tool and the module share one parameter table (kpromoted/params.h):
 * every parameter must also be documented, in docs/interfaces.md and in
 * README's parameter table, with the same default.
 */
static bool file_has(const char *path, const char *needle)
{
	static char text[131072];
	FILE *f = fopen(path, "r");
	size_t len;

	if (!f)
		return false;
	len = fread(text, 1, sizeof(text) - 1, f);
	text[len] = '\0';
	fclose(f);
	return strstr(text, needle) != NULL;
}

static void test_params_documented(void)
{
	char needle[160];
	int i;

	for (i = 0; kpctl_param_names[i]; i++) {
		const char *acc = kpctl_param_accepted(kpctl_param_names[i]);

		CHECK(acc != NULL, "%s has an accepted text", kpctl_param_names[i]);
		snprintf(needle, sizeof(needle), "| %s |", kpctl_param_names[i]);
		CHECK(file_has(KP_TOP "/docs/interfaces.md", needle), "docs/interfaces.md documents %s",
		      kpctl_param_names[i]);
		snprintf(needle, sizeof(needle), "| `%s` |", kpctl_param_names[i]);
		CHECK(file_has(KP_TOP "/README.md", needle), "README documents %s", kpctl_param_names[i]);
	}
}

static void test_kv(void)
{
	static struct kpctl_kvset set;
	uint64_t v = 7;

	CHECK(kpctl_kv_parse("records 12\nrecords_dropped 0\nmglru unavailable: no MGLRU\nempty\n", &set) == 4,
	      "four pairs");
	CHECK(!kpctl_kv_u64(&set, "records", &v) && v == 12, "records 12");
	CHECK(!strcmp(kpctl_kv_get(&set, "mglru"), "unavailable: no MGLRU"), "value keeps its spaces");
	CHECK(!strcmp(kpctl_kv_get(&set, "empty"), ""), "name without value");
	CHECK(kpctl_kv_get(&set, "nope") == NULL, "absent name");
	CHECK(kpctl_kv_u64(&set, "mglru", &v), "text is not a number");
	CHECK(kpctl_kv_parse("", &set) == 0, "empty text");
	CHECK(kpctl_kv_parse("a 1", &set) == 1 && !strcmp(kpctl_kv_get(&set, "a"), "1"),
	      "last line without newline");
	CHECK(!kpctl_is_u64("") && !kpctl_is_u64("-1") && !kpctl_is_u64("1 ") &&
	      kpctl_is_u64("18446744073709551615"), "is_u64");
}

static void test_rates(void)
{
	static struct kpctl_kvset a, b;
	struct kpctl_rates r;

	kpctl_kv_parse("promoted_bytes 0\npromoted_pages 0\nrecords 100\n", &a);
	kpctl_kv_parse("promoted_bytes 8192000\npromoted_pages 2000\nrecords 50\n", &b);
	kpctl_rates(&a, &b, 2.0, &r);
	CHECK(r.mb_s > 4.095 && r.mb_s < 4.097, "MB/s (decimal MB): %f", r.mb_s);
	CHECK(r.pages_s == 1000, "pages/s: %f", r.pages_s);
	CHECK(r.records_s == 0, "a counter that went back (reload) gives 0, not garbage");
	kpctl_rates(&a, &b, 0, &r);
	CHECK(r.pages_s == 0, "zero interval gives 0");
}

static void test_format(void)
{
	char buf[32];
	double d;
	long n;

	CHECK(!strcmp(kpctl_fmt_bytes(0, buf, sizeof(buf)), "0 B"), "0 B");
	CHECK(!strcmp(kpctl_fmt_bytes(58368, buf, sizeof(buf)), "57.0 KiB"), "57.0 KiB");
	CHECK(!strcmp(kpctl_fmt_bytes(3ull << 30, buf, sizeof(buf)), "3.0 GiB"), "3.0 GiB");
	CHECK(!kpctl_parse_interval("0.5", &d) && d == 0.5, "interval 0.5");
	CHECK(kpctl_parse_interval("0", &d) && kpctl_parse_interval("abc", &d) &&
	      kpctl_parse_interval("1s", &d) && kpctl_parse_interval("", &d) &&
	      kpctl_parse_interval("nan", &d) && kpctl_parse_interval("4000", &d),
	      "bad intervals refused");
	CHECK(!kpctl_parse_count("3", &n) && n == 3, "count 3");
	CHECK(kpctl_parse_count("0", &n) && kpctl_parse_count("-2", &n) && kpctl_parse_count("x", &n),
	      "bad counts refused");
}

static void test_json(void)
{
	static struct kpctl_kvset set;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	kpctl_kv_parse("records 12\nzero 0\nlead 007\nname a \"q\" \\b\n", &set);
	f = open_memstream(&out, &len);
	kpctl_json(&set, f);
	fclose(f);
	CHECK(strstr(out, "\"records\": 12") != NULL, "number as number");
	CHECK(strstr(out, "\"zero\": 0") != NULL, "zero as number");
	CHECK(strstr(out, "\"lead\": \"007\"") != NULL, "leading zeros as string");
	CHECK(strstr(out, "\"name\": \"a \\\"q\\\" \\\\b\"") != NULL, "quotes and backslash escaped");
	CHECK(out[0] == '{' && out[len - 2] == '}', "one object");
	free(out);
}

static char *prom(const char *stats, const char *sources, const char *version)
{
	static struct kpctl_kvset st, src;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	kpctl_kv_parse(stats, &st);
	kpctl_kv_parse(sources ? sources : "", &src);
	f = open_memstream(&out, &len);
	kpctl_prometheus(&st, sources ? &src : NULL, version, f);
	fclose(f);
	return out;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)); hay++)
		n++;
	return n;
}

static void test_prometheus(void)
{
	const struct kpctl_metric *m;
	size_t len;
	char *out;
	bool ok;

	/* The module's counters (stats_names.h) and kpromotedctl's table agree. */
	for (m = kpctl_metrics; m->stat; m++) {
		len = strlen(m->metric);
		ok = m->counter == (!m->per_node && kpctl_stat_is_counter(m->stat));
		ok = ok && m->counter == (len > 6 && !strcmp(m->metric + len - 6, "_total"));
		CHECK(ok, "%s: %s %s, named %s", m->stat, m->counter ? "counter" : "gauge",
		      kpctl_stat_is_counter(m->stat) ? "(a KP_STATS counter)" : "(not in KP_STATS)",
		      m->metric);
	}
	out = prom("records 12\nrecords_mglru 5\nrecords_hintfault 7\nmglru_scan_cpu_ns 1500000001\n"
		   "room_idle_ms 250\nnode0_workers 2\nnode0_room_owed 3\nnode0_room_owed_max 9\n"
		   "node2_workers 4\nnode2_room_owed 0\nnode2_room_owed_max 8\ntable_bytes 58368\n",
		   "hintfault enabled\nmglru unavailable: no MGLRU\nibs_cpus 0-1\n", "0.1.0");
	CHECK(strstr(out, "# TYPE kpromoted_records_total counter\nkpromoted_records_total 12\n") != NULL,
	      "a counter: _total, TYPE counter");
	CHECK(strstr(out, "# TYPE kpromoted_table_bytes gauge\nkpromoted_table_bytes 58368\n") != NULL,
	      "a gauge: TYPE gauge, bytes");
	CHECK(strstr(out, "kpromoted_source_records_total{source=\"mglru\"} 5\n"
			  "kpromoted_source_records_total{source=\"hintfault\"} 7\n") != NULL &&
	      count(out, "# HELP kpromoted_source_records_total ") == 1,
	      "per-source records: one family, a source label, samples in stats' order");
	CHECK(strstr(out, "kpromoted_mglru_scan_cpu_seconds_total 1.500000001\n") != NULL,
	      "nanoseconds as exact seconds");
	CHECK(strstr(out, "kpromoted_room_idle_seconds 0.25\n") != NULL, "milliseconds as seconds");
	CHECK(strstr(out, "# TYPE kpromoted_room_owed_pages gauge\n"
			  "kpromoted_room_owed_pages{node=\"0\"} 3\n"
			  "kpromoted_room_owed_pages{node=\"2\"} 0\n# HELP") != NULL &&
	      count(out, "# HELP kpromoted_room_owed_pages ") == 1,
	      "node<N>_room_owed: one family, a node label, nodes together");
	CHECK(strstr(out, "kpromoted_room_owed_max_pages{node=\"2\"} 8\n") != NULL,
	      "room_owed_max apart from room_owed");
	CHECK(strstr(out, "kpromoted_info{version=\"0.1.0\"} 1\n") != NULL, "version as info");
	CHECK(strstr(out, "kpromoted_source_enabled{source=\"hintfault\"} 1\n"
			  "kpromoted_source_enabled{source=\"mglru\"} 0\n# HELP") != NULL,
	      "sources: 1 enabled, 0 otherwise, details skipped");
	CHECK(count(out, "# HELP ") == count(out, "# TYPE "), "a HELP for every TYPE");
	free(out);
	out = prom("future_thing_ms 1500\nnode1_future 3\nrecords 1\nrecords 2\ntext abc\n",
		   NULL, NULL);
	CHECK(strstr(out, "kpromoted_future_thing_seconds 1.5\n") != NULL,
	      "an unknown _ms gauge still in seconds");
	CHECK(strstr(out, "kpromoted_future{node=\"1\"} 3\n") != NULL, "an unknown per-node gauge");
	CHECK(count(out, "\nkpromoted_records_total ") == 1, "a repeated name: one series");
	CHECK(!strstr(out, "abc") && !strstr(out, "kpromoted_info"), "text values and no version: skipped");
	free(out);
	/* Found by the fuzzer: node02_ would have repeated node2_'s series. */
	out = prom("node2_workers 4\nnode02_workers 5\nnode0_workers 1\nnode00_workers 6\n", NULL, NULL);
	CHECK(count(out, "kpromoted_workers{node=\"2\"} ") == 1 && strstr(out, "{node=\"2\"} 4\n") &&
	      count(out, "kpromoted_workers{node=\"0\"} ") == 1 && strstr(out, "{node=\"0\"} 1\n"),
	      "a node number with a leading zero is not a node: no series twice");
	free(out);
}

static void test_settings(void)
{
	static struct kpctl_kvset saved, now;

	kpctl_kv_parse("numa_balancing 1\nlru_gen 0x0000\n", &saved);
	kpctl_kv_parse("numa_balancing 1\nlru_gen 0x0000\n", &now);
	CHECK(kpctl_settings_diff(&saved, &now, err, sizeof(err)) == 0, "restored: no difference");
	kpctl_kv_parse("numa_balancing 2\nlru_gen 0x0007\n", &now);
	CHECK(kpctl_settings_diff(&saved, &now, err, sizeof(err)) == 2 &&
	      !strcmp(err, "numa_balancing is 2, was 1 before load"), "changed: %s", err);
	kpctl_kv_parse("lru_gen 0x0000\n", &now);
	CHECK(kpctl_settings_diff(&saved, &now, err, sizeof(err)) == 1 && strstr(err, "unreadable"),
	      "unreadable: %s", err);
}

/* A `regions` text for a span of nr regions with heat[] as given. */
static char *regions_text(int node, unsigned long long start, const unsigned char *heat, size_t nr)
{
	char *t = malloc(nr * 3 + 4096), *p = t;
	size_t j, k, zeros = 0;

	p += sprintf(p, "span node %d start_pfn %llu regions %zu\n", node, start, nr);
	for (j = 0; j < nr; j += 64) {
		size_t n = nr - j < 64 ? nr - j : 64;
		bool warm = false;

		for (k = 0; k < n; k++)
			warm |= heat[j + k] != 0;
		if (!warm) {
			zeros += n;
			continue;
		}
		if (zeros)
			p += sprintf(p, "z %zu\n", zeros);
		zeros = 0;
		for (k = 0; k < n; k++)
			p += sprintf(p, "%02x", heat[j + k]);
		*p++ = '\n';
	}
	if (zeros)
		p += sprintf(p, "z %zu\n", zeros);
	*p = 0;
	return t;
}

static void test_regions(void)
{
	static unsigned char heat[1u << 19];	/* 1 TiB of 2 MiB regions */
	struct kpctl_regions r;
	struct kpctl_fold f;
	char err[256], *t, *buf = NULL;
	size_t len = 0;
	FILE *out;
	int i;

	/* 1 GiB: a region a cell, 8 rows of 64. */
	memset(heat, 0, 512);
	for (i = 100; i < 116; i++)
		heat[i] = 200;
	heat[300] = 1;
	t = regions_text(1, 262144, heat, 512);
	CHECK(!kpctl_regions_parse(t, &r, err, sizeof(err)) && r.n == 1 && r.span[0].node == 1 &&
	      r.span[0].start_pfn == 262144 && r.span[0].nr == 512 &&
	      !memcmp(r.span[0].heat, heat, 512), "regions: a 1 GiB span read back byte for byte: %s", err);
	free(t);
	CHECK(!kpctl_fold(&r.span[0], 64, 32, &f) && f.rows == 8 && f.per_cell == 1 && f.cells == 512 &&
	      f.cell[100] == 200 && f.cell[300] == 1 && f.cell[0] == 0, "fold: 1 GiB is 8 rows, a region a cell");
	out = open_memstream(&buf, &len);
	kpctl_heatmap_render(&r.span[0], &f, false, out);
	fclose(out);
	CHECK(strstr(buf, "node 1: 1.0 GiB from pfn 262144, 512 regions of 2 MiB, 2.0 MiB a cell, 17 warm") &&
	      strstr(buf, "  128.0M |                                    @@@@@@@@@@@@@@@@            |") &&
	      !strchr(buf, '\033'), "render: header, the hot row, no escape without colour:\n%s", buf);
	free(buf);
	buf = NULL;
	out = open_memstream(&buf, &len);
	kpctl_heatmap_render(&r.span[0], &f, true, out);
	fclose(out);
	CHECK(strstr(buf, "\033[48;5;196m@") && strstr(buf, "\033[0m ") && !strstr(buf, "@|"),
	      "render: colour, back to the default for cold cells");
	free(buf);
	buf = NULL;
	out = open_memstream(&buf, &len);
	kpctl_heatmap_gnuplot(&r.span[0], &f, 1, 2.0, "/tmp/h.png", out);
	fclose(out);
	CHECK(strstr(buf, "set output '/tmp/h.png'") && strstr(buf, "with image") &&
	      strstr(buf, "\n0 0.196289 9\n") && !strcmp(buf + strlen(buf) - 2, "e\n"),
	      "gnuplot: output file, data rows of time, GiB offset and level");
	free(buf);
	kpctl_fold_free(&f);
	kpctl_regions_free(&r);

	/* 1 TiB: 256 regions a cell, 32 rows; one hot region stays visible (max, not mean). */
	memset(heat, 0, sizeof(heat));
	heat[123457] = 9;
	t = regions_text(2, 1ull << 28, heat, sizeof(heat));
	CHECK(strlen(t) < 200, "regions: a cold terabyte is a few lines of text (%zu bytes)", strlen(t));
	CHECK(!kpctl_regions_parse(t, &r, err, sizeof(err)) && r.span[0].nr == sizeof(heat),
	      "regions: a 1 TiB span: %s", err);
	free(t);
	CHECK(!kpctl_fold(&r.span[0], 64, 32, &f) && f.rows == 32 && f.per_cell == 256 &&
	      f.cell[123457 / 256] == 9 && f.cell[123457 / 256 + 1] == 0, "fold: 1 TiB is 32 rows of 512 MiB cells");
	kpctl_fold_free(&f);
	kpctl_regions_free(&r);

	CHECK(kpctl_heat_level(0) == 0 && kpctl_heat_level(1) == 1 && kpctl_heat_level(2) == 2 &&
	      kpctl_heat_level(255) == 9 && kpctl_heat_level(128) == 9 && kpctl_heat_level(64) == 7,
	      "levels: log scale 0..9");
	/* Corrupt text: one line, nothing kept. */
	CHECK(kpctl_regions_parse("span node 1 start_pfn 0 regions 4\n0102\n", &r, err, sizeof(err)) &&
	      strstr(err, "2 of 4 regions") && !r.n, "regions: a short span refused: %s", err);
	CHECK(kpctl_regions_parse("span node 1 start_pfn 0 regions 2\n01xx\n", &r, err, sizeof(err)) &&
	      strstr(err, "not hex"), "regions: junk refused: %s", err);
	CHECK(kpctl_regions_parse("0102\n", &r, err, sizeof(err)) && strstr(err, "before any span"),
	      "regions: heat without a span: %s", err);
	CHECK(kpctl_regions_parse("span node 1 start_pfn 0 regions 2\nz 3\n", &r, err, sizeof(err)) &&
	      strstr(err, "cold regions"), "regions: a run past the end: %s", err);
	CHECK(kpctl_regions_parse("span node 1 start_pfn 0 regions 99999999999\n", &r, err, sizeof(err)),
	      "regions: an absurd size refused before any allocation");
	CHECK(!kpctl_regions_parse("", &r, err, sizeof(err)) && !r.n, "regions: empty is no span");
}

static const char *fake_name(const struct kpctl_owner *o, void *ctx)
{
	(void)ctx;
	return o->id == 4242 ? "hotloop" : NULL;
}

/* An owner whose name is the raw bytes in ctx. */
static const char *raw_name(const struct kpctl_owner *o, void *ctx)
{
	(void)o;
	return ctx;
}

/* The lines of buf (it ends with one). */
static int count_lines(const char *buf)
{
	int n = 0;

	for (; *buf; buf++)
		n += *buf == '\n';
	return n;
}

/*
 * Names are anyone's bytes (a comm set with prctl, a delegated cgroup):
 * escaped in `owners` as the module prints them, they come back whole, a
 * forged line stays inside its name, and the table shows no raw control
 * byte.
 */
static void test_owner_names(void)
{
	static struct kpctl_owners s;
	/* "/evil\ncgroup 6 999 999 /forged", then tab, backslash, ESC, a byte outside ASCII. */
	const char *t = "cgroup 5 1 2 /evil\\012cgroup\\0406\\040999\\040999\\040/forged\n"
			"cgroup 7 3 4 /a\\011b\\134c\\033[2Jd\\303\\251\n"
			"cgroup other 0 0\n";
	const char *bad[] = {
		"cgroup 5 1 2 /a b\n",		/* a raw space: a second field */
		"cgroup 5 1 2 /a\tb\n",		/* raw tab */
		"cgroup 5 1 2 /a\033[2J\n",	/* raw escape sequence */
		"cgroup 5 1 2 /a\rb\n",		/* raw carriage return */
		"cgroup 5 1 2 /caf\303\251\n",	/* raw byte outside ASCII */
		"cgroup 5 1 2 /a\\\n",		/* a lone backslash */
		"cgroup 5 1 2 /a\\01\n",		/* two digits */
		"cgroup 5 1 2 /a\\400\n",		/* more than a byte */
		"cgroup 5 1 2 /a\\089\n",		/* not octal */
		"cgroup 5 1 2 /a\\000b\n",		/* a NUL */
		"cgroup 5 1 2 \n",			/* a trailing space, no path */
		"cgroup 5 1 2 /a \n",		/* a trailing space */
		"cgroup 5  1 2\n",			/* two spaces */
		"cgroup other 1 2 /x\n",		/* other has no path */
		"process 5 1 2 evil\\012\n",	/* no name on a process line */
		"process 18446744073709551616 1 2\n",	/* past u64 */
		"process 5 1 -2\n",
		"process 5 1 +2\n",
	};
	char err[256], name[300], shown[64], *buf = NULL;
	const char *comm = "evil\nproc 9";
	size_t len = 0, i;
	FILE *out;
	int rc;

	rc = kpctl_owners_parse(t, KPCTL_BY_CGROUP, &s, err, sizeof(err));
	CHECK(!rc && s.n == 3 && s.o[0].id == 5 && !strcmp(s.o[0].path, "/evil\ncgroup 6 999 999 /forged") &&
	      s.o[1].id == 7 && !strcmp(s.o[1].path, "/a\tb\\c\033[2Jd\303\251") && s.o[2].other,
	      "owners: escaped names decoded whole, the forged line not a row: %d %s", rc, err);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = kpctl_owners_parse(bad[i], bad[i][0] == 'c' ? KPCTL_BY_CGROUP : KPCTL_BY_PROCESS, &s,
					err, sizeof(err));
		CHECK(rc == -1 && strstr(err, "line 1: bad line") && !strchr(err, '\n'),
		      "owners: not the module's form, refused in one line: %zu %s", i, err);
	}
	/* The name that does not fit: cut, and said so. */
	memset(name, 'x', sizeof(name));
	memcpy(name, "cgroup 5 1 2 /", 14);
	strcpy(name + sizeof(name) - 2, "\n");
	CHECK(!kpctl_owners_parse(name, KPCTL_BY_CGROUP, &s, err, sizeof(err)) && s.n == 1 &&
	      strlen(s.o[0].path) == sizeof(s.o[0].path) - 1 &&
	      !strcmp(s.o[0].path + sizeof(s.o[0].path) - 4, "..."), "owners: a long path cut: %s", err);
	/* Each byte round-trips through the module's escaping. */
	for (i = 1; i < 256; i++) {
		char esc[8], got[4];
		bool octal = i <= ' ' || i >= 0x7f || i == '\\';

		if (octal)
			snprintf(esc, sizeof(esc), "\\%03o", (unsigned)i);
		else
			snprintf(esc, sizeof(esc), "%c", (int)i);
		rc = kpctl_unescape_name(esc, strlen(esc), got, sizeof(got));
		if (rc || (unsigned char)got[0] != i || got[1])
			break;
	}
	CHECK(i == 256, "unescape: every byte 1..255 round-trips (stopped at %zu)", i);

	kpctl_escape_display("a\tb\\c\033[2J\n\177\303\251 d", shown, sizeof(shown));
	CHECK(!strcmp(shown, "a\\011b\\134c\\033[2J\\012\\177\\303\\251 d"), "display: escaped: %s", shown);
	kpctl_escape_display("ab\n", shown, 6);
	CHECK(!strcmp(shown, "ab"), "display: cut at a whole escape: %s", shown);

	/* top: the comm with a newline is one row, escaped; so is the cgroup. */
	s.n = 1;
	memset(&s.o[0], 0, sizeof(s.o[0]));
	s.o[0].id = 4242;
	s.o[0].promoted = 9;
	out = open_memstream(&buf, &len);
	kpctl_top_render(&s, KPCTL_BY_PROCESS, 20, raw_name, (void *)comm, out);
	fclose(out);
	CHECK(count_lines(buf) == 3 && strstr(buf, "  evil\\012proc 9\n") && !strstr(buf, "\nproc 9"),
	      "top: a comm with a newline is one escaped row:\n%s", buf);
	free(buf);
	buf = NULL;
	kpctl_owners_parse(t, KPCTL_BY_CGROUP, &s, err, sizeof(err));
	out = open_memstream(&buf, &len);
	kpctl_top_render(&s, KPCTL_BY_CGROUP, 20, NULL, NULL, out);
	fclose(out);
	CHECK(count_lines(buf) == 4 && strstr(buf, "  /evil\\012cgroup 6 999 999 /forged\n") &&
	      strstr(buf, "  /a\\011b\\134c\\033[2Jd\\303\\251\n") && !strchr(buf, '\033') &&
	      !strchr(buf, '\t'), "top --by cgroup: paths escaped, one row each:\n%s", buf);
	free(buf);
}

static void test_owners(void)
{
	static struct kpctl_owners a, b;
	const char *t1 = "process 4242 100 0\nprocess 7 5 0\nprocess other 1 0\n"
			 "cgroup 99 100 0 /kp.slice/work\\040load\ncgroup other 0 0\n";
	const char *t2 = "process 7 5 0\nprocess 4242 300 2048\nprocess 8 1 0\nprocess other 1 0\n"
			 "cgroup 99 300 2048 /kp.slice/work\\040load\ncgroup other 0 0\n";
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *out;

	CHECK(!kpctl_owners_parse(t1, KPCTL_BY_PROCESS, &a, err, sizeof(err)) && a.n == 3 &&
	      a.o[0].id == 4242 && a.o[2].other, "owners: the process lines, other included: %s", err);
	CHECK(!kpctl_owners_parse(t2, KPCTL_BY_PROCESS, &b, err, sizeof(err)) && b.n == 4, "owners: again");
	kpctl_owners_rates(&a, &b, 2.0);
	kpctl_owners_sort(&b);
	CHECK(b.o[0].id == 4242 && b.o[0].promoted_s == 1024 && b.o[0].sighted_s == 100 && b.o[1].id == 7 &&
	      b.o[2].id == 8 && b.o[2].sighted_s == 0.5 && b.o[3].other, "owners: rates, most promoted first, other last");
	out = open_memstream(&buf, &len);
	kpctl_top_render(&b, KPCTL_BY_PROCESS, 2, fake_name, NULL, out);
	fclose(out);
	CHECK(strstr(buf, "3 owners, 307 sightings, 2048 pages promoted") &&
	      strstr(buf, "      4242        100          300       1024       2048  hotloop\n") &&
	      strstr(buf, "(exited)") && !strstr(buf, "\n         8 ") && strstr(buf, "(other"),
	      "top: totals, named rows, max rows, other:\n%s", buf);
	free(buf);
	buf = NULL;
	CHECK(!kpctl_owners_parse(t2, KPCTL_BY_CGROUP, &b, err, sizeof(err)) && b.n == 2 &&
	      !strcmp(b.o[0].path, "/kp.slice/work load"), "owners: cgroup lines keep the path, spaces included");
	kpctl_owners_rates(NULL, &b, 1.0);
	out = open_memstream(&buf, &len);
	kpctl_top_render(&b, KPCTL_BY_CGROUP, 20, NULL, NULL, out);
	fclose(out);
	CHECK(strstr(buf, "CGROUP-ID") && strstr(buf, "  /kp.slice/work load\n") && !strstr(buf, "(other"),
	      "top --by cgroup: the path; an empty other is not shown:\n%s", buf);
	free(buf);
	CHECK(kpctl_owners_parse("process x 1 2\n", KPCTL_BY_PROCESS, &a, err, sizeof(err)) &&
	      strstr(err, "line 1"), "owners: a bad id refused: %s", err);
	CHECK(kpctl_owners_parse("process 0 1 2\n", KPCTL_BY_PROCESS, &a, err, sizeof(err)),
	      "owners: id 0 refused");
	CHECK(kpctl_owners_parse("process 5 1 2 junk\n", KPCTL_BY_PROCESS, &a, err, sizeof(err)),
	      "owners: trailing junk on a process line refused");
	CHECK(!kpctl_owners_parse("cgroup 5 1\n", KPCTL_BY_PROCESS, &a, err, sizeof(err)) && !a.n,
	      "owners: the other kind's lines are skipped");
	test_owner_names();
}

int main(void)
{
	test_params();
	test_params_documented();
	test_kv();
	test_rates();
	test_format();
	test_json();
	test_prometheus();
	test_settings();
	test_regions();
	test_owners();
	return tap_done("kpctl");
}
