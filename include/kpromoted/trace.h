/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpromoted's trace events (tracefs: events/kpromoted/, perf: -e 'kpromoted:*').
 *   promote_batch  one promotion batch: from and to node, pages attempted/moved, outcome
 *   demote_batch   one batch of cold fast pages demoted for room, the same fields
 *   repromote      a page kpromoted demoted, found hot again: its frame, its index
 *                  (for anonymous memory the virtual page number), how long ago
 *   record_drop    an access a source reported that the hotness table could not keep
 * They may fire in any context the caller runs in (record_drop: NMI included); an
 * event costs nothing while disabled.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kpromoted

#if !defined(KPROMOTED_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define KPROMOTED_TRACE_H

#include <linux/tracepoint.h>
#include "kpromoted/policy.h"

/* Why record_drop fired. */
#define KP_DROP_TABLE_FULL	0	/* bucket full of live entries, or contention */

/* How a batch ended: every page moved, some, none. */
#define KP_BATCH_OK		0
#define KP_BATCH_PARTIAL	1
#define KP_BATCH_FAILED		2

/* One migration batch, either way. */
DECLARE_EVENT_CLASS(migrate_batch,
	TP_PROTO(int from_nid, int to_nid, unsigned long attempted, unsigned long moved),
	TP_ARGS(from_nid, to_nid, attempted, moved),
	TP_STRUCT__entry(
		__field(int, from_nid)
		__field(int, to_nid)
		__field(unsigned long, attempted)
		__field(unsigned long, moved)
		__field(int, outcome)
	),
	TP_fast_assign(
		__entry->from_nid = from_nid;
		__entry->to_nid = to_nid;
		__entry->attempted = attempted;
		__entry->moved = moved;
		__entry->outcome = moved >= attempted ? KP_BATCH_OK :
				   moved ? KP_BATCH_PARTIAL : KP_BATCH_FAILED;
	),
	TP_printk("from=%d to=%d attempted=%lu moved=%lu outcome=%s",
		  __entry->from_nid, __entry->to_nid, __entry->attempted, __entry->moved,
		  __print_symbolic(__entry->outcome,
				   { KP_BATCH_OK, "ok" },
				   { KP_BATCH_PARTIAL, "partial" },
				   { KP_BATCH_FAILED, "failed" }))
);

DEFINE_EVENT(migrate_batch, promote_batch,
	TP_PROTO(int from_nid, int to_nid, unsigned long attempted, unsigned long moved),
	TP_ARGS(from_nid, to_nid, attempted, moved)
);

DEFINE_EVENT(migrate_batch, demote_batch,
	TP_PROTO(int from_nid, int to_nid, unsigned long attempted, unsigned long moved),
	TP_ARGS(from_nid, to_nid, attempted, moved)
);

TRACE_EVENT(repromote,
	TP_PROTO(unsigned long pfn, unsigned long index, unsigned int nr, bool anon,
		 unsigned int ago_ms),
	TP_ARGS(pfn, index, nr, anon, ago_ms),
	TP_STRUCT__entry(
		__field(unsigned long, pfn)
		__field(unsigned long, index)
		__field(unsigned int, nr)
		__field(bool, anon)
		__field(unsigned int, ago_ms)
	),
	TP_fast_assign(
		__entry->pfn = pfn;
		__entry->index = index;
		__entry->nr = nr;
		__entry->anon = anon;
		__entry->ago_ms = ago_ms;
	),
	TP_printk("pfn=0x%lx index=0x%lx nr=%u anon=%d ago_ms=%u", __entry->pfn, __entry->index,
		  __entry->nr, __entry->anon, __entry->ago_ms)
);

TRACE_EVENT(record_drop,
	TP_PROTO(unsigned long pfn, unsigned int source, int reason),
	TP_ARGS(pfn, source, reason),
	TP_STRUCT__entry(
		__field(unsigned long, pfn)
		__field(unsigned int, source)
		__field(int, reason)
	),
	TP_fast_assign(
		__entry->pfn = pfn;
		__entry->source = source;
		__entry->reason = reason;
	),
	TP_printk("pfn=0x%lx source=%s reason=%s",
		  __entry->pfn,
		  __print_symbolic(__entry->source,
				   { KP_SRC_HINTFAULT, "hintfault" },
				   { KP_SRC_MGLRU, "mglru" },
				   { KP_SRC_IBS, "ibs" },
				   { KP_SRC_PEBS, "pebs" }),
		  __print_symbolic(__entry->reason,
				   { KP_DROP_TABLE_FULL, "table_full" }))
);

#endif /* KPROMOTED_TRACE_H */

/* Out of tree: define_trace.h finds this file as "kpromoted/trace.h" under -I$(src)/include. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH kpromoted
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
