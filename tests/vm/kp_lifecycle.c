// SPDX-License-Identifier: GPL-2.0
/*
 * kpromoted load/unload lifecycle: repeated load/unload leaves nothing behind,
 * parameters are documented and read-only, unloading copes with an open
 * debugfs file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kp_test_util.h"

#define CYCLES 20
/* slow_nodes=1 loads on every release, tiering kernel or not (see kp_tiers). */
#define LOAD_PARAMS "slow_nodes=1"

FIXTURE(lifecycle) {
};

FIXTURE_SETUP(lifecycle)
{
	if (!kp_env_unusable()) {
		ASSERT_EQ(0, kp_ensure_unloaded());
	}
}

FIXTURE_TEARDOWN(lifecycle)
{
	if (!kp_env_unusable()) {
		EXPECT_EQ(0, kp_ensure_unloaded());
	}
}

TEST_F_TIMEOUT(lifecycle, load_unload_20_times, 600)
{
	char state[KP_VAL_SIZE];
	int i, ret;

	KP_REQUIRE_ENV();
	for (i = 0; i < CYCLES; i++) {
		ret = kp_load(LOAD_PARAMS);
		ASSERT_EQ(0, ret)
			TH_LOG("cycle %d: load: %s", i, strerror(-ret));
		ASSERT_TRUE(kp_is_dir(KP_SYSFS));
		ASSERT_EQ(0, kp_read_value(KP_SYSFS "/initstate", state, sizeof(state)));
		ASSERT_STREQ("live", state);
		ASSERT_TRUE(kp_is_dir(KP_DEBUGFS))
			TH_LOG("cycle %d: no %s after load", i, KP_DEBUGFS);

		ret = kp_unload();
		ASSERT_EQ(0, ret)
			TH_LOG("cycle %d: unload: %s", i, strerror(-ret));
		ASSERT_FALSE(kp_exists(KP_SYSFS))
			TH_LOG("cycle %d: %s left after unload", i, KP_SYSFS);
		ASSERT_FALSE(kp_exists(KP_DEBUGFS))
			TH_LOG("cycle %d: %s left after unload", i, KP_DEBUGFS);
	}
}

/* Needs only the .ko: modinfo comes from the file, not from a loaded module. */
TEST_F_TIMEOUT(lifecycle, modinfo_documents_every_param, 30)
{
	const struct kp_param *p;
	char desc[1024];
	int ret;

	ASSERT_NE(NULL, kp_module_file())
		TH_LOG("no module file: KP_MODULE unset and no kpromoted in modules.dep");
	for (p = kp_params; p->name; p++) {
		ret = kp_modinfo_param_desc(p->name, desc, sizeof(desc));
		EXPECT_EQ(0, ret)
			TH_LOG("no modinfo parm for %s: %s", p->name, strerror(-ret));
		if (!ret) {
			EXPECT_TRUE(kp_match("[^[:space:]]", desc, 0))
				TH_LOG("modinfo parm %s has an empty description", p->name);
		}
	}
}

TEST_F_TIMEOUT(lifecycle, params_read_only_in_sysfs, 60)
{
	const struct kp_param *p;
	char path[256], before[KP_VAL_SIZE], after[KP_VAL_SIZE];
	struct stat st;

	KP_REQUIRE_ENV();
	ASSERT_EQ(0, kp_load(LOAD_PARAMS));
	for (p = kp_params; p->name; p++) {
		snprintf(path, sizeof(path), KP_SYSFS_PARAMS "/%s", p->name);
		ASSERT_EQ(0, stat(path, &st))
			TH_LOG("%s: %s", path, strerror(errno));
		EXPECT_EQ(0444u, st.st_mode & 07777)
			TH_LOG("%s has mode %o", path, st.st_mode & 07777);
		ASSERT_EQ(0, kp_read_value(path, before, sizeof(before)));
		/* Even root must not change it: open or write fails. */
		EXPECT_NE(0, kp_write_file(path, "1"))
			TH_LOG("%s accepted a write", path);
		ASSERT_EQ(0, kp_read_value(path, after, sizeof(after)));
		EXPECT_STREQ(before, after);
	}
	ASSERT_EQ(0, kp_unload());
}

/*
 * rmmod while a debugfs file is open: either the open file pins the module
 * (-EAGAIN/-EBUSY, and the file still reads) or the module goes and the stale
 * file fails to read. Both end with the module gone once the file is closed;
 * a use-after-free shows up in dmesg, which run.sh checks.
 */
TEST_F_TIMEOUT(lifecycle, unload_with_open_debugfs_file, 120)
{
	char buf[4096];
	ssize_t r;
	int fd, ret;

	KP_REQUIRE_ENV();
	ASSERT_EQ(0, kp_load(LOAD_PARAMS));
	fd = open(KP_DEBUGFS "/stats", O_RDONLY);
	ASSERT_LE(0, fd) TH_LOG("open stats: %s", strerror(errno));

	ret = kp_unload_once();
	if (ret == -EAGAIN || ret == -EBUSY) {
		ASSERT_TRUE(kp_loaded());
		r = read(fd, buf, sizeof(buf) - 1);
		ASSERT_LT(0, r) TH_LOG("read of pinned stats: %s", strerror(errno));
		buf[r] = '\0';
		EXPECT_TRUE(kp_match("^records [0-9]+$", buf, REG_NEWLINE));
		close(fd);
		ASSERT_EQ(0, kp_unload());
	} else {
		ASSERT_EQ(0, ret) TH_LOG("rmmod: %s", strerror(-ret));
		ASSERT_FALSE(kp_loaded());
		r = read(fd, buf, sizeof(buf) - 1);
		EXPECT_GT(0, r) TH_LOG("stats still readable after unload");
		close(fd);
	}
	ASSERT_FALSE(kp_exists(KP_SYSFS));
	ASSERT_FALSE(kp_exists(KP_DEBUGFS));
}

TEST_HARNESS_MAIN
