// SPDX-License-Identifier: GPL-2.0
/*
 * Host microbenchmark of the record path: kp_table_record() from
 * src/core/table.c, the code every source runs per sighting. Not a test
 * (nothing checks the figures); `make bench` prints it.
 *
 *   bench_record [seconds-per-case]
 *
 * Table sized as the module sizes it for 1 GiB of slow memory
 * (kp_table_buckets_for); pfns drawn from that GiB with a fixed-seed
 * xorshift; a tick advances every 64 Ki records. Cases: 1 thread and 2
 * threads on the same table (CAS contention), each on a hot set that fits
 * the table (8192 pfns) and on uniform pfns over the whole GiB.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "kpromoted/table.h"

#define SLOW_PAGES (1ull << 18)	/* 1 GiB of 4 KiB pages */
#define BATCH 4096

static struct kp_table tbl;
static double secs = 1.0;
static u64 span;

struct worker {
	pthread_t th;
	u64 seed, done;
	double ns;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	u64 x = w->seed, n = 0, pfns[BATCH];
	double t0 = now(), t = t0;
	int i;

	while (t - t0 < secs) {
		for (i = 0; i < BATCH; i++) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			pfns[i] = 0x40000 + (x * 0x2545F4914F6CDD1DULL) % span;
		}
		for (i = 0; i < BATCH; i++)
			kp_table_record(&tbl, pfns[i], (u32)(n + i) >> 16, 0, KP_HEAT_UNIT, 0, NULL);
		n += BATCH;
		t = now();
	}
	w->done = n;
	w->ns = (t - t0) * 1e9;
	return NULL;
}

/* Time of the pfn generation alone, subtracted from the figures. */
static double gen_ns_per_rec(void)
{
	u64 x = 7, pfns[BATCH], n = 0, sink = 0;
	double t0 = now();
	int i;

	while (n < (1u << 24)) {
		for (i = 0; i < BATCH; i++) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			pfns[i] = 0x40000 + (x * 0x2545F4914F6CDD1DULL) % span;
		}
		for (i = 0; i < BATCH; i++)
			sink += *(volatile u64 *)&pfns[i];
		n += BATCH;
	}
	if (sink == 1)
		puts("");
	return (now() - t0) * 1e9 / n;
}

static void one_case(const char *name, int threads, u64 pfn_span)
{
	struct worker w[2] = { { .seed = 88172645463325252ull }, { .seed = 1234567891011ull } };
	double ns_per = 0, gen;
	u64 total = 0;
	int i;

	span = pfn_span;
	for (i = 0; i < (int)(tbl.nr_buckets * KP_TBL_WAYS); i++)
		tbl.slots[i] = 0;
	gen = gen_ns_per_rec();
	for (i = 0; i < threads; i++)
		pthread_create(&w[i].th, NULL, run, &w[i]);
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].th, NULL);
		total += w[i].done;
		ns_per += w[i].ns / w[i].done;
	}
	ns_per = ns_per / threads - gen;
	printf("record_path case=%s threads=%d ns_per_record=%.1f records_per_s_per_core=%.0f records_per_s_total=%.0f (pfn generation %.1f ns/record subtracted)\n",
	       name, threads, ns_per, 1e9 / ns_per, threads * 1e9 / ns_per, gen);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		secs = atof(argv[1]);
	tbl.nr_buckets = kp_table_buckets_for(SLOW_PAGES);
	tbl.half_life = 1000 >> KP_TICK_SHIFT_MS;
	tbl.nominate_heat = 2 * KP_HEAT_UNIT;
	tbl.slots = calloc((size_t)tbl.nr_buckets * KP_TBL_WAYS, sizeof(u64));
	if (!tbl.slots)
		return 1;
	printf("record_path table_bytes=%zu buckets=%u (sized for 1 GiB of slow memory)\n",
	       (size_t)tbl.nr_buckets * KP_TBL_WAYS * sizeof(u64), tbl.nr_buckets);
	one_case("hotset-8192", 1, 8192);
	one_case("hotset-8192", 2, 8192);
	one_case("uniform-1GiB", 1, SLOW_PAGES);
	one_case("uniform-1GiB", 2, SLOW_PAGES);
	return 0;
}
