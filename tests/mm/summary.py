#!/usr/bin/env python3
"""One README table row per mm-selftests run (issue 17), from the guest's TAP log.

Usage: summary.py [--expected FILE] LOG[.xz] ...
LOG is a run's .cache/logs/<release>-<stamp>.tap.log (or the .xz committed in results/).
Each row is compare.py's verdict on the log, counted:
  same          one result in both passes (a case failing in both included) and the checks
  unexplained   "not ok": a difference expected-differences does not list
  explained     a difference it lists (with kpromoted failing; the reasons are there)
  without only  failed only without kpromoted (compare.py's "# TODO failed only without")
  skipped       skipped in both passes, or not reached
and then the log's own lines: each pass's time and pages migrated (MMST-PASSEND), and
kpromoted's promoted_pages and demoted_for_room (MMST-STAT).
"""
import argparse
import lzma
import os
import re
import subprocess
import sys

from mmlog import passend

HERE = os.path.dirname(os.path.abspath(__file__))


def read(path):
    opener = lzma.open if path.endswith('.xz') else open
    with opener(path, 'rb') as f:
        return f.read()


def row(path, expected):
    name = os.path.basename(path)
    m = re.match(r'^(.+?)-(\d{8})-(\d{2})(\d{2})\d{2}-', name)
    if not m:
        raise SystemExit('summary.py: %s: not a <release>-<stamp>.tap.log' % name)
    release, hhmm = m.group(1), '%s:%s' % (m.group(3), m.group(4))
    raw = read(path)
    # compare.py reads the log as it is (khugepaged's progress: carriage returns).
    out = subprocess.run([sys.executable, '-B', os.path.join(HERE, 'compare.py'), '--release',
                          release, '--expected', expected, '/dev/stdin'],
                         input=raw, stdout=subprocess.PIPE, check=False).stdout.decode()
    text = raw.decode('utf-8', 'replace').replace('\r', '\n')
    same = unexplained = explained = without = skipped = 0
    for ln in out.splitlines():
        if ln.startswith('not ok'):
            unexplained += 1
        elif not ln.startswith('ok'):
            continue
        elif '# SKIP' in ln:
            skipped += 1
        elif '# TODO failed only without' in ln:
            without += 1
        elif '; expected: ' in ln:
            explained += 1
        else:
            same += 1
    kernel = re.search(r'kernel=(\S+)', text)
    ends = [pe for pe in map(passend, text.splitlines()) if pe]
    passes = {p: kv['secs'] for p, _, kv in ends if 'secs' in kv}
    migrated = {p: kv['migrated'] for p, _, kv in ends if 'migrated' in kv}
    stat = dict(re.findall(r'MMST-STAT (promoted_pages|demoted_for_room) (\d+)', text))
    return '| %s (%s) | %s | %d | %d | %d | %d | %d | %s s + %s s | %s + %s | %s pages | %s pages |' % (
        release, hhmm, kernel.group(1) if kernel else '?', same, unexplained, explained, without,
        skipped, passes.get('base', '?'), passes.get('kp', '?'), migrated.get('base', '?'),
        migrated.get('kp', '?'), stat.get('promoted_pages', '?'), stat.get('demoted_for_room', '?'))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--expected', default=os.path.join(HERE, 'expected-differences'))
    ap.add_argument('logs', nargs='+')
    a = ap.parse_args()
    print('| release (run) | kernel | same | different, unexplained | explained | failed only '
          'without kpromoted | skipped | guest, base + kp pass | pages migrated, base + kp pass '
          '| kpromoted promoted | demoted for room |')
    print('|---|---|---|---|---|---|---|---|---|---|---|')
    for p in a.logs:
        print(row(p, a.expected))


if __name__ == '__main__':
    main()
