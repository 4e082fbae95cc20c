// SPDX-License-Identifier: GPL-2.0
/*
 * Per-process control through debugfs `filter`: excluded tasks and
 * cgroups are not promoted, included-only works, bad commands change
 * nothing, only root may touch the file, and no rule (nor the cgroup
 * reference it holds) outlives the module.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kp_test_util.h"
#include "kp_workload.h"

#define FILTER KP_DEBUGFS "/filter"
#define CG_ROOT "/sys/fs/cgroup"

FIXTURE(filter) {
	struct kp_topology topo;
	struct kp_buf b;
	char params[128];
	const char *skip;
};

FIXTURE_SETUP(filter)
{
	char slow[32];

	self->skip = kp_two_tier_ready(&self->topo, slow, sizeof(slow));
	if (self->skip)
		return;
	ASSERT_EQ(0, kp_ensure_unloaded());
	/*
	 * A hint fault's latency after its scan grows with a slower kernel's
	 * faults (kp_frequency.c): there the limit grows with it, or the
	 * records of a hot set read in a loop come in late (debug kernel:
	 * records_late 2780, records_hintfault 2179, 1185 of 2048 promoted in
	 * 60 s after a clear).
	 */
	snprintf(self->params, sizeof(self->params), "%s sources=hintfault", slow);
	if (kp_time_scale() > 1)
		snprintf(self->params, sizeof(self->params), "%s sources=hintfault hint_latency_ms=%u",
			 slow, 100 * kp_time_scale());
	ASSERT_EQ(0, kp_buf_make(&self->b, 8192, 2048, 1, false));
	ASSERT_EQ(0, kp_load(self->params));
}

FIXTURE_TEARDOWN(filter)
{
	if (self->skip)
		return;
	kp_ensure_unloaded();
	kp_buf_free(&self->b);
}

static int rules(void)
{
	char val[KP_VAL_SIZE];

	if (kp_read_kv(FILTER, "rules", val, sizeof(val)))
		return -1;
	return atoi(val);
}

