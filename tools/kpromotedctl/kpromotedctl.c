// SPDX-License-Identifier: GPL-2.0
/*
 * kpromotedctl: load, unload and watch kpromoted.
 *
 *   kpromotedctl load [--module FILE] [param=value ...]
 *   kpromotedctl unload
 *   kpromotedctl status [--interval S]
 *   kpromotedctl stats [--json | --prometheus]
 *   kpromotedctl watch [--interval S] [--iterations N]
 *   kpromotedctl heatmap [--node N] [--interval S] [--count K] [--png FILE]
 *   kpromotedctl top [--by process|cgroup] [--interval S] [--count K]
 *
 * Every failure is one line on stderr and a distinct exit code (kpctl.h).
 * KPROMOTEDCTL_ROOT prefixes every /sys, /proc and /run path (tests use a fake
 * tree; root is then not required); KPROMOTEDCTL_MODDIR is handed to libkmod.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libkmod.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kpctl.h"
#include "kpromoted/parse.h"

#define DEBUGFS_MNT "/sys/kernel/debug"
#define KP_DEBUGFS DEBUGFS_MNT "/kpromoted"
#define KP_SYSFS "/sys/module/kpromoted"
#define SAVED_DIR "/run/kpromoted"
#define SAVED_FILE SAVED_DIR "/settings-before-load"
#define FILE_MAX 65536

static const char *root = "";
static bool fake_root;
static volatile sig_atomic_t stop;

/* Settings kpromoted may change while loaded (docs/interfaces.md). */
static const struct {
	const char *name, *path;
} settings[] = {
	{ "numa_balancing", "/proc/sys/kernel/numa_balancing" },
	{ "lru_gen", "/sys/kernel/mm/lru_gen/enabled" },
};

static int die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("kpromotedctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static const char *path(const char *p)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s%s", root, p);
	return buf[i];
}

