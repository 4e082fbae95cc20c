// SPDX-License-Identifier: GPL-2.0
/*
 * Faults around a working kpromoted (issue 13), each a test that can fail:
 *
 * - memory_block_offlined: the slow node's hot-pluggable block (the DIMM
 *   scripts/vm-run.sh puts on node 1, offline at boot) onlined movable, a
 *   workload's pages placed in it, offlined while kpromoted promotes from it,
 *   onlined again: the data survives, the module promotes a fresh hot set,
 *   its counters agree. The block is offline again afterwards (as at boot).
 * - cpu_hotplug_under_load: CPU 1 offlined and onlined while every source
 *   runs (hint faults, MGLRU, the test PMU's samples): the per-CPU counters
 *   follow the CPU, samples and promotion go on.
 * - workload_killed_mid_batch: the process whose pages are being promoted is
 *   SIGKILLed once promotion is under way: no folio stays isolated, the
 *   module goes on working and unloads.
 * - fast_node_oom: a process bound to node 0 allocates until the OOM killer
 *   takes it while a hot set waits on node 1: kpromoted promotes nothing
 *   while node 0 is below its min watermark, the OOM kill hits the hog only.
 * - load_unload_cycles: KP_FAULTS_CYCLES (default 50) loads and unloads
 *   with every source on, under load: no kprobe left, settings restored, no
 *   isolated folio, no module reference held, no kmemleak report through
 *   kpromoted (debug kernel). A cycle takes about 1.45 s under TCG (trixie:
 *   100 in 145 s), so 100 would take the program past its 3 minutes; the
 *   crash these cycles found (numa_balancing back to 1 with slow pages still
 *   stamped) came on the third. More: KP_FAULTS_CYCLES=100 on the guest's
 *   kernel command line (init's environment), e.g.
 *   scripts/vm-check.sh trixie kp.tests=kp_faults KP_FAULTS_CYCLES=100.
 *
 * - numa_balancing_on_after_unload_from_off: numa_balancing off (0) before
 *   load, kpromoted's tiering mode stamps scan times into the slow pages,
 *   unload puts 0 back; then the operator turns on the normal mode (1) and
 *   moves the pages to node 0 with migrate_pages(2), which keeps the field in
 *   that mode, while a process reads them: the hint faults on node 0 must
 *   not take a stamp for a CPU/PID (task_numa_group() would read the
 *   runqueue of a CPU that does not exist: the crash load_unload_cycles
 *   found with the old value 1, here with 0 and without a cycle).
 * - numa_balancing_restored_under_migration: the same hazard from the other
 *   side: slow pages stamped in tiering mode are moved to node 0 by
 *   move_pages(2) while kpromoted unloads from numa_balancing 3 back to 1.
 *   A move that lands while the value reads 0 keeps the stamp (the kernel
 *   resets it only in a tiering mode), on a top-tier page the reset of the
 *   slow nodes never visits; back at 1, the next hint fault on it takes the
 *   stamp for a CPU/PID. The test checks that some moves did land in that
 *   window (else it tested nothing), then reads every page under the
 *   kernel's normal mode: a splat fails it.
 *
 * A splat anywhere fails the program (run.sh, vm-run.sh); the OOM report's own
 * stack is excused between the "kp-expect: oom-killer" markers written here.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kp_test_util.h"
#include "kp_workload.h"

#define MEMDIR "/sys/devices/system/memory"
#define CPU1_ONLINE "/sys/devices/system/cpu/cpu1/online"
#define TP_DIR "/sys/kernel/debug/kp_testpmu"
#define TP_SYS "/sys/module/kp_testpmu"
#define KPROBES_LIST "/sys/kernel/debug/kprobes/list"
#define ENABLED_FUNCS "/sys/kernel/tracing/enabled_functions"
#define SCAN_MAX "/sys/kernel/debug/sched/numa_balancing/scan_period_max_ms"
#define KMEMLEAK "/sys/kernel/debug/kmemleak"
#define ALL_SOURCES "sources=hintfault,mglru,ibs numa_balancing=auto lru_gen=enable"
#define HOT_WEIGHT 16

FIXTURE(faults) {
	struct kp_topology topo;
	char params[128];
	const char *skip;
	char numab[KP_VAL_SIZE], lru[KP_VAL_SIZE];
	bool have_lru;
	char block[64];		/* memoryN onlined by the test, "" if none */
	bool tp_loaded;
};

FIXTURE_SETUP(faults)
{
	self->skip = kp_two_tier_ready(&self->topo, self->params, sizeof(self->params));
	if (self->skip)
		return;
	ASSERT_EQ(0, kp_ensure_unloaded());
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, self->numab, sizeof(self->numab)));
	self->have_lru = !kp_read_value(KP_LRU_GEN, self->lru, sizeof(self->lru));
}

/* Writes val to the block's state in a child that a stuck offline cannot hold forever. */
static int block_set(const char *block, const char *val, int timeout_s)
{
	char path[128];
	int st;
	pid_t pid;

	snprintf(path, sizeof(path), MEMDIR "/%s/state", block);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		int err;

		alarm(timeout_s);	/* a fatal signal ends offline_pages() with EINTR */
		err = kp_write_file(path, val);
		_exit(-err);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -ECHILD;
	if (WIFSIGNALED(st))
		return -ETIMEDOUT;
	return -WEXITSTATUS(st);
}

static int block_offline_retry(const char *block, int tries, int *busy)
{
	int i, err = -EBUSY;

	*busy = 0;
	for (i = 0; i < tries; i++) {
		err = block_set(block, "offline", 60);
		if (err != -EBUSY && err != -EAGAIN)
			return err;
		(*busy)++;
		sleep(1);
	}
	return err;
}

static void tp_unload(void)
{
	if (kp_exists(TP_SYS))
		system("rmmod kp_testpmu");
}

FIXTURE_TEARDOWN(faults)
{
	int busy;

	if (self->skip)
		return;
	kp_ensure_unloaded();
	kp_write_file(CPU1_ONLINE, "1");
	if (self->tp_loaded)
		tp_unload();
	kp_write_file(KP_NUMA_BALANCING, self->numab);
	if (self->have_lru)
		kp_write_file(KP_LRU_GEN, self->lru);
	/* As at boot: the block offline, node 1 its usual size for the programs after this. */
	if (self->block[0]) {
		EXPECT_EQ(0, block_offline_retry(self->block, 10, &busy))
			TH_LOG("%s would not go offline again", self->block);
	}
}

