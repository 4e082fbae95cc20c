// SPDX-License-Identifier: GPL-2.0
/*
 * kpromoted debugfs (docs/interfaces.md, "debugfs"): every file exists,
 * root-only, read-only, `name value` lines, no kernel addresses, and the
 * content matches what was loaded.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kp_test_util.h"
#include "kp_workload.h"

static const char *const files[] = {
	"stats", "tiers", "sources", "config", "hooks", "symbols", NULL
};

static const char *const source_names[] = { "hintfault", "mglru", "ibs", "pebs", NULL };

/* Non-defaults, so `config` shows what was loaded rather than a default. */
static const struct {
	const char *name, *value;
} loaded[] = {
	{ "slow_nodes",		"1" },
	{ "mode",		"observe" },
	{ "rate_limit_mbps",	"123" },
	{ "batch_pages",	"32" },
	{ "hot_threshold",	"3" },
	{ "window_ms",		"500" },
	{ "min_free_pct",	"7" },
	{ "numa_balancing",	"keep" },
	{ "lru_gen",		"keep" },
	{ NULL, NULL },
};

#define LOAD_PARAMS "slow_nodes=1 mode=observe rate_limit_mbps=123 batch_pages=32 " \
		    "hot_threshold=3 window_ms=500 min_free_pct=7 numa_balancing=keep lru_gen=keep"

#define NOBODY 65534

static void read_debugfs(struct __test_metadata *_metadata, const char *file,
			 char *buf, size_t size)
{
	char path[256];
	ssize_t len;

	snprintf(path, sizeof(path), KP_DEBUGFS "/%s", file);
	len = kp_read_file(path, buf, size);
	ASSERT_LT(0, len) TH_LOG("read %s: %s", path, len ? strerror(-len) : "empty");
}

/* Where the contract allows an empty value. */
static bool empty_value_allowed(const char *file, const char *name)
{
	if (!strcmp(file, "tiers"))
		return !strcmp(name, "fast_nodes") || !strcmp(name, "slow_nodes");
	if (!strcmp(file, "config"))
		return !strcmp(name, "slow_nodes");
	return false;
}

static bool line_has_name(const char *line, const char *name)
{
	size_t nlen = strlen(name);

	return !strncmp(line, name, nlen) && (line[nlen] == ' ' || !line[nlen]);
}

FIXTURE(debugfs) {
	char buf[KP_BUF_SIZE];
};

FIXTURE_SETUP(debugfs)
{
	int ret;

	if (kp_env_unusable())
		return;
	ASSERT_EQ(0, kp_ensure_unloaded());
	ret = kp_load(LOAD_PARAMS);
	ASSERT_EQ(0, ret) TH_LOG("load " LOAD_PARAMS ": %s", strerror(-ret));
}

FIXTURE_TEARDOWN(debugfs)
{
	if (!kp_env_unusable()) {
		EXPECT_EQ(0, kp_ensure_unloaded());
	}
}

