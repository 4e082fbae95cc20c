// SPDX-License-Identifier: GPL-2.0
/*
 * A failed load leaves nothing behind, whichever step fails: each step is
 * made to fail with inject_fail=, and afterwards no module, no debugfs
 * directory, no changed sysctl and no armed probe may remain. Every
 * setting starts where the load must change it, and where the failure
 * comes after the sources started (hooks, sources, debugfs, after:<step>)
 * the kernel log must show each change made, so that "restored" is
 * tested, not true by default; before them (tiers, symbols) it must show
 * none. A missing
 * optional kernel symbol disables only its feature; a missing required
 * one fails the load. The same for a prototype in the kernel's BTF that
 * is not the one this build calls (inject_fail=btf:<function>) and for a
 * hooked function inlined at some call site (inject_fail=inline:<function>),
 * each said in one line of the kernel log.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <regex.h>

#include "kselftest_harness.h"
#include "kp_test_util.h"

/* Probes the kernel lists as registered (kprobes debugfs), or -1. */
static int kprobes_armed(void)
{
	char buf[KP_BUF_SIZE];
	int n = 0;
	char *p;

	if (kp_read_file("/sys/kernel/debug/kprobes/list", buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; (p = strchr(p, '\n')); p++)
		n++;
	return n;
}

#define SCAN_MAX "/sys/kernel/debug/sched/numa_balancing/scan_period_max_ms"

FIXTURE(failpath) {
	char orig_scan_max[KP_VAL_SIZE], orig_numab[KP_VAL_SIZE], orig_lru[KP_VAL_SIZE];
	/* Before the load, as the test set them: what must be there after. */
	char scan_max[KP_VAL_SIZE];
	char numab[KP_VAL_SIZE];
	char lru[KP_VAL_SIZE];
	int probes;
};

FIXTURE_VARIANT(failpath) {
	const char *inject;
	int want_err;		/* expected load result */
	bool changed;		/* the settings were changed before the failure */
};

/* Steps before the sources: nothing has been changed yet, nothing to put back. */
FIXTURE_VARIANT_ADD(failpath, tiers) { "tiers", -ENODEV, false };
FIXTURE_VARIANT_ADD(failpath, symbols) { "symbols", -ENOENT, false };
FIXTURE_VARIANT_ADD(failpath, required_symbol) { "symbol:migrate_pages", -ENOENT, false };
FIXTURE_VARIANT_ADD(failpath, room) { "room", -ENOMEM, false };
/* A required function whose prototype in the kernel's BTF is not this build's. */
FIXTURE_VARIANT_ADD(failpath, btf_required) { "btf:migrate_pages", -ENOEXEC, false };
/* Each source changes its setting, then cannot arm its hook and puts it back. */
FIXTURE_VARIANT_ADD(failpath, hooks) { "hooks", -ENODEV, true };
FIXTURE_VARIANT_ADD(failpath, sources) { "sources", -ENODEV, true };
/* debugfs is the last step: settings changed and hooks armed before it fails. */
FIXTURE_VARIANT_ADD(failpath, debugfs) { "debugfs", -ENOMEM, true };
/* Every step up to the tiers / the sources / debugfs started, then the load fails. */
FIXTURE_VARIANT_ADD(failpath, after_tiers) { "after:tiers", -ECANCELED, false };
FIXTURE_VARIANT_ADD(failpath, after_sources) { "after:sources", -ECANCELED, true };
FIXTURE_VARIANT_ADD(failpath, after_debugfs) { "after:debugfs", -ECANCELED, true };

/* The scan-period cap's default (8000 ms) is below this: the load lowers it. */
#define SCAN_MAX_START "60000"

FIXTURE_SETUP(failpath)
{
	if (kp_env_unusable())
		return;
	ASSERT_EQ(0, kp_ensure_unloaded());
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, self->orig_numab, sizeof(self->orig_numab)));
	if (kp_read_value(KP_LRU_GEN, self->orig_lru, sizeof(self->orig_lru)))
		self->orig_lru[0] = '\0';
	if (kp_read_value(SCAN_MAX, self->orig_scan_max, sizeof(self->orig_scan_max)))
		self->orig_scan_max[0] = '\0';
	/*
	 * Each setting where the load has to change it: NUMA balancing off
	 * (the hint-fault source turns it on), MGLRU off (lru_gen=enable turns
	 * it on), the scan period above the cap.
	 */
	ASSERT_EQ(0, kp_write_file(KP_NUMA_BALANCING, "0"));
	if (self->orig_lru[0])
		ASSERT_EQ(0, kp_write_file(KP_LRU_GEN, "n"));
	if (self->orig_scan_max[0])
		ASSERT_EQ(0, kp_write_file(SCAN_MAX, SCAN_MAX_START));
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, self->numab, sizeof(self->numab)));
	if (self->orig_lru[0])
		ASSERT_EQ(0, kp_read_value(KP_LRU_GEN, self->lru, sizeof(self->lru)));
	if (self->orig_scan_max[0])
		ASSERT_EQ(0, kp_read_value(SCAN_MAX, self->scan_max, sizeof(self->scan_max)));
	self->probes = kprobes_armed();
}

