// SPDX-License-Identifier: GPL-2.0
/*
 * kpromotedctl on a real kernel: load with a report of tiers and sources,
 * status/stats/watch while loaded, unload that proves numa_balancing and
 * lru_gen are back, and each failure with its own exit code and one line.
 * The tool is built next to this program (tests/vm/Makefile).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kp_test_util.h"

#define SAVED "/run/kpromoted/settings-before-load"

static char ctl_out[KP_BUF_SIZE];

#define ctl(env, ...) kp_ctl_run(ctl_out, sizeof(ctl_out), env, __VA_ARGS__)

static int count_lines(const char *s, const char *prefix)
{
	int n = 0;

	for (; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : s)
		if (!strncmp(s, prefix, strlen(prefix)))
			n++;
	return n;
}

FIXTURE(ctl) {
	char numab[KP_VAL_SIZE], lru[KP_VAL_SIZE];
	char params[64];
	const char *skip;
};

FIXTURE_SETUP(ctl)
{
	struct kp_topology topo;

	self->skip = kp_env_unusable();
	if (self->skip)
		return;
	ASSERT_EQ(0, kp_ensure_unloaded());
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, self->numab, sizeof(self->numab)));
	if (kp_read_value(KP_LRU_GEN, self->lru, sizeof(self->lru)))
		self->lru[0] = '\0';
	ASSERT_EQ(0, kp_topology_read(&topo));
	snprintf(self->params, sizeof(self->params), "%s", topo.tiered ? "" : "slow_nodes=1");
	unlink(SAVED);
}

FIXTURE_TEARDOWN(ctl)
{
	if (self->skip)
		return;
	kp_ensure_unloaded();
	kp_write_file(KP_NUMA_BALANCING, self->numab);
	unlink(SAVED);
}

#define READY() do { if (self->skip) SKIP(return, "%s", self->skip); } while (0)

TEST_F(ctl, bad_parameter_changes_nothing)
{
	char val[KP_VAL_SIZE];

	READY();
	ASSERT_EQ(3, ctl(NULL, "load rate_limit_mbps=0"));
	EXPECT_EQ(1, count_lines(ctl_out, "kpromotedctl: invalid rate_limit_mbps=0: out of range"));
	EXPECT_EQ(1, count_lines(ctl_out, ""));
	EXPECT_FALSE(kp_loaded());
	EXPECT_FALSE(kp_exists(SAVED));
	ASSERT_EQ(3, ctl(NULL, "load slow_nodes=7"));
	TH_LOG("%s", ctl_out);
	EXPECT_FALSE(kp_loaded());
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, val, sizeof(val)));
	EXPECT_STREQ(self->numab, val);
	EXPECT_EQ(2, ctl(NULL, "load --nope"));
	EXPECT_EQ(2, ctl(NULL, "frobnicate"));
}

TEST_F(ctl, not_loaded_not_installed)
{
	READY();
	EXPECT_EQ(7, ctl(NULL, "stats"));
	EXPECT_EQ(7, ctl(NULL, "status"));
	EXPECT_EQ(7, ctl(NULL, "watch --iterations 1"));
	EXPECT_EQ(7, ctl(NULL, "unload"));
	mkdir("/tmp/kp-no-modules", 0755);
	EXPECT_EQ(5, ctl("KPROMOTEDCTL_MODDIR=/tmp/kp-no-modules", "load"));
	EXPECT_NE(NULL, strstr(ctl_out, "not installed"));
	EXPECT_FALSE(kp_loaded());
	EXPECT_EQ(5, ctl(NULL, "load --module /nonexistent.ko"));
}

TEST_F(ctl, load_watch_unload)
{
	char val[KP_VAL_SIZE];

	READY();
	/* By name, as an operator would: libkmod finds it through modules.dep. */
	ASSERT_EQ(0, ctl(NULL, "load %s", self->params));
	TH_LOG("load:\n%s", ctl_out);
	ASSERT_TRUE(kp_loaded());
	EXPECT_EQ(1, count_lines(ctl_out, "kpromoted "));
	EXPECT_EQ(1, count_lines(ctl_out, "tiers:   fast nodes 0, slow nodes 1"));
	EXPECT_EQ(1, count_lines(ctl_out, "sources: hintfault"));
	EXPECT_NE(NULL, strstr(ctl_out, "ibs"));
	EXPECT_TRUE(kp_exists(SAVED));

	EXPECT_EQ(8, ctl(NULL, "load --module %s", kp_module_file()));
	EXPECT_EQ(0, ctl(NULL, "stats"));
	EXPECT_EQ(1, count_lines(ctl_out, "promoted_pages "));
	EXPECT_EQ(1, count_lines(ctl_out, "records_dropped "));
	EXPECT_EQ(0, ctl(NULL, "stats --json"));
	EXPECT_EQ('{', ctl_out[0]);
	EXPECT_NE(NULL, strstr(ctl_out, "\"promoted_pages\": "));
	EXPECT_NE(NULL, strstr(ctl_out, "\"table_bytes\": "));
	EXPECT_EQ(0, ctl(NULL, "status --interval 0.2"));
	TH_LOG("status:\n%s", ctl_out);
	EXPECT_NE(NULL, strstr(ctl_out, "MB/s"));
	EXPECT_NE(NULL, strstr(ctl_out, "table:"));
	EXPECT_EQ(0, ctl(NULL, "watch --iterations 2 --interval 0.3"));
	EXPECT_EQ(2, count_lines(ctl_out, "kpromoted watch"));
	EXPECT_EQ(NULL, strchr(ctl_out, '\033'));

	EXPECT_EQ(0, ctl(NULL, "unload"));
	TH_LOG("unload:\n%s", ctl_out);
	EXPECT_NE(NULL, strstr(ctl_out, "settings restored: numa_balancing"));
	EXPECT_FALSE(kp_loaded());
	EXPECT_FALSE(kp_exists(SAVED));
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, val, sizeof(val)));
	EXPECT_STREQ(self->numab, val);
	if (self->lru[0]) {
		ASSERT_EQ(0, kp_read_value(KP_LRU_GEN, val, sizeof(val)));
		EXPECT_STREQ(self->lru, val);
	}
}

