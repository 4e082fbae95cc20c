// SPDX-License-Identifier: GPL-2.0
/*
 * kp_fill: keep the fast node (node 0) full, in the guest, for the kernel's mm
 * selftests (tests/mm/run.sh), as an operator's fast tier is most of the time.
 *
 *   kp_fill          commands on stdin, one answer line each on stdout
 *
 * Command "fill KIB": make node 0's free memory KIB above its low watermark,
 * by writing new anonymous memory bound to node 0 (2 MiB at a time, then the
 * rest) or by unmapping some of it again. Answer: "filled MIB MiB, node 0 free
 * FREE MiB (low LOW MiB)". End of input: exit (the memory goes with it).
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
 * The watermark is that of node 0's largest zone (DMA32 in the guest, where
 * user pages come from; the DMA zone is kept from them by its lowmem reserve),
 * read from /proc/zoneinfo, without the watermark boost: a boost is temporary,
 * and room under it would reopen node 0 once it decays.
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

struct zone_state {
	long free, low, boost, managed; /* pages */
};

/* Node 0's largest zone, from /proc/zoneinfo; 0 on success. */
static int node0_zone(struct zone_state *best)
{
	struct zone_state z = { 0 };
	char line[256];
	int node = -1, ok = 0;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return -1;
	memset(best, 0, sizeof(*best));
	while (fgets(line, sizeof(line), f)) {
		long v;

		if (sscanf(line, "Node %d, zone", &node) == 1) {
			memset(&z, 0, sizeof(z));
		} else if (node == 0 && sscanf(line, " pages free %ld", &v) == 1) {
			z.free = v;
		} else if (node == 0 && sscanf(line, " boost %ld", &v) == 1) {
			z.boost = v;
		} else if (node == 0 && sscanf(line, " low %ld", &v) == 1) {
			z.low = v;
		} else if (node == 0 && sscanf(line, " managed %ld", &v) == 1) {
			z.managed = v;
			if (v > best->managed) {
				*best = z;
				ok = 1;
			}
		}
	}
	fclose(f);
	return ok ? 0 : -1;
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
 * Node 0 free to want_kb above its low mark, give or take a page: 0, or 1 when
 * node 0 is reclaimed as fast as it is filled (see above), -1 on error.
 */
static int fill(long want_kb, struct zone_state *z)
{
	long page_kb = sysconf(_SC_PAGESIZE) / 1024, start_free = -1, grown_kb = 0;

	for (;;) {
		long above;
		size_t len;

		if (node0_zone(z))
			return -1;
		if (start_free < 0)
			start_free = z->free;
		if (grown_kb >= CHASE_KB && (start_free - z->free) * page_kb < grown_kb / 2)
			return 1;
		above = (z->free - z->low) * page_kb - want_kb;
		if (above < -(long)(CHUNK >> 10) / 2 && nchunks) {
			shrink();
			continue;
		}
		if (above < page_kb)
			return 0;
		if ((long)(filled >> 10) >= z->managed * page_kb)
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
		struct zone_state z;
		long page_kb = sysconf(_SC_PAGESIZE) / 1024;

		if (sscanf(line, "fill %ld", &kb) != 1 || kb < 0) {
			printf("error: want \"fill KIB\", got %s", line);
			continue;
		}
		dropped = drop_demoted();
		ret = fill(kb, &z);
		if (ret < 0) {
			printf("error: could not fill node 0 (%lu MiB filled)\n", filled >> 20);
			continue;
		}
		printf("filled %lu MiB, node 0 free %ld MiB (low %ld MiB, boost %ld MiB), "
		       "%lu MiB found off node 0 and dropped%s\n",
		       filled >> 20, z.free * page_kb >> 10, z.low * page_kb >> 10,
		       z.boost * page_kb >> 10, dropped, ret ? " chased" : "");
	}
	return 0;
}
