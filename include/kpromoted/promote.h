/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KPROMOTED_PROMOTE_H
#define KPROMOTED_PROMOTE_H

#include "kpromoted/table.h"

/* record.c: the table behind kp_record_access(). */
extern struct kp_table kp_tbl;
extern struct kp_regions kp_regions;
u64 kp_region_bytes(void);
int kp_table_init(void);
void kp_table_exit(void);
u32 kp_now_ticks(void);
u64 kp_table_bytes(void);

/* promote.c: the sweep that picks candidates and the per-node workers. */
int kp_promote_init(void);
/* The hint-fault latency bound in force (hint_latency_ms, lowered under table pressure). */
u32 kp_hint_latency_limit(void);
void kp_promote_exit(void);

/*
 * Dispatch of confirmed pages (process context, one caller at a time):
 * begin a round, hand pages, end it (the workers that got pages start).
 */
enum kp_dispatch_result {
	KP_DISPATCH_QUEUED,	/* a worker has it */
	KP_DISPATCH_QUEUE_FULL,	/* try again next round */
	KP_DISPATCH_DONE,	/* nothing more to do: observed, no room, or moved */
};
void kp_dispatch_begin(void);
enum kp_dispatch_result kp_dispatch(u64 pfn, int anid);
void kp_dispatch_end(void);
struct seq_file;
void kp_promote_show(struct seq_file *m);

#endif
