// SPDX-License-Identifier: GPL-2.0
/*
 * The hotness table (src/core/table.c): heat from weighted evidence, decay,
 * one access seen by two sources, nomination once, eviction by heat, the
 * bucket under concurrency, the memory budget.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "kpromoted/table.h"

#define HL 32			/* half-life in ticks (~1 s) */
#define U KP_HEAT_UNIT
#define NOM (2 * U)		/* the default threshold */

static struct kp_table make_table(u32 buckets)
{
	struct kp_table t = { .nr_buckets = buckets, .half_life = HL, .nominate_heat = NOM };

	t.slots = calloc((size_t)buckets * KP_TBL_WAYS, sizeof(u64));
	return t;
}

static enum kp_record_result rec(struct kp_table *t, u64 pfn, u32 now, unsigned int src,
				 u32 weight)
{
	return kp_table_record(t, pfn, now, src, weight, KP_NID_UNKNOWN_T, NULL);
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
	struct kp_entry e = { .pfn = KP_PFN_MAX, .ts = KP_TS_MASK, .heat = KP_HEAT_MAX, .src = 3,
			      .nom = true, .anid = KP_ANID_MAX }, o;

	kp_entry_unpack(kp_entry_pack(&e), &o);
	CHECK(o.pfn == e.pfn && o.ts == e.ts && o.heat == KP_HEAT_MAX && o.src == 3 && o.nom &&
	      o.anid == KP_ANID_MAX, "pack/unpack round trip at every field's maximum");
	e.anid = -1;
	e.nom = false;
	kp_entry_unpack(kp_entry_pack(&e), &o);
	CHECK(o.anid == -1 && !o.nom, "unknown accessing node and a clear nomination survive");
	CHECK(kp_ticks_since(2, KP_TS_MASK) == 3, "tick difference across the wrap");
}

static void test_decay(void)
{
	CHECK(kp_heat_decay(40, 0, HL) == 40, "no time, no decay");
	CHECK(kp_heat_decay(40, HL, HL) == 20, "one half-life halves the heat");
	CHECK(kp_heat_decay(40, 2 * HL, HL) == 10, "two half-lives quarter it");
	CHECK(kp_heat_decay(40, HL / 2, HL) >= 28 && kp_heat_decay(40, HL / 2, HL) <= 29,
	      "half a half-life: 1/sqrt(2) of it (%u)", kp_heat_decay(40, HL / 2, HL));
	CHECK(kp_heat_decay(60, HL / 8, HL) >= 54 && kp_heat_decay(60, HL / 8, HL) <= 56,
	      "an eighth of a half-life: 2^-1/8 of it, not the 1 - x/2 of a straight line (%u)",
	      kp_heat_decay(60, HL / 8, HL));
	CHECK(kp_heat_decay(KP_HEAT_MAX, 8 * HL, HL) == 0, "eight half-lives: nothing left");
	for (u32 g = 0; g < 6 * HL; g++)
		if (kp_heat_decay(50, g + 1, HL) > kp_heat_decay(50, g, HL)) {
			CHECK(0, "decay never rises with time (gap %u)", g);
			return;
		}
	CHECK(1, "decay never rises with time");
}

/*
 * The heart of it: a page with evidence in every pass ends far hotter than
 * one seen in one pass of five, and only the first is nominated.
 */
static void test_frequency(void)
{
	struct kp_table t = make_table(64);
	int pass, nominated_every = 0, nominated_rare = 0;
	const u32 period = 12;	/* 400 ms passes */

	for (pass = 0; pass < 20; pass++) {
		u32 now = (u32)pass * period;

		nominated_every += rec(&t, 10, now, KP_SRC_MGLRU, U / 2) == KP_REC_NOMINATE;
		if (pass % 5 == 0)
			nominated_rare += rec(&t, 20, now, KP_SRC_MGLRU, U / 2) == KP_REC_NOMINATE;
	}
	CHECK(nominated_every == 1, "seen in every pass: nominated, once (%d)", nominated_every);
	CHECK(nominated_rare == 0, "seen in one pass of five: never nominated (%d)", nominated_rare);
	CHECK(find(&t, 10).heat >= 3 * find(&t, 20).heat,
	      "heat tells them apart (%u vs %u)", find(&t, 10).heat, find(&t, 20).heat);
	free(t.slots);
}

