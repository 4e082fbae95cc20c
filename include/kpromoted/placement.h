/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Placement: where an application's memory policy and cpuset let a hot
 * page go.
 *
 * kpromoted moves pages from a worker thread, so the page allocator
 * checks the worker's placement, not the application's: without this
 * rule a page of a task bound to the slow node, or of a cgroup whose
 * cpuset.mems excludes the fast node, would be promoted all the same.
 * src/compat/mempolicy.c reads the policy that governs a page (its VMA's,
 * else its task's) and the cpuset mems of the task that owns its mm; the
 * rule below turns them into the fast nodes the page may go to and the
 * ones the policy prefers. Pure: host unit tests (tests/unit/test_placement.c).
 */
#ifndef KPROMOTED_PLACEMENT_H
#define KPROMOTED_PLACEMENT_H

#include "kpromoted/policy.h"

/* Our own names for the kernel's policy modes (the kernel's differ by release). */
enum kp_mpol {
	KP_MPOL_NONE,		/* no policy, MPOL_DEFAULT or MPOL_LOCAL */
	KP_MPOL_BIND,
	KP_MPOL_PREFERRED,
	KP_MPOL_PREFERRED_MANY,
	KP_MPOL_INTERLEAVE,	/* MPOL_INTERLEAVE, MPOL_WEIGHTED_INTERLEAVE, or a mode we do not know */
};

/* What is known of one page's placement. */
struct kp_placement_in {
	enum kp_mpol mode;
	u64 nodes;		/* the policy's nodes (bind, preferred, interleave) */
	bool cpuset_known;
	u64 cpuset_mems;	/* the owner task's mems_allowed, when known */
	int owner_tgid;		/* the mm's owner task (0: not known), for `owners` */
};

struct kp_placement {
	u64 allowed;		/* fast nodes the page may go to */
	u64 preferred;		/* of those, the ones the policy names: tried first */
};

/*
 * The rule. Returns false when the policy keeps the page where it is
 * (skipped_policy), else true with out->allowed non-empty and
 * out->preferred a subset of it.
 *
 *   none/default/local  every fast node
 *   bind                the fast nodes it names; none named: skip
 *   preferred           names a slow node: skip (the application asked for
 *                       that node, and the kernel's own NUMA balancing
 *                       would not move the page either); names a fast
 *                       node: that one first, any fast node else (the
 *                       policy falls back to any node)
 *   preferred_many      the fast nodes it names first, any fast node else
 *                       (it falls back too); names no fast node: skip
 *   interleave          skip: the spread is deliberate
 *
 * Then the cpuset: allowed and preferred keep only its mems, and no fast
 * node left means skip.
 */
static inline bool kp_placement_rule(const struct kp_placement_in *in, u64 fast,
				     struct kp_placement *out)
{
	u64 allowed, preferred = 0;

	switch (in->mode) {
	case KP_MPOL_NONE:
		allowed = fast;
		break;
	case KP_MPOL_BIND:
		allowed = in->nodes & fast;
		break;
	case KP_MPOL_PREFERRED:
		if (in->nodes & ~fast)
			return false;
		allowed = fast;
		preferred = in->nodes & fast;
		break;
	case KP_MPOL_PREFERRED_MANY:
		if (!(in->nodes & fast))
			return false;
		allowed = fast;
		preferred = in->nodes & fast;
		break;
	case KP_MPOL_INTERLEAVE:
	default:
		return false;
	}
	if (in->cpuset_known) {
		allowed &= in->cpuset_mems;
		preferred &= in->cpuset_mems;
	}
	if (!allowed)
		return false;
	out->allowed = allowed;
	out->preferred = preferred & allowed;
	return true;
}

#endif
