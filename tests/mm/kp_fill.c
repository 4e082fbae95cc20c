// SPDX-License-Identifier: GPL-2.0
/*
 * kp_fill: keep the fast node (node 0) full, in the guest, for the kernel's mm
 * selftests (tests/mm/run.sh), as an operator's fast tier is most of the time.
 *
 *   kp_fill          commands on stdin, one answer line each on stdout
 *
 * Command "fill KIB": make node 0's room KIB (below), by writing new anonymous
 * memory bound to node 0 (2 MiB at a time, then the rest) or by unmapping some
 * of it again. Answer: "filled MIB MiB, node 0 free FREE MiB (room ROOM MiB;
 * ZONE free F low L reserve R, ...)". End of input: exit (the memory goes
 * with it).
 *
 * A node whose free memory is at its low watermark takes no more page faults
 * of others: the page allocator's fast path finds the zone below its mark and
 * takes the next node in the zonelist, node 1, without reclaim and without a
 * migration. Every page a program faults thereafter is on the slow node from
 * the start, and with kpromoted not loaded nothing moves it: NUMA balancing's
 * migrations to node 0 need free memory above the high watermark
 * (migrate_balanced_pgdat) and find none. With kpromoted loaded, the filler is
 * what a full fast node holds: memory written once and never again, cold,
 * which kpromoted may take down to make room for hot pages.
 *
 * Every zone of node 0 counts: a user page may come from any zone whose free
 * memory is above its low watermark plus its lowmem reserve against the
 * movable zone (the largest number of its "protection" in /proc/zoneinfo). In
 * the guest that is DMA32, where most user pages come from, and the DMA zone:
 * its reserve is only 1/256 of DMA32, and until 2026-12-05 the filler, which
 * looked at the largest zone only, left about 10 MiB of it open to the small
 * programs (ksm_functional_tests, gup_longterm, madv_populate, soft-dirty,
 * mlock2-tests and memfd_secret had no page on node 1). Node 0's room is the
 * sum over its zones of the free memory above that mark; the watermark boost
 * is left out: a boost is temporary, and room under it would reopen node 0
 * once it decays.
 *
 * With demotion on, filling a node below its low watermark wakes kswapd, which
 * demotes the oldest filler to node 1 as fast as new filler comes: a fill that
 * wrote 64 MiB or more and lowered node 0's free memory by less than half of
 * that stops there ("chased") rather than chase kswapd (less than 64 MiB is
 * within what the per-CPU page lists, uncounted as free, hold or take back),
 * and the filler never grows past the zone's size. Filler that went down to
 * node 1 anyway (kswapd or kpromoted made room with it) is unmapped at the next
 * command, a chunk as soon as one of its sampled pages is no longer on node 0,
 * and written anew on node 0: node 1 holds the programs' pages, not stale
 * filler, and both passes start each program alike.
 * Static, no libnuma.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MPOL_BIND 2
#define CHUNK (2UL << 20)
#define MAX_CHUNKS 4096 /* 8 GiB: more than node 0 has in any guest here */
#define CHASE_KB (64L << 10)

#define MAX_ZONES 8

struct zone_state {
	char name[16];
	long free, low, boost, reserve, managed; /* pages */
};

/* Node 0 as the page allocator sees it for a user page; in pages. */
struct node_state {
	struct zone_state zone[MAX_ZONES];
	int nzones;
	long free, room, managed;
};

/* The largest number of a zoneinfo "protection: (a, b, ...)" line. */
static long max_protection(const char *line)
{
	const char *p = strchr(line, '(');
	long best = 0;

	while (p && *p && *p != ')') {
		char *end;
		long v = strtol(p + 1, &end, 10);

		if (end == p + 1)
			break;
		if (v > best)
			best = v;
		p = end;
	}
	return best;
}

/* Node 0's populated zones, from /proc/zoneinfo; 0 on success. */
static int node0_state(struct node_state *n)
{
	struct zone_state *z = NULL;
	char line[512], name[16];
	int node = -1;
	long v;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return -1;
	memset(n, 0, sizeof(*n));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %15s", &node, name) == 2) {
			z = NULL;
			if (node == 0 && n->nzones < MAX_ZONES) {
				z = &n->zone[n->nzones++];
				snprintf(z->name, sizeof(z->name), "%s", name);
			}
		} else if (!z) {
			continue;
		} else if (sscanf(line, " pages free %ld", &v) == 1) {
			z->free = v;
		} else if (sscanf(line, " boost %ld", &v) == 1) {
			z->boost = v;
		} else if (sscanf(line, " low %ld", &v) == 1) {
			z->low = v;
		} else if (sscanf(line, " managed %ld", &v) == 1) {
			z->managed = v;
		} else if (strstr(line, "protection: (")) {
			z->reserve = max_protection(line);
		}
	}
	fclose(f);
	for (int i = 0; i < n->nzones; i++) {
		z = &n->zone[i];
		if (!z->managed)
			continue;
		n->free += z->free;
		n->managed += z->managed;
		if (z->free > z->low + z->reserve)
			n->room += z->free - z->low - z->reserve;
	}
	return n->managed ? 0 : -1;
}

