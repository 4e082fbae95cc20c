// SPDX-License-Identifier: GPL-2.0
/* Value syntax: parameter values, node lists, the filter command (src/core/parse.c). */
#include <string.h>
#include "tap.h"
#include "kpromoted/parse.h"

static void test_uint(void)
{
	const char *why = NULL;
	u32 v = 0;

	CHECK(!kp_parse_uint("256", 1, 100000, &v, &why) && v == 256, "uint 256");
	CHECK(!kp_parse_uint("1", 1, 10, &v, &why) && v == 1, "uint at min");
	CHECK(!kp_parse_uint("10", 1, 10, &v, &why) && v == 10, "uint at max");
	CHECK(!kp_parse_uint("7\n", 1, 10, &v, &why) && v == 7, "uint with newline");
	v = 42;
	CHECK(kp_parse_uint("0", 1, 10, &v, &why) && !strcmp(why, "out of range") && v == 42,
	      "uint below min refused, output untouched");
	CHECK(kp_parse_uint("11", 1, 10, &v, &why) && !strcmp(why, "out of range"), "uint above max");
	CHECK(kp_parse_uint("", 1, 10, &v, &why) && !strcmp(why, "empty"), "uint empty");
	CHECK(kp_parse_uint("-1", 0, 10, &v, &why) && !strcmp(why, "not a number"), "uint negative");
	CHECK(kp_parse_uint("12abc", 0, 100, &v, &why) && !strcmp(why, "not a number"), "uint trailing junk");
	CHECK(kp_parse_uint("0x10", 0, 100, &v, &why), "uint hex refused");
	CHECK(kp_parse_uint("99999999999999999999", 0, 100, &v, &why) &&
	      !strcmp(why, "out of range"), "uint overflow says out of range");
	CHECK(kp_parse_uint("4294967296", 0, 0xffffffffu, &v, &why), "uint 2^32 refused");
	CHECK(!kp_parse_uint("4294967295", 0, 0xffffffffu, &v, &why) && v == 0xffffffffu, "uint 2^32-1");
	CHECK(kp_parse_uint(" 5", 0, 10, &v, &why), "uint leading space refused");
}

static void test_nodelist(void)
{
	const char *why = NULL;
	u64 m = 99;

	CHECK(!kp_parse_nodelist("", &m, &why) && m == 0, "empty nodelist");
	CHECK(!kp_parse_nodelist("1", &m, &why) && m == 2, "single node");
	CHECK(!kp_parse_nodelist("1,3-4", &m, &why) && m == 0x1a, "list and range");
	CHECK(!kp_parse_nodelist("63", &m, &why) && m == 1ull << 63, "node 63");
	CHECK(!kp_parse_nodelist("0-63", &m, &why) && m == ~0ull, "full range");
	CHECK(kp_parse_nodelist("64", &m, &why) && !strcmp(why, "node id too large"), "node 64 refused");
	CHECK(kp_parse_nodelist("1-", &m, &why), "open range refused");
	CHECK(kp_parse_nodelist("a", &m, &why), "letter refused");
	CHECK(kp_parse_nodelist("1,,2", &m, &why), "double comma refused");
	CHECK(kp_parse_nodelist("3-1", &m, &why) && !strcmp(why, "range end below its start"),
	      "reversed range refused");
	CHECK(kp_parse_nodelist("1,", &m, &why), "trailing comma refused");
	CHECK(kp_parse_nodelist("-1", &m, &why), "negative refused");
}

static void test_sources(void)
{
	const char *why = NULL;
	bool is_auto = false;
	u32 m = 0;

	CHECK(!kp_parse_sources("auto", &m, &is_auto, &why) && is_auto && m == KP_SRC_ALL, "auto");
	CHECK(!kp_parse_sources("none", &m, &is_auto, &why) && !is_auto && m == 0, "none");
	CHECK(!kp_parse_sources("hintfault", &m, &is_auto, &why) && m == 1u << KP_SRC_HINTFAULT,
	      "one source");
	CHECK(!kp_parse_sources("mglru,hintfault", &m, &is_auto, &why) &&
	      m == ((1u << KP_SRC_MGLRU) | (1u << KP_SRC_HINTFAULT)), "two sources");
	CHECK(!kp_parse_sources("ibs,pebs,ibs", &m, &is_auto, &why) &&
	      m == ((1u << KP_SRC_IBS) | (1u << KP_SRC_PEBS)), "repeat is harmless");
	CHECK(kp_parse_sources("dma", &m, &is_auto, &why) && !strcmp(why, "unknown source"), "unknown");
	CHECK(kp_parse_sources("", &m, &is_auto, &why) && !strcmp(why, "empty"), "empty");
	CHECK(kp_parse_sources("hintfault,", &m, &is_auto, &why), "trailing comma");
	CHECK(kp_parse_sources("auto,hintfault", &m, &is_auto, &why), "auto mixed");
	CHECK(kp_parse_sources("hint", &m, &is_auto, &why), "prefix is not a name");
}