FIXTURE_TEARDOWN(failpath)
{
	if (kp_env_unusable())
		return;
	kp_ensure_unloaded();
	kp_write_file(KP_NUMA_BALANCING, self->orig_numab);
	if (self->orig_lru[0])
		kp_write_file(KP_LRU_GEN, self->orig_lru);
	if (self->orig_scan_max[0])
		kp_write_file(SCAN_MAX, self->orig_scan_max);
}

/* The module logged "<path>: <old> -> <new> (restored on unload)" for path. */
static bool setting_changed(const char *lines, const char *path)
{
	char pattern[256];

	snprintf(pattern, sizeof(pattern), "^kpromoted: %s: [^ ]+ -> [^ ]+ \\(restored on unload\\)$",
		 path);
	return kp_match(pattern, lines, REG_NEWLINE);
}

TEST_F_TIMEOUT(failpath, nothing_left_behind, 60)
{
	static char log[KP_BUF_SIZE], lines[KP_BUF_SIZE];
	char val[KP_VAL_SIZE];
	int ret, fd;

	KP_REQUIRE_ENV();
	fd = kp_kmsg_mark();
	ASSERT_LE(0, fd) TH_LOG("/dev/kmsg: %s", strerror(-fd));
	/* Every source that could touch a setting, so their undo is exercised. */
	ret = kp_loadf("slow_nodes=1 sources=hintfault,mglru lru_gen=enable numa_balancing=auto inject_fail=%s",
		       variant->inject);
	ASSERT_LE(0, kp_kmsg_collect(fd, log, sizeof(log)));
	close(fd);
	kp_module_lines(log, lines, sizeof(lines));
	EXPECT_EQ(variant->want_err, ret) TH_LOG("inject_fail=%s: %s", variant->inject, strerror(-ret));
	EXPECT_FALSE(kp_loaded());
	EXPECT_FALSE(kp_exists(KP_DEBUGFS));

	/* Changed before the failure (or not at all), and put back. */
	EXPECT_EQ(variant->changed, setting_changed(lines, KP_NUMA_BALANCING))
		TH_LOG("log:\n%s", lines);
	ASSERT_EQ(0, kp_read_value(KP_NUMA_BALANCING, val, sizeof(val)));
	EXPECT_STREQ(self->numab, val);
	if (self->orig_lru[0]) {
		EXPECT_EQ(variant->changed, setting_changed(lines, KP_LRU_GEN));
		ASSERT_EQ(0, kp_read_value(KP_LRU_GEN, val, sizeof(val)));
		EXPECT_STREQ(self->lru, val);
	}
	/* The cap is in place only once the hint-fault source runs (not with hooks). */
	if (self->orig_scan_max[0]) {
		ASSERT_EQ(0, kp_read_value(SCAN_MAX, val, sizeof(val)));
		EXPECT_STREQ(self->scan_max, val);
	}
	EXPECT_EQ(self->probes, kprobes_armed());
}

