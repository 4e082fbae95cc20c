// SPDX-License-Identifier: GPL-2.0
/* The placement rule (include/kpromoted/placement.h). */
#include "tap.h"
#include "kpromoted/placement.h"

/* Nodes 0 and 2 fast, 1 and 3 slow. */
#define FAST 0x5ull
#define N(n) (1ull << (n))

static struct kp_placement out;

static bool rule(enum kp_mpol mode, u64 nodes)
{
	struct kp_placement_in in = { .mode = mode, .nodes = nodes };

	out = (struct kp_placement){ .allowed = ~0ull, .preferred = ~0ull };
	return kp_placement_rule(&in, FAST, &out);
}

static bool rule_cpuset(enum kp_mpol mode, u64 nodes, u64 mems)
{
	struct kp_placement_in in = { .mode = mode, .nodes = nodes, .cpuset_known = true,
				      .cpuset_mems = mems };

	out = (struct kp_placement){ .allowed = ~0ull, .preferred = ~0ull };
	return kp_placement_rule(&in, FAST, &out);
}

static void test_modes(void)
{
	CHECK(rule(KP_MPOL_NONE, 0) && out.allowed == FAST && !out.preferred,
	      "none/default/local: every fast node, none preferred");
	CHECK(rule(KP_MPOL_NONE, N(1)) && out.allowed == FAST && !out.preferred,
	      "none: the nodes field is ignored");

	CHECK(!rule(KP_MPOL_BIND, N(1)), "bind to a slow node: skip");
	CHECK(!rule(KP_MPOL_BIND, N(1) | N(3)), "bind to slow nodes only: skip");
	CHECK(rule(KP_MPOL_BIND, N(0) | N(1)) && out.allowed == N(0) && !out.preferred,
	      "bind to fast and slow: only its fast node, none preferred");
	CHECK(rule(KP_MPOL_BIND, N(2)) && out.allowed == N(2), "bind to one fast node: that one");
	CHECK(!rule(KP_MPOL_BIND, 0), "bind with no nodes: skip");

	CHECK(!rule(KP_MPOL_PREFERRED, N(1)), "preferred names a slow node: skip");
	CHECK(!rule(KP_MPOL_PREFERRED, N(3)), "preferred names another slow node: skip");
	CHECK(rule(KP_MPOL_PREFERRED, N(2)) && out.preferred == N(2) && out.allowed == FAST,
	      "preferred names a fast node: preferred, any fast node allowed");
	CHECK(rule(KP_MPOL_PREFERRED, 0) && out.allowed == FAST && !out.preferred,
	      "preferred with no node (local): every fast node");

	CHECK(rule(KP_MPOL_PREFERRED_MANY, N(0) | N(2)) && out.preferred == FAST &&
	      out.allowed == FAST, "preferred_many of fast nodes: those preferred");
	CHECK(rule(KP_MPOL_PREFERRED_MANY, N(1) | N(2)) && out.preferred == N(2) &&
	      out.allowed == FAST, "preferred_many of fast and slow: its fast node preferred");
	CHECK(!rule(KP_MPOL_PREFERRED_MANY, N(1) | N(3)), "preferred_many of slow nodes: skip");

	CHECK(!rule(KP_MPOL_INTERLEAVE, FAST), "interleave over fast nodes: skip");
	CHECK(!rule(KP_MPOL_INTERLEAVE, N(0) | N(1)), "interleave over both tiers: skip");
	CHECK(!rule((enum kp_mpol)99, FAST), "a mode the rule does not know: skip");
	CHECK(rule(KP_MPOL_NONE, 0) && (out.preferred & ~out.allowed) == 0,
	      "preferred is within allowed");
}

static void test_cpuset(void)
{
	CHECK(!rule_cpuset(KP_MPOL_NONE, 0, N(1)), "cpuset mems only slow: skip");
	CHECK(!rule_cpuset(KP_MPOL_NONE, 0, 0), "cpuset mems empty: skip");
	CHECK(rule_cpuset(KP_MPOL_NONE, 0, N(1) | N(2)) && out.allowed == N(2),
	      "cpuset with one fast node: only that one");
	CHECK(rule_cpuset(KP_MPOL_NONE, 0, ~0ull) && out.allowed == FAST,
	      "cpuset allowing everything: every fast node");
	CHECK(!rule_cpuset(KP_MPOL_BIND, N(0), N(1) | N(2)),
	      "bind to a fast node the cpuset excludes: skip");
	CHECK(rule_cpuset(KP_MPOL_BIND, FAST, N(0) | N(1)) && out.allowed == N(0),
	      "bind and cpuset: their intersection");
	CHECK(rule_cpuset(KP_MPOL_PREFERRED, N(0), N(2)) && out.allowed == N(2) &&
	      !out.preferred, "preferred node outside the cpuset: not preferred, fallback allowed");
	CHECK(rule_cpuset(KP_MPOL_PREFERRED_MANY, FAST, N(2) | N(3)) && out.allowed == N(2) &&
	      out.preferred == N(2), "preferred_many within the cpuset");
	CHECK(!rule_cpuset(KP_MPOL_PREFERRED, N(0), N(1)),
	      "preferred fast node, cpuset only slow: skip");
	CHECK(!rule_cpuset(KP_MPOL_INTERLEAVE, FAST, ~0ull), "interleave with any cpuset: skip");
	{
		struct kp_placement_in in = { .mode = KP_MPOL_NONE, .cpuset_known = false,
					      .cpuset_mems = 0 };

		CHECK(kp_placement_rule(&in, FAST, &out) && out.allowed == FAST,
		      "cpuset not known: its mems are not applied");
	}
}

int main(void)
{
	test_modes();
	test_cpuset();
	return tap_done("placement");
}
