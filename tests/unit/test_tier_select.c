// SPDX-License-Identifier: GPL-2.0
/* Tier selection (src/core/tier_select.c). */
#include <string.h>
#include "tap.h"
#include "kpromoted/tier_select.h"

static void test_tiers(void)
{
	struct kp_node_info two[2] = {
		{ .online = true, .has_memory = true, .has_cpu = true, .toptier = true },
		{ .online = true, .has_memory = true, .toptier = false },
	};
	struct kp_node_info flat[3] = {
		{ .online = true, .has_memory = true, .has_cpu = true, .toptier = true },
		{ .online = true, .has_memory = true, .toptier = true },
		{ .online = false },
	};
	struct kp_tiers t;
	const char *why = NULL;

	CHECK(!kp_select_tiers(two, 2, 0, &t, &why) && t.fast == 1 && t.slow == 2 &&
	      t.source == KP_TIERS_KERNEL, "kernel tiers: node 0 fast, node 1 slow");
	CHECK(kp_select_tiers(flat, 3, 0, &t, &why) && strstr(why, "no slow memory node"),
	      "one tier: no slow node");
	CHECK(!kp_select_tiers(flat, 3, 2, &t, &why) && t.fast == 1 && t.slow == 2 &&
	      t.source == KP_TIERS_OVERRIDE, "override on a flat kernel");
	CHECK(!kp_select_tiers(two, 2, 2, &t, &why) && t.source == KP_TIERS_OVERRIDE,
	      "override wins over kernel tiers");
	CHECK(kp_select_tiers(flat, 3, 4, &t, &why) && strstr(why, "not an online memory node"),
	      "override naming an offline node");
	CHECK(kp_select_tiers(flat, 3, 1ull << 40, &t, &why), "override naming a missing node");
	CHECK(kp_select_tiers(flat, 3, 3, &t, &why) && strstr(why, "no fast node"),
	      "override naming every memory node");
}

int main(void)
{
	test_tiers();
	return tap_done("tier_select");
}
