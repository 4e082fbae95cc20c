// SPDX-License-Identifier: GPL-2.0
/*
 * Hotness is frequency: pages read continuously are promoted, pages read
 * about once a second (lukewarm) are not, with the default sources and with
 * each source alone. Then the hot part moves: the new one reaches node 0,
 * the old one stops gaining. Placement is read with move_pages(2).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kp_test_util.h"
#include "kp_workload.h"

#define PAGES 16384	/* 64 MiB on node 1 */
#define HOT 2048	/* 8 MiB read continuously */
#define SHIFTED 8192	/* where the hot part moves in the second phase */

FIXTURE(frequency) {
	struct kp_topology topo;
	struct kp_buf b;
	char params[192];
	char numab_before[KP_VAL_SIZE], lru_gen_before[KP_VAL_SIZE];
	const char *skip;
};

FIXTURE_VARIANT(frequency) {
	const char *sources;	/* module parameters naming the sources */
	bool needs_mglru;
};

FIXTURE_VARIANT_ADD(frequency, default_sources) { .sources = "" };
FIXTURE_VARIANT_ADD(frequency, hintfault_alone) { .sources = "sources=hintfault" };
FIXTURE_VARIANT_ADD(frequency, mglru_alone) {
	.sources = "sources=mglru lru_gen=enable numa_balancing=keep", .needs_mglru = true,
};

FIXTURE_SETUP(frequency)
{
	unsigned int scale = kp_time_scale();
	size_t len;

	self->skip = kp_two_tier_ready(&self->topo, self->params, sizeof(self->params));
	if (self->skip)
		return;
	/*
	 * The time constants of frequency, on a kernel slower than stock: a
	 * hint fault's latency after its scan and the spacing of the looks
	 * both measure how soon the application comes back to a page, and
	 * the application comes back as much later as its faults are slower.
	 * The lukewarm pages are then read less often (lukewarm_period()):
	 * hint_latency_ms at 1000 would count a page read once a second as
	 * prompt on every scan (debug kernel: 1379 of 12288 lukewarm pages
	 * promoted in the second phase).
	 */
	len = strlen(self->params);
	if (scale > 1)
		snprintf(self->params + len, sizeof(self->params) - len,
			 " hint_latency_ms=%u confirm_ms=%u", 100 * scale, 20 * scale);
	if (variant->needs_mglru && !kp_exists(KP_LRU_GEN)) {
		self->skip = "kernel without MGLRU";
		return;
	}
	ASSERT_EQ(0, kp_ensure_unloaded());
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, self->numab_before,
				   sizeof(self->numab_before)));
	kp_read_value(KP_LRU_GEN, self->lru_gen_before, sizeof(self->lru_gen_before));
	if (variant->needs_mglru)
		/* MGLRU alone: no hint fault may help. */
		ASSERT_EQ(0, kp_write_file(KP_NUMA_BALANCING, "0"));
	ASSERT_EQ(0, kp_buf_make(&self->b, PAGES, HOT, 1, false));
	ASSERT_EQ(PAGES, kp_pages_on_node(self->b.p, PAGES, 1));
}

FIXTURE_TEARDOWN(frequency)
{
	if (self->skip)
		return;
	kp_ensure_unloaded();
	kp_write_file(KP_NUMA_BALANCING, self->numab_before);
	if (self->lru_gen_before[0])
		kp_write_file(KP_LRU_GEN, self->lru_gen_before);
	kp_buf_free(&self->b);
}

/*
 * Seconds between two reads of a lukewarm page: 1, and on a kernel slower
 * than stock half the factor (5 s on the debug kernel), so that it stays
 * several times the scaled hint_latency_ms.
 */
static double lukewarm_period(void)
{
	return kp_time_scale() > 1 ? kp_time_scale() / 2.0 : 1.0;
}

/* Pages on node 0 among the lukewarm ones (all but [hot_from, +HOT) and, if given, [also, +HOT)). */
static long lukewarm_on0(struct kp_buf *b, long hot_from)
{
	return kp_pages_on_node(b->p, PAGES, 0) -
	       kp_pages_on_node(b->p + hot_from * KP_PAGE, HOT, 0);
}

TEST_F_TIMEOUT(frequency, hot_promoted_lukewarm_stays_then_the_hot_set_moves, 300)
{
	long hot_on0, luke_on0, old_on0_at_shift, old_on0_end, new_on0, luke2_on0;
	long luke = PAGES - HOT;

	KP_TWO_TIER_READY();
	ASSERT_EQ(0, kp_loadf("%s %s", self->params, variant->sources));

	/* Phase 1: the first 8 MiB hot, the other 56 MiB read once a second. */
	hot_on0 = kp_run_lukewarm_every(&self->b, 0, HOT * 95 / 100, 90, lukewarm_period());
	/* Lukewarm pages keep being read a while after the hot set arrived. */
	kp_run_lukewarm_every(&self->b, 0, HOT + 1, 5, lukewarm_period());
	luke_on0 = lukewarm_on0(&self->b, 0);
	TH_LOG("phase 1: hot on node 0 %ld/%d, lukewarm on node 0 %ld/%ld; records hintfault %lu (late %lu), mglru %lu; nominated %lu, confirmed %lu, cold %lu, promoted %lu",
	       hot_on0, HOT, luke_on0, luke, kp_stat("records_hintfault"), kp_stat("records_late"),
	       kp_stat("records_mglru"), kp_stat("nominated"), kp_stat("confirm_hot"),
	       kp_stat("confirm_cold"), kp_stat("promoted_pages"));
	EXPECT_GE(hot_on0 * 100, HOT * 90);
	EXPECT_LE(luke_on0 * 100, luke * 10);

	/* Phase 2: the hot part moves to a part that was lukewarm. */
	old_on0_at_shift = kp_pages_on_node(self->b.p, HOT, 0);
	new_on0 = kp_run_lukewarm_every(&self->b, SHIFTED, HOT * 95 / 100, 90, lukewarm_period());
	kp_run_lukewarm_every(&self->b, SHIFTED, HOT + 1, 5, lukewarm_period());
	old_on0_end = kp_pages_on_node(self->b.p, HOT, 0);
	luke2_on0 = lukewarm_on0(&self->b, SHIFTED) - old_on0_end;
	TH_LOG("phase 2: new hot on node 0 %ld/%d, old hot on node 0 %ld -> %ld, other lukewarm on node 0 %ld",
	       new_on0, HOT, old_on0_at_shift, old_on0_end, luke2_on0);
	EXPECT_GE(new_on0 * 100, HOT * 90);
	/* The old hot part, lukewarm now, gains at most what lukewarm pages may. */
	EXPECT_LE((old_on0_end - old_on0_at_shift) * 100, (HOT - old_on0_at_shift) * 10 + HOT / 100);
	EXPECT_LE(luke2_on0 * 100, (luke - HOT) * 10);
	if (variant->needs_mglru)
		EXPECT_EQ(0, kp_stat("records_hintfault"));
	ASSERT_EQ(0, kp_unload());
}

TEST_HARNESS_MAIN
