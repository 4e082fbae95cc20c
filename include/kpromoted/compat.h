/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kernel versions differ for kpromoted. Everything
 * outside src/compat calls these wrappers; nothing else tests
 * LINUX_VERSION_CODE or calls a resolved symbol.
 */
#ifndef KPROMOTED_COMPAT_H
#define KPROMOTED_COMPAT_H

#include <linux/types.h>
#include <linux/version.h>

#include "kpromoted/classify.h"

struct folio;
struct list_head;

/* Kernel memory tiers: true when nid is top tier (or tiers are unknown). */
bool kp_compat_node_is_toptier(int nid);
bool kp_compat_have_tiers(void);
/* Every NUMA-balancing scan time reset to "none" (numa_balancing at 0 first); how many. */
unsigned long kp_compat_clear_access_times(void);

/* Isolate a folio from its LRU for migration (caller holds a reference). */
bool kp_compat_isolate_lru(struct folio *folio);
/* Where a migration notes the frames its folios went to (a few may have failed after). */
struct kp_moved {
	u32 nr, max;
	u64 *pfn;
	u64 *src;	/* NULL, or where each frame of pfn came from */
};
/*
 * Migrate the isolated folios on list to node nid, noting the frames they
 * go to in moved (if not NULL). Never reclaims on the target; a folio the asynchronous pass could
 * not move is tried once more in MIGRATE_SYNC_LIGHT (*retried: how many);
 * what still did not move goes back to its LRU. Returns how many pages moved.
 */
unsigned int kp_compat_migrate(struct list_head *list, int nid, struct kp_moved *moved,
			       unsigned int *retried);
/* /sys/kernel/mm/numa/demotion_enabled (false where this kernel has no such switch). */
bool kp_compat_demotion_enabled(void);
/* The kernel's demotion target for nid (memory tiers), or NUMA_NO_NODE. */
int kp_compat_demotion_target(int nid);

/*
 * Free pages of a node above the high (or, with low, the low) watermarks
 * of its zones; negative: that many below.
 */
long kp_compat_node_room(int nid, bool low);
/* The sum of a node's zones' low watermarks, in pages, without any boost. */
unsigned long kp_compat_node_low_wmark(int nid);
/*
 * Wakes a node's kswapd as any allocation that finds the node below its
 * low watermark does: one page asked for without reclaim, and given back.
 */
void kp_compat_wake_kswapd(int nid);

/*
 * MGLRU aging of one node's lruvec for every memory cgroup, as the
 * lru_gen debugfs "+ memcg nid seq" command does. NULL when this kernel
 * can do it, else why not.
 */
const char *kp_compat_mglru_unavailable(void);
/* Ages every memcg's lruvec on nid once; returns how many were aged. */
unsigned int kp_compat_mglru_age_node(int nid);

/*
 * Caps the NUMA-balancing scan period (ms) while kpromoted promotes, and
 * puts the kernel's value back. The kernel doubles a task's scan period
 * while its hint faults stay remote, and with promotion out of the fault
 * path they do until kpromoted acts, so without a cap the sampling of a
 * newly hot set decays toward a minute. Returns 0, or -ENOENT when this
 * kernel's variable was not found.
 */
int kp_compat_scan_period_cap(unsigned int max_ms);
void kp_compat_scan_period_restore(void);


/* The tiering-mode scan stamp of a hint-faulting page, as an age in ms. */
struct page;
int kp_compat_scan_age_ms(struct page *head);

/*
 * One look at the accessed bits of the folio at pfn, clearing them
 * (src/compat/rmap.c). Process context; never sleeps on a lock. Looks are
 * made in batches: the TLB flush that makes the next look see new accesses
 * comes at the end of the batch.
 */
struct mm_struct;
#define KP_LOOK_BATCH_MMS 32
/* One caller's batch of looks: the address spaces to flush at its end (each mmgrab'd). */
struct kp_look_batch {
	struct mm_struct *mm[KP_LOOK_BATCH_MMS];
	unsigned int nr;
};
void kp_compat_look_begin(struct kp_look_batch *b);
/* tier: the look is for a folio on a slow node (KP_LOOK_SLOW) or a fast one. */
#define KP_LOOK_SLOW true
#define KP_LOOK_FAST false
enum kp_look kp_compat_look(struct kp_look_batch *b, unsigned long pfn, bool slow);
void kp_compat_look_end(struct kp_look_batch *b);
/* NULL when kp_compat_look() works here, else why not. */
const char *kp_compat_look_unavailable(void);

/* Hook points; their function on each release: src/compat/hook_targets.c. */
enum kp_hook_point {
	KP_HOOK_HINTFAULT,	/* the hint-fault migrate decision */
	KP_HOOK_MGLRU_YOUNG,	/* the MGLRU walk found a young PTE */
	KP_NR_HOOK_POINTS,
};

/*
 * The memory policy and cpuset that govern the folio at pfn
 * (src/compat/mempolicy.c), for the rule in kpromoted/placement.h: 0 with
 * *out filled (KP_MPOL_NONE and no cpuset when nothing is known, e.g. the
 * folio is no longer mapped), or -EBUSY when a lock it needs is contended
 * (not promotable this time). Process context.
 */
#include "kpromoted/placement.h"
int kp_compat_page_placement(unsigned long pfn, struct kp_placement_in *out);

#endif