/*
 * What a load that lost only its MGLRU source looks like: mglru
 * unavailable, for the reason `why` matches, hint faults still enabled,
 * and the module unloads.
 */
static void expect_mglru_off_hintfault_on(struct __test_metadata *_metadata, const char *why)
{
	char val[KP_VAL_SIZE];

	ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/sources", "mglru", val, sizeof(val)));
	EXPECT_TRUE(kp_match(why, val, 0)) TH_LOG("mglru: %s (want %s)", val, why);
	ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/sources", "hintfault", val, sizeof(val)));
	EXPECT_STREQ("enabled", val);
	EXPECT_EQ(0, kp_unload());
}

FIXTURE(optional) {
};

FIXTURE_SETUP(optional)
{
	if (!kp_env_unusable()) {
		ASSERT_EQ(0, kp_ensure_unloaded());
	}
}

FIXTURE_TEARDOWN(optional)
{
	if (!kp_env_unusable())
		kp_ensure_unloaded();
}

/* An optional symbol missing: the load works and says what is lost. */
TEST_F_TIMEOUT(optional, missing_optional_symbol_disables_feature, 60)
{
	char val[KP_VAL_SIZE];

	KP_REQUIRE_ENV();
	ASSERT_EQ(0, kp_load("slow_nodes=1 sources=hintfault,mglru lru_gen=enable inject_fail=symbol:try_to_inc_max_seq"));
	ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/symbols", "try_to_inc_max_seq", val, sizeof(val)));
	EXPECT_STREQ("missing (optional: MGLRU scanner)", val);
	expect_mglru_off_hintfault_on(_metadata, "^unavailable: .+");
}

/* A source that cannot arm its hook leaves the setting it changed as it was. */
TEST_F_TIMEOUT(optional, failed_source_restores_its_setting, 60)
{
	char orig[KP_VAL_SIZE], before[KP_VAL_SIZE], val[KP_VAL_SIZE];

	KP_REQUIRE_ENV();
	if (kp_read_value(KP_LRU_GEN, orig, sizeof(orig)))
		SKIP(return, "no %s in this kernel", KP_LRU_GEN);
	/* Off, so that the source has to turn it on (and then back off). */
	ASSERT_EQ(0, kp_write_file(KP_LRU_GEN, "n"));
	ASSERT_EQ(0, kp_read_value(KP_LRU_GEN, before, sizeof(before)));
	ASSERT_STREQ("0x0000", before);
	ASSERT_EQ(0, kp_load("slow_nodes=1 sources=hintfault,mglru lru_gen=enable inject_fail=hook:mglru"));
	ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/sources", "mglru", val, sizeof(val)));
	EXPECT_TRUE(kp_match("^unavailable: .+", val, 0)) TH_LOG("mglru: %s", val);
	ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/sources", "hintfault", val, sizeof(val)));
	EXPECT_STREQ("enabled", val);
	ASSERT_EQ(0, kp_read_value(KP_LRU_GEN, val, sizeof(val)));
	EXPECT_STREQ(before, val) TH_LOG("lru_gen changed while its source is not running");
	EXPECT_EQ(0, kp_unload());
	ASSERT_EQ(0, kp_read_value(KP_LRU_GEN, val, sizeof(val)));
	EXPECT_STREQ(before, val);
	kp_write_file(KP_LRU_GEN, orig);
}

/*
 * Loads with inject_fail=<inject> and these params, and returns the load's
 * result; *lines gets the module's lines of the kernel log, *n their count.
 */
static int load_logged(struct __test_metadata *_metadata, const char *params,
		       const char *inject, char *lines, size_t size, int *n)
{
	static char log[KP_BUF_SIZE];
	int fd, ret, got;

	fd = kp_kmsg_mark();
	if (fd < 0) {
		TH_LOG("/dev/kmsg: %s", strerror(-fd));
		return fd;
	}
	ret = kp_loadf("%s inject_fail=%s", params, inject);
	got = kp_kmsg_collect(fd, log, sizeof(log));
	close(fd);
	if (got < 0)
		TH_LOG("reading /dev/kmsg: %s", strerror(-got));
	*n = kp_module_lines(log, lines, size);
	return ret;
}

