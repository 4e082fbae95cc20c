// SPDX-License-Identifier: GPL-2.0
/* The per-owner tables (kpromoted/owners.h): claim, count, overflow into other, races. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "kpromoted/owners.h"

static struct kp_owner_table t;

static u64 total_sighted(void)
{
	u64 n = t.other.sighted;
	int i;

	for (i = 0; i < KP_OWNER_SLOTS; i++)
		n += t.slot[i].sighted;
	return n;
}

static int used(void)
{
	int i, n = 0;

	for (i = 0; i < KP_OWNER_SLOTS; i++)
		n += t.slot[i].key != 0;
	return n;
}

#define THREADS 4
#define KEYS 64
#define ROUNDS 20000

static void *racer(void *arg)
{
	long id = (long)arg;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		kp_owner_sight(&t, 1 + (u64)((i + id) % KEYS), 1);
		kp_owner_promote(&t, 1 + (u64)(i % KEYS), 2);
	}
	return NULL;
}

int main(void)
{
	pthread_t th[THREADS];
	struct kp_owner_slot *a, *b;
	long i;
	int dup = 0, j, k;

	memset(&t, 0, sizeof(t));
	a = kp_owner_slot(&t, 4242);
	b = kp_owner_slot(&t, 4242);
	CHECK(a == b && a != &t.other && a->key == 4242, "a key keeps its slot");
	CHECK(kp_owner_slot(&t, 0) == &t.other, "key 0 (unknown owner) counts as other");
	kp_owner_sight(&t, 4242, 3);
	kp_owner_promote(&t, 4242, 512);
	CHECK(a->sighted == 3 && a->promoted == 512, "counts add up in the slot");

	/* More owners than slots: every count is kept, the rest in other. */
	memset(&t, 0, sizeof(t));
	for (i = 1; i <= 3 * KP_OWNER_SLOTS; i++)
		kp_owner_sight(&t, (u64)i * 7919, 1);
	CHECK(total_sighted() == 3 * KP_OWNER_SLOTS && t.other.sighted >= 2 * KP_OWNER_SLOTS,
	      "full: nothing lost, the overflow in other (%llu)", (unsigned long long)t.other.sighted);
	CHECK(used() > KP_OWNER_SLOTS * 9 / 10, "full: the table fills (%d of %d slots)", used(),
	      KP_OWNER_SLOTS);
	CHECK(kp_owner_slot(&t, 7919) != &t.other, "full: an owner seen first keeps its slot");

	/* Threads racing for the same keys: one slot per key, no count lost. */
	memset(&t, 0, sizeof(t));
	for (i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, racer, (void *)i);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (j = 0; j < KP_OWNER_SLOTS; j++)
		for (k = j + 1; t.slot[j].key && k < KP_OWNER_SLOTS; k++)
			dup += t.slot[k].key == t.slot[j].key;
	CHECK(!dup && used() == KEYS, "race: one slot per key (%d used, %d twice)", used(), dup);
	CHECK(total_sighted() == (u64)THREADS * ROUNDS, "race: every sighting counted");

	/* Notes: a quarter full, as when 8 MiB of 4 KiB pages are queued at once: none lost. */
	{
		static u64 notes[KP_OWNER_NOTES];
		u64 base = 262144, lost = 0, wrong = 0;

		for (i = 0; i < KP_OWNER_NOTES / 4; i++)
			kp_owner_note_put(notes, base + (u64)i * 3, 1000 + (u64)i);
		for (i = 0; i < KP_OWNER_NOTES / 4; i++) {
			u64 tgid = kp_owner_note_take(notes, base + (u64)i * 3);

			lost += !tgid;
			wrong += tgid && tgid != 1000 + (u64)i;
		}
		CHECK(!lost && !wrong, "notes: 2048 frames noted, all taken back (%llu lost, %llu wrong)",
		      (unsigned long long)lost, (unsigned long long)wrong);
		for (i = 0; i < KP_OWNER_NOTES; i++)
			lost += notes[i] != 0;
		CHECK(!lost, "notes: a taken note frees its word");
		CHECK(!kp_owner_note_take(notes, 12345), "notes: a frame never noted has no owner");
		kp_owner_note_put(notes, 77, 5);
		kp_owner_note_put(notes, 77, 6);
		CHECK(kp_owner_note_take(notes, 77) == 6 && !kp_owner_note_take(notes, 77),
		      "notes: noted again, the newer owner replaces the older");
		kp_owner_note_put(notes, 78, 0);
		CHECK(!kp_owner_note_take(notes, 78), "notes: owner 0 is not noted");
		/* Every word full of frames never promoted: a new note still goes in. */
		for (i = 0; i < KP_OWNER_NOTES; i++)
			notes[i] = (u64)1 << KP_NOTE_PFN_BITS | (u64)(1u << 30) | (u64)i;
		kp_owner_note_put(notes, 99, 42);
		CHECK(kp_owner_note_take(notes, 99) == 42, "notes: full of stale notes, a new one overwrites");
	}
	return tap_done("owners");
}
