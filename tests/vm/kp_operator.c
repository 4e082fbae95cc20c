// SPDX-License-Identifier: GPL-2.0
/*
 * The operator's view against the loaded module: `kpromotedctl heatmap`
 * shows the regions of a hot set on node 1 lit and the cold ones dark
 * within 10 s, and `kpromotedctl top` names the workload's process (its
 * comm) and, --by cgroup, its cgroup.
 *
 * The workload is a child process in its own cgroup (memory controller on)
 * named COMM: 64 MiB faulted on node 1, the first 8 MiB read in a loop.
 * While its VMA is bound to node 1 the hot set cannot be promoted and stays
 * lit where the test found it (/proc/<pid>/pagemap); on SIGUSR1 the child
 * drops the binding and kpromoted promotes the hot set: then `top` shows
 * whose pages those were.
 *
 * names: a workload whose comm holds a newline, in a cgroup whose name
 * holds a space, a tab, a backslash and ESC, is one row of `owners` (the
 * path escaped) and one row of `top` (both names escaped).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kp_test_util.h"
#include "kp_workload.h"

#define PAGES 16384		/* 64 MiB on node 1 */
#define HOT 2048		/* 8 MiB read continuously */
#define COMM "kp_hotloop"
#define CG_ROOT "/sys/fs/cgroup"
#define CG_NAME "kp_operator"
#define CG CG_ROOT "/" CG_NAME
#define HEAT_CHARS " .:-=+*#%@"	/* kpromotedctl's levels, cold to hot */
#define REGION_PAGES 512
#define MAX_REGIONS 4096

static char out[KP_BUF_SIZE];

#define ctl(...) kp_ctl_run(out, sizeof(out), NULL, __VA_ARGS__)

static volatile sig_atomic_t unbind, done;

static void on_usr1(int sig)
{
	(void)sig;
	unbind = 1;
}

static void on_term(int sig)
{
	(void)sig;
	done = 1;
}

/* Both fixtures' teardown: the workload stopped, the module out, numa_balancing as found. */
static void workload_stop_and_unload(pid_t child, const char *numab)
{
	if (child > 0) {
		kill(child, SIGTERM);
		waitpid(child, NULL, 0);
	}
	kp_ensure_unloaded();
	kp_write_file(KP_NUMA_BALANCING, numab);
}

/* The workload: reports its buffer's address on fd, then reads the hot set until SIGTERM. */
static void child(int fd, void *arg)
{
	struct kp_buf b;
	char pid[32];
	bool bound = true;

	(void)arg;
	signal(SIGUSR1, on_usr1);
	signal(SIGTERM, on_term);
	prctl(PR_SET_NAME, COMM);
	snprintf(pid, sizeof(pid), "%d", getpid());
	/* In the cgroup before the first fault: its pages are charged there. */
	if (kp_write_file(CG "/cgroup.procs", pid) ||
	    kp_buf_make_policy(&b, PAGES, HOT, 1, false, KP_MPOL_BIND, 1UL << 1))
		_exit(1);
	if (write(fd, &b.p, sizeof(b.p)) != sizeof(b.p))
		_exit(1);
	close(fd);
	while (!done) {
		if (unbind && bound) {
			/* The default policy again, nothing moved: now kpromoted may promote. */
			if (syscall(SYS_mbind, b.p, PAGES * KP_PAGE, KP_MPOL_DEFAULT, NULL, 0, 0))
				_exit(2);
			bound = false;
		}
		kp_run_hot(&b, HOT + 1, 0.5);
	}
	_exit(0);
}

FIXTURE(operator) {
	struct kp_topology topo;
	char params[128];
	char numab[KP_VAL_SIZE];
	bool mounted, cg_made;
	pid_t child;
	char *addr;
	const char *skip;
};

