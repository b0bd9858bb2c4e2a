# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for the npusim selftests.  Source it from a test script:
#
#	source "$(dirname "$0")"/lib.sh
#	require_cmd ip jq
#	npusim_load || skip_all "npusim module not available"
#	trap cleanup EXIT
#	...
#	RET=0; cmd; check_err $? "what went wrong"; log_test "case name"
#	...
#	exit_tests
#
# Output is KTAP: "TAP version 13", one "ok N name" / "not ok N name" line
# per case (diagnostics as "# " lines before it), the plan "1..N" at the
# end, then "# Totals: pass:X fail:Y skip:Z".  Exit status: 0 all passed,
# 1 any case failed, 4 (ksft_skip) nothing ran.
#
# Everything here avoids forks where a bash builtin will do: under QEMU/TCG
# every exec of a dynamically linked program costs ~140 ms.

# Variables set here are read by the sourcing scripts.
# shellcheck disable=SC2034

ksft_pass=0
ksft_fail=1
ksft_skip=4

NPUSIM_SYS=/sys/bus/npusim
NPUSIM_DFS=/sys/kernel/debug/npusim
NPUSIM_KO=${NPUSIM_KO:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../../../../drivers/net/npusim/npusim.ko}
WAIT_TIMEOUT=${WAIT_TIMEOUT:-10}

# ---------------------------------------------------------------------------
# KTAP output and per-case result tracking

KTAP_NUM=0
KTAP_PASS=0
KTAP_FAIL=0
KTAP_SKIP=0
RET=0
RET_MSGS=()

echo "TAP version 13"

# Print a diagnostic line.
log_info()
{
	echo "# $*"
}

# check_err RC MSG: the case fails if RC != 0.
check_err()
{
	local rc=$1 msg=$2

	if [ "$rc" -ne 0 ]; then
		[ "$RET" -eq 0 ] && RET=$rc
		[ "$RET" -eq "$ksft_skip" ] && RET=$ksft_fail
		RET_MSGS+=("$msg")
	fi
}

# check_fail RC MSG: the case fails if RC == 0 (command expected to fail).
check_fail()
{
	local rc=$1 msg=$2

	if [ "$rc" -eq 0 ]; then
		[ "$RET" -eq 0 ] || [ "$RET" -eq "$ksft_skip" ] && RET=$ksft_fail
		RET_MSGS+=("$msg")
	fi
}

# check_eq NAME EXPECTED OBSERVED
check_eq()
{
	local name=$1 exp=$2 obs=$3

	[ "$exp" == "$obs" ]
	check_err $? "$name: expected '$exp', observed '$obs'"
}

# Mark the current case as skipped (unless it already failed).
case_skip()
{
	[ "$RET" -eq 0 ] && RET=$ksft_skip
	RET_MSGS+=("$1")
}

# log_test NAME: print the result of the current case and reset RET.
log_test()
{
	local name=$1 m

	KTAP_NUM=$((KTAP_NUM + 1))
	if [ "$RET" -eq 0 ]; then
		KTAP_PASS=$((KTAP_PASS + 1))
		echo "ok $KTAP_NUM $name"
	elif [ "$RET" -eq "$ksft_skip" ]; then
		KTAP_SKIP=$((KTAP_SKIP + 1))
		echo "ok $KTAP_NUM $name # SKIP ${RET_MSGS[*]}"
	else
		KTAP_FAIL=$((KTAP_FAIL + 1))
		for m in "${RET_MSGS[@]}"; do
			echo "# $name: $m"
		done
		echo "not ok $KTAP_NUM $name"
	fi
	RET=0
	RET_MSGS=()
}

# Print plan and totals; exit 0 / 1 (any failure) / 4 (everything skipped).
exit_tests()
{
	echo "1..$KTAP_NUM"
	echo "# Totals: pass:$KTAP_PASS fail:$KTAP_FAIL skip:$KTAP_SKIP"
	if [ "$KTAP_FAIL" -ne 0 ]; then
		exit $ksft_fail
	elif [ "$KTAP_PASS" -eq 0 ] && [ "$KTAP_SKIP" -ne 0 ]; then
		exit $ksft_skip
	fi
	exit $ksft_pass
}

