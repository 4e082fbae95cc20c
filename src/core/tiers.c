// SPDX-License-Identifier: GPL-2.0
/* Which nodes are fast and which are slow, decided once at load. */
#include <linux/nodemask.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/compat.h"
#include "kpromoted/parse.h"

struct kp_tiers kp_tiers;

bool kp_node_is_slow(int nid)
{
	return nid >= 0 && nid < KP_MAX_NODES && (kp_tiers.slow & (1ull << nid));
}

int kp_tiers_detect(void)
{
	struct kp_node_info *nodes;
	const char *why = NULL;
	int nid, nr = min_t(int, nr_node_ids, KP_MAX_NODES), err = 0;

	for_each_node_state(nid, N_MEMORY) {
		if (nid >= KP_MAX_NODES)
			pr_warn("memory node %d is above %d and is ignored\n", nid,
				KP_MAX_NODES - 1);
	}
	nodes = kcalloc(KP_MAX_NODES, sizeof(*nodes), GFP_KERNEL);
	if (!nodes)
		return -ENOMEM;
	for (nid = 0; nid < nr; nid++) {
		nodes[nid].online = node_online(nid);
		nodes[nid].has_memory = node_state(nid, N_MEMORY);
		nodes[nid].has_cpu = node_state(nid, N_CPU);
		nodes[nid].toptier = !nodes[nid].has_memory ||
				     kp_compat_node_is_toptier(nid);
	}
	if (kp_select_tiers(nodes, nr, kp_cfg.slow_nodes, &kp_tiers, &why)) {
		char list[128];

		if (kp_cfg.slow_nodes) {
			kp_format_nodelist(kp_cfg.slow_nodes, list, sizeof(list));
			pr_err("invalid slow_nodes=%s: %s (accepted: online memory nodes, leaving one fast)\n",
			       list, why);
			err = -EINVAL;
		} else {
			pr_err("%s%s; name the slow nodes with slow_nodes=<list>\n", why,
			       kp_compat_have_tiers() ? "" : " (this kernel has no memory tiers)");
			err = -ENODEV;
		}
	} else if (kp_inject("tiers")) {
		pr_err("inject_fail=tiers: failing tier detection\n");
		err = -ENODEV;
	}
	kfree(nodes);
	return err;
}

void kp_tiers_show(struct seq_file *m)
{
	char list[128];
	int nid;

	seq_printf(m, "tier_source %s\n",
		   kp_tiers.source == KP_TIERS_OVERRIDE ? "override" : "kernel");
	kp_format_nodelist(kp_tiers.fast, list, sizeof(list));
	seq_printf(m, "fast_nodes %s\n", list);
	kp_format_nodelist(kp_tiers.slow, list, sizeof(list));
	seq_printf(m, "slow_nodes %s\n", list);
	for_each_online_node(nid) {
		if (nid >= KP_MAX_NODES)
			break;
		seq_printf(m, "node%d %s\n", nid,
			   kp_tiers.fast & (1ull << nid) ? "fast" :
			   kp_tiers.slow & (1ull << nid) ? "slow" : "none");
	}
}
