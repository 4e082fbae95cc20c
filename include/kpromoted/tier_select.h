/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tier selection (src/core/tier_select.c): fast and slow nodes from what
 * the module knows about each node. Pure: built into the module and the
 * host unit tests; src/core/tiers.c gathers the node facts and keeps the
 * result.
 */
#ifndef KPROMOTED_TIER_SELECT_H
#define KPROMOTED_TIER_SELECT_H

#include "kpromoted/policy.h"

/* What the module knows about one node when it picks tiers. */
struct kp_node_info {
	bool online;
	bool has_memory;
	bool has_cpu;
	bool toptier;	/* the kernel's memory tiers say: top tier */
};

enum kp_tier_source { KP_TIERS_KERNEL, KP_TIERS_OVERRIDE };

struct kp_tiers {
	u64 fast;
	u64 slow;
	enum kp_tier_source source;
};

/*
 * Picks fast and slow nodes. With override != 0 the override names the
 * slow nodes (each must be an online memory node, and at least one memory
 * node must stay fast). Otherwise the kernel's tiers decide. Returns 0, or
 * -1 with *why for the operator (the caller picks -EINVAL for a bad
 * override, -ENODEV for "no slow node").
 */
int kp_select_tiers(const struct kp_node_info *nodes, int nr_nodes, u64 override,
		    struct kp_tiers *out, const char **why);

#endif