# Skip the whole script (before or after some cases ran).
skip_all()
{
	if [ "$KTAP_NUM" -eq 0 ]; then
		echo "1..0 # SKIP $*"
		exit $ksft_skip
	fi
	log_info "SKIP: $*"
	exit_tests
}

# Abort the whole script after a setup failure.
bail_out()
{
	echo "Bail out! $*"
	exit $ksft_fail
}

require_cmd()
{
	local c

	for c in "$@"; do
		command -v "$c" > /dev/null || skip_all "$c not installed"
	done
}

# ---------------------------------------------------------------------------
# Bounded waits

# A builtin-only sleep: read with a timeout from a fifo nobody writes to.
_SLEEP_FD=
_sleep()
{
	if [ -z "$_SLEEP_FD" ]; then
		local f=/tmp/npusim-sleep.$$.$RANDOM

		if mkfifo "$f" 2> /dev/null && exec {_SLEEP_FD}<> "$f"; then
			rm -f "$f"
		else
			_SLEEP_FD=none
		fi
	fi
	if [ "$_SLEEP_FD" == none ]; then
		sleep "$1"
	else
		read -r -t "$1" -u "$_SLEEP_FD"
	fi
	return 0
}

# wait_until TIMEOUT_S CMD...: retry CMD every 0.1 s until it succeeds;
# return 1 when TIMEOUT_S seconds passed without success.
wait_until()
{
	local timeout=$1 end

	shift
	end=$((SECONDS + timeout))
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		_sleep 0.1
	done
	return 0
}

# ---------------------------------------------------------------------------
# Network namespaces and background jobs

NS_LIST=()
BG_PIDS=()

# ns_create VAR...: create one netns per VAR (named npusim-VAR-RANDOM, lo up)
# and store its name in the variable VAR.
ns_create()
{
	local v name

	for v in "$@"; do
		name="npusim-$v-$RANDOM$RANDOM"
		ip netns add "$name" || return 1
		NS_LIST+=("$name")
		ip -n "$name" link set lo up || return 1
		printf -v "$v" '%s' "$name"
	done
}

ns_del()
{
	local ns=$1 i

	ip netns del "$ns" 2> /dev/null
	for i in "${!NS_LIST[@]}"; do
		[ "${NS_LIST[$i]}" == "$ns" ] && unset "NS_LIST[$i]"
	done
	return 0
}

# Run CMD in netns NS ("" or "-": the current one).
in_ns()
{
	local ns=$1

	shift
	if [ -z "$ns" ] || [ "$ns" == - ]; then
		"$@"
	else
		ip netns exec "$ns" "$@"
	fi
}

# ipn NS ARGS...: "ip ARGS" in netns NS ("" or "-": the current one).
ipn()
{
	local ns=$1

	shift
	if [ -z "$ns" ] || [ "$ns" == - ]; then
		ip "$@"
	else
		ip -n "$ns" "$@"
	fi
}

# bg_run CMD...: start CMD in the background and remember its pid.
bg_run()
{
	"$@" &
	BG_PIDS+=($!)
}

bg_kill_all()
{
	local p

	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2> /dev/null
	done
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2> /dev/null
	done
	BG_PIDS=()
}

# wait_listen NS PORT: bounded wait for a TCP listener.
_listening()
{
	local out

	out=$(ip netns exec "$1" ss -Hltn "sport = :$2")
	[ -n "$out" ]
}

wait_listen()
{
	wait_until "$WAIT_TIMEOUT" _listening "$1" "$2"
}

# ---------------------------------------------------------------------------
# sysfs writes with errno reporting

# Map errno names to strerror() text as bash prints it.
declare -A ERRNO_STR=(
	[EINVAL]="Invalid argument"
	[EEXIST]="File exists"
	[ENOENT]="No such file or directory"
	[ENODEV]="No such device"
	[EBUSY]="Device or resource busy"
	[ENOTCONN]="Transport endpoint is not connected"
	[EBADF]="Bad file descriptor"
	[ENOSPC]="No space left on device"
	[EOPNOTSUPP]="Operation not supported"
)

