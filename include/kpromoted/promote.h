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

/* core/sweep.c: expiry, region decay, the adaptive thresholds. */
int kp_sweep_init(void);
void kp_sweep_exit(void);
/* The hint-fault latency bound in force (hint_latency_ms, lowered under table pressure). */
u32 kp_hint_latency_limit(void);
struct seq_file;
void kp_sweep_show(struct seq_file *m);

/* promote/workers.c: one worker per fast node, migrating what it is handed. */
int kp_workers_init(void);
void kp_workers_exit(void);
bool kp_worker_exists(int nid);
/* Pages node nid may take: room above its watermarks, less min_free_pct. */
unsigned long kp_node_room(int nid);
u32 kp_worker_pending(int nid);
/* Hands pfn to nid's worker; false when its queue is full. */
bool kp_worker_queue(int nid, u64 pfn);
/* Runs nid's worker (soon, on that node). */
void kp_worker_kick(int nid);
u64 kp_rate_bytes_per_s(void);
void kp_workers_show(struct seq_file *m);

/*
 * promote/dispatch.c: confirmed pages to workers (process context, one
 * caller at a time): begin a round, hand pages, end it (the workers that
 * got pages start).
 */
enum kp_dispatch_result {
	KP_DISPATCH_QUEUED,	/* a worker has it */
	KP_DISPATCH_QUEUE_FULL,	/* try again next round */
	KP_DISPATCH_DONE,	/* nothing more to do: observed, no room, or moved */
};
void kp_dispatch_begin(void);
enum kp_dispatch_result kp_dispatch(u64 pfn, int anid);
void kp_dispatch_end(void);
/* Bytes of confirmed pages dispatched since the last call (the threshold's input). */
u64 kp_dispatch_take_bytes(void);

#endif
