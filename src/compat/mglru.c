// SPDX-License-Identifier: GPL-2.0
/*
 * Driving MGLRU aging from a module.
 *
 * Why a direct call to try_to_inc_max_seq() and not the lru_gen debugfs
 * file that administrators write: that file only has a ->write method
 * that copies from a user pointer, and kernel_write() refuses such files
 * (it needs ->write_iter). try_to_inc_max_seq() is what the debugfs "+"
 * command runs; it walks every mm of the lruvec's memcg, clears the
 * accessed bits of pages on the lruvec's node, and reports each young one
 * through get_pfn_folio(), where the MGLRU source listens.
 *
 * Its arguments changed twice, so each release we know gets its own call
 * (KP_AGING_ABI, chosen in kabi.h beside the prototype each one expects).
 * Other kernels report the scanner unavailable rather than guess an ABI.
 * It needs current->reclaim_state (the walk buffer lives there), which
 * the caller sets up as lru_gen_seq_write() does, and frees after.
 */
#include <linux/memcontrol.h>
#include <linux/mmzone.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/version.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/compat.h"
#include "kpromoted/ksyms.h"
#include "kabi.h"

struct mem_cgroup *kp_call_mem_cgroup_iter(struct mem_cgroup *root,
					   struct mem_cgroup *prev, void *reclaim);

#if KP_AGING_ABI == 1
#include "scan_control_61.h"

bool kp_call_try_to_inc_max_seq(struct lruvec *lruvec, unsigned long max_seq,
				const void *sc, bool can_swap, bool force_scan);
/*
 * The scan_control 6.1 wants, filled so that the aging never waits for
 * another one (see scan_control_61.h). Initialised at compile time and
 * read-only: nothing can leave it zero (priority 0 waits) or change it.
 */
static const u8 kp_fake_sc[KP_FAKE_SC_SIZE] = KP_FAKE_SC_INIT;

static bool kp_age_lruvec(struct lruvec *lruvec, unsigned long max_seq)
{
	BUILD_BUG_ON(KP_61_DEF_PRIORITY != DEF_PRIORITY);
	BUILD_BUG_ON(DEF_PRIORITY - 2 >= (s8)KP_FAKE_SC_FILL);
	return kp_call_try_to_inc_max_seq(lruvec, max_seq, kp_fake_sc, true, true);
}
#elif KP_AGING_ABI == 2
bool kp_call_try_to_inc_max_seq(struct lruvec *lruvec, unsigned long max_seq,
				bool can_swap, bool force_scan);
static bool kp_age_lruvec(struct lruvec *lruvec, unsigned long max_seq)
{
	return kp_call_try_to_inc_max_seq(lruvec, max_seq, true, true);
}
#elif KP_AGING_ABI == 3
bool kp_call_try_to_inc_max_seq(struct lruvec *lruvec, unsigned long max_seq,
				int swappiness, bool force_scan);
static bool kp_age_lruvec(struct lruvec *lruvec, unsigned long max_seq)
{
	/* Anon and file alike, as the default vm.swappiness would weigh them. */
	return kp_call_try_to_inc_max_seq(lruvec, max_seq, 60, true);
}
#endif

const char *kp_compat_mglru_unavailable(void)
{
	if (!IS_ENABLED(CONFIG_LRU_GEN) || !IS_ENABLED(CONFIG_MEMCG))
		return "kernel built without CONFIG_LRU_GEN or CONFIG_MEMCG";
	if (!KP_AGING_ABI)
		return "no known MGLRU aging interface for this kernel version";
	if (!kp_ksym_present(kp_addr_try_to_inc_max_seq) ||
	    !kp_ksym_present(kp_addr_mem_cgroup_iter))
		return "MGLRU aging functions not found in this kernel";
	return NULL;
}

#if KP_AGING_ABI && defined(CONFIG_LRU_GEN) && defined(CONFIG_MEMCG)
unsigned int kp_compat_mglru_age_node(int nid)
{
	struct reclaim_state rs = { 0 }, *saved = current->reclaim_state;
	struct mem_cgroup *memcg;
	unsigned int aged = 0, flags;

	if (kp_compat_mglru_unavailable())
		return 0;
	current->reclaim_state = &rs;
	flags = memalloc_noreclaim_save();
	memcg = kp_call_mem_cgroup_iter(NULL, NULL, NULL);
	while (memcg) {
		struct lruvec *lruvec = mem_cgroup_lruvec(memcg, NODE_DATA(nid));

		aged += kp_age_lruvec(lruvec, READ_ONCE(lruvec->lrugen.max_seq));
		cond_resched();
		memcg = kp_call_mem_cgroup_iter(NULL, memcg, NULL);
	}
	memalloc_noreclaim_restore(flags);
	/* The walk buffer the aging allocated for this thread. */
	kfree(rs.mm_walk);
	current->reclaim_state = saved;
	return aged;
}
#else
unsigned int kp_compat_mglru_age_node(int nid)
{
	return 0;
}
#endif
