#!/usr/bin/env python3
"""Adjust the kernel's tools/testing/selftests/mm/migration.c (scripts/mm-selftests.sh).

Usage: patch-migration.py MIGRATION_C
Idempotent; exits 1 when the source does not have the shape expected.
- RUNTIME (20 s per case; 60 in 6.1) becomes 3: both passes must fit in CI's time.
- Where migrate() still fails on the first page move_pages(2) did not move (6.1), the retry
  upstream added in 6.12 ("selftests/mm: Relax test to fail after 100 migration failures",
  Dev Jain, 2024): a thread faulting on the page while it is unmapped takes a reference and
  the migration fails with -EAGAIN, as in the base pass without kpromoted on 6.1
  (docs/mm-selftests.md, bookworm). 100 consecutive failures fail the case only once no
  move has succeeded for STUCK_MS, 1 s: under TCG a failed move takes 0.2 ms, 100 of them
  20 ms, less than the host may leave the vCPU that holds the page unscheduled, and the
  base pass failed so too (docs/mm-selftests.md, "migration: shared_anon on 6.1"). A page
  that stays unmovable still fails: 6.12's shared_anon_htlb does, after 1 s, in both passes.
- Each case's timeout, 2 * RUNTIME upstream (40 s), would be 6 s with the RUNTIME above: 3 s
  of margin over a loop that runs 3 s, under TCG, whose timing swings tenfold. It becomes
  CASE_TIMEOUT, 30 s: a hang in the migration-entry wait paths still fails the case.
- migrate() prints what it did as a "# kp:" line when it returns (moves, failed moves and
  the most in a row, its longest move_pages(2) call, elapsed time): the evidence of why a
  case failed, in the log (bookworm's shared_anon failed once in CI, 2026-12-05, with no
  output kept).
"""
import re
import sys

from mmlog import MIG_RETRIES, MIG_STUCK_MS

path = sys.argv[1]
src = open(path).read()
out, n = re.subn(r'^#define RUNTIME\s*\(\d+\)$', '#define RUNTIME (3)', src, flags=re.M)
if n != 1:
    sys.exit('%s: RUNTIME not found' % path)
if 'MAX_RETRIES' not in out:
    old = ('\t\tif (ret) {\n'
           '\t\t\tif (ret > 0)\n'
           '\t\t\t\tprintf("Didn\'t migrate %d pages\\n", ret);\n'
           '\t\t\telse\n'
           '\t\t\t\tperror("Couldn\'t migrate pages");\n'
           '\t\t\treturn -2;\n'
           '\t\t}\n')
    new = ('\t\tif (ret) {\n'
           '\t\t\tif (ret > 0) {\n'
           '\t\t\t\t/* Migration is best effort; try again */\n'
           '\t\t\t\tif (++failures < MAX_RETRIES)\n'
           '\t\t\t\t\tcontinue;\n'
           '\t\t\t\tprintf("Didn\'t migrate %d pages\\n", ret);\n'
           '\t\t\t}\n'
           '\t\t\telse\n'
           '\t\t\t\tperror("Couldn\'t migrate pages");\n'
           '\t\t\treturn -2;\n'
           '\t\t}\n'
           '\t\tfailures = 0;\n')
    decl = '\tstruct timespec ts1, ts2;\n'
    if out.count(old) != 1 or out.count(decl) != 1:
        sys.exit('%s: migrate() not as in 6.1, no retry added' % path)
    out = out.replace(old, new).replace(decl, decl + '\tint failures = 0;\n')
    out = out.replace('#define RUNTIME (3)\n',
                      '#define RUNTIME (3)\n#define MAX_RETRIES %d\n' % MIG_RETRIES, 1)
m = re.search(r'^#define MAX_RETRIES\s+\(?(\d+)\)?\s*$', out, flags=re.M)
if not m or int(m.group(1)) != MIG_RETRIES:
    # 6.12 and later have upstream's own: compare.py judges the reports by MIG_RETRIES.
    sys.exit('%s: MAX_RETRIES is %s, mmlog.MIG_RETRIES %d' % (path, m and m.group(1), MIG_RETRIES))
