/* SPDX-License-Identifier: GPL-2.0 */
/* The confirmation stage (src/classify/confirm.c; the rule in classify.h). */
#ifndef KPROMOTED_CONFIRM_H
#define KPROMOTED_CONFIRM_H

#include <linux/types.h>

/*
 * Hands a nominee to the confirmation stage; any context, NMI included.
 * False when the mailbox is full or the stage is not running.
 */
bool kp_confirm_nominate(u64 pfn, int anid);
int kp_confirm_init(void);
void kp_confirm_exit(void);
unsigned int kp_confirm_trials(void);
u64 kp_confirm_bytes(void);
struct seq_file;
void kp_confirm_show(struct seq_file *m);

#endif
