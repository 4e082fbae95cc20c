// SPDX-License-Identifier: GPL-2.0
/*
 * kp_bench: the workload of `make bench` (scripts/bench.sh). Not a test: it
 * prints figures, one "KPB ..." line each, and knows its own ground truth
 * (which pages are hot), so placement read back with move_pages(2) tells how
 * well a promoter did.
 *
 *   kp_bench -S hot|pressure|shift|uniform|movepages [-s seconds] [-m MiB]
 *            [-H hot-MiB] [-r sample-ms] [-x seed] [-c cold-per-mille] [-t]
 *
 * Layout: a buffer of -m MiB faulted in on the slow node (node 1); its first
 * -H MiB are the hot set. Each iteration reads one word in ITER_PAGES pages
 * chosen at random (seeded xorshift): a page of the hot set, or with
 * probability -c/1000 a page of the cold rest. A sampler thread reads the
 * placement of every page with move_pages(2) every -r ms.
 *   hot       the above (plenty of room on node 0)
 *   pressure  node 0 is first filled with a cold filler (never touched again)
 *             down to PRESSURE_ROOM_MB above its high watermarks: promotion
 *             needs demotion (see fill_node0())
 *   shift     the hot set moves to the next -H MiB halfway through
 *   uniform   half the buffer on node 0, half on node 1, every page equally
 *             likely (no hot set: promotion cannot help)
 *   movepages move_pages(2) throughput from node 1 to node 0 (64 MiB; see movepages_bench())
 * -t backs the buffer with transparent huge pages (aligned to 2 MiB).
 *
 * Output (stdout): "KPB sample t=.. hot=.. cold=.. fast=.." every sample
 * (hot: share of the current hot set on node 0; cold: share of the never-hot
 * pages on node 0; fast: share of the whole buffer on node 0), then one
 * "KPB result k=v ..." line; its run_allocstall and run_pgscan_direct are
 * the machine's counters over the measured run alone (after the set-up).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kp_test_util.h"
#include "kp_workload.h"

#define PAGE 4096UL
#define HUGE (2UL << 20)
#define ITER_PAGES 4096
#define MAX_ITERS (4L << 20)
#define MAX_SAMPLES 4096
#define PRESSURE_ROOM_MB 16
#define FILL_STEP (4UL << 20)
#define MPOL_DEFAULT 0
#define MPOL_BIND 2
#define MPOL_MF_MOVE (1 << 1)
#define LAT_FAST 10.0	/* HMAT latencies the guest is given (scripts/vm-run.sh) */
#define LAT_SLOW 40.0

static long npages, nhot, cold_pm = 16;
static char *buf;
static volatile long hot_off;		/* first page of the current hot set */
static volatile int stop;
static int thp, scenario_shift, uniform;
static double t_start, sample_s = 0.25;

struct sample {
	double t, hot, cold, fast, cold_pages_fast;
	long hot_off;
};
static struct sample samples[MAX_SAMPLES];
static int nsamples;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng_state;
static inline uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static int bind_fault(char *p, size_t len, int nid)
{
	unsigned long mask = 1UL << nid;

	if (syscall(SYS_mbind, p, len, MPOL_BIND, &mask, 64, 0))
		return -errno;
	memset(p, 1, len);
	if (syscall(SYS_mbind, p, len, MPOL_DEFAULT, NULL, 0, 0))
		return -errno;
	return 0;
}

/* An anonymous mapping aligned to 2 MiB so hot/cold borders fall on huge pages. */
static char *map_aligned(size_t len)
{
	char *p = mmap(NULL, len + HUGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)p + HUGE - 1) & ~(HUGE - 1);
	madvise((void *)a, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return (char *)a;
}

