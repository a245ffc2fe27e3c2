# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# bash completion for mvmmctl(8); make install puts it in
# share/bash-completion/completions/mvmmctl.
#
# Words come from the mvmmctl being completed, so that they stay true as
# the tool grows: the objects from "mvmmctl help", each object's commands
# from the usage lines of "mvmmctl OBJECT help", the event types and their
# qualifier keywords from "mvmmctl events" (compiled in: no kernel needed).
# VM ids, pids, handler names and rule ids come from the module, and only
# when it is loaded already: asking would otherwise make the kernel load it
# (the family's module alias), and a TAB should not do that. The options
# and the rule keywords of rule_parse.c are listed here;
# selftests/packaging/run checks them against the binary.

# Present while mvmm is loaded (a variable so that tests can point it at
# a directory of their own).
_mvmmctl_module_dir=/sys/module/mvmm

_mvmmctl_options="-j -p -n -V -h --json --pretty --numeric --version --help"

# The mvmmctl to ask: the command being completed when it can be run.
_mvmmctl_bin()
{
	local c=$1

	# The word as typed: a tilde is still a literal one.
	# shellcheck disable=SC2088
	[[ $c == "~/"* ]] && c=$HOME/${c#"~/"}
	if [[ $c == */* ]]; then
		[[ -x $c ]] && { printf '%s\n' "$c"; return; }
	elif type -P "$c" >/dev/null 2>&1; then
		printf '%s\n' "$c"
		return
	fi
	printf 'mvmmctl\n'
}

# Print the one entry of the remaining arguments that $1 names, as mvmmctl
# matches words: the exact entry, else the only one $1 is a prefix of.
_mvmmctl_match()
{
	local w=$1 c found=
	shift
	[[ -n $w ]] || return 1
	for c; do
		[[ $c == "$w" ]] && { printf '%s\n' "$c"; return 0; }
	done
	for c; do
		if [[ $c == "$w"* ]]; then
			[[ -n $found ]] && return 1	# ambiguous
			found=$c
		fi
	done
	[[ -n $found ]] && printf '%s\n' "$found"
}

_mvmmctl_objects()
{
	"$_mvmmctl_cmd" help 2>/dev/null |
		sed -n 's/^OBJECT := { \(.*\) }$/\1/p' | tr -d '|'
	printf 'help\n'
}

# The commands of object $1: the first word after "mvmmctl OBJECT" in its
# usage lines, "[list]" included.
_mvmmctl_commands()
{
	"$_mvmmctl_cmd" "$1" help 2>/dev/null |
		sed -n "s/^\(Usage:\)\{0,1\} *mvmmctl $1 \[\{0,1\}\([a-z][a-z-]*\).*/\2/p" |
		sort -u
}

_mvmmctl_events()
{
	"$_mvmmctl_cmd" events 2>/dev/null | awk 'NR > 1 { print $2 }'
}

# The qualifier keyword rules use for event type $1 (a name or a number);
# nothing for a type without one.
_mvmmctl_qual()
{
	"$_mvmmctl_cmd" events 2>/dev/null |
		awk -v t="$1" 'NR > 1 && ($1 == t || $2 == t) && $3 != "-" { print $3 }'
}

# Values of JSON key $1 in the output of mvmmctl -j ARGS..., if the module
# is loaded.
_mvmmctl_json()
{
	local key=$1
	shift
	[[ -d $_mvmmctl_module_dir ]] || return 0
	"$_mvmmctl_cmd" -j "$@" 2>/dev/null |
		grep -o "\"$key\": *\(\"[^\"]*\"\|[0-9]*\)" |
		sed 's/^[^:]*: *//; s/"//g' | sort -u
}

# The names of the groups (first column of "group list"), if loaded.
_mvmmctl_groups()
{
	[[ -d $_mvmmctl_module_dir ]] || return 0
	"$_mvmmctl_cmd" group list 2>/dev/null | awk 'NR > 1 { print $1 }'
}

# group add|set NAME [policy POLICY] member HANDLER [weight N]...
_mvmmctl_group_spec()
{
	local n=$# prev kw
	local -a g=("$@")

	((n == 0)) && { _mvmmctl_reply "$(_mvmmctl_groups)"; return; }
	if (((n - 1) % 2 == 1)); then
		prev=$(_mvmmctl_match "${g[n - 1]}" policy member weight) || return
		case $prev in
		policy)	_mvmmctl_reply "least-outstanding ewma weighted" ;;
		member)	_mvmmctl_reply "$(_mvmmctl_json name handler list)" ;;
		esac
		return
	fi
	kw="member"
	((n > 1)) && kw+=" weight"
	[[ " ${g[*]:1} " == *" policy "* ]] || kw+=" policy"
	_mvmmctl_reply "$kw"
}

_mvmmctl_reply()
{
	mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

# Complete a VM selector (ID | pid PID) given the words of it so far, or
# return 1 if they are complete and the caller goes on (2 = words used).
_mvmmctl_vm_sel()
{
	if (($# == 0)); then
		_mvmmctl_reply "$(_mvmmctl_json id vm list) pid"
		return 0
	fi
	if [[ $(_mvmmctl_match "$1" pid) == pid ]]; then
		if (($# == 1)); then
			_mvmmctl_reply "$(_mvmmctl_json pid vm list)"
			return 0
		fi
		_mvmmctl_used=2
		return 1
	fi
	_mvmmctl_used=1
	return 1
}

# The RULE words after TABLE (table words in _mvmmctl_table).
_mvmmctl_rule_spec()
{
	local -a r=("$@")
	local n=$# j=0 type kw k qual
	local -A seen=()
	local -a kws=(origin mode handler group main fallback id answer)
	local answer_items=

	if ((n > 0)) && [[ ${r[0]} == id ]]; then
		if ((n == 1)); then
			_mvmmctl_reply "$(_mvmmctl_json id rule show "${_mvmmctl_table[@]}")"
			return
		fi
		seen[id]=1
		j=2
	fi
	if ((j >= n)); then
		local first
		first="$(_mvmmctl_events) msr"
		((j == 0)) && first+=" id"
		_mvmmctl_reply "$first"
		return
	fi

	if [[ ${r[j]} == msr ]]; then
		if ((j + 1 >= n)); then
			_mvmmctl_reply "read write"
			return
		fi
		k=$(_mvmmctl_match "${r[j + 1]}" read write) || return
		type=msr-$k
		j=$((j + 2))
		# "msr read 0x10": the range needs no keyword.
		if ((j < n)) && [[ ${r[j]} == [0-9]* ]]; then
			j=$((j + 1))
			seen[qual]=1
		fi
	else
		type=${r[j]}
		j=$((j + 1))
	fi
	qual=$(_mvmmctl_qual "$type")
	[[ -n $qual && -z ${seen[qual]} ]] && kws=("$qual" "${kws[@]}")

	while ((j < n)); do
		answer_items=
		kw=$(_mvmmctl_match "${r[j]}" "${kws[@]}") || return
		if [[ $kw == answer ]]; then
			# ITEMs, whole words: value N, ignore, REG N, REG and N, ...
			seen[target]=1
			j=$((j + 1))
			while ((j < n)); do
				case ${r[j]} in
				ignore)	j=$((j + 1)) ;;
				eax|ebx|ecx|edx)
					if ((j + 1 == n)); then
						_mvmmctl_reply "and or"
						return
					fi
					if [[ ${r[j + 1]} == [0-9~]* ]]; then
						j=$((j + 2))
					else
						j=$((j + 1))
					fi ;;
				value|and|or)
					# a number follows
					((j + 1 == n)) && return
					j=$((j + 2)) ;;
				*)	break ;;
				esac
			done
			answer_items="value ignore eax ebx ecx edx and or"
			continue
		fi
		if [[ $kw == main ]]; then
			seen[target]=1
			j=$((j + 1))
			continue
		fi
		if ((j + 1 == n)); then
			case $kw in
			origin)		_mvmmctl_reply "l1 l2 any" ;;
			mode)		_mvmmctl_reply "sync observe" ;;
			fallback)	_mvmmctl_reply "main deny" ;;
			handler)	_mvmmctl_reply "$(_mvmmctl_json name handler list)" ;;
			group)		_mvmmctl_reply "$(_mvmmctl_groups)" ;;
			esac
			return
		fi
		[[ $kw == handler || $kw == group ]] && seen[target]=1
		[[ $kw == "$qual" ]] && seen[qual]=1
		seen[$kw]=1
		j=$((j + 2))
	done

	local left=()
	for kw in "${kws[@]}"; do
		[[ -n ${seen[$kw]} ]] && continue
		[[ $kw == "$qual" && -n ${seen[qual]} ]] && continue
		[[ ($kw == handler || $kw == group || $kw == main ||
		     $kw == answer) && -n ${seen[target]} ]] && continue
		left+=("$kw")
	done
	_mvmmctl_reply "$answer_items ${left[*]}"
}

