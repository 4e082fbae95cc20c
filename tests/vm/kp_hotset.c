// SPDX-License-Identifier: GPL-2.0
/*
 * kp_hotset: the hot-set workload of the demo, the benchmarks and manual
 * runs. Faults a buffer in on the slow node, then reads its hot part in a
 * loop and prints, every report interval, how much of the hot set and of
 * the rest is on the fast node (move_pages(2) ground truth).
 *
 *   kp_hotset [-m MiB] [-H hot-MiB] [-s seconds] [-r report-ms] [-n slow-node] [-t] [-l]
 *   -n -1: no placement, the default policy decides (for pressure runs)
 *   -l: the rest of the buffer is lukewarm, each page read about once a second
 * Precision: of the pages on the fast node, the share that is hot.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kp_test_util.h"
#include "kp_workload.h"

static void usage(void)
{
	fprintf(stderr, "usage: kp_hotset [-m MiB] [-H hot-MiB] [-s seconds] [-r report-ms] [-n slow-node] [-t] [-l]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long mib = 64, hot_mib = 8, seconds = 30, report_ms = 1000, slow = 1;
	double start, next, end;
	struct kp_buf b;
	bool thp = false, lukewarm = false;
	int c;

	while ((c = getopt(argc, argv, "m:H:s:r:n:tl")) != -1) {
		switch (c) {
		case 'm': mib = atol(optarg); break;
		case 'H': hot_mib = atol(optarg); break;
		case 's': seconds = atol(optarg); break;
		case 'r': report_ms = atol(optarg); break;
		case 'n': slow = atol(optarg); break;
		case 't': thp = true; break;
		case 'l': lukewarm = true; break;
		default: usage();
		}
	}
	if (mib <= 0 || hot_mib <= 0 || hot_mib > mib || seconds <= 0 || report_ms <= 0 ||
	    slow < -1 || slow > 63)
		usage();
	if (kp_buf_make(&b, mib * 256, hot_mib * 256, (int)slow, thp)) {
		perror("kp_hotset: buffer");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("hotset: %ld MiB on node %ld, hot %ld MiB, %s pages%s\n", mib, slow, hot_mib,
	       thp ? "huge" : "4 KiB", lukewarm ? ", the rest read once a second" : "");
	start = kp_now_s();
	end = start + seconds;
	next = start;
	while (kp_now_s() < end) {
		if (lukewarm)
			kp_run_lukewarm(&b, 0, b.hot + 1, report_ms / 1000.0);
		else
			kp_run_hot(&b, b.hot + 1, report_ms / 1000.0);
		if (kp_now_s() >= next) {
			long hot0 = kp_pages_on_node(b.p, b.hot, 0);
			long cold0 = kp_pages_on_node(b.p + b.hot * KP_PAGE, b.pages - b.hot, 0);

			printf("t=%5.1fs hot_on_fast=%5.1f%% cold_on_fast=%5.1f%% precision=%5.1f%%\n",
			       kp_now_s() - start, 100.0 * hot0 / b.hot,
			       100.0 * cold0 / (b.pages - b.hot),
			       hot0 + cold0 ? 100.0 * hot0 / (hot0 + cold0) : 0.0);
			next += report_ms / 1000.0;
		}
	}
	kp_buf_free(&b);
	return 0;
}
