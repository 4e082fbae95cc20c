// SPDX-License-Identifier: GPL-2.0
/*
 * The hook framework: a kretprobe per armed hook on the function
 * src/compat/hook_targets.c names for its point, the entry and return
 * handlers that decode the arguments there, run the source's handler and
 * count its hits (and force a 0 return when asked), arming and disarming,
 * the load-time self-test, and the debugfs `hooks` lines. Nothing here
 * differs between releases.
 */
#include <linux/cpumask.h>
#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <linux/seq_file.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/hooks.h"
#include "kpromoted/hook_targets.h"
#include "kpromoted/ksyms.h"

#define KP_MAX_HOOKS 4
static struct kp_hook *kp_hooks[KP_MAX_HOOKS];
static const char *kp_selftest_result = "not run";

struct kp_hook_frame {
	struct kp_hook_event ev;
	bool valid;
	bool force_zero;
};

/*
 * A nonzero return tells kprobes not to follow this call to its return:
 * no return trampoline, no instance held. Only the calls whose return has
 * something to do are followed: a value to read (on_nonzero_return, and
 * the hook wants the call) or a 0 to force.
 */
static int kp_hook_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kp_hook *hook = container_of(get_kretprobe(ri), struct kp_hook, krp);
	struct kp_hook_frame *frame = (struct kp_hook_frame *)ri->data;

	frame->force_zero = false;
	frame->valid = kp_hook_decode(hook->point, regs, &frame->ev);
	if (!frame->valid)
		return 1;
	if (kp_hook_targets[hook->point].on_nonzero_return)
		return hook->wants && !hook->wants(&frame->ev);
	atomic_long_inc(&hook->fired);
	frame->force_zero = hook->handler(hook, &frame->ev);
	return !frame->force_zero;
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
	/* Refused at load (src/compat/protos.c), which said why in the log. */
	hook->reason = kp_protos_hook_refusal(hook->func);
	if (hook->reason)
		return -ENOEXEC;
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
