#!/usr/bin/env python3
# README's benchmark tables are not typed in: each is copied from a committed report
# (results/*/report.md, written by scripts/bench-report.py from the run's raw.txt) between
# two markers, so that every figure in them traces to a command (issue 15):
#
#   <!-- from results/DIR/report.md, section "Summary" -->
#   | ... the first table of that report's section "## Summary", as generated ... |
#   <!-- end -->
#
# `, table N` after the section name takes its N-th table (scenario sections have two).
# A section is matched by the start of its heading ("1. Hot set" matches "## 1. Hot set on
# the slow node, ...").
# Usage: scripts/readme-tables.py [--check] [README]
#   without --check: rewrite every marked table from its report (`make readme`);
#   --check: change nothing, print TAP (one line per table), exit 1 if any table differs
#   from its report or its report or section is missing (`make unit` runs this).
import itertools
import os
import re
import sys

BEGIN = re.compile(r'^<!-- from (\S+), section "([^"]+)"(?:, table (\d+))? -->$')
END = "<!-- end -->"


def section_table(report, heading, nth):
    """The nth table (lines starting with '|') under the first '## heading...' of report."""
    lines = open(report).read().splitlines()
    try:
        start = next(i for i, l in enumerate(lines) if l.startswith("## ") and l[3:].startswith(heading))
    except StopIteration:
        raise LookupError(f'{report} has no section "## {heading}..."')
    tables, cur = [], []
    for l in lines[start + 1:]:
        if l.startswith("## "):
            break
        if l.startswith("|"):
            cur.append(l)
        elif cur:
            tables.append(cur)
            cur = []
    if cur:
        tables.append(cur)
    if len(tables) < nth:
        raise LookupError(f'{report}, section "{heading}": no table {nth} (it has {len(tables)})')
    return tables[nth - 1]


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    readme = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "README.md")
    root = os.path.dirname(os.path.abspath(readme))
    lines = open(readme).read().split("\n")
    out, i, n, bad = [], 0, 0, 0
    while i < len(lines):
        m = BEGIN.match(lines[i])
        out.append(lines[i])
        i += 1
        if not m:
            continue
        n += 1
        report, heading, nth = m.group(1), m.group(2), int(m.group(3) or 1)
        j = i
        while j < len(lines) and lines[j] != END:
            j += 1
        what = f"README table {n}: {report}, {heading}" + (f", table {nth}" if nth > 1 else "")
        if j == len(lines):
            print(f"not ok {n} {what}: no '{END}' after its marker")
            bad += 1
            out.extend(lines[i:])
            break
        try:
            table = section_table(os.path.join(root, report), heading, nth)
        except (OSError, LookupError) as e:
            print(f"not ok {n} {what}: {e}")
            bad += 1
            table = lines[i:j]
        if check:
            if table == lines[i:j]:
                print(f"ok {n} {what}")
            else:
                diff = next((a, b) for a, b in itertools.zip_longest(table, lines[i:j], fillvalue="") if a != b)
                print(f"not ok {n} {what}: README differs from the report (run `make readme`); "
                      f"report: {diff[0][:100]!r}, README: {diff[1][:100]!r}")
                bad += 1
        out.extend(table)
        i = j
    if check:
        print(f"1..{n}")
    elif not bad:
        open(readme, "w").write("\n".join(out))
        print(f"readme-tables: {n} table(s) written from their reports into {readme}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
