// SPDX-License-Identifier: GPL-2.0
/*
 * The scan_control stand-in kpromoted hands 6.1's try_to_inc_max_seq()
 * (src/compat/scan_control_61.h): built from the same initialiser as the
 * module's, it must make the one field 6.1 reads, sc->priority, look too
 * high to wait, wherever the field lies and however wide it is.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "tap.h"

#include "scan_control_61.h"

/* 6.1.192 on x86-64, measured with the kernel's own compiler and headers. */
#define SC61_SIZE		128
#define SC61_PRIORITY_OFF	57	/* s8 */

static const unsigned char fake_sc[KP_FAKE_SC_SIZE] = KP_FAKE_SC_INIT;

/* What 6.1 does with the priority it reads: sleep when it is this low. */
static bool would_wait(int64_t priority)
{
	return priority <= KP_61_DEF_PRIORITY - 2;
}

/* A little-endian (x86-64) signed field of width bytes at p. */
static int64_t read_signed(const unsigned char *p, size_t width)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * i);
	if (width < 8 && ((v >> (8 * width - 1)) & 1))
		v |= ~0ULL << (8 * width);
	return (int64_t)v;
}

/* Offsets and widths at which a priority read would wait. */
static int waiting_reads(const unsigned char *sc, size_t size)
{
	int bad = 0;
	size_t width, off;

	for (width = 1; width <= 8; width *= 2)
		for (off = 0; off + width <= size; off++)
			bad += would_wait(read_signed(sc + off, width));
	return bad;
}

int main(void)
{
	static const unsigned char zero_sc[KP_FAKE_SC_SIZE];
	size_t i, unfilled = 0;

	for (i = 0; i < sizeof(fake_sc); i++)
		unfilled += fake_sc[i] != KP_FAKE_SC_FILL;
	CHECK(unfilled == 0, "every byte is 0x%x (%zu are not)", KP_FAKE_SC_FILL, unfilled);
	CHECK(waiting_reads(fake_sc, sizeof(fake_sc)) == 0,
	      "a signed priority of any width at any offset is too high to wait");
	CHECK(!would_wait(read_signed(fake_sc + SC61_PRIORITY_OFF, 1)),
	      "6.1.192's s8 priority at offset %d reads %lld", SC61_PRIORITY_OFF,
	      (long long)read_signed(fake_sc + SC61_PRIORITY_OFF, 1));
	CHECK(sizeof(fake_sc) >= 2 * SC61_SIZE, "room for the real struct (%d bytes) and more",
	      SC61_SIZE);
	/* The check above is not vacuous: an all-zero struct waits everywhere. */
	CHECK(waiting_reads(zero_sc, sizeof(zero_sc)) > 0, "a zeroed stand-in would wait");
	return tap_done("fake_sc");
}