FIXTURE_SETUP(operator)
{
	self->child = 0;
	self->mounted = self->cg_made = false;
	self->skip = kp_two_tier_ready(&self->topo, self->params, sizeof(self->params));
	if (self->skip)
		return;
	ASSERT_EQ(0, kp_ensure_unloaded());
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, self->numab, sizeof(self->numab)));
	if (!kp_exists(CG_ROOT "/cgroup.procs")) {
		mkdir(CG_ROOT, 0755);
		ASSERT_EQ(0, mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL));
		self->mounted = true;
	}
	/* The child's own memcg: its pages are charged to CG, not to the root. */
	ASSERT_EQ(0, kp_write_file(CG_ROOT "/cgroup.subtree_control", "+memory"));
	ASSERT_TRUE(mkdir(CG, 0755) == 0 || errno == EEXIST);
	self->cg_made = true;
	/*
	 * A short half-life: a region seen once is dark again within 2 s. The
	 * hot set is seen by the MGLRU walk while bound (NUMA balancing does
	 * not scan a VMA bound without MPOL_F_MOF): on 6.1, MGLRU is off
	 * unless kpromoted turns it on.
	 */
	ASSERT_EQ(0, kp_loadf("%s window_ms=250%s", self->params,
			      kp_exists(KP_LRU_GEN) ? " lru_gen=enable" : ""));
	self->child = kp_child_start(child, NULL, &self->addr, sizeof(self->addr));
	ASSERT_LT(0, self->child) TH_LOG("the workload did not start");
}

FIXTURE_TEARDOWN(operator)
{
	if (self->skip)
		return;
	workload_stop_and_unload(self->child, self->numab);
	if (self->cg_made)
		rmdir(CG);
	if (self->mounted)
		umount(CG_ROOT);
}

/* Node 1's span in debugfs `regions`: its first frame. */
static int node1_start_pfn(uint64_t *start, uint64_t *nr)
{
	char *text = malloc(1 << 20);
	unsigned long long s, n;
	int fd, len = 0, r, found = -1;
	char *line;

	if (!text)
		return -1;
	fd = open(KP_DEBUGFS "/regions", O_RDONLY);
	while (fd >= 0 && (r = read(fd, text + len, (1 << 20) - 1 - len)) > 0)
		len += r;
	if (fd >= 0)
		close(fd);
	text[len] = '\0';
	for (line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (sscanf(line, "span node 1 start_pfn %llu regions %llu", &s, &n) == 2) {
			*start = s;
			*nr = n;
			found = 0;
		}
	free(text);
	return found;
}

/* Per region of node 1: how many of the buffer's hot and cold pages it holds. */
static int count_regions(pid_t pid, char *addr, uint64_t start, uint64_t nr, int *hot, int *cold)
{
	static uint64_t ents[PAGES];
	char path[64];
	long i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	/* One read for the whole buffer: a read per page took seconds on the debug kernel. */
	if (pread(fd, ents, sizeof(ents), (uintptr_t)addr / KP_PAGE * sizeof(ents[0])) != sizeof(ents)) {
		close(fd);
		return -1;
	}
	for (i = 0; i < PAGES; i++) {
		uint64_t pfn, reg, ent = ents[i];

		if (!(ent >> 63))
			continue;
		pfn = ent & ((1ull << 55) - 1);
		if (pfn < start || (reg = (pfn - start) / REGION_PAGES) >= nr)
			continue;
		if (i < HOT)
			hot[reg]++;
		else
			cold[reg]++;
	}
	close(fd);
	return 0;
}

/* The buffer's pages that are not on node 1 (pfn outside [start, start + nr regions)). */
static long pages_off_node1(pid_t pid, char *addr, uint64_t start, uint64_t nr)
{
	int hot[MAX_REGIONS] = { 0 }, cold[MAX_REGIONS] = { 0 };
	long on1 = 0;
	uint64_t r;

	if (count_regions(pid, addr, start, nr, hot, cold))
		return -1;
	for (r = 0; r < nr; r++)
		on1 += hot[r] + cold[r];
	return PAGES - on1;
}

/* The level of each cell of heatmap's plain map (one region a cell up to 2 GiB). */
static int parse_map(const char *text, int *level, int max)
{
	const char *line = text;
	int n = 0;

	while (line && *line) {
		const char *end = strchr(line, '\n'), *a = strchr(line, '|'), *b;

		if (!end)
			end = line + strlen(line);
		b = end > line ? end - 1 : line;
		if (a && a < end && *b == '|' && b > a) {
			for (a++; a < b && n < max; a++) {
				const char *c = strchr(HEAT_CHARS, *a);

				level[n++] = c && *a ? (int)(c - HEAT_CHARS) : -1;
			}
		}
		line = *end ? end + 1 : NULL;
	}
	return n;
}

/* A `top` row: the number in column col (1-based) of the line that ends with name, or -1. */
static long top_column(const char *text, const char *name, int col)
{
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line), nl = strlen(name);
		char buf[512];

		if (len > nl && len < sizeof(buf) && !memcmp(line + len - nl, name, nl) &&
		    line[len - nl - 1] == ' ') {
			char *tok, *save = NULL;
			int i;

			memcpy(buf, line, len);
			buf[len] = '\0';
			for (i = 1, tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save), i++)
				if (i == col)
					return strtol(tok, NULL, 10);
		}
		line = end ? end + 1 : NULL;
	}
	return -1;
}

