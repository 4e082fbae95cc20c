/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the hook framework (src/compat/hooks.c) asks of the per-release hook
 * targets (src/compat/hook_targets.c): the kernel function of each hook
 * point and the decoder of its arguments. For src/compat only; sources use
 * kpromoted/hooks.h.
 */
#ifndef KPROMOTED_HOOK_TARGETS_H
#define KPROMOTED_HOOK_TARGETS_H

#include <linux/types.h>
#include "kpromoted/compat.h"

struct pt_regs;
struct kp_hook_event;

struct kp_hook_target {
	const char *func;
	/* Call the handler when the function returns non-zero, not at entry. */
	bool on_nonzero_return;
	/* What a refused hook takes away, for the kernel log. */
	const char *feature;
	/* src/compat/kabi.h: the prototype BTF must show, the direct calls in the source. */
	const char *proto;
	int callsites;
};

extern const struct kp_hook_target kp_hook_targets[KP_NR_HOOK_POINTS];

/*
 * At the entry of point's function: fills *ev from its arguments in regs.
 * false when there is nothing to report (a NULL page or pgdat).
 */
bool kp_hook_decode(enum kp_hook_point point, struct pt_regs *regs,
		    struct kp_hook_event *ev);

#endif