#define BTF_PARAMS "slow_nodes=1 sources=hintfault,mglru lru_gen=enable"


/* A required function's prototype differs: refused, one line naming it, both prototypes. */
TEST_F_TIMEOUT(optional, btf_mismatch_required_refuses_load, 60)
{
	static char lines[KP_BUF_SIZE];
	int ret, n;

	KP_REQUIRE_ENV();
	ret = load_logged(_metadata, BTF_PARAMS, "btf:migrate_pages", lines, sizeof(lines), &n);
	EXPECT_EQ(-ENOEXEC, ret) TH_LOG("load: %s", strerror(-ret));
	EXPECT_FALSE(kp_loaded());
	EXPECT_FALSE(kp_exists(KP_DEBUGFS));
	EXPECT_EQ(1, n) TH_LOG("want one 'kpromoted: ' line; got:\n%s", lines);
	EXPECT_TRUE(kp_match("^kpromoted: migrate_pages: prototype in kernel BTF is not this "
			     "build's: expected 'int migrate_pages\\(void\\)', found 'int "
			     "migrate_pages\\(struct list_head \\*, [^']+\\)'; required for promotion, "
			     "not loading$", lines, REG_NEWLINE))
		TH_LOG("line: %s", lines);
}

/* An optional function's prototype differs: its feature off, one line, the rest works. */
TEST_F_TIMEOUT(optional, btf_mismatch_optional_disables_feature, 60)
{
	static char lines[KP_BUF_SIZE];
	char val[KP_VAL_SIZE];
	int ret, n;

	KP_REQUIRE_ENV();
	ret = load_logged(_metadata, BTF_PARAMS, "btf:try_to_inc_max_seq", lines, sizeof(lines), &n);
	ASSERT_EQ(0, ret) TH_LOG("load: %s", strerror(-ret));
	EXPECT_TRUE(kp_match("^kpromoted: try_to_inc_max_seq: prototype in kernel BTF is not "
			     "this build's: expected 'int try_to_inc_max_seq\\(void\\)', found 'bool "
			     "try_to_inc_max_seq\\(struct lruvec \\*, [^']+\\)'; MGLRU scanner "
			     "unavailable$", lines, REG_NEWLINE))
		TH_LOG("lines:\n%s", lines);
	ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/symbols", "try_to_inc_max_seq", val, sizeof(val)));
	EXPECT_STREQ("refused (optional: MGLRU scanner) btf mismatch", val);
	expect_mglru_off_hintfault_on(_metadata, "^unavailable: .+");
}

/* A hooked function's prototype differs: not hooked, its source off, one line. */
TEST_F_TIMEOUT(optional, btf_mismatch_hook_not_armed, 60)
{
	static char lines[KP_BUF_SIZE];
	char val[KP_VAL_SIZE];
	int ret, n;

	KP_REQUIRE_ENV();
	ret = load_logged(_metadata, BTF_PARAMS, "btf:get_pfn_folio", lines, sizeof(lines), &n);
	ASSERT_EQ(0, ret) TH_LOG("load: %s", strerror(-ret));
	EXPECT_TRUE(kp_match("^kpromoted: get_pfn_folio: prototype in kernel BTF is not this "
			     "build's: expected 'int get_pfn_folio\\(void\\)', found 'struct folio "
			     "\\*get_pfn_folio\\(long unsigned int, [^']+\\)'; not hooked, the mglru "
			     "source unavailable$", lines, REG_NEWLINE))
		TH_LOG("lines:\n%s", lines);
	EXPECT_FALSE(kp_match("hook mglru", lines, 0)) TH_LOG("a second line:\n%s", lines);
	ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/symbols", "get_pfn_folio", val, sizeof(val)));
	EXPECT_STREQ("refused (optional: the mglru source) btf mismatch", val);
	expect_mglru_off_hintfault_on(_metadata, "^unavailable: .*prototype");
}