TEST_F_TIMEOUT(operator, heatmap_lights_the_hot_set_and_top_names_the_workload, 300)
{
	static int hot[MAX_REGIONS], cold[MAX_REGIONS], level[MAX_REGIONS];
	int hot_regions = 0, cold_regions = 0, hot_lit = 0, cold_dark = 0, stray = 0;
	uint64_t start = 0, nr = 0, r;
	double t0 = kp_now_s(), t = 0;
	unsigned long promoted = 0;
	bool ok = false;
	int n, i;

	KP_TWO_TIER_READY();
	ASSERT_EQ(0, node1_start_pfn(&start, &nr)) TH_LOG("no span of node 1 in debugfs regions");
	ASSERT_LE(nr, MAX_REGIONS);
	ASSERT_EQ(0, count_regions(self->child, self->addr, start, nr, hot, cold));
	{
		int used = 0, maxh = 0, maxc = 0;

		for (r = 0, n = 0, i = 0; r < nr; r++) {
			n += hot[r];
			i += cold[r];
			used += hot[r] || cold[r];
			maxh = hot[r] > maxh ? hot[r] : maxh;
			maxc = cold[r] > maxc ? cold[r] : maxc;
		}
		TH_LOG("node 1 from frame %#llx, %llu regions: the workload's %d hot and %d cold pages there (of %d, %d), in %d regions, at most %d hot and %d cold in one (%.1f s)",
		       (unsigned long long)start, (unsigned long long)nr, n, i, HOT, PAGES - HOT,
		       used, maxh, maxc, kp_now_s() - t0);
	}

	/*
	 * Within 10 s of the workload's start: hot regions lit, cold ones
	 * dark. At least one look, however long the test's own reads took.
	 */
	for (t = 0; !ok && t <= 10; t = kp_now_s() - t0) {
		hot_regions = cold_regions = hot_lit = cold_dark = stray = 0;
		ASSERT_EQ(0, ctl("heatmap --node 1 --count 1")) TH_LOG("%s", out);
		ASSERT_NE(NULL, strstr(out, "2.0 MiB a cell")) TH_LOG("%s", out);
		n = parse_map(out, level, MAX_REGIONS);
		ASSERT_EQ((int)nr, n) TH_LOG("%s", out);
		for (r = 0; r < nr; r++) {
			/* Mostly hot, or only cold: the regions the map must tell apart. */
			if (hot[r] >= REGION_PAGES / 4) {
				hot_regions++;
				hot_lit += level[r] > 0;
			} else if (!hot[r] && cold[r] >= REGION_PAGES / 4) {
				cold_regions++;
				cold_dark += level[r] == 0;
			} else if (!hot[r] && !cold[r]) {
				stray += level[r] > 0;
			}
		}
		ok = hot_regions && hot_lit * 10 >= hot_regions * 9 && cold_dark * 10 >= cold_regions * 9;
		if (!ok)
			sleep(1);
	}
	TH_LOG("heatmap at %.1f s: hot regions lit %d/%d, cold regions dark %d/%d, other regions lit %d\n%s",
	       t, hot_lit, hot_regions, cold_dark, cold_regions, stray, out);
	EXPECT_TRUE(ok);
	EXPECT_GE(cold_regions, 1);

	/* Sighted (the MGLRU walk knows the memcg): the cgroup by its path. */
	ASSERT_EQ(0, ctl("top --by cgroup --count 1 --interval 1")) TH_LOG("%s", out);
	TH_LOG("%s", out);
	EXPECT_GT(top_column(out, "/" CG_NAME, 3), 0) TH_LOG("no sightings for /" CG_NAME);
	/*
	 * Bound to node 1: none of the workload's pages was promoted. (Not
	 * promoted_pages, which counts every process: on 6.1 another one's
	 * pages that fell back to node 1 earlier in the suite may move.)
	 */
	ASSERT_EQ(0, kp_stat_get("promoted_pages", &promoted));
	EXPECT_EQ(0, pages_off_node1(self->child, self->addr, start, nr))
		TH_LOG("a page bound to node 1 was promoted (promoted_pages %lu in all)", promoted);

	/* Unbound: the hot set is promoted, and top says whose it was. */
	ASSERT_EQ(0, kill(self->child, SIGUSR1));
	for (i = 0; i < 120 && promoted < HOT / 2; i++) {
		usleep(500000);
		ASSERT_EQ(0, kp_stat_get("promoted_pages", &promoted));
	}
	TH_LOG("promoted %lu pages after %.1f s", promoted, i * 0.5);
	EXPECT_GE(promoted, HOT / 2);
	ASSERT_EQ(0, ctl("top --count 1 --interval 1")) TH_LOG("%s", out);
	TH_LOG("%s", out);
	EXPECT_GE(top_column(out, COMM, 5), HOT / 2) TH_LOG("%s not named with its promoted pages", COMM);
	ASSERT_EQ(0, ctl("top --by cgroup --count 1 --interval 1")) TH_LOG("%s", out);
	TH_LOG("%s", out);
	EXPECT_GE(top_column(out, "/" CG_NAME, 5), HOT / 2);
	/* And the heatmap of node 1 goes dark where the hot set was. */
	sleep(3);
	ASSERT_EQ(0, ctl("heatmap --node 1 --count 1")) TH_LOG("%s", out);
	TH_LOG("after the promotion:\n%s", out);
	/* The bad arguments: one line, usage status. */
	EXPECT_EQ(2, ctl("top --by nobody"));
	EXPECT_EQ(2, ctl("heatmap --node 7"));
	TH_LOG("%s", out);
	EXPECT_EQ(2, ctl("heatmap --count 0"));
	ASSERT_EQ(0, kill(self->child, SIGTERM));
	ASSERT_EQ(self->child, waitpid(self->child, NULL, 0));
	self->child = 0;
	ASSERT_EQ(0, kp_unload());
}

