/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Classification: nominate, then confirm.
 *
 * The sources are coarse. A young bit of an MGLRU pass says "used at least
 * once in the last few hundred ms", which a page read once a second is as
 * surely as one read every 2 ms; a hint fault says "used within L ms of its
 * scan" once per scan pass. The table turns that evidence into heat and
 * nominates a page whose heat reaches the threshold. A nominee is then
 * confirmed by a targeted check of that page alone: its accessed bits are
 * cleared and looked at again, confirm_ms later, confirm_tests times. A
 * page read every 2 ms is found young every time; one read once a second
 * almost never twice in a row. Only confirmed pages reach the workers.
 *
 * The trial rule below is pure (host unit tests).
 */
#ifndef KPROMOTED_CLASSIFY_H
#define KPROMOTED_CLASSIFY_H

#include "kpromoted/policy.h"

/* What one look at a nominee's accessed bits found. */
enum kp_look {
	KP_LOOK_OLD,		/* not accessed since the last look */
	KP_LOOK_YOUNG,		/* accessed since the last look */
	KP_LOOK_BUSY,		/* could not look now (lock contended): try again */
	KP_LOOK_GONE,		/* not a mapped folio of the tier looked at (any more) */
};

enum kp_verdict {
	KP_VERDICT_WAIT,	/* look again next round */
	KP_VERDICT_HOT,
	KP_VERDICT_COLD,
	KP_VERDICT_GONE,
};

/* A nominee on trial. */
struct kp_trial {
	u64 pfn;
	int anid;
	unsigned char armed;	/* accessed bits known clear since the last look */
	unsigned char young;	/* young looks so far */
	unsigned char busy;	/* looks that could not be made */
	unsigned char hot;	/* confirmed, waiting for room in a worker's queue */
	u32 hot_at;		/* when confirmed (kp_room_stamp()): the frame's page then */
};

#define KP_TRIAL_BUSY_MAX 4

/*
 * The rule: the first look of a nominee whose bits were not known clear
 * only clears them; after that every look must find the page young, and
 * `tests` young looks in a row make it hot. One old look makes it cold.
 */
static inline enum kp_verdict kp_trial_step(struct kp_trial *t, enum kp_look look,
					    unsigned int tests)
{
	switch (look) {
	case KP_LOOK_GONE:
		return KP_VERDICT_GONE;
	case KP_LOOK_BUSY:
		return ++t->busy > KP_TRIAL_BUSY_MAX ? KP_VERDICT_GONE : KP_VERDICT_WAIT;
	case KP_LOOK_OLD:
		if (!t->armed) {
			t->armed = 1;
			return tests ? KP_VERDICT_WAIT : KP_VERDICT_HOT;
		}
		return KP_VERDICT_COLD;
	case KP_LOOK_YOUNG:
		if (!t->armed) {
			t->armed = 1;
			return tests ? KP_VERDICT_WAIT : KP_VERDICT_HOT;
		}
		return ++t->young >= tests ? KP_VERDICT_HOT : KP_VERDICT_WAIT;
	}
	return KP_VERDICT_GONE;
}

/*
 * The adaptive threshold: the heat that nominates rises while more pages
 * are confirmed than the workers may promote (budget: rate limit and room
 * over the same time), and falls back toward the configured one when far
 * fewer are. A step at a time, so one burst does not swing it.
 */
static inline u32 kp_threshold_next(u32 thr, u32 floor, u32 ceil, u64 confirmed, u64 budget)
{
	if (confirmed > budget + budget / 2 && thr < ceil)
		return thr + 1;
	if (confirmed < budget / 2 && thr > floor)
		return thr - 1;
	return thr;
}

#endif
