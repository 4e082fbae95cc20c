// SPDX-License-Identifier: GPL-2.0
/*
 * The memory policy and cpuset that govern one page, for the placement
 * rule (kpromoted/placement.h).
 *
 * The kernel decides a page's policy from the VMA that maps it (mbind),
 * else from the task (set_mempolicy), and its cpuset from the task. A
 * physical page has no task, so kpromoted finds one: the folio's reverse
 * map gives the first VMA that maps it (rmap_walk, resolved, through its
 * IBT-safe stub; locked and try_lock as in kp_compat_look), the VMA its mm, and the
 * mm its owner task (mm->owner, CONFIG_MEMCG). A page shared by several
 * processes follows the first one the walk finds; a VMA visited after a
 * fork that no longer maps the page still carries the policy the fork
 * copied from its parent.
 *
 * Locking: mbind() replaces vma->vm_policy under the mmap write lock and
 * frees the old policy, so it is read only under mmap_read_trylock();
 * set_mempolicy() replaces task->mempolicy under task_lock(), and the
 * cpuset changes mems_allowed under it too. A contended lock is never
 * waited for: -EBUSY, the page waits a round.
 *
 * Not read: the shared policies of shmem files
 * (vm_ops->get_policy, per file offset), which would need the file's
 * policy tree and its own reference counting; such a page follows its
 * VMA's own vm_policy (which mbind() sets as well) or its task's policy.
 * MPOL_F_NUMA_BALANCING and the home node change nothing here: bind keeps
 * a page within its nodes either way.
 */
#include <linux/mempolicy.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/nodemask.h>
#include <linux/pagemap.h>
#include <linux/rcupdate.h>
#include <linux/rmap.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/version.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/compat.h"
#include "kpromoted/ksyms.h"

/*
 * The kernel's modes are enum constants, not macros, so they are told
 * apart by release: MPOL_PREFERRED_MANY since 5.15, MPOL_WEIGHTED_INTERLEAVE
 * since 6.9. A mode this file does not know is kept as interleave is:
 * the page stays where the kernel put it.
 */
static enum kp_mpol kp_mpol_mode(unsigned short mode)
{
	switch (mode) {
	case MPOL_DEFAULT:
	case MPOL_LOCAL:
		return KP_MPOL_NONE;
	case MPOL_BIND:
		return KP_MPOL_BIND;
	case MPOL_PREFERRED:
		return KP_MPOL_PREFERRED;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 15, 0)
	case MPOL_PREFERRED_MANY:
		return KP_MPOL_PREFERRED_MANY;
#endif
	case MPOL_INTERLEAVE:
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	case MPOL_WEIGHTED_INTERLEAVE:
#endif
	default:
		return KP_MPOL_INTERLEAVE;
	}
}

/* Nodes below KP_MAX_NODES: the only ones kpromoted can promote to or from. */
static u64 kp_nodes_u64(const nodemask_t *mask)
{
	u64 v = 0;
	int nid;

	for_each_node_mask(nid, *mask) {
		if (nid >= KP_MAX_NODES)
			break;
		v |= 1ULL << nid;
	}
	return v;
}

static void kp_policy_read(const struct mempolicy *pol, struct kp_placement_in *out)
{
	out->mode = kp_mpol_mode(pol->mode);
	out->nodes = kp_nodes_u64(&pol->nodes);
}

/*
 * The owner task's cpuset mems, and its policy when the VMA has none.
 * Caller holds the mm's mmap lock (read).
 */
static void kp_owner_read(struct mm_struct *mm, bool want_policy, struct kp_placement_in *out)
{
#ifdef CONFIG_MEMCG
	struct task_struct *owner;

	rcu_read_lock();	/* task_structs are freed after a grace period */
	owner = rcu_dereference(mm->owner);
	if (owner) {
		task_lock(owner);
		/*
		 * exit_mm() clears ->mm under this lock before the exiting
		 * task drops its policy: while ->mm is still this mm, the
		 * policy read here is alive.
		 */
		if (owner->mm == mm) {
			out->owner_tgid = owner->tgid;
			if (want_policy && owner->mempolicy)
				kp_policy_read(owner->mempolicy, out);
#ifdef CONFIG_CPUSETS
			out->cpuset_known = true;
			out->cpuset_mems = kp_nodes_u64(&owner->mems_allowed);
#endif
		}
		task_unlock(owner);
	}
	rcu_read_unlock();
#endif
	/* Without CONFIG_MEMCG an mm does not know its task: only VMA policies count. */
}

struct kp_place_walk {
	struct kp_placement_in *out;
	int err;
};

/* rmap_one: the first VMA that may map the folio decides; the walk stops there. */
static bool kp_place_one(struct folio *folio, struct vm_area_struct *vma,
			 unsigned long addr, void *arg)
{
	struct kp_place_walk *w = arg;
	struct mm_struct *mm = vma->vm_mm;
	struct mempolicy *pol;

	/* The rmap lock keeps vma and mm alive; trylock: mmap_lock is the outer lock. */
	if (!mmap_read_trylock(mm)) {
		w->err = -EBUSY;
		return false;
	}
	pol = vma->vm_policy;
	if (pol)
		kp_policy_read(pol, w->out);
	kp_owner_read(mm, !pol, w->out);
	mmap_read_unlock(mm);
	return false;
}

int kp_compat_page_placement(unsigned long pfn, struct kp_placement_in *out)
{
	struct page *page = pfn_to_online_page(pfn);
	struct kp_place_walk w = { .out = out };
	struct rmap_walk_control rwc = {
		.rmap_one = kp_place_one,
		.arg = &w,
		.try_lock = true,
	};
	struct folio *folio;
	int err = 0;

	*out = (struct kp_placement_in){ .mode = KP_MPOL_NONE };
	/* Nothing known (no page, no walk here): as before, the default policy. */
	if (!page || !kp_compat_rmap_walk_present())
		return 0;
	folio = page_folio(page);
	if (!folio_try_get(folio))
		return 0;
	/* Freed, split or unmapped meanwhile: the worker finds out; no task to ask. */
	if (unlikely(page_folio(page) != folio) || !folio_test_lru(folio) ||
	    !folio_mapped(folio))
		goto put;
	err = kp_compat_rmap_walk(folio, &rwc);
	if (w.err)
		err = w.err;
put:
	folio_put(folio);
	return err;
}
