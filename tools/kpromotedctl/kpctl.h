/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpromotedctl's pure pieces: parameter checks (on top of the module's own
 * parsers, tier selection and parameter table: src/core/parse.c,
 * tier_select.c, param_table.c), debugfs `name value` text, rates, JSON and
 * settings comparison. No I/O besides the FILE * handed in, so the host
 * unit tests (tools/kpromotedctl/tests) exercise all of it.
 */
#ifndef KPCTL_H
#define KPCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes: stable, documented in README and `kpromotedctl --help`. */
enum kpctl_exit {
	KPCTL_OK = 0,
	KPCTL_EFAIL = 1,	/* the operation failed (load, unload, read) */
	KPCTL_EUSAGE = 2,	/* bad command line */
	KPCTL_EPARAM = 3,	/* bad module parameter */
	KPCTL_EROOT = 4,	/* not root */
	KPCTL_ENOMOD = 5,	/* module not installed for this kernel */
	KPCTL_ENODEBUGFS = 6,	/* debugfs not mounted */
	KPCTL_ENOTLOADED = 7,	/* module not loaded */
	KPCTL_ELOADED = 8,	/* module already loaded */
	KPCTL_ERESTORE = 9,	/* unloaded, but a setting is not back as it was */
};

#define KPCTL_NAME_LEN 64
#define KPCTL_VALUE_LEN 192
#define KPCTL_MAX_KV 256

struct kpctl_kv {
	char name[KPCTL_NAME_LEN];
	char value[KPCTL_VALUE_LEN];
};

struct kpctl_kvset {
	int n;
	struct kpctl_kv kv[KPCTL_MAX_KV];
};

/* Parses `name value` lines (value: the rest of the line, may be empty). Returns count. */
int kpctl_kv_parse(const char *text, struct kpctl_kvset *set);
const char *kpctl_kv_get(const struct kpctl_kvset *set, const char *name);
/* 0 and *out when name holds a decimal number, else -1. */
int kpctl_kv_u64(const struct kpctl_kvset *set, const char *name, uint64_t *out);
bool kpctl_is_u64(const char *s);

/* Node masks from /sys/devices/system/node (online, has_memory, has_cpu). */
struct kpctl_nodes {
	bool known;
	uint64_t online, memory, cpu;
};

/*
 * Checks `name=value` arguments for `load` as the module will: unknown names,
 * repeats, values (with the module's own parsers), mglru_min_ms <= mglru_max_ms,
 * and slow_nodes against the machine's nodes when known. Returns 0, or -1 with
 * one line (no newline) in err.
 */
int kpctl_params_check(int argc, char *const *argv, const struct kpctl_nodes *nodes,
		       char *err, size_t errlen);
/* The names load accepts, NULL-terminated (for --help and the drift test). */
extern const char *const kpctl_param_names[];
/* The "accepted" text of a parameter (what the module's error line says), or NULL. */
const char *kpctl_param_accepted(const char *name);

/* Rates between two stats samples taken `secs` apart (a counter that went back: 0). */
struct kpctl_rates {
	double mb_s, pages_s, batches_s;
	double records_s, dropped_s, candidates_s;
	double hintfault_s, mglru_s;
	double skipped_rate_s, skipped_room_s, failed_s;
};
void kpctl_rates(const struct kpctl_kvset *a, const struct kpctl_kvset *b, double secs,
		 struct kpctl_rates *r);

/* "1.5 MiB" style; returns buf. */
char *kpctl_fmt_bytes(uint64_t bytes, char *buf, size_t len);
/* Seconds from "0.5", "2": 0 or -1 (range 0.05..3600). */
int kpctl_parse_interval(const char *s, double *out);
/* Positive count: 0 or -1 (1..1000000). */
int kpctl_parse_count(const char *s, long *out);

/* Every pair as one JSON object: numbers as numbers, anything else as a string. */
void kpctl_json(const struct kpctl_kvset *set, FILE *out);

/*
 * Prometheus text format for node_exporter's textfile collector: one family
 * (HELP, TYPE, samples) per metric, named kpromoted_*. Counters are the
 * module's KP_STATS (include/kpromoted/stats_names.h), with _total; the rest
 * of `stats` are gauges; node<N>_<x> becomes kpromoted_<x>...{node="N"};
 * milliseconds and nanoseconds become seconds.
 */
struct kpctl_metric {
	const char *stat;	/* debugfs stats name (per_node: the part after node<N>_) */
	const char *metric;	/* without the kpromoted_ prefix */
	bool counter;
	bool per_node;
	uint64_t div;		/* value divided by this (ms, ns -> s) */
	const char *label, *label_value;
	const char *help;	/* the family's (first row of a family) */
};
/* Every stats name kpromotedctl describes, NULL-terminated (the drift tests read it). */
extern const struct kpctl_metric kpctl_metrics[];
bool kpctl_stat_is_counter(const char *name);
/*
 * stats (required), sources (NULL: none) and the module's version (NULL: no
 * kpromoted_info) as Prometheus text. Returns the number of samples written.
 */
int kpctl_prometheus(const struct kpctl_kvset *stats, const struct kpctl_kvset *sources,
		     const char *version, FILE *out);

/*
 * Settings kpromoted may change while loaded, compared after unload against
 * what was saved before load. Returns the number of differences and writes a
 * one-line description of the first into err.
 */
int kpctl_settings_diff(const struct kpctl_kvset *saved, const struct kpctl_kvset *now,
			char *err, size_t errlen);

#endif
