// SPDX-License-Identifier: GPL-2.0
/*
 * A failed load leaves nothing behind, whichever step fails: each step is
 * made to fail with inject_fail=, and afterwards no module, no debugfs
 * directory, no changed sysctl and no armed probe may remain. A missing
 * optional kernel symbol disables only its feature; a missing required
 * one fails the load.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "kp_test_util.h"

/* Probes the kernel lists as registered (kprobes debugfs), or -1. */
static int kprobes_armed(void)
{
	char buf[KP_BUF_SIZE];
	int n = 0;
	char *p;

	if (kp_read_file("/sys/kernel/debug/kprobes/list", buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; (p = strchr(p, '\n')); p++)
		n++;
	return n;
}

#define SCAN_MAX "/sys/kernel/debug/sched/numa_balancing/scan_period_max_ms"

FIXTURE(failpath) {
	char scan_max[KP_VAL_SIZE];
	char numab[KP_VAL_SIZE];
	char lru[KP_VAL_SIZE];
	int probes;
};

FIXTURE_VARIANT(failpath) {
	const char *inject;
	int want_err;		/* expected load result */
};

FIXTURE_VARIANT_ADD(failpath, tiers) { "tiers", -ENODEV };
FIXTURE_VARIANT_ADD(failpath, symbols) { "symbols", -ENOENT };
FIXTURE_VARIANT_ADD(failpath, required_symbol) { "symbol:migrate_pages", -ENOENT };
FIXTURE_VARIANT_ADD(failpath, hooks) { "hooks", -ENODEV };
FIXTURE_VARIANT_ADD(failpath, debugfs) { "debugfs", -ENOMEM };
FIXTURE_VARIANT_ADD(failpath, sources) { "sources", -ENODEV };
FIXTURE_VARIANT_ADD(failpath, room) { "room", -ENOMEM };

FIXTURE_SETUP(failpath)
{
	if (kp_env_unusable())
		return;
	ASSERT_EQ(0, kp_ensure_unloaded());
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, self->numab, sizeof(self->numab)));
	if (kp_read_value(KP_LRU_GEN, self->lru, sizeof(self->lru)))
		self->lru[0] = '\0';
	if (kp_read_value(SCAN_MAX, self->scan_max, sizeof(self->scan_max)))
		self->scan_max[0] = '\0';
	self->probes = kprobes_armed();
}

FIXTURE_TEARDOWN(failpath)
{
	if (!kp_env_unusable())
		kp_ensure_unloaded();
}

TEST_F_TIMEOUT(failpath, nothing_left_behind, 60)
{
	char val[KP_VAL_SIZE];
	int ret;

	KP_REQUIRE_ENV();
	/* Every source that could touch a setting, so their undo is exercised. */
	ret = kp_loadf("slow_nodes=1 sources=hintfault,mglru lru_gen=enable numa_balancing=auto inject_fail=%s",
		       variant->inject);
	EXPECT_EQ(variant->want_err, ret) TH_LOG("inject_fail=%s: %s", variant->inject, strerror(-ret));
	EXPECT_FALSE(kp_loaded());
	EXPECT_FALSE(kp_exists(KP_DEBUGFS));
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, val, sizeof(val)));
	EXPECT_STREQ(self->numab, val);
	if (self->lru[0]) {
		ASSERT_EQ(0, kp_read_value(KP_LRU_GEN, val, sizeof(val)));
		EXPECT_STREQ(self->lru, val);
	}
	if (self->scan_max[0]) {
		ASSERT_EQ(0, kp_read_value(SCAN_MAX, val, sizeof(val)));
		EXPECT_STREQ(self->scan_max, val);
	}
	EXPECT_EQ(self->probes, kprobes_armed());
}

FIXTURE(optional) {
};

FIXTURE_SETUP(optional)
{
	if (!kp_env_unusable()) {
		ASSERT_EQ(0, kp_ensure_unloaded());
	}
}

FIXTURE_TEARDOWN(optional)
{
	if (!kp_env_unusable())
		kp_ensure_unloaded();
}

/* An optional symbol missing: the load works and says what is lost. */
TEST_F_TIMEOUT(optional, missing_optional_symbol_disables_feature, 60)
{
	char val[KP_VAL_SIZE];

	KP_REQUIRE_ENV();
	ASSERT_EQ(0, kp_load("slow_nodes=1 sources=hintfault,mglru lru_gen=enable inject_fail=symbol:try_to_inc_max_seq"));
	ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/symbols", "try_to_inc_max_seq", val, sizeof(val)));
	EXPECT_STREQ("missing (optional: MGLRU scanner)", val);
	ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/sources", "mglru", val, sizeof(val)));
	EXPECT_TRUE(kp_match("^unavailable: .+", val, 0)) TH_LOG("mglru: %s", val);
	ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/sources", "hintfault", val, sizeof(val)));
	EXPECT_STREQ("enabled", val);
	EXPECT_EQ(0, kp_unload());
}

/* A source that cannot arm its hook leaves the setting it changed as it was. */
TEST_F_TIMEOUT(optional, failed_source_restores_its_setting, 60)
{
	char orig[KP_VAL_SIZE], before[KP_VAL_SIZE], val[KP_VAL_SIZE];

	KP_REQUIRE_ENV();
	if (kp_read_value(KP_LRU_GEN, orig, sizeof(orig)))
		SKIP(return, "no %s in this kernel", KP_LRU_GEN);
	/* Off, so that the source has to turn it on (and then back off). */
	ASSERT_EQ(0, kp_write_file(KP_LRU_GEN, "n"));
	ASSERT_EQ(0, kp_read_value(KP_LRU_GEN, before, sizeof(before)));
	ASSERT_STREQ("0x0000", before);
	ASSERT_EQ(0, kp_load("slow_nodes=1 sources=hintfault,mglru lru_gen=enable inject_fail=hook:mglru"));
	ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/sources", "mglru", val, sizeof(val)));
	EXPECT_TRUE(kp_match("^unavailable: .+", val, 0)) TH_LOG("mglru: %s", val);
	ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/sources", "hintfault", val, sizeof(val)));
	EXPECT_STREQ("enabled", val);
	ASSERT_EQ(0, kp_read_value(KP_LRU_GEN, val, sizeof(val)));
	EXPECT_STREQ(before, val) TH_LOG("lru_gen changed while its source is not running");
	EXPECT_EQ(0, kp_unload());
	ASSERT_EQ(0, kp_read_value(KP_LRU_GEN, val, sizeof(val)));
	EXPECT_STREQ(before, val);
	kp_write_file(KP_LRU_GEN, orig);
}

TEST_HARNESS_MAIN
