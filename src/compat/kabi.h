/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which variant of each non-exported kernel function kpromoted calls or
 * hooks this build uses, chosen by kernel version once, here, and right
 * beside each choice the prototype that variant stands for, as the running
 * kernel's BTF must show it (src/compat/protos.c checks every one at load:
 * a stable backport that changed one must not get wrong arguments).
 *
 * KP_PROTO_<name>: the prototype, spelled as kpromoted/btf.h renders BTF
 * (DWARF's base type names: "long unsigned int"; typedef names as they
 * are; no parameter names). NULL: this build does not call the function
 * on this kernel, nothing to check. protos.c makes the table of them from
 * KP_KSYMS and kp_hook_targets: an entry without its KP_PROTO_ does not build.
 *
 * KP_CALLSITES_<hooked function>: its direct calls in the kernel's source
 * of this variant. A probe sits on the function's out-of-line copy; where
 * fewer direct calls to that copy are found in the kernel's text, the
 * compiler inlined (or cloned) it at some call site and the probe would
 * miss those calls (protos.c). 0: not known for this kernel, not checked.
 *
 * The three releases this is verified on (make vm-check): 6.1 (Debian 12),
 * 6.12 (Debian 13), 7.2 (Debian unstable). Boundaries between them come
 * from the kernel's history as far as known; one that is wrong makes the
 * load refuse (or the feature off) with one line, never a wrong call.
 */
#ifndef KPROMOTED_KABI_H
#define KPROMOTED_KABI_H

#include <linux/version.h>

#define KP_V(a, b) KERNEL_VERSION(a, b, 0)

/* The same on every kernel kpromoted builds for (6.1 and later). */
#define KP_PROTO_kallsyms_lookup_name \
	"long unsigned int kallsyms_lookup_name(const char *)"
#define KP_PROTO_node_is_toptier "bool node_is_toptier(int)"
#define KP_PROTO_putback_movable_pages "void putback_movable_pages(struct list_head *)"
#define KP_PROTO_mem_cgroup_iter						\
	"struct mem_cgroup *mem_cgroup_iter(struct mem_cgroup *, struct mem_cgroup *, "	\
	"struct mem_cgroup_reclaim_cookie *)"
#define KP_PROTO_rmap_walk "void rmap_walk(struct folio *, struct rmap_walk_control *)"
/*
 * folio_lock_anon_vma_read, the anon_lock of kpromoted's rmap walks
 * (src/compat/rmap.c): its folio became const between 6.12 and 7.2
 * (assumed from 6.16). KP_ANON_LOCK_CONST qualifies the callback's folio.
 */
#if LINUX_VERSION_CODE < KP_V(6, 16)
#define KP_ANON_LOCK_CONST
#define KP_PROTO_folio_lock_anon_vma_read					\
	"struct anon_vma *folio_lock_anon_vma_read(struct folio *, "		\
	"struct rmap_walk_control *)"
#else
#define KP_ANON_LOCK_CONST const
#define KP_PROTO_folio_lock_anon_vma_read					\
	"struct anon_vma *folio_lock_anon_vma_read(const struct folio *, "	\
	"struct rmap_walk_control *)"
#endif
#define KP_PROTO_page_vma_mapped_walk \
	"bool page_vma_mapped_walk(struct page_vma_mapped_walk *)"
#define KP_PROTO_flush_tlb_mm_range						\
	"void flush_tlb_mm_range(struct mm_struct *, long unsigned int, "	\
	"long unsigned int, unsigned int, bool)"

/* 6.3 moved the migration callbacks from pages to folios. */
#if LINUX_VERSION_CODE < KP_V(6, 3)
#define KP_MIGRATE_FOLIO_CB 0
#define KP_PROTO_migrate_pages							\
	"int migrate_pages(struct list_head *, new_page_t *, free_page_t *, "	\
	"long unsigned int, enum migrate_mode, int, unsigned int *)"
#else
#define KP_MIGRATE_FOLIO_CB 1
#define KP_PROTO_migrate_pages							\
	"int migrate_pages(struct list_head *, new_folio_t *, free_folio_t *, "	\
	"long unsigned int, enum migrate_mode, int, unsigned int *)"
#endif

