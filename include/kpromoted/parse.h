/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The text syntax of kpromoted's values (src/core/parse.c): parameter
 * values, the node list formatted back, and the debugfs `filter` command.
 * Pure: built into the module, tools/kpromotedctl and the host unit tests.
 */
#ifndef KPROMOTED_PARSE_H
#define KPROMOTED_PARSE_H

#include "kpromoted/policy.h"

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

#endif
