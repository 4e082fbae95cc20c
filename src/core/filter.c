// SPDX-License-Identifier: GPL-2.0
/*
 * Per-process control: which tasks' accesses may lead to promotion.
 *
 * debugfs `filter` (root only) takes one command per write:
 *   clear | include pid <tgid> | exclude pid <tgid>
 *         | include cgroup </v2/path> | exclude cgroup </v2/path>
 * With no include rule everything is included; exclude rules always win.
 * Rules are checked where an access is recorded: hint faults know the
 * faulting task (pid and cgroup rules apply), the MGLRU walk knows the
 * memcg (cgroup rules apply). The rule set is replaced whole under RCU,
 * so the record path only reads it.
 */
#include <linux/cgroup.h>
#include <linux/memcontrol.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/parse.h"
#include "kpromoted/stats.h"

#define KP_MAX_RULES 16

struct kp_rule {
	enum kp_filter_op op;
	enum kp_filter_kind kind;
	pid_t tgid;
	struct cgroup *cgrp;		/* holds a reference */
	char path[KP_FILTER_ARG_LEN];
};

struct kp_filter {
	struct rcu_head rcu;
	int nr;
	bool has_include;
	struct kp_rule rules[KP_MAX_RULES];
};

static struct kp_filter __rcu *kp_filter;
static DEFINE_MUTEX(kp_filter_lock);

static bool kp_rule_matches(const struct kp_rule *r, pid_t tgid, struct cgroup *cgrp)
{
	if (r->kind == KP_FILTER_PID)
		return tgid && r->tgid == tgid;
	return cgrp && cgroup_is_descendant(cgrp, r->cgrp);
}

/* tgid 0: unknown task (the rule kind then cannot match). */
static bool kp_filter_allows(pid_t tgid, struct cgroup *cgrp)
{
	const struct kp_filter *f = rcu_dereference(kp_filter);
	bool included;
	int i;

	if (!f)
		return true;
	included = !f->has_include;
	for (i = 0; i < f->nr; i++) {
		if (!kp_rule_matches(&f->rules[i], tgid, cgrp))
			continue;
		if (f->rules[i].op == KP_FILTER_EXCLUDE)
			return false;
		included = true;
	}
	return included;
}

bool kp_filter_allows_task(struct task_struct *task)
{
	bool ok;

	if (!rcu_access_pointer(kp_filter))
		return true;
	rcu_read_lock();
	ok = kp_filter_allows(task->tgid, task_dfl_cgroup(task));
	rcu_read_unlock();
	if (!ok)
		kp_stat_inc(KP_STAT_records_filtered);
	return ok;
}

bool kp_filter_allows_memcg(struct mem_cgroup *memcg)
{
	bool ok;

	if (!rcu_access_pointer(kp_filter))
		return true;
	rcu_read_lock();
	ok = kp_filter_allows(0, memcg ? memcg->css.cgroup : NULL);
	rcu_read_unlock();
	if (!ok)
		kp_stat_inc(KP_STAT_records_filtered);
	return ok;
}

static void kp_filter_free(struct kp_filter *f)
{
	int i;

	if (!f)
		return;
	for (i = 0; i < f->nr; i++)
		if (f->rules[i].cgrp)
			cgroup_put(f->rules[i].cgrp);
	kfree(f);
}

/* Applies one parsed command; 0 or -errno with *why. */
static int kp_filter_apply(const struct kp_filter_cmd *cmd, const char **why)
{
	struct kp_filter *old, *new = NULL;
	struct kp_rule *r;
	int i;

	mutex_lock(&kp_filter_lock);
	old = rcu_dereference_protected(kp_filter, lockdep_is_held(&kp_filter_lock));
	if (cmd->op != KP_FILTER_CLEAR) {
		if (old && old->nr == KP_MAX_RULES) {
			*why = "too many rules (16)";
			goto busy;
		}
		new = kzalloc(sizeof(*new), GFP_KERNEL);
		if (!new) {
			*why = "out of memory";
			goto busy;
		}
		if (old) {
			*new = *old;
			for (i = 0; i < new->nr; i++)
				if (new->rules[i].cgrp)
					cgroup_get(new->rules[i].cgrp);
		}
		r = &new->rules[new->nr];
		r->op = cmd->op;
		r->kind = cmd->kind;
		r->tgid = (pid_t)cmd->pid;
		strscpy(r->path, cmd->path, sizeof(r->path));
		if (cmd->kind == KP_FILTER_CGROUP) {
			r->cgrp = cgroup_get_from_path(cmd->path);
			if (IS_ERR(r->cgrp)) {
				r->cgrp = NULL;
				kp_filter_free(new);
				*why = "no such cgroup (v2 path expected)";
				mutex_unlock(&kp_filter_lock);
				return -ENOENT;
			}
		}
		new->nr++;
		new->has_include |= cmd->op == KP_FILTER_INCLUDE;
	}
	rcu_assign_pointer(kp_filter, new);
	mutex_unlock(&kp_filter_lock);
	synchronize_rcu();
	kp_filter_free(old);
	return 0;
busy:
	mutex_unlock(&kp_filter_lock);
	return -ENOSPC;
}

ssize_t kp_filter_write(const char __user *ubuf, size_t len)
{
	struct kp_filter_cmd cmd;
	const char *why = "invalid command";
	char buf[KP_FILTER_ARG_LEN + 32];
	int err;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (kp_parse_filter_cmd(buf, &cmd, &why)) {
		pr_info("filter: %s: %s\n", why, "expected clear | include|exclude pid <tgid> | include|exclude cgroup </path>");
		return -EINVAL;
	}
	err = kp_filter_apply(&cmd, &why);
	if (err) {
		pr_info("filter: %s\n", why);
		return err;
	}
	return len;
}

void kp_filter_show(struct seq_file *m)
{
	const struct kp_filter *f;
	int i;

	mutex_lock(&kp_filter_lock);
	f = rcu_dereference_protected(kp_filter, lockdep_is_held(&kp_filter_lock));
	seq_printf(m, "rules %d\n", f ? f->nr : 0);
	for (i = 0; f && i < f->nr; i++) {
		const struct kp_rule *r = &f->rules[i];

		if (r->kind == KP_FILTER_PID)
			seq_printf(m, "rule %s pid %d\n",
				   r->op == KP_FILTER_INCLUDE ? "include" : "exclude", r->tgid);
		else
			seq_printf(m, "rule %s cgroup %s\n",
				   r->op == KP_FILTER_INCLUDE ? "include" : "exclude", r->path);
	}
	mutex_unlock(&kp_filter_lock);
}

void kp_filter_exit(void)
{
	struct kp_filter *old;

	mutex_lock(&kp_filter_lock);
	old = rcu_dereference_protected(kp_filter, lockdep_is_held(&kp_filter_lock));
	RCU_INIT_POINTER(kp_filter, NULL);
	mutex_unlock(&kp_filter_lock);
	synchronize_rcu();
	kp_filter_free(old);
}
