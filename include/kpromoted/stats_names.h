/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The names of the counters in debugfs `stats`, with no kernel dependency, so
 * kpromotedctl (its Prometheus view tells counters from gauges by this list)
 * and the host tests use the module's own list. Names are a stable interface:
 * append, never rename. Everything else in `stats` is a gauge.
 */
#ifndef KPROMOTED_STATS_NAMES_H
#define KPROMOTED_STATS_NAMES_H

#define KP_STATS(X)						\
	X(records)		/* accesses recorded by all sources */	\
	X(records_hintfault)					\
	X(records_mglru)					\
	X(records_ibs)						\
	X(records_pebs)						\
	X(records_dropped)	/* not recorded: bucket hotter, or busy */ \
	X(records_evicted)	/* took the slot of a colder entry */ \
	X(records_not_slow)	/* hint fault, sample on a fast node */	\
	X(records_filtered)	/* excluded by the process filter */	\
	X(records_late)		/* hint fault long after the scan */	\
	X(hintfault_suppressed)	/* kernel migration left to us */	\
	X(candidates)		/* pages classified hot */		\
	X(promoted_pages)					\
	X(promoted_bytes)					\
	X(promote_batches)					\
	X(skipped_rate_limit)	/* deferred by the limit (per round) */	\
	X(skipped_no_room)					\
	X(skipped_not_slow)					\
	X(skipped_offline)					\
	X(skipped_pinned)					\
	X(skipped_not_lru)					\
	X(failed_isolate)					\
	X(failed_migrate)					\
	X(mglru_scans)		/* aging passes of the scan thread */	\
	X(mglru_lruvecs_aged)					\
	X(mglru_scan_cpu_ns)	/* CPU time of those passes */	\
	X(records_forgotten)	/* sightings erased by a late fault */ \
	X(nominated)		/* heat reached the threshold: on trial */ \
	X(nominations_refused)	/* trial mailbox full: nominated later */ \
	X(confirm_looks)	/* looks at a nominee's accessed bits */ \
	X(confirm_hot)		/* nominees found young in every look */ \
	X(confirm_cold)		/* nominees found idle: forgotten */	\
	X(confirm_gone)		/* nominees freed, moved or unmapped */	\
	X(skipped_queue_full)	/* confirmed, workers' queues full */	\
	X(waiting_for_room)	/* full fast node: wait while room is made (per run) */ \
	X(demoted_for_room)	/* cold fast pages demoted in exchange */ \
	X(room_kswapd_woken)	/* at that bound below the low watermark: kswapd woken to lift it */ \
	X(room_owed_full)	/* full fast node: its demoted-not-yet-filled bound reached (per run) */ \
	X(room_forgiven)	/* pages no longer owed: others took that room, unpaid for 2 s */ \
	X(room_armed)		/* fast pages whose accessed bits were cleared to find cold ones */ \
	X(room_kept)		/* of those, found in use: they stay */	\
	X(room_kept_flushed)	/* found idle, then in use after a TLB flush */ \
	X(room_kept_promoted)	/* found idle, but promoted by kpromoted within a minute */ \
	X(repromoted)		/* promoted again within a minute of our demotion */ \
	X(migrate_retried)	/* async migration failed, retried sync-light */ \
	X(skipped_stale)	/* queued frame refilled by our demotion since */ \
	X(skipped_policy)	/* confirmed, its memory policy or cpuset keeps it */ \
	X(hwsample_samples)	/* IBS/PEBS samples delivered to the handler */ \
	X(hwsample_slow)	/* of those, on a slow node: recorded */ \
	X(hwsample_throttled)	/* over the per-CPU ceiling: dropped */ \
	X(hwsample_lost)	/* no usable data address (not a load/store, no phys addr, filtered) */ \
	X(hwsample_period_raised) /* the period doubled to stay under the ceiling */ \
	X(promote_ns)		/* workers' time in batches (grab, isolate, migrate), room waits out */ \
	X(promote_busy_ns)	/* time a node had a worker in a batch, summed over nodes */

#endif
