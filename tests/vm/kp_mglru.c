// SPDX-License-Identifier: GPL-2.0
/*
 * The MGLRU source: the hot set is found and promoted with NUMA balancing
 * off (not one hint fault), the scan interval follows the workload, and
 * unloading mid-scan is clean.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kp_test_util.h"
#include "kp_workload.h"

FIXTURE(mglru) {
	struct kp_topology topo;
	struct kp_buf b;
	char base[128];		/* parameters every load here uses */
	char numab_before[KP_VAL_SIZE];
	char lru_before[KP_VAL_SIZE];
	const char *skip;
};

FIXTURE_SETUP(mglru)
{
	char slow[32];

	self->skip = kp_two_tier_ready(&self->topo, slow, sizeof(slow));
	if (self->skip)
		return;
	if (!kp_exists(KP_LRU_GEN)) {
		self->skip = "kernel without MGLRU";
		return;
	}
	ASSERT_EQ(0, kp_ensure_unloaded());
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, self->numab_before,
				   sizeof(self->numab_before)));
	ASSERT_EQ(0, kp_read_value(KP_LRU_GEN, self->lru_before, sizeof(self->lru_before)));
	snprintf(self->base, sizeof(self->base), "%s sources=mglru lru_gen=enable", slow);
	ASSERT_EQ(0, kp_buf_make(&self->b, 16384, 2048, 1, false));
}

FIXTURE_TEARDOWN(mglru)
{
	if (self->skip)
		return;
	kp_ensure_unloaded();
	kp_write_file(KP_NUMA_BALANCING, self->numab_before);
	kp_buf_free(&self->b);
}

TEST_F_TIMEOUT(mglru, hot_set_found_without_hint_faults, 240)
{
	unsigned long faults_before, faults;
	long hot_on0, cold_on0, cold = self->b.pages - self->b.hot;
	char val[KP_VAL_SIZE];

	KP_TWO_TIER_READY();
	ASSERT_EQ(0, kp_write_file(KP_NUMA_BALANCING, "0"));
	faults_before = kp_vmstat("numa_hint_faults");
	ASSERT_EQ(0, kp_load(self->base));
	ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/sources", "mglru", val, sizeof(val)));
	ASSERT_STREQ("enabled", val);
	hot_on0 = kp_run_hot(&self->b, self->b.hot * 95 / 100, 150);
	usleep(1000 * 1000);
	cold_on0 = kp_pages_on_node(self->b.p + self->b.hot * KP_PAGE, cold, 0);
	faults = kp_vmstat("numa_hint_faults") - faults_before;
	TH_LOG("hot on node 0: %ld/%ld, once-touched: %ld/%ld, hint faults %lu, mglru records %lu, scans %lu, scan cpu %lu ms",
	       hot_on0, self->b.hot, cold_on0, cold, faults, kp_stat("records_mglru"),
	       kp_stat("mglru_scans"), kp_stat("mglru_scan_cpu_ns") / 1000000);
	EXPECT_GE(hot_on0 * 100, self->b.hot * 90);
	EXPECT_LE(cold_on0 * 100, cold * 5);
	EXPECT_EQ(0, faults);
	EXPECT_GT(kp_stat("records_mglru"), 0);
	EXPECT_EQ(0, kp_stat("records_hintfault"));
	ASSERT_EQ(0, kp_unload());
	ASSERT_EQ(0, kp_read_value(KP_LRU_GEN, val, sizeof(val)));
	EXPECT_STREQ(self->lru_before, val);
}

TEST_F_TIMEOUT(mglru, scan_interval_follows_the_workload, 180)
{
	char params[200];
	unsigned long idle_ms, busy_ms;

	KP_TWO_TIER_READY();
	/*
	 * Observe only, and no NUMA balancing (it would move the hot set
	 * itself): the hot set stays on the slow node and keeps the scan busy.
	 */
	ASSERT_EQ(0, kp_write_file(KP_NUMA_BALANCING, "0"));
	snprintf(params, sizeof(params), "%s mode=observe mglru_min_ms=400 mglru_max_ms=6400",
		 self->base);
	ASSERT_EQ(0, kp_load(params));
	sleep(14);
	idle_ms = kp_stat("mglru_interval_ms");
	kp_run_hot(&self->b, self->b.hot + 1, 30);
	busy_ms = kp_stat("mglru_interval_ms");
	TH_LOG("interval idle %lu ms, busy %lu ms, scans %lu", idle_ms, busy_ms,
	       kp_stat("mglru_scans"));
	EXPECT_GE(idle_ms, 1600);
	/* Shortened by the busy phase (to 400 ms unless a pass came late). */
	EXPECT_LE(busy_ms * 4, idle_ms);
	EXPECT_EQ(0, kp_stat("promoted_pages"));
	ASSERT_EQ(0, kp_unload());
}

TEST_F_TIMEOUT(mglru, unload_mid_scan_restores_lru_gen, 120)
{
	char val[KP_VAL_SIZE];

	KP_TWO_TIER_READY();
	ASSERT_EQ(0, kp_load(self->base));
	kp_run_hot(&self->b, self->b.hot + 1, 3);
	ASSERT_EQ(0, kp_unload());
	ASSERT_EQ(0, kp_read_value(KP_LRU_GEN, val, sizeof(val)));
	EXPECT_STREQ(self->lru_before, val);
	EXPECT_EQ(0, kp_vmstat("nr_isolated_anon"));
}

TEST_HARNESS_MAIN
