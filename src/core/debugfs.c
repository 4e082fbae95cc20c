// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/kpromoted: root-only (dir 0700, files 0400), one
 * `name value` pair per line, no addresses.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/confirm.h"
#include "kpromoted/hooks.h"
#include "kpromoted/ksyms.h"
#include "kpromoted/promote.h"
#include "kpromoted/stats.h"

static struct dentry *kp_dir;

static int kp_stats_show(struct seq_file *m, void *v)
{
	int i;

	/* Load got here only after the hook self-test passed. */
	seq_puts(m, "loads_selftest_ok 1\n");
	for (i = 0; i < KP_NR_STATS; i++)
		seq_printf(m, "%s %llu\n", kp_stat_name(i), kp_stat_read(i));
	kp_sweep_show(m);
	kp_workers_show(m);
	kp_confirm_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kp_stats);

static int kp_config_show(struct seq_file *m, void *v)
{
	kp_params_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kp_config);

static int kp_tiers_file_show(struct seq_file *m, void *v)
{
	kp_tiers_show(m);
	kp_room_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kp_tiers_file);

static int kp_sources_file_show(struct seq_file *m, void *v)
{
	kp_sources_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kp_sources_file);

static int kp_hooks_file_show(struct seq_file *m, void *v)
{
	kp_hooks_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kp_hooks_file);

static int kp_symbols_file_show(struct seq_file *m, void *v)
{
	kp_ksyms_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kp_symbols_file);

static int kp_regions_file_show(struct seq_file *m, void *v)
{
	kp_regions_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kp_regions_file);

static int kp_owners_file_show(struct seq_file *m, void *v)
{
	kp_owners_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kp_owners_file);

static int kp_filter_file_show(struct seq_file *m, void *v)
{
	kp_filter_show(m);
	return 0;
}

static int kp_filter_file_open(struct inode *inode, struct file *file)
{
	return single_open(file, kp_filter_file_show, NULL);
}

static ssize_t kp_filter_file_write(struct file *file, const char __user *buf,
				    size_t len, loff_t *ppos)
{
	return kp_filter_write(buf, len);
}

static const struct file_operations kp_filter_file_fops = {
	.owner = THIS_MODULE,
	.open = kp_filter_file_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = kp_filter_file_write,
};

int kp_debugfs_init(void)
{
	struct dentry *dir;

	if (kp_inject("debugfs"))
		return -ENOMEM;
	dir = debugfs_create_dir("kpromoted", NULL);
	if (IS_ERR_OR_NULL(dir))
		return dir ? PTR_ERR(dir) : -ENOMEM;
	/* debugfs_create_dir() has no mode argument: tighten it to root-only. */
	d_inode(dir)->i_mode = S_IFDIR | 0700;
	debugfs_create_file("stats", 0400, dir, NULL, &kp_stats_fops);
	debugfs_create_file("config", 0400, dir, NULL, &kp_config_fops);
	debugfs_create_file("tiers", 0400, dir, NULL, &kp_tiers_file_fops);
	debugfs_create_file("sources", 0400, dir, NULL, &kp_sources_file_fops);
	debugfs_create_file("hooks", 0400, dir, NULL, &kp_hooks_file_fops);
	debugfs_create_file("symbols", 0400, dir, NULL, &kp_symbols_file_fops);
	debugfs_create_file("regions", 0400, dir, NULL, &kp_regions_file_fops);
	debugfs_create_file("owners", 0400, dir, NULL, &kp_owners_file_fops);
	debugfs_create_file("filter", 0600, dir, NULL, &kp_filter_file_fops);
	kp_dir = dir;
	return 0;
}

void kp_debugfs_exit(void)
{
	debugfs_remove_recursive(kp_dir);
	kp_dir = NULL;
}
