// SPDX-License-Identifier: GPL-2.0
/*
 * How long a page must go unused to be demoted for room (kpromoted/idle.h):
 * longer at once when demoted pages come back hot, shorter again only after
 * a long calm, never beyond its bounds, and steady in between.
 */
#include "tap.h"
#include "kpromoted/idle.h"

/* The shift after one step from {shift, quiet} with these counts. */
static u32 step(u32 shift, u32 quiet, u64 demoted, u64 repromoted, bool over)
{
	struct kp_idle s = { shift, quiet };

	kp_idle_step(&s, demoted, repromoted, over);
	return s.shift;
}

static void test_returns_lengthen_it_at_once(void)
{
	struct kp_idle s = { 0, 5 };

	CHECK(kp_idle_step(&s, 834, 57, false) && s.shift == 1 && !s.quiet,
	      "57 of 834 demoted came back: idle doubles mid-period, the calm starts over");
	CHECK(step(0, 0, 0, 2, false) == 1, "returns with nothing demoted this period: doubles");
	CHECK(step(KP_IDLE_MAX_SHIFT, 0, 834, 57, true) == KP_IDLE_MAX_SHIFT,
	      "never beyond %u x the start", 1u << KP_IDLE_MAX_SHIFT);
	CHECK(step(KP_IDLE_MAX_SHIFT + 2, 0, 10, 10, true) == KP_IDLE_MAX_SHIFT,
	      "an out-of-range shift comes back within bounds");
	CHECK(step(0, 0, (u64)-1, (u64)-1 / 32, false) == 1, "no overflow at the counters' ends");
}

static void test_noise_and_quiet_leave_it(void)
{
	struct kp_idle s = { 2, 3 };

	CHECK(!kp_idle_step(&s, 512, 0, false) && s.shift == 2 && s.quiet == 3,
	      "mid-period without enough returns: no change, the period goes on");
	CHECK(step(2, 0, 0, 0, true) == 2, "nothing demoted, nothing back: no evidence, no change");
	CHECK(step(0, 0, 0, 1, true) == 0, "a single return is noise");
	CHECK(step(1, 0, 6400, 100, true) == 1, "one in 64 returns: in the hysteresis gap");
	CHECK(step(1, 0, 6400, 101, true) == 2, "more than one in 64: doubles");
	s = (struct kp_idle){ 2, KP_IDLE_CALM - 1 };
	CHECK(kp_idle_step(&s, 6400, 1, true) && s.shift == 2 && !s.quiet,
	      "one return holds it where it is and starts the calm over");
	s = (struct kp_idle){ 2, 4 };
	kp_idle_step(&s, 0, 0, true);
	CHECK(s.quiet == 4, "a period without demotions neither counts toward the calm nor breaks it");
}

static void test_long_calm_shortens_it(void)
{
	struct kp_idle s = { KP_IDLE_MAX_SHIFT, 0 };
	u32 periods = 0, i;

	for (i = 0; i < KP_IDLE_CALM - 1; i++)
		kp_idle_step(&s, 512, 0, true);
	CHECK(s.shift == KP_IDLE_MAX_SHIFT, "%u quiet periods are not yet a calm", KP_IDLE_CALM - 1);
	CHECK(step(0, KP_IDLE_CALM, 4096, 0, true) == 0, "never below the start");
	s = (struct kp_idle){ KP_IDLE_MAX_SHIFT, 0 };
	while (s.shift && periods < 1000) {
		kp_idle_step(&s, 512, 0, true);
		periods++;
	}
	CHECK(periods == KP_IDLE_MAX_SHIFT * KP_IDLE_CALM, "back to the start in %u quiet periods",
	      periods);
}

/* Rests longer than idle: returns, doubling, then no return at the longer idle. */
static void test_bursts_do_not_make_it_hunt(void)
{
	struct kp_idle s = { 0, 0 };
	u32 p;

	kp_idle_step(&s, 2048, 821, false);
	for (p = 0; p < KP_IDLE_CALM - 1; p++)
		kp_idle_step(&s, 300, 0, true);
	CHECK(s.shift == 1, "after the returns stop, idle stays doubled for %u periods", p);
}

int main(void)
{
	test_returns_lengthen_it_at_once();
	test_noise_and_quiet_leave_it();
	test_long_calm_shortens_it();
	test_bursts_do_not_make_it_hunt();
	return tap_done("idle");
}
