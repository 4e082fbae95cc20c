// SPDX-License-Identifier: GPL-2.0
/*
 * Dispatch: the confirmation stage hands each confirmed page to the worker
 * of the fast node that should receive it, within what the application's
 * memory policy and cpuset allow (kpromoted/placement.h), between
 * kp_dispatch_begin() (each node's room, once per round) and
 * kp_dispatch_end() (the workers that got pages start at once: no sweep to
 * wait for).
 */
#include <linux/atomic.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/topology.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/compat.h"
#include "kpromoted/placement.h"
#include "kpromoted/promote.h"
#include "kpromoted/stats.h"

static unsigned long kp_room[KP_MAX_NODES];	/* pages a node may still receive this round */
static bool kp_kick[KP_MAX_NODES];		/* got pages this round */
static u64 kp_making_room;			/* nodes whose workers make room when full */
static atomic64_t kp_confirmed_bytes;		/* since the last kp_dispatch_take_bytes() */

/* Of the nodes in mask, the one with room nearest to `from`. */
static int kp_nearest_with_room(int from, u64 mask)
{
	int nid, best = NUMA_NO_NODE, best_dist = INT_MAX;

	for (nid = 0; nid < KP_MAX_NODES; nid++) {
		int d;

		if (!(mask & (1ULL << nid)) || !kp_worker_exists(nid) || !kp_room[nid])
			continue;
		d = node_distance(from, nid);
		if (d < best_dist) {
			best_dist = d;
			best = nid;
		}
	}
	return best;
}

/*
 * The fast node that should receive a page: of the nodes its policy
 * prefers, the nearest with room to whoever accessed it; else of the ones
 * it allows.
 */
static int kp_pick_target(int page_nid, int anid, const struct kp_placement *place)
{
	int from = anid >= 0 ? anid : page_nid, nid = NUMA_NO_NODE;

	if (place->preferred)
		nid = kp_nearest_with_room(from, place->preferred);
	if (nid == NUMA_NO_NODE)
		nid = kp_nearest_with_room(from, place->allowed);
	return nid;
}

/* Node of a pfn, or NUMA_NO_NODE when it is not online memory. */
static int kp_pfn_nid(u64 pfn)
{
	struct page *page = pfn_to_online_page(pfn);

	return page ? page_to_nid(page) : NUMA_NO_NODE;
}

void kp_dispatch_begin(void)
{
	int nid;

	kp_making_room = 0;
	for (nid = 0; nid < KP_MAX_NODES; nid++) {
		unsigned long room, pending;

		kp_kick[nid] = false;
		if (!kp_worker_exists(nid))
			continue;
		if (!kp_room_unavailable(nid))
			kp_making_room |= 1ULL << nid;
		room = kp_node_capacity(nid);
		pending = kp_worker_pending(nid);
		kp_room[nid] = room > pending ? room - pending : 0;
	}
}

/* A confirmed page reached a decision: it counts once, for the threshold too. */
static enum kp_dispatch_result kp_candidate(enum kp_dispatch_result res)
{
	atomic64_add(PAGE_SIZE, &kp_confirmed_bytes);
	kp_stat_inc(KP_STAT_candidates);
	return res;
}

enum kp_dispatch_result kp_dispatch(u64 pfn, int anid, u32 seen)
{
	int page_nid = kp_pfn_nid(pfn), nid;
	struct kp_placement_in in;
	struct kp_placement place;

	if (!kp_node_is_slow(page_nid))
		return KP_DISPATCH_DONE;	/* moved or freed since */
	if (kp_cfg.mode != KP_MODE_PROMOTE)
		return kp_candidate(KP_DISPATCH_DONE);	/* observe: counted, never moved */
	if (kp_compat_page_placement(pfn, &in))
		return KP_DISPATCH_BUSY;	/* policy unreadable now: next round */
	if (!kp_placement_rule(&in, kp_tiers.fast, &place)) {
		/*
		 * Classified hot, so a candidate, but not confirmed bytes for
		 * the threshold: those are weighed against what the workers
		 * may promote, and a page its policy keeps here never takes
		 * any of it. Counting it would raise the threshold for every
		 * other task's pages.
		 */
		kp_stat_inc(KP_STAT_skipped_policy);
		kp_stat_inc(KP_STAT_candidates);
		return KP_DISPATCH_DONE;
	}
	nid = kp_pick_target(page_nid, anid, &place);
	if (nid == NUMA_NO_NODE && (kp_making_room & place.allowed)) {
		/* Room is being made where it may go: it waits in its trial, confirmed. */
		kp_stat_inc(KP_STAT_skipped_queue_full);
		return KP_DISPATCH_QUEUE_FULL;
	}
	if (nid == NUMA_NO_NODE) {
		kp_stat_inc(KP_STAT_skipped_no_room);
		return kp_candidate(KP_DISPATCH_DONE);
	}
	if (!kp_worker_queue(nid, pfn, seen)) {
		/* It waits in its trial, confirmed, for the next round. */
		kp_stat_inc(KP_STAT_skipped_queue_full);
		return KP_DISPATCH_QUEUE_FULL;
	}
	kp_owners_note(pfn, in.owner_tgid);
	kp_room[nid]--;
	kp_kick[nid] = true;
	return kp_candidate(KP_DISPATCH_QUEUED);
}

void kp_dispatch_end(void)
{
	int nid;

	for (nid = 0; nid < KP_MAX_NODES; nid++)
		if (kp_kick[nid])
			kp_worker_kick(nid);
}

u64 kp_dispatch_take_bytes(void)
{
	return atomic64_xchg(&kp_confirmed_bytes, 0);
}
