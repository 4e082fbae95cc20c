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

/* promote/workers.c: the workers of each fast node, migrating what they are handed. */
int kp_workers_init(void);
void kp_workers_exit(void);
bool kp_worker_exists(int nid);
/* Pages node nid may take: room above its watermarks, less min_free_pct. */
unsigned long kp_node_room(int nid);
/* What nid may be handed now: its room, or a queue's worth when room can be made there. */
unsigned long kp_node_capacity(int nid);
u32 kp_worker_pending(int nid);
/* Hands pfn to nid's workers; false when their queue is full. */
bool kp_worker_queue(int nid, u64 pfn, u32 seen);
/* Runs nid's workers (soon, on that node). */
void kp_worker_kick(int nid);
u64 kp_rate_bytes_per_s(void);
/* The rate limit (both directions): takes up to bytes, returns what it took. */
u64 kp_rate_take(u64 bytes);
void kp_rate_refund(u64 bytes);
void kp_workers_show(struct seq_file *m);

/* promote/room.c: room on a full fast node, by demoting its cold pages. */
int kp_room_init(void);
void kp_room_exit(void);
/* NULL when room can be made on fast node nid, else why not. */
const char *kp_room_unavailable(int nid);
/* Arms a little of a full node ahead of need (the sweep, every 250 ms). */
void kp_room_prepare(int nid);
/* `idle` follows the ping-pongs seen (the sweep, every round); and what it is now. */
void kp_room_adapt(void);
u32 kp_room_idle_ms(void);
/*
 * Demotes up to need cold pages of nid (within the rate limit); returns
 * how many went. backlog: pages waiting beyond these, to find cold ones for.
 */
unsigned long kp_room_make(int nid, unsigned long need, unsigned long backlog);
/* Time in the units of kp_room_demoted() (16 ms, 26 bits). */
u32 kp_room_stamp(void);
/* Notes the frames a promotion filled: not demoted for room within a minute. */
void kp_room_promoted(const u64 *pfns, u32 n);
enum kp_demoted {
	KP_NOT_DEMOTED,
	KP_DEMOTED_BEFORE,	/* demoted there, then found hot again: a ping-pong */
	KP_DEMOTED_SINCE,	/* the frame was refilled by a demotion: stale */
};
/*
 * Did kpromoted demote a page into frame pfn within the last minute, before
 * or after queued? If so, *ago_ms says how long ago.
 */
enum kp_demoted kp_room_demoted(u64 pfn, u32 queued, u32 *ago_ms);
u64 kp_room_bytes(void);
void kp_room_show(struct seq_file *m);

/*
 * promote/dispatch.c: confirmed pages to workers (process context, one
 * caller at a time): begin a round, hand pages, end it (the workers that
 * got pages start).
 */
enum kp_dispatch_result {
	KP_DISPATCH_QUEUED,	/* a worker has it */
	KP_DISPATCH_QUEUE_FULL,	/* try again next round */
	KP_DISPATCH_DONE,	/* nothing more to do: observed, no room, policy, or moved */
	KP_DISPATCH_BUSY,	/* its policy could not be read now (lock contended) */
};
void kp_dispatch_begin(void);
/* seen: when the page was found hot in that frame (kp_room_stamp()). */
enum kp_dispatch_result kp_dispatch(u64 pfn, int anid, u32 seen);
void kp_dispatch_end(void);
/* Bytes of confirmed pages dispatched since the last call (the threshold's input). */
u64 kp_dispatch_take_bytes(void);

#endif
