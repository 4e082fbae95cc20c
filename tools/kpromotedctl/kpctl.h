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

/*
 * heatmap: debugfs `regions` (one heat byte per 2 MiB region of each slow
 * node: `span node N start_pfn P regions R`, then lines of hex bytes, or
 * `z COUNT` for a run of cold regions).
 */
#define KPCTL_MAX_SPANS 8
#define KPCTL_REGION_BYTES (2ull << 20)
struct kpctl_span {
	int node;
	uint64_t start_pfn, nr;
	unsigned char *heat;	/* nr bytes, malloc'd */
};
struct kpctl_regions {
	int n;
	struct kpctl_span span[KPCTL_MAX_SPANS];
};
/* 0, or -1 with one line in err (r is then empty). Free with kpctl_regions_free. */
int kpctl_regions_parse(const char *text, struct kpctl_regions *r, char *err, size_t errlen);
void kpctl_regions_free(struct kpctl_regions *r);

/*
 * A span folded into at most max_rows rows of cols cells: each cell covers
 * per_cell consecutive regions and holds the hottest of them, so one hot
 * region stays visible whatever the size (1 GiB: a region a cell; 1 TiB:
 * 256 a cell at 64 x 32).
 */
struct kpctl_fold {
	int rows, cols;
	uint64_t per_cell, cells;	/* cells: how many hold regions */
	unsigned char *cell;		/* rows * cols, malloc'd */
};
int kpctl_fold(const struct kpctl_span *s, int cols, int max_rows, struct kpctl_fold *f);
void kpctl_fold_free(struct kpctl_fold *f);
/* 0 (cold) .. 9 (hottest): a log scale of a heat byte. */
int kpctl_heat_level(unsigned int heat);
/* The plain characters of the levels, cold to hot. */
#define KPCTL_HEAT_CHARS " .:-=+*#%@"
/* One span's map: a header, one line per row (its offset in the node), a legend. */
void kpctl_heatmap_render(const struct kpctl_span *s, const struct kpctl_fold *f, bool color,
			  FILE *out);
/*
 * gnuplot script for --png: frames[t] (nframes of them, interval seconds
 * apart) are folds of span s with one column each; time on x, the node's
 * physical offset on y, the level as colour. The data is inline.
 */
void kpctl_heatmap_gnuplot(const struct kpctl_span *s, const struct kpctl_fold *frames,
			   int nframes, double interval, const char *png, FILE *out);

/*
 * top: debugfs `owners`: `process <tgid> <sighted> <promoted>`,
 * `cgroup <id> <sighted> <promoted> [path]`, and per kind one
 * `<kind> other <sighted> <promoted>`, fields one space apart. The path is
 * escaped: space, tab, newline, backslash and every byte outside printable
 * ASCII as \ooo (three octal digits), so a name is one field of one line
 * whatever bytes its owner chose.
 */
enum kpctl_by { KPCTL_BY_PROCESS, KPCTL_BY_CGROUP };
struct kpctl_owner {
	uint64_t id;		/* tgid or cgroup id; 0 for `other` */
	bool other;
	uint64_t sighted, promoted;
	double sighted_s, promoted_s;	/* rates, from kpctl_owners_rates */
	char path[256];		/* cgroup path, "" when unknown */
};
struct kpctl_owners {
	int n;
	struct kpctl_owner o[1100];
};
/*
 * The escaped name src[0..len) decoded into dst, cut to dstlen - 1 bytes
 * (ending in "..." when cut): 0, or -1 when it is not in the escaped form
 * (a raw space, control or non-ASCII byte, a backslash not followed by
 * three octal digits up to \377, or \000).
 */
int kpctl_unescape_name(const char *src, size_t len, char *dst, size_t dstlen);
/*
 * name as it may go to a terminal: control bytes, DEL, the backslash and
 * bytes outside ASCII as \ooo, the rest (spaces included) as they are; cut
 * at a whole character to fit dstlen.
 */
void kpctl_escape_display(const char *name, char *dst, size_t dstlen);
/*
 * The lines of one kind. 0, or -1 with one line in err (a line not in the
 * form above: a name with a raw space or control byte is refused, not split).
 */
int kpctl_owners_parse(const char *text, enum kpctl_by by, struct kpctl_owners *set, char *err,
		       size_t errlen);
/* Rates of cur against prev (secs apart; an owner new in cur counts from 0). */
void kpctl_owners_rates(const struct kpctl_owners *prev, struct kpctl_owners *cur, double secs);
/* Most promoted pages first, then most sighted; `other` last. */
void kpctl_owners_sort(struct kpctl_owners *set);
/*
 * Name of an owner for the table (process: its comm), NULL when not known;
 * raw bytes, escaped by kpctl_top_render() as kpctl_escape_display() does.
 */
typedef const char *(*kpctl_owner_name_fn)(const struct kpctl_owner *o, void *ctx);
/* The table, at most max_rows owners (and `other` when it has counts). */
void kpctl_top_render(const struct kpctl_owners *set, enum kpctl_by by, int max_rows,
		      kpctl_owner_name_fn name, void *ctx, FILE *out);

#endif
