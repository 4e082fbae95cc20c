// SPDX-License-Identifier: GPL-2.0
/*
 * End to end: a hot set on the slow node moves to the fast node under
 * kpromoted, once-touched pages stay, and the kernel's own counters agree.
 * Placement is checked with move_pages(2), not only with the module's
 * counters.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kp_test_util.h"
#include "kp_workload.h"

FIXTURE(promote) {
	struct kp_topology topo;
	struct kp_buf b;
	char params[128];
	char numab_before[KP_VAL_SIZE];
	const char *skip;	/* why this machine cannot run the test */
};

/* SKIP in FIXTURE_SETUP does not stop the body on older harnesses. */
#define PROMOTE_READY() do {						\
	if (self->skip)							\
		SKIP(return, "%s", self->skip);				\
} while (0)

FIXTURE_SETUP(promote)
{
	self->skip = kp_env_unusable();
	if (self->skip)
		return;
	ASSERT_EQ(0, kp_topology_read(&self->topo));
	if (!(self->topo.memory & 2) || (self->topo.cpu & 2)) {
		self->skip = "needs node 1 as a CPU-less memory node";
		return;
	}
	ASSERT_EQ(0, kp_ensure_unloaded());
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, self->numab_before,
				   sizeof(self->numab_before)));
	/* Where the kernel does not tier, say which node is slow. */
	snprintf(self->params, sizeof(self->params), "%s",
		 self->topo.tiered ? "" : "slow_nodes=1");

	/* 64 MiB on node 1; the first 8 MiB are the hot set. */
	ASSERT_EQ(0, kp_buf_make(&self->b, 16384, 2048, 1, false));
	ASSERT_EQ(self->b.pages, kp_pages_on_node(self->b.p, self->b.pages, 1));
}

FIXTURE_TEARDOWN(promote)
{
	if (self->skip)
		return;
	kp_ensure_unloaded();
	kp_write_file(KP_NUMA_BALANCING, self->numab_before);
	kp_buf_free(&self->b);
}

TEST_F_TIMEOUT(promote, hot_set_moves_cold_stays, 240)
{
	unsigned long mig_before, mig_after, promoted;
	long hot_on0, cold_on0, cold = self->b.pages - self->b.hot;

	PROMOTE_READY();

	mig_before = kp_vmstat("pgmigrate_success");
	ASSERT_EQ(0, kp_load(self->params));
	hot_on0 = kp_run_hot(&self->b, self->b.hot * 95 / 100, 150);
	/* Let in-flight batches finish before comparing counters. */
	usleep(1500 * 1000);
	promoted = kp_stat("promoted_pages");
	cold_on0 = kp_pages_on_node(self->b.p + self->b.hot * KP_PAGE, cold, 0);
	mig_after = kp_vmstat("pgmigrate_success");
	TH_LOG("hot on node 0: %ld/%ld, once-touched on node 0: %ld/%ld, promoted %lu, pgmigrate_success +%lu, records %lu, candidates %lu",
	       hot_on0, self->b.hot, cold_on0, cold, promoted, mig_after - mig_before,
	       kp_stat("records"), kp_stat("candidates"));
	EXPECT_GE(hot_on0 * 100, self->b.hot * 90);
	EXPECT_LE(cold_on0 * 100, cold * 5);
	/* Our count and the kernel's agree (other migrations may add a few). */
	EXPECT_GE(mig_after - mig_before, promoted);
	EXPECT_LE(mig_after - mig_before, promoted + promoted / 50 + 64);
	EXPECT_GE(promoted, (unsigned long)hot_on0);
	ASSERT_EQ(0, kp_unload());
	EXPECT_EQ(0, kp_vmstat("nr_isolated_anon"));
}

TEST_F_TIMEOUT(promote, observe_only_moves_nothing, 120)
{
	char params[160];
	long hot_on0;

	PROMOTE_READY();

	snprintf(params, sizeof(params), "%s mode=observe", self->params);
	ASSERT_EQ(0, kp_load(params));
	hot_on0 = kp_run_hot(&self->b, self->b.hot + 1, 20);
	EXPECT_GT(kp_stat("records"), 0);
	EXPECT_GT(kp_stat("candidates"), 0);
	EXPECT_EQ(0, kp_stat("promoted_pages"));
	ASSERT_EQ(0, kp_unload());
	/* Observe mode leaves the kernel's own decisions alone; on 6.1 with
	 * numa_balancing=1 the kernel itself may move pages, so only our
	 * counter is asserted above. */
	TH_LOG("hot on node 0 after observe run: %ld/%ld", hot_on0, self->b.hot);
}

TEST_F_TIMEOUT(promote, unload_mid_run_restores_and_kernel_resumes, 180)
{
	char val[KP_VAL_SIZE], mode[8];
	char params[160];
	long hot_on0;

	PROMOTE_READY();

	/* The kernel's own promotion mode: tiering where it tiers, else normal. */
	snprintf(mode, sizeof(mode), "%s", self->topo.tiered ? "2" : "1");
	ASSERT_EQ(0, kp_write_file(KP_NUMA_BALANCING, mode));
	snprintf(params, sizeof(params), "%s rate_limit_mbps=1", self->params);
	ASSERT_EQ(0, kp_load(params));
	kp_run_hot(&self->b, self->b.hot + 1, 4);
	ASSERT_EQ(0, kp_unload());
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, val, sizeof(val)));
	EXPECT_STREQ(mode, val);
	EXPECT_EQ(0, kp_vmstat("nr_isolated_anon"));
	hot_on0 = kp_run_hot(&self->b, self->b.hot * 9 / 10, 90);
	TH_LOG("after unload the kernel moved %ld/%ld hot pages", hot_on0, self->b.hot);
	EXPECT_GE(hot_on0 * 10, self->b.hot * 9);
}

TEST_HARNESS_MAIN
