/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the kpromoted guest tests (tests/vm/kp_*.c).
 *
 * Everything here returns values (0 / -errno / counts); the assertions live in
 * the tests. Include after kselftest_harness.h: KP_REQUIRE_ENV() uses SKIP().
 *
 * The names, paths and formats come from docs/interfaces.md (the contract).
 */
#ifndef KP_TEST_UTIL_H
#define KP_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <regex.h>
#include <stdint.h>
#include <sys/types.h>

#define KP_NAME		"kpromoted"
#define KP_SYSFS	"/sys/module/kpromoted"
#define KP_SYSFS_PARAMS	KP_SYSFS "/parameters"
#define KP_DEBUGFS	"/sys/kernel/debug/kpromoted"
#define KP_NUMA_BALANCING "/proc/sys/kernel/numa_balancing"
#define KP_LRU_GEN	"/sys/kernel/mm/lru_gen/enabled"

#define KP_BUF_SIZE	65536	/* any debugfs file or log slice we read */
#define KP_VAL_SIZE	256	/* one value */
#define KP_MAX_LINES	512
#define KP_MAX_NODES	64	/* the contract's node id limit */

/* One module parameter of the contract and its default. */
struct kp_param {
	const char *name;
	const char *def;
};
extern const struct kp_param kp_params[];	/* terminated by { NULL } */

/* Why this machine cannot run module tests (not root, no module support), or NULL. */
const char *kp_env_unusable(void);

/*
 * Use in the test body, not in FIXTURE_SETUP: with the 6.1 harness a SKIP in
 * the setup does not stop the test body from running. Setups and teardowns
 * check kp_env_unusable() instead.
 */
#define KP_REQUIRE_ENV() do {						\
	const char *why_ = kp_env_unusable();				\
									\
	if (why_)							\
		SKIP(return, "%s", why_);				\
} while (0)

/* ---- files ---- */
bool kp_exists(const char *path);
bool kp_is_dir(const char *path);
/* Whole file into buf, NUL-terminated; returns length or -errno (-EFBIG if it does not fit). */
ssize_t kp_read_file(const char *path, char *buf, size_t size);
/* First line of a file without its newline (sysctl / sysfs values); 0 or -errno. */
int kp_read_value(const char *path, char *val, size_t size);
/* Write val to an existing file in one write(); 0 or -errno. */
int kp_write_file(const char *path, const char *val);
/* Value of the `name value` line in text / in a file; 0, -ENOENT or -errno. */
int kp_kv_find(const char *text, const char *name, char *val, size_t size);
int kp_read_kv(const char *path, const char *name, char *val, size_t size);
/* Split buf in place at newlines (no empty last line); returns the number of lines. */
int kp_split_lines(char *buf, char **lines, int max);
/* POSIX extended regex match; cflags may add REG_ICASE. */
bool kp_match(const char *pattern, const char *s, int cflags);

/* ---- the module (libkmod) ---- */
/* insmod KP_MODULE (or the module found by name) with params; 0 or -errno of init_module. */
int kp_load(const char *params);
int kp_loadf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One rmmod attempt; 0 or -errno (-EAGAIN/-EBUSY while referenced, -ENOENT if not loaded). */
int kp_unload_once(void);
/* rmmod, retrying EBUSY/EAGAIN for up to KP_UNLOAD_WAIT_MS; 0 or -errno. */
#define KP_UNLOAD_WAIT_MS 10000
int kp_unload(void);
bool kp_loaded(void);
int kp_ensure_unloaded(void);
/* The .ko that kp_load() inserts, or NULL when there is none to be found. */
const char *kp_module_file(void);
/* Description of a parameter in the module's modinfo (`parm name:desc`); 0 or -errno. */
int kp_modinfo_param_desc(const char *param, char *desc, size_t size);

/* ---- kernel log ---- */
/* Open /dev/kmsg positioned at its end: later kp_kmsg_collect() sees only new records. */
int kp_kmsg_mark(void);
/* Messages logged since the mark, one per line, into buf; returns their number or -errno. */
int kp_kmsg_collect(int fd, char *buf, size_t size);
/*
 * Lines of log that kpromoted printed ("kpromoted: ..."), without the kernel's own
 * one-time taint notices about the module; copied to out (may be NULL). Returns the count.
 */
int kp_module_lines(const char *log, char *out, size_t size);

/* ---- NUMA nodes and tiers ---- */
/* Strict nodelist ("", "1", "0,2-3"); ids < KP_MAX_NODES. 0 or -EINVAL. */
int kp_nodelist_parse(const char *s, uint64_t *mask);
/* Canonical nodelist text, as the kernel prints it ("0-2,5"; "" for none). */
void kp_nodelist_format(uint64_t mask, char *buf, size_t size);

struct kp_topology {
	uint64_t online, memory, cpu;	/* /sys/devices/system/node/{online,has_memory,has_cpu} */
	int ntiers;			/* memory_tier* directories found */
	bool tiered;			/* the kernel puts some memory node below the top tier */
	uint64_t fast, slow;		/* memory nodes in / below the top tier */
};
/* Node states and the kernel's memory tiers (/sys/devices/virtual/memory_tiering). */
int kp_topology_read(struct kp_topology *t);

/* A node's free memory in KiB (its meminfo's MemFree), or -1. */
long kp_node_free_kib(int nid);
/*
 * The sum of a node's high watermarks in KiB, boost included (/proc/zoneinfo's
 * high is the boosted one), or -1: free memory above it is memory an
 * allocation takes without waking kswapd, let alone reclaiming.
 */
long kp_node_high_kib(int nid);

/* Non-empty and decimal digits only. */
bool kp_is_uint(const char *s);

/*
 * How many times slower than a stock kernel this guest's kernel does the
 * work behind a rate or time bound (faults, migrations, page-table walks):
 * KP_TIME_SCALE from the kernel command line (scripts/lib.sh
 * kp_release_time_scale: 1 on Debian's kernels, 10 on the debug kernel),
 * 1 when absent or not a number in 1..100. A test scales its bounds by it,
 * never what it checks.
 */
unsigned int kp_time_scale(void);

/* ---- workload processes ---- */
/*
 * Forks a child that runs fn(fd, arg), fd the write end of a pipe on which
 * it writes `size` bytes once ready (fn does not return); reads them into
 * `ready`. The child's pid, or -1 (a child that died first is reaped).
 */
pid_t kp_child_start(void (*fn)(int fd, void *arg), void *arg, void *ready, size_t size);

/* ---- kpromotedctl ---- */
/*
 * Runs `[env] kpromotedctl args` (the kpromotedctl beside this test program), its
 * stdout and stderr into out; returns its exit status, -1 if it could not run.
 */
int kp_ctl_run(char *out, size_t size, const char *env, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* KP_TEST_UTIL_H */
