// SPDX-License-Identifier: GPL-2.0
/*
 * kpromoted: promotes hot pages from slow memory tiers to fast ones.
 *
 * The whole lifecycle is here: each load step below has its undo, run in
 * exact reverse order on unload and on the failure of any later step, so
 * a failed load leaves nothing behind.
 */
#include <linux/module.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/confirm.h"
#include "kpromoted/hooks.h"
#include "kpromoted/ksyms.h"
#include "kpromoted/promote.h"
#include "kpromoted/stats.h"

static void kp_nothing(void)
{
}

static int kp_nothing_int(void)
{
	return 0;
}

struct kp_step {
	const char *name;
	int (*start)(void);
	void (*stop)(void);
};

static int kp_symbols_start(void)
{
	int err;

	if (kp_inject("symbols")) {
		pr_err("inject_fail=symbols: failing symbol resolution\n");
		return -ENOENT;
	}
	err = kp_ksyms_resolve();
	return err ?: kp_protos_check();
}

static int kp_debugfs_start(void)
{
	int err = kp_debugfs_init();

	if (err)
		pr_err("cannot create debugfs files (%d)\n", err);
	return err;
}

/*
 * debugfs comes last: its files are the only way in from user space (the
 * filter is writable), so they appear once every other step has succeeded
 * and go first on unload, before the filter and everything else they reach
 * is torn down. debugfs_remove_recursive() waits for writes in flight.
 */
static const struct kp_step kp_steps[] = {
	{ "parameters", kp_params_validate, kp_nothing },
	{ "symbols", kp_symbols_start, kp_nothing },
	{ "tiers", kp_tiers_detect, kp_nothing },
	{ "hook self-test", kp_hooks_selftest, kp_nothing },
	/*
	 * The sources change the kernel's settings when they start; they go
	 * back here, after the workers have stopped: restored under a running
	 * worker, numa_balancing could be back at 1 while a slow page moves to
	 * a fast node keeping its tiering-mode scan time where the kernel
	 * keeps a CPU and PID, and the next hint fault reads a CPU that does
	 * not exist (src/core/settings.c). A failed load reaches it by the
	 * unwind like any step.
	 */
	{ "settings", kp_nothing_int, kp_settings_restore },
	{ "table", kp_table_init, kp_table_exit },
	{ "promotion", kp_workers_init, kp_workers_exit },
	{ "confirmation", kp_confirm_init, kp_confirm_exit },
	{ "sweep", kp_sweep_init, kp_sweep_exit },
	{ "filter", kp_nothing_int, kp_filter_exit },
	{ "sources", kp_sources_start, kp_sources_stop },
	{ "debugfs", kp_debugfs_start, kp_debugfs_exit },
};

static int kp_started;

static void kp_unwind(void)
{
	while (kp_started > 0)
		kp_steps[--kp_started].stop();
}

static int __init kp_init(void)
{
	int err;

	kp_stats_reset();
	for (kp_started = 0; kp_started < ARRAY_SIZE(kp_steps); kp_started++) {
		err = kp_steps[kp_started].start();
		/*
		 * inject_fail=after:<step>: that step and every one before it
		 * started (settings changed, hooks armed), then the load fails:
		 * the undo of each is what is tested.
		 */
		if (!err && kp_inject_named("after:", kp_steps[kp_started].name)) {
			pr_err("inject_fail=after:%s: failing the load after that step\n",
			       kp_steps[kp_started].name);
			kp_started++;
			err = -ECANCELED;
		}
		if (err) {
			kp_unwind();
			return err;
		}
	}
	pr_info("loaded " KPROMOTED_VERSION "\n");
	return 0;
}

static void __exit kp_exit(void)
{
	kp_unwind();
	pr_info("unloaded\n");
}

module_init(kp_init);
module_exit(kp_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("kpromoted developers");
MODULE_DESCRIPTION("Promotes hot pages from slow memory tiers to fast ones");
MODULE_VERSION(KPROMOTED_VERSION);
