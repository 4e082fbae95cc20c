// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the kpromoted guest tests; see kp_test_util.h. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <libkmod.h>

#include "kp_test_util.h"

/* docs/interfaces.md, "Module parameters". */
const struct kp_param kp_params[] = {
	{ "slow_nodes",		"" },
	{ "sources",		"auto" },
	{ "mode",		"promote" },
	{ "rate_limit_mbps",	"256" },
	{ "batch_pages",	"512" },
	{ "hot_threshold",	"2" },
	{ "window_ms",		"1000" },
	{ "room_idle_ms",	"0" },
	{ "min_free_pct",	"5" },
	{ "numa_balancing",	"auto" },
	{ "lru_gen",		"keep" },
	{ "hintfault_period_max_ms", "8000" },
	{ "hint_latency_ms",	"100" },
	{ "mglru_min_ms",	"400" },
	{ "mglru_max_ms",	"5000" },
	{ "confirm_ms",		"20" },
	{ "confirm_tests",	"3" },
	{ "ibs_period",		"65536" },
	{ "pebs_period",	"1000" },
	{ "hwsample_max_rate",	"2000" },
	{ "hwsample_l3_miss",	"on" },
	{ NULL, NULL },
};

/*
 * The harness output goes through a pipe in run.sh: keep stdout line-buffered
 * so TAP lines and TH_LOG (stderr) lines stay in order.
 */
static void __attribute__((constructor)) kp_line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

const char *kp_env_unusable(void)
{
	if (geteuid() != 0)
		return "needs root";
	if (access("/proc/modules", F_OK))
		return "kernel without loadable module support (no /proc/modules)";
	return NULL;
}

/* ---- files ---- */

bool kp_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

bool kp_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

ssize_t kp_read_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (len + 1 >= size) {
			close(fd);
			return -EFBIG;
		}
		r = read(fd, buf + len, size - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			close(fd);
			return r;
		}
		if (r == 0)
			break;
		len += r;
	}
	close(fd);
	buf[len] = '\0';
	return len;
}

int kp_read_value(const char *path, char *val, size_t size)
{
	ssize_t len = kp_read_file(path, val, size);

	if (len < 0)
		return len;
	val[strcspn(val, "\n")] = '\0';
	return 0;
}

int kp_write_file(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t w;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	w = write(fd, val, len);
	if (w < 0)
		err = -errno;
	else if ((size_t)w != len)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int kp_kv_find(const char *text, const char *name, char *val, size_t size)
{
	size_t nlen = strlen(name);
	const char *line = text;

	while (line && *line) {
		const char *eol = strchrnul(line, '\n');

		if (!strncmp(line, name, nlen) &&
		    (line[nlen] == ' ' || line + nlen == eol)) {
			const char *v = line + nlen + (line[nlen] == ' ');
			size_t vlen = eol - v;

			if (vlen >= size)
				return -EFBIG;
			memcpy(val, v, vlen);
			val[vlen] = '\0';
			return 0;
		}
		line = *eol ? eol + 1 : NULL;
	}
	return -ENOENT;
}

int kp_read_kv(const char *path, const char *name, char *val, size_t size)
{
	static char buf[KP_BUF_SIZE];
	ssize_t len = kp_read_file(path, buf, sizeof(buf));

	if (len < 0)
		return len;
	return kp_kv_find(buf, name, val, size);
}

int kp_split_lines(char *buf, char **lines, int max)
{
	int n = 0;
	char *p = buf;

	while (*p && n < max) {
		char *eol = strchrnul(p, '\n');

		lines[n++] = p;
		if (!*eol)
			break;
		*eol = '\0';
		p = eol + 1;
	}
	return n;
}

bool kp_match(const char *pattern, const char *s, int cflags)
{
	regex_t re;
	bool hit;

	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB | cflags)) {
		fprintf(stderr, "# bad regex in test: %s\n", pattern);
		return false;
	}
	hit = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return hit;
}