/* ---- the test PMU (tests/testpmu), as kp_hwsample loads it ---- */

struct tp_target {
	uint64_t pfn, va;
};

static int tp_load(void)
{
	if (kp_exists("/sys/bus/event_source/devices/ibs_op"))
		return -EEXIST;
	return system("insmod /lib/modules/$(uname -r)/extra/kp_testpmu.ko name=ibs_op kind=ibs "
		      "ops_per_sec=262144000 invalid_permille=50") == 0 ? 0 : -EIO;
}

static long tp_read(const char *file)
{
	char path[128], val[KP_VAL_SIZE];

	snprintf(path, sizeof(path), "%s/%s", TP_DIR, file);
	return kp_read_value(path, val, sizeof(val)) ? -1 : strtol(val, NULL, 10);
}

/* pagemap frame of a mapped page, 0 if none (as root). */
static uint64_t pfn_of(int pm, const void *va)
{
	uint64_t ent;

	if (pread(pm, &ent, 8, ((uintptr_t)va / KP_PAGE) * 8) != 8 || !(ent >> 63))
		return 0;
	return ent & ((1ull << 55) - 1);
}

/* The test PMU samples the buffer's frames now, each hot page HOT_WEIGHT times as often. */
static int tp_aim(struct kp_buf *b)
{
	struct tp_target *t = calloc(b->hot * HOT_WEIGHT + b->pages, sizeof(*t));
	int pm = open("/proc/self/pagemap", O_RDONLY), fd, err = 0;
	long i, n = 0, k;
	char pid[32];

	if (!t || pm < 0) {
		free(t);
		return -ENOMEM;
	}
	for (i = 0; i < b->pages; i++) {
		uint64_t pfn = pfn_of(pm, b->p + i * KP_PAGE);

		if (!pfn)
			continue;
		for (k = 0; k < (i < b->hot ? HOT_WEIGHT : 1); k++)
			t[n++] = (struct tp_target){ pfn, (uintptr_t)(b->p + i * KP_PAGE) };
	}
	close(pm);
	kp_write_file(TP_DIR "/clear", "1");
	fd = open(TP_DIR "/targets", O_WRONLY);
	if (fd < 0) {
		free(t);
		return -errno;
	}
	if (write(fd, t, n * sizeof(*t)) != (ssize_t)(n * sizeof(*t)))
		err = -EIO;
	close(fd);
	free(t);
	snprintf(pid, sizeof(pid), "%d", getpid());
	kp_write_file(TP_DIR "/pid", pid);
	return err;
}

/* ---- workload ---- */

/* Reads the hot set in a thread of its own until told to stop. */
struct reader {
	struct kp_buf *b;
	volatile int stop;
	pthread_t th;
};

static void *reader_main(void *p)
{
	struct reader *r = p;

	while (!r->stop)
		kp_run_hot(r->b, r->b->hot + 1, 0.5);
	return NULL;
}

static int reader_start(struct reader *r, struct kp_buf *b)
{
	r->b = b;
	r->stop = 0;
	return pthread_create(&r->th, NULL, reader_main, r);
}

static void reader_stop(struct reader *r)
{
	r->stop = 1;
	pthread_join(r->th, NULL);
}

/* Each page's first word holds its index: what survives every move. */
static void buf_stamp(struct kp_buf *b)
{
	long i;

	for (i = 0; i < b->pages; i++)
		*(volatile long *)(b->p + i * KP_PAGE) = i ^ 0x5a5a5a5aL;
}

static long buf_damaged(struct kp_buf *b)
{
	long i, bad = 0;

	for (i = 0; i < b->pages; i++)
		bad += *(volatile long *)(b->p + i * KP_PAGE) != (i ^ 0x5a5a5a5aL);
	return bad;
}

/* A node's vmstat counter (/sys/devices/system/node/nodeN/vmstat). */
static long node_vmstat(int nid, const char *name)
{
	char path[96], val[KP_VAL_SIZE];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/vmstat", nid);
	return kp_read_kv(path, name, val, sizeof(val)) ? -1 : strtol(val, NULL, 10);
}

/* Isolated pages, system-wide and on each node, once settled (up to 10 s). */
static long isolated_everywhere(void)
{
	double end = kp_now_s() + 10;
	long n;

	for (;;) {
		n = kp_isolated_settled();
		n += node_vmstat(0, "nr_isolated_anon") + node_vmstat(0, "nr_isolated_file");
		n += node_vmstat(1, "nr_isolated_anon") + node_vmstat(1, "nr_isolated_file");
		if (!n || kp_now_s() > end)
			return n;
		usleep(200 * 1000);
	}
}

/* Waits up to `seconds` for promoted_pages to pass `above`; its value. */
static unsigned long wait_promoted(struct kp_buf *b, unsigned long above, double seconds)
{
	double end = kp_now_s() + seconds;
	unsigned long v = 0;

	while (kp_now_s() < end) {
		if (!kp_stat_get("promoted_pages", &v) && v > above)
			break;
		if (b)
			kp_run_hot(b, b->hot + 1, 0.2);
		else
			usleep(50 * 1000);
	}
	return v;
}

#define FRESH_HOT 1024
#define FRESH_WANT (FRESH_HOT * 95 / 100)

/*
 * A fresh hot set on node 1, promoted: the module still works. Hot pages on
 * node 0 after up to 60 s, a second set if the first fell short.
 */
static long fresh_hot_set(void)
{
	struct kp_buf b;
	long on0 = -1;
	int tries;

	for (tries = 0; tries < 2 && on0 < FRESH_WANT; tries++) {
		if (kp_buf_make(&b, 4096, FRESH_HOT, 1, false))
			return -1;
		on0 = kp_run_hot(&b, FRESH_WANT, 60);
		kp_buf_free(&b);
	}
	return on0;
}

/* A counter from one read of stats (a snapshot: no change between two counters read). */
static unsigned long snap(struct __test_metadata *_metadata, const char *stats, const char *name)
{
	char v[KP_VAL_SIZE];

	EXPECT_EQ(0, kp_kv_find(stats, name, v, sizeof(v))) TH_LOG("stats: no %s", name);
	return strtoul(v, NULL, 10);
}

/*
 * Counters that must agree whatever happened: every record is one source's,
 * every promoted page a page in bytes, every promoted page a candidate first.
 * Read with the workload gone; a little slack for what still runs (MGLRU aging).
 */