/* Frequent evidence must not escape the decay by rounding: owed decay accumulates. */
static void test_decay_not_rounded_away(void)
{
	struct kp_table t = make_table(64);
	u32 now;

	t.nominate_heat = KP_HEAT_MAX + 1;
	/* One unit every 3 ticks for 10 half-lives: steady state 1 / (1 - 2^(-3/32)) ~ 16. */
	for (now = 0; now < 10 * HL; now += 3)
		rec(&t, 30, now, KP_SRC_MGLRU, 1);
	CHECK(find(&t, 30).heat >= 13 && find(&t, 30).heat <= 19,
	      "a unit every 3 ticks settles near its steady state (%u)", find(&t, 30).heat);
	/* One unit every 12 ticks: 1 / (1 - 2^(-12/32)) ~ 4.4. */
	for (now = 0; now < 10 * HL; now += 3)
		if ((now / 3) % 4 == 0)
			rec(&t, 31, now, KP_SRC_MGLRU, 1);
	CHECK(find(&t, 31).heat <= 5, "a quarter of the evidence, about a quarter of the heat (%u)",
	      find(&t, 31).heat);
	free(t.slots);
}

static void test_rule(void)
{
	struct kp_table t = make_table(64);
	struct kp_record_out out;

	CHECK(rec(&t, 100, 0, KP_SRC_HINTFAULT, U) == KP_REC_NEW, "first evidence creates an entry");
	CHECK(find(&t, 100).heat == U && !find(&t, 100).nom, "its weight is its heat, below the threshold");
	CHECK(kp_table_record(&t, 100, 4, KP_SRC_HINTFAULT, U, 1, &out) == KP_REC_NOMINATE,
	      "more evidence soon after: nominated");
	CHECK(out.pfn == 100 && out.anid == 1 && out.heat >= NOM - 1, "the caller learns pfn, node, heat");
	CHECK(rec(&t, 100, 5, KP_SRC_HINTFAULT, U) == KP_REC_COUNTED && find(&t, 100).nom,
	      "a nominee is not nominated again while on trial");
	CHECK(kp_table_unnominate(&t, 100) && !find(&t, 100).nom && find(&t, 100).heat > 0,
	      "a refused nomination keeps the heat");
	CHECK(rec(&t, 100, 6, KP_SRC_HINTFAULT, U) == KP_REC_NOMINATE, "and the next evidence nominates again");
	CHECK(find(&t, 100).anid == 1, "unknown node evidence keeps the known accessing node");
	for (int i = 0; i < 40; i++)
		rec(&t, 101, (u32)i, KP_SRC_HINTFAULT, 2 * U);
	CHECK(find(&t, 101).heat == KP_HEAT_MAX, "heat saturates");
	CHECK(rec(&t, 0, 1, 0, U) == KP_REC_DROPPED, "pfn 0 refused");
	CHECK(rec(&t, KP_PFN_MAX + 1, 1, 0, U) == KP_REC_DROPPED, "pfn beyond the field refused");
	CHECK(rec(&t, 102, 1, 0, 0) == KP_REC_DROPPED, "evidence worth nothing is not recorded");
	free(t.slots);
}

