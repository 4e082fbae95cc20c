// SPDX-License-Identifier: GPL-2.0
/*
 * Tier selection: which memory nodes are fast and which slow, from what the
 * kernel says about each node and an optional slow_nodes= override. Pure,
 * built into the module and the host unit tests (tests/unit).
 */
#include "kpromoted/tier_select.h"

int kp_select_tiers(const struct kp_node_info *nodes, int nr_nodes, u64 override,
		    struct kp_tiers *out, const char **why)
{
	u64 mem = 0, top = 0;
	int nid;

	if (nr_nodes > KP_MAX_NODES)
		nr_nodes = KP_MAX_NODES;
	for (nid = 0; nid < nr_nodes; nid++) {
		if (!nodes[nid].online || !nodes[nid].has_memory)
			continue;
		mem |= 1ull << nid;
		if (nodes[nid].toptier)
			top |= 1ull << nid;
	}
	out->fast = 0;
	out->slow = 0;
	if (override) {
		out->source = KP_TIERS_OVERRIDE;
		if (override & ~mem) {
			*why = "names a node that is not an online memory node";
			return -1;
		}
		if (override == mem) {
			*why = "names every memory node: no fast node would remain";
			return -1;
		}
		out->slow = override;
		out->fast = mem & ~override;
		return 0;
	}
	out->source = KP_TIERS_KERNEL;
	out->fast = top;
	out->slow = mem & ~top;
	if (!out->slow || !out->fast) {
		*why = "no slow memory node: the kernel's memory tiers put every memory node in one tier";
		return -1;
	}
	return 0;
}
