/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perf_event_overflow() is not exported: the test PMU resolves it and
 * enters it as kpromoted enters its resolved functions (src/compat/
 * ksym_thunk.S): push the address, RET into it (the kernel's RET, a return
 * thunk where the kernel has one). No indirect CALL/JMP: IBT never checks
 * the sealed ENDBR of a function the kernel only calls directly.
 */
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <linux/version.h>
#include <asm/unwind_hints.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define TP_STUB_HINT UNWIND_HINT_UNDEFINED
#else
#define TP_STUB_HINT UNWIND_HINT_EMPTY
#endif
#ifndef ANNOTATE_NOENDBR
#define ANNOTATE_NOENDBR
#endif

	.text
	.p2align 4
SYM_CODE_START(tp_call_perf_event_overflow)
	TP_STUB_HINT
	ANNOTATE_NOENDBR
	pushq	tp_addr_perf_event_overflow(%rip)
	UNWIND_HINT_FUNC
	RET
	int3
SYM_CODE_END(tp_call_perf_event_overflow)
