// SPDX-License-Identifier: GPL-2.0
/* The hotness table (src/core/table.c): the rule, the bucket, concurrency. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "kpromoted/table.h"

#define W 10	/* window in ticks */

static struct kp_table make_table(u32 buckets)
{
	struct kp_table t = { .nr_buckets = buckets, .window_ticks = W, .max_window_ticks = W };

	t.slots = calloc((size_t)buckets * KP_TBL_WAYS, sizeof(u64));
	return t;
}

static enum kp_record_result rec(struct kp_table *t, u64 pfn, u32 now, unsigned int src, int anid)
{
	return kp_table_record(t, pfn, now, src, anid, kp_table_window(t, 0));
}

static struct kp_entry find(struct kp_table *t, u64 pfn)
{
	struct kp_entry e = { 0 };
	u32 i, n = t->nr_buckets * KP_TBL_WAYS;

	for (i = 0; i < n; i++)
		if (t->slots[i] && kp_entry_pfn(t->slots[i]) == pfn)
			kp_entry_unpack(t->slots[i], &e);
	return e;
}

static void test_pack(void)
{
	struct kp_entry e = { .pfn = KP_PFN_MAX, .ts = KP_TS_MASK, .count = 15, .srcs = 9,
			      .anid = KP_ANID_MAX }, o;

	kp_entry_unpack(kp_entry_pack(&e), &o);
	CHECK(o.pfn == e.pfn && o.ts == e.ts && o.count == 15 && o.srcs == 9 && o.anid == KP_ANID_MAX,
	      "pack/unpack round trip at every field's maximum");
	e.anid = -1;
	kp_entry_unpack(kp_entry_pack(&e), &o);
	CHECK(o.anid == -1, "unknown accessing node survives");
	CHECK(kp_ticks_since(2, KP_TS_MASK) == 3, "tick difference across the wrap");
}

static void test_rule(void)
{
	struct kp_table t = make_table(64);
	struct kp_entry e;

	CHECK(rec(&t, 100, 0, 0, 0) == KP_REC_NEW, "first sighting creates an entry");
	e = find(&t, 100);
	CHECK(e.count == 1 && e.anid == 0, "count 1, accessing node kept");
	rec(&t, 100, 5, 0, -1);
	e = find(&t, 100);
	CHECK(e.count == 2 && e.anid == 0, "second sighting within the window counts; unknown node keeps the known one");
	rec(&t, 100, 5 + W + 1, 0, 0);
	e = find(&t, 100);
	CHECK(e.count == 1, "a sighting after more than a window restarts the count (recency)");
	rec(&t, 100, 5 + W + 2, 1, -1);
	e = find(&t, 100);
	CHECK(e.count == 1 && e.srcs == 3, "another source within half a window: merged, not counted");
	rec(&t, 100, 5 + W + 3, 1, -1);
	e = find(&t, 100);
	CHECK(e.count == 2, "the same source again counts");
	for (int i = 0; i < 40; i++)
		rec(&t, 100, 30 + i, 0, -1);
	CHECK(find(&t, 100).count == KP_COUNT_MAX, "count saturates");
	CHECK(rec(&t, 0, 1, 0, 0) == KP_REC_DROPPED, "pfn 0 refused");
	CHECK(rec(&t, KP_PFN_MAX + 1, 1, 0, 0) == KP_REC_DROPPED, "pfn beyond the field refused");
	free(t.slots);
}

static void test_full(void)
{
	struct kp_table t = make_table(1);	/* one bucket of four */
	u64 pfn;

	for (pfn = 1; pfn <= KP_TBL_WAYS; pfn++)
		rec(&t, pfn, 0, 0, 0);
	CHECK(rec(&t, 99, 1, 0, 0) == KP_REC_DROPPED, "full of live entries: dropped, not evicted");
	CHECK(find(&t, 1).count == 1, "live entries untouched by the drop");
	rec(&t, 2, W, 0, 0);
	rec(&t, 3, W, 0, 0);
	rec(&t, 4, W, 0, 0);
	CHECK(rec(&t, 99, W + 2, 0, 0) == KP_REC_EVICTED, "stale entry evicted for a new page");
	CHECK(find(&t, 1).pfn == 0 && find(&t, 99).pfn == 99, "the stale one (pfn 1) went");
	CHECK(kp_table_take(&t, 0, t.slots[0]) && t.slots[0] == 0, "take removes an unchanged entry");
	CHECK(!kp_table_take(&t, 1, t.slots[1] + 1), "take refuses a changed entry");
	free(t.slots);
}

