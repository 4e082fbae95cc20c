// SPDX-License-Identifier: GPL-2.0
/*
 * Direct calls to given functions in x86-64 code (see kpromoted/callsite.h).
 * Pure: built into the module and the host unit tests.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include <string.h>
#endif
#include "kpromoted/callsite.h"

static void kp_callsite_hit(u64 dest, const u64 *targets, unsigned int nr,
			    unsigned int *counts)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (dest == targets[i] + 4 || (dest <= targets[i] && targets[i] - dest <= 16))
			counts[i]++;
}

#define KP_ONES 0x0101010101010101ULL
#define KP_HIGHS 0x8080808080808080ULL
/* Non-zero when a byte of v is 0. */
#define KP_HAS_ZERO(v) (((v) - KP_ONES) & ~(v) & KP_HIGHS)

/*
 * Non-zero when one of the 8 bytes at p is E8, E9, EB or 0F. Most runs of
 * 8 bytes hold none, and one test for all 8 is several times fewer
 * instructions (and branches) than 8 byte tests: under QEMU's TCG, where
 * the guest tests run, that is what a load pays for the scan.
 */
static u64 kp_may_start_call(const unsigned char *p)
{
	u64 w;

	memcpy(&w, p, sizeof(w));
	return KP_HAS_ZERO((w & ~KP_ONES) ^ (0xe8 * KP_ONES)) |
	       KP_HAS_ZERO(w ^ (0xeb * KP_ONES)) | KP_HAS_ZERO(w ^ (0x0f * KP_ONES));
}

void kp_callsite_count(const unsigned char *code, size_t len, size_t tail, u64 base,
		       const u64 *targets, unsigned int nr, unsigned int *counts)
{
	size_t i, end = len + tail;

	for (i = 0; i < len; i++) {
		unsigned char op;
		int rel;	/* 32 bits, here and in the kernel */

		if (!(i & 7) && i + 8 <= len && !kp_may_start_call(code + i)) {
			i += 7;
			continue;
		}
		op = code[i];
		if (op != 0xe8 && op != 0xe9 && op != 0xeb && op != 0x0f)
			continue;
		if ((op == 0xe8 || op == 0xe9) && i + 5 <= end) {
			memcpy(&rel, code + i + 1, sizeof(rel));
			kp_callsite_hit(base + i + 5 + (u64)(long long)rel, targets, nr, counts);
		} else if (op == 0xeb && i + 2 <= end) {
			kp_callsite_hit(base + i + 2 + (u64)(long long)(signed char)code[i + 1],
					targets, nr, counts);
		} else if (op == 0x0f && i + 6 <= end && (code[i + 1] & 0xf0) == 0x80) {
			memcpy(&rel, code + i + 2, sizeof(rel));
			kp_callsite_hit(base + i + 6 + (u64)(long long)rel, targets, nr, counts);
		}
	}
}
