// SPDX-License-Identifier: GPL-2.0
/*
 * System settings kpromoted changes while loaded (numa_balancing, lru_gen).
 * Written through their own /proc or /sys files, so the kernel's handlers
 * run exactly as for an administrator's write (static keys, checks), and
 * restored in reverse order on unload, unless an administrator changed
 * one meanwhile: that value is theirs and stays.
 */
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/path.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/compat.h"

#define KP_MAX_SETTINGS 4
#define KP_SETTING_LEN 32

struct kp_setting {
	const char *path;
	char old[KP_SETTING_LEN];	/* before kpromoted changed it */
	char ours[KP_SETTING_LEN];	/* how it reads with kpromoted's value */
};

static struct kp_setting kp_settings[KP_MAX_SETTINGS];
static int kp_nr_settings;

/*
 * Opens path from the root of the init task, which PID 1 and every kernel
 * thread share, not from the caller's: an insmod or rmmod run in a chroot
 * or a mount namespace without /proc or /sys still reaches the system's.
 */
struct file *kp_root_open(const char *path, int flags)
{
	struct path root;
	struct file *f;

	get_fs_root(init_task.fs, &root);
	f = file_open_root(&root, path, flags, 0);
	path_put(&root);
	return f;
}

int kp_setting_read(const char *path, char *buf, size_t len)
{
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	f = kp_root_open(path, O_RDONLY);
	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_read(f, buf, len - 1, &pos);
	filp_close(f, NULL);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	strim(buf);
	return 0;
}

static int kp_setting_write(const char *path, const char *value)
{
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	f = kp_root_open(path, O_WRONLY);
	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_write(f, value, strlen(value), &pos);
	filp_close(f, NULL);
	return n < 0 ? (int)n : 0;
}

/* Sets path to value, remembering the old value the first time. */
int kp_setting_set(const char *path, const char *value)
{
	struct kp_setting *s = NULL;
	int i, err;

	for (i = 0; i < kp_nr_settings; i++)
		if (!strcmp(kp_settings[i].path, path))
			s = &kp_settings[i];
	if (!s) {
		if (kp_nr_settings == KP_MAX_SETTINGS)
			return -ENOSPC;
		s = &kp_settings[kp_nr_settings];
		err = kp_setting_read(path, s->old, sizeof(s->old));
		if (err)
			return err;
		s->path = path;
		kp_nr_settings++;
	}
	err = kp_setting_write(path, value);
	if (err) {
		pr_err("cannot set %s to %s (%d)\n", path, value, err);
		return err;
	}
	/* The file may show the value otherwise ("y" reads back as 0x0007). */
	if (kp_setting_read(path, s->ours, sizeof(s->ours)))
		strscpy(s->ours, value, sizeof(s->ours));
	pr_info("%s: %s -> %s (restored on unload)\n", path, s->old, s->ours);
	return 0;
}

#define KP_NUMAB_PATH "/proc/sys/kernel/numa_balancing"

/*
 * numa_balancing going back from a memory-tiering mode (2, 3: ours) to the
 * normal mode (1: the default on Debian). In tiering mode the kernel keeps
 * a slow page's scan time where it otherwise keeps the last CPU and PID that
 * faulted on it; back in normal mode a hint fault reads that time as a
 * CPU/PID, and when the page is migrated to a top-tier node,
 * task_numa_fault() -> task_numa_group() takes cpu_rq() of a CPU that does
 * not exist (6.12: a general protection fault in task_numa_fault, found by
 * tests/vm/kp_faults.c after a few load/unload cycles under load). So go
 * through 0 (task_numa_fault() returns at once, nothing stamps any more),
 * wait out the stampers already running (they hold a page-table lock),
 * reset the field of every slow page and of every top-tier page a
 * migration carried a stamp to (src/compat/mm.c), then write the old
 * value. Also when
 * the old value is 0: the stamps stay where they are until an operator
 * turns the normal mode on after us.
 */
static void kp_numab_leave_tiering(const struct kp_setting *s)
{
	unsigned int old, ours;

	if (strcmp(s->path, KP_NUMAB_PATH) || kstrtouint(s->old, 10, &old) ||
	    kstrtouint(s->ours, 10, &ours) || !(ours & 2) || (old & 2))
		return;
	if (kp_setting_write(s->path, "0"))
		return;
	synchronize_rcu();
	/* Silent: the log keeps its one "restored"/"left at" story per setting. */
	kp_compat_clear_access_times();
}

/* Puts the old value back if the setting still holds kpromoted's. */
static void kp_setting_put_back(const struct kp_setting *s)
{
	char now[KP_SETTING_LEN];

	if (!kp_setting_read(s->path, now, sizeof(now)) && strcmp(now, s->ours)) {
		pr_info("%s: left at %s, changed while loaded (was %s before)\n",
			s->path, now, s->old);
		return;
	}
	kp_numab_leave_tiering(s);
	if (kp_setting_write(s->path, s->old))
		pr_err("could not restore %s to %s\n", s->path, s->old);
}

/*
 * Puts one setting back now (a step that changed it and then failed);
 * the others stay until unload.
 */
void kp_setting_revert(const char *path)
{
	int i;

	for (i = 0; i < kp_nr_settings; i++) {
		if (strcmp(kp_settings[i].path, path))
			continue;
		kp_setting_put_back(&kp_settings[i]);
		kp_nr_settings--;
		memmove(&kp_settings[i], &kp_settings[i + 1],
			(kp_nr_settings - i) * sizeof(kp_settings[0]));
		kp_settings[kp_nr_settings].path = NULL;
		return;
	}
}

void kp_settings_restore(void)
{
	while (kp_nr_settings > 0) {
		struct kp_setting *s = &kp_settings[--kp_nr_settings];

		kp_setting_put_back(s);
		s->path = NULL;
	}
}