bool kp_is_uint(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* ---- the module ---- */

static struct kmod_ctx *kp_ctx;
static struct kmod_module *kp_mod;

/* The module object: KP_MODULE if set, else "kpromoted" as depmod knows it. */
static int kp_module(struct kmod_module **mod)
{
	const char *path = getenv("KP_MODULE");
	int err;

	if (!kp_ctx) {
		kp_ctx = kmod_new(NULL, NULL);
		if (!kp_ctx)
			return -ENOMEM;
		/* Callers report errors themselves; an expected EAGAIN is no ERROR line. */
		kmod_set_log_priority(kp_ctx, LOG_CRIT);
	}
	if (!kp_mod) {
		if (path && *path)
			err = kmod_module_new_from_path(kp_ctx, path, &kp_mod);
		else
			err = kmod_module_new_from_name(kp_ctx, KP_NAME, &kp_mod);
		if (err < 0)
			return err;
	}
	*mod = kp_mod;
	return 0;
}

int kp_load(const char *params)
{
	struct kmod_module *mod;
	int err = kp_module(&mod);

	if (err)
		return err;
	return kmod_module_insert_module(mod, 0, params);
}

int kp_loadf(const char *fmt, ...)
{
	char params[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(params, sizeof(params), fmt, ap);
	va_end(ap);
	return kp_load(params);
}

bool kp_loaded(void)
{
	return kp_exists(KP_SYSFS);
}

int kp_unload_once(void)
{
	struct kmod_module *mod;
	int err = kp_module(&mod);

	if (err)
		return err;
	/* libkmod always passes O_NONBLOCK: a held reference gives -EAGAIN, no wait. */
	return kmod_module_remove_module(mod, 0);
}

static long kp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int kp_unload(void)
{
	long deadline = kp_now_ms() + KP_UNLOAD_WAIT_MS;
	int err;

	for (;;) {
		err = kp_unload_once();
		if (err != -EBUSY && err != -EAGAIN)
			return err;
		if (kp_now_ms() > deadline)
			return err;
		usleep(50 * 1000);
	}
}

int kp_ensure_unloaded(void)
{
	return kp_loaded() ? kp_unload() : 0;
}

const char *kp_module_file(void)
{
	struct kmod_module *mod;
	const char *path;

	if (kp_module(&mod))
		return NULL;
	path = kmod_module_get_path(mod);
	return path && kp_exists(path) ? path : NULL;
}

int kp_modinfo_param_desc(const char *param, char *desc, size_t size)
{
	struct kmod_list *info = NULL, *l;
	struct kmod_module *mod;
	size_t plen = strlen(param);
	int err = kp_module(&mod);

	if (err)
		return err;
	err = kmod_module_get_info(mod, &info);
	if (err < 0)
		return err;
	err = -ENOENT;
	kmod_list_foreach(l, info) {
		const char *key = kmod_module_info_get_key(l);
		const char *val = kmod_module_info_get_value(l);

		if (strcmp(key, "parm") || !val || strncmp(val, param, plen) || val[plen] != ':')
			continue;
		snprintf(desc, size, "%s", val + plen + 1);
		err = 0;
		break;
	}
	kmod_module_info_free_list(info);
	return err;
}

/* ---- kernel log ---- */

int kp_kmsg_mark(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_END) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int kp_kmsg_collect(int fd, char *buf, size_t size)
{
	char rec[16384];	/* more than one record can take (CONSOLE_EXT_LOG_MAX) */
	size_t len = 0;
	int n = 0;

	buf[0] = '\0';
	for (;;) {
		ssize_t r = read(fd, rec, sizeof(rec) - 1);
		char *msg, *eol;

		if (r < 0 && (errno == EINTR || errno == EPIPE))
			continue;	/* EPIPE: older records overwritten, go on */
		if (r < 0 && errno == EAGAIN)
			break;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		rec[r] = '\0';
		/* "prio,seq,usec,flags[,...];message\n[ KEY=value\n...]" */
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		eol = strchrnul(msg, '\n');
		*eol = '\0';
		if (len + strlen(msg) + 2 > size)
			return -EFBIG;
		len += sprintf(buf + len, "%s\n", msg);
		n++;
	}
	return n;
}

int kp_module_lines(const char *log, char *out, size_t size)
{
	const char *line = log;
	size_t len = 0;
	int n = 0;

	if (out && size)
		out[0] = '\0';
	while (line && *line) {
		const char *eol = strchrnul(line, '\n');
		int llen = eol - line;

		/* "kpromoted: loading out-of-tree module taints kernel." and the
		 * unsigned-module notice are the kernel's, printed once per boot. */
		if (!strncmp(line, KP_NAME ": ", strlen(KP_NAME ": ")) &&
		    !memmem(line, llen, "taints kernel", 13) &&
		    !memmem(line, llen, "tainting kernel", 15)) {
			if (out && len + llen + 2 <= size)
				len += sprintf(out + len, "%.*s\n", llen, line);
			n++;
		}
		line = *eol ? eol + 1 : NULL;
	}
	return n;
}

/* ---- NUMA nodes and tiers ---- */

static int kp_parse_node(const char **s, unsigned int *node)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)**s))
		return -EINVAL;
	errno = 0;
	v = strtoul(*s, &end, 10);
	if (errno || v >= KP_MAX_NODES)
		return -EINVAL;
	*node = v;
	*s = end;
	return 0;
}

int kp_nodelist_parse(const char *s, uint64_t *mask)
{
	uint64_t m = 0;

	while (*s && *s != '\n') {
		unsigned int lo, hi;

		if (kp_parse_node(&s, &lo))
			return -EINVAL;
		hi = lo;
		if (*s == '-') {
			s++;
			if (kp_parse_node(&s, &hi) || hi < lo)
				return -EINVAL;
		}
		for (; lo <= hi; lo++)
			m |= 1ULL << lo;
		if (*s == ',') {
			s++;
			if (!*s || *s == '\n')
				return -EINVAL;
		} else if (*s && *s != '\n') {
			return -EINVAL;
		}
	}
	*mask = m;
	return 0;
}