static void test_enum(void)
{
	static const char *const words[] = { "promote", "observe", NULL };
	const char *why = NULL;
	u32 v = 9;

	CHECK(!kp_parse_enum("observe", words, &v, &why) && v == 1, "enum word");
	CHECK(!kp_parse_enum("promote\n", words, &v, &why) && v == 0, "enum newline");
	CHECK(kp_parse_enum("Promote", words, &v, &why), "enum is case-sensitive");
	CHECK(kp_parse_enum("prom", words, &v, &why), "enum prefix refused");
	CHECK(kp_parse_enum("", words, &v, &why) && !strcmp(why, "empty"), "enum empty");
}

static void test_format(void)
{
	char buf[64];

	kp_format_nodelist(0, buf, sizeof(buf));
	CHECK(!strcmp(buf, ""), "format empty");
	kp_format_nodelist(0x1a, buf, sizeof(buf));
	CHECK(!strcmp(buf, "1,3-4"), "format list: %s", buf);
	kp_format_nodelist(~0ull, buf, sizeof(buf));
	CHECK(!strcmp(buf, "0-63"), "format all: %s", buf);
	kp_format_nodelist(0x5555, buf, 6);
	CHECK(strlen(buf) <= 5, "format truncates safely: %s", buf);
}

static void test_filter(void)
{
	struct kp_filter_cmd c;
	const char *why = NULL;

	CHECK(!kp_parse_filter_cmd("clear\n", &c, &why) && c.op == KP_FILTER_CLEAR, "filter clear");
	CHECK(!kp_parse_filter_cmd("include pid 42", &c, &why) && c.op == KP_FILTER_INCLUDE &&
	      c.kind == KP_FILTER_PID && c.pid == 42, "include pid");
	CHECK(!kp_parse_filter_cmd("exclude cgroup /system.slice/db.service\n", &c, &why) &&
	      c.op == KP_FILTER_EXCLUDE && c.kind == KP_FILTER_CGROUP &&
	      !strcmp(c.path, "/system.slice/db.service"), "exclude cgroup path");
	CHECK(kp_parse_filter_cmd("include pid", &c, &why) && !strcmp(why, "missing argument"), "missing pid");
	CHECK(kp_parse_filter_cmd("include pid 0", &c, &why), "pid 0 refused");
	CHECK(kp_parse_filter_cmd("include pid x1", &c, &why), "pid not a number");
	CHECK(kp_parse_filter_cmd("include cgroup rel/path", &c, &why), "relative cgroup refused");
	CHECK(kp_parse_filter_cmd("include uid 3", &c, &why), "unknown kind");
	CHECK(kp_parse_filter_cmd("promote pid 3", &c, &why), "unknown op");
	CHECK(kp_parse_filter_cmd("include pid 3 4", &c, &why), "trailing text refused");
	CHECK(kp_parse_filter_cmd("", &c, &why), "empty refused");
	/* One command per write: a second line is not silently dropped (fuzz_filter). */
	CHECK(kp_parse_filter_cmd("clear\nnclude pid 42", &c, &why) &&
	      !strcmp(why, "unexpected text after the command"), "text after the newline refused");
	CHECK(kp_parse_filter_cmd("include pid 1\nexclude pid 2\n", &c, &why),
	      "two commands in one write refused");
	CHECK(kp_parse_filter_cmd("clear\n\n", &c, &why), "a second newline refused");
	CHECK(!kp_parse_filter_cmd("include pid 5 \t\n", &c, &why) && c.pid == 5,
	      "blanks before the final newline");
}

int main(void)
{
	test_filter();
	test_uint();
	test_nodelist();
	test_sources();
	test_enum();
	test_format();
	return tap_done("parse");
}