/* Whole file (at most max - 1 bytes) into a malloc'd string (NULL and errno on failure). */
static char *slurp_max(const char *p, size_t max)
{
	size_t len = 0, cap = FILE_MAX;
	ssize_t n;
	char *buf;
	int fd;

	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	for (;;) {
		if (len == cap - 1 && cap < max) {
			char *more = realloc(buf, cap * 2 < max ? cap * 2 : max);

			if (!more) {
				free(buf);
				close(fd);
				errno = ENOMEM;
				return NULL;
			}
			buf = more;
			cap = cap * 2 < max ? cap * 2 : max;
		}
		if (len >= cap - 1)
			break;
		n = read(fd, buf + len, cap - 1 - len);
		if (!n)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = errno;
			free(buf);
			close(fd);
			errno = (int)n;
			return NULL;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	return buf;
}

static char *slurp(const char *p)
{
	return slurp_max(p, FILE_MAX);
}

static int read_kv(const char *p, struct kpctl_kvset *set)
{
	char *text = slurp(path(p));

	if (!text)
		return -errno;
	kpctl_kv_parse(text, set);
	free(text);
	return 0;
}

/* First line of a file, without its newline; 0 or -errno. */
static int read_line(const char *p, char *buf, size_t len)
{
	char *text = slurp(path(p));

	if (!text)
		return -errno;
	snprintf(buf, len, "%.*s", (int)strcspn(text, "\n"), text);
	free(text);
	return 0;
}

static bool module_loaded(void)
{
	struct stat st;

	return stat(path(KP_SYSFS), &st) == 0;
}

static bool debugfs_mounted(void)
{
	char *mounts = slurp(path("/proc/mounts")), *line, *save = NULL;
	bool found = false;

	if (!mounts)
		return false;
	for (line = strtok_r(mounts, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char dev[256], mnt[256], type[64];

		if (sscanf(line, "%255s %255s %63s", dev, mnt, type) == 3 &&
		    !strcmp(mnt, DEBUGFS_MNT) && !strcmp(type, "debugfs"))
			found = true;
	}
	free(mounts);
	return found;
}

static int need_root(void)
{
	if (!fake_root && geteuid() != 0)
		return die(KPCTL_EROOT, "must run as root (module loading and kpromoted's debugfs files are root-only)");
	return 0;
}

/* The checks every reading command makes, in the order a user can fix them. */
static int need_loaded_and_debugfs(void)
{
	int rc = need_root();

	if (rc)
		return rc;
	if (!module_loaded())
		return die(KPCTL_ENOTLOADED, "kpromoted is not loaded (kpromotedctl load)");
	if (!debugfs_mounted())
		return die(KPCTL_ENODEBUGFS, "debugfs is not mounted at %s (mount -t debugfs none %s)",
			   DEBUGFS_MNT, DEBUGFS_MNT);
	return 0;
}

static int read_stats(struct kpctl_kvset *set)
{
	int rc = read_kv(KP_DEBUGFS "/stats", set);

	if (rc == -ENOENT && !module_loaded())
		return die(KPCTL_ENOTLOADED, "kpromoted was unloaded");
	if (rc)
		return die(KPCTL_EFAIL, "cannot read %s: %s", path(KP_DEBUGFS "/stats"), strerror(-rc));
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t u64_of(const struct kpctl_kvset *set, const char *name)
{
	uint64_t v = 0;

	kpctl_kv_u64(set, name, &v);
	return v;
}

static const char *value_or(const struct kpctl_kvset *set, const char *name, const char *def)
{
	const char *v = kpctl_kv_get(set, name);

	return v && *v ? v : def;
}

/* ---- report pieces shared by load, status and watch ---- */

static void print_tiers(const struct kpctl_kvset *tiers)
{
	int nid;

	printf("tiers:   fast nodes %s, slow nodes %s (%s)\n", value_or(tiers, "fast_nodes", "none"),
	       value_or(tiers, "slow_nodes", "none"),
	       !strcmp(value_or(tiers, "tier_source", "?"), "override") ?
		       "slow_nodes= override" : "the kernel's memory tiers");
	for (nid = 0; nid < KP_MAX_NODES; nid++) {
		char key[32];
		const char *v;

		snprintf(key, sizeof(key), "node%d_make_room", nid);
		v = value_or(tiers, key, NULL);
		if (v)
			printf("         node %d full: %s\n", nid, !strncmp(v, "on", 2) ?
			       "room made by demoting its cold pages" : v);
	}
}

static void print_sources(const struct kpctl_kvset *sources)
{
	int i;

	for (i = 0; i < sources->n; i++)
		printf("%s %-10s %s\n", i ? "        " : "sources:", sources->kv[i].name,
		       sources->kv[i].value);
}

/* "node0 312 MiB used, node1 ..." from each node's meminfo (the demo's ground truth). */
static void print_nodes(void)
{
	char p[128], size[32];
	bool any = false;
	int nid;

	for (nid = 0; nid < KP_MAX_NODES; nid++) {
		char *text, *line, *save = NULL;
		uint64_t used = 0;

		snprintf(p, sizeof(p), "/sys/devices/system/node/node%d/meminfo", nid);
		text = slurp(path(p));
		if (!text)
			continue;
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			unsigned long long kb;
			int n;

			if (sscanf(line, "Node %d MemUsed: %llu kB", &n, &kb) == 2)
				used = kb * 1024;
		}
		free(text);
		printf("%s node%d %s used", any ? "," : "memory: ", nid,
		       kpctl_fmt_bytes(used, size, sizeof(size)));
		any = true;
	}
	if (any)
		putchar('\n');
}

static void print_totals(const struct kpctl_kvset *st)
{
	char b1[32], b2[32];

	printf("totals:  promoted %llu pages (%s) in %llu batches; records %llu (dropped %llu); candidates %llu\n",
	       (unsigned long long)u64_of(st, "promoted_pages"),
	       kpctl_fmt_bytes(u64_of(st, "promoted_bytes"), b1, sizeof(b1)),
	       (unsigned long long)u64_of(st, "promote_batches"),
	       (unsigned long long)u64_of(st, "records"),
	       (unsigned long long)u64_of(st, "records_dropped"),
	       (unsigned long long)u64_of(st, "candidates"));
	printf("skipped: rate limit %llu, no room %llu, policy %llu, pinned %llu, not LRU %llu; failed: isolate %llu, migrate %llu\n",
	       (unsigned long long)u64_of(st, "skipped_rate_limit"),
	       (unsigned long long)u64_of(st, "skipped_no_room"),
	       (unsigned long long)u64_of(st, "skipped_policy"),
	       (unsigned long long)u64_of(st, "skipped_pinned"),
	       (unsigned long long)u64_of(st, "skipped_not_lru"),
	       (unsigned long long)u64_of(st, "failed_isolate"),
	       (unsigned long long)u64_of(st, "failed_migrate"));
	printf("room:    demoted %llu cold fast pages for hot ones; repromoted %llu\n",
	       (unsigned long long)u64_of(st, "demoted_for_room"),
	       (unsigned long long)u64_of(st, "repromoted"));
	printf("table:   %s, %llu of %llu entries used, hot threshold %s\n",
	       kpctl_fmt_bytes(u64_of(st, "table_bytes"), b2, sizeof(b2)),
	       (unsigned long long)u64_of(st, "table_used"),
	       (unsigned long long)u64_of(st, "table_entries"),
	       value_or(st, "hot_threshold_effective", "?"));
}

static void print_rates(const struct kpctl_rates *r)
{
	printf("now:     promoting %.2f MB/s, %.0f pages/s (%.1f batches/s); records %.0f/s (hintfault %.0f/s, mglru %.0f/s), dropped %.0f/s, hot %.0f/s\n",
	       r->mb_s, r->pages_s, r->batches_s, r->records_s, r->hintfault_s, r->mglru_s,
	       r->dropped_s, r->candidates_s);
}

/* ---- load ---- */

static void read_nodes(struct kpctl_nodes *n)
{
	char buf[256];
	const char *why;

	memset(n, 0, sizeof(*n));
	if (read_line("/sys/devices/system/node/online", buf, sizeof(buf)) ||
	    kp_parse_nodelist(buf, &n->online, &why) ||
	    read_line("/sys/devices/system/node/has_memory", buf, sizeof(buf)) ||
	    kp_parse_nodelist(buf, &n->memory, &why))
		return;
	if (read_line("/sys/devices/system/node/has_cpu", buf, sizeof(buf)) ||
	    kp_parse_nodelist(buf, &n->cpu, &why))
		n->cpu = 0;
	n->known = true;
}

/* Records the settings kpromoted may change, so that unload can check them. */
static void save_settings(void)
{
	char val[128];
	FILE *f;
	size_t i;

	mkdir(path(SAVED_DIR), 0700);
	f = fopen(path(SAVED_FILE), "we");
	if (!f) {
		fprintf(stderr, "kpromotedctl: warning: cannot record settings in %s: %s (unload will not verify them)\n",
			path(SAVED_FILE), strerror(errno));
		return;
	}
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (!read_line(settings[i].path, val, sizeof(val)))
			fprintf(f, "%s %s\n", settings[i].name, val);
	fclose(f);
}

/* Kernel log lines kpromoted printed since fd was opened at the end of /dev/kmsg. */
static void print_kernel_lines(int fd)
{
	char rec[1024];
	ssize_t n;

	if (fd < 0)
		return;
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0) {
		char *msg;

		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = '\0';
		if (!strncmp(msg, "kpromoted: ", 11))
			fprintf(stderr, "kpromotedctl: kernel says: %s\n", msg);
	}
}

static int kmsg_mark(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static int cmd_load(int argc, char **argv)
{
	const char *file = NULL;
	struct kmod_ctx *ctx = NULL;
	struct kmod_module *mod = NULL;
	struct kmod_list *list = NULL;
	struct kpctl_kvset *set = NULL;
	struct kpctl_nodes nodes;
	char err[512], opts[1024] = "", ver[64] = "?";
	struct utsname u;
	int rc, i, kfd, first = 1;

	while (first < argc && !strncmp(argv[first], "--", 2)) {
		if (!strcmp(argv[first], "--module") && first + 1 < argc) {
			file = argv[first + 1];
			first += 2;
		} else {
			return die(KPCTL_EUSAGE, "load: unknown option '%s' (usage: load [--module FILE] [param=value ...])",
				   argv[first]);
		}
	}
	/* Syntax and ranges first: a bad parameter is reported even to a non-root user. */
	if (kpctl_params_check(argc - first, argv + first, NULL, err, sizeof(err)))
		return die(KPCTL_EPARAM, "%s", err);
	rc = need_root();
	if (rc)
		return rc;
	read_nodes(&nodes);
	if (kpctl_params_check(argc - first, argv + first, &nodes, err, sizeof(err)))
		return die(KPCTL_EPARAM, "%s", err);
	for (i = first; i < argc; i++) {
		size_t len = strlen(opts);

		snprintf(opts + len, sizeof(opts) - len, "%s%s", len ? " " : "", argv[i]);
	}
	if (module_loaded())
		return die(KPCTL_ELOADED, "kpromoted is already loaded (kpromotedctl unload first)");
	if (!debugfs_mounted())
		return die(KPCTL_ENODEBUGFS, "debugfs is not mounted at %s (mount -t debugfs none %s)",
			   DEBUGFS_MNT, DEBUGFS_MNT);

	uname(&u);
	ctx = kmod_new(getenv("KPROMOTEDCTL_MODDIR"), NULL);
	if (!ctx)
		return die(KPCTL_EFAIL, "libkmod could not start");
	kmod_load_resources(ctx);
	if (file) {
		if (access(file, R_OK)) {
			rc = die(KPCTL_ENOMOD, "%s: %s", file, strerror(errno));
			goto out;
		}
		rc = kmod_module_new_from_path(ctx, file, &mod);
	} else {
		rc = kmod_module_new_from_lookup(ctx, "kpromoted", &list);
		if (!rc && list)
			mod = kmod_module_get_module(list);
		if (!rc && (!mod || !kmod_module_get_path(mod))) {
			rc = die(KPCTL_ENOMOD, "kpromoted is not installed for kernel %s (install kpromoted-dkms, or dkms install kpromoted)",
				 u.release);
			goto out;
		}
	}
	if (rc || !mod) {
		rc = die(KPCTL_ENOMOD, "cannot find the kpromoted module: %s", strerror(rc ? -rc : ENOENT));
		goto out;
	}

	save_settings();
	kfd = kmsg_mark();
	if (file)
		rc = kmod_module_insert_module(mod, 0, opts);
	else
		rc = kmod_module_probe_insert_module(mod, KMOD_PROBE_FAIL_ON_LOADED, opts, NULL,
						     NULL, NULL);
	if (rc) {
		int code = rc == -EINVAL ? KPCTL_EPARAM : KPCTL_EFAIL;

		/* Give the kernel's one-line reason a moment to reach the log. */
		usleep(100 * 1000);
		print_kernel_lines(kfd);
		if (kfd >= 0)
			close(kfd);
		unlink(path(SAVED_FILE));
		rc = die(code, "loading kpromoted failed: %s", strerror(rc < 0 ? -rc : rc));
		goto out;
	}
	if (kfd >= 0)
		close(kfd);

	read_line(KP_SYSFS "/version", ver, sizeof(ver));
	printf("kpromoted %s loaded on %s%s%s\n", ver, u.release, *opts ? " with " : "", opts);
	set = calloc(1, sizeof(*set));
	if (set && !read_kv(KP_DEBUGFS "/tiers", set))
		print_tiers(set);
	if (set && !read_kv(KP_DEBUGFS "/sources", set))
		print_sources(set);
	rc = KPCTL_OK;
out:
	free(set);
	kmod_module_unref_list(list);
	if (mod)
		kmod_module_unref(mod);
	kmod_unref(ctx);
	return rc;
}

/* ---- unload ---- */

static int verify_settings(void)
{
	struct kpctl_kvset *saved = calloc(1, sizeof(*saved)), *now = calloc(1, sizeof(*now));
	char err[256], val[128];
	size_t i;
	int rc = KPCTL_OK, n;

	if (!saved || !now) {
		rc = die(KPCTL_EFAIL, "out of memory");
		goto out;
	}
	if (read_kv(SAVED_FILE, saved)) {
		printf("settings: not verified (kpromoted was not loaded by kpromotedctl)\n");
		goto out;
	}
	now->n = 0;
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		if (read_line(settings[i].path, val, sizeof(val)))
			continue;
		snprintf(now->kv[now->n].name, KPCTL_NAME_LEN, "%s", settings[i].name);
		snprintf(now->kv[now->n].value, KPCTL_VALUE_LEN, "%s", val);
		now->n++;
	}
	n = kpctl_settings_diff(saved, now, err, sizeof(err));
	if (n) {
		rc = die(KPCTL_ERESTORE, "unloaded, but %s%s", err,
			 n > 1 ? " (and more: see kpromotedctl stats)" : "");
		goto out;
	}
	for (i = 0; i < (size_t)saved->n; i++)
		printf("%s %s %s", i ? "," : "settings restored:", saved->kv[i].name, saved->kv[i].value);
	printf("%s\n", saved->n ? "" : "settings: none were recorded");
	unlink(path(SAVED_FILE));
out:
	free(saved);
	free(now);
	return rc;
}

static int cmd_unload(int argc, char **argv)
{
	struct kmod_ctx *ctx;
	struct kmod_module *mod = NULL;
	double deadline;
	int rc, kmsg;

	(void)argv;
	if (argc > 1)
		return die(KPCTL_EUSAGE, "unload takes no arguments");
	rc = need_root();
	if (rc)
		return rc;
	if (!module_loaded())
		return die(KPCTL_ENOTLOADED, "kpromoted is not loaded");
	if (fake_root)
		return verify_settings();
	ctx = kmod_new(getenv("KPROMOTEDCTL_MODDIR"), NULL);
	if (!ctx || kmod_module_new_from_name(ctx, "kpromoted", &mod)) {
		kmod_unref(ctx);
		return die(KPCTL_EFAIL, "libkmod could not start");
	}
	kmsg = kmsg_mark();
	/* Workers finishing a batch hold the module briefly: retry for a while. */
	deadline = now_s() + 10;
	while ((rc = kmod_module_remove_module(mod, 0)) == -EAGAIN || rc == -EBUSY) {
		if (now_s() > deadline)
			break;
		usleep(100 * 1000);
	}
	kmod_module_unref(mod);
	kmod_unref(ctx);
	if (rc) {
		rc = die(KPCTL_EFAIL, "unloading kpromoted failed: %s", strerror(-rc));
	} else {
		printf("kpromoted unloaded\n");
		rc = verify_settings();
		/* Why a setting is not back (e.g. an administrator changed it). */
		if (rc == KPCTL_ERESTORE)
			print_kernel_lines(kmsg);
	}
	if (kmsg >= 0)
		close(kmsg);
	return rc;
}

/* ---- status, stats, watch ---- */

static int parse_opts(int argc, char **argv, const char *cmd, double *interval, long *iters,
		      bool *json, bool *prom)
{
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+i:n:jp", longopts, NULL)) != -1) {
		if (c == 'i' && interval) {
			if (kpctl_parse_interval(optarg, interval))
				return die(KPCTL_EUSAGE, "%s: bad --interval '%s' (seconds, 0.05..3600)",
					   cmd, optarg);
		} else if (c == 'n' && iters) {
			if (kpctl_parse_count(optarg, iters))
				return die(KPCTL_EUSAGE, "%s: bad --iterations '%s' (1..1000000)", cmd,
					   optarg);
		} else if (c == 'j' && json) {
			*json = true;
		} else if (c == 'p' && prom) {
			*prom = true;
		} else {
			return die(KPCTL_EUSAGE, "%s: unknown option '%s' (see kpromotedctl --help)", cmd,
				   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return die(KPCTL_EUSAGE, "%s: unexpected argument '%s'", cmd, argv[optind]);
	if (json && prom && *json && *prom)
		return die(KPCTL_EUSAGE, "%s: --json and --prometheus exclude each other", cmd);
	return 0;
}

static int cmd_stats(int argc, char **argv)
{
	struct kpctl_kvset *st, *sources = NULL;
	bool json = false, prom = false;
	char ver[64] = "";
	int rc, i;

	rc = parse_opts(argc, argv, "stats", NULL, NULL, &json, &prom);
	if (rc)
		return rc;
	rc = need_loaded_and_debugfs();
	if (rc)
		return rc;
	st = calloc(1, sizeof(*st));
	if (!st)
		return die(KPCTL_EFAIL, "out of memory");
	rc = read_stats(st);
	if (!rc) {
		if (prom) {
			/* Stats first: its errors are the ones that count. */
			sources = calloc(1, sizeof(*sources));
			if (sources && read_kv(KP_DEBUGFS "/sources", sources))
				sources->n = 0;
			read_line(KP_SYSFS "/version", ver, sizeof(ver));
			kpctl_prometheus(st, sources, ver, stdout);
		} else if (json) {
			kpctl_json(st, stdout);
		} else {
			for (i = 0; i < st->n; i++)
				printf("%-24s %s\n", st->kv[i].name, st->kv[i].value);
		}
	}
	free(st);
	free(sources);
	if (!rc && (fflush(stdout) || ferror(stdout)))
		rc = die(KPCTL_EFAIL, "cannot write the output: %s", strerror(errno));
	return rc;
}

static int cmd_status(int argc, char **argv)
{
	struct kpctl_kvset *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct kpctl_rates r;
	double interval = 1, t0;
	char ver[64] = "?", mode[32];
	int rc;

	if (!a || !b) {
		rc = die(KPCTL_EFAIL, "out of memory");
		goto out;
	}
	rc = parse_opts(argc, argv, "status", &interval, NULL, NULL, NULL);
	if (rc || (rc = need_loaded_and_debugfs()))
		goto out;
	read_line(KP_SYSFS "/version", ver, sizeof(ver));
	if (!read_kv(KP_DEBUGFS "/config", a))
		snprintf(mode, sizeof(mode), "%s", value_or(a, "mode", "?"));
	else
		snprintf(mode, sizeof(mode), "?");
	printf("kpromoted %s, mode %s\n", ver, mode);
	if (!read_kv(KP_DEBUGFS "/tiers", a))
		print_tiers(a);
	if (!read_kv(KP_DEBUGFS "/sources", a))
		print_sources(a);
	/* The rate now: two samples, interval seconds apart. */
	if ((rc = read_stats(a)))
		goto out;
	t0 = now_s();
	sleep_s(interval);
	if ((rc = read_stats(b)))
		goto out;
	kpctl_rates(a, b, now_s() - t0, &r);
	print_rates(&r);
	print_totals(b);
	print_nodes();
out:
	free(a);
	free(b);
	return rc;
}

static int cmd_watch(int argc, char **argv)
{
	struct kpctl_kvset *prev = calloc(1, sizeof(*prev)), *cur = calloc(1, sizeof(*cur)), *tmp;
	struct kpctl_kvset *tiers = calloc(1, sizeof(*tiers));
	bool tty = isatty(STDOUT_FILENO);
	double interval = 1, t_prev, t_cur, start;
	long iters = 0, i;
	struct kpctl_rates r;
	int rc;

	if (!prev || !cur || !tiers) {
		rc = die(KPCTL_EFAIL, "out of memory");
		goto out;
	}
	rc = parse_opts(argc, argv, "watch", &interval, &iters, NULL, NULL);
	if (rc || (rc = need_loaded_and_debugfs()))
		goto out;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if ((rc = read_stats(prev)))
		goto out;
	read_kv(KP_DEBUGFS "/tiers", tiers);
	start = t_prev = now_s();
	for (i = 0; !stop && (!iters || i < iters); i++) {
		sleep_s(interval);
		if (stop)
			break;
		if ((rc = read_stats(cur)))
			goto out;
		t_cur = now_s();
		kpctl_rates(prev, cur, t_cur - t_prev, &r);
		/* In place on a terminal, like top; one frame after another into a pipe. */
		if (tty)
			fputs("\033[H\033[J", stdout);
		else if (i)
			putchar('\n');
		printf("kpromoted watch  t=%.0fs  every %.1fs%s\n", t_cur - start, interval,
		       tty ? "  (Ctrl-C to quit)" : "");
		print_tiers(tiers);
		print_rates(&r);
		print_totals(cur);
		print_nodes();
		fflush(stdout);
		tmp = prev;
		prev = cur;
		cur = tmp;
		t_prev = t_cur;
	}
	rc = KPCTL_OK;
out:
	free(prev);
	free(cur);
	free(tiers);
	return rc;
}

/* ---- heatmap, top ---- */

/* regions at 1 TiB when all of it is warm: about 1 MiB; room for 64 TiB. */
#define REGIONS_MAX (80u << 20)
#define HEAT_COLS 64
#define HEAT_ROWS 32
#define PNG_CELLS 256

static int read_debugfs_text(const char *name, size_t max, char **text)
{
	char p[128];

	snprintf(p, sizeof(p), KP_DEBUGFS "/%s", name);
	*text = slurp_max(path(p), max);
	if (*text)
		return 0;
	if (errno == ENOENT && !module_loaded())
		return die(KPCTL_ENOTLOADED, "kpromoted was unloaded");
	return die(KPCTL_EFAIL, "cannot read %s: %s", path(p), strerror(errno));
}

static int read_regions(struct kpctl_regions *r, int node)
{
	char *text, err[256];
	int rc = read_debugfs_text("regions", REGIONS_MAX, &text), i, keep = 0;

	if (rc)
		return rc;
	rc = kpctl_regions_parse(text, r, err, sizeof(err));
	free(text);
	if (rc)
		return die(KPCTL_EFAIL, "%s", err);
	if (node < 0)
		return 0;
	for (i = 0; i < r->n; i++) {
		if (r->span[i].node == node)
			r->span[keep++] = r->span[i];
		else
			free(r->span[i].heat);
	}
	r->n = keep;
	return keep ? 0 : die(KPCTL_EUSAGE, "heatmap: node %d is not a slow node kpromoted watches",
			      node);
}

/* An executable named prog in PATH. */
static bool in_path(const char *prog)
{
	const char *p = getenv("PATH");
	char buf[4096];

	while (p && *p) {
		size_t n = strcspn(p, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? p : ".", prog);
		if (!access(buf, X_OK))
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

static int write_png(const struct kpctl_span *s, const struct kpctl_fold *frames, int n,
		     double interval, const char *png)
{
	/* Its own messages would make more than one line: the file was checked writable before. */
	FILE *g = popen("gnuplot 2>/dev/null", "w");
	int st;

	if (!g)
		return die(KPCTL_EFAIL, "heatmap: cannot run gnuplot: %s", strerror(errno));
	kpctl_heatmap_gnuplot(s, frames, n, interval, png, g);
	st = pclose(g);
	if (st)
		return die(KPCTL_EFAIL, "heatmap: gnuplot failed to write %s (exit status %d)", png,
			   st > 255 ? st >> 8 : st);
	return 0;
}

static bool use_color(bool tty)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	return tty && !(nc && *nc) && !(term && !strcmp(term, "dumb"));
}

static int cmd_heatmap(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "node", required_argument, NULL, 'N' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "png", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	bool tty = isatty(STDOUT_FILENO), color = use_color(tty);
	struct kpctl_fold *frames = NULL;
	struct kpctl_regions r = { 0 };
	const char *png = NULL;
	double interval = 1, start;
	long count = 0, node = -1, i;
	int c, rc, k, nframes = 0;
	char *end;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+N:i:c:P:", longopts, NULL)) != -1) {
		if (c == 'N') {
			errno = 0;
			node = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || node < 0 || node > 63)
				return die(KPCTL_EUSAGE, "heatmap: bad --node '%.40s' (a node id, 0..63)",
					   optarg);
		} else if (c == 'i') {
			if (kpctl_parse_interval(optarg, &interval))
				return die(KPCTL_EUSAGE, "heatmap: bad --interval '%.40s' (seconds, 0.05..3600)",
					   optarg);
		} else if (c == 'c') {
			if (kpctl_parse_count(optarg, &count))
				return die(KPCTL_EUSAGE, "heatmap: bad --count '%.40s' (1..1000000)", optarg);
		} else if (c == 'P') {
			if (!*optarg || strpbrk(optarg, "'\n\r"))
				return die(KPCTL_EUSAGE, "heatmap: bad --png file name '%.40s' (no quote, no newline)",
					   optarg);
			png = optarg;
		} else {
			return die(KPCTL_EUSAGE, "heatmap: unknown option '%.40s' (see kpromotedctl --help)",
				   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return die(KPCTL_EUSAGE, "heatmap: unexpected argument '%.40s'", argv[optind]);
	if (png && !in_path("gnuplot"))
		return die(KPCTL_EFAIL, "heatmap: --png needs gnuplot (apt install gnuplot-nox)");
	if (png) {
		/* Before any frame: a file that cannot be written fails now, not after K maps. */
		int fd = open(png, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0)
			return die(KPCTL_EFAIL, "heatmap: cannot write %.200s: %s", png, strerror(errno));
		close(fd);
	}
	if (png && !count)
		count = 10;
	if (png && count > 100000)
		return die(KPCTL_EUSAGE, "heatmap: --png takes at most 100000 frames (--count)");
	rc = need_loaded_and_debugfs();
	if (rc)
		return rc;
	if (png) {
		frames = calloc((size_t)count, sizeof(*frames));
		if (!frames)
			return die(KPCTL_EFAIL, "out of memory");
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	start = now_s();
	for (i = 0; !stop && (!count || i < count); i++) {
		if (i)
			sleep_s(interval);
		if (stop)
			break;
		rc = read_regions(&r, (int)node);
		if (rc)
			goto out;
		if (!r.n) {
			rc = die(KPCTL_EFAIL, "heatmap: kpromoted watches no slow node");
			goto out;
		}
		if (tty)
			fputs("\033[H\033[J", stdout);
		else if (i)
			putchar('\n');
		printf("kpromoted heatmap  t=%.0fs  every %.1fs%s\n", now_s() - start, interval,
		       tty ? "  (Ctrl-C to quit)" : "");
		for (k = 0; k < r.n; k++) {
			struct kpctl_fold f;

			if (kpctl_fold(&r.span[k], HEAT_COLS, HEAT_ROWS, &f)) {
				rc = die(KPCTL_EFAIL, "out of memory");
				goto out;
			}
			kpctl_heatmap_render(&r.span[k], &f, color, stdout);
			kpctl_fold_free(&f);
		}
		/* The image: the first span shown (--node picks another). */
		if (png && kpctl_fold(&r.span[0], 1, PNG_CELLS, &frames[nframes++])) {
			rc = die(KPCTL_EFAIL, "out of memory");
			goto out;
		}
		fflush(stdout);
		if (i + 1 < count || !count)
			kpctl_regions_free(&r);
	}
	rc = KPCTL_OK;
	if (png && nframes)
		rc = write_png(&r.span[0], frames, nframes, interval, png);
	if (!rc && (fflush(stdout) || ferror(stdout)))
		rc = die(KPCTL_EFAIL, "cannot write the output: %s", strerror(errno));
out:
	for (k = 0; frames && k < nframes; k++)
		kpctl_fold_free(&frames[k]);
	free(frames);
	kpctl_regions_free(&r);
	return rc;
}

#define COMM_BUF 80	/* /proc/<pid>/comm: up to 64 bytes (a kthread's full name) and '\n' */

/*
 * A process's comm, from /proc (NULL when it has exited): all of it, but
 * the newline the kernel ends it with. Any process may put a newline or a
 * control byte in its own (prctl(PR_SET_NAME)) and /proc shows it raw:
 * taken whole, it stays one name, which kpctl_top_render() escapes.
 */
static const char *owner_name(const struct kpctl_owner *o, void *ctx)
{
	char *buf = ctx, p[64], *text;
	size_t n;

	if (o->path[0])
		return o->path;
	snprintf(p, sizeof(p), "/proc/%llu/comm", (unsigned long long)o->id);
	text = slurp(path(p));
	if (!text)
		return NULL;
	n = strlen(text);
	if (n && text[n - 1] == '\n')
		text[--n] = '\0';
	snprintf(buf, COMM_BUF, "%s", text);
	free(text);
	return *buf ? buf : NULL;
}

static int read_owners(struct kpctl_owners *set, enum kpctl_by by)
{
	char *text, err[256];
	int rc = read_debugfs_text("owners", 1u << 20, &text);

	if (rc)
		return rc;
	rc = kpctl_owners_parse(text, by, set, err, sizeof(err));
	free(text);
	return rc ? die(KPCTL_EFAIL, "%s", err) : 0;
}

static int cmd_top(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct kpctl_owners *prev = calloc(1, sizeof(*prev)), *cur = calloc(1, sizeof(*cur)), *tmp;
	bool tty = isatty(STDOUT_FILENO);
	enum kpctl_by by = KPCTL_BY_PROCESS;
	double interval = 1, t_prev, t_cur, start;
	long count = 0, i;
	char name[COMM_BUF];
	int c, rc;

	if (!prev || !cur) {
		rc = die(KPCTL_EFAIL, "out of memory");
		goto out;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+b:i:c:", longopts, NULL)) != -1) {
		if (c == 'b' && (!strcmp(optarg, "process") || !strcmp(optarg, "cgroup"))) {
			by = optarg[0] == 'c' ? KPCTL_BY_CGROUP : KPCTL_BY_PROCESS;
		} else if (c == 'b') {
			rc = die(KPCTL_EUSAGE, "top: bad --by '%.40s' (process or cgroup)", optarg);
			goto out;
		} else if (c == 'i' && kpctl_parse_interval(optarg, &interval)) {
			rc = die(KPCTL_EUSAGE, "top: bad --interval '%.40s' (seconds, 0.05..3600)", optarg);
			goto out;
		} else if (c == 'c' && kpctl_parse_count(optarg, &count)) {
			rc = die(KPCTL_EUSAGE, "top: bad --count '%.40s' (1..1000000)", optarg);
			goto out;
		} else if (c != 'i' && c != 'c') {
			rc = die(KPCTL_EUSAGE, "top: unknown option '%.40s' (see kpromotedctl --help)",
				 argv[optind - 1]);
			goto out;
		}
	}
	if (optind < argc) {
		rc = die(KPCTL_EUSAGE, "top: unexpected argument '%.40s'", argv[optind]);
		goto out;
	}
	if ((rc = need_loaded_and_debugfs()))
		goto out;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if ((rc = read_owners(prev, by)))
		goto out;
	start = t_prev = now_s();
	for (i = 0; !stop && (!count || i < count); i++) {
		sleep_s(interval);
		if (stop)
			break;
		if ((rc = read_owners(cur, by)))
			goto out;
		t_cur = now_s();
		kpctl_owners_rates(prev, cur, t_cur - t_prev);
		kpctl_owners_sort(cur);
		if (tty)
			fputs("\033[H\033[J", stdout);
		else if (i)
			putchar('\n');
		printf("kpromoted top --by %s  t=%.0fs  every %.1fs%s\n",
		       by == KPCTL_BY_CGROUP ? "cgroup" : "process", t_cur - start, interval,
		       tty ? "  (Ctrl-C to quit)" : "");
		kpctl_top_render(cur, by, 20, owner_name, name, stdout);
		fflush(stdout);
		tmp = prev;
		prev = cur;
		cur = tmp;
		t_prev = t_cur;
	}
	rc = KPCTL_OK;
	if (fflush(stdout) || ferror(stdout))
		rc = die(KPCTL_EFAIL, "cannot write the output: %s", strerror(errno));
out:
	free(prev);
	free(cur);
	return rc;
}

static void usage(FILE *f)
{
	int i;

	fputs("usage: kpromotedctl COMMAND [ARGS]\n"
	      "  load [--module FILE] [param=value ...]  check the parameters, load kpromoted, report\n"
	      "                                          tiers and sources\n"
	      "  unload                                  unload; check numa_balancing and lru_gen are\n"
	      "                                          back to their values before load\n"
	      "  status [--interval S]                   tiers, sources, promotion rate now, totals\n"
	      "  stats [--json | --prometheus]           every counter and gauge of debugfs stats;\n"
	      "                                          --prometheus: node_exporter textfile format\n"
	      "  watch [--interval S] [--iterations N]   live view (MB/s, pages/s), like top\n"
	      "  heatmap [--node N] [--interval S] [--count K] [--png FILE]\n"
	      "                                          the slow tier's heat by physical region\n"
	      "  top [--by process|cgroup] [--interval S] [--count K]\n"
	      "                                          whose pages are sighted and promoted\n"
	      "parameters:", f);
	for (i = 0; kpctl_param_names[i]; i++)
		fprintf(f, "%s%s", i % 5 ? " " : "\n  ", kpctl_param_names[i]);
	fputs("\n  (see modinfo kpromoted for ranges)\n"
	      "exit status: 0 ok, 1 failed, 2 usage, 3 bad parameter, 4 not root,\n"
	      "  5 module not installed, 6 debugfs not mounted, 7 not loaded, 8 already loaded,\n"
	      "  9 unloaded but a setting was not restored\n", f);
}

int main(int argc, char **argv)
{
	const char *r = getenv("KPROMOTEDCTL_ROOT");

	if (r && *r) {
		root = r;
		fake_root = true;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		usage(stderr);
		return KPCTL_EUSAGE;
	}
	argc--;
	argv++;
	if (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help") || !strcmp(argv[0], "help")) {
		usage(stdout);
		return KPCTL_OK;
	}
	if (!strcmp(argv[0], "load"))
		return cmd_load(argc, argv);
	if (!strcmp(argv[0], "unload"))
		return cmd_unload(argc, argv);
	if (!strcmp(argv[0], "status"))
		return cmd_status(argc, argv);
	if (!strcmp(argv[0], "stats"))
		return cmd_stats(argc, argv);
	if (!strcmp(argv[0], "watch"))
		return cmd_watch(argc, argv);
	if (!strcmp(argv[0], "heatmap"))
		return cmd_heatmap(argc, argv);
	if (!strcmp(argv[0], "top"))
		return cmd_top(argc, argv);
	return die(KPCTL_EUSAGE, "unknown command '%.40s' (load, unload, status, stats, watch, heatmap, top; --help)",
		   argv[0]);
}