n = len(re.findall(r'^TEST_F_TIMEOUT\(migration, \w+, 2\*RUNTIME\)$', out, flags=re.M))
out = re.sub(r'^(TEST_F_TIMEOUT\(migration, \w+, )2\*RUNTIME\)$', r'\1CASE_TIMEOUT)', out, flags=re.M)
if 'CASE_TIMEOUT' not in out or (n == 0 and '#define CASE_TIMEOUT' not in out):
    sys.exit('%s: no TEST_F_TIMEOUT(migration, ..., 2*RUNTIME)' % path)
if '#define CASE_TIMEOUT' not in out:
    out = out.replace('#define RUNTIME (3)\n', '#define RUNTIME (3)\n#define CASE_TIMEOUT (30)\n', 1)
if 'kp_mig_report' not in out:
    # C added to migrate(): the stuck bound, the clock of the last move, the report.
    helpers = """/*
 * kpromoted's harness (tests/mm/patch-migration.py): a page counts as stuck after
 * MAX_RETRIES failed moves in a row AND STUCK_MS without a move, and migrate() says
 * what it did when it returns.
 */
#define STUCK_MS @STUCK_MS@
static struct timespec kp_last_ok;
static int kp_moves, kp_retried, kp_in_a_row;
static long kp_longest_ms, kp_stuck_ms;

static long kp_ms(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

static void kp_mig_report(const char *how, const struct timespec *ts1)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	printf("# kp: migrate() %s after %ld ms: %d moves, %d failed (at most %d in a row, "
	       "for %ld ms), longest move_pages %ld ms\\n",
	       how, kp_ms(ts1, &now), kp_moves, kp_retried, kp_in_a_row, kp_stuck_ms,
	       kp_longest_ms);
	fflush(stdout);
}

""".replace('@STUCK_MS@', str(MIG_STUCK_MS))
    timed = """		kp_moves++;
		{
			struct timespec t3;

			clock_gettime(CLOCK_MONOTONIC, &t3);
			if (kp_ms(&ts2, &t3) > kp_longest_ms)
				kp_longest_ms = kp_ms(&ts2, &t3);
			if (!ret)
				kp_last_ok = t3;
			else if (kp_ms(&kp_last_ok, &t3) > kp_stuck_ms)
				kp_stuck_ms = kp_ms(&kp_last_ok, &t3);
		}
"""
    call = ('\t\tret = move_pages(0, 1, (void **) &ptr, &n2, &status,\n'
            '\t\t\t\tMPOL_MF_MOVE_ALL);\n')
    edits = [
        ('int migrate(uint64_t *ptr, int n1, int n2)\n{\n',
         helpers + 'int migrate(uint64_t *ptr, int n1, int n2)\n{\n'),
        ('\tif (clock_gettime(CLOCK_MONOTONIC, &ts1))\n\t\treturn -1;\n',
         '\tif (clock_gettime(CLOCK_MONOTONIC, &ts1))\n\t\treturn -1;\n\tkp_last_ok = ts1;\n'),
        ('\t\tif (ts2.tv_sec - ts1.tv_sec >= RUNTIME)\n\t\t\treturn 0;\n',
         '\t\tif (ts2.tv_sec - ts1.tv_sec >= RUNTIME) {\n'
         '\t\t\tkp_mig_report("ended", &ts1);\n'
         '\t\t\treturn 0;\n'
         '\t\t}\n'),
        (call, call + timed),
        ('\t\t\t\tif (++failures < MAX_RETRIES)\n',
         '\t\t\t\tkp_retried++;\n'
         '\t\t\t\tif (failures + 1 > kp_in_a_row)\n'
         '\t\t\t\t\tkp_in_a_row = failures + 1;\n'
         '\t\t\t\tif (++failures < MAX_RETRIES ||\n'
         '\t\t\t\t    kp_ms(&kp_last_ok, &ts2) < STUCK_MS)\n'),
        ('\t\t\treturn -2;\n',
         '\t\t\tkp_mig_report("failed", &ts1);\n\t\t\treturn -2;\n'),
    ]
    for a, b in edits:
        if out.count(a) != 1:
            sys.exit('%s: migrate() not in the expected shape, no report added' % path)
        out = out.replace(a, b)
if out != src:
    open(path, 'w').write(out)