static void expect_counters_consistent(struct __test_metadata *_metadata)
{
	static char st[KP_BUF_SIZE];
	unsigned long rec, src, pp, pb, cand;

	ASSERT_LT(0, kp_read_file(KP_DEBUGFS "/stats", st, sizeof(st)));
	rec = snap(_metadata, st, "records");
	src = snap(_metadata, st, "records_hintfault") + snap(_metadata, st, "records_mglru") +
	      snap(_metadata, st, "records_ibs") + snap(_metadata, st, "records_pebs");
	pp = snap(_metadata, st, "promoted_pages");
	pb = snap(_metadata, st, "promoted_bytes");
	cand = snap(_metadata, st, "candidates");
	TH_LOG("counters: records %lu (by source %lu), candidates %lu, promoted %lu pages, %lu bytes",
	       rec, src, cand, pp, pb);
	EXPECT_LE(src, rec + 64);
	EXPECT_LE(rec, src + 64);
	EXPECT_EQ(0, pb % KP_PAGE);
	EXPECT_LE(pb / KP_PAGE, pp + 512);
	EXPECT_LE(pp, pb / KP_PAGE + 512);
	EXPECT_LE(pp, cand + 512);
}
#define EXPECT_COUNTERS_CONSISTENT() expect_counters_consistent(_metadata)

/* ---- 1. the slow node's memory block offlined under kpromoted ---- */

/* The first offline block of node 1 (the DIMM), into name; 0, -ENOENT, -ENOTSUP. */
static int find_node1_offline_block(char *name, size_t size)
{
	struct dirent *de;
	DIR *d = opendir(MEMDIR);
	int err = -ENOENT;

	if (!d)
		return -ENOTSUP;
	while ((de = readdir(d))) {
		char path[512], state[KP_VAL_SIZE];

		if (strncmp(de->d_name, "memory", 6) || !kp_is_uint(de->d_name + 6))
			continue;
		snprintf(path, sizeof(path), MEMDIR "/%s/node1", de->d_name);
		if (!kp_exists(path))
			continue;
		snprintf(path, sizeof(path), MEMDIR "/%s/state", de->d_name);
		if (kp_read_value(path, state, sizeof(state)) || strcmp(state, "offline"))
			continue;
		snprintf(name, size, "%.60s", de->d_name);
		err = 0;
		break;
	}
	closedir(d);
	return err;
}

/* Pages of b whose frame lies in [lo, hi). */
static long pages_in_frames(struct kp_buf *b, uint64_t lo, uint64_t hi)
{
	int pm = open("/proc/self/pagemap", O_RDONLY);
	long i, n = 0;

	if (pm < 0)
		return -1;
	for (i = 0; i < b->pages; i++) {
		uint64_t pfn = pfn_of(pm, b->p + i * KP_PAGE);

		n += pfn >= lo && pfn < hi;
	}
	close(pm);
	return n;
}

TEST_F_TIMEOUT(faults, memory_block_offlined, 240)
{
	char path[512], val[KP_VAL_SIZE], state[KP_VAL_SIZE];
	unsigned long bsize, lo, hi, p_before, p_after, skipped_off;
	struct kp_buf b = { 0 };
	struct reader r;
	long in_block, in_block_after, fresh;
	int err, busy = 0;
	double t0;

	KP_TWO_TIER_READY();
	err = find_node1_offline_block(self->block, sizeof(self->block));
	self->block[0] = err ? 0 : self->block[0];
	if (err == -ENOTSUP)
		SKIP(return, "no %s: kernel without memory hotplug", MEMDIR);
	if (err)
		SKIP(return, "no offline memory block on node 1 (no DIMM there: KP_DIMM_MB=0?)");
	ASSERT_EQ(0, kp_read_value(MEMDIR "/block_size_bytes", val, sizeof(val)));
	bsize = strtoul(val, NULL, 16);
	snprintf(path, sizeof(path), MEMDIR "/%s/phys_index", self->block);
	ASSERT_EQ(0, kp_read_value(path, val, sizeof(val)));
	lo = strtoul(val, NULL, 16) * (bsize / KP_PAGE);
	hi = lo + bsize / KP_PAGE;

	err = block_set(self->block, "online_movable", 60);
	if (err) {
		char blk[64];

		snprintf(blk, sizeof(blk), "%s", self->block);
		self->block[0] = 0;
		SKIP(return, "%s: online_movable refused: %s", blk, strerror(-err));
	}
	/* Can this kernel offline memory at all (CONFIG_MEMORY_HOTREMOVE)? Empty, it must. */
	err = block_offline_retry(self->block, 3, &busy);
	if (err == -EINVAL || err == -EPERM || err == -ENOTSUP) {
		char blk[64];

		snprintf(blk, sizeof(blk), "%s", self->block);
		self->block[0] = 0;
		SKIP(return, "%s: the kernel cannot offline memory (%s): no memory hot-remove",
		     blk, strerror(-err));
	}
	ASSERT_EQ(0, err) TH_LOG("offlining the empty block: %s", strerror(-err));
	ASSERT_EQ(0, block_set(self->block, "online_movable", 60));
	snprintf(path, sizeof(path), MEMDIR "/%s/valid_zones", self->block);
	if (!kp_read_value(path, val, sizeof(val)))
		TH_LOG("%s: %lu MiB at frames %#lx-%#lx, online in zone %s", self->block,
		       bsize >> 20, lo, hi, val);

	/* Slow promotion (4 MB/s): the block goes away while the hot set is on its way. */
	ASSERT_EQ(0, kp_loadf("%s rate_limit_mbps=4", self->params));
	ASSERT_EQ(0, kp_buf_make(&b, 16384, 8192, 1, false));
	buf_stamp(&b);
	in_block = pages_in_frames(&b, lo, hi);
	TH_LOG("workload: %ld of %ld pages in %s", in_block, b.pages, self->block);
	ASSERT_GE(in_block * 10, b.pages * 9) TH_LOG("the workload is not in the block");

	ASSERT_EQ(0, reader_start(&r, &b));
	p_before = wait_promoted(NULL, 0, 60);
	ASSERT_GT(p_before, 0) TH_LOG("nothing promoted in 60 s");
	skipped_off = kp_stat("skipped_offline");
	t0 = kp_now_s();
	err = block_offline_retry(self->block, 5, &busy);
	p_after = kp_stat("promoted_pages");
	TH_LOG("offline of %s while promoting (promoted %lu before, %lu after, of %ld hot): %s after %d EBUSY, %.1f s; skipped_offline +%lu",
	       self->block, p_before, p_after, b.hot, err ? strerror(-err) : "done", busy,
	       kp_now_s() - t0, kp_stat("skipped_offline") - skipped_off);
	ASSERT_TRUE(err == 0 || err == -EBUSY) TH_LOG("offline: %s", strerror(-err));
	snprintf(path, sizeof(path), MEMDIR "/%s/state", self->block);
	ASSERT_EQ(0, kp_read_value(path, state, sizeof(state)));
	if (!err) {
		EXPECT_STREQ("offline", state);
		in_block_after = pages_in_frames(&b, lo, hi);
		EXPECT_EQ(0, in_block_after);
	} else {
		EXPECT_STREQ("online", state);
	}
	EXPECT_EQ(0, buf_damaged(&b));

	/* Back online; the workload goes on, then a fresh hot set must move. */
	if (!err) {
		ASSERT_EQ(0, block_set(self->block, "online_movable", 60));
	}
	sleep(1);
	reader_stop(&r);
	EXPECT_EQ(0, buf_damaged(&b));
	kp_buf_free(&b);
	fresh = fresh_hot_set();
	TH_LOG("fresh hot set: %ld of %d on node 0; promoted %lu, candidates %lu, failed_migrate %lu, failed_isolate %lu",
	       fresh, FRESH_HOT, kp_stat("promoted_pages"), kp_stat("candidates"),
	       kp_stat("failed_migrate"), kp_stat("failed_isolate"));
	EXPECT_GE(fresh, FRESH_WANT);
	EXPECT_COUNTERS_CONSISTENT();
	ASSERT_EQ(0, kp_unload());
	EXPECT_EQ(0, isolated_everywhere());
}

