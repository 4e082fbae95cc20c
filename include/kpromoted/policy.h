/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure policy logic shared by the module and the host unit tests: parameter
 * parsing and tier selection. No kernel state is touched here, so every
 * function can be exercised on the host under sanitizers.
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
extern const char *const kp_source_names[KP_NR_SOURCES];

/*
 * A parse result: 0 on success; otherwise -1 with *why set to a short
 * static reason ("not a number", "out of range", ...).
 */
int kp_parse_uint(const char *s, u32 min, u32 max, u32 *out, const char **why);
/* "" -> 0 mask; "1", "1,3", "2-5"; every id < KP_MAX_NODES. */
int kp_parse_nodelist(const char *s, u64 *mask, const char **why);
/* "auto" -> KP_SRC_ALL with *is_auto; "none" -> 0; else comma list of names. */
int kp_parse_sources(const char *s, u32 *mask, bool *is_auto, const char **why);
/* Index of s in a NULL-terminated word list. */
int kp_parse_enum(const char *s, const char *const *words, u32 *out, const char **why);
/* Writes "0-2,5" style into buf (always NUL-terminated); returns length. */
int kp_format_nodelist(u64 mask, char *buf, size_t len);

/* A write to debugfs `filter`: "clear", or include|exclude pid|cgroup <arg>. */
enum kp_filter_op { KP_FILTER_CLEAR, KP_FILTER_INCLUDE, KP_FILTER_EXCLUDE };
enum kp_filter_kind { KP_FILTER_PID, KP_FILTER_CGROUP };
#define KP_FILTER_ARG_LEN 256
struct kp_filter_cmd {
	enum kp_filter_op op;
	enum kp_filter_kind kind;
	u32 pid;
	char path[KP_FILTER_ARG_LEN];	/* cgroup v2 path, starts with '/' */
};
int kp_parse_filter_cmd(const char *s, struct kp_filter_cmd *cmd, const char **why);

/* What the module knows about one node when it picks tiers. */
struct kp_node_info {
	bool online;
	bool has_memory;
	bool has_cpu;
	bool toptier;	/* the kernel's memory tiers say: top tier */
};

enum kp_tier_source { KP_TIERS_KERNEL, KP_TIERS_OVERRIDE };

struct kp_tiers {
	u64 fast;
	u64 slow;
	enum kp_tier_source source;
};

/*
 * Picks fast and slow nodes. With override != 0 the override names the
 * slow nodes (each must be an online memory node, and at least one memory
 * node must stay fast). Otherwise the kernel's tiers decide. Returns 0, or
 * -1 with *why for the operator (the caller picks -EINVAL for a bad
 * override, -ENODEV for "no slow node").
 */
int kp_select_tiers(const struct kp_node_info *nodes, int nr_nodes, u64 override,
		    struct kp_tiers *out, const char **why);

#endif
