// SPDX-License-Identifier: GPL-2.0
/*
 * kpromoted's view of the memory tiers (debugfs `tiers`):
 * - where the kernel tiers the memory nodes, a plain load follows the kernel;
 * - where it does not (6.1: every node in one tier), a plain load fails with
 *   -ENODEV and says to use slow_nodes=;
 * - slow_nodes= overrides the kernel everywhere.
 * What the kernel does is read from sysfs here, never assumed from the release.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kp_test_util.h"

#define NODE(n) (1ULL << (n))

/* debugfs `tiers` says exactly this about the source and every online node. */
static void check_tiers(struct __test_metadata *_metadata, const char *source,
			uint64_t fast, uint64_t slow, uint64_t online)
{
	static char buf[KP_BUF_SIZE];
	char name[32], val[KP_VAL_SIZE], want[KP_VAL_SIZE];
	ssize_t len;
	int n, ret;

	len = kp_read_file(KP_DEBUGFS "/tiers", buf, sizeof(buf));
	ASSERT_LT(0, len) TH_LOG("read tiers: %s", strerror(-len));

	ASSERT_EQ(0, kp_kv_find(buf, "tier_source", val, sizeof(val))) TH_LOG("%s", buf);
	EXPECT_STREQ(source, val);

	kp_nodelist_format(fast, want, sizeof(want));
	ASSERT_EQ(0, kp_kv_find(buf, "fast_nodes", val, sizeof(val))) TH_LOG("%s", buf);
	EXPECT_STREQ(want, val);

	kp_nodelist_format(slow, want, sizeof(want));
	ASSERT_EQ(0, kp_kv_find(buf, "slow_nodes", val, sizeof(val))) TH_LOG("%s", buf);
	EXPECT_STREQ(want, val);

	for (n = 0; n < KP_MAX_NODES; n++) {
		snprintf(name, sizeof(name), "node%d", n);
		ret = kp_kv_find(buf, name, val, sizeof(val));
		if (!(online & NODE(n))) {
			EXPECT_EQ(-ENOENT, ret) TH_LOG("line for offline %s", name);
			continue;
		}
		ASSERT_EQ(0, ret) TH_LOG("no line for online %s in:\n%s", name, buf);
		EXPECT_STREQ(fast & NODE(n) ? "fast" : slow & NODE(n) ? "slow" : "none", val)
			TH_LOG("%s", name);
	}
}

FIXTURE(tiers) {
	struct kp_topology topo;
};

FIXTURE_SETUP(tiers)
{
	if (kp_env_unusable())
		return;
	ASSERT_EQ(0, kp_ensure_unloaded());
	ASSERT_EQ(0, kp_topology_read(&self->topo));
}

FIXTURE_TEARDOWN(tiers)
{
	if (!kp_env_unusable()) {
		EXPECT_EQ(0, kp_ensure_unloaded());
	}
}

TEST_F_TIMEOUT(tiers, kernel_tiers_plain_load, 60)
{
	const struct kp_topology *t = &self->topo;
	int ret;

	KP_REQUIRE_ENV();
	if (!t->tiered)
		SKIP(return, "kernel puts every memory node in one tier (%d tier dirs)",
		     t->ntiers);
	ret = kp_load("");
	ASSERT_EQ(0, ret) TH_LOG("plain load on a tiering kernel: %s", strerror(-ret));
	check_tiers(_metadata, "kernel", t->fast, t->slow, t->online);
	ASSERT_EQ(0, kp_unload());
}

TEST_F_TIMEOUT(tiers, no_kernel_tiers_plain_load_refused, 60)
{
	static char log[KP_BUF_SIZE], lines[KP_BUF_SIZE];
	char numab[2][KP_VAL_SIZE];
	int fd, ret, n;

	KP_REQUIRE_ENV();
	if (self->topo.tiered)
		SKIP(return, "kernel tiers the memory nodes here");

	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, numab[0], KP_VAL_SIZE));
	fd = kp_kmsg_mark();
	ASSERT_LE(0, fd) TH_LOG("/dev/kmsg: %s", strerror(-fd));
	ret = kp_load("");
	n = kp_kmsg_collect(fd, log, sizeof(log));
	close(fd);

	EXPECT_EQ(-ENODEV, ret) TH_LOG("plain load without tiers: %d (%s)", ret, strerror(-ret));
	EXPECT_FALSE(kp_loaded());
	EXPECT_FALSE(kp_exists(KP_DEBUGFS));
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, numab[1], KP_VAL_SIZE));
	EXPECT_STREQ(numab[0], numab[1]);

	ASSERT_LE(0, n) TH_LOG("reading /dev/kmsg: %s", strerror(-n));
	kp_module_lines(log, lines, sizeof(lines));
	EXPECT_TRUE(kp_match("^kpromoted: .*no slow[a-z -]*node.*slow_nodes=", lines,
			     REG_ICASE | REG_NEWLINE))
		TH_LOG("want a 'kpromoted: ' line saying no slow node was found and naming "
		       "slow_nodes=; kernel log of this load:\n%s", log);
}

TEST_F_TIMEOUT(tiers, slow_nodes_override, 60)
{
	const struct kp_topology *t = &self->topo;
	int ret;

	KP_REQUIRE_ENV();
	if (!(t->memory & NODE(1)) || t->memory == NODE(1))
		SKIP(return, "node 1 is not one of several memory nodes");
	ret = kp_load("slow_nodes=1");
	ASSERT_EQ(0, ret) TH_LOG("slow_nodes=1: %s", strerror(-ret));
	check_tiers(_metadata, "override", t->memory & ~NODE(1), NODE(1), t->online);
	ASSERT_EQ(0, kp_unload());
}

TEST_HARNESS_MAIN