# sysfs_write FILE STRING: write STRING (as is, in one write) to FILE.
# Returns the write status; the error text is left in ERRMSG.
ERRMSG=
sysfs_write()
{
	local f=$1 s=$2 out rc

	out=$( { printf '%s' "$s" > "$f"; } 2>&1 )
	rc=$?
	ERRMSG=
	[ $rc -ne 0 ] && ERRMSG=${out##*: }
	return $rc
}

# expect_errno ERRNO[|ERRNO...] FILE STRING: the write must fail with one of
# the listed errnos.  Records a failure in RET otherwise.
expect_errno()
{
	local errs=$1 f=$2 s=$3 e ok=1 want=

	if sysfs_write "$f" "$s"; then
		check_err 1 "writing '${s//$'\n'/\\n}' to ${f##*/} succeeded, expected $errs"
		return 1
	fi
	for e in ${errs//|/ }; do
		[ "$ERRMSG" == "${ERRNO_STR[$e]}" ] && ok=0
		want+="${want:+ or }$e (${ERRNO_STR[$e]})"
	done
	check_err $ok "writing '${s//$'\n'/\\n}' to ${f##*/}: expected $want, got '$ERRMSG'"
	return $ok
}

# ---------------------------------------------------------------------------
# npusim devices

DEV_LIST=()

debugfs_mount()
{
	local l

	while read -r l; do
		[[ "$l" == *" /sys/kernel/debug debugfs "* ]] && return 0
	done < /proc/mounts
	mount -t debugfs none /sys/kernel/debug 2> /dev/null
}

# Load the module: modprobe, else insmod the freshly built npusim.ko (and
# its dependencies).
npusim_load()
{
	local deps

	debugfs_mount
	[ -e "$NPUSIM_SYS/new_device" ] && return 0
	modprobe -q npusim 2> /dev/null
	wait_until 5 test -e "$NPUSIM_SYS/new_device" && return 0
	[ -f "$NPUSIM_KO" ] || return 1
	deps=$(modinfo -F depends "$NPUSIM_KO" 2> /dev/null)
	# shellcheck disable=SC2086 # a list of module names
	[ -n "$deps" ] && modprobe -q -a ${deps//,/ }
	insmod "$NPUSIM_KO" || return 1
	wait_until 5 test -e "$NPUSIM_SYS/new_device"
}

npusim_unload()
{
	[ -d /sys/module/npusim ] || return 0
	timeout 120 modprobe -r npusim 2> /dev/null ||
		timeout 120 rmmod npusim
}

# A random device ID that is not in use.
npusim_rand_id()
{
	local id

	while :; do
		id=$((1000 + RANDOM % 64000))
		[ -e "$NPUSIM_SYS/devices/npusim$id" ] || break
	done
	echo "$id"
}

# Print "PORT_INDEX IFINDEX NAME" for every netdev of device ID visible in
# the current netns (sysfs only lists those).  PORT_INDEX comes from
# phys_port_name "pN", or is "?" if that cannot be read.
_npusim_scan()
{
	local id=$1 d n idx ifx

	for d in "$NPUSIM_SYS/devices/npusim$id/net/"*; do
		[ -e "$d" ] || continue
		n=${d##*/}
		idx='?'
		ifx='?'
		read -r idx < "/sys/class/net/$n/phys_port_name" 2> /dev/null
		idx=${idx#p}
		read -r ifx < "/sys/class/net/$n/ifindex" 2> /dev/null
		echo "$idx $ifx $n"
	done
}

# npusim_scan ID [NS]: fill the arrays PORT_NAMES and PORT_IFX (indexed by
# port number; by ifindex order if phys_port_name is unusable) with the
# netdevs of device ID in netns NS (default: current netns).
npusim_scan()
{
	local id=$1 ns=${2:-} out idx ifx n i=0 sorted=()

	PORT_NAMES=()
	PORT_IFX=()
	if [ -z "$ns" ] || [ "$ns" == - ]; then
		out=$(_npusim_scan "$id")
	else
		out=$(ip netns exec "$ns" bash -c \
		      "NPUSIM_SYS=$NPUSIM_SYS; $(declare -f _npusim_scan); _npusim_scan $id")
	fi
	while read -r idx ifx n; do
		[ -n "$n" ] || continue
		if [[ "$idx" =~ ^[0-9]+$ ]] && [ -z "${PORT_NAMES[$idx]:-}" ]; then
			PORT_NAMES[idx]=$n
			PORT_IFX[idx]=$ifx
		else
			sorted[ifx]=$n
		fi
	done <<< "$out"
	# Fallback: ports without a usable phys_port_name in ifindex order.
	if [ ${#sorted[@]} -ne 0 ]; then
		PORT_NAMES=()
		PORT_IFX=()
		for ifx in "${!sorted[@]}"; do
			PORT_NAMES[i]=${sorted[$ifx]}
			PORT_IFX[i]=$ifx
			i=$((i + 1))
		done
	fi
}

# npusim_ports ID [NS]: print the netdev names of device ID, by port number.
npusim_ports()
{
	npusim_scan "$@"
	echo "${PORT_NAMES[*]}"
}

# _npusim_count_ok ID PORTS NS
_npusim_count_ok()
{
	npusim_scan "$1" "$3"
	[ ${#PORT_NAMES[@]} -eq "$2" ]
}

# npusim_new ID [PORTS [NS]]: create device ID with PORTS ports, writing
# new_device from netns NS (so that its netdevs are created there).  Waits
# for the netdevs and leaves them in PORT_NAMES / PORT_IFX.
npusim_new()
{
	local id=$1 ports=${2:-1} ns=${3:-} rc

	if [ -z "$ns" ] || [ "$ns" == - ]; then
		sysfs_write "$NPUSIM_SYS/new_device" "$id $ports"
		rc=$?
	else
		ERRMSG=$(ip netns exec "$ns" bash -c \
			 "echo '$id $ports' > $NPUSIM_SYS/new_device" 2>&1)
		rc=$?
		ERRMSG=${ERRMSG##*: }
	fi
	if [ $rc -ne 0 ]; then
		log_info "new_device '$id $ports' failed: ${ERRMSG:-rc $rc}"
		return 1
	fi
	DEV_LIST+=("$id")
	if ! wait_until "$WAIT_TIMEOUT" _npusim_count_ok "$id" "$ports" "$ns"; then
		log_info "npusim$id: expected $ports netdevs, found ${#PORT_NAMES[@]}"
		return 1
	fi
}

# npusim_del ID: delete device ID (no error if it is already gone).
npusim_del()
{
	local id=$1 i rc=0

	if [ -e "$NPUSIM_SYS/devices/npusim$id" ]; then
		sysfs_write "$NPUSIM_SYS/del_device" "$id"
		rc=$?
	fi
	for i in "${!DEV_LIST[@]}"; do
		[ "${DEV_LIST[$i]}" == "$id" ] && unset "DEV_LIST[$i]"
	done
	return $rc
}

# Nothing of device ID is left in sysfs or debugfs.
npusim_gone()
{
	local id=$1
	[ ! -e "$NPUSIM_SYS/devices/npusim$id" ] &&
		[ ! -e "$NPUSIM_DFS/npusim$id" ]
}

# ifindex_of NS IFNAME
ifindex_of()
{
	local ns=$1 dev=$2 out

	if [ -z "$ns" ] || [ "$ns" == - ]; then
		read -r out < "/sys/class/net/$dev/ifindex" || return 1
		echo "$out"
		return 0
	fi
	out=$(ip -n "$ns" -o link show dev "$dev" 2> /dev/null) || return 1
	echo "${out%%:*}"
}

# _ns_fd_open NS VAR: open the netns NS ("-" = current) and store the fd in
# VAR.
_ns_fd_open()
{
	local ns=$1 path

	if [ -z "$ns" ] || [ "$ns" == - ]; then
		path=/proc/self/ns/net
	else
		path=/run/netns/$ns
	fi
	exec {_NS_FD}< "$path"
	printf -v "$2" '%s' "$_NS_FD"
}

# npusim_link_idx NS1 IFINDEX1 NS2 IFINDEX2: write link_device.  Error
# text in ERRMSG.
npusim_link_idx()
{
	local fd1 fd2 rc

	_ns_fd_open "$1" fd1 || return 1
	_ns_fd_open "$3" fd2 || { exec {fd1}<&-; return 1; }
	sysfs_write "$NPUSIM_SYS/link_device" "$fd1:$2 $fd2:$4"
	rc=$?
	exec {fd1}<&- {fd2}<&-
	return $rc
}

# npusim_link NS1 IF1 NS2 IF2: link two ports given by netdev name.
npusim_link()
{
	local i1 i2

	i1=$(ifindex_of "$1" "$2") || return 1
	i2=$(ifindex_of "$3" "$4") || return 1
	npusim_link_idx "$1" "$i1" "$3" "$i2"
}

# npusim_unlink NS IF
npusim_unlink()
{
	local i fd rc

	i=$(ifindex_of "$1" "$2") || return 1
	_ns_fd_open "$1" fd || return 1
	sysfs_write "$NPUSIM_SYS/unlink_device" "$fd:$i"
	rc=$?
	exec {fd}<&-
	return $rc
}

# carrier NS IF: succeed if IF is up with carrier (IFF_LOWER_UP).
carrier()
{
	local out

	out=$(ipn "$1" -o link show dev "$2" 2> /dev/null) || return 2
	out=${out#*<}
	out=${out%%>*}
	[[ ",$out," == *,LOWER_UP,* ]]
}

# no_carrier NS IF: succeed if IF exists and has no carrier.
no_carrier()
{
	carrier "$@"
	[ $? -eq 1 ]
}

# ---------------------------------------------------------------------------
# Counters

# ethtool_stats NS DEV: read "ethtool -S" into the associative array ETS.
declare -A ETS
ethtool_stats()
{
	local out k v

	ETS=()
	out=$(in_ns "$1" ethtool -S "$2") || return 1
	while IFS=: read -r k v; do
		k=${k//[[:space:]]/}
		v=${v//[[:space:]]/}
		[ -n "$k" ] && [ -n "$v" ] && ETS[$k]=$v
	done <<< "$out"
	return 0
}

# ethtool_stat NS DEV STAT: print one "ethtool -S" value.
ethtool_stat()
{
	ethtool_stats "$1" "$2" || return 1
	[ -n "${ETS[$3]:-}" ] || return 1
	echo "${ETS[$3]}"
}

# ip_stats NS DEV: read "ip -s -s -j link" stats64 into the associative
# array IPS, keys rx_packets, rx_length_errors, tx_dropped, ...
declare -A IPS
ip_stats()
{
	local out k v

	IPS=()
	out=$(ipn "$1" -s -s -j link show dev "$2" 2> /dev/null |
	      jq -r '.[0].stats64 | (.rx | to_entries[] | "rx_\(.key) \(.value)"),
				    (.tx | to_entries[] | "tx_\(.key) \(.value)")')
	[ -n "$out" ] || return 1
	while read -r k v; do
		IPS[$k]=$v
	done <<< "$out"
}

# ---------------------------------------------------------------------------
# Cleanup

# Tests may define cleanup_test() for their own extra work; it runs first.
cleanup()
{
	local id ns

	declare -F cleanup_test > /dev/null && cleanup_test
	bg_kill_all
	for id in "${DEV_LIST[@]}"; do
		[ -e "$NPUSIM_SYS/devices/npusim$id" ] &&
			sysfs_write "$NPUSIM_SYS/del_device" "$id"
	done
	DEV_LIST=()
	if [ ${#NS_LIST[@]} -ne 0 ]; then
		for ns in "${NS_LIST[@]}"; do
			echo "netns del $ns"
		done | ip -force -batch - 2> /dev/null
	fi
	NS_LIST=()
	[ -n "$_SLEEP_FD" ] && [ "$_SLEEP_FD" != none ] && exec {_SLEEP_FD}<&-
	return 0
}

# A signal (e.g. the runner's timeout) still runs the EXIT trap.
trap 'exit 1' TERM INT HUP