/* 6.4 turned folio_isolate_lru's 0-on-success int into a bool. */
#if LINUX_VERSION_CODE < KP_V(6, 4)
#define KP_ISOLATE_LRU_BOOL 0
#define KP_PROTO_folio_isolate_lru "int folio_isolate_lru(struct folio *)"
#else
#define KP_ISOLATE_LRU_BOOL 1
#define KP_PROTO_folio_isolate_lru "bool folio_isolate_lru(struct folio *)"
#endif

/*
 * next_demotion_node: 6.1-6.12 take the node only; 7.2 adds a mask of
 * allowed targets (assumed from 7.0). kpromoted passes both arguments,
 * right for either (src/compat/mm.c), but only a stated one is called.
 */
#if LINUX_VERSION_CODE < KP_V(7, 0)
#define KP_PROTO_next_demotion_node "int next_demotion_node(int)"
#else
#define KP_PROTO_next_demotion_node "int next_demotion_node(int, const nodemask_t *)"
#endif

/*
 * MGLRU aging, try_to_inc_max_seq() (src/compat/mglru.c). Its arguments
 * changed twice, so only the releases we know get a call:
 *   6.1:  (lruvec, max_seq, scan_control *sc, can_swap, force_scan)
 *   6.12: (lruvec, max_seq, can_swap, force_scan)
 *   7.2:  (lruvec, max_seq, swappiness, force_scan)
 * Other kernels report the scanner unavailable rather than guess an ABI.
 */
#if LINUX_VERSION_CODE >= KP_V(6, 1) && LINUX_VERSION_CODE < KP_V(6, 2)
#define KP_AGING_ABI 1
#define KP_PROTO_try_to_inc_max_seq						\
	"bool try_to_inc_max_seq(struct lruvec *, long unsigned int, "		\
	"struct scan_control *, bool, bool)"
#elif LINUX_VERSION_CODE >= KP_V(6, 12) && LINUX_VERSION_CODE < KP_V(6, 13)
#define KP_AGING_ABI 2
#define KP_PROTO_try_to_inc_max_seq						\
	"bool try_to_inc_max_seq(struct lruvec *, long unsigned int, bool, bool)"
#elif LINUX_VERSION_CODE >= KP_V(7, 2) && LINUX_VERSION_CODE < KP_V(7, 3)
#define KP_AGING_ABI 3
#define KP_PROTO_try_to_inc_max_seq						\
	"bool try_to_inc_max_seq(struct lruvec *, long unsigned int, int, bool)"
#else
#define KP_AGING_ABI 0
#define KP_PROTO_try_to_inc_max_seq NULL
#endif

/*
 * The hooked functions (src/compat/hook_targets.c decodes their arguments;
 * only the first three or four, the same types in every variant).
 *
 * should_numa_migrate_memory: a page until 6.6, a folio since 6.7. One
 * call, in mpol_misplaced() (mm/mempolicy.c), another file than its own
 * (kernel/sched/fair.c): without LTO it cannot be inlined there.
 */
#if LINUX_VERSION_CODE < KP_V(6, 7)
#define KP_PROTO_should_numa_migrate_memory					\
	"bool should_numa_migrate_memory(struct task_struct *, struct page *, int, int)"
#else
#define KP_PROTO_should_numa_migrate_memory					\
	"bool should_numa_migrate_memory(struct task_struct *, struct folio *, int, int)"
#endif
#define KP_CALLSITES_should_numa_migrate_memory 1

/*
 * get_pfn_folio: static in mm/vmscan.c, called from walk_pte_range(),
 * walk_pmd_range_locked() and lru_gen_look_around(), the very file where
 * the compiler may inline it. 6.14 dropped its last argument (can_swap).
 */
#if LINUX_VERSION_CODE < KP_V(6, 14)
#define KP_PROTO_get_pfn_folio							\
	"struct folio *get_pfn_folio(long unsigned int, struct mem_cgroup *, "	\
	"struct pglist_data *, bool)"
#else
#define KP_PROTO_get_pfn_folio							\
	"struct folio *get_pfn_folio(long unsigned int, struct mem_cgroup *, "	\
	"struct pglist_data *)"
#endif
#define KP_CALLSITES_get_pfn_folio 3

#endif
