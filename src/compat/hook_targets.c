// SPDX-License-Identifier: GPL-2.0
/*
 * The per-release side of the hooks: which kernel function each hook point
 * is on (kp_hook_targets) and how its arguments become a struct
 * kp_hook_event (kp_hook_decode). The framework that arms them, counts hits
 * and runs the self-test is src/compat/hooks.c.
 *
 * Hook points on each release (the table kp_hook_targets below):
 *
 * KP_HOOK_HINTFAULT: should_numa_migrate_memory(p, page-or-folio, src_nid,
 *   dst_cpu), the decision NUMA balancing takes on every hint fault of a
 *   page whose policy allows migration, small and huge alike. 6.1 passes
 *   a struct page, 6.12 and 7.2 a struct folio; both point at the head
 *   page, so the pfn is decoded the same way. A false return leaves the
 *   page where it is and keeps the fault cheap.
 *
 * KP_HOOK_MGLRU_YOUNG: get_pfn_folio(pfn, memcg, pgdat, ...), reached by the
 *   MGLRU page-table walk (and look-around) for PTEs that were young;
 *   a non-NULL return means the folio is on pgdat's node and was just
 *   found accessed. 7.2 dropped the last argument; the first three are the
 *   same everywhere. (On 6.12+, an mm with MMU notifiers also sends old
 *   PTEs here; such rare false sightings only add a count.)
 *
 * Only exact function names are accepted: a compiler clone (.isra,
 * .constprop) may have a different argument layout, and a hook that
 * decodes the wrong registers is worse than no hook. Each prototype is
 * checked against the kernel's BTF at load, and the direct calls to each
 * function are counted in the kernel's text, so that a copy the compiler
 * inlined or cloned at some call site is not hooked as if it saw them all
 * (src/compat/protos.c, prototypes and call sites in src/compat/kabi.h).
 */
#include <linux/cpumask.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/ptrace.h>
#include <linux/topology.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/compat.h"
#include "kpromoted/hooks.h"
#include "kpromoted/hook_targets.h"
#include "kabi.h"

#define KP_TARGET(fn, on_ret, feat) \
	{ #fn, on_ret, feat, KP_PROTO_##fn, KP_CALLSITES_##fn }
const struct kp_hook_target kp_hook_targets[KP_NR_HOOK_POINTS] = {
	[KP_HOOK_HINTFAULT] = KP_TARGET(should_numa_migrate_memory, false,
					"the hintfault source"),
	[KP_HOOK_MGLRU_YOUNG] = KP_TARGET(get_pfn_folio, true, "the mglru source"),
};

bool kp_hook_decode(enum kp_hook_point point, struct pt_regs *regs,
		    struct kp_hook_event *ev)
{
	switch (point) {
	case KP_HOOK_HINTFAULT: {
		struct page *page = (struct page *)regs_get_kernel_argument(regs, 1);
		int cpu = (int)regs_get_kernel_argument(regs, 3);

		if (!page)
			return false;
		ev->pfn = page_to_pfn(page);
		ev->memcg = NULL;
		/* Before the function body replaces the stamp with "now". */
		ev->scan_age_ms = kp_compat_scan_age_ms(page);
		ev->page_nid = (int)regs_get_kernel_argument(regs, 2);
		ev->accessing_nid = (cpu >= 0 && cpu < nr_cpu_ids) ?
				    cpu_to_node(cpu) : KP_NID_UNKNOWN;
		return true;
	}
	case KP_HOOK_MGLRU_YOUNG: {
		struct pglist_data *pgdat =
			(struct pglist_data *)regs_get_kernel_argument(regs, 2);

		if (!pgdat)
			return false;
		ev->pfn = regs_get_kernel_argument(regs, 0);
		ev->memcg = (struct mem_cgroup *)regs_get_kernel_argument(regs, 1);
		ev->scan_age_ms = -1;
		ev->page_nid = pgdat->node_id;
		ev->accessing_nid = KP_NID_UNKNOWN;
		return true;
	}
	case KP_NR_HOOK_POINTS:
		break;
	}
	return false;
}