TEST_F_TIMEOUT(debugfs, root_only_read_only_modes, 60)
{
	char path[256];
	struct stat st;
	int i;

	KP_REQUIRE_ENV();
	ASSERT_EQ(0, stat(KP_DEBUGFS, &st)) TH_LOG("%s: %s", KP_DEBUGFS, strerror(errno));
	ASSERT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(0u, st.st_mode & 07777 & ~0700u)
		TH_LOG("%s has mode %o, want 0700 or stricter", KP_DEBUGFS, st.st_mode & 07777);
	EXPECT_EQ(0u, st.st_uid);
	EXPECT_EQ(0u, st.st_gid);

	for (i = 0; files[i]; i++) {
		snprintf(path, sizeof(path), KP_DEBUGFS "/%s", files[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
		EXPECT_TRUE(S_ISREG(st.st_mode)) TH_LOG("%s", path);
		EXPECT_EQ(0u, st.st_mode & 07777 & ~0400u)
			TH_LOG("%s has mode %o, want 0400 or stricter", path, st.st_mode & 07777);
		EXPECT_EQ(0u, st.st_uid) TH_LOG("%s", path);
		EXPECT_EQ(0u, st.st_gid) TH_LOG("%s", path);
	}
}

TEST_F_TIMEOUT(debugfs, name_value_lines, 60)
{
	char *lines[KP_MAX_LINES], name[KP_VAL_SIZE];
	int i, j, k, n;

	KP_REQUIRE_ENV();
	for (i = 0; files[i]; i++) {
		read_debugfs(_metadata, files[i], self->buf, sizeof(self->buf));
		EXPECT_EQ('\n', self->buf[strlen(self->buf) - 1])
			TH_LOG("%s: last line has no newline", files[i]);
		n = kp_split_lines(self->buf, lines, KP_MAX_LINES);
		ASSERT_LT(0, n);
		ASSERT_GT(KP_MAX_LINES, n) TH_LOG("%s: too many lines", files[i]);
		for (j = 0; j < n; j++) {
			size_t nlen = strspn(lines[j], "abcdefghijklmnopqrstuvwxyz0123456789_");

			snprintf(name, sizeof(name), "%.*s", (int)nlen, lines[j]);
			if (nlen && empty_value_allowed(files[i], name) &&
			    kp_match("^[a-z0-9_]+ ?$", lines[j], 0))
				continue;
			EXPECT_TRUE(kp_match("^[a-z0-9_]+ [^ ]", lines[j], 0))
				TH_LOG("%s line %d is not 'name value': '%s'", files[i], j + 1,
				       lines[j]);
			for (k = 0; k < j; k++) {
				EXPECT_FALSE(line_has_name(lines[k], name))
					TH_LOG("%s: name '%s' appears twice", files[i], name);
			}
		}
	}
}

TEST_F_TIMEOUT(debugfs, no_kernel_addresses, 60)
{
	int i;

	KP_REQUIRE_ENV();
	for (i = 0; files[i]; i++) {
		read_debugfs(_metadata, files[i], self->buf, sizeof(self->buf));
		EXPECT_FALSE(kp_match("(0x)?ffff[0-9a-f]{12}", self->buf, REG_ICASE))
			TH_LOG("%s shows something like a kernel address:\n%s", files[i],
			       self->buf);
	}
}

TEST_F_TIMEOUT(debugfs, stats_unsigned_counters, 60)
{
	static const char *const required[] = {
		"loads_selftest_ok", "records", "records_dropped", "table_bytes", NULL
	};
	char *lines[KP_MAX_LINES], val[KP_VAL_SIZE];
	int i, n;

	KP_REQUIRE_ENV();
	read_debugfs(_metadata, "stats", self->buf, sizeof(self->buf));
	for (i = 0; required[i]; i++) {
		EXPECT_EQ(0, kp_kv_find(self->buf, required[i], val, sizeof(val)))
			TH_LOG("stats has no %s", required[i]);
	}
	ASSERT_EQ(0, kp_kv_find(self->buf, "loads_selftest_ok", val, sizeof(val)));
	EXPECT_STREQ("1", val);

	n = kp_split_lines(self->buf, lines, KP_MAX_LINES);
	for (i = 0; i < n; i++) {
		const char *v = strchr(lines[i], ' ');

		EXPECT_TRUE(v && kp_is_uint(v + 1))
			TH_LOG("stats value is not an unsigned integer: '%s'", lines[i]);
	}
}

/* kp_stat() fails a test on a counter the module does not print: its lookup must tell. */
TEST_F_TIMEOUT(debugfs, stats_lookup_tells_missing_names, 60)
{
	unsigned long val = 7;

	KP_REQUIRE_ENV();
	EXPECT_EQ(0, kp_stat_get("records", &val));
	EXPECT_LE(val, kp_stat("records")) TH_LOG("records went down");
	EXPECT_EQ(-ENOENT, kp_stat_get("records_renamed_away", &val));
	EXPECT_EQ(-ENOENT, kp_stat_get("record", &val)) TH_LOG("a prefix is not a name");
	ASSERT_EQ(0, kp_ensure_unloaded());
	EXPECT_GT(0, kp_stat_get("records", &val)) TH_LOG("stats read with the module gone");
}

TEST_F_TIMEOUT(debugfs, config_shows_loaded_values, 60)
{
	const struct kp_param *p;
	char val[KP_VAL_SIZE];
	int i;

	KP_REQUIRE_ENV();
	read_debugfs(_metadata, "config", self->buf, sizeof(self->buf));
	for (p = kp_params; p->name; p++) {
		EXPECT_EQ(0, kp_kv_find(self->buf, p->name, val, sizeof(val)))
			TH_LOG("config has no %s line:\n%s", p->name, self->buf);
	}
	for (i = 0; loaded[i].name; i++) {
		if (kp_kv_find(self->buf, loaded[i].name, val, sizeof(val)))
			continue;	/* reported above */
		EXPECT_STREQ(loaded[i].value, val) TH_LOG("config %s", loaded[i].name);
	}
}

TEST_F_TIMEOUT(debugfs, hooks_selftest_ok, 60)
{
	char *lines[KP_MAX_LINES];
	int i, n;

	KP_REQUIRE_ENV();
	read_debugfs(_metadata, "hooks", self->buf, sizeof(self->buf));
	n = kp_split_lines(self->buf, lines, KP_MAX_LINES);
	ASSERT_LT(0, n);
	EXPECT_STREQ("selftest ok", lines[0]);
	/* Counters after `fired <N>` in the same `name <N>` form are tolerated. */
	for (i = 1; i < n; i++) {
		EXPECT_TRUE(kp_match("^[a-z0-9_]+ [A-Za-z0-9_.]+ (kprobe|kretprobe|ftrace) "
				     "(armed|unavailable: .+) fired [0-9]+( [a-z_]+ [0-9]+)*$",
				     lines[i], 0))
			TH_LOG("hooks line %d: '%s'", i + 1, lines[i]);
	}
}

TEST_F_TIMEOUT(debugfs, symbols_no_required_missing, 60)
{
	char *lines[KP_MAX_LINES];
	int i, n;

	KP_REQUIRE_ENV();
	read_debugfs(_metadata, "symbols", self->buf, sizeof(self->buf));
	n = kp_split_lines(self->buf, lines, KP_MAX_LINES);
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(kp_match("^[a-z0-9_]+ (ok|missing|refused|hooked) "
				     "\\((required|optional): [^)]+\\)"
				     "( btf (ok|unverified|mismatch|n/a))?(, calls [0-9]+ of [0-9]+)?$",
				     lines[i], 0))
			TH_LOG("symbols line %d: '%s'", i + 1, lines[i]);
		/* Debian's kernels have BTF: every function found is checked, and matches. */
		EXPECT_FALSE(kp_match("^[a-z0-9_]+ (ok|hooked) ", lines[i], 0) &&
			     !kp_match(" btf (ok|n/a)(, calls [0-9]+ of [0-9]+)?$", lines[i], 0))
			TH_LOG("symbols line %d not verified: '%s'", i + 1, lines[i]);
		EXPECT_FALSE(kp_match("^[a-z0-9_]+ missing \\(required: ", lines[i], 0))
			TH_LOG("loaded although a required symbol is missing: '%s'", lines[i]);
	}
}

/* sources=auto (the fixture's default) selects every source: none is "disabled". */
TEST_F_TIMEOUT(debugfs, sources_auto, 60)
{
	char val[KP_VAL_SIZE];
	int i;

	KP_REQUIRE_ENV();
	read_debugfs(_metadata, "sources", self->buf, sizeof(self->buf));
	for (i = 0; source_names[i]; i++) {
		ASSERT_EQ(0, kp_kv_find(self->buf, source_names[i], val, sizeof(val)))
			TH_LOG("sources has no %s line:\n%s", source_names[i], self->buf);
		EXPECT_TRUE(kp_match("^(enabled|unavailable: .+)$", val, 0))
			TH_LOG("sources=auto: %s %s", source_names[i], val);
	}
	if (!kp_exists("/sys/bus/event_source/devices/ibs_op")) {
		ASSERT_EQ(0, kp_kv_find(self->buf, "ibs", val, sizeof(val)));
		EXPECT_NE(0, strcmp(val, "enabled")) TH_LOG("ibs enabled without an ibs_op PMU");
	}
}

/* Read-only: writing fails, and what a file says does not change. */
TEST_F_TIMEOUT(debugfs, writes_refused, 60)
{
	static const char *const stable[] = { "tiers", "sources", "config", "symbols", NULL };
	static char before[KP_BUF_SIZE];
	char path[256];
	int i;

	KP_REQUIRE_ENV();
	for (i = 0; files[i]; i++) {
		snprintf(path, sizeof(path), KP_DEBUGFS "/%s", files[i]);
		EXPECT_NE(0, kp_write_file(path, "0\n")) TH_LOG("%s accepted a write", path);
	}
	for (i = 0; stable[i]; i++) {
		read_debugfs(_metadata, stable[i], before, sizeof(before));
		snprintf(path, sizeof(path), KP_DEBUGFS "/%s", stable[i]);
		EXPECT_NE(0, kp_write_file(path, "mode promote\n"));
		read_debugfs(_metadata, stable[i], self->buf, sizeof(self->buf));
		EXPECT_STREQ(before, self->buf);
	}
}

/* What an unprivileged reader gets: exit code = index + 1 of the first path not refused. */
static int nobody_opens(void)
{
	char path[256];
	int i, fd;
	DIR *d;

	if (setgid(NOBODY) || setuid(NOBODY))
		return 100;
	d = opendir(KP_DEBUGFS);
	if (d || errno != EACCES)
		return 99;
	for (i = 0; files[i]; i++) {
		snprintf(path, sizeof(path), KP_DEBUGFS "/%s", files[i]);
		fd = open(path, O_RDONLY);
		if (fd >= 0 || errno != EACCES)
			return i + 1;
	}
	return 0;
}

TEST_F_TIMEOUT(debugfs, non_root_denied, 60)
{
	int status;
	pid_t pid;

	KP_REQUIRE_ENV();
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(nobody_opens());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("uid %d: %s", NOBODY,
		       WEXITSTATUS(status) == 100 ? "could not drop privileges" :
		       WEXITSTATUS(status) == 99 ? "directory not refused with EACCES" :
		       "a file was not refused with EACCES");
	if (WEXITSTATUS(status) >= 1 && WEXITSTATUS(status) <= 6)
		TH_LOG("first file not refused: %s", files[WEXITSTATUS(status) - 1]);
}

/* ------------------------------------------------------------------ */
/* sources= selects; what is not selected is "disabled". */

FIXTURE(debugfs_sources) {
	char buf[KP_BUF_SIZE];
};

FIXTURE_VARIANT(debugfs_sources) {
	const char *sources;
	unsigned int selected;	/* bit i: source_names[i] */
};

FIXTURE_VARIANT_ADD(debugfs_sources, none) { .sources = "none", .selected = 0 };
FIXTURE_VARIANT_ADD(debugfs_sources, hintfault) { .sources = "hintfault", .selected = 1 };
/* hintfault keeps the load working; ibs is selected even where it cannot run. */
FIXTURE_VARIANT_ADD(debugfs_sources, hintfault_ibs) { .sources = "hintfault,ibs", .selected = 5 };

FIXTURE_SETUP(debugfs_sources)
{
	int ret;

	if (kp_env_unusable())
		return;
	ASSERT_EQ(0, kp_ensure_unloaded());
	ret = kp_loadf("slow_nodes=1 numa_balancing=keep sources=%s", variant->sources);
	ASSERT_EQ(0, ret) TH_LOG("sources=%s: %s", variant->sources, strerror(-ret));
}

FIXTURE_TEARDOWN(debugfs_sources)
{
	if (!kp_env_unusable()) {
		EXPECT_EQ(0, kp_ensure_unloaded());
	}
}

TEST_F_TIMEOUT(debugfs_sources, selected_or_disabled, 60)
{
	char val[KP_VAL_SIZE];
	int i;

	KP_REQUIRE_ENV();
	read_debugfs(_metadata, "sources", self->buf, sizeof(self->buf));
	for (i = 0; source_names[i]; i++) {
		ASSERT_EQ(0, kp_kv_find(self->buf, source_names[i], val, sizeof(val)))
			TH_LOG("sources has no %s line:\n%s", source_names[i], self->buf);
		if (variant->selected & (1u << i)) {
			EXPECT_TRUE(kp_match("^(enabled|unavailable: .+)$", val, 0))
				TH_LOG("selected %s: '%s'", source_names[i], val);
		} else {
			EXPECT_STREQ("disabled", val) TH_LOG("unselected %s", source_names[i]);
		}
	}
	ASSERT_EQ(0, kp_read_kv(KP_DEBUGFS "/config", "sources", val, sizeof(val)));
	EXPECT_STREQ(variant->sources, val);
}

TEST_HARNESS_MAIN
