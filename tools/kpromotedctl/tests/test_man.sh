#!/usr/bin/env bash
# The man pages against their sources of truth. TAP.
#   kpromoted(4): its PARAMETERS, DEBUGFS, "Counters in stats", "Gauges in stats" and
#     TRACE EVENTS entries are exactly the module's (module_names.sh reads them from the
#     sources): one the page lacks, or one the module no longer has, fails.
#   kpromotedctl(8): every command, option and exit status of --help, and exactly the
#     metric families `stats --prometheus` writes for stats.sample.
#   Both render without a groff warning (what lintian checks).
# Usage: test_man.sh PATH-TO-kpromotedctl
set -u
BIN=$(readlink -f "${1:?usage: test_man.sh kpromotedctl}")
HERE=$(dirname "$(readlink -f "$0")")
TOP=$(cd "$HERE/../../.." && pwd)
MAN4=$TOP/docs/man/kpromoted.4
MAN8=$TOP/docs/man/kpromotedctl.8
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0 failed=0
ok() {
	n=$((n + 1))
	if [[ $1 -eq 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
# The first word of every .TP entry's tag line, per section (SH and SS), fonts removed:
# "SECTION<TAB>word".
entries() {
	awk '/^\.S[HS] / { sec = $0; sub(/^\.S[HS] /, "", sec); gsub(/"/, "", sec); next }
		tag { line = $0; sub(/^\.(B|BR|BI|I|IR) /, "", line); gsub(/\\f[BIRP]/, "", line)
			gsub(/\\-/, "-", line); split(line, w, /[ ={]/); print sec "\t" w[1]; tag = 0 }
		/^\.TP/ { tag = 1 }' "$1"
}
# same SECTION MODULE-KIND DESCRIPTION: the entries of SECTION == module_names KIND.
same() {
	local want got extra lacking
	want=$("$HERE/module_names.sh" "$TOP" | awk -v k="$2" '$1 == k { print $2 }' | sort -u)
	got=$(entries "$MAN4" | awk -F'\t' -v s="$1" '$1 == s { print $2 }' | sort -u)
	lacking=$(comm -23 <(echo "$want") <(echo "$got") | tr '\n' ' ')
	extra=$(comm -13 <(echo "$want") <(echo "$got") | tr '\n' ' ')
	[[ -n $want && -z $lacking && -z $extra ]]
	ok $? "kpromoted(4) $1: $3${lacking:+; not documented: $lacking}${extra:+; not in the module: $extra}"
}

echo "TAP version 13"
same PARAMETERS param "every module parameter of include/kpromoted/params.h"
same DEBUGFS debugfs "every debugfs file of src/core/debugfs.c"
same "Counters in stats" counter "every counter of include/kpromoted/stats_names.h"
same "Gauges in stats" gauge "every gauge line of debugfs stats"
same "TRACE EVENTS" trace "every trace event of include/kpromoted/trace.h"

# kpromotedctl(8) against --help.
"$BIN" --help >"$T/help"
text=$(sed 's/\\f[BIRP]//g; s/\\-/-/g' "$MAN8")
lacking=
for w in $(awk '/^  [a-z]/ { print $1 }' "$T/help" | sed -n '/^[a-z]*$/p') \
	$(grep -oE -- '--[a-z]+' "$T/help" | sort -u); do
	grep -qwF -- "$w" <<<"$text" || lacking+="$w "
done
[[ -z $lacking ]]
ok $? "kpromotedctl(8): every command and option of --help${lacking:+; missing: $lacking}"
codes_help=$(sed -n '/^exit status/,$p' "$T/help" | grep -oE '\b[0-9] [a-z]' | cut -c1 | sort | tr -d '\n')
codes_man=$(entries "$MAN8" | awk -F'\t' '$1 == "EXIT STATUS" { print $2 }' | sort | tr -d '\n')
[[ -n $codes_help && $codes_help == "$codes_man" ]]
ok $? "kpromotedctl(8) EXIT STATUS: the codes of --help ($codes_help; page: $codes_man)"

# The metric families of stats --prometheus on every stats line the module prints.
mkdir -p "$T/sys/kernel/debug/kpromoted" "$T/sys/module/kpromoted" "$T/proc"
echo "debugfs /sys/kernel/debug debugfs rw 0 0" >"$T/proc/mounts"
cp "$HERE/stats.sample" "$T/sys/kernel/debug/kpromoted/stats"
printf 'hintfault enabled\n' >"$T/sys/kernel/debug/kpromoted/sources"
echo 0.1.0 >"$T/sys/module/kpromoted/version"
KPROMOTEDCTL_ROOT=$T "$BIN" stats --prometheus >"$T/prom"
want=$(awk '/^# TYPE / { print $3 }' "$T/prom" | sort -u)
got=$(entries "$MAN8" | awk -F'\t' '$1 == "PROMETHEUS" { print $2 }' | sort -u)
lacking=$(comm -23 <(echo "$want") <(echo "$got") | tr '\n' ' ')
extra=$(comm -13 <(echo "$want") <(echo "$got") | tr '\n' ' ')
[[ -n $want && -z $lacking && -z $extra ]]
ok $? "kpromotedctl(8) PROMETHEUS: exactly the families of stats --prometheus${lacking:+; not documented: $lacking}${extra:+; not written: $extra}"

# The version in each page's title is the one in VERSION.
version=$(cat "$TOP/VERSION")
for page in "$MAN4" "$MAN8"; do
	grep -q "^\.TH [A-Z]* [48] [0-9-]* \"kpromoted $version\" " "$page"
	ok $? "$(basename "$page"): its .TH names kpromoted $version (VERSION)"
done

# Rendering, as lintian does (groff-message, manpage-has-errors-from-man).
for page in "$MAN4" "$MAN8"; do
	if command -v man >/dev/null && command -v groff >/dev/null; then
		LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" \
			>/dev/null 2>"$T/warn"
		[[ $? -eq 0 && ! -s $T/warn ]]
		ok $? "$(basename "$page") renders without a warning"
		sed 's/^/# /' "$T/warn"
	else
		ok 1 "$(basename "$page") renders without a warning (man and groff missing: scripts/host-deps.sh)"
	fi
done
echo "1..$n"
echo "# man pages: $((n - failed)) passed, $failed failed"
[[ $failed -eq 0 ]]