/* A hooked function inlined at one of its call sites: not hooked, one line. */
TEST_F_TIMEOUT(optional, inlined_hook_not_armed, 60)
{
	static char lines[KP_BUF_SIZE];
	char val[KP_VAL_SIZE];
	int ret, n;

	KP_REQUIRE_ENV();
	ret = load_logged(_metadata, BTF_PARAMS, "inline:get_pfn_folio", lines, sizeof(lines), &n);
	ASSERT_EQ(0, ret) TH_LOG("load: %s", strerror(-ret));
	EXPECT_TRUE(kp_match("^kpromoted: get_pfn_folio: 2 of its 3 call sites call it, the "
			     "compiler inlined or cloned it at the others, a probe would miss them; "
			     "not hooked, the mglru source unavailable$", lines, REG_NEWLINE))
		TH_LOG("lines:\n%s", lines);
	EXPECT_FALSE(kp_match("hook mglru", lines, 0)) TH_LOG("a second line:\n%s", lines);
	ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/symbols", "get_pfn_folio", val, sizeof(val)));
	EXPECT_STREQ("refused (optional: the mglru source) btf ok, calls 2 of 3", val);
	expect_mglru_off_hintfault_on(_metadata, "^unavailable: .*inlined");
}

/* A kernel without BTF loads, says once that nothing was verified, and shows it. */
TEST_F_TIMEOUT(optional, no_btf_loads_unverified, 60)
{
	static char lines[KP_BUF_SIZE];
	char val[KP_VAL_SIZE];
	int ret, n;

	KP_REQUIRE_ENV();
	ret = load_logged(_metadata, BTF_PARAMS, "nobtf", lines, sizeof(lines), &n);
	ASSERT_EQ(0, ret) TH_LOG("load: %s", strerror(-ret));
	EXPECT_TRUE(kp_match("^kpromoted: no kernel BTF \\(/sys/kernel/btf/vmlinux\\): the "
			     "prototypes of the kernel functions kpromoted calls are not verified$",
			     lines, REG_NEWLINE))
		TH_LOG("lines:\n%s", lines);
	ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/symbols", "migrate_pages", val, sizeof(val)));
	EXPECT_STREQ("ok (required: promotion) btf unverified", val);
	EXPECT_EQ(0, kp_unload());
}

/* The real kernel: every prototype matches and every hooked function is called directly. */
TEST_F_TIMEOUT(optional, real_prototypes_match, 60)
{
	static char buf[KP_BUF_SIZE];
	char *lines[KP_MAX_LINES];
	int i, n, checked = 0;

	KP_REQUIRE_ENV();
	ASSERT_EQ(0, kp_load(BTF_PARAMS));
	ASSERT_LE(0, kp_read_file(KP_DEBUGFS "/symbols", buf, sizeof(buf)));
	n = kp_split_lines(buf, lines, KP_MAX_LINES);
	for (i = 0; i < n; i++) {
		TH_LOG("%s", lines[i]);
		/* An optional symbol this kernel lacks; a variable (no BTF record). */
		if (kp_match(" missing \\(optional: ", lines[i], 0) ||
		    kp_match("^[a-z_]+ ok \\(optional: [^)]+\\) btf n/a$", lines[i], 0))
			continue;
		EXPECT_TRUE(kp_match("^[a-z_]+ (ok|hooked) \\([a-z]+: [^)]+\\) btf ok"
				     "(, calls [0-9]+ of [0-9]+)?$", lines[i], 0))
			TH_LOG("not verified: %s", lines[i]);
		checked++;
	}
	/*
	 * kallsyms_lookup_name, the 11 functions of KP_KSYMS (ksyms.h) and
	 * the 2 hooked ones, every one this suite's kernels have (their 2
	 * variables carry no BTF record): a symbol added, dropped or left
	 * unchecked changes the count.
	 */
	EXPECT_EQ(14, checked);
	EXPECT_EQ(0, kp_unload());
}

TEST_HARNESS_MAIN