static void test_dispatch_level(void)
{
	u32 h[KP_COUNT_MAX + 1] = { 0 };

	CHECK(kp_dispatch_level(h, 2, 0) == 2, "no candidates: the threshold");
	h[2] = 6000;
	CHECK(kp_dispatch_level(h, 2, 100) == 2, "all at the threshold: never a gate above it");
	h[9] = 1500;
	h[5] = 1000;
	CHECK(kp_dispatch_level(h, 2, 2048) == 9, "room for the 1500 most-sighted only: level 9");
	CHECK(kp_dispatch_level(h, 2, 2500) == 5, "room for 2500: counts 9 and 5");
	CHECK(kp_dispatch_level(h, 2, 10000) == 2, "room for all: everything goes");
	CHECK(kp_dispatch_level(h, 2, 1000) == 9, "too little room even for the top: still the top");
	h[KP_COUNT_MAX] = 5000;
	CHECK(kp_dispatch_level(h, 2, 10) == KP_COUNT_MAX, "saturated counts: the maximum");
	CHECK(kp_dispatch_level(h, 7, 2048) == KP_COUNT_MAX, "never below the threshold either way");
}

static void test_forget(void)
{
	struct kp_table t = make_table(64);

	rec(&t, 5, 0, 0, 0);
	rec(&t, 5, 1, 0, 0);
	rec(&t, 6, 1, 0, 0);
	CHECK(find(&t, 5).count == 2, "two sightings before the idle verdict");
	CHECK(kp_table_forget(&t, 5), "forget finds the entry");
	CHECK(find(&t, 5).pfn == 0 && find(&t, 6).count == 1, "only that page's sightings are gone");
	CHECK(!kp_table_forget(&t, 5) && !kp_table_forget(&t, 77), "nothing to forget: false");
	rec(&t, 5, 2, 0, 0);
	CHECK(find(&t, 5).count == 1, "the next sighting starts the count again");
	free(t.slots);
}

static void test_period_window(void)
{
	struct kp_table t = make_table(64);

	CHECK(kp_table_window(&t, 0) == W, "no period: the configured window");
	CHECK(kp_table_window(&t, 10000) == (20000 >> KP_TICK_SHIFT_MS),
	      "a 10 s scan period widens the window to two periods");
	CHECK(t.max_window_ticks == (20000 >> KP_TICK_SHIFT_MS), "the widest window is remembered");
	CHECK(kp_table_window(&t, 1000000) == KP_WINDOW_MAX_TICKS, "capped at 60 s");
	kp_table_record(&t, 7, 0, 0, 0, kp_table_window(&t, 10000));
	kp_table_record(&t, 7, 300, 0, 0, kp_table_window(&t, 10000));
	CHECK(find(&t, 7).count == 2, "sightings one slow scan apart still count");
	kp_table_record(&t, 8, 0, 0, 0, kp_table_window(&t, 0));
	kp_table_record(&t, 8, 300, 0, 0, kp_table_window(&t, 0));
	CHECK(find(&t, 8).count == 1, "without the period they would not");
	free(t.slots);
}