/* ---- 2. CPU 1 offlined and onlined under load, every source on ---- */

TEST_F_TIMEOUT(faults, cpu_hotplug_under_load, 240)
{
	unsigned long samples, ibs0, p0;
	char val[KP_BUF_SIZE];
	struct kp_buf b = { 0 };
	struct reader r;
	long events, fresh;
	int i, err;

	KP_TWO_TIER_READY();
	if (!kp_exists(CPU1_ONLINE))
		SKIP(return, "CPU 1 cannot go offline here (one vCPU, or no CPU hotplug)");
	err = tp_load();
	if (err == -EEXIST)
		SKIP(return, "a real ibs_op PMU is here: the test PMU cannot take its name");
	ASSERT_EQ(0, err) TH_LOG("cannot load kp_testpmu");
	self->tp_loaded = true;
	ASSERT_EQ(0, kp_buf_make(&b, 16384, 2048, 1, false));
	ASSERT_EQ(0, tp_aim(&b));
	ASSERT_EQ(0, kp_loadf("%s %s", self->params, ALL_SOURCES));
	ASSERT_EQ(0, kp_read_file(KP_DEBUGFS "/sources", val, sizeof(val)) < 0);
	TH_LOG("sources:\n%s", val);
	ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/sources", "ibs", val, sizeof(val)));
	ASSERT_STREQ("enabled", val);
	ASSERT_EQ(0, reader_start(&r, &b));
	for (i = 0; i < 6; i++) {
		err = kp_write_file(CPU1_ONLINE, "0");
		ASSERT_EQ(0, err) TH_LOG("cycle %d: offline CPU 1: %s", i, strerror(-err));
		ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/sources", "ibs_cpus", val, sizeof(val)));
		EXPECT_STREQ("0", val) TH_LOG("cycle %d, CPU 1 offline", i);
		events = tp_read("events");
		EXPECT_EQ(1, events) TH_LOG("cycle %d, CPU 1 offline", i);
		kp_run_hot(&b, b.hot + 1, 0.3);
		err = kp_write_file(CPU1_ONLINE, "1");
		ASSERT_EQ(0, err) TH_LOG("cycle %d: online CPU 1: %s", i, strerror(-err));
		ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/sources", "ibs_cpus", val, sizeof(val)));
		EXPECT_STREQ("0-1", val) TH_LOG("cycle %d, CPU 1 back", i);
		EXPECT_EQ(2, tp_read("events")) TH_LOG("cycle %d, CPU 1 back", i);
		usleep(300 * 1000);
	}
	/* Samples and promotion go on with both CPUs back. */
	samples = kp_stat("hwsample_samples");
	ibs0 = kp_stat("records_ibs");
	p0 = kp_stat("promoted_pages");
	sleep(2);
	reader_stop(&r);
	TH_LOG("after 6 cycles: samples +%lu, records_ibs +%lu in 2 s; records hintfault %lu, mglru %lu, ibs %lu; promoted %lu (+%lu), hot set on node 0 %ld/%ld",
	       kp_stat("hwsample_samples") - samples, kp_stat("records_ibs") - ibs0,
	       kp_stat("records_hintfault"), kp_stat("records_mglru"), kp_stat("records_ibs"),
	       kp_stat("promoted_pages"), kp_stat("promoted_pages") - p0,
	       kp_pages_on_node(b.p, b.hot, 0), b.hot);
	EXPECT_GT(kp_stat("hwsample_samples"), samples);
	/* Samples of the cold pages still on node 1 are recorded, not only taken. */
	EXPECT_GT(kp_stat("records_ibs"), ibs0);
	kp_buf_free(&b);
	fresh = fresh_hot_set();
	TH_LOG("fresh hot set after the cycles: %ld of %d on node 0", fresh, FRESH_HOT);
	EXPECT_GE(fresh, FRESH_WANT);
	EXPECT_COUNTERS_CONSISTENT();
	ASSERT_EQ(0, kp_unload());
	EXPECT_EQ(0, tp_read("events"));
	EXPECT_EQ(0, isolated_everywhere());
}

/* ---- 3. the workload SIGKILLed in the middle of a batch ---- */

struct hot_child_arg {
	long pages, hot;
};

static void hot_child(int ready_fd, void *arg)
{
	const struct hot_child_arg *a = arg;
	struct kp_buf b;
	char c = 'r';

	prctl(PR_SET_NAME, "kp_hotchild");
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (kp_buf_make(&b, a->pages, a->hot, 1, false))
		_exit(1);
	if (write(ready_fd, &c, 1) != 1)
		_exit(1);
	for (;;)
		kp_run_hot(&b, b.hot + 1, 3600);
}

