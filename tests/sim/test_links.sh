#!/usr/bin/env bash
# The simulator's core is the module's core (issue 14): TAP lines, non-zero on a break.
#  1. the sim compiles the table from the path Kbuild lists for the module;
#  2. no simulator object defines a symbol of the table (no copy of its logic);
#  3. a change of the table's rule in the tree (table.c: no nomination; table.h:
#     another fixed size) changes the simulator's figures, the simulator untouched.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cc=${CC:-gcc}
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

core=$(make -s -C "$here" print-core)
if [[ $core == "$top/src/core/table.c" ]] && grep -q 'src/core/table\.o' "$top/Kbuild"; then
	ok "the sim compiles $core, the file Kbuild builds into kpromoted.ko"
else
	nok "the sim's core sources ($core) are Kbuild's src/core/table.o"
fi

syms=$(sed -n 's/^[a-z].* \**\(kp_[a-z_]*\)(.*/\1/p' "$top/src/core/table.c" | sort -u)
defs=""
for f in "$here"/sim.c "$here"/world.c "$here"/sources.c "$here"/engine_kp.c "$here"/anchors.c "$here"/simlib.c; do
	$cc -c -O0 -I"$top/include" -I"$here" -o "$tmp/o.o" "$f" || { nok "compile $f"; continue; }
	for s in $syms; do
		nm "$tmp/o.o" | grep -qE " [TtDdBbRr] $s\$" && defs="$defs $(basename "$f"):$s"
	done
done
if [[ -z $defs && -n $syms ]]; then
	ok "no simulator object defines any of table.c's $(echo "$syms" | wc -l) functions"
else
	nok "simulator objects define table symbols:$defs"
fi

# A copy of the tree's pieces, the simulator's files untouched, the table's rule changed.
figures() { # figures DIR: the kpromoted run's nominated, promoted and meta_bytes
	"$1/tests/sim/build/kpsim" --gib 64 --seconds 6 --engine kp --name links |
		grep -o 'nominated=[0-9]* \|promoted=[0-9]* \|meta_bytes=[0-9]*' | tr -d ' ' | tr '\n' ' '
}
mutant() { # mutant NAME FILE SED-EXPR
	local d="$tmp/$1"
	mkdir -p "$d/src/core" "$d/tests/unit"
	cp -r "$top/include" "$top/Kbuild" "$d/"
	cp "$top/src/core/table.c" "$d/src/core/"
	cp -r "$here" "$d/tests/sim"
	cp "$top/tests/unit/tap.h" "$d/tests/unit/"
	rm -rf "$d/tests/sim/build"
	sed -i "$3" "$d/$2"
	if cmp -s "$d/$2" "$top/$2"; then
		echo "# $1: the edit did not apply"
		return 1
	fi
	make -s -C "$d/tests/sim" build/kpsim >/dev/null
}
base=$(figures "$top")
echo "# tree:   $base"
if mutant nonom src/core/table.c 's/if (!e.nom && e.heat >= nominate_heat)/if (0 \&\& !e.nom \&\& e.heat >= nominate_heat)/'; then
	m=$(figures "$tmp/nonom")
	echo "# table.c never nominating: $m"
	if [[ $m == *"nominated=0 "* && $base != *"nominated=0 "* ]]; then
		ok "a table.c that never nominates: the simulator nominates nothing"
	else
		nok "a table.c that never nominates changes the simulator's figures"
	fi
else
	nok "build of the simulator with a table.c that never nominates"
fi
if mutant fixed include/kpromoted/table.h 's/#define KP_TBL_FIXED_ENTRIES 65536/#define KP_TBL_FIXED_ENTRIES 131072/'; then
	m=$(figures "$tmp/fixed")
	echo "# table.h with twice the fixed entries: $m"
	if [[ ${m##*meta_bytes=} != "${base##*meta_bytes=}" ]]; then
		ok "table.h's fixed size changed: the simulator's metadata bytes follow"
	else
		nok "table.h's fixed size changes the simulator's metadata bytes"
	fi
else
	nok "build of the simulator with another table.h"
fi
echo "1..$n"
echo "# test_links: $((n - failed)) passed, $failed failed"
[[ $failed -eq 0 ]]
