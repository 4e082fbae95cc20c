#!/usr/bin/env python3
"""Compare the two passes of the mm selftests (tests/mm/run.sh's TAP log), case by case.

Usage: compare.py --release R --expected FILE [--missing FILE] [--guest-rc N] TAPLOG
Writes TAP to stdout, one line per test case seen in either pass:
  ok      same result in both passes (a case that fails in both: "# TODO", a baseline
          failure kpromoted did not cause; skipped in both: "# SKIP")
  ok      failed without kpromoted and passed with it: "# TODO", a failure of the pass
          kpromoted was never loaded in (the test's own or the guest's), which the pass
          with kpromoted cannot have caused and did not repeat
  ok      different otherwise (passed without kpromoted, not with it), and listed in the
          expected-differences file for this release
  not ok  different otherwise and not listed
plus: the guest run itself, every program finished in both passes, migration's cases ran
(not skipped), the programs ran with one address-space layout (MMST-LAYOUT), and kpromoted
promoted pages in the kp pass (promoted_pages > 0).
Exit status 1 when any line is "not ok".

The expected-differences file: one entry per line,
  RELEASES | PROGRAM: CASE | BASE -> KP | reason (with the evidence: where it is written up)
RELEASES: a comma list or "*"; BASE and KP: ok, not ok, skip, absent, or exit classes
("exit 0", "exit 1", "timeout", "signal 9"). Lines starting with "#" are comments.
"""
import argparse
import re
import sys

from mmlog import MIG_RETRIES, MIG_STUCK_MS, passend

CASE = re.compile(r'^(not ok|ok)\s+\d+\s*(.*)$')
# khugepaged prints no TAP: "Run test: NAME (MODE)" and then checks "What... OK|Fail|Skip"
# (coloured, progress joined by carriage returns).
ANSI = re.compile(r'\x1b\[[0-9;]*m')
KH_RUN = re.compile(r'^Run test: (.*)$')
KH_CHECK = re.compile(r'^(.*?)\.*\s*(OK|Fail|Skip)(?::.*)?$')
# A check that ended the program: "Allocate huge page...madvise(MADV_COLLAPSE): Invalid
# argument" (perror, then exit): that check failed.
KH_ERR = re.compile(r'^([^.][^.]*?)\.\.\.\s*([a-zA-Z_]+\([A-Z_a-z, ]*\)): (.+)$')
# A step that gave up and ended the program with a message of its own instead of a check
# ("Construct PTE page table ... 130/512...Failed to allocate huge page", 6.1's
# collapse_compound_extreme): that step failed.
KH_FATAL = re.compile(r'^([^.][^.]*?)\.\.\.\s*(Failed to [^.]+)$')
# khugepaged's last check restores the settings, under whichever test ran last: one case.
KH_CLEANUP = 'Restore THP and khugepaged settings'
# Lines of a program's output shown with an unexplained difference (the pass that failed).
EVIDENCE_LINES = 12
# migration's migrate() report (tests/mm/patch-migration.py); its rule is in mmlog.py.
MIG_REPORT = re.compile(r'^# kp: migrate\(\) (\w+) after \d+ ms: \d+ moves, \d+ failed '
                        r'\(at most (\d+) in a row, for (\d+) ms\)')
# uffd-unit-tests: "Testing WHAT on MEM... done|skipped [reason: ...]"; a failure prints
# "ERROR: ..." after the "..." and ends the program.
UFFD_CASE = re.compile(r'^Testing (.*?)\.\.\. ?(done|skipped|ERROR)?(.*)$')


def classify_exit(rc):
    """A program's end: exit 0, exit nonzero (its own failures or skips: the cases say
    which; khugepaged exits with its number of failures), timeout, or a signal."""
    if rc == '124':
        return 'timeout'
    try:
        n = int(rc)
    except ValueError:
        return 'exit ' + rc
    if n > 128:
        return 'signal %d' % (n - 128)
    return 'exit 0' if n == 0 else 'exit nonzero'