/*
 * Names are anyone's: any process may put a newline in its comm
 * (prctl(PR_SET_NAME)), whoever may create a cgroup chooses its name (the
 * kernel refuses '/' and a newline only). A workload named EVIL_COMM in a
 * cgroup named EVIL_CG is one row of `owners`, its path escaped
 * (ESC_CG_PATH), and one row of `kpromotedctl top`, its names escaped
 * again for the terminal.
 */
#define EVIL_COMM "evil\nproc 9"
#define EVIL_CG "kp_esc evil\t\\9\033x"
#define ESC_CG_PATH "/kp_esc\\040evil\\011\\1349\\033x"	/* as owners prints it */
#define SHOWN_COMM "evil\\012proc 9"			/* as top shows them */
#define SHOWN_CG "/kp_esc evil\\011\\1349\\033x"
#define EVIL_PAGES 4096		/* 16 MiB on node 1, all of it read in a loop */

/* The hostile workload: its pages faulted on node 1 (default policy after), all of them hot. */
static void evil_child(int fd, void *arg)
{
	struct kp_buf b;
	char pid[32];

	(void)arg;
	signal(SIGTERM, on_term);
	prctl(PR_SET_NAME, EVIL_COMM);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (kp_write_file(CG_ROOT "/" EVIL_CG "/cgroup.procs", pid) ||
	    kp_buf_make(&b, EVIL_PAGES, EVIL_PAGES, 1, false))
		_exit(1);
	if (write(fd, &b.p, sizeof(b.p)) != sizeof(b.p))
		_exit(1);
	close(fd);
	while (!done)
		kp_run_hot(&b, EVIL_PAGES + 1, 0.5);
	_exit(0);
}

