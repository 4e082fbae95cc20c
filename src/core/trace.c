// SPDX-License-Identifier: GPL-2.0
/* Instantiates kpromoted's trace events (include/kpromoted/trace.h). */
#define CREATE_TRACE_POINTS
#include "kpromoted/trace.h"