def parse(path):
    passes = {'base': {}, 'kp': {}}     # pass -> program -> {case: result}
    ended = {'base': {}, 'kp': {}}      # pass -> program -> (rc, secs, migrated)
    stats, passinfo, trace = {}, {}, {'base': [], 'kp': []}
    layout = []                         # MMST-LAYOUT: a program's heap, as run.sh saw it
    output = {'base': {}, 'kp': {}}     # pass -> program -> its output lines
    where = {'base': {}, 'kp': {}}      # pass -> program -> {case: index of its result line}
    migrate_reports = []                # (pass, line, how it returned, most in a row, for ms)
    cur = None
    seen = {}
    def lines_of(f):
        # A message printed without its newline glues the next "# [RUN]" to it
        # ("not ok 4 Merging memory failed# [RUN] test_prot_none"): two lines.
        # Progress is rewritten in place with carriage returns ("Construct ... 1/512...\r
        # Construct ... 2/512...\r ... 512/512... OK"): each piece is a line of the program's
        # output, under the "# " of the line it continues.
        cont = False
        for raw in f:
            line = raw.rstrip('\r\n')
            if cont and not line.startswith('# '):
                line = '# ' + line
            cont = raw.endswith('\r') and line.startswith('# ')
            i = line.find('# [RUN] ', 3)
            if line.startswith('# ') and i > 2:
                yield line[:i]
                yield '# ' + line[i:]
            else:
                yield line

    with open(path, errors='replace', newline='') as f:
        for line in lines_of(f):
            m = re.match(r'^# MMST-BEGIN pass=(\w+) test=(\S+)', line)
            if m:
                cur = (m.group(1), m.group(2))
                passes[cur[0]][cur[1]] = {}
                output[cur[0]][cur[1]] = []
                where[cur[0]][cur[1]] = {}
                seen = {}
                sub = '-'
                run = None
                continue
            m = re.match(r'^# MMST-END pass=(\w+) test=(\S+) rc=(\S+) secs=(\d+)(?: migrated=(-?\d+))?', line)
            if m:
                ended[m.group(1)][m.group(2)] = (m.group(3), int(m.group(4)), m.group(5) or '?')
                cur = None
                continue
            m = re.match(r'^# MMST-STAT (\S+) (\d+)', line)
            if m:
                stats[m.group(1)] = int(m.group(2))
                continue
            m = re.match(r'^# MMST-LAYOUT heap of a program under kp_slow: (.*)$', line)
            if m:
                layout.append(m.group(1).split()[0])
                continue
            pe = passend(line)
            if pe:
                passinfo[pe[0]] = pe[1]
                continue
            if cur and line.startswith('# # MMST-TRACE failed merges'):
                trace[cur[0]].append(line[len('# # MMST-TRACE '):])
                continue
            if not cur or not line.startswith('# '):
                continue
            inner = ANSI.sub('', line[2:]).strip()
            output[cur[0]][cur[1]].append(inner)
            at = len(output[cur[0]][cur[1]]) - 1
            m = MIG_REPORT.match(inner)
            if m:
                migrate_reports.append((cur[0], inner, m.group(1), int(m.group(2)),
                                        int(m.group(3))))
                continue
            m = KH_RUN.match(inner)
            if m:
                sub = m.group(1)
                continue
            # cow, ksm_functional_tests, gup_longterm...: "# [RUN] what" names the next result.
            if inner.startswith('# [RUN] '):
                run = inner[len('# [RUN] '):].strip()
                continue
            m = UFFD_CASE.match(inner)
            if m and cur[1].startswith('uffd-unit-tests'):
                desc = m.group(1)
                res = {'done': 'ok', 'skipped': 'skip'}.get(m.group(2), 'not ok')
                passes[cur[0]][cur[1]][desc] = res
                where[cur[0]][cur[1]][desc] = at
                continue
            # 6.1's ksm_tests prints its one verdict as a bare "OK" or "Not OK".
            if cur[1].startswith('ksm_tests') and inner in ('OK', 'Not OK'):
                passes[cur[0]][cur[1]]['result'] = 'ok' if inner == 'OK' else 'not ok'
                where[cur[0]][cur[1]]['result'] = at
                continue
            m = CASE.match(inner)
            if not m:
                m = KH_CHECK.match(inner)
                if m and m.group(1):
                    result = {'OK': 'ok', 'Fail': 'not ok', 'Skip': 'skip'}[m.group(2)]
                else:
                    kh = cur[1].startswith('khugepaged')
                    m = (KH_ERR.match(inner) or KH_FATAL.match(inner)) if kh else None
                    if not m:
                        continue
                    result = 'not ok'
                # Progress lines ("... 1/512...2/512...") keep their first part.
                check = re.split(r'\.\.\.| \d+/\d+', m.group(1))[0].strip()
                desc = '%s: %s' % ('-' if check == KH_CLEANUP else sub, check)
                seen[desc] = seen.get(desc, 0) + 1
                if seen[desc] > 1:
                    desc += ' #%d' % seen[desc]
                passes[cur[0]][cur[1]][desc] = result
                where[cur[0]][cur[1]][desc] = at
                continue
            desc = m.group(2).strip()
            result = 'ok' if m.group(1) == 'ok' else 'not ok'
            d = re.split(r'\s#\s*', ' ' + desc, maxsplit=1)
            if len(d) > 1 and re.match(r'(?i)skip', d[1]):
                result = 'skip'
            if len(d) > 1 and re.match(r'(?i)(todo|xfail)', d[1]) and result == 'not ok':
                result = 'ok'
            key = d[0].strip()
            # With a "[RUN] what" line, that names the case: a test reports the same case
            # with different words when it fails ("'ksm_zero_pages' updated after merging"
            # for "KSM zero pages were unmerged").
            if run:
                key = run
                run = None
            key = key or '(no description)'
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                key += ' #%d' % seen[key]
            passes[cur[0]][cur[1]][key] = result
            where[cur[0]][cur[1]][key] = at
    return passes, ended, stats, passinfo, trace, layout, output, where, migrate_reports


