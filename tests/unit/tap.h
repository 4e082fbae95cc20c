/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal TAP for the host unit tests: CHECK() records, tap_done() sums up. */
#ifndef KP_TAP_H
#define KP_TAP_H
#include <stdio.h>

static int tap_n, tap_failed;

#define CHECK(cond, ...) do {						\
	tap_n++;							\
	if (cond) {							\
		printf("ok %d - ", tap_n);				\
	} else {							\
		tap_failed++;						\
		printf("not ok %d - %s:%d: ", tap_n, __FILE__, __LINE__); \
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

static inline int tap_done(const char *suite)
{
	printf("1..%d\n# %s: %d passed, %d failed\n", tap_n, suite,
	       tap_n - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}
#endif