static void test_two_sources_one_access(void)
{
	struct kp_table t = make_table(64);

	t.nominate_heat = KP_HEAT_MAX;
	rec(&t, 7, 100, KP_SRC_HINTFAULT, U);
	CHECK(rec(&t, 7, 100 + KP_MERGE_TICKS, KP_SRC_MGLRU, U) == KP_REC_MERGED,
	      "another source right after: merged");
	CHECK(find(&t, 7).heat == U, "one access seen by two sources counts once (%u)", find(&t, 7).heat);
	rec(&t, 8, 100, KP_SRC_IBS, U);
	rec(&t, 8, 100, KP_SRC_IBS, U);
	CHECK(find(&t, 8).heat == 2 * U, "the same source twice: two accesses (samples)");
	rec(&t, 9, 100, KP_SRC_HINTFAULT, U);
	CHECK(rec(&t, 9, 100 + KP_MERGE_TICKS + 1, KP_SRC_MGLRU, U) == KP_REC_COUNTED,
	      "another source later: another access");
	free(t.slots);
}

static void test_decay_moves_the_hot_set(void)
{
	struct kp_table t = make_table(64);
	u32 now;

	t.nominate_heat = KP_HEAT_MAX + 1;	/* watch heat only */
	for (now = 0; now < 100; now += 4)
		rec(&t, 1, now, KP_SRC_HINTFAULT, U);	/* the old hot page */
	for (now = 100; now < 200; now += 4)
		rec(&t, 2, now, KP_SRC_HINTFAULT, U);	/* the new one */
	rec(&t, 1, 200, KP_SRC_HINTFAULT, 1);
	CHECK(find(&t, 2).heat > 4 * find(&t, 1).heat,
	      "three half-lives after its last use the old hot page is cold (%u vs %u)",
	      find(&t, 1).heat, find(&t, 2).heat);
	free(t.slots);
}

static void test_eviction_by_heat(void)
{
	struct kp_table t = make_table(1);	/* one bucket of four */
	u64 pfn;

	t.nominate_heat = KP_HEAT_MAX + 1;
	for (pfn = 1; pfn <= KP_TBL_WAYS; pfn++)
		rec(&t, pfn, 0, KP_SRC_HINTFAULT, 4 * U);
	rec(&t, 3, 0, KP_SRC_HINTFAULT, 4 * U);
	CHECK(rec(&t, 99, 1, KP_SRC_HINTFAULT, U) == KP_REC_DROPPED,
	      "full of hotter entries: a weak newcomer is dropped");
	CHECK(find(&t, 1).heat == 4 * U, "the entries are untouched by the drop");
	CHECK(rec(&t, 99, 3 * HL, KP_SRC_HINTFAULT, 2 * U) == KP_REC_EVICTED,
	      "once they cooled, a newcomer hotter than the coldest takes its place");
	CHECK(find(&t, 3).pfn == 3, "the hottest stays");
	CHECK(find(&t, 99).pfn == 99, "and the newcomer is tracked");
	free(t.slots);
}

static void test_nominee_not_evicted(void)
{
	struct kp_table t = make_table(1);
	u64 pfn;

	for (pfn = 1; pfn <= KP_TBL_WAYS; pfn++)
		rec(&t, pfn, 0, KP_SRC_HINTFAULT, NOM);	/* all nominated */
	CHECK(rec(&t, 99, 6 * HL, KP_SRC_HINTFAULT, KP_HEAT_MAX) == KP_REC_DROPPED,
	      "entries on trial keep their slot until their verdict");
	free(t.slots);
}

static void test_forget(void)
{
	struct kp_table t = make_table(64);

	rec(&t, 5, 0, 0, U);
	rec(&t, 6, 1, 0, U);
	CHECK(kp_table_forget(&t, 5), "forget finds the entry");
	CHECK(find(&t, 5).pfn == 0 && find(&t, 6).heat == U, "only that page's evidence is gone");
	CHECK(!kp_table_forget(&t, 5) && !kp_table_forget(&t, 77), "nothing to forget: false");
	CHECK(rec(&t, 5, 2, 0, U) == KP_REC_NEW, "the next evidence starts afresh");
	free(t.slots);
}

