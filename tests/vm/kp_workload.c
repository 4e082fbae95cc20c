// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kp_test_util.h"
#include "kp_workload.h"

#define MPOL_DEFAULT 0
#define MPOL_BIND 2

double kp_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

long kp_pages_on_node(char *p, long n, int nid)
{
	void **pages = calloc(n, sizeof(void *));
	int *status = calloc(n, sizeof(int));
	long i, on = 0;

	if (!pages || !status)
		goto out;
	for (i = 0; i < n; i++)
		pages[i] = p + i * KP_PAGE;
	if (syscall(SYS_move_pages, 0, n, pages, NULL, status, 0) == 0)
		for (i = 0; i < n; i++)
			on += status[i] == nid;
out:
	free(pages);
	free(status);
	return on;
}

int kp_buf_make_policy(struct kp_buf *b, long pages, long hot, int nid, bool thp,
		       int mode, unsigned long nodes)
{
	uint64_t mask = nid >= 0 ? 1ull << nid : 0;
	size_t len = pages * KP_PAGE;

	b->pages = pages;
	b->hot = hot;
	b->p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->p == MAP_FAILED) {
		b->p = NULL;
		return -errno;
	}
	madvise(b->p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	if (nid >= 0) {
		/* Fault everything in on nid. */
		if (syscall(SYS_mbind, b->p, len, MPOL_BIND, &mask, 64, 0))
			return -errno;
	}
	/* nid < 0: the default policy (the task's), the kernel decides. */
	memset(b->p, 1, len);
	if (nid < 0 && mode == MPOL_DEFAULT)
		return 0;
	/* Then the VMA policy asked for, without moving anything: the pages stay. */
	if (syscall(SYS_mbind, b->p, len, mode, mode == MPOL_DEFAULT ? NULL : &nodes,
		    mode == MPOL_DEFAULT ? 0 : 64, 0))
		return -errno;
	return 0;
}

int kp_buf_make(struct kp_buf *b, long pages, long hot, int nid, bool thp)
{
	return kp_buf_make_policy(b, pages, hot, nid, thp, MPOL_DEFAULT, 0);
}

void kp_buf_free(struct kp_buf *b)
{
	if (b->p)
		munmap(b->p, b->pages * KP_PAGE);
	b->p = NULL;
}

const char *kp_two_tier_ready(struct kp_topology *topo, char *slow, size_t size)
{
	const char *why = kp_env_unusable();

	if (why)
		return why;
	if (kp_topology_read(topo))
		return "cannot read the NUMA topology";
	if (!(topo->memory & 2) || (topo->cpu & 2))
		return "needs node 1 as a CPU-less memory node";
	snprintf(slow, size, "%s", topo->tiered ? "" : "slow_nodes=1");
	return NULL;
}

static unsigned long touch(volatile char *p, long pages)
{
	unsigned long sum = 0;
	long i;

	for (i = 0; i < pages; i++)
		sum += p[i * KP_PAGE];
	return sum;
}

/*
 * What a workload does twice a second, as any task on a real machine would
 * be made to: it sleeps for a moment (is switched out), and its TLB entries
 * are gone.
 *
 * The second part is what QEMU does not do by itself. A CPU sets a PTE's
 * accessed bit when it loads the entry into its TLB, not at every access,
 * and MGLRU's aging clears the bit without a TLB flush: a page whose entry
 * stays in the TLB looks idle to every walk until something flushes. A real
 * core's TLB (1.5-3K entries, shared with everything the core runs) drops
 * a hot set of thousands of pages long before the next walk. QEMU's software
 * TLB grows until the whole hot set fits and then keeps it: measured in a
 * 6.12 guest, the aging passes found the 2048-page hot set only after
 * something else had flushed (the confirmation's looks), 1 pass in 2 to
 * 1 in 4, against every pass with this flush. Without it the MGLRU interval
 * test failed at random (busy interval at 6400 ms, hot set on node 1).
 *
 * mprotect() of more pages than the kernel flushes one by one (33 on x86)
 * flushes the task's whole TLB.
 */
