// SPDX-License-Identifier: GPL-2.0
/* The parameter table (include/kpromoted/params.h, src/core/param_table.c). */
#include <string.h>
#include "tap.h"
#include "kpromoted/params.h"

static void test_param_table(void)
{
	struct kp_param_value v, all[KP_NR_PARAMS];
	enum kp_param_id bad, other;
	const char *why = NULL;
	int i, ok = 1;

	for (i = 0; i < KP_NR_PARAMS; i++)
		ok &= !kp_param_parse(i, kp_param_specs[i].def, &all[i], &why);
	CHECK(ok, "every default parses");
	CHECK(!kp_params_check_pairs(all, &bad, &other, &why), "the defaults agree with each other");
	CHECK(kp_param_index("mode", 4) == KP_PARAM_mode && kp_param_index("mod", 3) < 0,
	      "lookup by exact name");
	CHECK(!kp_param_parse(KP_PARAM_hintfault_period_max_ms, "0", &v, &why) && v.num == 0,
	      "scan-period cap 0 = keep the kernel's");
	CHECK(kp_param_parse(KP_PARAM_hintfault_period_max_ms, "999", &v, &why), "cap below 1000 refused");
	CHECK(!kp_param_parse(KP_PARAM_hintfault_period_max_ms, "1000", &v, &why), "cap 1000 accepted");
	CHECK(!kp_param_parse(KP_PARAM_inject_fail, "symbol:migrate_pages", &v, &why) &&
	      !strcmp(v.inject, "symbol:migrate_pages"), "inject a symbol");
	CHECK(kp_param_parse(KP_PARAM_inject_fail, "symbol:", &v, &why), "inject needs a symbol name");
	CHECK(!kp_param_parse(KP_PARAM_inject_fail, "hook:mglru", &v, &why) &&
	      !strcmp(v.inject, "hook:mglru"), "inject a hook failure");
	CHECK(kp_param_parse(KP_PARAM_inject_fail, "hook:", &v, &why), "inject needs a hook name");
	CHECK(!kp_param_parse(KP_PARAM_mode, "observe", &v, &why) && v.num == 1, "enum index");
	CHECK(kp_param_parse(KP_PARAM_ibs_period, "65537", &v, &why) && !strcmp(why, "not a multiple of 16"),
	      "an IBS period off the 16-op grid is refused");
	CHECK(!kp_param_parse(KP_PARAM_ibs_period, "65552", &v, &why) && v.num == 65552,
	      "an IBS period on the grid is accepted");
	CHECK(!kp_param_parse(KP_PARAM_hwsample_l3_miss, "off", &v, &why) && v.num == 1,
	      "hwsample_l3_miss off: the second word");
	all[KP_PARAM_mglru_min_ms].num = 900;
	all[KP_PARAM_mglru_max_ms].num = 800;
	CHECK(kp_params_check_pairs(all, &bad, &other, &why) && bad == KP_PARAM_mglru_max_ms &&
	      other == KP_PARAM_mglru_min_ms, "max below min names both");
}

int main(void)
{
	test_param_table();
	return tap_done("param_table");
}
