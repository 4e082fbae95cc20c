#!/usr/bin/env bash
# The module's interface names, read from its sources (the source of truth), one per line:
#   param NAME     include/kpromoted/params.h (KP_PARAMS)
#   debugfs NAME   src/core/debugfs.c (debugfs_create_file)
#   trace NAME     include/kpromoted/trace.h (TRACE_EVENT, DEFINE_EVENT)
#   counter NAME   include/kpromoted/stats_names.h (KP_STATS), in debugfs stats
#   gauge NAME     the other lines of debugfs stats: what kp_stats_show() prints itself and the
#                  seq_printf()s of the kp_*_show() functions it calls; node%d_x as nodeN_x
# The man page test and the Prometheus test compare against this list, so a parameter,
# file, event or stats line added to the module fails them until it is documented.
# Usage: module_names.sh [TOP]
set -euo pipefail
TOP=${1:-$(cd "$(dirname "$0")/../../.." && pwd)}

sed -n '/^#define KP_PARAMS(X)/,/^$/p' "$TOP/include/kpromoted/params.h" |
	grep -oE '^[[:space:]]*X\([a-z0-9_]+,' | sed -E 's/.*X\(([a-z0-9_]+),/param \1/'
grep -oE 'debugfs_create_file\("[^"]+"' "$TOP/src/core/debugfs.c" | sed -E 's/.*\("([^"]+)"/debugfs \1/'
grep -oE '^(TRACE_EVENT\(|DEFINE_EVENT\([a-z0-9_]+, )[a-z0-9_]+' "$TOP/include/kpromoted/trace.h" |
	sed -E 's/.*[(, ]([a-z0-9_]+)$/trace \1/'
sed -n '/^#define KP_STATS(X)/,/^$/p' "$TOP/include/kpromoted/stats_names.h" |
	grep -oE '^[[:space:]]*X\([a-z0-9_]+\)' | sed -E 's/.*X\(([a-z0-9_]+)\)/counter \1/'
# The body of a C function `void NAME(struct seq_file *m)` (up to its closing brace).
body() {
	awk -v f="$1" '$0 ~ "^(static )?(void|int) " f "\\(struct seq_file \\*m" { on = 1 }
		on { print } on && /^}/ { exit }' "$TOP"/src/*/*.c
}
gauges() {
	# "%s %llu" in kp_stats_show() is the counters' loop.
	grep -oE 'seq_(printf|puts)\(m, "[a-z0-9_%]+ ' | sed -E 's/.*"([a-z0-9_%]+) /\1/; s/%d/N/' |
		grep -vx '%s' || true
}
stats_body=$(body kp_stats_show)
printf '%s\n' "$stats_body" | gauges | sed 's/^/gauge /'
for fn in $(printf '%s\n' "$stats_body" | grep -oE 'kp_[a-z0-9_]+_show\(m\)' | sed 's/(m)//'); do
	b=$(body "$fn")
	[[ -n $b ]] || { echo "module_names.sh: $fn: not found in src/" >&2; exit 1; }
	printf '%s\n' "$b" | gauges | sed 's/^/gauge /'
done