static pid_t start_hot_child(long pages, long hot)
{
	struct hot_child_arg a = { pages, hot };
	char c;

	return kp_child_start(hot_child, &a, &c, 1);
}

TEST_F_TIMEOUT(faults, workload_killed_mid_batch, 180)
{
	unsigned long p0, p1, p2;
	long fresh, iso;
	int st;
	pid_t pid;

	KP_TWO_TIER_READY();
	/* 32 MiB hot at 8 MB/s: batches go on for seconds. */
	ASSERT_EQ(0, kp_loadf("%s rate_limit_mbps=8", self->params));
	p0 = kp_stat("promoted_pages");
	pid = start_hot_child(16384, 8192);
	ASSERT_LT(0, pid);
	p1 = wait_promoted(NULL, p0, 60);
	ASSERT_GT(p1, p0) TH_LOG("promotion never started");
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	p2 = kp_stat("promoted_pages");
	iso = isolated_everywhere();
	TH_LOG("killed with %lu of 8192 hot pages promoted (%lu by the time it was reaped); isolated after: %ld; failed_migrate %lu, skipped_not_lru %lu",
	       p1 - p0, p2 - p0, iso, kp_stat("failed_migrate"), kp_stat("skipped_not_lru"));
	EXPECT_LT(p1 - p0, 8192) TH_LOG("promotion was over before the kill");
	EXPECT_EQ(0, iso);
	fresh = fresh_hot_set();
	TH_LOG("fresh hot set after the kill: %ld of %d on node 0", fresh, FRESH_HOT);
	EXPECT_GE(fresh, FRESH_WANT);
	EXPECT_COUNTERS_CONSISTENT();
	ASSERT_EQ(0, kp_unload());
	EXPECT_EQ(0, isolated_everywhere());
}

/* ---- 4. the fast node at its minimum, the OOM killer active ---- */

struct zone_wm {
	long free, min, managed;
};

/* Node 0's zones: free pages, min watermark, managed pages; how many zones, or -1. */
static int node0_zones(struct zone_wm *z, int max)
{
	static char buf[1 << 18];
	char *l, *save = NULL;
	int n = -1, in0 = 0;

	if (kp_read_file("/proc/zoneinfo", buf, sizeof(buf)) < 0)
		return -1;
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		long v;

		if (!strncmp(l, "Node ", 5)) {
			in0 = !strncmp(l, "Node 0,", 7) && n + 1 < max;
			if (in0) {
				n++;
				z[n].free = z[n].min = z[n].managed = -1;
			}
			continue;
		}
		if (!in0)
			continue;
		if (sscanf(l, " pages free %ld", &v) == 1)
			z[n].free = v;
		else if (sscanf(l, " min %ld", &v) == 1 && z[n].min < 0)
			z[n].min = v;
		else if (sscanf(l, " managed %ld", &v) == 1 && z[n].managed < 0)
			z[n].managed = v;
	}
	return n + 1;
}

/* Bound to node 0, allocates 4 MiB at a time: down to stop_kib free, then on command until killed. */
static void hog(int ready_fd, int go_fd, long stop_kib)
{
	unsigned long mask = 1;
	char c = 'r';
	int phase = 0;

	prctl(PR_SET_NAME, "kp_hog");
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (syscall(SYS_set_mempolicy, KP_MPOL_BIND, &mask, 64))
		_exit(1);
	for (;;) {
		char *p = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			usleep(1000);
			continue;
		}
		memset(p, 0x77, 4 << 20);
		if (!phase && kp_node_free_kib(0) < stop_kib) {
			if (write(ready_fd, &c, 1) != 1 || read(go_fd, &c, 1) != 1)
				_exit(1);
			phase = 1;
		}
	}
}

/* Sampled while the hog squeezes node 0. */
struct squeeze {
	volatile int stop;
	long samples, below_min, promoted_below_min, promoted_during;
	long lowest;		/* lowest free - min of a node-0 zone, pages */
	pthread_t th;
};

static void *squeeze_main(void *p)
{
	struct squeeze *s = p;
	unsigned long prev = 0, now;
	struct zone_wm z[8];

	kp_stat_get("promoted_pages", &prev);
	s->lowest = 1L << 40;
	while (!s->stop) {
		int n = node0_zones(z, 8), i, below = 0;

		for (i = 0; i < n; i++) {
			/* An empty zone (Movable, Normal here) still has a min. */
			if (z[i].free < 0 || z[i].min <= 0 || z[i].managed <= 0)
				continue;
			if (z[i].free - z[i].min < s->lowest)
				s->lowest = z[i].free - z[i].min;
			below |= z[i].free < z[i].min;
		}
		if (kp_stat_get("promoted_pages", &now))
			now = prev;
		s->samples++;
		s->below_min += below;
		/* A promotion that ended while a node-0 zone is under its min. */
		if (below && now > prev)
			s->promoted_below_min += now - prev;
		s->promoted_during += now - prev;
		prev = now;
		usleep(10 * 1000);
	}
	return NULL;
}

/* pids in "Killed process <pid>" lines of log, into pids; their number. */
static int oom_victims(const char *log, long *pids, int max)
{
	const char *p = log;
	int n = 0;

	while ((p = strstr(p, "Killed process "))) {
		p += strlen("Killed process ");
		if (n < max)
			pids[n] = strtol(p, NULL, 10);
		n++;
	}
	return n;
}