/*
 * The pressure scenario's filler: node 0 filled with pages bound to it, a
 * step at a time while its free memory stays PRESSURE_ROOM_MB above its
 * high watermarks, boost included, read again before every step. The node
 * is then full in the kernel's sense (free below what kpromoted keeps,
 * min_free_pct, and little above what kswapd restores), and the filling
 * itself woke no kswapd and reclaimed nothing: what reclaim follows is the
 * contenders' doing. (It used to leave 24 MiB of MemFree, below this
 * guest's 33 MiB min watermark (THP's min_free_kbytes): the filler raced
 * kswapd's demotion into direct reclaim, counted against whoever was
 * loaded, and on 6.1, with nothing to demote to, it was OOM-killed.)
 * Returns the MiB filled, or -1.
 */
static long fill_node0(void)
{
	long free_kib = kp_node_free_kib(0), done = 0;
	size_t len;
	char *p;

	if (free_kib <= 0)
		return -1;
	len = (size_t)free_kib << 10;
	p = map_aligned(len);
	if (!p)
		return -1;
	for (;;) {
		long high = kp_node_high_kib(0), avail = kp_node_free_kib(0);

		if (high < 0 || avail < 0)
			return -1;
		if (avail - (long)(FILL_STEP >> 10) < high + PRESSURE_ROOM_MB * 1024 ||
		    (done + 1) * FILL_STEP > len)
			break;
		if (bind_fault(p + done * FILL_STEP, FILL_STEP, 0))
			return -1;
		done++;
	}
	return (long)(done * FILL_STEP >> 20);
}

static void **qpages;
static int *qstatus;

/* Placement of every page of buf: status[] of move_pages(2) (node or -errno). */
static int query(void)
{
	return syscall(SYS_move_pages, 0, npages, qpages, NULL, qstatus, 0) ? -errno : 0;
}

static int ever_hot(long i)
{
	if (uniform)
		return 1;
	return i < nhot || (scenario_shift && i < 2 * nhot);
}

