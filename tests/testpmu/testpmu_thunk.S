/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perf_event_overflow() is not exported: the test PMU resolves it and
 * enters it through kpromoted's own stub, src/compat/ksym_thunk.S, which
 * scripts/build-testpmu.sh copies beside this file: one implementation of
 * the IBT-safe, return-thunk-correct entry, here with a list of one.
 */
#define KP_KSYMS(X) X(perf_event_overflow, 1, "test PMU")
#define KP_THUNK_LISTED_ONLY
#include "ksym_thunk.S"