TEST_F_TIMEOUT(faults, fast_node_oom, 300)
{
	static char log[1 << 20];
	int ready[2], go[2], st = 0, fd, nv, i;
	unsigned long oom0, p_hog;
	long total_kib, victims[16];
	struct squeeze s = { 0 };
	pid_t hog_pid, hot_pid;
	char val[KP_VAL_SIZE], c = 'g';
	double t0, end;

	KP_TWO_TIER_READY();
	ASSERT_EQ(0, kp_read_kv("/sys/devices/system/node/node0/meminfo", "Node 0 MemTotal:",
				val, sizeof(val)));
	total_kib = strtol(val, NULL, 10);
	ASSERT_EQ(0, kp_load(self->params));
	oom0 = kp_vmstat("oom_kill");

	/* The hog fills node 0 down to 15% free (kpromoted keeps 5%: room for some). */
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	hog_pid = fork();
	ASSERT_LE(0, hog_pid);
	if (!hog_pid) {
		close(ready[0]);
		close(go[1]);
		hog(ready[1], go[0], total_kib * 15 / 100);
	}
	close(ready[1]);
	close(go[0]);
	ASSERT_EQ(1, read(ready[0], &c, 1)) TH_LOG("the hog died before node 0 was full");
	TH_LOG("hog %d: node 0 down to %ld of %ld KiB free", hog_pid, kp_node_free_kib(0),
	       total_kib);

	/* A 64 MiB hot set on node 1, all of it wanted on node 0. */
	hot_pid = start_hot_child(16384, 16384);
	ASSERT_LT(0, hot_pid);
	p_hog = wait_promoted(NULL, kp_stat("promoted_pages"), 20);
	TH_LOG("promoted %lu before the squeeze; node 0 free %ld KiB", p_hog, kp_node_free_kib(0));

	fd = kp_kmsg_mark();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kp_write_file("/dev/kmsg", "kp-expect: oom-killer begin (kp_faults)"));
	ASSERT_EQ(0, pthread_create(&s.th, NULL, squeeze_main, &s));
	t0 = kp_now_s();
	ASSERT_EQ(1, write(go[1], &c, 1));
	end = t0 + 180;
	while (kp_now_s() < end && waitpid(hog_pid, &st, WNOHANG) == 0)
		usleep(100 * 1000);
	sleep(1);
	s.stop = 1;
	pthread_join(s.th, NULL);
	kp_write_file("/dev/kmsg", "kp-expect: oom-killer end (kp_faults)");
	ASSERT_LE(0, kp_kmsg_collect(fd, log, sizeof(log)));
	close(fd);
	nv = oom_victims(log, victims, 16);
	TH_LOG("hog ended after %.1f s: %s %d; oom_kill +%lu; OOM victims %d; %ld samples, %ld with a node-0 zone under min (lowest free-min %ld pages); promoted during %ld, while under min %ld; skipped_no_room %lu, waiting_for_room %lu, demoted_for_room %lu",
	       kp_now_s() - t0, WIFSIGNALED(st) ? "signal" : "status",
	       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), kp_vmstat("oom_kill") - oom0,
	       nv, s.samples, s.below_min, s.lowest, s.promoted_during, s.promoted_below_min,
	       kp_stat("skipped_no_room"), kp_stat("waiting_for_room"),
	       kp_stat("demoted_for_room"));
	if (!WIFSIGNALED(st) && !WIFEXITED(st)) {
		kill(hog_pid, SIGKILL);
		waitpid(hog_pid, &st, 0);
		ASSERT_TRUE(0) TH_LOG("the hog was not OOM-killed in 180 s");
	}
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	EXPECT_GE(kp_vmstat("oom_kill") - oom0, 1);
	EXPECT_GE(nv, 1);
	for (i = 0; i < nv && i < 16; i++)
		EXPECT_EQ(hog_pid, victims[i]) TH_LOG("the OOM killer took pid %ld", victims[i]);
	EXPECT_EQ(0, s.promoted_below_min);
	/* The hot set's process and this one survived. */
	EXPECT_EQ(0, waitpid(hot_pid, &st, WNOHANG));
	kill(hot_pid, SIGKILL);
	waitpid(hot_pid, NULL, 0);
	EXPECT_COUNTERS_CONSISTENT();
	ASSERT_EQ(0, kp_unload());
	EXPECT_EQ(0, isolated_everywhere());
}

/* ---- 5. load/unload cycles under load, every source on ---- */