TEST_F_TIMEOUT(filter, root_only, 30)
{
	struct stat st;
	pid_t pid;
	int status;

	KP_TWO_TIER_READY();
	ASSERT_EQ(0, stat(FILTER, &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(3);
		_exit(open(FILTER, O_RDONLY) < 0 && (errno == EACCES || errno == EPERM) ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F_TIMEOUT(filter, bad_commands_change_nothing, 30)
{
	static const char *const bad[] = {
		"include", "include pid", "include pid 0", "include pid x", "exclude uid 3",
		"promote pid 3", "include cgroup relative/path", "include pid 1 2",
		"include cgroup /no/such/cgroup",
	};
	size_t i;

	KP_TWO_TIER_READY();
	ASSERT_EQ(0, kp_write_file(FILTER, "include pid 1\n"));
	ASSERT_EQ(1, rules());
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_NE(0, kp_write_file(FILTER, bad[i])) TH_LOG("accepted: '%s'", bad[i]);
		EXPECT_EQ(1, rules()) TH_LOG("after '%s'", bad[i]);
	}
	for (i = 1; i < 16; i++)
		ASSERT_EQ(0, kp_write_file(FILTER, "exclude pid 1"));
	EXPECT_EQ(-ENOSPC, kp_write_file(FILTER, "exclude pid 1"));
	EXPECT_EQ(16, rules());
	ASSERT_EQ(0, kp_write_file(FILTER, "clear"));
	EXPECT_EQ(0, rules());
}

TEST_F_TIMEOUT(filter, excluded_task_is_not_promoted_until_cleared, 240)
{
	char cmd[64];
	long hot_on0;

	KP_TWO_TIER_READY();
	snprintf(cmd, sizeof(cmd), "exclude pid %d", getpid());
	ASSERT_EQ(0, kp_write_file(FILTER, cmd));
	hot_on0 = kp_run_hot(&self->b, self->b.hot + 1, 25);
	TH_LOG("excluded: hot on node 0 %ld/%ld, filtered %lu, promoted %lu", hot_on0,
	       self->b.hot, kp_stat("records_filtered"), kp_stat("promoted_pages"));
	EXPECT_GT(kp_stat("records_filtered"), 0);
	EXPECT_EQ(0, kp_stat("promoted_pages"));
	EXPECT_EQ(0, hot_on0);
	ASSERT_EQ(0, kp_write_file(FILTER, "clear"));
	/*
	 * Cleared: this task's hot pages are promoted again, even though
	 * the kernel's scan of this task may have slowed down meanwhile.
	 */
	hot_on0 = kp_run_hot(&self->b, self->b.hot * 95 / 100, 60);
	TH_LOG("cleared: hot on node 0 %ld/%ld, records %lu, late %lu, forgotten %lu, candidates %lu",
	       hot_on0, self->b.hot, kp_stat("records_hintfault"), kp_stat("records_late"),
	       kp_stat("records_forgotten"), kp_stat("candidates"));
	EXPECT_GT(kp_stat("records_hintfault"), 0);
	EXPECT_GE(hot_on0, self->b.hot * 90 / 100);
}

TEST_F_TIMEOUT(filter, include_only_others_excludes_us, 120)
{
	KP_TWO_TIER_READY();
	/* Only init is included: this task's faults are filtered. */
	ASSERT_EQ(0, kp_write_file(FILTER, "include pid 1"));
	kp_run_hot(&self->b, self->b.hot + 1, 20);
	EXPECT_GT(kp_stat("records_filtered"), 0);
	EXPECT_EQ(0, kp_stat("records_hintfault"));
	EXPECT_EQ(0, kp_stat("promoted_pages"));
}

TEST_F_TIMEOUT(filter, excluded_cgroup_is_filtered, 120)
{
	char pid[32];
	bool mounted = false;

	KP_TWO_TIER_READY();
	if (!kp_exists(CG_ROOT "/cgroup.procs")) {
		mkdir(CG_ROOT, 0755);
		ASSERT_EQ(0, mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL));
		mounted = true;
	}
	mkdir(CG_ROOT "/kptest", 0755);
	snprintf(pid, sizeof(pid), "%d", getpid());
	ASSERT_EQ(0, kp_write_file(CG_ROOT "/kptest/cgroup.procs", pid));
	ASSERT_EQ(0, kp_write_file(FILTER, "exclude cgroup /kptest"));
	kp_run_hot(&self->b, self->b.hot + 1, 20);
	EXPECT_GT(kp_stat("records_filtered"), 0);
	EXPECT_EQ(0, kp_stat("promoted_pages"));
	/* Leave the cgroup before the module (and its reference) goes. */
	kp_write_file(CG_ROOT "/cgroup.procs", pid);
	kp_write_file(FILTER, "clear");
	rmdir(CG_ROOT "/kptest");
	if (mounted)
		umount(CG_ROOT);
}

/* ---- rules written while the module comes and goes ---- */

#define CG_UNLOAD	CG_ROOT "/kp-unload"
#define CG_TARGET	CG_UNLOAD "/target"
#define UNLOAD_CYCLES	15

struct rule_writer {
	pthread_t thread;
	bool *stop;		/* atomic */
	unsigned long taken;	/* commands the module accepted */
};

/* Writes cgroup rules (each one a cgroup reference) and clears, until stopped. */
static void *rule_writer_main(void *arg)
{
	static const char *const cmds[] = {
		"include cgroup /kp-unload/target", "exclude cgroup /kp-unload/target",
		"include cgroup /kp-unload/target", "clear",
	};
	struct rule_writer *w = arg;
	unsigned long i;

	for (i = 0; !__atomic_load_n(w->stop, __ATOMIC_RELAXED); i++) {
		w->taken += !kp_write_file(FILTER, cmds[i % 4]);
		/* Leave rmmod gaps: an open filter file pins the module. */
		usleep(10 * 1000);
	}
	return NULL;
}

/* nr_dying_descendants of a cgroup: removed ones something still holds. */
static long dying_below(const char *cg)
{
	char path[256], val[KP_VAL_SIZE];

	snprintf(path, sizeof(path), "%s/cgroup.stat", cg);
	if (kp_read_kv(path, "nr_dying_descendants", val, sizeof(val)))
		return -1;
	return atol(val);
}

FIXTURE(filter_unload) {
	bool usable;
};

FIXTURE_SETUP(filter_unload)
{
	if (kp_env_unusable() || !kp_exists(CG_ROOT "/cgroup.procs"))
		return;
	self->usable = true;
	ASSERT_EQ(0, kp_ensure_unloaded());
	rmdir(CG_TARGET);	/* a previous run's */
	rmdir(CG_UNLOAD);
	ASSERT_EQ(0, mkdir(CG_UNLOAD, 0755)) TH_LOG("mkdir %s: %s", CG_UNLOAD, strerror(errno));
	ASSERT_EQ(0, mkdir(CG_TARGET, 0755));
}

FIXTURE_TEARDOWN(filter_unload)
{
	if (!self->usable)
		return;
	kp_ensure_unloaded();
	rmdir(CG_TARGET);
	rmdir(CG_UNLOAD);
}

/*
 * Rules written in a loop while the module is loaded and unloaded, and
 * while loads fail in their last steps (inject_fail=sources): when the
 * filter was torn down before its debugfs file, a write in between left a
 * rule set behind, and its cgroup references with it. Afterwards the
 * target cgroup must be removable and, once removed, freed: nothing may
 * hold it (cgroup.stat nr_dying_descendants back to 0).
 */
TEST_F_TIMEOUT(filter_unload, rules_never_outlive_the_module, 300)
{
	struct rule_writer w = { 0 };
	bool stop = false;
	long dying = -1;
	int i, ret, failed_loads = 0;
	double end;

	KP_REQUIRE_ENV();
	if (!self->usable)
		SKIP(return, "no cgroup2 at " CG_ROOT);
	ASSERT_EQ(0, dying_below(CG_UNLOAD));
	w.stop = &stop;
	ASSERT_EQ(0, pthread_create(&w.thread, NULL, rule_writer_main, &w));
	for (i = 0; i < UNLOAD_CYCLES; i++) {
		ret = kp_load("slow_nodes=1 sources=none");
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: load: %s", i, strerror(-ret));
		usleep(100 * 1000);
		ret = kp_unload();
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: unload: %s", i, strerror(-ret));
		ret = kp_load("slow_nodes=1 sources=hintfault inject_fail=sources");
		EXPECT_EQ(-ENODEV, ret) TH_LOG("cycle %d: failing load: %s", i, strerror(-ret));
		failed_loads += ret == -ENODEV;
		kp_ensure_unloaded();
	}
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	pthread_join(w.thread, NULL);
	ASSERT_EQ(0, kp_ensure_unloaded());

	ASSERT_EQ(0, rmdir(CG_TARGET)) TH_LOG("rmdir %s: %s", CG_TARGET, strerror(errno));
	/* A released cgroup is freed after an RCU grace period and a work item. */
	for (end = kp_now_s() + 10; kp_now_s() < end; usleep(100 * 1000)) {
		dying = dying_below(CG_UNLOAD);
		if (dying == 0)
			break;
	}
	TH_LOG("%d load/unload and %d failed-load cycles, %lu filter commands taken",
	       UNLOAD_CYCLES, failed_loads, w.taken);
	TH_LOG("dying cgroups below %s after rmdir: %ld", CG_UNLOAD, dying);
	EXPECT_LT(0UL, w.taken) TH_LOG("no rule was ever written while loaded");
	EXPECT_EQ(0, dying) TH_LOG("removed cgroup still referenced: a rule outlived the module");
	EXPECT_EQ(0, rmdir(CG_UNLOAD));
}

TEST_HARNESS_MAIN