static void test_expire(void)
{
	struct kp_table t = make_table(16);
	u32 cursor = 0, live;

	rec(&t, 1, 0, 0, U);
	rec(&t, 2, 0, 0, NOM);			/* nominated */
	rec(&t, 3, 9 * HL, 0, U);
	live = kp_table_expire(&t, &cursor, 16 * KP_TBL_WAYS, 9 * HL, 8 * HL);
	CHECK(find(&t, 1).pfn == 0, "an entry whose heat decayed to nothing expires");
	CHECK(find(&t, 3).pfn == 3, "a fresh one stays");
	CHECK(find(&t, 2).pfn == 0, "a nominee older than the staleness bound goes too");
	CHECK(live == 1 && cursor == 0, "live entries counted, the cursor wrapped (%u)", live);
	rec(&t, 4, 9 * HL, 0, NOM);
	kp_table_expire(&t, &cursor, 16 * KP_TBL_WAYS, 9 * HL + 1, 8 * HL);
	CHECK(find(&t, 4).pfn == 4, "a fresh nominee waits for its verdict");
	free(t.slots);
}

static void test_regions(void)
{
	unsigned char heat[4] = { 0 };
	struct kp_regions r = { .nr = 1, .span = { { .start_pfn = 1024, .nr = 4, .heat = heat } } };
	int i;

	CHECK(kp_region_of(&r, 1023) == NULL && kp_region_of(&r, 1024 + 4 * 512) == NULL,
	      "pfns outside the span have no region");
	CHECK(kp_region_of(&r, 1024 + 512) == &heat[1], "2 MiB regions");
	for (i = 0; i < 300; i++)
		kp_region_touch(&r, 1024);
	CHECK(heat[0] == 255 && kp_region_heat(&r, 1024) == 255, "region heat saturates");
	CHECK(kp_regions_decay(&r) == 1 && heat[0] == 127, "decay halves and counts warm regions");
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
struct worker_arg { struct kp_table *t; int id; unsigned long recorded, dropped, nominated; };

static void *worker(void *p)
{
	struct worker_arg *a = p;

	for (int round = 0; round < 2000; round++)
		for (u64 pfn = 1; pfn <= 64; pfn++) {
			enum kp_record_result r = kp_table_record(a->t, pfn, (u32)round / 100,
								  (unsigned int)a->id & 1, 1, a->id, NULL);

			a->recorded++;
			a->dropped += r == KP_REC_DROPPED;
			a->nominated += r == KP_REC_NOMINATE;
		}
	return NULL;
}

static void test_concurrency(void)
{
	struct kp_table t = make_table(64);
	struct worker_arg args[8];
	pthread_t th[8];
	unsigned long dropped = 0, dup = 0, nominated = 0;
	u32 i, j, n = t.nr_buckets * KP_TBL_WAYS;

	for (i = 0; i < 8; i++) {
		args[i] = (struct worker_arg){ .t = &t, .id = (int)i };
		pthread_create(&th[i], NULL, worker, &args[i]);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		dropped += args[i].dropped;
		nominated += args[i].nominated;
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			dup += t.slots[i] && kp_entry_pfn(t.slots[i]) == kp_entry_pfn(t.slots[j]);
	for (u64 pfn = 1; pfn <= 64; pfn++)
		CHECK(find(&t, pfn).pfn == pfn && find(&t, pfn).nom, "pfn %llu present and nominated after the storm",
		      (unsigned long long)pfn);
	CHECK(nominated >= 64 && nominated <= 64 + dup, "each page nominated once, whatever the race (%lu)",
	      nominated);
	CHECK(dropped * 100 < 8 * 2000 * 64, "drops under contention stay rare (%lu)", dropped);
	CHECK(dup <= 4, "duplicate entries from racing inserts stay rare (%lu)", dup);
	free(t.slots);
}

int main(void)
{
	test_pack();
	test_decay();
	test_frequency();
	test_decay_not_rounded_away();
	test_rule();
	test_two_sources_one_access();
	test_decay_moves_the_hot_set();
	test_eviction_by_heat();
	test_nominee_not_evicted();
	test_forget();
	test_expire();
	test_regions();
	test_budget();
	test_concurrency();
	return tap_done("table");
}
