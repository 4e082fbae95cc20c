/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counting the direct calls and jumps to given functions in a piece of x86-64
 * machine code (src/compat/callsite.c). Pure: built into the module, where
 * src/compat/protos.c runs it over the kernel's text to find out whether a
 * hooked function was inlined or cloned at some of its call sites, and into
 * the host unit tests.
 *
 * What counts as a call of target t: call rel32 (E8), jmp rel32 (E9), jcc
 * rel32 (0F 80..8F) and jmp rel8 (EB) whose destination is t, t + 4 (past
 * an ENDBR) or up to 16 bytes before t (the kernel's call-depth thunks sit
 * in the padding before a function and direct calls are redirected there).
 * The code is not decoded: a byte sequence inside another instruction can
 * look like a call. For one exact 32-bit displacement that happens about
 * once in 2^32 positions, so it can only make a count too high, never too
 * low, and almost never does.
 */
#ifndef KPROMOTED_CALLSITE_H
#define KPROMOTED_CALLSITE_H

#include "kpromoted/policy.h"

#define KP_CALLSITE_MAX_TARGETS 4
/* Bytes a caller must make readable past the end of each piece: the longest form. */
#define KP_CALLSITE_TAIL 6

/*
 * Adds to counts[i] the calls to targets[i] that start in code[0..len): code
 * is at address base, and code[len..len + tail) may be read (the next piece's
 * first bytes, tail <= KP_CALLSITE_TAIL; 0 at the end of the text).
 */
void kp_callsite_count(const unsigned char *code, size_t len, size_t tail, u64 base,
		       const u64 *targets, unsigned int nr, unsigned int *counts);

#endif