/*
 * stats --prometheus against the loaded module: the format's basics (a HELP and
 * a TYPE per family, every sample `name[{labels}] number`), a known counter, a
 * per-node label, and no stats line of the real module unknown to the tool.
 * promtool itself runs on the host (make unit), not in the guest.
 */
TEST_F(ctl, prometheus_from_the_loaded_module)
{
	int families, samples = 0, bad = 0;
	const char *line;

	READY();
	ASSERT_EQ(0, ctl(NULL, "load %s", self->params));
	ASSERT_EQ(0, ctl(NULL, "stats --prometheus"));
	families = count_lines(ctl_out, "# TYPE kpromoted_");
	EXPECT_LT(40, families);
	EXPECT_EQ(families, count_lines(ctl_out, "# HELP kpromoted_"));
	EXPECT_EQ(1, count_lines(ctl_out, "# TYPE kpromoted_promoted_pages_total counter\n"));
	EXPECT_EQ(1, count_lines(ctl_out, "kpromoted_promoted_pages_total "));
	EXPECT_EQ(1, count_lines(ctl_out, "# TYPE kpromoted_table_bytes gauge\n"));
	/* Node 0 is the fast node: it has workers and room accounting. */
	EXPECT_EQ(1, count_lines(ctl_out, "kpromoted_room_owed_pages{node=\"0\"} "));
	EXPECT_EQ(1, count_lines(ctl_out, "kpromoted_workers{node=\"0\"} "));
	EXPECT_EQ(1, count_lines(ctl_out, "kpromoted_source_records_total{source=\"hintfault\"} "));
	EXPECT_EQ(1, count_lines(ctl_out, "kpromoted_info{version=\""));
	EXPECT_EQ(NULL, strstr(ctl_out, "not described by this kpromotedctl"));
	for (line = ctl_out; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : line) {
		size_t name = strspn(line, "abcdefghijklmnopqrstuvwxyz0123456789_"), end;

		if (*line == '#' || *line == '\n')
			continue;
		samples++;
		end = name;
		if (line[end] == '{')
			end += strcspn(line + end, "}\n") + 1;
		if (strncmp(line, "kpromoted_", 10) || line[end] != ' ' ||
		    strspn(line + end + 1, "0123456789.") != strcspn(line + end + 1, "\n")) {
			if (!bad++)
				TH_LOG("not a sample: %.*s", (int)strcspn(line, "\n"), line);
		}
	}
	EXPECT_EQ(0, bad);
	EXPECT_LE(families, samples);
	EXPECT_EQ(0, ctl(NULL, "unload"));
	EXPECT_EQ(7, ctl(NULL, "stats --prometheus"));
	EXPECT_EQ(1, count_lines(ctl_out, "kpromotedctl: "));
	EXPECT_EQ(1, count_lines(ctl_out, ""));
}

/* unload compares against what load recorded: a setting not back is exit 9. */
TEST_F(ctl, unload_reports_a_setting_not_restored)
{
	READY();
	ASSERT_EQ(0, ctl(NULL, "load --module %s %s", kp_module_file(), self->params));
	/* Pretend numa_balancing was something else before the load. */
	ASSERT_EQ(0, kp_write_file(SAVED, "numa_balancing 3\n"));
	EXPECT_EQ(9, ctl(NULL, "unload"));
	TH_LOG("%s", ctl_out);
	EXPECT_NE(NULL, strstr(ctl_out, "was 3 before load"));
	EXPECT_FALSE(kp_loaded());
}

/* A load the kernel refuses: the kernel's own line is shown, nothing stays. */
TEST_F(ctl, kernel_refusal_is_shown)
{
	int rc;

	READY();
	rc = ctl(NULL, "load --module %s %s inject_fail=debugfs", kp_module_file(), self->params);
	TH_LOG("exit %d:\n%s", rc, ctl_out);
	EXPECT_TRUE(rc == 1 || rc == 3);
	EXPECT_NE(NULL, strstr(ctl_out, "loading kpromoted failed"));
	EXPECT_FALSE(kp_loaded());
	EXPECT_FALSE(kp_exists(SAVED));
}

TEST_F(ctl, debugfs_not_mounted)
{
	READY();
	ASSERT_EQ(0, ctl(NULL, "load --module %s %s", kp_module_file(), self->params));
	if (umount2("/sys/kernel/debug", 0)) {
		kp_unload();
		SKIP(return, "cannot unmount debugfs here: %s", strerror(errno));
	}
	EXPECT_EQ(6, ctl(NULL, "stats"));
	EXPECT_NE(NULL, strstr(ctl_out, "debugfs is not mounted"));
	EXPECT_EQ(6, ctl(NULL, "watch --iterations 1"));
	ASSERT_EQ(0, mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL));
	EXPECT_EQ(0, ctl(NULL, "stats"));
	EXPECT_EQ(0, ctl(NULL, "unload"));
}

TEST_HARNESS_MAIN
