/* SPDX-License-Identifier: GPL-2.0 */
/* Forced into every object (Kbuild -include) so the prefix wins over printk.h's default. */
#define pr_fmt(fmt) "kpromoted: " fmt
