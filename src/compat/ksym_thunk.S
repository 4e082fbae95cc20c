/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IBT-safe entry into resolved kernel functions (see kpromoted/ksyms.h).
 *
 * kp_call_<name>:  pushq kp_addr_<name>(%rip); RET
 *
 * The caller reaches the stub with a direct CALL (no ENDBR needed), the
 * stub leaves the stack exactly as the caller built it plus the pushed
 * target, and the return pops the target: the function starts with the
 * caller's return address on top, as after a direct call. No indirect
 * CALL or JMP exists on this path, so a sealed ENDBR is never consulted.
 *
 * The return is the kernel's own RET (<linux/linkage.h>): on kernels that
 * mitigate retbleed/SRSO with a return thunk it is a jmp to
 * __x86_return_thunk, which objtool lists in .return_sites so the kernel
 * patches it like its own returns. A bare ret here would be an
 * unmitigated return on every call.
 *
 * The same file is assembled on the host by tests/unit (without
 * __KERNEL__) to test the mechanism, and by the test-only PMU
 * (tests/testpmu) with a list of its own (KP_KSYMS, KP_THUNK_LISTED_ONLY).
 */
#ifdef __KERNEL__
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/unwind_hints.h>
#ifndef KP_KSYMS
#include "kpromoted/ksyms.h"
#endif
/*
 * The stub is code, not a C-ABI function: its CFA is left undefined for
 * objtool until the push makes the stack look like a function entry.
 */
#include <linux/version.h>
/* 6.4 renamed the "no CFA here" unwind hint (an assembler macro). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define KP_STUB_HINT UNWIND_HINT_UNDEFINED
#else
#define KP_STUB_HINT UNWIND_HINT_EMPTY
#endif
#define KP_STUB_RET_HINT UNWIND_HINT_FUNC
#ifndef ANNOTATE_NOENDBR
#define ANNOTATE_NOENDBR
#endif
#else
#define KP_STUB_HINT
#define KP_STUB_RET_HINT
#define ANNOTATE_NOENDBR
/* The host test models a return-thunk kernel and supplies the thunk. */
#define RET jmp __x86_return_thunk
#define SYM_CODE_START(name) .globl name; .type name, @function; name:
#define SYM_CODE_END(name) .size name, . - name
#ifndef KP_KSYMS
#include "kpromoted/ksyms.h"
#endif
#endif

	.text
.macro kp_stub name
	.p2align 4
SYM_CODE_START(kp_call_\name)
	KP_STUB_HINT
	ANNOTATE_NOENDBR
	pushq	kp_addr_\name(%rip)
	/* Now the stack looks like function entry: RET "returns" into the target. */
	KP_STUB_RET_HINT
	RET
	int3
SYM_CODE_END(kp_call_\name)
.endm

#define KP_STUB(name, req, feat) kp_stub name;
#ifndef KP_THUNK_LISTED_ONLY
	kp_stub kallsyms_lookup_name
#endif
	KP_KSYMS(KP_STUB)

#ifndef __KERNEL__
	.section .note.GNU-stack, "", @progbits
#endif
