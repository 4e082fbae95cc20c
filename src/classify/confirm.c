// SPDX-License-Identifier: GPL-2.0
/*
 * Confirmation: the nominees of the table, each looked at a few times at
 * short intervals (see kpromoted/classify.h for why), the hot ones handed
 * to the workers at once, the others forgotten.
 *
 * Nominations arrive from any context, NMI included, through a mailbox of
 * preallocated slots filled with one compare-and-swap each; a full mailbox
 * refuses (the page keeps its heat and is nominated again on its next
 * evidence). One work item drains it into the trials, makes one look per
 * trial per round, and sleeps confirm_ms between rounds (longer while
 * nothing is on trial).
 */
#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/classify.h"
#include "kpromoted/compat.h"
#include "kpromoted/confirm.h"
#include "kpromoted/promote.h"
#include "kpromoted/stats.h"

/*
 * A scan pass of hint faults nominates a hot set in a burst: the mailbox
 * takes 8192 nominations between two rounds, the trials as many.
 */
#define KP_MAILBOX_SLOTS 8192		/* 64 KiB */
#define KP_TRIALS_MAX 8192		/* 128 KiB */
#define KP_CONFIRM_IDLE_MS 256		/* round interval with nothing on trial */

/* Mailbox word: pfn:38 | anid+1:5 (0 = empty slot). */
#define KP_MB_ANID_SHIFT 38

static u64 *kp_mailbox;
static atomic_t kp_mailbox_head;
static struct kp_trial *kp_trials;
static u32 kp_nr_trials;
static struct delayed_work kp_confirm_work;
static struct workqueue_struct *kp_confirm_wq;
static bool kp_confirm_stopping;
static unsigned int kp_confirm_tests;	/* 0: nominated is hot (no look possible) */
static unsigned int kp_idle_ms;
static const char *kp_confirm_why;
static struct kp_look_batch kp_looks;	/* the round's looks, flushed every KP_LOOKS_PER_FLUSH */

bool kp_confirm_nominate(u64 pfn, int anid)
{
	u64 word = pfn | (u64)(anid >= 0 && anid <= KP_ANID_MAX ? anid + 1 : 0) << KP_MB_ANID_SHIFT;
	unsigned int i;
	int tries;

	if (unlikely(!READ_ONCE(kp_mailbox)))
		return false;
	for (tries = 0; tries < 4; tries++) {
		i = (unsigned int)atomic_inc_return(&kp_mailbox_head) & (KP_MAILBOX_SLOTS - 1);
		if (!READ_ONCE(kp_mailbox[i]) && !cmpxchg64(&kp_mailbox[i], 0, word))
			return true;
	}
	return false;
}

/* Moves nominations from the mailbox into free trials. */
static void kp_confirm_drain(void)
{
	unsigned int i;

	for (i = 0; i < KP_MAILBOX_SLOTS && kp_nr_trials < KP_TRIALS_MAX; i++) {
		u64 word = READ_ONCE(kp_mailbox[i]);
		struct kp_trial *t;

		if (!word)
			continue;
		word = xchg(&kp_mailbox[i], 0);
		if (!word)
			continue;
		t = &kp_trials[kp_nr_trials++];
		*t = (struct kp_trial){
			.pfn = word & KP_PFN_MAX,
			.anid = (int)((word >> KP_MB_ANID_SHIFT) & 31) - 1,
		};
	}
}

/* The page's trial is over: its entry goes, whatever the verdict. */
static void kp_trial_close(struct kp_trial *t, enum kp_stat outcome)
{
	kp_table_forget(&kp_tbl, t->pfn);
	kp_stat_inc(outcome);
}

/* One look at one trial; true when the trial is over. */
static bool kp_trial_round(struct kp_trial *t)
{
	enum kp_verdict v;

	if (!t->hot) {
		enum kp_look look = kp_confirm_tests ? kp_compat_look(&kp_looks, t->pfn, KP_LOOK_SLOW) : KP_LOOK_YOUNG;

		kp_stat_inc(KP_STAT_confirm_looks);
		v = kp_trial_step(t, look, kp_confirm_tests);
		switch (v) {
		case KP_VERDICT_WAIT:
			return false;
		case KP_VERDICT_COLD:
			kp_trial_close(t, KP_STAT_confirm_cold);
			return true;
		case KP_VERDICT_GONE:
			kp_trial_close(t, KP_STAT_confirm_gone);
			return true;
		case KP_VERDICT_HOT:
			kp_stat_inc(KP_STAT_confirm_hot);	/* once: then it waits for room */
			t->hot = 1;
			t->hot_at = kp_room_stamp();
			break;
		}
	}
	switch (kp_dispatch(t->pfn, t->anid, t->hot_at)) {
	case KP_DISPATCH_QUEUE_FULL:
		return false;	/* confirmed: it waits here, not in the table */
	case KP_DISPATCH_BUSY:
		/* As a look that could not be made: a few more rounds, then given up. */
		if (++t->busy > KP_TRIAL_BUSY_MAX) {
			kp_trial_close(t, KP_STAT_confirm_gone);
			return true;
		}
		return false;
	case KP_DISPATCH_QUEUED:
	case KP_DISPATCH_DONE:
		kp_table_forget(&kp_tbl, t->pfn);
		return true;
	}
	return true;
}

