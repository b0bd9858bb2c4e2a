#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the npusim kselftests (in the guest) and print KTAP.
#
#	run_kselftest.sh [-d TARGET_DIR]... [-o TIMEOUT] [SCRIPT...]
#	run_kselftest.sh -q QUEUE_DIR [-k] [-o TIMEOUT]
#	run_kselftest.sh -l [-d TARGET_DIR]... [SCRIPT...]
#
# TARGET_DIR is relative to this directory or absolute (default
# drivers/net/npusim, several -d allowed).  Each target's Makefile lists
# its scripts in TEST_PROGS; its "settings" file gives "timeout=N"
# (seconds, default 45; -o overrides).  SCRIPT arguments restrict the run
# to those scripts (basename or TARGET_DIR/name).
#
# -l only lists the scripts that would run, "TARGET_DIR SCRIPT" a line.
# With -q, the scripts come from a queue that several runners (VMs) share:
# QUEUE_DIR/todo/ holds one file per script, named "NNN-SCRIPT" and
# holding its TARGET_DIR; a runner takes the first one it can move to
# QUEUE_DIR/taken/ (a rename: exactly one runner gets each), runs it, and
# takes the next, until the queue is empty.  With -k, the runner takes its
# scripts from QUEUE_DIR/kmemleak/ instead of todo/: the scripts that must
# run where kmemleak watches (its kernel runs kmemleak), in the same form.
#
# Output: "TAP version 13", "1..N" (one per script; at the end with -q),
# each script's own KTAP output indented by 4 spaces as a nested subtest,
# then "ok N name", "ok N name # SKIP" (exit 4), "not ok N name # TIMEOUT
# S seconds" or "not ok N name # exit=RC", and "# name: S s" (its run
# time).  The last line is "# Totals: pass:X fail:Y skip:Z" counting the
# scripts' individual test cases; a script that fails or times out without
# reporting a failed case adds one failure, a script that skips without
# reporting any case one skip.  Exit status 0 if no failure, 1 otherwise.

BASE_DIR=$(cd "$(dirname "$0")" && pwd)
targets=()
timeout_override=
queue=
kmemleak=0
list=0

usage()
{
	sed -n '4,23s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

while getopts "d:klo:q:h" opt; do
	case $opt in
	k) kmemleak=1 ;;
	l) list=1 ;;
	d) targets+=("$OPTARG") ;;
	q) queue=$OPTARG ;;
	o) timeout_override=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
filters=("$@")