static void *sampler(void *arg)
{
	(void)arg;
	while (!stop && nsamples < MAX_SAMPLES) {
		struct sample *s = &samples[nsamples];
		long i, off = hot_off, h = 0, c = 0, cn = 0, f = 0;

		if (query() == 0) {
			for (i = 0; i < npages; i++) {
				int on0 = qstatus[i] == 0;

				f += on0;
				if (uniform || (i >= off && i < off + nhot))
					h += on0;
				if (!ever_hot(i)) {
					cn++;
					c += on0;
				}
			}
			s->t = now() - t_start;
			s->hot = uniform ? (double)h / npages : (double)h / nhot;
			s->cold = cn ? (double)c / cn : 0;
			s->cold_pages_fast = c;
			s->fast = (double)f / npages;
			s->hot_off = off;
			printf("KPB sample t=%.2f hot=%.4f cold=%.4f fast=%.4f\n", s->t, s->hot,
			       s->cold, s->fast);
			nsamples++;
		}
		usleep((useconds_t)(sample_s * 1e6));
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* First sample time, at or after `from`, with the hot share >= frac; -1 if never. */
static double time_to(double frac, double from, long off)
{
	int i;

	for (i = 0; i < nsamples; i++)
		if (samples[i].t >= from && samples[i].hot_off == off && samples[i].hot >= frac)
			return samples[i].t - from;
	return -1;
}

/* The sum of the /proc/vmstat counters whose names start with prefix (allocstall_<zone>). */
static long vmstat_sum(const char *prefix)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char name[128];
	long v, sum = 0;

	if (!f)
		return -1;
	while (fscanf(f, "%127s %ld", name, &v) == 2)
		if (!strncmp(name, prefix, strlen(prefix)))
			sum += v;
	fclose(f);
	return sum;
}

/*
 * Where the measured run starts, for the bench's direct-reclaim trace: what
 * came before (the filler, the buffer's fault-in) is set-up.
 */
static void trace_mark(const char *what)
{
	FILE *f = fopen("/sys/kernel/tracing/trace_marker", "w");

	if (f) {
		fprintf(f, "kp_bench: %s\n", what);
		fclose(f);
	}
}

/* Moves all n pages to node nid in batches of 512; seconds taken, or -1. */
static double move_all(void **pages, long n, int *nodes, int *status, int nid)
{
	long done, i, k;
	double t0 = now();

	for (i = 0; i < n; i++)
		nodes[i] = nid;
	for (done = 0; done < n; done += k) {
		k = n - done < 512 ? n - done : 512;
		if (syscall(SYS_move_pages, 0, k, pages + done, nodes + done, status + done,
			    MPOL_MF_MOVE))
			return -1;
	}
	return now() - t0;
}

static char *mp_buf;
static long mp_pages;

/* Reads random pages of the buffer being moved, as the application whose pages are promoted. */
static void *mp_reader(void *arg)
{
	unsigned long sink = 0;

	(void)arg;
	while (!stop) {
		uint64_t r = rnd();

		sink += *(volatile unsigned long *)(mp_buf + (long)(r % (uint64_t)mp_pages) * PAGE);
	}
	return (void *)sink;
}

/*
 * Five passes: to node 0 (TCG translating the migration code for the first
 * time in a boot where nothing migrated yet), back to node 1, to node 0
 * again: the figure, the speed of a migration path in use, as a worker's is
 * after its first batch. Then back, and to node 0 once more while another
 * thread reads the pages: what moving pages in use costs (each batch's
 * unmap shoots down the reader's TLB, and the reader waits on the pages in
 * flight), which every promotion of a running application pays.
 */
static int movepages_bench(long mib)
{
	long n = mib * 256, i, moved = 0;
	int *nodes, *status;
	void **pages;
	char *p;
	double first, t, busy;
	pthread_t th;

	p = map_aligned(n * PAGE);
	pages = calloc(n, sizeof(*pages));
	nodes = calloc(n, sizeof(*nodes));
	status = calloc(n, sizeof(*status));
	if (!p || !pages || !nodes || !status || bind_fault(p, n * PAGE, 1))
		return perror("kp_bench: movepages setup"), 1;
	for (i = 0; i < n; i++)
		pages[i] = p + i * PAGE;
	first = move_all(pages, n, nodes, status, 0);
	if (first < 0 || move_all(pages, n, nodes, status, 1) < 0)
		return perror("kp_bench: move_pages"), 1;
	t = move_all(pages, n, nodes, status, 0);
	if (t < 0)
		return perror("kp_bench: move_pages"), 1;
	for (i = 0; i < n; i++)
		moved += status[i] == 0;
	if (move_all(pages, n, nodes, status, 1) < 0)
		return perror("kp_bench: move_pages"), 1;
	mp_buf = p;
	mp_pages = n;
	rng_state = 0x9E3779B97F4A7C15ULL;	/* xorshift: any state but 0 */
	if (pthread_create(&th, NULL, mp_reader, NULL))
		return perror("kp_bench: reader"), 1;
	usleep(100 * 1000);
	busy = move_all(pages, n, nodes, status, 0);
	stop = 1;
	pthread_join(th, NULL);
	if (busy < 0)
		return perror("kp_bench: move_pages"), 1;
	printf("KPB result scenario=movepages pages=%ld moved=%ld seconds=%.3f mbps=%.1f pages_per_s=%.0f first_mbps=%.1f in_use_mbps=%.1f\n",
	       n, moved, t, moved * PAGE / 1e6 / t, moved / t, n * PAGE / 1e6 / first, n * PAGE / 1e6 / busy);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: kp_bench -S hot|pressure|shift|uniform|movepages [-s seconds] [-m MiB] [-H hot-MiB] [-r sample-ms] [-x seed] [-c cold-per-mille] [-t]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long mib = 256, hot_mib = 32, seed = 42, filler_mb = 0, i, it = 0, niters;
	double seconds = 20, *lat, t_end, t_shift = -1, tput, sum_model = 0;
	const char *scen = "hot";
	struct rusage ru0, ru1;
	long stall0, stall1, scan0, scan1;	/* the run's own: allocstall_*, pgscan_direct */
	pthread_t th;
	unsigned long sink = 0;
	int c;

	while ((c = getopt(argc, argv, "S:s:m:H:r:x:c:t")) != -1) {
		switch (c) {
		case 'S': scen = optarg; break;
		case 's': seconds = atof(optarg); break;
		case 'm': mib = atol(optarg); break;
		case 'H': hot_mib = atol(optarg); break;
		case 'r': sample_s = atof(optarg) / 1000.0; break;
		case 'x': seed = atol(optarg); break;
		case 'c': cold_pm = atol(optarg); break;
		case 't': thp = 1; break;
		default: usage();
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(scen, "movepages"))
		return movepages_bench(64);
	scenario_shift = !strcmp(scen, "shift");
	uniform = !strcmp(scen, "uniform");
	if (strcmp(scen, "hot") && strcmp(scen, "pressure") && !scenario_shift && !uniform)
		usage();
	if (mib <= 0 || hot_mib <= 0 || hot_mib * (scenario_shift ? 2 : 1) > mib || seconds <= 0 ||
	    cold_pm < 0 || cold_pm > 1000)
		usage();
	npages = mib * 256;
	nhot = hot_mib * 256;
	rng_state = (uint64_t)seed * 0x9E3779B97F4A7C15ULL + 1;

	if (!strcmp(scen, "pressure")) {
		filler_mb = fill_node0();
		if (filler_mb < 0)
			return perror("kp_bench: filler"), 1;
	}
	buf = map_aligned(npages * PAGE);
	if (!buf)
		return perror("kp_bench: mmap"), 1;
	if (uniform) {
		if (bind_fault(buf, npages / 2 * PAGE, 0) ||
		    bind_fault(buf + npages / 2 * PAGE, (npages - npages / 2) * PAGE, 1))
			return perror("kp_bench: fault in"), 1;
	} else if (bind_fault(buf, npages * PAGE, 1)) {
		return perror("kp_bench: fault in"), 1;
	}
	qpages = calloc(npages, sizeof(*qpages));
	qstatus = calloc(npages, sizeof(*qstatus));
	lat = calloc(MAX_ITERS, sizeof(*lat));
	if (!qpages || !qstatus || !lat)
		return perror("kp_bench: calloc"), 1;
	for (i = 0; i < npages; i++)
		qpages[i] = buf + i * PAGE;
	printf("KPB info scenario=%s mib=%ld hot_mib=%ld seconds=%.0f seed=%ld cold_pm=%ld thp=%d filler_mb=%ld node0_free_mb=%ld node0_high_mb=%ld\n",
	       scen, mib, hot_mib, seconds, seed, cold_pm, thp, filler_mb, kp_node_free_kib(0) >> 10,
	       kp_node_high_kib(0) >> 10);

	trace_mark("run begins");
	stall0 = vmstat_sum("allocstall_");
	scan0 = kp_vmstat("pgscan_direct");	/* exactly: not pgscan_direct_throttle */
	getrusage(RUSAGE_SELF, &ru0);
	t_start = now();
	t_end = t_start + seconds;
	if (scenario_shift)
		t_shift = seconds / 2;
	pthread_create(&th, NULL, sampler, NULL);
	while (it < MAX_ITERS) {
		double t0 = now(), t1;
		long k;

		if (t0 >= t_end)
			break;
		if (t_shift > 0 && hot_off == 0 && t0 - t_start >= t_shift)
			hot_off = nhot;
		for (k = 0; k < ITER_PAGES; k++) {
			uint64_t r = rnd();
			long pg;

			if (uniform)
				pg = (long)(r % (uint64_t)npages);
			else if ((long)((r >> 40) % 1000) < cold_pm)
				do
					pg = (long)(r % (uint64_t)npages);
				while (ever_hot(pg) && (r = rnd()));
			else
				pg = hot_off + (long)(r % (uint64_t)nhot);
			sink += *(volatile unsigned long *)(buf + pg * PAGE + ((r >> 20) & 511) * 8);
		}
		t1 = now();
		lat[it++] = t1 - t0;
	}
	tput = it * (double)ITER_PAGES / (now() - t_start);
	stop = 1;
	pthread_join(th, NULL);
	getrusage(RUSAGE_SELF, &ru1);
	stall1 = vmstat_sum("allocstall_");
	scan1 = kp_vmstat("pgscan_direct");
	niters = it;

	/* Figures from the samples (ground truth: which pages were hot). */
	{
		double t50 = time_to(0.5, 0, 0), t90 = time_to(0.9, 0, 0), s50 = -1, s90 = -1;
		double steady = 0, from = (t_shift > 0 ? seconds : seconds) * 0.75, prec = -1;
		double peak_rate = 0, prev_t = 0, prev_f = uniform ? 0.5 : 0;
		int ns = 0;
		struct sample *last = nsamples ? &samples[nsamples - 1] : NULL;

		if (t_shift > 0) {
			s50 = time_to(0.5, t_shift, nhot);
			s90 = time_to(0.9, t_shift, nhot);
		}
		for (i = 0; i < nsamples; i++) {
			struct sample *s = &samples[i];
			double hf = s->hot, m, dt = s->t - prev_t;

			if (s->t >= from) {
				steady += s->hot;
				ns++;
			}
			/* Modelled mean access latency at this sample (HMAT 10 vs 40). */
			if (uniform)
				m = hf * LAT_FAST + (1 - hf) * LAT_SLOW;
			else
				m = (1 - cold_pm / 1000.0) * (hf * LAT_FAST + (1 - hf) * LAT_SLOW) +
				    cold_pm / 1000.0 * (s->cold * LAT_FAST + (1 - s->cold) * LAT_SLOW);
			sum_model += m * (dt > 0 ? dt : 0);
			if (dt > 0 && (s->fast - prev_f) / dt > peak_rate)
				peak_rate = (s->fast - prev_f) / dt;
			prev_t = s->t;
			prev_f = s->fast;
		}
		if (last && !uniform) {
			/* Buffer pages on node 0 all got there by promotion (all began on node 1). */
			long on_fast = (long)(last->fast * npages + 0.5);
			long false_p = (long)last->cold_pages_fast;

			if (on_fast > 0)
				prec = (double)(on_fast - false_p) / on_fast;
		}
		qsort(lat, niters, sizeof(*lat), cmp_double);
		printf("KPB result scenario=%s thp=%d iters=%ld tput_mpages_s=%.3f lat_p50_us=%.1f lat_p99_us=%.1f lat_max_us=%.1f "
		       "t50=%.2f t90=%.2f shift_t50=%.2f shift_t90=%.2f steady_hot=%.4f final_hot=%.4f final_cold=%.4f final_fast=%.4f "
		       "precision=%.4f peak_promote_mbps=%.1f model_lat=%.2f app_utime_ms=%ld app_stime_ms=%ld app_minflt=%ld app_nivcsw=%ld samples=%d "
		       "run_allocstall=%ld run_pgscan_direct=%ld\n",
		       scen, thp, niters, tput / 1e6, niters ? lat[niters / 2] * 1e6 : 0,
		       niters ? lat[(long)(niters * 0.99)] * 1e6 : 0, niters ? lat[niters - 1] * 1e6 : 0,
		       t50, t90, s50, s90, ns ? steady / ns : 0, last ? last->hot : 0,
		       last ? last->cold : 0, last ? last->fast : 0, prec,
		       peak_rate * npages * PAGE / 1e6, prev_t > 0 ? sum_model / prev_t : 0,
		       (ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) * 1000L +
			       (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1000,
		       (ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1000L +
			       (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1000,
		       ru1.ru_minflt - ru0.ru_minflt, ru1.ru_nivcsw - ru0.ru_nivcsw, nsamples,
		       stall1 - stall0, scan1 - scan0);
	}
	(void)sink;
	return 0;
}