/*
 * Looks between two TLB flushes. Between a look and its flush a page in
 * use keeps a cleared accessed bit (its translation is cached): to the
 * kernel's own aging, and to the MGLRU source, it looks idle. A flush per
 * few dozen looks keeps that window to a millisecond or so, at a flush
 * (an IPI to the CPUs running the address space) per batch.
 */
#define KP_LOOKS_PER_FLUSH 64

static void kp_confirm_round(struct work_struct *work)
{
	u32 i = 0, n, looks = 0;

	kp_confirm_drain();
	kp_dispatch_begin();
	kp_compat_look_begin(&kp_looks);
	while (i < kp_nr_trials && !READ_ONCE(kp_confirm_stopping)) {
		bool over = kp_trial_round(&kp_trials[i]);

		if (++looks % KP_LOOKS_PER_FLUSH == 0) {
			kp_compat_look_end(&kp_looks);
			cond_resched();
			kp_compat_look_begin(&kp_looks);
		}
		if (over) {
			/* Over: the last trial takes its place. */
			kp_trials[i] = kp_trials[--kp_nr_trials];
			continue;
		}
		i++;
	}
	/* Before any worker moves a page: the flush belongs to this round's looks. */
	kp_compat_look_end(&kp_looks);
	kp_dispatch_end();
	n = kp_nr_trials;
	if (n)
		kp_idle_ms = kp_cfg.confirm_ms;
	else
		kp_idle_ms = min(kp_idle_ms * 2, (unsigned int)KP_CONFIRM_IDLE_MS);
	if (!READ_ONCE(kp_confirm_stopping))
		queue_delayed_work(kp_confirm_wq, &kp_confirm_work,
				   max(1UL, msecs_to_jiffies(kp_idle_ms)));
}

unsigned int kp_confirm_trials(void)
{
	return READ_ONCE(kp_nr_trials);
}

int kp_confirm_init(void)
{
	kp_confirm_why = kp_compat_look_unavailable();
	kp_confirm_tests = kp_confirm_why ? 0 : kp_cfg.confirm_tests;
	if (kp_confirm_why)
		pr_info("no confirmation of nominees: %s\n", kp_confirm_why);
	kp_confirm_stopping = false;
	kp_nr_trials = 0;
	kp_idle_ms = kp_cfg.confirm_ms;
	atomic_set(&kp_mailbox_head, 0);
	kp_trials = kvcalloc(KP_TRIALS_MAX, sizeof(*kp_trials), GFP_KERNEL);
	kp_confirm_wq = alloc_workqueue("kpromoted_confirm", WQ_UNBOUND | WQ_FREEZABLE, 1);
	if (!kp_trials || !kp_confirm_wq)
		goto nomem;
	WRITE_ONCE(kp_mailbox, kvcalloc(KP_MAILBOX_SLOTS, sizeof(u64), GFP_KERNEL));
	if (!kp_mailbox)
		goto nomem;
	INIT_DELAYED_WORK(&kp_confirm_work, kp_confirm_round);
	queue_delayed_work(kp_confirm_wq, &kp_confirm_work, msecs_to_jiffies(kp_idle_ms));
	return 0;
nomem:
	if (kp_confirm_wq)
		destroy_workqueue(kp_confirm_wq);
	kp_confirm_wq = NULL;
	kvfree(kp_trials);
	kp_trials = NULL;
	return -ENOMEM;
}

/* After the sources stopped: no nomination can arrive any more. */
void kp_confirm_exit(void)
{
	u64 *mb = kp_mailbox;

	WRITE_ONCE(kp_confirm_stopping, true);
	if (kp_confirm_wq) {
		cancel_delayed_work_sync(&kp_confirm_work);
		destroy_workqueue(kp_confirm_wq);
	}
	kp_confirm_wq = NULL;
	WRITE_ONCE(kp_mailbox, NULL);
	kvfree(mb);
	kvfree(kp_trials);
	kp_trials = NULL;
	kp_nr_trials = 0;
}

u64 kp_confirm_bytes(void)
{
	return KP_MAILBOX_SLOTS * sizeof(u64) + KP_TRIALS_MAX * sizeof(struct kp_trial);
}

void kp_confirm_show(struct seq_file *m)
{
	seq_printf(m, "confirm_trials %u\n", kp_confirm_trials());
	seq_printf(m, "confirm_bytes %llu\n", kp_confirm_bytes());
	seq_printf(m, "confirm_tests_effective %u\n", kp_confirm_tests);
}
