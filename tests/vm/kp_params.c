// SPDX-License-Identifier: GPL-2.0
/*
 * kpromoted parameter validation (docs/interfaces.md, "Module parameters"):
 * a bad value fails the load with -EINVAL, logs exactly one line
 *     kpromoted: invalid <param>=<value>: <reason> (accepted: <range>)
 * and leaves nothing behind; each parameter's limits and words load.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kp_test_util.h"

/* Every other value stays valid: on 6.1 (no kernel tiers) a plain load fails. */
#define BASE_PARAMS "slow_nodes=1"

/* What the machine must look like for a case to mean what it says. */
enum need {
	NEED_NONE,
	NEED_NODE7_NOT_MEMORY,	/* value names a node that is not an online memory node */
	NEED_ALL_MEMORY_NODES,	/* value (computed) lists every memory node */
	NEED_LRU_GEN,		/* /sys/kernel/mm/lru_gen exists */
};

/* Skip reason when the machine does not fit the case, else NULL. */
static const char *need_unmet(enum need need, const struct kp_topology *topo)
{
	switch (need) {
	case NEED_NODE7_NOT_MEMORY:
		return topo->memory & (1ULL << 7) ? "node 7 has memory here" : NULL;
	case NEED_ALL_MEMORY_NODES:
		return __builtin_popcountll(topo->memory) < 2 ?
		       "fewer than two memory nodes" : NULL;
	case NEED_LRU_GEN:
		return kp_exists(KP_LRU_GEN) ? NULL : "no " KP_LRU_GEN;
	case NEED_NONE:
		break;
	}
	return NULL;
}

static void settings_snapshot(char *numab, char *lru, size_t size)
{
	if (kp_read_value(KP_NUMA_BALANCING, numab, size))
		strcpy(numab, "?");
	if (kp_read_value(KP_LRU_GEN, lru, size))
		strcpy(lru, "?");
}

/* ------------------------------------------------------------------ */

FIXTURE(bad_param) {
	struct kp_topology topo;
	char value[KP_VAL_SIZE];
};

FIXTURE_VARIANT(bad_param) {
	const char *param;
	const char *value;	/* NULL: computed from `need` */
	enum need need;
};

#define BAD(id, p, v)							\
	FIXTURE_VARIANT_ADD(bad_param, id) { .param = p, .value = v }
#define BAD_NEED(id, p, v, n)						\
	FIXTURE_VARIANT_ADD(bad_param, id) { .param = p, .value = v, .need = n }

#define OVERFLOW "99999999999999999999"
#define WRAPS_TO_ONE "4294967297"	/* 2^32 + 1: a u32 truncation would accept it */