#define KP_TLB_DROP_PAGES 64
void kp_workload_pause(void)
{
	static char *scratch;
	char *s = __atomic_load_n(&scratch, __ATOMIC_ACQUIRE);

	usleep(1000);
	if (!s) {
		s = mmap(NULL, KP_TLB_DROP_PAGES * KP_PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (s == MAP_FAILED)
			return;
		memset(s, 1, KP_TLB_DROP_PAGES * KP_PAGE);
		__atomic_store_n(&scratch, s, __ATOMIC_RELEASE);
	}
	mprotect(s, KP_TLB_DROP_PAGES * KP_PAGE, PROT_READ);
	mprotect(s, KP_TLB_DROP_PAGES * KP_PAGE, PROT_READ | PROT_WRITE);
}

long kp_run_hot(struct kp_buf *b, long want, double seconds)
{
	double end = kp_now_s() + seconds, next = 0;
	unsigned long sink = 0;

	while (kp_now_s() < end) {
		sink += touch(b->p, b->hot);
		if (kp_now_s() >= next) {
			if (kp_pages_on_node(b->p, b->hot, 0) >= want)
				break;
			/*
			 * Switched out now and then, as any task on a busy
			 * machine: MGLRU's own (not forced) aging skips the mm
			 * of a task that has not been switched in since its
			 * last walk, and a lone spinning vCPU may never be.
			 */
			kp_workload_pause();
			next = kp_now_s() + 0.5;
		}
	}
	(void)sink;
	return kp_pages_on_node(b->p, b->hot, 0);
}

unsigned long kp_run_bursts(struct kp_buf *b, double busy, double rest, double seconds,
			    double *slowest)
{
	double end = kp_now_s() + seconds, stop, t0, t;
	unsigned long sink = 0, passes = 0;

	*slowest = 0;
	while (kp_now_s() < end) {
		for (stop = kp_now_s() + busy; (t0 = kp_now_s()) < stop; passes++) {
			sink += touch(b->p, b->hot);
			t = kp_now_s() - t0;
			if (t > *slowest)
				*slowest = t;
		}
		if (rest > 0.001)
			usleep(rest * 1e6);
		kp_workload_pause();
	}
	(void)sink;
	return passes;
}

static unsigned long kv_number(const char *text, const char *name)
{
	char val[KP_VAL_SIZE];

	if (kp_kv_find(text, name, val, sizeof(val)))
		return 0;
	return strtoul(val, NULL, 10);
}

unsigned long kp_vmstat(const char *name)
{
	char buf[KP_BUF_SIZE];

	if (kp_read_file("/proc/vmstat", buf, sizeof(buf)) < 0)
		return 0;
	return kv_number(buf, name);
}

long kp_isolated_settled(void)
{
	double end = kp_now_s() + 2;
	long n;

	for (;;) {
		kp_write_file("/proc/sys/vm/stat_refresh", "1");
		n = (long)(kp_vmstat("nr_isolated_anon") + kp_vmstat("nr_isolated_file"));
		if (!n || kp_now_s() >= end)
			return n;
		usleep(100 * 1000);
	}
}

int kp_stat_get(const char *name, unsigned long *val)
{
	char buf[KP_BUF_SIZE], v[KP_VAL_SIZE];
	ssize_t len = kp_read_file(KP_DEBUGFS "/stats", buf, sizeof(buf));
	int err;

	if (len < 0)
		return len;
	err = kp_kv_find(buf, name, v, sizeof(v));
	if (err)
		return err;
	*val = strtoul(v, NULL, 10);
	return 0;
}

long kp_anon_huge_kib(void)
{
	char buf[KP_BUF_SIZE], *p;

	if (kp_read_file("/proc/self/smaps_rollup", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "AnonHugePages:");
	return p ? strtol(p + strlen("AnonHugePages:"), NULL, 10) : -1;
}

/*
 * Reads pages [hot_from, hot_from + hot) of b in a loop, and every other
 * page about once a second (lukewarm: a cursor that goes round them all
 * each second), until `want` hot pages are on node 0 or `seconds` pass.
 */
long kp_run_lukewarm(struct kp_buf *b, long hot_from, long want, double seconds)
{
	return kp_run_lukewarm_every(b, hot_from, want, seconds, 1.0);
}

long kp_run_lukewarm_every(struct kp_buf *b, long hot_from, long want, double seconds,
			   double period)
{
	double t0 = kp_now_s(), end = t0 + seconds, next = 0, now;
	long cold = b->pages - b->hot, done = 0, i;
	unsigned long sink = 0;

	while ((now = kp_now_s()) < end) {
		long due = (long)((now - t0) / period * cold);

		sink += touch(b->p + hot_from * KP_PAGE, b->hot);
		/* The lukewarm pages due by now, skipping the hot part. */
		for (; done < due; done++) {
			i = done % cold;
			if (i >= hot_from)
				i += b->hot;
			sink += ((volatile char *)b->p)[i * KP_PAGE];
		}
		if (now >= next) {
			if (kp_pages_on_node(b->p + hot_from * KP_PAGE, b->hot, 0) >= want)
				break;
			kp_workload_pause();
			next = kp_now_s() + 0.5;
		}
	}
	(void)sink;
	return kp_pages_on_node(b->p + hot_from * KP_PAGE, b->hot, 0);
}
