/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stand-in for 6.1's private struct scan_control that src/compat/mglru.c
 * hands try_to_inc_max_seq(). Plain C without kernel headers, so that
 * tests/unit checks the reasoning on the host.
 *
 * 6.1's try_to_inc_max_seq() reads one field of it, sc->priority (an s8 at
 * offset 57 of a 128-byte struct in 6.1.192), and writes none. It reads it
 * only when it did not age because another aging is under way (kswapd, a
 * reclaimer, the lru_gen debugfs file), and priority <= DEF_PRIORITY - 2
 * then sleeps in wait_event_killable() until that one ends: a kthread gets
 * no fatal signal, so the scan thread, and rmmod behind it, would wait.
 * Every byte of the stand-in is KP_FAKE_SC_FILL: a signed field of any
 * offset and width reads as a large positive value, never that low.
 */
#ifndef KPROMOTED_SCAN_CONTROL_61_H
#define KPROMOTED_SCAN_CONTROL_61_H

#define KP_FAKE_SC_FILL		0x7f
#define KP_FAKE_SC_SIZE		1024	/* 8x the real struct */
/* include/linux/mmzone.h of 6.1; mglru.c checks it against the kernel's. */
#define KP_61_DEF_PRIORITY	12
#define KP_FAKE_SC_INIT		{ [0 ... KP_FAKE_SC_SIZE - 1] = KP_FAKE_SC_FILL }

#endif
