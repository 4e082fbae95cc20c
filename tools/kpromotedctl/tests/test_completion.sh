#!/usr/bin/env bash
# kpromotedctl's bash completion, sourced as bash-completion does, on a few command lines. TAP.
# Runs once with bash-completion's helpers (_init_completion) and once without them.
# Usage: test_completion.sh PATH-TO-kpromotedctl
set -u
BIN=$(readlink -f "${1:?usage: test_completion.sh kpromotedctl}")
HERE=$(dirname "$(readlink -f "$0")")
COMPLETION=$HERE/../kpromotedctl.bash-completion
BASH_COMPLETION=${BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# The tool as `kpromotedctl` on PATH: the completion asks it for the parameter names.
ln -s "$BIN" "$T/kpromotedctl"
n=0 failed=0
ok() {
	n=$((n + 1))
	if [[ $1 -eq 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}

# complete WITH_HELPERS LINE: the sorted completions of LINE (cursor at its end), one a line.
complete_line() {
	PATH=$T:$PATH bash --norc --noprofile -c '
		[[ $1 == yes ]] && { source "$2" || exit 1; }
		source "$3" || exit 1
		COMP_LINE=$4 COMP_POINT=${#4}
		# The words as bash makes them: "=" is a word of its own (COMP_WORDBREAKS).
		read -r -a toks <<<"$4"
		COMP_WORDS=()
		for i in "${!toks[@]}"; do
			t=${toks[i]}
			if [[ $t == *=* ]]; then
				COMP_WORDS+=("${t%%=*}" "=")
				[[ -n ${t#*=} || $i -eq $((${#toks[@]} - 1)) ]] && COMP_WORDS+=("${t#*=}")
			else
				COMP_WORDS+=("$t")
			fi
		done
		[[ $4 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_kpromotedctl kpromotedctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$1" "$BASH_COMPLETION" "$COMPLETION" "$2" 2>/dev/null
}
# expect LINE WANT...: the completions of LINE are exactly WANT (space-separated).
expect() {
	local line=$1 got
	shift
	got=$(complete_line "$helpers" "$line" | tr '\n' ' ' | sed 's/ $//')
	[[ $got == "$*" ]]
	ok $? "[$mode] '$line' -> '$*'${got:+ (got '$got')}"
}

echo "TAP version 13"
bash -n "$COMPLETION"
ok $? "the completion file parses"
for helpers in yes no; do
	mode="without bash-completion"
	if [[ $helpers == yes ]]; then
		mode="with bash-completion"
		if [[ ! -r $BASH_COMPLETION ]]; then
			ok 1 "[$mode] $BASH_COMPLETION missing (apt install bash-completion, or scripts/host-deps.sh)"
			continue
		fi
	fi
	expect "kpromotedctl " "--help heatmap help load stats status top unload watch"
	expect "kpromotedctl st" "stats status"
	expect "kpromotedctl stats " "--json --prometheus"
	expect "kpromotedctl stats --pro" "--prometheus"
	expect "kpromotedctl stats --json " ""
	expect "kpromotedctl watch " "--interval --iterations"
	expect "kpromotedctl watch --interval 2 " "--iterations"
	expect "kpromotedctl watch --interval " ""
	expect "kpromotedctl heatmap " "--count --interval --node --png"
	expect "kpromotedctl heatmap --node 1 " "--count --interval --png"
	expect "kpromotedctl heatmap --node " ""
	expect "kpromotedctl top " "--by --count --interval"
	expect "kpromotedctl top --by " "cgroup process"
	expect "kpromotedctl top --by c" "cgroup"
	expect "kpromotedctl unload " ""
	expect "kpromotedctl load rate_" "rate_limit_mbps="
	# Bash replaces what follows the "=": values alone.
	expect "kpromotedctl load mode=" "observe promote"
	expect "kpromotedctl load rate_limit_mbps=1 lru_gen=e" "enable"
	expect "kpromotedctl load sources=hintfault,m" "hintfault,mglru"
	expect "kpromotedctl load --mod" "--module"
	# Every parameter of the tool, once: a parameter already given is not offered again.
	all=$("$BIN" --help | sed -n '/^parameters:/,/^  (/p' | sed '1d;$d' | tr ' ' '\n' | sed '/^$/d' | wc -l)
	got=$(complete_line "$helpers" "kpromotedctl load " | grep -c '=$')
	[[ $all -gt 20 && $got -eq $all ]]
	ok $? "[$mode] load: every parameter of --help ($got of $all)"
	got=$(complete_line "$helpers" "kpromotedctl load mode=observe " | grep -c '^mode=$')
	[[ $got -eq 0 ]]
	ok $? "[$mode] load: a parameter given is not offered again"
done
echo "1..$n"
echo "# bash completion: $((n - failed)) passed, $failed failed"
[[ $failed -eq 0 ]]
