// SPDX-License-Identifier: GPL-2.0
/*
 * Hook points on each release (see the table in kp_hook_targets):
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
 * decodes the wrong registers is worse than no hook.
 */
#include <linux/kprobes.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/ptrace.h>
#include <linux/seq_file.h>
#include <linux/topology.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/hooks.h"
#include "kpromoted/ksyms.h"

struct kp_hook_target {
	const char *func;
	/* Call the handler when the function returns non-zero, not at entry. */
	bool on_nonzero_return;
};

static const struct kp_hook_target kp_hook_targets[KP_NR_HOOK_POINTS] = {
	[KP_HOOK_HINTFAULT] = { "should_numa_migrate_memory", false },
	[KP_HOOK_MGLRU_YOUNG] = { "get_pfn_folio", true },
};

#define KP_MAX_HOOKS 4
static struct kp_hook *kp_hooks[KP_MAX_HOOKS];
static const char *kp_selftest_result = "not run";

struct kp_hook_frame {
	struct kp_hook_event ev;
	bool valid;
	bool force_zero;
};

static bool kp_decode(enum kp_hook_point point, struct pt_regs *regs,
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

static int kp_hook_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kp_hook *hook = container_of(get_kretprobe(ri), struct kp_hook, krp);
	struct kp_hook_frame *frame = (struct kp_hook_frame *)ri->data;

	frame->force_zero = false;
	frame->valid = kp_decode(hook->point, regs, &frame->ev);
	if (frame->valid && !kp_hook_targets[hook->point].on_nonzero_return) {
		atomic_long_inc(&hook->fired);
		frame->force_zero = hook->handler(hook, &frame->ev);
	}
	return 0;
}

static int kp_hook_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kp_hook *hook = container_of(get_kretprobe(ri), struct kp_hook, krp);
	struct kp_hook_frame *frame = (struct kp_hook_frame *)ri->data;

	if (frame->valid && kp_hook_targets[hook->point].on_nonzero_return) {
		if (regs_return_value(regs)) {
			atomic_long_inc(&hook->fired);
			hook->handler(hook, &frame->ev);
		}
		return 0;
	}
	if (frame->force_zero && regs_return_value(regs)) {
		regs_set_return_value(regs, 0);
		atomic_long_inc(&hook->overridden);
	}
	return 0;
}

static void kp_hook_register_slot(struct kp_hook *hook, bool add)
{
	int i;

	for (i = 0; i < KP_MAX_HOOKS; i++) {
		if (add && !kp_hooks[i]) {
			kp_hooks[i] = hook;
			return;
		}
		if (!add && kp_hooks[i] == hook) {
			kp_hooks[i] = NULL;
			return;
		}
	}
}

int kp_hook_arm(struct kp_hook *hook)
{
	int err;

	hook->func = kp_hook_targets[hook->point].func;
	hook->armed = false;
	atomic_long_set(&hook->fired, 0);
	atomic_long_set(&hook->overridden, 0);
	memset(&hook->krp, 0, sizeof(hook->krp));
	hook->krp.kp.symbol_name = hook->func;
	hook->krp.entry_handler = kp_hook_entry;
	hook->krp.handler = kp_hook_return;
	hook->krp.data_size = sizeof(struct kp_hook_frame);
	hook->krp.maxactive = max_t(int, 16, 2 * num_possible_cpus());
	kp_hook_register_slot(hook, true);
	if (kp_inject("hooks") || kp_inject_named("hook:", hook->name)) {
		err = -EINVAL;
		hook->reason = kp_inject("hooks") ? "inject_fail=hooks" : "inject_fail=hook:<name>";
		goto fail;
	}
	err = register_kretprobe(&hook->krp);
	if (err) {
		hook->reason = err == -ENOENT ? "function not found in this kernel" :
			       err == -EBUSY ? "function busy (another tracer owns it)" :
			       "kretprobe registration failed";
		goto fail;
	}
	hook->armed = true;
	hook->reason = NULL;
	return 0;
fail:
	pr_info("hook %s on %s unavailable: %s (%d)\n", hook->name, hook->func,
		hook->reason, err);
	return err;
}

void kp_hook_disarm(struct kp_hook *hook)
{
	if (hook->armed) {
		unregister_kretprobe(&hook->krp);
		hook->armed = false;
		hook->reason = "stopped";
	}
	kp_hook_register_slot(hook, false);
}

/*
 * Self-test: hook a kernel function kpromoted can call itself, with the
 * same mechanism the sources use, call it, and require that both the entry
 * and the return handler ran. Catches a kernel where probes attach but
 * never fire.
 *
 * The canary is kallsyms_lookup_name: kpromoted already calls it (through
 * its stub, src/compat/ksyms.c), and the rest of the kernel almost never
 * does, so no other CPU is likely to be inside it while the probe comes
 * and goes. (A first version used pfn_to_online_page, which DAMON's
 * kdamond calls all the time on 7.2.)
 */
static atomic_t kp_canary_entry, kp_canary_return;

static int kp_canary_on_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	atomic_inc(&kp_canary_entry);
	return 0;
}

static int kp_canary_on_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	atomic_inc(&kp_canary_return);
	return 0;
}

/*
 * Static, never on the stack: other CPUs (kdamond, compaction) may be
 * inside the canary function when it is unregistered, and their return
 * still goes through this kretprobe's rethook.
 */
static struct kretprobe kp_canary_krp = {
	.kp.symbol_name = "kallsyms_lookup_name",
	.entry_handler = kp_canary_on_entry,
	.handler = kp_canary_on_return,
	.maxactive = 4,
};

int kp_hooks_selftest(void)
{
	struct kretprobe *krp = &kp_canary_krp;
	int err;

	atomic_set(&kp_canary_entry, 0);
	atomic_set(&kp_canary_return, 0);
	/* register_kretprobe() wants a clean struct on every load. */
	memset(&krp->kp, 0, sizeof(krp->kp));
	krp->kp.symbol_name = "kallsyms_lookup_name";
	krp->nmissed = 0;
	err = register_kretprobe(krp);
	if (err) {
		kp_selftest_result = "failed: cannot register a kretprobe";
		pr_err("hook self-test: cannot register a kretprobe (%d)\n", err);
		return err;
	}
	if (!kp_ksym_canary_call()) {
		unregister_kretprobe(krp);
		kp_selftest_result = "failed: resolved call returned a wrong address";
		pr_err("hook self-test: kallsyms_lookup_name through its stub did not find itself\n");
		return -EIO;
	}
	unregister_kretprobe(krp);
	if (!atomic_read(&kp_canary_entry) || !atomic_read(&kp_canary_return)) {
		kp_selftest_result = "failed: hook attached but did not fire";
		pr_err("hook self-test: kretprobe attached but did not fire\n");
		return -EIO;
	}
	kp_selftest_result = "ok";
	return 0;
}

void kp_hooks_show(struct seq_file *m)
{
	int i;

	seq_printf(m, "selftest %s\n", kp_selftest_result);
	for (i = 0; i < KP_MAX_HOOKS; i++) {
		struct kp_hook *h = kp_hooks[i];

		if (!h)
			continue;
		if (h->armed)
			seq_printf(m, "%s %s kretprobe armed fired %ld overridden %ld missed %d\n",
				   h->name, h->func, atomic_long_read(&h->fired),
				   atomic_long_read(&h->overridden), h->krp.nmissed);
		else
			seq_printf(m, "%s %s kretprobe unavailable: %s fired %ld\n",
				   h->name, h->func, h->reason ?: "not armed",
				   atomic_long_read(&h->fired));
	}
}