/* Lines of a file (kprobes list, enabled_functions), and how many name kpromoted; -1: none. */
static int lines_of(const char *path, int *ours)
{
	static char buf[1 << 20];
	char *lines[4096];
	int n, i;

	*ours = 0;
	if (kp_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	n = kp_split_lines(buf, lines, 4096);
	for (i = 0; i < n; i++)
		*ours += !!strstr(lines[i], "kpromoted");
	return n;
}

static long kmemleak_kpromoted(char *first, size_t size)
{
	static char buf[1 << 20];
	char *o = buf, *next;
	long n = 0;

	first[0] = 0;
	kp_write_file(KMEMLEAK, "scan");
	sleep(5);
	kp_write_file(KMEMLEAK, "scan");
	if (kp_read_file(KMEMLEAK, buf, sizeof(buf)) < 0)
		return -1;
	/* One report per "unreferenced object" block; count those naming kpromoted. */
	while ((o = strstr(o, "unreferenced object"))) {
		next = strstr(o + 1, "unreferenced object");
		if (next)
			*next = 0;
		if (strstr(o, "kpromoted")) {
			if (!n)
				snprintf(first, size, "%s", o);
			n++;
		}
		if (!next)
			break;
		*next = 'u';
		o = next;
	}
	return n;
}

TEST_F_TIMEOUT(faults, load_unload_cycles, 600)
{
	char numab0[KP_VAL_SIZE], lru0[KP_VAL_SIZE] = "", scan0[KP_VAL_SIZE] = "";
	char numab1[KP_VAL_SIZE], lru1[KP_VAL_SIZE] = "", scan1[KP_VAL_SIZE] = "";
	char refcnt[KP_VAL_SIZE];
	int kprobes0, kprobes1, kprobes_loaded = -1, ftrace0, ftrace_loaded = -1, ours, ours_f;
	const char *env = getenv("KP_FAULTS_CYCLES");
	int cycles = env ? atoi(env) : 50, i, err, have_scan;
	struct kp_buf b = { 0 };
	double t0, slowest = 0, t;
	struct reader r;
	long k;

	KP_TWO_TIER_READY();
	err = tp_load();
	if (err == -EEXIST)
		SKIP(return, "a real ibs_op PMU is here: the test PMU cannot take its name");
	ASSERT_EQ(0, err);
	self->tp_loaded = true;
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, numab0, sizeof(numab0)));
	kp_read_value(KP_LRU_GEN, lru0, sizeof(lru0));
	have_scan = !kp_read_value(SCAN_MAX, scan0, sizeof(scan0));
	ASSERT_EQ(0, kp_buf_make(&b, 8192, 2048, 1, false));
	ASSERT_EQ(0, tp_aim(&b));
	kprobes0 = lines_of(KPROBES_LIST, &ours);
	ftrace0 = lines_of(ENABLED_FUNCS, &ours_f);
	ASSERT_EQ(0, reader_start(&r, &b));
	t0 = kp_now_s();
	for (i = 0; i < cycles; i++) {
		err = kp_loadf("%s %s hwsample_max_rate=100000", self->params, ALL_SOURCES);
		ASSERT_EQ(0, err) TH_LOG("cycle %d: load: %s", i, strerror(-err));
		usleep(20 * 1000);
		ASSERT_EQ(0, kp_read_value(KP_SYSFS "/refcnt", refcnt, sizeof(refcnt)));
		EXPECT_STREQ("0", refcnt) TH_LOG("cycle %d: kpromoted held while loaded", i);
		if (!i) {
			kprobes_loaded = lines_of(KPROBES_LIST, &ours);
			ftrace_loaded = lines_of(ENABLED_FUNCS, &ours_f);
		}
		t = kp_now_s();
		err = kp_unload();
		ASSERT_EQ(0, err) TH_LOG("cycle %d: unload: %s", i, strerror(-err));
		if (kp_now_s() - t > slowest)
			slowest = kp_now_s() - t;
		ASSERT_EQ(0, tp_read("events")) TH_LOG("cycle %d: a perf event left", i);
	}
	t = kp_now_s() - t0;
	reader_stop(&r);
	kp_buf_free(&b);
	TH_LOG("%d load/unload cycles under load, every source on: %.1f s (%.2f s a cycle, slowest unload %.2f s)",
	       cycles, t, cycles ? t / cycles : 0, slowest);

	/* The kprobes list names the probed function's module, not the owner: count lines. */
	kprobes1 = lines_of(KPROBES_LIST, &ours);
	TH_LOG("kprobes: %d before, %d while loaded, %d after; enabled_functions: %d before, %d while loaded, %d after",
	       kprobes0, kprobes_loaded, kprobes1, ftrace0, ftrace_loaded,
	       lines_of(ENABLED_FUNCS, &ours_f));
	EXPECT_EQ(kprobes0, kprobes1);
	EXPECT_EQ(0, ours);
	if (ftrace0 >= 0) {
		EXPECT_EQ(ftrace0, lines_of(ENABLED_FUNCS, &ours_f));
		EXPECT_EQ(0, ours_f);
	}
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, numab1, sizeof(numab1)));
	EXPECT_STREQ(numab0, numab1);
	kp_read_value(KP_LRU_GEN, lru1, sizeof(lru1));
	EXPECT_STREQ(lru0, lru1);
	if (have_scan) {
		ASSERT_EQ(0, kp_read_value(SCAN_MAX, scan1, sizeof(scan1)));
		EXPECT_STREQ(scan0, scan1);
	}
	EXPECT_EQ(0, isolated_everywhere());
	/* kpromoted's perf events held the test PMU's module: all given back. */
	ASSERT_EQ(0, kp_read_value(TP_SYS "/refcnt", refcnt, sizeof(refcnt)));
	EXPECT_STREQ("0", refcnt);
	EXPECT_EQ(0, tp_read("events"));
	if (kp_exists(KMEMLEAK)) {
		static char first[8192];

		k = kmemleak_kpromoted(first, sizeof(first));
		TH_LOG("kmemleak: %ld report(s) through kpromoted", k);
		EXPECT_EQ(0, k) TH_LOG("first:\n%s", first);
	}
}

/*
 * The process's pages on node 1 to node 0 with migrate_pages(2): it walks the
 * page tables, so a page under a NUMA hint (PROT_NONE) moves too, where
 * move_pages(2) of 6.1 finds no page there. Pages not moved, or -errno.
 */
static long move_node1_to_node0(void)
{
	unsigned long from = 1ul << 1, to = 1ul << 0;
	long left = syscall(SYS_migrate_pages, 0, 8 * sizeof(from), &from, &to);

	return left < 0 ? -errno : left;
}

/*
 * The kernel's own mode at work after an unload: every page of b read for at
 * least 5 s and until `want` hint faults were counted, 90 s at most. Returns
 * the hint faults counted (0, in 0 s, when the reader could not start).
 */
static unsigned long read_until_hint_faults(struct kp_buf *b, unsigned long want, double *secs)
{
	unsigned long faults0 = kp_vmstat("numa_hint_faults");
	struct reader r;
	double t0;

	*secs = 0;
	b->hot = b->pages;
	if (reader_start(&r, b))
		return 0;
	t0 = kp_now_s();
	while (kp_now_s() - t0 < 90 &&
	       (kp_vmstat("numa_hint_faults") - faults0 < want || kp_now_s() - t0 < 5))
		usleep(200 * 1000);
	reader_stop(&r);
	*secs = kp_now_s() - t0;
	return kp_vmstat("numa_hint_faults") - faults0;
}

TEST_F_TIMEOUT(faults, numa_balancing_on_after_unload_from_off, 240)
{
	char val[KP_VAL_SIZE];
	unsigned long pte0, faults;
	long before, after, left;
	struct kp_buf b = { 0 };
	struct reader r;
	double t0, secs;
	int err;

	KP_TWO_TIER_READY();
	ASSERT_EQ(0, kp_write_file(KP_NUMA_BALANCING, "0"));
	/* Hot set read from the start; the other 7/8 stay on node 1, stamped by each scan. */
	ASSERT_EQ(0, kp_buf_make(&b, 8192, 1024, 1, false));
	pte0 = kp_vmstat("numa_pte_updates");
	err = kp_loadf("%s sources=hintfault numa_balancing=auto", self->params);
	ASSERT_EQ(0, err) TH_LOG("load: %s", strerror(-err));
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, val, sizeof(val)));
	ASSERT_STRNE("0", val) TH_LOG("numa_balancing=auto left the kernel's balancing off");
	ASSERT_EQ(0, reader_start(&r, &b));
	/* Scan passes over the whole buffer: every page of it made PROT_NONE (stamped) once. */
	t0 = kp_now_s();
	while (kp_vmstat("numa_pte_updates") - pte0 < (unsigned long)b.pages && kp_now_s() - t0 < 60)
		usleep(200 * 1000);
	reader_stop(&r);
	TH_LOG("scanned: %lu PTEs in %.1f s while loaded (numa_balancing %s)",
	       kp_vmstat("numa_pte_updates") - pte0, kp_now_s() - t0, val);
	ASSERT_GE(kp_vmstat("numa_pte_updates") - pte0, (unsigned long)b.pages);
	ASSERT_EQ(0, kp_unload());
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, val, sizeof(val)));
	ASSERT_STREQ("0", val);

	/* The kernel's own mode; the pages moved to node 0 as they are, then all read. */
	before = kp_pages_on_node(b.p, b.pages, 0);
	ASSERT_EQ(0, kp_write_file(KP_NUMA_BALANCING, "1"));
	left = move_node1_to_node0();
	after = kp_pages_on_node(b.p, b.pages, 0);
	TH_LOG("migrate_pages: on node 0 %ld -> %ld of %ld (%ld not moved)", before, after, b.pages, left);
	ASSERT_LE(0, left);
	ASSERT_GE(after, b.pages * 9 / 10);
	faults = read_until_hint_faults(&b, 2048, &secs);
	TH_LOG("numa_balancing=1 after unload: %lu hint faults in %.1f s on the moved pages",
	       faults, secs);
	EXPECT_GE(faults, 2048);
	kp_buf_free(&b);
}

