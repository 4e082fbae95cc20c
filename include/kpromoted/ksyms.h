/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel function kpromoted calls that is not exported, in one table.
 *
 * Each one is resolved once at load into a kp_addr_<name> variable and
 * reached only through its kp_call_<name> stub (src/compat/ksym_thunk.S).
 * The stub pushes the address and returns into it. Why not a function
 * pointer: on kernels built with X86_KERNEL_IBT, functions that the kernel
 * only calls directly have their ENDBR sealed at boot, and an indirect
 * call or jump into them raises #CP. RET is not checked by IBT, so a
 * push/ret enters the function exactly as a direct call would (the stack
 * the target sees is the caller's, stack arguments included).
 *
 * Only src/compat may include this file; the rest of the module calls the
 * kp_compat_* wrappers in kpromoted/compat.h. tests/unit checks both rules.
 */
#ifndef KPROMOTED_KSYMS_H
#define KPROMOTED_KSYMS_H

#define KP_KSYM_REQUIRED 1
#define KP_KSYM_OPTIONAL 0

/*
 * X(name, required, feature): feature is what stops working when an
 * optional symbol is missing. The order is the order of `symbols` in debugfs.
 */
#define KP_KSYMS(X)							\
	X(node_is_toptier, KP_KSYM_OPTIONAL, "kernel memory tiers")	\
	X(folio_isolate_lru, KP_KSYM_REQUIRED, "promotion")		\
	X(migrate_pages, KP_KSYM_REQUIRED, "promotion")			\
	X(putback_movable_pages, KP_KSYM_REQUIRED, "promotion")		\
	X(try_to_inc_max_seq, KP_KSYM_OPTIONAL, "MGLRU scanner")		\
	X(mem_cgroup_iter, KP_KSYM_OPTIONAL, "MGLRU scanner")		\
	X(rmap_walk, KP_KSYM_OPTIONAL, "confirmation")			\
	X(folio_lock_anon_vma_read, KP_KSYM_OPTIONAL, "confirmation")	\
	X(page_vma_mapped_walk, KP_KSYM_OPTIONAL, "confirmation")	\
	X(flush_tlb_mm_range, KP_KSYM_OPTIONAL, "confirmation")		\
	X(next_demotion_node, KP_KSYM_OPTIONAL, "the kernel's demotion targets")

/*
 * Kernel variables kpromoted adjusts while loaded (no stub: they are read
 * and written, never called). Same X(name, required, feature) form.
 */
#define KP_KDATA(X)							\
	X(sysctl_numa_balancing_scan_period_max, KP_KSYM_OPTIONAL,	\
	  "hint-fault scan period cap")					\
	X(numa_demotion_enabled, KP_KSYM_OPTIONAL,			\
	  "making room: demotion_enabled, read only")

#ifndef __ASSEMBLY__
#include <linux/types.h>
struct seq_file;

/* Filled by kp_ksyms_resolve(); 0 = missing. */
#define KP_KSYM_ADDR_DECL(name, req, feat) extern unsigned long kp_addr_##name;
extern unsigned long kp_addr_kallsyms_lookup_name;
KP_KSYMS(KP_KSYM_ADDR_DECL)
KP_KDATA(KP_KSYM_ADDR_DECL)
#undef KP_KSYM_ADDR_DECL

int kp_ksyms_resolve(void);
unsigned long kp_ksym_entry(const char *name);
bool kp_ksyms_kernel_text(unsigned long *start, unsigned long *end);
/*
 * src/compat/protos.c: after kp_ksyms_resolve(), every resolved function's
 * prototype against the kernel's BTF (src/compat/kabi.h states them) and
 * the direct calls of each hooked one. A required mismatch: -ENOEXEC; an
 * optional one: its kp_addr_ is cleared (missing); a hook's: refused.
 */
int kp_protos_check(void);
/* Why the hook on func must not be armed, or NULL. */
const char *kp_protos_hook_refusal(const char *func);
/* The " btf ..." end of name's debugfs `symbols` line. */
const char *kp_protos_state(const char *name);
void kp_protos_show_hooks(struct seq_file *m);
bool kp_ksym_canary_call(void);
bool kp_ksym_present(unsigned long addr);
void kp_ksyms_show(struct seq_file *m);

/*
 * The stubs more than one file calls. The others are declared where they
 * are called, beside the kernel version test their prototype depends on.
 */
struct folio;
struct rmap_walk_control;
void kp_call_rmap_walk(struct folio *folio, struct rmap_walk_control *rwc);
/*
 * src/compat/rmap.c: rmap_walk() of a folio kpromoted holds a reference
 * to but has not locked, with the lock its kind needs taken the way the
 * kernel's own walkers of unlocked folios take it: a file or KSM folio
 * locked (trylock), an anon folio's anon_vma found and pinned under RCU
 * (folio_lock_anon_vma_read as rwc->anon_lock). -EBUSY: a lock was
 * contended (rwc->try_lock is set), nothing walked or part of it.
 */
int kp_compat_rmap_walk(struct folio *folio, struct rmap_walk_control *rwc);
/* Both symbols kp_compat_rmap_walk() calls were resolved. */
bool kp_compat_rmap_walk_present(void);
#endif

#endif
