// SPDX-License-Identifier: GPL-2.0
/*
 * Settings kpromoted may change while loaded (docs/interfaces.md, "Settings
 * the module may change"): /proc/sys/kernel/numa_balancing and
 * /sys/kernel/mm/lru_gen/enabled. Whatever they were before the load, they
 * are exactly that again after the unload; while loaded they change only as
 * numa_balancing= and lru_gen= allow. A value an administrator set while
 * kpromoted was loaded stays after the unload, and a load or unload from a
 * mount namespace without /proc and /sys still reaches the system's files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
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

/* ---- administrators' values and foreign mount namespaces ---- */

#define SCAN_MAX "/sys/kernel/debug/sched/numa_balancing/scan_period_max_ms"
/* Every setting the module may touch: hint faults, the scan-period cap, MGLRU. */
#define ALL_SETTINGS "slow_nodes=1 sources=hintfault,mglru numa_balancing=auto lru_gen=enable"

FIXTURE(admin) {
	char numab[KP_VAL_SIZE], lru[KP_VAL_SIZE], scan_max[KP_VAL_SIZE];
	bool usable, have_lru, have_scan_max;
};

FIXTURE_SETUP(admin)
{
	if (kp_env_unusable() || !kp_exists(KP_NUMA_BALANCING))
		return;
	self->usable = true;
	ASSERT_EQ(0, kp_ensure_unloaded());
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, self->numab, sizeof(self->numab)));
	self->have_lru = !kp_read_value(KP_LRU_GEN, self->lru, sizeof(self->lru));
	self->have_scan_max = !kp_read_value(SCAN_MAX, self->scan_max, sizeof(self->scan_max));
	/* Off before the load: kpromoted turns both on, so every change shows. */
	ASSERT_EQ(0, kp_write_file(KP_NUMA_BALANCING, "0"));
	if (self->have_lru) {
		ASSERT_EQ(0, kp_write_file(KP_LRU_GEN, "0"));
	}
}

FIXTURE_TEARDOWN(admin)
{
	if (!self->usable)
		return;
	EXPECT_EQ(0, kp_ensure_unloaded());
	EXPECT_EQ(0, kp_write_file(KP_NUMA_BALANCING, self->numab));
	if (self->have_lru) {
		EXPECT_EQ(0, kp_write_file(KP_LRU_GEN, self->lru));
	}
	if (self->have_scan_max) {
		EXPECT_EQ(0, kp_write_file(SCAN_MAX, self->scan_max));
	}
}

/* The three values, "" for one this kernel does not have. */
struct kp_values {
	char numab[KP_VAL_SIZE], lru[KP_VAL_SIZE], scan_max[KP_VAL_SIZE];
};

static void read_values(struct kp_values *v)
{
	memset(v, 0, sizeof(*v));
	kp_read_value(KP_NUMA_BALANCING, v->numab, sizeof(v->numab));
	kp_read_value(KP_LRU_GEN, v->lru, sizeof(v->lru));
	kp_read_value(SCAN_MAX, v->scan_max, sizeof(v->scan_max));
}

