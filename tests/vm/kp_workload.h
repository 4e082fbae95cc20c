/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hot-set workload the promotion tests share: a buffer faulted in on
 * the slow node, a hot part read in a loop, placement read back with
 * move_pages(2).
 */
#ifndef KP_WORKLOAD_H
#define KP_WORKLOAD_H

#include <stdbool.h>

#define KP_PAGE 4096UL

struct kp_buf {
	char *p;
	long pages;
	long hot;	/* the first `hot` pages are the hot set */
};

/*
 * Why this machine cannot run a promotion test (not root, no module, no
 * CPU-less node 1), or NULL; then *topo is read and `slow` holds the
 * parameter that names the slow node where the kernel does not tier.
 */
struct kp_topology;
const char *kp_two_tier_ready(struct kp_topology *topo, char *slow, size_t size);

/* SKIP in FIXTURE_SETUP does not stop the body on older harnesses: bodies call this. */
#define KP_TWO_TIER_READY() do {					\
	if (self->skip)							\
		SKIP(return, "%s", self->skip);				\
} while (0)

/* Maps and faults in `pages` pages on node nid (-1: default policy; 4 KiB pages unless thp). */
int kp_buf_make(struct kp_buf *b, long pages, long hot, int nid, bool thp);
/* Memory policy modes (linux/mempolicy.h) for kp_buf_make_policy() and set_mempolicy(2). */
#define KP_MPOL_DEFAULT 0
#define KP_MPOL_PREFERRED 1
#define KP_MPOL_BIND 2
/*
 * The same, but the VMA keeps policy `mode` over `nodes` (a node mask)
 * after the fault instead of the default one; nothing is moved by it.
 * kp_buf_make() is this with KP_MPOL_DEFAULT.
 */
int kp_buf_make_policy(struct kp_buf *b, long pages, long hot, int nid, bool thp,
		       int mode, unsigned long nodes);
void kp_buf_free(struct kp_buf *b);
/* Pages of [p, p + n pages) on node nid. */
long kp_pages_on_node(char *p, long n, int nid);
/*
 * A moment off the CPU, and the task's TLB dropped (as a real core's small
 * TLB would have by then; QEMU's keeps a whole hot set): every workload loop
 * below calls it twice a second.
 */
void kp_workload_pause(void);
/* Reads the hot set until `want` of it is on node 0 or `seconds` pass. */
long kp_run_hot(struct kp_buf *b, long want, double seconds);
/*
 * The same with the hot part at [hot_from, hot_from + b->hot) and every
 * other page read about once a second (lukewarm).
 */
long kp_run_lukewarm(struct kp_buf *b, long hot_from, long want, double seconds);
/* The same with the lukewarm pages read once every `period` seconds. */
long kp_run_lukewarm_every(struct kp_buf *b, long hot_from, long want, double seconds,
			   double period);
/*
 * Reads the hot part in passes for `busy` seconds, then rests `rest`
 * seconds (a millisecond at least), over and over for `seconds`; never asks
 * where the pages are (a placement query over a large buffer is a pause).
 * Returns the passes made; *slowest is the longest one, in seconds.
 */
unsigned long kp_run_bursts(struct kp_buf *b, double busy, double rest, double seconds,
			    double *slowest);
double kp_now_s(void);
/*
 * Pages isolated from the LRUs now (nr_isolated_anon + nr_isolated_file),
 * once the per-CPU deltas are folded (vm/stat_refresh: without it a page
 * isolated on one CPU and put back on another shows for up to a second);
 * waits up to 2 s for it to reach 0.
 */
long kp_isolated_settled(void);
/* A /proc/vmstat counter, 0 if absent. */
unsigned long kp_vmstat(const char *name);
/* AnonHugePages of this process in KiB (smaps_rollup), or -1. */
long kp_anon_huge_kib(void);
/* A kpromoted debugfs stats value into *val: 0, -ENOENT for a name it does not print, -errno. */
int kp_stat_get(const char *name, unsigned long *val);
#ifdef __KSELFTEST_HARNESS_H
/*
 * A kpromoted debugfs stats value, in a test: a counter the module does not
 * print (renamed, removed) or an unreadable stats file fails the test, so
 * that EXPECT_EQ(0, kp_stat("x")) cannot pass on a name that is gone.
 */
static inline unsigned long kp_stat_or_fail(struct __test_metadata *_metadata, const char *name)
{
	unsigned long val = 0;
	int err = kp_stat_get(name, &val);

	ASSERT_EQ(0, err) TH_LOG("stats: no counter \"%s\" (%s)", name, strerror(-err));
	return val;
}
#define kp_stat(name) kp_stat_or_fail(_metadata, name)
#endif

#endif