/*
 * Waits for numa_balancing to read 0 (the unload going through it), then
 * moves the buffer's node-1 pages to node 0, highest frame first: the reset
 * of the slow pages walks frames upwards, so these are the last it reaches.
 * Counts the pages moved while the value still read 0.
 */
struct mover {
	struct kp_buf *b;
	volatile int stop;
	long moved, in_window, order_n;
	struct frame_page { uint64_t pfn; long i; } *order;
	pthread_t th;
};

static int frame_desc(const void *x, const void *y)
{
	const struct frame_page *a = x, *b = y;

	return a->pfn < b->pfn ? 1 : a->pfn > b->pfn ? -1 : 0;
}

/* The buffer's pages on node 1, highest frame first; how many. */
static long mover_order(struct mover *m)
{
	struct kp_buf *b = m->b;
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int *status = calloc(b->pages, sizeof(int));
	void **pages = calloc(b->pages, sizeof(void *));
	long i;

	m->order = calloc(b->pages, sizeof(*m->order));
	m->order_n = 0;
	if (pm < 0 || !status || !pages || !m->order)
		goto out;
	for (i = 0; i < b->pages; i++)
		pages[i] = b->p + i * KP_PAGE;
	if (syscall(SYS_move_pages, 0, b->pages, pages, NULL, status, 0))
		goto out;
	for (i = 0; i < b->pages; i++) {
		uint64_t pfn = status[i] == 1 ? pfn_of(pm, pages[i]) : 0;

		if (pfn)
			m->order[m->order_n++] = (struct frame_page){ pfn, i };
	}
	qsort(m->order, m->order_n, sizeof(*m->order), frame_desc);
out:
	if (pm >= 0)
		close(pm);
	free(status);
	free(pages);
	return m->order_n;
}

static bool numab_reads_zero(void)
{
	char val[KP_VAL_SIZE];

	return !kp_read_value(KP_NUMA_BALANCING, val, sizeof(val)) && !strcmp(val, "0");
}

static void *mover_main(void *p)
{
	struct mover *m = p;
	enum { CHUNK = 16 };
	void *pages[CHUNK];
	int nodes[CHUNK], status[CHUNK];
	long i, j;

	while (!m->stop && !numab_reads_zero())
		usleep(200);
	for (i = 0; i < m->order_n && !m->stop; i += CHUNK) {
		long n = m->order_n - i < CHUNK ? m->order_n - i : CHUNK;
		bool zero = numab_reads_zero();

		for (j = 0; j < n; j++) {
			pages[j] = m->b->p + m->order[i + j].i * KP_PAGE;
			nodes[j] = 0;
		}
		if (syscall(SYS_move_pages, 0, n, pages, nodes, status, 0) < 0)
			continue;
		for (j = 0; j < n; j++) {
			if (status[j] != 0)
				continue;
			m->moved++;
			m->in_window += zero;
		}
		if (!zero)
			break;
	}
	return NULL;
}

TEST_F_TIMEOUT(faults, numa_balancing_restored_under_migration, 300)
{
	char val[KP_VAL_SIZE];
	unsigned long pte0, faults;
	struct kp_buf b = { 0 };
	struct reader r;
	struct mover m = { 0 };
	long on0;
	double t0, secs;
	int err;

	KP_TWO_TIER_READY();
	if (!self->topo.tiered)
		SKIP(return, "this kernel does not tier node 1: it stamps no scan time");
	ASSERT_EQ(0, kp_write_file(KP_NUMA_BALANCING, "1"));
	ASSERT_EQ(0, kp_buf_make(&b, 32768, 1024, 1, false));
	pte0 = kp_vmstat("numa_pte_updates");
	err = kp_loadf("%s sources=hintfault numa_balancing=auto", self->params);
	ASSERT_EQ(0, err) TH_LOG("load: %s", strerror(-err));
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, val, sizeof(val)));
	ASSERT_TRUE(strtol(val, NULL, 10) & 2) TH_LOG("numa_balancing %s: no tiering mode", val);
	/* Every page made PROT_NONE and stamped at least once while loaded. */
	ASSERT_EQ(0, reader_start(&r, &b));
	t0 = kp_now_s();
	while (kp_vmstat("numa_pte_updates") - pte0 < (unsigned long)b.pages && kp_now_s() - t0 < 90)
		usleep(200 * 1000);
	reader_stop(&r);
	ASSERT_GE(kp_vmstat("numa_pte_updates") - pte0, (unsigned long)b.pages);

	/* The mover waits for the unload to go through 0 and moves until it leaves it. */
	m.b = &b;
	ASSERT_GT(mover_order(&m), b.pages / 2);
	ASSERT_EQ(0, pthread_create(&m.th, NULL, mover_main, &m));
	ASSERT_EQ(0, kp_unload());
	m.stop = 1;
	pthread_join(m.th, NULL);
	free(m.order);
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, val, sizeof(val)));
	ASSERT_STREQ("1", val);
	on0 = kp_pages_on_node(b.p, b.pages, 0);
	TH_LOG("moved %ld of %ld slow pages, %ld while numa_balancing read 0; on node 0: %ld",
	       m.moved, m.order_n, m.in_window, on0);
	ASSERT_GT(m.in_window, 0) TH_LOG("no move landed while the unload went through 0");

	/* The kernel's own mode: every page read, its hint faults taken on node 0. */
	faults = read_until_hint_faults(&b, on0, &secs);
	TH_LOG("numa_balancing=1 after unload: %lu hint faults in %.1f s", faults, secs);
	EXPECT_GE(faults, (unsigned long)on0);
	kp_buf_free(&b);
}

TEST_HARNESS_MAIN