static char *chunk[MAX_CHUNKS];
static size_t chunk_len[MAX_CHUNKS];
static int nchunks;
static unsigned long filled; /* bytes */

/* Map len bytes bound to node 0 and write every page once; 0 on success. */
static int grow(size_t len)
{
	unsigned long mask = 1UL << 0;
	char *p;

	if (nchunks == MAX_CHUNKS)
		return -1;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	if (syscall(SYS_mbind, p, len, MPOL_BIND, &mask, 8 * sizeof(mask), 0)) {
		munmap(p, len);
		return -1;
	}
	for (size_t off = 0; off < len; off += 4096)
		p[off] = 1;
	chunk[nchunks] = p;
	chunk_len[nchunks++] = len;
	filled += len;
	return 0;
}

static void shrink(void)
{
	nchunks--;
	munmap(chunk[nchunks], chunk_len[nchunks]);
	filled -= chunk_len[nchunks];
}

#define SAMPLES 8

/* Unmap every chunk with a sampled page off node 0; how many MiB that freed. */
static unsigned long drop_demoted(void)
{
	unsigned long dropped = 0;

	for (int i = 0; i < nchunks; i++) {
		void *pages[SAMPLES];
		int status[SAMPLES], n = 0, off_node0 = 0;

		for (size_t off = 0; off < chunk_len[i] && n < SAMPLES; off += CHUNK / SAMPLES)
			pages[n++] = chunk[i] + off;
		if (syscall(SYS_move_pages, 0, n, pages, NULL, status, 0))
			continue;
		for (int j = 0; j < n; j++)
			off_node0 |= status[j] != 0;
		if (!off_node0)
			continue;
		munmap(chunk[i], chunk_len[i]);
		filled -= chunk_len[i];
		dropped += chunk_len[i];
		chunk[i] = chunk[nchunks - 1];
		chunk_len[i] = chunk_len[nchunks - 1];
		nchunks--;
		i--;
	}
	return dropped >> 20;
}

/*
 * Node 0's room to want_kb, give or take a page: 0, or 1 when node 0 is
 * reclaimed as fast as it is filled (see above), -1 on error.
 */
static int fill(long want_kb, struct node_state *n)
{
	long page_kb = sysconf(_SC_PAGESIZE) / 1024, start_free = -1, grown_kb = 0;

	for (;;) {
		long above;
		size_t len;

		if (node0_state(n))
			return -1;
		if (start_free < 0)
			start_free = n->free;
		if (grown_kb >= CHASE_KB && (start_free - n->free) * page_kb < grown_kb / 2)
			return 1;
		above = n->room * page_kb - want_kb;
		if (above < -(long)(CHUNK >> 10) / 2 && nchunks) {
			shrink();
			continue;
		}
		if (above < page_kb)
			return 0;
		if ((long)(filled >> 10) >= n->managed * page_kb)
			return 1;
		len = above >= (long)(CHUNK >> 10) ? CHUNK : (size_t)above * 1024;
		if (grow(len))
			return -1;
		grown_kb += len >> 10;
	}
}

int main(void)
{
	char line[64];
	unsigned long dropped;
	long kb;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		struct node_state n;
		long page_kb = sysconf(_SC_PAGESIZE) / 1024;

		if (sscanf(line, "fill %ld", &kb) != 1 || kb < 0) {
			printf("error: want \"fill KIB\", got %s", line);
			continue;
		}
		dropped = drop_demoted();
		ret = fill(kb, &n);
		if (ret < 0) {
			printf("error: could not fill node 0 (%lu MiB filled)\n", filled >> 20);
			continue;
		}
		printf("filled %lu MiB, node 0 free %ld MiB (room %ld MiB;", filled >> 20,
		       n.free * page_kb >> 10, n.room * page_kb >> 10);
		for (int i = 0, shown = 0; i < n.nzones; i++)
			if (n.zone[i].managed)
				printf("%s %s free %ld low %ld reserve %ld boost %ld KiB",
				       shown++ ? "," : "", n.zone[i].name, n.zone[i].free * page_kb,
				       n.zone[i].low * page_kb, n.zone[i].reserve * page_kb,
				       n.zone[i].boost * page_kb);
		printf("), %lu MiB found off node 0 and dropped%s\n", dropped,
		       ret ? " chased" : "");
	}
	return 0;
}
