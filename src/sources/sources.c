// SPDX-License-Identifier: GPL-2.0
/*
 * Which sources run. sources=auto starts every source this kernel and CPU
 * can run and shows why the others cannot; an explicit list starts what
 * was named, and fails the load only when none of it can run.
 */
#include <linux/seq_file.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/sources.h"

enum kp_src_state { KP_SRC_DISABLED, KP_SRC_RUNNING, KP_SRC_UNAVAILABLE };

static const struct kp_source_ops *const kp_source_ops[KP_NR_SOURCES] = {
	[KP_SRC_HINTFAULT] = &kp_hintfault_source,
	[KP_SRC_MGLRU] = &kp_mglru_source,
	[KP_SRC_IBS] = &kp_ibs_source,
	[KP_SRC_PEBS] = &kp_pebs_source,
};

static enum kp_src_state kp_src_state[KP_NR_SOURCES];
static const char *kp_src_reason[KP_NR_SOURCES];

void kp_sources_stop(void)
{
	int i;

	for (i = KP_NR_SOURCES - 1; i >= 0; i--) {
		if (kp_src_state[i] == KP_SRC_RUNNING)
			kp_source_ops[i]->stop();
		kp_src_state[i] = KP_SRC_DISABLED;
	}
}

int kp_sources_start(void)
{
	int i, running = 0, err;
	const char *why;

	for (i = 0; i < KP_NR_SOURCES; i++) {
		kp_src_state[i] = KP_SRC_DISABLED;
		kp_src_reason[i] = NULL;
		if (!(kp_cfg.sources & (1u << i)))
			continue;
		why = kp_source_ops[i]->unavailable();
		if (!why) {
			why = "start failed";
			err = kp_source_ops[i]->start(&why);
			if (!err) {
				kp_src_state[i] = KP_SRC_RUNNING;
				running++;
				continue;
			}
		}
		kp_src_state[i] = KP_SRC_UNAVAILABLE;
		kp_src_reason[i] = why;
		if (!kp_cfg.sources_auto)
			pr_warn("source %s unavailable: %s\n", kp_source_names[i], why);
	}
	if (kp_inject("sources")) {
		pr_err("inject_fail=sources: failing source start\n");
		kp_sources_stop();
		return -ENODEV;
	}
	if (kp_cfg.sources && !running) {
		pr_err("none of the selected sources can run here (see above or debugfs sources)\n");
		kp_sources_stop();
		return -ENODEV;
	}
	return 0;
}

void kp_sources_show(struct seq_file *m)
{
	int i;

	for (i = 0; i < KP_NR_SOURCES; i++) {
		seq_printf(m, "%s ", kp_source_names[i]);
		switch (kp_src_state[i]) {
		case KP_SRC_RUNNING:
			seq_puts(m, "enabled\n");
			if (kp_source_ops[i]->show)
				kp_source_ops[i]->show(m);
			break;
		case KP_SRC_UNAVAILABLE:
			seq_printf(m, "unavailable: %s\n", kp_src_reason[i]);
			break;
		case KP_SRC_DISABLED:
			seq_puts(m, "disabled\n");
			break;
		}
	}
}