def failed(result):
    """A result that says the case or program failed: not ok, a timeout, a signal, a
    nonzero exit."""
    return result in ('not ok', 'timeout', 'exit nonzero') or result.startswith('signal ')


def passed(result):
    return result in ('ok', 'exit 0')


def load_expected(path, release):
    out = []
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return out
    for ln in lines:
        if not ln.strip() or ln.lstrip().startswith('#'):
            continue
        parts = [p.strip() for p in ln.split('|')]
        if len(parts) < 4:
            continue
        rels = [r.strip() for r in parts[0].split(',')]
        if '*' not in rels and release not in rels:
            continue
        frm, _, to = parts[2].partition('->')
        out.append((parts[1], frm.strip(), to.strip(), '|'.join(parts[3:]).strip()))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--release', required=True)
    ap.add_argument('--expected', required=True)
    ap.add_argument('--missing')
    ap.add_argument('--guest-rc', default='0')
    ap.add_argument('taplog')
    a = ap.parse_args()

    passes, ended, stats, passinfo, trace, layout, output, where, migrate_reports = parse(a.taplog)
    expected = load_expected(a.expected, a.release)
    lines = []

    def emit(ok, text, evidence=()):
        lines.append(('ok' if ok else 'not ok', text) + ((list(evidence),) if evidence else ()))

    def evidence(prog, case, results):
        # What the program printed up to the result, in each pass where it failed: often
        # all a CI page shows of a difference that came once (the "not ok" alone says
        # nothing of why: "Didn't migrate", ENOMEM, a timeout).
        ev = []
        for p, r in zip(('base', 'kp'), results):
            if passed(r) or r == 'skip':
                continue
            out = output[p].get(prog, [])
            end = where[p].get(prog, {}).get(case, len(out) - 1) + 1
            for ln in out[max(0, end - EVIDENCE_LINES):end]:
                ev.append('%s| %s' % (p, ln[:200]))
        return ev

    emit(a.guest_rc == '0', 'guest run of both passes (vm-run exit %s)' % a.guest_rc)
    programs = sorted(set(ended['base']) | set(ended['kp']) | set(passes['base']) | set(passes['kp']))
    for prog in programs:
        for p in ('base', 'kp'):
            if prog not in ended[p]:
                emit(False, '%s: finished in the %s pass (it did not: guest died or hung)' % (prog, p))
        base = passes['base'].get(prog, {})
        kp = passes['kp'].get(prog, {})
        cases = list(base) + [c for c in kp if c not in base]
        eb = classify_exit(ended['base'][prog][0]) if prog in ended['base'] else 'absent'
        ek = classify_exit(ended['kp'][prog][0]) if prog in ended['kp'] else 'absent'
        items = [(c, base.get(c, 'absent'), kp.get(c, 'absent')) for c in cases]
        # A program killed at its bound (tests.list) did not reach its later cases in that
        # pass: those are not compared, and say so (skipped, never passed).
        timed_out = [p for p, e in (('base', eb), ('kp', ek)) if e == 'timeout']
        # A program that stopped at a failure of its own did not reach its later cases
        # either: the failure itself is compared, the cases after it are not.
        stopped = [p for p, e in (('base', eb), ('kp', ek)) if e != 'exit 0' and e != 'timeout']
        if stopped:
            rest = []
            for c, rb, rk in items:
                ra = rb if stopped == ['base'] else rk if stopped == ['kp'] else None
                if ra == 'absent' and c != 'exit status':
                    lines.append(('ok', '%s: %s # SKIP not reached: the program stopped earlier in '
                                  'the %s pass (without kpromoted: %s, with: %s)' % (prog, c, stopped[0], rb, rk)))
                else:
                    rest.append((c, rb, rk))
            items = rest
        if timed_out:
            rest = []
            for c, rb, rk in items:
                if 'absent' in (rb, rk) and timed_out:
                    lines.append(('ok', '%s: %s # SKIP not reached before the bound in the %s pass '
                                  '(without kpromoted: %s, with: %s)' % (prog, c, '/'.join(timed_out), rb, rk)))
                else:
                    rest.append((c, rb, rk))
            items = rest
        # A program that stopped at a failing case in one pass (both passes may end nonzero,
        # khugepaged exits with its number of failed checks): the cases after that one,
        # absent in that pass, were not reached there.
        for p, other in (('kp', 'base'), ('base', 'kp')):
            res = kp if p == 'kp' else base
            order = [c for c, _, _ in items]
            reached = [c for c in order if c in res and not c.endswith(KH_CLEANUP)]
            if not reached or res[reached[-1]] != 'not ok':
                continue
            last = order.index(reached[-1])
            rest = []
            for i, (c, rb, rk) in enumerate(items):
                if i > last and c not in res:
                    lines.append(('ok', '%s: %s # SKIP not reached: the program stopped at "%s" in '
                                  'the %s pass (without kpromoted: %s, with: %s)' % (prog, c, reached[-1], p, rb, rk)))
                else:
                    rest.append((c, rb, rk))
            items = rest
        items.append(('exit status', eb, ek))
        for case, rb, rk in items:
            name = '%s: %s' % (prog, case)
            if rb == rk:
                if rb == 'skip':
                    lines.append(('ok', '%s # SKIP in both passes' % name))
                elif rb in ('not ok', 'timeout') or (case == 'exit status' and rb != 'exit 0'):
                    lines.append(('ok', '%s # TODO %s in both passes (not kpromoted\'s doing)' % (name, rb)))
                else:
                    emit(True, name)
                continue
            # The base pass runs first, before kpromoted is ever loaded: a failure there and
            # a pass with kpromoted is no evidence against kpromoted (the selftests' timing
            # under TCG, the harness's migrations). Shown, never counted as a difference.
            if failed(rb) and passed(rk):
                lines.append(('ok', '%s # TODO failed only without kpromoted (without: %s, with: %s)'
                              % (name, rb, rk)))
                continue
            why = None
            for pat, frm, to, reason in expected:
                if pat == name and frm == rb and to == rk:
                    why = reason
            if why:
                emit(True, '%s (without kpromoted: %s, with: %s; expected: %s)' % (name, rb, rk, why))
            else:
                emit(False, '%s (without kpromoted: %s, with: %s)' % (name, rb, rk),
                     evidence(prog, case, (rb, rk)))
    if 'migration' in passes['base']:
        mig = passes['base']['migration']
        ran = [c for c, r in mig.items() if r != 'skip']
        emit(bool(ran), 'migration ran its cases, not skipped (%d of %d ran)' % (len(ran), len(mig)))
    # The patched migrate() gave up on no page that moved within the last second (the
    # 20 ms bursts of docs/mm-selftests.md): a report of giving up ("failed") after its
    # retries came less than a second after the last move. One that ran to its end
    # ("ended") kept retrying, as the rule says, however many failed in a row. (Logs from
    # before it reported have no reports; a source it cannot patch stops the build,
    # scripts/mm-selftests.sh.)
    if migrate_reports:
        early = [r for r in migrate_reports
                 if r[2] == 'failed' and r[3] >= MIG_RETRIES and r[4] < MIG_STUCK_MS]
        emit(not early,
             'migration gave up only on pages stuck for %d ms (%d reports)'
             % (MIG_STUCK_MS, len(migrate_reports)),
             ['%s| %s' % (p, ln) for p, ln, _, _, _ in early])
    # kp_slow runs the programs without address-space randomisation: a heap at one place
    # every time, or the fixed-address collisions of docs/mm-selftests.md come back at random.
    # (Logs from before run.sh printed it have no such line.)
    if layout:
        emit(len(layout) > 1 and len(set(layout)) == 1 and layout[0] != 'none',
             'programs run with one address-space layout (heap at %s)' % ', '.join(layout))
    pp = stats.get('promoted_pages', 0)
    emit(pp > 0, 'kpromoted promoted pages during the kp pass (promoted_pages=%d)' % pp)
    if a.missing:
        try:
            for prog in open(a.missing).read().split():
                lines.append(('ok', '%s # SKIP not in this release\'s linux-source' % prog))
        except OSError:
            pass

    print('TAP version 13')
    for p in ('base', 'kp'):
        print('# pass %s: %s' % (p, passinfo.get(p, 'did not finish')))
        for t in trace[p]:
            print('# pass %s ksm trace: %s' % (p, t))
    for prog in programs:
        print('# %-22s base %-12s kp %-12s' % (prog, '%s %ss' % ended['base'].get(prog, ('?', '?'))[:2],
                                                  '%s %ss' % ended['kp'].get(prog, ('?', '?'))[:2]))
    for k in ('promoted_pages', 'candidates', 'skipped_policy', 'failed_isolate', 'failed_migrate'):
        if k in stats:
            print('# kpromoted %s %d' % (k, stats[k]))
    print('1..%d' % len(lines))
    bad = 0
    for i, (res, text, *ev) in enumerate(lines, 1):
        print('%s %d %s: %s' % (res, i, a.release, text))
        for ln in (ev[0] if ev else []):
            print('#   %s' % ln)
        bad += res != 'ok'
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
