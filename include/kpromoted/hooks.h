/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small layer over kretprobes. A source asks for a hook *point* (what it
 * wants to observe); this layer knows which kernel function that is on
 * each release and how to decode its arguments, and hands the source a
 * decoded event. The handler may ask the hooked function to return 0
 * (false), which is how kpromoted takes promotion out of the fault path.
 * The framework is src/compat/hooks.c; the function and argument decoder
 * of each point, per release, are in src/compat/hook_targets.c.
 */
#ifndef KPROMOTED_HOOKS_H
#define KPROMOTED_HOOKS_H

#include <linux/atomic.h>
#include <linux/kprobes.h>
#include "kpromoted/compat.h"

struct kp_hook_event {
	unsigned long pfn;
	int page_nid;		/* node the page is on */
	int accessing_nid;	/* node of the accessing CPU, or KP_NID_UNKNOWN */
	struct mem_cgroup *memcg;	/* owner, when the hook point knows it */
	/*
	 * Hint faults: ms since the scanner made the page inaccessible, as the
	 * kernel stamps it for slow-tier pages in memory-tiering mode.
	 * Meaningless outside that mode: the source decides whether to trust it.
	 */
	int scan_age_ms;
};

struct kp_hook;
/* Runs in the hooked function's context (preemption off). true = force 0. */
typedef bool (*kp_hook_fn)(struct kp_hook *hook, const struct kp_hook_event *ev);

struct kp_hook {
	const char *name;
	enum kp_hook_point point;
	kp_hook_fn handler;
	/*
	 * For a point whose handler runs on the function's return (the MGLRU
	 * walk's): whether a call, decoded at entry, can matter at all. A call
	 * that cannot (a fast node's walk, kswapd's most of the time) is not
	 * followed to its return. NULL: every call is.
	 */
	bool (*wants)(const struct kp_hook_event *ev);
	/* owned by hooks.c */
	struct kretprobe krp;
	const char *func;
	bool armed;
	const char *reason;
	atomic_long_t fired;
	atomic_long_t overridden;
};

/* Proves at load that kretprobes fire on this kernel; 0 or -errno. */
int kp_hooks_selftest(void);
/* 0, or -errno with hook->reason set for the operator. */
int kp_hook_arm(struct kp_hook *hook);
void kp_hook_disarm(struct kp_hook *hook);
struct seq_file;
void kp_hooks_show(struct seq_file *m);

#endif