static void test_regions(void)
{
	unsigned char heat[4] = { 0 };
	struct kp_regions r = { .nr = 1, .span = { { .start_pfn = 1024, .nr = 4, .heat = heat } } };
	struct kp_table t = make_table(1);	/* one bucket of four */
	u64 pfn;
	int i;

	t.regions = &r;
	CHECK(kp_region_of(&r, 1023) == NULL && kp_region_of(&r, 1024 + 4 * 512) == NULL,
	      "pfns outside the span have no region");
	CHECK(kp_region_of(&r, 1024 + 512) == &heat[1], "2 MiB regions");
	for (i = 0; i < 300; i++)
		kp_region_touch(&r, 1024);
	CHECK(heat[0] == 255, "heat saturates");
	CHECK(kp_regions_decay(&r) == 1 && heat[0] == 127, "decay halves and counts warm regions");
	/* Fill the bucket with live entries from the cold region 3. */
	for (pfn = 0; pfn < KP_TBL_WAYS; pfn++)
		kp_table_record(&t, 1024 + 3 * 512 + pfn, 0, 0, 0, W);
	CHECK(kp_table_record(&t, 1024 + 3 * 512 + 100, 1, 0, 0, W) == KP_REC_DROPPED,
	      "a page from an equally cold region is dropped");
	CHECK(kp_table_record(&t, 1024 + 5, 1, 0, 0, W) == KP_REC_EVICTED,
	      "a page from a hot region takes a live slot of the cold one");
	CHECK(find(&t, 1024 + 5).count == 1, "and is tracked");
	free(t.slots);
}

static void test_budget(void)
{
	u64 gib_pages = 262144;
	u32 b = kp_table_buckets_for(gib_pages);

	u64 fixed = (u64)kp_table_buckets_for(0) * KP_TBL_WAYS * 8;

	CHECK(fixed < 1024 * 1024 && fixed >= 256 * 1024, "fixed part under 1 MiB (%llu bytes)",
	      (unsigned long long)fixed);
	CHECK((u64)b * KP_TBL_WAYS * 8 <= 64 * 1024 + fixed,
	      "table for 1 GiB of slow memory within 64 KiB + the fixed part (%u bytes)", b * KP_TBL_WAYS * 8);
	CHECK((u64)kp_table_buckets_for(gib_pages * 1024) * KP_TBL_WAYS * 8 <= 64ull * 1024 * 1024 + fixed,
	      "1 TiB within 64 MiB + the fixed part");
	CHECK((u64)kp_table_buckets_for(gib_pages) * KP_TBL_WAYS >= gib_pages / 36,
	      "at least one entry per 36 slow pages");
}

/* Concurrency: many threads record overlapping pfns; nothing lost silently. */
struct worker_arg { struct kp_table *t; int id; unsigned long recorded, dropped; };

static void *worker(void *p)
{
	struct worker_arg *a = p;

	for (int round = 0; round < 2000; round++)
		for (u64 pfn = 1; pfn <= 64; pfn++) {
			enum kp_record_result r = rec(a->t, pfn, round / 100, a->id & 1, a->id);

			a->recorded++;
			a->dropped += r == KP_REC_DROPPED;
		}
	return NULL;
}

static void test_concurrency(void)
{
	struct kp_table t = make_table(64);
	struct worker_arg args[8];
	pthread_t th[8];
	unsigned long dropped = 0, dup = 0;
	u32 i, j, n = t.nr_buckets * KP_TBL_WAYS;

	for (i = 0; i < 8; i++) {
		args[i] = (struct worker_arg){ .t = &t, .id = (int)i };
		pthread_create(&th[i], NULL, worker, &args[i]);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		dropped += args[i].dropped;
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			dup += t.slots[i] && kp_entry_pfn(t.slots[i]) == kp_entry_pfn(t.slots[j]);
	for (u64 pfn = 1; pfn <= 64; pfn++)
		CHECK(find(&t, pfn).pfn == pfn && find(&t, pfn).count >= 1, "pfn %llu present after the storm",
		      (unsigned long long)pfn);
	CHECK(dropped * 100 < 8 * 2000 * 64, "drops under contention stay rare (%lu)", dropped);
	CHECK(dup <= 4, "duplicate entries from racing inserts stay rare (%lu)", dup);
	free(t.slots);
}

int main(void)
{
	test_pack();
	test_rule();
	test_full();
	test_budget();
	test_period_window();
	test_forget();
	test_dispatch_level();
	test_regions();
	test_concurrency();
	return tap_done("table");
}