FIXTURE(names) {
	struct kp_topology topo;
	char params[128];
	char numab[KP_VAL_SIZE];
	bool mounted, cg_made;
	pid_t child;
	const char *skip;
};

FIXTURE_SETUP(names)
{
	int r, e;
	char *addr;

	self->child = 0;
	self->mounted = self->cg_made = false;
	self->skip = kp_two_tier_ready(&self->topo, self->params, sizeof(self->params));
	if (self->skip)
		return;
	ASSERT_EQ(0, kp_ensure_unloaded());
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, self->numab, sizeof(self->numab)));
	if (!kp_exists(CG_ROOT "/cgroup.procs")) {
		mkdir(CG_ROOT, 0755);
		ASSERT_EQ(0, mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL));
		self->mounted = true;
	}
	ASSERT_EQ(0, kp_write_file(CG_ROOT "/cgroup.subtree_control", "+memory"));
	/* A newline the kernel refuses in a cgroup's name; spaces, tabs, ESC it takes. */
	r = mkdir(CG_ROOT "/kp_esc\nx", 0755);
	e = errno;
	if (!r)
		rmdir(CG_ROOT "/kp_esc\nx");
	EXPECT_EQ(-1, r);
	EXPECT_EQ(EINVAL, e);
	ASSERT_TRUE(mkdir(CG_ROOT "/" EVIL_CG, 0755) == 0 || errno == EEXIST);
	self->cg_made = true;
	ASSERT_EQ(0, kp_loadf("%s%s", self->params, kp_exists(KP_LRU_GEN) ? " lru_gen=enable" : ""));
	self->child = kp_child_start(evil_child, NULL, &addr, sizeof(addr));
	ASSERT_LT(0, self->child) TH_LOG("the workload did not start");
}

FIXTURE_TEARDOWN(names)
{
	if (self->skip)
		return;
	workload_stop_and_unload(self->child, self->numab);
	if (self->cg_made)
		rmdir(CG_ROOT "/" EVIL_CG);
	if (self->mounted)
		umount(CG_ROOT);
}

/* Lines of text that start with prefix; the last one into line (up to its newline). */
static int lines_starting(const char *text, const char *prefix, char *line, size_t size)
{
	const char *l = text;
	int n = 0;

	while (l && *l) {
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);

		if (!strncmp(l, prefix, strlen(prefix))) {
			n++;
			if (line)
				snprintf(line, size, "%.*s", (int)len, l);
		}
		l = end ? end + 1 : NULL;
	}
	return n;
}

/* Lines of text that end with suffix. */
static int lines_ending(const char *text, const char *suffix)
{
	const char *l = text;
	size_t sl = strlen(suffix);
	int n = 0;

	while (l && *l) {
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);

		n += len >= sl && !memcmp(l + len - sl, suffix, sl);
		l = end ? end + 1 : NULL;
	}
	return n;
}

