/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A source turns events it observes into kp_record_access() calls and
 * nothing else: no classification, no migration.
 */
#ifndef KPROMOTED_SOURCES_H
#define KPROMOTED_SOURCES_H

#include "kpromoted/policy.h"

struct seq_file;

struct kp_source_ops {
	/* NULL when the source can run here, else why it cannot. */
	const char *(*unavailable)(void);
	/* 0 or -errno; *why set on failure. */
	int (*start)(const char **why);
	void (*stop)(void);
	/* Optional: more `<source>_<what> <value>` lines for debugfs `sources` while it runs. */
	void (*show)(struct seq_file *m);
};

extern const struct kp_source_ops kp_hintfault_source;
extern const struct kp_source_ops kp_mglru_source;
extern const struct kp_source_ops kp_ibs_source;
extern const struct kp_source_ops kp_pebs_source;

#endif