# read_progs DIR: print the TEST_PROGS of DIR/Makefile, one per line.
read_progs()
{
	local line in=0 w

	while IFS= read -r line; do
		if [ $in -eq 0 ]; then
			[[ "$line" =~ ^TEST_PROGS[[:space:]]*[:+]?=(.*)$ ]] || continue
			in=1
			line=${BASH_REMATCH[1]}
		fi
		line=${line%%#*}
		for w in ${line//\\/ }; do
			echo "$w"
		done
		[[ "$line" =~ \\[[:space:]]*$ ]] || in=0
	done < "$1/Makefile"
}

# read_timeout DIR
read_timeout()
{
	local k v t=45

	if [ -f "$1/settings" ]; then
		while IFS='=' read -r k v; do
			[ "$k" == timeout ] && t=$v
		done < "$1/settings"
	fi
	echo "$t"
}

selected()
{
	local dir=$1 prog=$2 f

	[ ${#filters[@]} -eq 0 ] && return 0
	for f in "${filters[@]}"; do
		[ "$f" == "$prog" ] || [ "$f" == "$dir/$prog" ] ||
			[ "${f##*/}" == "$prog" ] && return 0
	done
	return 1
}

# Collect (dir, prog, timeout) triples.
run_dirs=()
run_progs=()
run_timeouts=()
if [ -n "$queue" ]; then
	if [ ${#filters[@]} -ne 0 ] || [ ${#targets[@]} -ne 0 ]; then
		echo "run_kselftest.sh: -q takes no -d or SCRIPT" >&2
		exit 2
	fi
	if [ ! -d "$queue/todo" ] || ! mkdir -p "$queue/taken" ||
	   { [ "$kmemleak" = 1 ] && [ ! -d "$queue/kmemleak" ]; }; then
		echo "run_kselftest.sh: $queue is not a queue" >&2
		exit 2
	fi
fi
[ ${#targets[@]} -eq 0 ] && targets=(drivers/net/npusim)
for t in "${targets[@]}"; do
	[ -z "$queue" ] || break
	dir=$BASE_DIR/$t
	[[ "$t" == /* ]] && dir=$t
	if [ ! -f "$dir/Makefile" ]; then
		echo "run_kselftest.sh: no $t/Makefile" >&2
		exit 2
	fi
	to=${timeout_override:-$(read_timeout "$dir")}
	while read -r p; do
		[ -n "$p" ] || continue
		selected "$t" "$p" || continue
		run_dirs+=("$t")
		run_progs+=("$p")
		run_timeouts+=("$to")
	done < <(read_progs "$dir")
done

if [ ${#filters[@]} -ne 0 ] && [ ${#run_progs[@]} -eq 0 ]; then
	echo "run_kselftest.sh: no test matches: ${filters[*]}" >&2
	exit 2
fi

if [ "$list" = 1 ]; then
	for i in "${!run_progs[@]}"; do
		echo "${run_dirs[$i]} ${run_progs[$i]}"
	done
	exit 0
fi

# take_next: move the first script still in the queue to taken/ and set
# t, p and to; false once the queue is empty.
take_next()
{
	local f q=todo

	[ "$kmemleak" = 0 ] || q=kmemleak
	for f in "$queue/$q"/*; do
		[ -f "$f" ] || continue
		# a rename: if another runner took it first, it fails
		mv "$f" "$queue/taken/" 2> /dev/null || continue
		read -r t < "$queue/taken/${f##*/}" || continue
		p=${f##*/}
		p=${p#*-}
		dir=$BASE_DIR/$t
		[[ "$t" == /* ]] && dir=$t
		to=${timeout_override:-$(read_timeout "$dir")}
		return 0
	done
	return 1
}

pass=0
fail=0
skip=0
log=$(mktemp /tmp/npusim-ksft.XXXXXX)
trap 'rm -f "$log"' EXIT

echo "TAP version 13"
[ -n "$queue" ] || echo "1..${#run_progs[@]}"

n=0
while :; do
	if [ -n "$queue" ]; then
		take_next || break
	else
		[ $n -lt ${#run_progs[@]} ] || break
		t=${run_dirs[$n]}
		p=${run_progs[$n]}
		to=${run_timeouts[$n]}
	fi
	n=$((n + 1))
	echo "# selftests: $t: $p (timeout ${to}s)"

	# Without --foreground, timeout signals the whole process group, so
	# the script's background jobs die with it; -k covers a hung cleanup.
	dir=$BASE_DIR/$t
	[[ "$t" == /* ]] && dir=$t
	t0=$SECONDS
	(cd "$dir" && exec timeout -k 30 "$to" bash "./$p") 2>&1 |
		tee "$log" | sed -u 's/^/    /'
	rc=${PIPESTATUS[0]}

	# Count the script's own (top-level) case results.
	cp=0 cf=0 cs=0
	while IFS= read -r line; do
		case $line in
		"not ok "*)
			cf=$((cf + 1)) ;;
		"ok "*"# SKIP"* | "ok "*"# skip"*)
			cs=$((cs + 1)) ;;
		"ok "*)
			cp=$((cp + 1)) ;;
		esac
	done < "$log"

	if [ "$rc" -eq 0 ] && [ $cf -eq 0 ]; then
		echo "ok $n $p"
	elif [ "$rc" -eq 4 ] && [ $cf -eq 0 ]; then
		echo "ok $n $p # SKIP"
		[ $((cp + cs)) -eq 0 ] && cs=1
	elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "not ok $n $p # TIMEOUT $to seconds"
		[ $cf -eq 0 ] && cf=1
	else
		echo "not ok $n $p # exit=$rc"
		[ $cf -eq 0 ] && cf=1
	fi
	echo "# $p: $((SECONDS - t0)) s"
	pass=$((pass + cp))
	fail=$((fail + cf))
	skip=$((skip + cs))
done

[ -z "$queue" ] || echo "1..$n"
echo "# Totals: pass:$pass fail:$fail skip:$skip"
[ $fail -eq 0 ]
