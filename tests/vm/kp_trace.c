// SPDX-License-Identifier: GPL-2.0
/*
 * kpromoted's trace events through tracefs: both events exist with their
 * fields while loaded, and a promotion run produces promote_batch events
 * whose fields are plausible and add up to the promoted_pages counter.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kp_test_util.h"
#include "kp_workload.h"

#define TRACE_MAX (4 << 20)

static const char *tracefs(void)
{
	if (kp_exists("/sys/kernel/tracing/events"))
		return "/sys/kernel/tracing";
	if (kp_exists("/sys/kernel/debug/tracing/events"))
		return "/sys/kernel/debug/tracing";
	return NULL;
}

static int tr_write(const char *file, const char *val)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", tracefs(), file);
	return kp_write_file(p, val);
}

static ssize_t tr_read(const char *file, char *buf, size_t size)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", tracefs(), file);
	return kp_read_file(p, buf, size);
}

FIXTURE(trace) {
	struct kp_buf b;
	char numab[KP_VAL_SIZE];
	char params[64];
	const char *skip;
	char *text;
};

FIXTURE_SETUP(trace)
{
	struct kp_topology topo;

	self->skip = kp_env_unusable();
	if (!self->skip && !tracefs())
		self->skip = "no tracefs mounted";
	if (self->skip)
		return;
	ASSERT_EQ(0, kp_topology_read(&topo));
	if (!(topo.memory & 2) || (topo.cpu & 2)) {
		self->skip = "needs node 1 as a CPU-less memory node";
		return;
	}
	ASSERT_EQ(0, kp_ensure_unloaded());
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, self->numab, sizeof(self->numab)));
	snprintf(self->params, sizeof(self->params), "%s", topo.tiered ? "" : "slow_nodes=1");
	self->text = malloc(TRACE_MAX);
	ASSERT_NE(NULL, self->text);
}

FIXTURE_TEARDOWN(trace)
{
	if (self->skip)
		return;
	if (kp_loaded())
		tr_write("events/kpromoted/enable", "0");
	kp_ensure_unloaded();
	kp_write_file(KP_NUMA_BALANCING, self->numab);
	free(self->text);
}

#define READY() do { if (self->skip) SKIP(return, "%s", self->skip); } while (0)

TEST_F(trace, events_exist_only_while_loaded)
{
	const char *fields[] = { "from_nid", "to_nid", "attempted", "moved", "outcome" };
	char *fmt = self->text;
	size_t i;

	READY();
	EXPECT_LT(tr_read("events/kpromoted/promote_batch/format", fmt, TRACE_MAX), 0);
	ASSERT_EQ(0, kp_load(self->params));
	ASSERT_GT(tr_read("events/kpromoted/promote_batch/format", fmt, TRACE_MAX), 0);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char want[64];

		snprintf(want, sizeof(want), " %s;", fields[i]);
		EXPECT_NE(NULL, strstr(fmt, want)) TH_LOG("promote_batch lacks field %s", fields[i]);
	}
	/* Demotions for room: the same fields. */
	ASSERT_GT(tr_read("events/kpromoted/demote_batch/format", fmt, TRACE_MAX), 0);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char want[64];

		snprintf(want, sizeof(want), " %s;", fields[i]);
		EXPECT_NE(NULL, strstr(fmt, want)) TH_LOG("demote_batch lacks field %s", fields[i]);
	}
	ASSERT_GT(tr_read("events/kpromoted/repromote/format", fmt, TRACE_MAX), 0);
	EXPECT_NE(NULL, strstr(fmt, " index;"));
	EXPECT_NE(NULL, strstr(fmt, " ago_ms;"));
	ASSERT_GT(tr_read("events/kpromoted/record_drop/format", fmt, TRACE_MAX), 0);
	EXPECT_NE(NULL, strstr(fmt, " pfn;"));
	EXPECT_NE(NULL, strstr(fmt, " source;"));
	EXPECT_NE(NULL, strstr(fmt, " reason;"));
	ASSERT_EQ(0, kp_unload());
	EXPECT_LT(tr_read("events/kpromoted/promote_batch/format", fmt, TRACE_MAX), 0);
}

TEST_F_TIMEOUT(trace, promotion_emits_batches, 240)
{
	unsigned long promoted, sum_moved = 0, sum_attempted = 0;
	long hot_on0, events = 0, bad = 0;
	char *line, *save = NULL;
	ssize_t len;

	READY();
	/* 64 MiB on node 1, 8 MiB hot, 4 KiB pages: batches of at most batch_pages. */
	ASSERT_EQ(0, kp_buf_make(&self->b, 16384, 2048, 1, false));
	ASSERT_EQ(0, kp_loadf("%s batch_pages=32", self->params));
	ASSERT_EQ(0, tr_write("trace", ""));
	ASSERT_EQ(0, tr_write("events/kpromoted/enable", "1"));
	ASSERT_EQ(0, tr_write("tracing_on", "1"));
	hot_on0 = kp_run_hot(&self->b, self->b.hot * 9 / 10, 150);
	usleep(1500 * 1000);
	ASSERT_EQ(0, tr_write("events/kpromoted/enable", "0"));
	promoted = kp_stat("promoted_pages");
	len = tr_read("trace", self->text, TRACE_MAX);
	ASSERT_GT(len, 0);

	for (line = strtok_r(self->text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int from, to;
		unsigned long att, moved;
		char outcome[16];
		const char *ev = strstr(line, "promote_batch: ");

		if (!ev)
			continue;
		events++;
		if (sscanf(ev, "promote_batch: from=%d to=%d attempted=%lu moved=%lu outcome=%15s",
			   &from, &to, &att, &moved, outcome) != 5) {
			TH_LOG("unparsable: %s", line);
			bad++;
			continue;
		}
		if (events <= 3)
			TH_LOG("%s", ev);
		sum_moved += moved;
		sum_attempted += att;
		if (from != 1 || to != 0 || att < 1 || att > 32 || moved > att ||
		    strcmp(outcome, moved == att ? "ok" : moved ? "partial" : "failed")) {
			TH_LOG("implausible: %s", ev);
			bad++;
		}
	}
	TH_LOG("hot on node 0: %ld/%ld; %ld promote_batch events, %lu of %lu pages moved; promoted_pages %lu",
	       hot_on0, self->b.hot, events, sum_moved, sum_attempted, promoted);
	EXPECT_GT(events, 0);
	EXPECT_EQ(0, bad);
	EXPECT_GT(promoted, 0);
	/* One event per batch: the events account for every promoted page. */
	EXPECT_EQ(promoted, sum_moved);
	EXPECT_EQ(0, kp_unload());
	kp_buf_free(&self->b);
}

TEST_HARNESS_MAIN