TEST_F_TIMEOUT(admin, value_changed_while_loaded_stays, 60)
{
	struct kp_values before, loaded, after;
	char log[KP_BUF_SIZE], lines[KP_BUF_SIZE], *l;
	const char *numab_admin;
	bool scan_capped;
	int fd, ret, left = 0, changed = 0;

	KP_REQUIRE_ENV();
	if (!self->usable)
		SKIP(return, "no " KP_NUMA_BALANCING);
	read_values(&before);
	ret = kp_load(ALL_SETTINGS);
	ASSERT_EQ(0, ret) TH_LOG("load: %s", strerror(-ret));
	read_values(&loaded);
	ASSERT_STRNE(before.numab, loaded.numab) TH_LOG("numa_balancing=auto changed nothing");

	/* The administrator's values: none is the old one or kpromoted's. */
	numab_admin = strcmp(loaded.numab, "1") ? "1" : "2";
	ASSERT_EQ(0, kp_write_file(KP_NUMA_BALANCING, numab_admin));
	changed++;
	if (self->have_lru) {
		ASSERT_STRNE(before.lru, loaded.lru);
		ASSERT_EQ(0, kp_write_file(KP_LRU_GEN, "1"));
		changed++;
	}
	/* The cap applies only where the kernel's default is above it. */
	scan_capped = self->have_scan_max && strcmp(before.scan_max, loaded.scan_max);
	if (scan_capped) {
		ASSERT_EQ(0, kp_write_file(SCAN_MAX, "30000"));
		changed++;
	}

	fd = kp_kmsg_mark();
	ASSERT_LE(0, fd);
	ret = kp_unload();
	ASSERT_EQ(0, ret) TH_LOG("unload: %s", strerror(-ret));
	ASSERT_LE(0, kp_kmsg_collect(fd, log, sizeof(log)));
	close(fd);
	kp_module_lines(log, lines, sizeof(lines));
	for (l = lines; (l = strstr(l, "changed while loaded")); l++)
		left++;

	read_values(&after);
	TH_LOG("numa_balancing %s -> %s -> admin %s -> %s", before.numab, loaded.numab,
	       numab_admin, after.numab);
	EXPECT_STREQ(numab_admin, after.numab);
	if (self->have_lru) {
		TH_LOG("lru_gen %s -> %s -> admin 1 -> %s", before.lru, loaded.lru, after.lru);
		EXPECT_EQ(1UL, strtoul(after.lru, NULL, 0)) TH_LOG("lru_gen is %s", after.lru);
	}
	if (scan_capped) {
		TH_LOG("scan_period_max_ms %s -> %s -> admin 30000 -> %s", before.scan_max,
		       loaded.scan_max, after.scan_max);
		EXPECT_STREQ("30000", after.scan_max);
	}
	EXPECT_EQ(changed, left) TH_LOG("kernel log:\n%s", lines);
}

/*
 * Runs fn in a child whose mount namespace has neither /proc nor /sys, as
 * an insmod or rmmod from a bare chroot would; fn's result, or -ECHILD when
 * no such namespace could be made.
 */
static int in_bare_namespace(int (*fn)(void))
{
	int status, ret;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    umount2("/sys", MNT_DETACH) || umount2("/proc", MNT_DETACH) ||
		    kp_exists(KP_NUMA_BALANCING) || kp_exists("/sys/kernel"))
			_exit(255);
		ret = fn();
		_exit(ret < 0 ? -ret : ret);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) == 255)
		return -ECHILD;
	return -WEXITSTATUS(status);
}

static int load_all(void)
{
	return kp_load(ALL_SETTINGS);
}

TEST_F_TIMEOUT(admin, load_and_unload_without_proc_and_sys, 60)
{
	struct kp_values before, loaded, after;
	int ret;

	KP_REQUIRE_ENV();
	if (!self->usable)
		SKIP(return, "no " KP_NUMA_BALANCING);
	read_values(&before);
	ret = in_bare_namespace(load_all);
	if (ret == -ECHILD)
		SKIP(return, "cannot make a mount namespace without /proc and /sys");
	ASSERT_EQ(0, ret) TH_LOG("load without /proc and /sys: %s", strerror(-ret));
	read_values(&loaded);
	EXPECT_STRNE(before.numab, loaded.numab) TH_LOG("numa_balancing not set from there");
	if (self->have_lru) {
		EXPECT_STRNE(before.lru, loaded.lru) TH_LOG("lru_gen not enabled from there");
	}

	ret = in_bare_namespace(kp_unload);
	ASSERT_EQ(0, ret) TH_LOG("unload without /proc and /sys: %s", strerror(-ret));
	ASSERT_FALSE(kp_loaded());
	read_values(&after);
	TH_LOG("numa_balancing %s -> %s -> %s, lru_gen %s -> %s -> %s, scan max %s -> %s -> %s",
	       before.numab, loaded.numab, after.numab, before.lru, loaded.lru, after.lru,
	       before.scan_max, loaded.scan_max, after.scan_max);
	EXPECT_STREQ(before.numab, after.numab);
	EXPECT_STREQ(before.lru, after.lru);
	EXPECT_STREQ(before.scan_max, after.scan_max);
}

TEST_HARNESS_MAIN