#define BAD_UINT(p, below, above)					\
	BAD(p##_not_a_number, #p, "abc");				\
	BAD(p##_trailing_garbage, #p, "12abc");				\
	BAD(p##_negative, #p, "-1");					\
	BAD(p##_above_max, #p, above);					\
	BAD(p##_overflow, #p, OVERFLOW);				\
	BAD(p##_wraps_u32, #p, WRAPS_TO_ONE);				\
	BAD(p##_empty, #p, "");						\
	BAD(p##_below_min, #p, below)

BAD_UINT(rate_limit_mbps, "0", "100001");
BAD_UINT(batch_pages, "0", "513");
BAD_UINT(hot_threshold, "0", "16");
BAD_UINT(window_ms, "9", "60001");
BAD_UINT(confirm_ms, "3", "1001");
BAD_UINT(ibs_period, "4080", "67108880");
BAD(ibs_period_not_multiple_of_16, "ibs_period", "65537");
BAD_UINT(pebs_period, "0", "1000001");
BAD_UINT(hwsample_max_rate, "99", "100001");
BAD(hwsample_l3_miss_empty, "hwsample_l3_miss", "");
BAD(hwsample_l3_miss_unknown_word, "hwsample_l3_miss", "yes");
/* confirm_tests accepts 0: no "below min" case. */
BAD(confirm_tests_not_a_number, "confirm_tests", "abc");
BAD(confirm_tests_negative, "confirm_tests", "-1");
BAD(confirm_tests_above_max, "confirm_tests", "9");
BAD(confirm_tests_empty, "confirm_tests", "");
/* min_free_pct accepts 0: "below min" is only the negative case above. */
BAD(room_idle_ms_not_a_number, "room_idle_ms", "2s");
BAD(room_idle_ms_negative, "room_idle_ms", "-1");
BAD(room_idle_ms_above_max, "room_idle_ms", "600001");
BAD(min_free_pct_not_a_number, "min_free_pct", "abc");
BAD(min_free_pct_trailing_garbage, "min_free_pct", "5x");
BAD(min_free_pct_negative, "min_free_pct", "-1");
BAD(min_free_pct_above_max, "min_free_pct", "51");
BAD(min_free_pct_overflow, "min_free_pct", OVERFLOW);
BAD(min_free_pct_wraps_u32, "min_free_pct", WRAPS_TO_ONE);
BAD(min_free_pct_empty, "min_free_pct", "");

BAD(mode_empty, "mode", "");
BAD(mode_unknown_word, "mode", "fast");
BAD(mode_number, "mode", "1");
BAD(numa_balancing_empty, "numa_balancing", "");
BAD(numa_balancing_unknown_word, "numa_balancing", "off");
BAD(numa_balancing_number, "numa_balancing", "2");
BAD(lru_gen_empty, "lru_gen", "");
BAD(lru_gen_unknown_word, "lru_gen", "on");
BAD(lru_gen_y, "lru_gen", "y");

BAD(sources_empty, "sources", "");
BAD(sources_unknown_name, "sources", "dram");
BAD(sources_unknown_in_list, "sources", "hintfault,bogus");
BAD(sources_empty_item, "sources", "hintfault,,mglru");

BAD_NEED(slow_nodes_offline_node, "slow_nodes", "7", NEED_NODE7_NOT_MEMORY);
BAD_NEED(slow_nodes_every_memory_node, "slow_nodes", NULL, NEED_ALL_MEMORY_NODES);
BAD(slow_nodes_id_too_big, "slow_nodes", "64");
BAD(slow_nodes_overflow, "slow_nodes", OVERFLOW);
BAD(slow_nodes_negative, "slow_nodes", "-1");
BAD(slow_nodes_open_range, "slow_nodes", "1-");
BAD(slow_nodes_reversed_range, "slow_nodes", "1-0");
BAD(slow_nodes_letter, "slow_nodes", "a");
BAD(slow_nodes_empty_item, "slow_nodes", "1,,2");

FIXTURE_SETUP(bad_param)
{
	if (kp_env_unusable())
		return;
	ASSERT_EQ(0, kp_ensure_unloaded());
	ASSERT_EQ(0, kp_topology_read(&self->topo));
	if (variant->value)
		snprintf(self->value, sizeof(self->value), "%s", variant->value);
	else
		kp_nodelist_format(self->topo.memory, self->value, sizeof(self->value));
}

FIXTURE_TEARDOWN(bad_param)
{
	if (!kp_env_unusable()) {
		EXPECT_EQ(0, kp_ensure_unloaded());
	}
}

TEST_F_TIMEOUT(bad_param, refused, 60)
{
	static char log[KP_BUF_SIZE], lines[KP_BUF_SIZE];
	char numab[2][KP_VAL_SIZE], lru[2][KP_VAL_SIZE];
	char prefix[KP_VAL_SIZE * 2], pattern[KP_VAL_SIZE];
	const char *why;
	int fd, ret, n;

	KP_REQUIRE_ENV();
	why = need_unmet(variant->need, &self->topo);
	if (why)
		SKIP(return, "%s", why);

	settings_snapshot(numab[0], lru[0], KP_VAL_SIZE);
	fd = kp_kmsg_mark();
	ASSERT_LE(0, fd) TH_LOG("/dev/kmsg: %s", strerror(-fd));

	if (!strcmp(variant->param, "slow_nodes"))
		ret = kp_loadf("slow_nodes=%s", self->value);
	else
		ret = kp_loadf(BASE_PARAMS " %s=%s", variant->param, self->value);

	n = kp_kmsg_collect(fd, log, sizeof(log));
	close(fd);
	settings_snapshot(numab[1], lru[1], KP_VAL_SIZE);

	EXPECT_EQ(-EINVAL, ret)
		TH_LOG("%s=%s: load returned %d (%s)", variant->param, self->value,
		       ret, strerror(-ret));
	EXPECT_FALSE(kp_loaded());
	EXPECT_FALSE(kp_exists(KP_DEBUGFS));
	EXPECT_STREQ(numab[0], numab[1]);
	EXPECT_STREQ(lru[0], lru[1]);

	ASSERT_LE(0, n) TH_LOG("reading /dev/kmsg: %s", strerror(-n));
	n = kp_module_lines(log, lines, sizeof(lines));
	ASSERT_EQ(1, n) TH_LOG("want one 'kpromoted: ' line; kernel log of this load:\n%s", log);

	snprintf(prefix, sizeof(prefix), "kpromoted: invalid %s=%s: ",
		 variant->param, self->value);
	EXPECT_EQ(0, strncmp(lines, prefix, strlen(prefix)))
		TH_LOG("expected a line starting '%s', got: %s", prefix, lines);
	snprintf(pattern, sizeof(pattern), "^kpromoted: invalid %s=.*: .+ \\(accepted: .+\\)$",
		 variant->param);
	EXPECT_TRUE(kp_match(pattern, lines, REG_NEWLINE))
		TH_LOG("line not of the form 'invalid <param>=<value>: <reason> (accepted: <range>)': %s",
		       lines);
}

/* ------------------------------------------------------------------ */

FIXTURE(good_param) {
};

FIXTURE_VARIANT(good_param) {
	const char *param;
	const char *value;
	const char *shown;	/* value in debugfs config, if not the same text */
	enum need need;
};

#define GOOD(id, p, v)							\
	FIXTURE_VARIANT_ADD(good_param, id) { .param = p, .value = v }

GOOD(rate_limit_mbps_min, "rate_limit_mbps", "1");
GOOD(rate_limit_mbps_max, "rate_limit_mbps", "100000");
GOOD(batch_pages_min, "batch_pages", "1");
GOOD(batch_pages_max, "batch_pages", "512");
GOOD(hot_threshold_min, "hot_threshold", "1");
GOOD(hot_threshold_max, "hot_threshold", "15");
GOOD(window_ms_min, "window_ms", "10");
GOOD(window_ms_max, "window_ms", "60000");
GOOD(confirm_tests_off, "confirm_tests", "0");
GOOD(confirm_ms_min, "confirm_ms", "4");
GOOD(ibs_period_min, "ibs_period", "4096");
GOOD(ibs_period_max, "ibs_period", "67108864");
GOOD(pebs_period_min, "pebs_period", "1");
GOOD(hwsample_max_rate_max, "hwsample_max_rate", "100000");
GOOD(hwsample_l3_miss_off, "hwsample_l3_miss", "off");
GOOD(room_idle_ms_min, "room_idle_ms", "0");
GOOD(room_idle_ms_max, "room_idle_ms", "600000");
GOOD(min_free_pct_min, "min_free_pct", "0");
GOOD(min_free_pct_max, "min_free_pct", "50");
GOOD(mode_promote, "mode", "promote");
GOOD(mode_observe, "mode", "observe");
GOOD(numa_balancing_auto, "numa_balancing", "auto");
GOOD(numa_balancing_keep, "numa_balancing", "keep");
GOOD(lru_gen_keep, "lru_gen", "keep");
FIXTURE_VARIANT_ADD(good_param, lru_gen_enable) {
	.param = "lru_gen", .value = "enable", .need = NEED_LRU_GEN,
};
GOOD(sources_auto, "sources", "auto");
GOOD(sources_none, "sources", "none");
GOOD(sources_hintfault, "sources", "hintfault");
GOOD(sources_all_named, "sources", "hintfault,mglru,ibs,pebs");
GOOD(slow_nodes_one, "slow_nodes", "1");
FIXTURE_VARIANT_ADD(good_param, slow_nodes_range) {
	.param = "slow_nodes", .value = "1-1", .shown = "1",
};

FIXTURE_SETUP(good_param)
{
	if (!kp_env_unusable()) {
		ASSERT_EQ(0, kp_ensure_unloaded());
	}
}

FIXTURE_TEARDOWN(good_param)
{
	if (!kp_env_unusable()) {
		EXPECT_EQ(0, kp_ensure_unloaded());
	}
}

TEST_F_TIMEOUT(good_param, accepted, 60)
{
	char path[256], val[KP_VAL_SIZE];
	struct kp_topology topo;
	const char *why;
	struct stat st;
	int ret;

	KP_REQUIRE_ENV();
	ASSERT_EQ(0, kp_topology_read(&topo));
	why = need_unmet(variant->need, &topo);
	if (why)
		SKIP(return, "%s", why);
	if (!(topo.memory & 2) || topo.memory == 2)
		SKIP(return, "node 1 is not a slow-node candidate here");

	if (!strcmp(variant->param, "slow_nodes"))
		ret = kp_loadf("slow_nodes=%s", variant->value);
	else
		ret = kp_loadf(BASE_PARAMS " %s=%s", variant->param, variant->value);
	ASSERT_EQ(0, ret)
		TH_LOG("%s=%s refused: %s", variant->param, variant->value, strerror(-ret));
	ASSERT_TRUE(kp_loaded());

	/* The raw value in sysfs, read-only. */
	snprintf(path, sizeof(path), KP_SYSFS_PARAMS "/%s", variant->param);
	ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
	EXPECT_EQ(0444u, st.st_mode & 07777);
	ASSERT_EQ(0, kp_read_value(path, val, sizeof(val)));
	EXPECT_STREQ(variant->value, val);

	/* The effective value in debugfs config. */
	ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/config", variant->param, val, sizeof(val)))
		TH_LOG("config has no %s line", variant->param);
	EXPECT_STREQ(variant->shown ?: variant->value, val);

	ASSERT_EQ(0, kp_unload());
	ASSERT_FALSE(kp_loaded());
}

TEST_HARNESS_MAIN
