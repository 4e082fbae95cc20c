// SPDX-License-Identifier: GPL-2.0
#include "kpromoted/kpromoted.h"
#include "kpromoted/stats.h"

void kp_record_access(unsigned long pfn, int accessing_nid, enum kp_source_id src)
{
	kp_stat_inc(KP_STAT_records);
}
