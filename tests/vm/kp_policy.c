// SPDX-License-Identifier: GPL-2.0
/*
 * The application's placement holds: a hot set on the slow node whose VMA
 * or task policy binds it there, whose preferred node is the slow one, or
 * whose cpuset has no fast node, stays there (counted in skipped_policy);
 * one whose policy prefers the fast node is promoted. Placement is read
 * with move_pages(2).
 *
 * An explicit policy turns the kernel's NUMA-balancing scan off for the
 * VMA or task (no MPOL_F_MOF), so no hint fault sees these pages: the MGLRU
 * source does, and lru_gen=enable turns it on where the kernel has it off
 * (6.1). The sources are the default ones.
 *
 * Each negative case must be able to fail: it checks that the module saw
 * the hot set (records, nominations and candidates, and skipped_policy
 * reaching half of the hot set) and that the hot set is still on node 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kp_test_util.h"
#include "kp_workload.h"

#define CG_ROOT "/sys/fs/cgroup"
#define CG_POLICY CG_ROOT "/kp_policy"

/* 8 MiB, all of it hot. */
#define PAGES 2048

FIXTURE(policy) {
	struct kp_topology topo;
	struct kp_buf b;
	char params[160];
	char numab_before[KP_VAL_SIZE];
	bool task_policy;	/* set_mempolicy() was called */
	bool in_cgroup;		/* this process is in CG_POLICY */
	bool cpuset_enabled;	/* we turned +cpuset on in the root */
	const char *skip;
};

FIXTURE_SETUP(policy)
{
	char slow[32];

	self->skip = kp_two_tier_ready(&self->topo, slow, sizeof(slow));
	if (self->skip)
		return;
	ASSERT_EQ(0, kp_ensure_unloaded());
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, self->numab_before,
				   sizeof(self->numab_before)));
	snprintf(self->params, sizeof(self->params), "%s%s", slow,
		 kp_exists(KP_LRU_GEN) ? " lru_gen=enable" : "");
}

FIXTURE_TEARDOWN(policy)
{
	char pid[32];

	if (self->skip)
		return;
	kp_ensure_unloaded();
	kp_write_file(KP_NUMA_BALANCING, self->numab_before);
	kp_buf_free(&self->b);
	if (self->task_policy)
		syscall(SYS_set_mempolicy, KP_MPOL_DEFAULT, NULL, 0);
	if (self->in_cgroup) {
		snprintf(pid, sizeof(pid), "%d", getpid());
		kp_write_file(CG_ROOT "/cgroup.procs", pid);
	}
	rmdir(CG_POLICY);
	if (self->cpuset_enabled)
		kp_write_file(CG_ROOT "/cgroup.subtree_control", "-cpuset");
}

static unsigned long stat_now(const char *name)
{
	unsigned long v = 0;

	kp_stat_get(name, &v);
	return v;
}

/*
 * Reads the hot set for up to `seconds`, until skipped_policy has reached
 * `skipped` and then `after` more seconds have passed (the pages had their
 * chance to move). Returns the hot pages on node 1.
 */
static long run_kept(struct kp_buf *b, unsigned long skipped, double after, double seconds)
{
	double end = kp_now_s() + seconds, until = 0;

	while (kp_now_s() < end && (!until || kp_now_s() < until)) {
		kp_run_hot(b, b->hot + 1, 1.0);
		if (!until && stat_now("skipped_policy") >= skipped)
			until = kp_now_s() + after;
	}
	return kp_pages_on_node(b->p, b->hot, 1);
}

/* The checks of a case where the policy keeps the hot set on node 1. */
#define EXPECT_KEPT(what, on1) do {						\
	unsigned long skipped_ = kp_stat("skipped_policy");			\
									\
	TH_LOG("%s: hot on node 1 %ld/%ld, records %lu (mglru %lu, hintfault %lu), "	\
	       "nominated %lu, confirm_hot %lu, candidates %lu, skipped_policy %lu, "	\
	       "promoted %lu", what, (long)(on1), self->b.hot, kp_stat("records"),	\
	       kp_stat("records_mglru"), kp_stat("records_hintfault"),		\
	       kp_stat("nominated"), kp_stat("confirm_hot"), kp_stat("candidates"),	\
	       skipped_, kp_stat("promoted_pages"));				\
	EXPECT_EQ(self->b.hot, (long)(on1));					\
	EXPECT_GT(kp_stat("records"), 0);					\
	EXPECT_GT(kp_stat("nominated"), 0);					\
	EXPECT_GT(kp_stat("candidates"), 0);					\
	EXPECT_GE(skipped_, (unsigned long)self->b.hot / 2);			\
} while (0)

/* (a) mbind(MPOL_BIND, {1}) left on the VMA. */
TEST_F_TIMEOUT(policy, vma_bind_to_slow_stays, 90)
{
	long on1;

	KP_TWO_TIER_READY();
	ASSERT_EQ(0, kp_buf_make_policy(&self->b, PAGES, PAGES, 1, false, KP_MPOL_BIND, 1ul << 1));
	ASSERT_EQ(self->b.pages, kp_pages_on_node(self->b.p, self->b.pages, 1));
	ASSERT_EQ(0, kp_load(self->params));
	on1 = run_kept(&self->b, self->b.hot / 2, 3, 45);
	EXPECT_KEPT("VMA bind {1}", on1);
	ASSERT_EQ(0, kp_unload());
}

