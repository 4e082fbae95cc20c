// SPDX-License-Identifier: GPL-2.0
/*
 * Classification (kpromoted/classify.h): the trial rule that confirms a
 * nominee by looking at its accessed bits, and the adaptive threshold.
 * The simulation at the end runs the rule on pages read at known rates and
 * checks it tells a page read every 2 ms from one read once a second.
 */
#include <math.h>
#include <stdlib.h>
#include "tap.h"
#include "kpromoted/classify.h"

static enum kp_verdict run(struct kp_trial *t, const enum kp_look *looks, int n, unsigned int tests)
{
	enum kp_verdict v = KP_VERDICT_WAIT;

	for (int i = 0; i < n && v == KP_VERDICT_WAIT; i++)
		v = kp_trial_step(t, looks[i], tests);
	return v;
}

static void test_rule(void)
{
	const enum kp_look yyyy[] = { KP_LOOK_YOUNG, KP_LOOK_YOUNG, KP_LOOK_YOUNG, KP_LOOK_YOUNG };
	const enum kp_look oyyy[] = { KP_LOOK_OLD, KP_LOOK_YOUNG, KP_LOOK_YOUNG, KP_LOOK_YOUNG };
	const enum kp_look yyoy[] = { KP_LOOK_YOUNG, KP_LOOK_YOUNG, KP_LOOK_OLD, KP_LOOK_YOUNG };
	const enum kp_look busy[] = { KP_LOOK_BUSY, KP_LOOK_BUSY, KP_LOOK_BUSY, KP_LOOK_BUSY,
				      KP_LOOK_BUSY };
	const enum kp_look gone[] = { KP_LOOK_GONE };
	struct kp_trial t = { 0 };

	CHECK(run(&t, yyyy, 4, 3) == KP_VERDICT_HOT && t.young == 3,
	      "unarmed: the first look only arms, then three young looks make it hot");
	t = (struct kp_trial){ 0 };
	CHECK(run(&t, yyyy, 3, 3) == KP_VERDICT_WAIT, "two young looks after arming are not enough for three");
	t = (struct kp_trial){ .armed = 1 };
	CHECK(run(&t, yyyy, 3, 3) == KP_VERDICT_HOT, "armed by the source: the first look counts");
	t = (struct kp_trial){ 0 };
	CHECK(run(&t, oyyy, 4, 3) == KP_VERDICT_HOT, "an old first look of an unarmed nominee says nothing");
	t = (struct kp_trial){ .armed = 1 };
	CHECK(run(&t, oyyy, 4, 3) == KP_VERDICT_COLD, "armed, and old at the first look: cold");
	t = (struct kp_trial){ 0 };
	CHECK(run(&t, yyoy, 4, 3) == KP_VERDICT_COLD, "one old look in the row: cold");
	t = (struct kp_trial){ 0 };
	CHECK(run(&t, busy, 4, 3) == KP_VERDICT_WAIT, "a busy folio is looked at again");
	CHECK(kp_trial_step(&t, KP_LOOK_BUSY, 3) == KP_VERDICT_GONE, "but not forever");
	t = (struct kp_trial){ 0 };
	CHECK(run(&t, gone, 1, 3) == KP_VERDICT_GONE, "a freed or moved page: gone");
	t = (struct kp_trial){ 0 };
	CHECK(kp_trial_step(&t, KP_LOOK_OLD, 0) == KP_VERDICT_HOT, "tests=0: every nominee is hot");
}

static void test_threshold(void)
{
	CHECK(kp_threshold_next(2, 2, 15, 1000, 100) == 3, "more confirmed than the budget: up");
	CHECK(kp_threshold_next(15, 2, 15, 1000, 100) == 15, "never above the ceiling");
	CHECK(kp_threshold_next(5, 2, 15, 10, 100) == 4, "far fewer: back down");
	CHECK(kp_threshold_next(2, 2, 15, 0, 100) == 2, "never below the configured threshold");
	CHECK(kp_threshold_next(5, 2, 15, 100, 100) == 5, "within the band: unchanged");
	CHECK(kp_threshold_next(2, 2, 15, 1, 0) == 3, "no room at all: any confirmation raises it");
}

/* xorshift: deterministic. */
static unsigned long long rng = 88172645463325252ull;
static double uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/* A page read at rate_hz: is it read in a look interval of ms? (Poisson) */
static enum kp_look look_at(double rate_hz, double ms)
{
	return uniform() < 1 - exp(-rate_hz * ms / 1000) ? KP_LOOK_YOUNG : KP_LOOK_OLD;
}

static double confirmed_fraction(double rate_hz, int trials)
{
	int hot = 0;

	for (int i = 0; i < trials; i++) {
		struct kp_trial t = { .armed = 1 };
		enum kp_verdict v = KP_VERDICT_WAIT;

		while (v == KP_VERDICT_WAIT)
			v = kp_trial_step(&t, look_at(rate_hz, 20), 3);
		hot += v == KP_VERDICT_HOT;
	}
	return (double)hot / trials;
}

static void test_tells_rates_apart(void)
{
	double hot = confirmed_fraction(500, 10000), luke = confirmed_fraction(1, 100000);

	CHECK(hot > 0.99, "a page read every 2 ms is confirmed (%.4f)", hot);
	CHECK(luke < 0.0001, "a page read once a second almost never (%.6f)", luke);
	/* 57344 lukewarm pages, each nominated about once a second, for 10 s. */
	CHECK(8192.0 / (8192.0 + 57344 * 10 * luke) > 0.95,
	      "precision over a bench-sized workload stays above 95%% (%.4f)",
	      8192.0 / (8192.0 + 57344 * 10 * luke));
}

int main(void)
{
	test_rule();
	test_threshold();
	test_tells_rates_apart();
	return tap_done("classify");
}
