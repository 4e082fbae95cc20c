/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the pure code shared by the module, tools/kpromotedctl and the host
 * unit tests has in common: the fixed-width types on the host, the node id
 * limit and the access sources. The pure pieces themselves each have their
 * own header: kpromoted/parse.h (value syntax), kpromoted/tier_select.h
 * (fast and slow nodes), kpromoted/params.h (the parameter table).
 */
#ifndef KPROMOTED_POLICY_H
#define KPROMOTED_POLICY_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
typedef uint64_t u64;
typedef uint32_t u32;
#endif

/* Node ids kpromoted can name in a mask. Nodes above this are refused. */
#define KP_MAX_NODES 64

/* Sources, in the order they appear in sources= and in debugfs. */
enum kp_source_id {
	KP_SRC_HINTFAULT,
	KP_SRC_MGLRU,
	KP_SRC_IBS,
	KP_SRC_PEBS,
	KP_NR_SOURCES,
};
#define KP_SRC_ALL ((1u << KP_NR_SOURCES) - 1)
/* Defined in src/core/parse.c, beside the parser of sources=. */
extern const char *const kp_source_names[KP_NR_SOURCES];

#endif
