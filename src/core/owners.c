// SPDX-License-Identifier: GPL-2.0
/*
 * Who is sighted on the slow tier and whose pages are promoted, per process
 * and per cgroup (kpromoted/owners.h), for debugfs `owners` and
 * `kpromotedctl top`.
 *
 * Sighted: counted by kp_record_access() from the owner its source knows
 * cheaply. Hint faults and hardware samples run in the accessing
 * task (current): its tgid, and the id of its memory cgroup. The MGLRU walk
 * knows the memcg of the lruvec it walks, not the task: by cgroup only.
 * Any context, NMI included: a few loads, one compare-and-swap, atomic adds.
 *
 * Promoted: counted by the workers after a migration, for each frame the
 * migration filled: the cgroup is the new folio's memcg (the charge moves
 * with the folio). A physical page has no process; the one kpromoted names
 * is the owner of the mm that maps it, which the placement check finds on
 * its reverse-map walk just before the page is queued (mm->owner, as for
 * the page's cpuset). That tgid is noted beside the source frame in a small
 * lossy array (kp_owner_note_put(): KP_OWNER_NOTES words, KP_NOTE_PROBES
 * from the frame's hash) and taken when the frame is promoted; a frame
 * whose note is gone counts as `other`.
 *
 * The tables are module data, zero at every load; 48 KiB plus 64 KiB of
 * notes, whatever the machine.
 */
#include <linux/cgroup.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/string_helpers.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/owners.h"
#include "kpromoted/table.h"

static struct kp_owner_table kp_owners_proc, kp_owners_cgrp;
static u64 kp_owner_notes[KP_OWNER_NOTES];

void kp_owners_reset(void)
{
	memset(&kp_owners_proc, 0, sizeof(kp_owners_proc));
	memset(&kp_owners_cgrp, 0, sizeof(kp_owners_cgrp));
	memset(kp_owner_notes, 0, sizeof(kp_owner_notes));
}

/* The cgroup id of a memcg, 0 when there is none. Caller in an RCU section or holding it. */
static u64 kp_memcg_cgid(struct mem_cgroup *memcg)
{
#ifdef CONFIG_MEMCG
	if (memcg && memcg->css.cgroup)
		return cgroup_id(memcg->css.cgroup);
#endif
	return 0;
}

/* The id of task's memory cgroup's cgroup (0: unknown). NMI-safe: RCU only. */
static u64 kp_task_cgid(struct task_struct *task)
{
	u64 id = 0;
#ifdef CONFIG_MEMCG
	struct cgroup_subsys_state *css;

	rcu_read_lock();
	css = task_css(task, memory_cgrp_id);
	if (css && css->cgroup)
		id = cgroup_id(css->cgroup);
	rcu_read_unlock();
#endif
	return id;
}

void kp_owners_sighted_task(struct task_struct *task)
{
	/* A kernel thread (no mm) owns no user page: its sightings are `other`. */
	u64 tgid = task->mm ? (u64)task->tgid : 0;

	kp_owner_sight(&kp_owners_proc, tgid, 1);
	kp_owner_sight(&kp_owners_cgrp, tgid ? kp_task_cgid(task) : 0, 1);
}

void kp_owners_sighted_memcg(struct mem_cgroup *memcg)
{
	kp_owner_sight(&kp_owners_cgrp, kp_memcg_cgid(memcg), 1);
}

void kp_owners_note(u64 pfn, int tgid)
{
	if (tgid > 0)
		kp_owner_note_put(kp_owner_notes, pfn, (u64)tgid);
}

void kp_owners_promoted(const u64 *dst, const u64 *src, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		struct page *page = pfn_to_online_page(dst[i]);
		struct folio *folio;
		u64 nr, cgid = 0, tgid = src ? kp_owner_note_take(kp_owner_notes, src[i]) : 0;

		if (!page)
			continue;
		folio = page_folio(page);
		if (!folio_try_get(folio))
			continue;	/* the migration gave that frame back: not promoted */
		if (page_folio(page) == folio) {
			nr = folio_nr_pages(folio);
			rcu_read_lock();
			cgid = kp_memcg_cgid(folio_memcg(folio));
			rcu_read_unlock();
			kp_owner_promote(&kp_owners_proc, tgid, nr);
			kp_owner_promote(&kp_owners_cgrp, cgid, nr);
		}
		folio_put(folio);
	}
}

/*
 * A name as one field: whitespace, the backslash and every byte that is
 * not printable ASCII as \ooo (three octal digits), the rest as it is, so
 * that a name can neither end its line nor split into fields. Who names a
 * cgroup (a delegated, unprivileged user) chooses its bytes. The same
 * helper and flags on 6.1, 6.12 and 7.2.
 */
static void kp_owners_put_name(struct seq_file *m, const char *name)
{
	seq_escape_str(m, name, ESCAPE_OCTAL | ESCAPE_NAP | ESCAPE_APPEND, " \t\n\\");
}

static void kp_owners_show_table(struct seq_file *m, const char *kind,
				 struct kp_owner_table *t, char *path, size_t len)
{
	u32 i;

	for (i = 0; i < KP_OWNER_SLOTS; i++) {
		struct kp_owner_slot *s = &t->slot[i];
		u64 key = kp_own_load(&s->key);

		if (!key)
			continue;
		seq_printf(m, "%s %llu %llu %llu", kind, key, kp_own_load(&s->sighted),
			   kp_own_load(&s->promoted));
		if (path) {
			struct cgroup *cgrp = cgroup_get_from_id(key);

			/* Removed since: its counts stay, without a name. */
			if (!IS_ERR_OR_NULL(cgrp)) {
				if (cgroup_path(cgrp, path, len) > 0) {
					seq_putc(m, ' ');
					kp_owners_put_name(m, path);
				}
				cgroup_put(cgrp);
			}
		}
		seq_putc(m, '\n');
	}
	seq_printf(m, "%s other %llu %llu\n", kind, kp_own_load(&t->other.sighted),
		   kp_own_load(&t->other.promoted));
}

/*
 * `owners`: `process <tgid> <sighted> <promoted>` and
 * `cgroup <id> <sighted> <promoted> <path>` lines, each table followed by
 * its `other` line. Process context: the cgroup paths are looked up now.
 * The path is escaped (kp_owners_put_name()): space, tab, newline,
 * backslash and any byte outside printable ASCII as \ooo, so a line is
 * always one owner and the path one field; `kpromotedctl top` undoes it.
 */
void kp_owners_show(struct seq_file *m)
{
	char *path = kmalloc(PATH_MAX, GFP_KERNEL);

	kp_owners_show_table(m, "process", &kp_owners_proc, NULL, 0);
	kp_owners_show_table(m, "cgroup", &kp_owners_cgrp, path, path ? PATH_MAX : 0);
	kfree(path);
}
