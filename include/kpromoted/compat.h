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

/* Isolate a folio from its LRU for migration (caller holds a reference). */
bool kp_compat_isolate_lru(struct folio *folio);
/*
 * Migrate the isolated folios on list to node nid (async, never waiting
 * for writeback, no reclaim on the target). Folios that did not move are
 * put back on their LRU. Returns how many pages moved.
 */
unsigned int kp_compat_migrate_to_node(struct list_head *list, int nid);

/*
 * Pages a node can take before it would have to reclaim: free pages above
 * the high watermarks of its zones (0 when none).
 */
unsigned long kp_compat_node_room(int nid);

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
void kp_compat_look_begin(void);
enum kp_look kp_compat_look(unsigned long pfn);
void kp_compat_look_end(void);
/* NULL when kp_compat_look() works here, else why not. */
const char *kp_compat_look_unavailable(void);

/* Hook points; their function on each release: src/compat/hook_targets.c. */
enum kp_hook_point {
	KP_HOOK_HINTFAULT,	/* the hint-fault migrate decision */
	KP_HOOK_MGLRU_YOUNG,	/* the MGLRU walk found a young PTE */
	KP_NR_HOOK_POINTS,
};

#endif
