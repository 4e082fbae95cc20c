/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exchange's room debt, pure (host unit tests). Pages demoted to make
 * room on a full fast node are owed to it until promotions fill them, up
 * to a bound (src/promote/workers.c, kp_owed_max): at the bound the node
 * demotes no more until its promotions pay the debt down.
 *
 * Room that other allocations took meanwhile (a server's own, a test's
 * filler) is no longer free, and no promotion can fill it. Left owed, it
 * holds the node at its bound for good where kswapd cannot lift the node
 * (6.1, slow_nodes=: promoted 14 pages with 12190 of 12190 owed). So what
 * is owed beyond the room still free above the low watermark is forgiven,
 * but only once the debt has stood unpaid for KP_ROOM_FORGIVE_MS: others'
 * allocations then cost at most one bound of demotions per that time, and
 * demoted_for_room <= promoted_pages + bound + room_forgiven, where
 * room_forgiven grows by at most a bound each KP_ROOM_FORGIVE_MS.
 */
#ifndef KPROMOTED_ROOM_DEBT_H
#define KPROMOTED_ROOM_DEBT_H

#define KP_ROOM_FORGIVE_MS 2000

/*
 * What stays owed of `owed` pages when `room` pages are free above the low
 * watermark (negative: below it) and no promotion has paid the debt for
 * `unpaid_ms`.
 */
static inline unsigned long kp_room_debt(unsigned long owed, long room, unsigned long unpaid_ms)
{
	unsigned long left = room > 0 ? (unsigned long)room : 0;

	if (unpaid_ms < KP_ROOM_FORGIVE_MS || owed <= left)
		return owed;
	return left;
}

#endif
