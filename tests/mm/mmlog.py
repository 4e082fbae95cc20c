"""What tests/mm/run.sh and the patched migration.c write into the log, in one place.

compare.py and summary.py read the log through it; patch-migration.py writes the migration
rule's numbers into migration.c from it, so that the rule compare.py checks is the one the
program ran.
"""
import re

# migrate()'s rule (patch-migration.py): a case gives up after MIG_RETRIES failed moves in a
# row only once no move has succeeded for MIG_STUCK_MS.
MIG_RETRIES, MIG_STUCK_MS = 100, 1000

# "# MMST-PASSEND <pass> secs=N migrated=N promote_success=N": a pass ended (run.sh).
PASSEND = re.compile(r'^(?:# )?MMST-PASSEND (\w+) (.*)$')


def passend(line):
    """(pass, its words as written, {key: value}) for an MMST-PASSEND line, else None."""
    m = PASSEND.match(line)
    if not m:
        return None
    return m.group(1), m.group(2), dict(re.findall(r'(\w+)=(\S+)', m.group(2)))