long kp_node_free_kib(int nid)
{
	char path[96], name[32], val[KP_VAL_SIZE];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", nid);
	snprintf(name, sizeof(name), "Node %d MemFree:", nid);
	if (kp_read_kv(path, name, val, sizeof(val)))
		return -1;
	return strtol(val, NULL, 10);
}

long kp_node_high_kib(int nid)
{
	static char buf[1 << 18];
	long pages = 0, v;
	char *line, *save = NULL;
	int node = -1, found = 0;

	if (kp_read_file("/proc/zoneinfo", buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "Node %d,", &node) == 1)
			continue;
		if (node == nid && sscanf(line, " high %ld", &v) == 1) {
			pages += v;
			found = 1;
		}
	}
	return found ? pages * (sysconf(_SC_PAGESIZE) / 1024) : -1;
}

void kp_nodelist_format(uint64_t mask, char *buf, size_t size)
{
	size_t len = 0;
	int n = 0;

	buf[0] = '\0';
	while (n < KP_MAX_NODES) {
		int lo, hi;

		if (!(mask & (1ULL << n))) {
			n++;
			continue;
		}
		lo = hi = n;
		while (hi + 1 < KP_MAX_NODES && (mask & (1ULL << (hi + 1))))
			hi++;
		if (lo == hi)
			len += snprintf(buf + len, size - len, "%s%d", len ? "," : "", lo);
		else
			len += snprintf(buf + len, size - len, "%s%d-%d", len ? "," : "", lo, hi);
		if (len >= size)
			return;
		n = hi + 1;
	}
}

static int kp_read_nodemask(const char *path, uint64_t *mask)
{
	char val[KP_VAL_SIZE];
	int err = kp_read_value(path, val, sizeof(val));

	return err ? err : kp_nodelist_parse(val, mask);
}

#define KP_TIERING "/sys/devices/virtual/memory_tiering"

int kp_topology_read(struct kp_topology *t)
{
	uint64_t tier_mask[256] = { 0 };
	int top = -1, lowest = -1, id, err;
	struct dirent *de;
	DIR *dir;

	memset(t, 0, sizeof(*t));
	err = kp_read_nodemask("/sys/devices/system/node/online", &t->online);
	if (!err)
		err = kp_read_nodemask("/sys/devices/system/node/has_memory", &t->memory);
	if (!err)
		err = kp_read_nodemask("/sys/devices/system/node/has_cpu", &t->cpu);
	if (err)
		return err;

	t->fast = t->memory;	/* no tiers: every memory node is top tier */
	dir = opendir(KP_TIERING);
	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		char path[512];

		if (sscanf(de->d_name, "memory_tier%d", &id) != 1 || id < 0 || id >= 256)
			continue;
		snprintf(path, sizeof(path), KP_TIERING "/%s/nodelist", de->d_name);
		err = kp_read_nodemask(path, &tier_mask[id]);
		if (err) {
			closedir(dir);
			return err;
		}
		t->ntiers++;
	}
	closedir(dir);

	/*
	 * As the kernel's node_is_toptier(): the slowest tier that holds a CPU node
	 * and every faster tier (lower id) are the top tier.
	 */
	for (id = 0; id < 256; id++) {
		if (!(tier_mask[id] & t->memory))
			continue;
		if (lowest < 0)
			lowest = id;
		if (tier_mask[id] & t->cpu)
			top = id;
	}
	if (top < 0)
		top = lowest;
	if (top < 0)
		return 0;
	t->fast = t->slow = 0;
	for (id = 0; id < 256; id++) {
		if (id <= top)
			t->fast |= tier_mask[id] & t->memory;
		else
			t->slow |= tier_mask[id] & t->memory;
	}
	/* A memory node in no tier directory counts as fast (default tier). */
	t->fast |= t->memory & ~(t->fast | t->slow);
	t->tiered = t->slow != 0;
	return 0;
}

int kp_ctl_run(char *out, size_t size, const char *env, const char *fmt, ...)
{
	char exe[512], args[512], cmd[1200];
	size_t len = 0, n;
	va_list ap;
	ssize_t m;
	FILE *p;
	int st;

	if (!size)
		return -1;
	out[0] = '\0';
	m = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (m < 0)
		return -1;
	exe[m] = '\0';
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s %s/kpromotedctl %s 2>&1", env ? env : "", dirname(exe),
		 args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (len < size - 1 && (n = fread(out + len, 1, size - 1 - len, p)) > 0)
		len += n;
	out[len] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

unsigned int kp_time_scale(void)
{
	const char *env = getenv("KP_TIME_SCALE");
	unsigned long v;

	if (!env || !kp_is_uint(env) || strlen(env) > 3)
		return 1;
	v = strtoul(env, NULL, 10);
	return v >= 1 && v <= 100 ? v : 1;
}

pid_t kp_child_start(void (*fn)(int fd, void *arg), void *arg, void *ready, size_t size)
{
	int fds[2];
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (!pid) {
		close(fds[0]);
		fn(fds[1], arg);
		_exit(0);
	}
	close(fds[1]);
	if (pid > 0 && read(fds[0], ready, size) != (ssize_t)size) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(fds[0]);
	return pid;
}