/* (b) set_mempolicy(MPOL_BIND, {1}) in this process, the leader of its thread group. */
TEST_F_TIMEOUT(policy, task_bind_to_slow_stays, 90)
{
	unsigned long nodes = 1ul << 1;
	long on1;

	KP_TWO_TIER_READY();
	/* Loaded first: init_module would place the module's own memory by our policy. */
	ASSERT_EQ(0, kp_load(self->params));
	ASSERT_EQ(0, syscall(SYS_set_mempolicy, KP_MPOL_BIND, &nodes, 64));
	self->task_policy = true;
	/* No VMA policy: the task's places the pages, and governs them. */
	ASSERT_EQ(0, kp_buf_make(&self->b, PAGES, PAGES, -1, false));
	ASSERT_EQ(self->b.pages, kp_pages_on_node(self->b.p, self->b.pages, 1));
	on1 = run_kept(&self->b, self->b.hot / 2, 3, 45);
	EXPECT_KEPT("task bind {1}", on1);
	ASSERT_EQ(0, kp_unload());
}

/* (c) mbind(MPOL_PREFERRED, {1}): the application asked for the slow node. */
TEST_F_TIMEOUT(policy, vma_preferred_slow_stays, 90)
{
	long on1;

	KP_TWO_TIER_READY();
	ASSERT_EQ(0, kp_buf_make_policy(&self->b, PAGES, PAGES, 1, false, KP_MPOL_PREFERRED,
					1ul << 1));
	ASSERT_EQ(self->b.pages, kp_pages_on_node(self->b.p, self->b.pages, 1));
	ASSERT_EQ(0, kp_load(self->params));
	on1 = run_kept(&self->b, self->b.hot / 2, 3, 45);
	EXPECT_KEPT("VMA preferred {1}", on1);
	ASSERT_EQ(0, kp_unload());
}

/* (d) Faulted on node 1 under bind, then mbind(MPOL_PREFERRED, {0}) without a move. */
TEST_F_TIMEOUT(policy, vma_preferred_fast_promoted, 90)
{
	long on0;

	KP_TWO_TIER_READY();
	ASSERT_EQ(0, kp_buf_make_policy(&self->b, PAGES, PAGES, 1, false, KP_MPOL_PREFERRED,
					1ul << 0));
	ASSERT_EQ(self->b.pages, kp_pages_on_node(self->b.p, self->b.pages, 1));
	ASSERT_EQ(0, kp_load(self->params));
	on0 = kp_run_hot(&self->b, self->b.hot * 95 / 100, 60);
	TH_LOG("VMA preferred {0}: hot on node 0 %ld/%ld, records %lu (mglru %lu), candidates %lu, skipped_policy %lu, promoted %lu",
	       on0, self->b.hot, kp_stat("records"), kp_stat("records_mglru"),
	       kp_stat("candidates"), kp_stat("skipped_policy"), kp_stat("promoted_pages"));
	EXPECT_GE(on0 * 100, self->b.hot * 90);
	ASSERT_EQ(0, kp_unload());
}

/* Why cgroup v2 with cpusets cannot be used here, or NULL. */
static const char *cpuset_unusable(bool *enabled)
{
	char ctl[KP_VAL_SIZE];

	if (!kp_exists(CG_ROOT "/cgroup.procs") &&
	    mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL))
		return "no cgroup2 at " CG_ROOT;
	if (kp_read_value(CG_ROOT "/cgroup.controllers", ctl, sizeof(ctl)) ||
	    !kp_match("(^| )cpuset( |$)", ctl, 0))
		return "cgroup2 without the cpuset controller";
	if (kp_read_value(CG_ROOT "/cgroup.subtree_control", ctl, sizeof(ctl)))
		return "cannot read " CG_ROOT "/cgroup.subtree_control";
	if (!kp_match("(^| )cpuset( |$)", ctl, 0)) {
		if (kp_write_file(CG_ROOT "/cgroup.subtree_control", "+cpuset"))
			return "cannot enable +cpuset in " CG_ROOT "/cgroup.subtree_control";
		*enabled = true;
	}
	return NULL;
}

/* (e) A cgroup v2 cpuset with cpuset.mems=1 holding this process. */
TEST_F_TIMEOUT(policy, cpuset_without_fast_stays, 90)
{
	const char *why;
	char pid[32];
	long on1;

	KP_TWO_TIER_READY();
	why = cpuset_unusable(&self->cpuset_enabled);
	if (why)
		SKIP(return, "%s", why);
	/* Loaded first: init_module would place the module's own memory by our cpuset. */
	ASSERT_EQ(0, kp_load(self->params));
	rmdir(CG_POLICY);	/* a leftover of a run that timed out */
	ASSERT_EQ(0, mkdir(CG_POLICY, 0755)) TH_LOG("mkdir %s: %s", CG_POLICY, strerror(errno));
	ASSERT_EQ(0, kp_write_file(CG_POLICY "/cpuset.mems", "1"));
	snprintf(pid, sizeof(pid), "%d", getpid());
	ASSERT_EQ(0, kp_write_file(CG_POLICY "/cgroup.procs", pid));
	self->in_cgroup = true;
	/* Default policies: only the cpuset keeps the pages from node 0. */
	ASSERT_EQ(0, kp_buf_make(&self->b, PAGES, PAGES, 1, false));
	ASSERT_EQ(self->b.pages, kp_pages_on_node(self->b.p, self->b.pages, 1));
	on1 = run_kept(&self->b, self->b.hot / 2, 3, 45);
	EXPECT_KEPT("cpuset.mems=1", on1);
	ASSERT_EQ(0, kp_unload());
}

TEST_HARNESS_MAIN