_mvmmctl_rule()
{
	local cmd=$1
	shift
	local -a a=("$@")
	local t

	# TABLE := { vm ID | vm pid PID | default }
	if ((${#a[@]} == 0)); then
		_mvmmctl_reply "vm default"
		return
	fi
	t=$(_mvmmctl_match "${a[0]}" vm default) || return
	if [[ $t == vm ]]; then
		_mvmmctl_vm_sel "${a[@]:1}" && return
		_mvmmctl_table=("${a[@]:0:_mvmmctl_used + 1}")
	else
		_mvmmctl_table=(default)
	fi
	a=("${a[@]:${#_mvmmctl_table[@]}}")

	case $cmd in
	add|replace)
		_mvmmctl_rule_spec "${a[@]}"
		;;
	del)
		if ((${#a[@]} == 0)); then
			_mvmmctl_reply "id"
		elif ((${#a[@]} == 1)) && [[ $(_mvmmctl_match "${a[0]}" id) == id ]]; then
			_mvmmctl_reply "$(_mvmmctl_json id rule show "${_mvmmctl_table[@]}")"
		fi
		;;
	esac
}

_mvmmctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]}
	local _mvmmctl_cmd _mvmmctl_used=0 obj cmd i=1
	local -a _mvmmctl_table=() a

	COMPREPLY=()
	_mvmmctl_cmd=$(_mvmmctl_bin "${COMP_WORDS[0]}")

	# Options come before OBJECT (getopt stops at the first non-option).
	while ((i < COMP_CWORD)) && [[ ${COMP_WORDS[i]} == -* ]]; do
		[[ ${COMP_WORDS[i]} == -- ]] && { i=$((i + 1)); break; }
		i=$((i + 1))
	done
	if ((i == COMP_CWORD)); then
		if [[ $cur == -* ]]; then
			_mvmmctl_reply "$_mvmmctl_options"
		else
			_mvmmctl_reply "$(_mvmmctl_objects)"
		fi
		return 0
	fi

	# shellcheck disable=SC2046	# one word per line, no blanks
	obj=$(_mvmmctl_match "${COMP_WORDS[i]}" $(_mvmmctl_objects)) || return 0
	a=("${COMP_WORDS[@]:i + 1:COMP_CWORD - i - 1}")
	# apply -f FILE: "-f" is its command word, then a file name.
	if [[ $obj == apply ]]; then
		if ((${#a[@]} == 0)); then
			_mvmmctl_reply "-f help"
		elif ((${#a[@]} == 1)) && [[ ${a[0]} == -f ]]; then
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		return 0
	fi
	# monitor [rule | handler | vm | all]...: objects, not commands.
	if [[ $obj == monitor ]]; then
		_mvmmctl_reply "rule handler vm all help"
		return 0
	fi
	if ((${#a[@]} == 0)); then
		[[ $obj == help ]] || _mvmmctl_reply "$(_mvmmctl_commands "$obj")"
		return 0
	fi
	# "list" is an alias of "rule show" (and "default show") that no
	# usage line names.
	# shellcheck disable=SC2046
	cmd=$(_mvmmctl_match "${a[0]}" $(_mvmmctl_commands "$obj") \
		$([[ $obj == rule || $obj == default ]] && echo list)) || return 0
	a=("${a[@]:1}")

	case $obj/$cmd in
	vm/list)
		if ((${#a[@]} == 0)); then
			_mvmmctl_reply "pid"
		elif ((${#a[@]} == 1)) && [[ $(_mvmmctl_match "${a[0]}" pid) == pid ]]; then
			_mvmmctl_reply "$(_mvmmctl_json pid vm list)"
		fi
		;;
	vm/show|stats/vm)
		_mvmmctl_vm_sel "${a[@]}"
		;;
	handler/show)
		((${#a[@]} == 0)) && _mvmmctl_reply "$(_mvmmctl_json name handler list)"
		;;
	rule/help|default/help)
		;;
	group/show|group/del)
		((${#a[@]} == 0)) && _mvmmctl_reply "$(_mvmmctl_groups)"
		;;
	group/add|group/set)
		_mvmmctl_group_spec "${a[@]}"
		;;
	rule/show|rule/list)
		# show -f [TABLE]: a policy file, of TABLE or of every table.
		if ((${#a[@]} == 0)); then
			_mvmmctl_reply "vm default -f"
		elif [[ ${a[0]} == -f ]]; then
			((${#a[@]} == 1)) && _mvmmctl_reply "vm default"
			((${#a[@]} > 1)) && _mvmmctl_rule show "${a[@]:1}"
		fi
		;;
	rule/*)
		_mvmmctl_rule "$cmd" "${a[@]}"
		;;
	default/show|default/list)
		((${#a[@]} == 0)) && _mvmmctl_reply "-f"
		;;
	default/*)
		# "mvmmctl default CMD ..." is "mvmmctl rule CMD default ...".
		_mvmmctl_rule "$cmd" default "${a[@]}"
		;;
	esac
	return 0
}

complete -F _mvmmctl mvmmctl
