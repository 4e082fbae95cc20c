// SPDX-License-Identifier: GPL-2.0
/*
 * Dispatch: the confirmation stage hands each confirmed page to the worker
 * of the fast node that should receive it, between kp_dispatch_begin()
 * (each node's room, once per round) and kp_dispatch_end() (the workers
 * that got pages start at once: no sweep to wait for).
 */
#include <linux/atomic.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/topology.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/promote.h"
#include "kpromoted/stats.h"

static unsigned long kp_room[KP_MAX_NODES];	/* pages a node may still receive this round */
static bool kp_kick[KP_MAX_NODES];		/* got pages this round */
static atomic64_t kp_confirmed_bytes;		/* since the last kp_dispatch_take_bytes() */

/* The fast node that should receive a page: nearest to whoever accessed it, with room. */
static int kp_pick_target(int page_nid, int anid)
{
	int from = anid >= 0 ? anid : page_nid, nid, best = NUMA_NO_NODE, best_dist = INT_MAX;

	for (nid = 0; nid < KP_MAX_NODES; nid++) {
		int d;

		if (!kp_worker_exists(nid) || !kp_room[nid])
			continue;
		d = node_distance(from, nid);
		if (d < best_dist) {
			best_dist = d;
			best = nid;
		}
	}
	return best;
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

	for (nid = 0; nid < KP_MAX_NODES; nid++) {
		unsigned long room, pending;

		kp_kick[nid] = false;
		if (!kp_worker_exists(nid))
			continue;
		room = kp_node_room(nid);
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

enum kp_dispatch_result kp_dispatch(u64 pfn, int anid)
{
	int page_nid = kp_pfn_nid(pfn), nid;

	if (!kp_node_is_slow(page_nid))
		return KP_DISPATCH_DONE;	/* moved or freed since */
	if (kp_cfg.mode != KP_MODE_PROMOTE)
		return kp_candidate(KP_DISPATCH_DONE);	/* observe: counted, never moved */
	nid = kp_pick_target(page_nid, anid);
	if (nid == NUMA_NO_NODE) {
		kp_stat_inc(KP_STAT_skipped_no_room);
		return kp_candidate(KP_DISPATCH_DONE);
	}
	if (!kp_worker_queue(nid, pfn)) {
		/* It waits in its trial, confirmed, for the next round. */
		kp_stat_inc(KP_STAT_skipped_queue_full);
		return KP_DISPATCH_QUEUE_FULL;
	}
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