/* A byte a terminal or a line parser would act on: a control byte but newline, DEL, non-ASCII. */
static bool has_raw_byte(const char *text)
{
	for (; *text; text++)
		if (((unsigned char)*text < ' ' && *text != '\n') || (unsigned char)*text >= 0x7f)
			return true;
	return false;
}

TEST_F_TIMEOUT(names, hostile_comm_and_cgroup_are_one_escaped_row, 240)
{
	static char owners[1 << 20];
	unsigned long long sighted = 0, promoted = 0;
	char prefix[48], line[512], field[64];
	double t0 = kp_now_s();
	bool seen = false;
	ssize_t len;
	int fields;

	KP_TWO_TIER_READY();
	snprintf(prefix, sizeof(prefix), "process %d ", self->child);
	/* Counted: sighted by its hint faults, or promoted (its pages were on node 1). */
	while (!seen && kp_now_s() - t0 <= 120) {
		len = kp_read_file(KP_DEBUGFS "/owners", owners, sizeof(owners));
		ASSERT_LT(0, len);
		seen = lines_starting(owners, prefix, line, sizeof(line)) == 1 &&
		       sscanf(line + strlen(prefix), "%llu %llu", &sighted, &promoted) == 2 &&
		       sighted + promoted > 0 && lines_ending(owners, " " ESC_CG_PATH) == 1;
		if (!seen)
			sleep(1);
	}
	TH_LOG("owners after %.1f s:\n%s", kp_now_s() - t0, owners);
	ASSERT_TRUE(seen) TH_LOG("the workload is not one counted row, or its cgroup not one escaped path");
	/* One row, four fields: the comm is not in owners, so it cannot add any. */
	EXPECT_EQ(1, lines_starting(owners, prefix, line, sizeof(line)));
	fields = sscanf(line, "process %*d %*u %*u %63s", field);
	EXPECT_TRUE(fields < 1) TH_LOG("a fifth field on the process row: %s", line);
	/* The cgroup's line: its whole escaped path, nothing raw anywhere, no stray lines. */
	EXPECT_EQ(1, lines_ending(owners, " " ESC_CG_PATH));
	EXPECT_FALSE(has_raw_byte(owners));
	EXPECT_EQ(lines_starting(owners, "process ", NULL, 0) + lines_starting(owners, "cgroup ", NULL, 0),
		  lines_starting(owners, "", NULL, 0)) TH_LOG("a line of owners that is no owner");

	/* top: the workload is one row, its comm escaped; no line starts with the forged tail. */
	ASSERT_EQ(0, ctl("top --count 1 --interval 1")) TH_LOG("%s", out);
	TH_LOG("%s", out);
	snprintf(line, sizeof(line), "  %s", SHOWN_COMM);
	EXPECT_EQ(1, lines_ending(out, line)) TH_LOG("%s not one row", SHOWN_COMM);
	EXPECT_EQ(0, lines_starting(out, "proc 9", NULL, 0));
	EXPECT_FALSE(has_raw_byte(out));
	EXPECT_EQ(self->child, top_column(out, SHOWN_COMM, 1)) TH_LOG("not the workload's row");
	/* --by cgroup: the path decoded and escaped again for the terminal, one row. */
	ASSERT_EQ(0, ctl("top --by cgroup --count 1 --interval 1")) TH_LOG("%s", out);
	TH_LOG("%s", out);
	snprintf(line, sizeof(line), "  %s", SHOWN_CG);
	EXPECT_EQ(1, lines_ending(out, line)) TH_LOG("%s not one row", SHOWN_CG);
	EXPECT_FALSE(has_raw_byte(out));

	ASSERT_EQ(0, kill(self->child, SIGTERM));
	ASSERT_EQ(self->child, waitpid(self->child, NULL, 0));
	self->child = 0;
	ASSERT_EQ(0, kp_unload());
}

TEST_HARNESS_MAIN
