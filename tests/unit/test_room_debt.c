// SPDX-License-Identifier: GPL-2.0
/* The room debt: what others took is forgiven, only after it stood unpaid. */
#include "kpromoted/room_debt.h"
#include "tap.h"

int main(void)
{
	CHECK(kp_room_debt(1000, 5000, 60000) == 1000, "the room made is still free: all of it owed");
	CHECK(kp_room_debt(1000, 1000, 60000) == 1000, "exactly what is free: owed");
	CHECK(kp_room_debt(1000, 300, KP_ROOM_FORGIVE_MS - 1) == 1000,
	      "others took 700, but the debt was paid within %d ms: still owed", KP_ROOM_FORGIVE_MS);
	CHECK(kp_room_debt(1000, 300, KP_ROOM_FORGIVE_MS) == 300,
	      "others took 700 and nothing paid for %d ms: only the 300 still free is owed",
	      KP_ROOM_FORGIVE_MS);
	CHECK(kp_room_debt(12190, -40, 5000) == 0,
	      "below the low watermark (6.1's stall: 12190 of 12190 owed): nothing left to fill, nothing owed");
	CHECK(kp_room_debt(12190, -40, 1999) == 12190, "... but not before the time has passed");
	CHECK(kp_room_debt(0, -40, 60000) == 0, "no debt: none");
	CHECK(kp_room_debt(~0ul, (long)(~0ul >> 1), 60000) == ~0ul >> 1, "no overflow at the top");
	return tap_done("room_debt");
}
