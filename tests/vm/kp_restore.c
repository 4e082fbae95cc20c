// SPDX-License-Identifier: GPL-2.0
/*
 * Settings kpromoted may change while loaded (docs/interfaces.md, "Settings
 * the module may change"): /proc/sys/kernel/numa_balancing and
 * /sys/kernel/mm/lru_gen/enabled. Whatever they were before the load, they
 * are exactly that again after the unload; while loaded they change only as
 * numa_balancing= and lru_gen= allow.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kp_test_util.h"

FIXTURE(restore) {
	char numab_orig[KP_VAL_SIZE];
	char lru_orig[KP_VAL_SIZE];
	bool have_numab, have_lru;
};

FIXTURE_VARIANT(restore) {
	int numab_start;		/* written to numa_balancing before the load */
	const char *numab_param;	/* numa_balancing= */
	const char *lru_start;		/* written to lru_gen/enabled first; NULL: as found */
	const char *lru_param;		/* lru_gen=; NULL: not given (keep) */
};

#define NUMAB(id, start, param)						\
	FIXTURE_VARIANT_ADD(restore, id) { .numab_start = start, .numab_param = param }
#define LRU(id, nb, lstart, lparam)					\
	FIXTURE_VARIANT_ADD(restore, id) {				\
		.numab_start = nb, .numab_param = "auto",		\
		.lru_start = lstart, .lru_param = lparam }

NUMAB(numab0_auto, 0, "auto");
NUMAB(numab1_auto, 1, "auto");
NUMAB(numab2_auto, 2, "auto");
NUMAB(numab3_auto, 3, "auto");
NUMAB(numab0_keep, 0, "keep");
NUMAB(numab1_keep, 1, "keep");
NUMAB(numab2_keep, 2, "keep");
NUMAB(numab3_keep, 3, "keep");
LRU(lru_enable_from_off, 1, "0", "enable");
LRU(lru_enable_from_core_only, 1, "1", "enable");
LRU(lru_enable_from_all_on, 2, "y", "enable");
LRU(lru_keep_from_off, 1, "0", "keep");

FIXTURE_SETUP(restore)
{
	if (kp_env_unusable())
		return;
	ASSERT_EQ(0, kp_ensure_unloaded());
	self->have_numab = !kp_read_value(KP_NUMA_BALANCING, self->numab_orig,
					  sizeof(self->numab_orig));
	self->have_lru = !kp_read_value(KP_LRU_GEN, self->lru_orig, sizeof(self->lru_orig));
}

FIXTURE_TEARDOWN(restore)
{
	if (kp_env_unusable())
		return;
	EXPECT_EQ(0, kp_ensure_unloaded());
	if (self->have_numab) {
		EXPECT_EQ(0, kp_write_file(KP_NUMA_BALANCING, self->numab_orig));
	}
	if (self->have_lru) {
		EXPECT_EQ(0, kp_write_file(KP_LRU_GEN, self->lru_orig));
	}
}

/* While loaded with numa_balancing=auto and a working hint-fault source, hint faults are on. */
static bool hintfault_enabled(void)
{
	char val[KP_VAL_SIZE];

	return !kp_read_kv(KP_DEBUGFS "/sources", "hintfault", val, sizeof(val)) &&
	       !strcmp(val, "enabled");
}

TEST_F_TIMEOUT(restore, settings_restored_on_unload, 60)
{
	char start[16], params[256];
	char numab[3][KP_VAL_SIZE], lru[3][KP_VAL_SIZE] = { "", "", "" };
	enum { BEFORE, LOADED, AFTER };
	bool lru_case = variant->lru_start || variant->lru_param;
	int ret;

	KP_REQUIRE_ENV();
	if (!self->have_numab)
		SKIP(return, "no " KP_NUMA_BALANCING);
	if (lru_case && !self->have_lru)
		SKIP(return, "no " KP_LRU_GEN);

	snprintf(start, sizeof(start), "%d", variant->numab_start);
	ret = kp_write_file(KP_NUMA_BALANCING, start);
	if (ret == -EINVAL)
		SKIP(return, "kernel does not accept numa_balancing=%s", start);
	ASSERT_EQ(0, ret) TH_LOG("write numa_balancing: %s", strerror(-ret));
	if (variant->lru_start) {
		ret = kp_write_file(KP_LRU_GEN, variant->lru_start);
		ASSERT_EQ(0, ret) TH_LOG("write lru_gen: %s", strerror(-ret));
	}

	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, numab[BEFORE], KP_VAL_SIZE));
	ASSERT_STREQ(start, numab[BEFORE]);
	if (self->have_lru) {
		ASSERT_EQ(0, kp_read_value(KP_LRU_GEN, lru[BEFORE], KP_VAL_SIZE));
	}

	snprintf(params, sizeof(params), "slow_nodes=1 numa_balancing=%s%s%s",
		 variant->numab_param, variant->lru_param ? " lru_gen=" : "",
		 variant->lru_param ?: "");
	ret = kp_load(params);
	ASSERT_EQ(0, ret) TH_LOG("load %s: %s", params, strerror(-ret));

	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, numab[LOADED], KP_VAL_SIZE));
	if (!strcmp(variant->numab_param, "keep")) {
		EXPECT_STREQ(numab[BEFORE], numab[LOADED])
			TH_LOG("numa_balancing=keep changed the sysctl");
	} else if (hintfault_enabled()) {
		EXPECT_TRUE(kp_match("^[123]$", numab[LOADED], 0))
			TH_LOG("numa_balancing=auto, hintfault enabled, sysctl is %s",
			       numab[LOADED]);
	} else {
		EXPECT_TRUE(kp_match("^[0123]$", numab[LOADED], 0));
	}

	if (self->have_lru) {
		ASSERT_EQ(0, kp_read_value(KP_LRU_GEN, lru[LOADED], KP_VAL_SIZE));
		if (variant->lru_param && !strcmp(variant->lru_param, "enable")) {
			EXPECT_EQ(1UL, strtoul(lru[LOADED], NULL, 0) & 1)
				TH_LOG("lru_gen=enable, but enabled is %s", lru[LOADED]);
		} else {
			EXPECT_STREQ(lru[BEFORE], lru[LOADED])
				TH_LOG("lru_gen=keep changed lru_gen/enabled");
		}
	}

	ret = kp_unload();
	ASSERT_EQ(0, ret) TH_LOG("unload: %s", strerror(-ret));

	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, numab[AFTER], KP_VAL_SIZE));
	EXPECT_STREQ(numab[BEFORE], numab[AFTER])
		TH_LOG("numa_balancing not restored (loaded: %s)", numab[LOADED]);
	if (self->have_lru) {
		ASSERT_EQ(0, kp_read_value(KP_LRU_GEN, lru[AFTER], KP_VAL_SIZE));
		EXPECT_STREQ(lru[BEFORE], lru[AFTER])
			TH_LOG("lru_gen/enabled not restored (loaded: %s)", lru[LOADED]);
	}
}

TEST_HARNESS_MAIN
