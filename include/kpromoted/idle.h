/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How long a fast page must go unused before it is demoted for room, pure
 * (host unit tests). It starts at two windows (2 s by default) and follows
 * the workload: a page kpromoted demoted and then found hot again within a
 * minute (`repromoted`) was in use after all, used in bursts with pauses
 * longer than `idle`. As soon as such returns in a period (four idles) are
 * more than one in 64 of its demotions (and more than one), idle doubles at
 * once, up to eight times the start: a third of the 5% of promotions the
 * project allows itself.
 *
 * Shortening is slow on purpose: only after KP_IDLE_CALM periods in a row
 * with demotions and not one return does idle halve. A workload whose
 * rests made idle double is still resting that long when the returns stop,
 * because the longer idle is what stopped them; halving after a single
 * quiet period would bring the returns back and make idle hunt (seen: 821
 * returns on 6.1 within a minute of halving). A wasted round of moves costs
 * the application; an idle too long only makes room a little later.
 */
#ifndef KPROMOTED_IDLE_H
#define KPROMOTED_IDLE_H

#include "kpromoted/policy.h"

#define KP_IDLE_MAX_SHIFT 3	/* idle at most 8 x its start */
#define KP_IDLE_PERIODS 4	/* a period is this many idles */
#define KP_IDLE_CALM 8		/* quiet periods in a row before idle halves */

struct kp_idle {
	u32 shift;	/* idle = start << shift */
	u32 quiet;	/* periods in a row with demotions and no return */
};

/*
 * One step from this period's counts, at any time (`over`: the period has
 * run its length). True when a new period starts: the caller resets the
 * counts. Returns lengthen idle as soon as they call for it; any other
 * change waits for the period's end.
 */
static inline bool kp_idle_step(struct kp_idle *s, u64 demoted, u64 repromoted, bool over)
{
	if (s->shift > KP_IDLE_MAX_SHIFT)
		s->shift = KP_IDLE_MAX_SHIFT;
	if (repromoted > 1 && repromoted > demoted / 64) {
		if (s->shift < KP_IDLE_MAX_SHIFT)
			s->shift++;
		s->quiet = 0;
		return true;
	}
	if (!over)
		return false;
	if (repromoted)
		s->quiet = 0;
	else if (demoted && s->shift && ++s->quiet >= KP_IDLE_CALM) {
		s->shift--;
		s->quiet = 0;
	}
	return true;
}

#endif
