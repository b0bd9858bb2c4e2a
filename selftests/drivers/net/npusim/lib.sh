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
WAIT_TIMEOUT=${WAIT_TIMEOUT:-300}

# ---------------------------------------------------------------------------
# KTAP output and per-case result tracking

KTAP_NUM=0
KTAP_T0=$SECONDS
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
# With NPUSIM_CASE_TIMES=1 (the test command sets it), a diagnostic line
# before each result gives the seconds since the previous result, so
# that the suite's time can be kept in check case by case.
log_test()
{
	local name=$1 m

	if [ "${NPUSIM_CASE_TIMES:-0}" = 1 ]; then
		echo "# time: $((SECONDS - KTAP_T0)) s"
		KTAP_T0=$SECONDS
	fi
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

# kernel_at_least MAJOR MINOR: true if the running kernel is at least
# MAJOR.MINOR (npusim also runs on Debian 12's 6.1, which lacks some of
# what 6.12 has).  KERNEL_RELEASE is the running kernel's release.
KERNEL_RELEASE=
read -r KERNEL_RELEASE < /proc/sys/kernel/osrelease
kernel_at_least()
{
	local maj min

	IFS=. read -r maj min _ <<< "$KERNEL_RELEASE"
	min=${min%%[!0-9]*}
	[ "$maj" -gt "$1" ] || { [ "$maj" -eq "$1" ] && [ "$min" -ge "$2" ]; }
}

# kernel_has_kasan: true if the running kernel is a KASAN kernel (the
# debug kernel), where every frame costs several times what it costs on
# Debian's kernel.  Scripts there send only the traffic that the memory
# checks need; Debian's kernel runs them whole.
_KASAN=
kernel_has_kasan()
{
	if [ -z "$_KASAN" ]; then
		_KASAN=n
		if [ -r /proc/config.gz ] &&
		   [ "$(zcat /proc/config.gz 2> /dev/null |
			grep -c '^CONFIG_KASAN=y')" -gt 0 ]; then
			_KASAN=y
		fi
	fi
	[ "$_KASAN" = y ]
}

# full_sweep: true where a script runs the whole of a sweep, every
# protocol, encapsulation or model value of a code path it covers.  On
# the debug kernel, where every case costs several times what it costs
# on Debian's kernel, scripts run one representative of each path of
# the driver (IPv4 and IPv6, TCP and UDP, each encapsulation and each
# fault at least once) and leave the rest of the sweep to Debian's
# kernel, which runs it whole.  NPUSIM_FULL_SWEEP=1 runs it whole on the
# debug kernel too.
full_sweep()
{
	[ "${NPUSIM_FULL_SWEEP:-0}" = 1 ] || ! kernel_has_kasan
}

# sweep_note WHAT: on the debug kernel, say what of the sweep it leaves
# to Debian's kernel.
sweep_note()
{
	full_sweep ||
		log_info "debug kernel: $* left to Debian's kernel (NPUSIM_FULL_SWEEP=1 runs them here)"
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

# The pauses between two tries of a wait_until condition: six tries in
# the first second, then one every half second.  A condition often forks
# (devlink, ethtool, ip), and on a slow VM a try every 0.1 s for the
# whole of a long wait takes the CPU from the very work that is awaited.
_WAIT_STEPS=(0.1 0.1 0.1 0.2 0.2 0.3 0.5)

# wait_until TIMEOUT_S CMD...: retry CMD until it succeeds, at first every
# 0.1 s, after a second every 0.5 s (_WAIT_STEPS); return 1 when
# TIMEOUT_S seconds passed without success.  Every wait is for a
# condition; TIMEOUT_S is a generous deadline (WAIT_TIMEOUT), never a
# measurement window.
wait_until()
{
	local timeout=$1 end i=0 last=$((${#_WAIT_STEPS[@]} - 1))

	shift
	end=$((SECONDS + timeout))
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		_sleep "${_WAIT_STEPS[i]}"
		[ "$i" -ge "$last" ] || i=$((i + 1))
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
	[ERANGE]="Numerical result out of range"
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
	wait_until "$WAIT_TIMEOUT" test -e "$NPUSIM_SYS/new_device" && return 0
	[ -f "$NPUSIM_KO" ] || return 1
	deps=$(modinfo -F depends "$NPUSIM_KO" 2> /dev/null)
	# shellcheck disable=SC2086 # a list of module names
	[ -n "$deps" ] && modprobe -q -a ${deps//,/ }
	insmod "$NPUSIM_KO" || return 1
	wait_until "$WAIT_TIMEOUT" test -e "$NPUSIM_SYS/new_device"
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
	local id=$1 ns=${2:-}

	if [ -z "$ns" ] || [ "$ns" == - ]; then
		_npusim_ports "$(_npusim_scan "$id")"
	else
		_npusim_ports "$(_npusim_ns_bash "$ns" "_npusim_scan $id")"
	fi
}

# _npusim_ns_bash NS CMD: run bash command CMD in netns NS, where
# _npusim_scan is defined.
_npusim_ns_bash()
{
	ip netns exec "$1" bash -c \
		"NPUSIM_SYS=$NPUSIM_SYS; $(declare -f _npusim_scan); $2"
}

# _npusim_ports SCAN: fill PORT_NAMES and PORT_IFX from _npusim_scan's
# output SCAN.
_npusim_ports()
{
	local idx ifx n i=0 sorted=()

	PORT_NAMES=()
	PORT_IFX=()
	while read -r idx ifx n; do
		[ -n "$n" ] || continue
		if [[ "$idx" =~ ^[0-9]+$ ]] && [ -z "${PORT_NAMES[$idx]:-}" ]; then
			PORT_NAMES[idx]=$n
			PORT_IFX[idx]=$ifx
		else
			sorted[ifx]=$n
		fi
	done <<< "$1"
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

# npusim_new ID [PORTS [NS [PROFILE]]]: create device ID with PORTS ports,
# emulating chip PROFILE, writing new_device from netns NS ("-": this one;
# its netdevs are created there).  Waits for the netdevs and leaves them
# in PORT_NAMES / PORT_IFX.  In NS, one process writes new_device and
# scans the netdevs (a process costs a second on the debug kernel).
npusim_new()
{
	local id=$1 ports=${2:-1} ns=${3:-} what="$1 ${2:-1}${4:+ $4}" rc out

	if [ -z "$ns" ] || [ "$ns" == - ]; then
		sysfs_write "$NPUSIM_SYS/new_device" "$what"
		rc=$?
	else
		# Only the write's error text joins the scan's output.
		out=$(_npusim_ns_bash "$ns" \
		      "{ echo '$what' > $NPUSIM_SYS/new_device; } 2>&1 || exit
		       _npusim_scan $id")
		rc=$?
		[ $rc -eq 0 ] || ERRMSG=${out##*: }
	fi
	if [ $rc -ne 0 ]; then
		log_info "new_device '$what' failed: ${ERRMSG:-rc $rc}"
		return 1
	fi
	DEV_LIST+=("$id")
	if [ -n "$out" ]; then
		_npusim_ports "$out"
		[ ${#PORT_NAMES[@]} -ne "$ports" ] || return 0
	fi
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

# npusim_snapshot: what a failed bus write must not change: the bus
# devices, the netdevs of this netns, the debugfs directories and the
# devlink instances.
npusim_snapshot()
{
	local f s=

	for f in "$NPUSIM_SYS"/devices/* /sys/class/net/* "$NPUSIM_DFS"/*; do
		[ -e "$f" ] && s+="${f##*/} "
	done
	s+=$(devlink dev show 2> /dev/null | grep npusim)
	echo "$s"
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

# ns_no_ipv6 NS...: no IPv6 on the netdevs created from now on in each NS
# (no router solicitation, ND or MLD on the wires); bails out on failure.
ns_no_ipv6()
{
	local ns

	for ns in "$@"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 ||
			bail_out "cannot disable IPv6 in $ns"
	done
}

# require_vlan_filtering NS: skip the test unless the kernel's bridge can
# filter VLANs (CONFIG_BRIDGE_VLAN_FILTERING); probed with a bridge in NS.
require_vlan_filtering()
{
	ip -n "$1" link add npusim-brprobe type bridge vlan_filtering 1 \
		2> /dev/null ||
		skip_all "the kernel's bridge filters no VLANs (CONFIG_BRIDGE_VLAN_FILTERING)"
	ip -n "$1" link del npusim-brprobe
}

# hosts_wire NS: for each index i of the caller's HNS (host netns) and
# SWP (ports of a device in NS, as many), a one-port npusim device in
# HNS[i] wired to SWP[i]; sets HIF[i] and HMAC[i] to the host port's
# name and address.  Bails out on failure.
hosts_wire()
{
	local ns=$1 i id

	HIF=() HMAC=()
	for i in "${!HNS[@]}"; do
		id=$(npusim_rand_id)
		npusim_new "$id" 1 "${HNS[i]}" ||
			bail_out "cannot create npusim$id"
		HIF[i]=${PORT_NAMES[0]}
		npusim_link "${HNS[i]}" "${HIF[i]}" "$ns" "${SWP[i]}" ||
			bail_out "cannot wire ${HIF[i]} -- ${SWP[i]}: $ERRMSG"
		HMAC[i]=$(ip -n "${HNS[i]}" -j link show dev "${HIF[i]}" |
			  jq -r '.[0].address')
	done
}

# npusim_pair_new [VAR]: a netns (its name in VAR, default ns2) and two
# one-port npusim devices, A with port A0 here and B with port B0 in the
# netns, linked.  Sets A B A0 B0; bails out on failure.
npusim_pair_new()
{
	local var=${1:-ns2}

	ns_create "$var" || bail_out "cannot create netns"
	A=$(npusim_rand_id)
	npusim_new "$A" 1 || bail_out "cannot create npusim$A"
	A0=${PORT_NAMES[0]}
	B=$(npusim_rand_id)
	npusim_new "$B" 1 "${!var}" || bail_out "cannot create npusim$B"
	B0=${PORT_NAMES[0]}
	npusim_link "" "$A0" "${!var}" "$B0" || bail_out "cannot link: $ERRMSG"
}

# dl_param NS ID NAME: device ID's runtime value of devlink parameter
# NAME (devlink in netns NS).
dl_param()
{
	in_ns "$1" devlink -j dev param show "npusim/npusim$2" \
		name "$3" 2> /dev/null |
		jq -r '.param[][0].values[] | select(.cmode == "runtime") | .value'
}

# dl_param_set NS ID NAME VALUE [CMODE]
dl_param_set()
{
	in_ns "$1" devlink dev param set "npusim/npusim$2" \
		name "$3" value "$4" cmode "${5:-runtime}"
}

# host_pair_setup NET4 NET6: this netns and a netns ns2, each with a
# one-port npusim device (A0 here, B0 in ns2), linked, addressed
# NET4.1/24 and NET6::1/64 here, NET4.2 and NET6::2 in ns2, neighbours
# resolved both ways.  Sets ns2 A B A0 B0; bails out on failure.
host_pair_setup()
{
	local v4=$1 v6=$2

	npusim_pair_new
	ip addr add "$v4.1/24" dev "$A0" &&
		ip -6 addr add "$v6::1/64" dev "$A0" nodad &&
		ip link set "$A0" up || bail_out "cannot configure $A0"
	ip -n "$ns2" addr add "$v4.2/24" dev "$B0" &&
		ip -n "$ns2" -6 addr add "$v6::2/64" dev "$B0" nodad &&
		ip -n "$ns2" link set "$B0" up || bail_out "cannot configure $B0"
	wait_until "$WAIT_TIMEOUT" carrier "" "$A0" || bail_out "$A0: no carrier"
	ip netns exec "$ns2" ping -c 1 -W 5 "$v4.1" > /dev/null &&
		ip netns exec "$ns2" ping -6 -c 1 -W 5 "$v6::1" > /dev/null ||
		bail_out "no connectivity"
}

# tcp_xfer NS DST LEN [GATE CONN]: LEN bytes (a multiple of 256) over
# TCP from netns NS to DST, an address of this netns; true if they all
# arrived intact.  With GATE and CONN, the sender connects (CONN is
# created once the connection is accepted), then waits for the file
# GATE before it sends.
tcp_xfer()
{
	timeout 600 python3 -c '
import socket, subprocess, sys
ns, dst, n, gate, conn = sys.argv[1:6]
n = int(n)
data = bytes(range(256)) * (n // 256)
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
ls = socket.create_server((dst, 0), family=fam)
send = """
import os, socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
while sys.argv[4] and not os.path.exists(sys.argv[4]):
    time.sleep(0.1)
s.sendall(bytes(range(256)) * (int(sys.argv[3]) // 256))
s.close()
"""
client = subprocess.Popen(["ip", "netns", "exec", ns, "python3", "-c", send,
                           dst, str(ls.getsockname()[1]), str(n), gate])
c, _ = ls.accept()
if conn:
    open(conn, "w").close()
got = bytearray()
while True:
    b = c.recv(65536)
    if not b:
        break
    got += b
sys.exit(0 if client.wait() == 0 and got == data else 1)
' "$1" "$2" "$3" "${4:-}" "${5:-}"
}

# port_snap KEY PREFIX NS DEV STAT...: add DEV's (in NS) ethtool
# counters STAT... to the associative array S_KEY, as PREFIX_STAT.
port_snap()
{
	local -n _ps="S_$1"
	local pfx=$2 ns=$3 dev=$4 k

	shift 4
	ethtool_stats "$ns" "$dev" || return 1
	for k in "$@"; do
		_ps[${pfx}_$k]=${ETS[$k]:-0}
	done
}

# quiet_pair_setup SUBNET: namespaces ns1 and ns2, each with a one-port
# npusim device, linked, addressed SUBNET.1/24 and SUBNET.2/24 with static
# neighbours and IPv6 off, so that no frame but the test's own crosses the
# wire (exact counters).  Sets ns1 ns2 A B A0 B0 MAC_A MAC_B; bails out on
# failure.
quiet_pair_setup()
{
	local net=$1

	ns_create ns1 ns2 || bail_out "cannot create netns"
	ns_no_ipv6 "$ns1" "$ns2"
	A=$(npusim_rand_id)
	npusim_new "$A" 1 "$ns1" || bail_out "cannot create npusim$A"
	A0=${PORT_NAMES[0]}
	B=$(npusim_rand_id)
	npusim_new "$B" 1 "$ns2" || bail_out "cannot create npusim$B"
	B0=${PORT_NAMES[0]}
	npusim_link "$ns1" "$A0" "$ns2" "$B0" || bail_out "cannot link: $ERRMSG"

	MAC_A=$(ip -n "$ns1" -j link show dev "$A0" | jq -r '.[0].address')
	MAC_B=$(ip -n "$ns2" -j link show dev "$B0" | jq -r '.[0].address')
	ip netns exec "$ns1" sysctl -qw "net.ipv6.conf.$A0.disable_ipv6=1"
	ip netns exec "$ns2" sysctl -qw "net.ipv6.conf.$B0.disable_ipv6=1"
	ip -n "$ns1" -b - <<- EOF || bail_out "cannot configure $A0"
		addr add $net.1/24 dev $A0
		neigh add $net.2 lladdr $MAC_B nud permanent dev $A0
		link set $A0 up
	EOF
	ip -n "$ns2" -b - <<- EOF || bail_out "cannot configure $B0"
		addr add $net.2/24 dev $B0
		neigh add $net.1 lladdr $MAC_A nud permanent dev $B0
		link set $B0 up
	EOF
	wait_until "$WAIT_TIMEOUT" carrier "$ns1" "$A0" || bail_out "$A0: no carrier"
	wait_until "$WAIT_TIMEOUT" carrier "$ns2" "$B0" || bail_out "$B0: no carrier"
}

# fail_function_require FUNC: skip the test unless the kernel has
# fail_function (the debug kernel) and FUNC is on its error injection
# list.  FF is fail_function's debugfs directory.
FF=/sys/kernel/debug/fail_function
fail_function_require()
{
	[ -w "$FF/inject" ] || skip_all "the kernel has no fail_function"
	grep -qw "$1" "$FF/injectable" ||
		skip_all "npusim's functions are not on the error injection list"
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

# ---------------------------------------------------------------------------
# nf_flowtable hardware offload (ft_*.sh)
#
# ft_topology_setup [OPTION...] builds
#
#   FT_NSC  client  FT_C0 10.31.1.2/24 fd31:1::2/64       (device FT_C, 1 port)
#              |
#   FT_NSR  router  FT_R0 10.31.1.1 fd31:1::1 (LAN)       (device FT_R, 2 ports)
#                   FT_R1 10.31.2.1 fd31:2::1 (WAN; on FT_RW if a VLAN is used)
#              |
#   FT_NSS  server  FT_S0 10.31.2.2/24 fd31:2::2/64       (device FT_S, 1 port;
#                   on FT_SW if a VLAN is used)
#
# Options: size=N (resize the router's flow table first), vlan=VID (802.1Q
# uplink), qinq=VID (802.1ad uplink), tcp_timeout=S, udp_timeout=S
# (nf_flowtable_*_timeout of the router).  The router has ip_forward=1 and
# nf_conntrack_acct=1 before any traffic.  FT_CT is a file that shows the
# router's conntrack table without a fork (see ft_anchor).

FT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FT_TOOL="python3 -I -S $FT_DIR/ft_tool_run.py"	# ft_tool.py, started faster
FT_C4=10.31.1.2 FT_RL4=10.31.1.1 FT_RW4=10.31.2.1 FT_S4=10.31.2.2
FT_C6=fd31:1::2 FT_RL6=fd31:1::1 FT_RW6=fd31:2::1 FT_S6=fd31:2::2
FT_NSC='' FT_NSR='' FT_NSS=''
FT_C='' FT_R='' FT_S=''
FT_C0='' FT_R0='' FT_R1='' FT_S0='' FT_RW='' FT_SW='' FT_PPPOE_SID=''
FT_CT=/proc/net/nf_conntrack
FT_ANCHOR=
FT_TMP=
# No assertion depends on how fast the VM runs: traffic runs until the
# test saw what it needs, and every wait is for a condition, bounded by
# FT_DEADLINE seconds (generous: reaching it means the condition will not
# come).  FT_FLOW_MAX bounds a flow left running by a broken test.
FT_DEADLINE=${FT_DEADLINE:-300}
FT_FLOW_MAX=${FT_FLOW_MAX:-1800}
# ft_flow_check measures over FT_NPU_PKTS packets of the flow forwarded by
# the NPU; of these, at most FT_STACK_MAX may show up in the router's stack
# (nothing but stray neighbour traffic should).
FT_NPU_PKTS=${FT_NPU_PKTS:-200}
FT_STACK_MAX=${FT_STACK_MAX:-5}
# FT_PACE divides the rate of every ft_flow_start flow: on the debug
# kernel (default 4 there, 1 elsewhere), a datagram costs milliseconds
# of a vCPU from sender to receiver, and flows at the full rate take
# the CPU from the checks they wait for.  Waits are for packet counts
# and states, not for time windows; a flow whose interval an assertion
# does depend on is started with ft_flow_start's "exact".
FT_PACE=${NPUSIM_FT_PACE:-}

# Load what the flowtable tests need (sysctls exist only once loaded).
ft_modules()
{
	modprobe -q -a nf_conntrack nf_flow_table nf_flow_table_inet \
		nft_flow_offload 2> /dev/null
	[ -e /proc/sys/net/netfilter/nf_conntrack_acct ]
}

# ft_anchor: a process parked in the router netns, so that its
# conntrack table can be read as /proc/PID/net/nf_conntrack with bash
# builtins.  Killed by ft_anchor_kill (before deleting the netns: it
# holds a reference on it).
ft_anchor()
{
	local comm=

	ft_anchor_kill
	ip netns exec "$FT_NSR" sleep 100000 &
	FT_ANCHOR=$!
	wait_until "$WAIT_TIMEOUT" _ft_anchor_ok || return 1
	FT_CT=/proc/$FT_ANCHOR/net/nf_conntrack
}

_ft_anchor_ok()
{
	local comm=

	read -r comm < "/proc/$FT_ANCHOR/comm" 2> /dev/null
	[ "$comm" == sleep ]
}

ft_anchor_kill()
{
	if [ -n "$FT_ANCHOR" ]; then
		kill "$FT_ANCHOR" 2> /dev/null
		wait "$FT_ANCHOR" 2> /dev/null
	fi
	FT_ANCHOR=
	FT_CT=/proc/net/nf_conntrack
}

# ft_resize NS ID SIZE: set the flow_table resource of device ID (devlink
# instance in NS) and reload.  Error text in ERRMSG.
ft_resize()
{
	local ns=$1 id=$2 size=$3

	local nsopt=(-N "$ns")

	[ -z "$ns" ] || [ "$ns" == - ] && nsopt=()
	ERRMSG=$(devlink "${nsopt[@]}" resource set "npusim/npusim$id" \
		 path /flow_table size "$size" 2>&1) || return 1
	ERRMSG=$(devlink "${nsopt[@]}" dev reload "npusim/npusim$id" 2>&1)
}

# ft_resource NS ID: set FT_SIZE and FT_OCC (and FT_SIZE_NEW if a resize
# is pending) from "devlink resource show".
ft_resource()
{
	local ns=$1 id=$2 out w prev=

	FT_SIZE='' FT_OCC='' FT_SIZE_NEW=''
	if [ -z "$ns" ] || [ "$ns" == - ]; then
		out=$(devlink resource show "npusim/npusim$id" 2>&1) || return 1
	else
		out=$(devlink -N "$ns" resource show "npusim/npusim$id" 2>&1) || return 1
	fi
	out=${out#*name flow_table }
	[ "$out" != "${out#*size }" ] || return 1
	for w in $out; do
		case $prev in
		size) [ -z "$FT_SIZE" ] && FT_SIZE=$w ;;
		size_new) FT_SIZE_NEW=$w ;;
		occ) [ -z "$FT_OCC" ] && FT_OCC=$w ;;
		esac
		[ "$w" == name ] && break
		prev=$w
	done
	[ -n "$FT_SIZE" ]
}

# ft_occ: print the router's devlink flow_table occupancy.
ft_occ()
{
	ft_resource "$FT_NSR" "$FT_R" || return 1
	echo "$FT_OCC"
}

# ft_hw_info KEY [ID]: print a value of the router's debugfs hw_info.
ft_hw_info()
{
	local k v

	while IFS=': ' read -r k v; do
		[ "$k" == "$1" ] && echo "$v" && return 0
	done < "$NPUSIM_DFS/npusim${2:-$FT_R}/hw_info"
	return 1
}

# ft_dfs NAME [ID]: print a flow_table debugfs counter of the router.
ft_dfs()
{
	local v=

	read -r v < "$NPUSIM_DFS/npusim${2:-$FT_R}/flow_table/$1" || return 1
	echo "$v"
}

# _ft_dfs_ge NAME N: the router's flow_table counter NAME is at least N.
_ft_dfs_ge()
{
	local v

	v=$(ft_dfs "$1") && [ "$v" -ge "$2" ]
}

# _ft_dfs_eq NAME N: the router's flow_table file NAME reads N.
_ft_dfs_eq()
{
	[ "$(ft_dfs "$1")" == "$2" ]
}

# ft_dfs_set NAME VALUE: write the router's flow_table debugfs knob NAME
# (the error text in ERRMSG).
ft_dfs_set()
{
	sysfs_write "$NPUSIM_DFS/npusim$FT_R/flow_table/$1" "$2"
}

# ft_model PARAM [VALUE]: print the router chip's configuration register
# PARAM (debugfs model/PARAM), or set it to VALUE (the flow table must be
# empty; the error text in ERRMSG).
ft_model()
{
	local f=$NPUSIM_DFS/npusim$FT_R/model/$1 v

	if [ $# -eq 2 ]; then
		sysfs_write "$f" "$2"
		return
	fi
	read -r v < "$f" || return 1
	echo "$v"
}

# ft_entries [ID]: number of lines of the debugfs entries file.
ft_entries()
{
	local n=0 l

	[ -r "$NPUSIM_DFS/npusim${1:-$FT_R}/flow_table/entries" ] || return 1
	while IFS= read -r l; do
		[[ "$l" == *packets=* ]] && n=$((n + 1))
	done < "$NPUSIM_DFS/npusim${1:-$FT_R}/flow_table/entries"
	echo "$n"
}

# ft_entries_packets [ID]: sum of packets= over all entries.
ft_entries_packets()
{
	local sum=0 l v

	while IFS= read -r l; do
		[[ "$l" == *packets=* ]] || continue
		v=${l#*packets=}
		v=${v%% *}
		[[ "$v" =~ ^[0-9]+$ ]] && sum=$((sum + v))
	done < "$NPUSIM_DFS/npusim${1:-$FT_R}/flow_table/entries"
	echo "$sum"
}

# ft_dfs_dump [ID]: log the router's flow_table debugfs counters and
# entries (diagnostics for a failed case).
ft_dfs_dump()
{
	local d=$NPUSIM_DFS/npusim${1:-$FT_R}/flow_table f v s='' l

	for f in "$d"/*; do
		[ "${f##*/}" == entries ] && continue
		read -r v < "$f" 2> /dev/null && s+="${f##*/}=$v "
	done
	log_info "flow_table: $s"
	while IFS= read -r l; do
		log_info "  $l"
	done < "$d/entries"
}

_ft_occ_is()
{
	local o

	o=$(ft_occ) && [ "$o" == "$1" ]
}

# ft_wait_occ N [TIMEOUT]: bounded wait for the router's occupancy N.
ft_wait_occ()
{
	wait_until "${2:-$FT_DEADLINE}" _ft_occ_is "$1"
}

_ft_entries_is()
{
	local n

	n=$(ft_entries) && [ "$n" == "$1" ]
}

# ft_wait_entries N [TIMEOUT]: same for the debugfs entries (no fork).
ft_wait_entries()
{
	wait_until "${2:-$FT_DEADLINE}" _ft_entries_is "$1"
}

# ft_ct PROTO DPORT: find the router's conntrack entry whose original
# tuple has protocol PROTO and destination port DPORT; set CT_STATE
# (HW_OFFLOAD, OFFLOAD, ASSURED, CT for anything else, NONE if absent),
# CT_OPKTS CT_OBYTES CT_RPKTS CT_RBYTES (original/reply counters, "" without
# accounting), CT_OSRC CT_RSRC CT_RDST CT_RDPORT.  No fork.
ft_ct()
{
	local proto=$1 dport=$2 l w n p b

	CT_STATE=NONE CT_OPKTS='' CT_OBYTES='' CT_RPKTS='' CT_RBYTES=''
	CT_OSRC='' CT_RSRC='' CT_RDST='' CT_RDPORT=''
	while IFS= read -r l; do
		[[ "$l" == *" $proto "* ]] || continue
		[[ "$l" == *" dport=$dport "* ]] || continue
		# the first dport= must be ours (original direction)
		w=${l#* dport=}
		[ "${w%% *}" == "$dport" ] || continue
		n=0
		for w in $l; do
			case $w in
			src=*)	n=$((n + 1))
				if [ $n -eq 1 ]; then CT_OSRC=${w#src=}; else CT_RSRC=${w#src=}; fi ;;
			dst=*)	[ $n -eq 2 ] && CT_RDST=${w#dst=} ;;
			dport=*) [ $n -eq 2 ] && CT_RDPORT=${w#dport=} ;;
			packets=*) p=${w#packets=}
				if [ $n -eq 1 ]; then CT_OPKTS=$p; else CT_RPKTS=$p; fi ;;
			bytes=*) b=${w#bytes=}
				if [ $n -eq 1 ]; then CT_OBYTES=$b; else CT_RBYTES=$b; fi ;;
			esac
		done
		case $l in
		*"[HW_OFFLOAD]"*) CT_STATE=HW_OFFLOAD ;;
		*"[OFFLOAD]"*) CT_STATE=OFFLOAD ;;
		*"[ASSURED]"*) CT_STATE=ASSURED ;;
		*) CT_STATE=CT ;;
		esac
		return 0
	done < "$FT_CT"
	return 1
}

_ft_ct_is()
{
	ft_ct "$1" "$2"
	[ "$CT_STATE" == "$3" ]
}

# ft_wait_ct PROTO DPORT STATE [TIMEOUT]
ft_wait_ct()
{
	wait_until "${4:-$FT_DEADLINE}" _ft_ct_is "$1" "$2" "$3"
}

# _ft_ct_not_offloaded PROTO DPORT: no entry, or neither OFFLOAD nor
# HW_OFFLOAD.
_ft_ct_not_offloaded()
{
	ft_ct "$1" "$2"
	[ "$CT_STATE" != OFFLOAD ] && [ "$CT_STATE" != HW_OFFLOAD ]
}

# ft_ct_flush: flush the router's conntrack table, wait for occupancy 0.
ft_ct_flush()
{
	ip netns exec "$FT_NSR" conntrack -F > /dev/null 2>&1
	ft_wait_occ 0
}

# ft_snap NAME: one fork-cheap snapshot of the router: "ethtool -S" of
# FT_R0 and FT_R1, the forward chain counter "fwd" and the TCP/UDP packets
# that reached the stack on FT_R0 "lan_l4" (see ft_nft_load), into the
# associative array FTS_NAME with keys r0.STAT, r1.STAT, fwd, lan_l4.
ft_snap()
{
	local name=$1 out sect='' k v l

	declare -gA "FTS_$name"
	local -n snap="FTS_$name"
	snap=()
	out=$(ip netns exec "$FT_NSR" sh -c \
	      "echo @r0; ethtool -S '$FT_R0'; echo @r1; ethtool -S '$FT_R1';
	       echo @nft; nft list counters 2> /dev/null")
	while IFS= read -r l; do
		case $l in
		@*) sect=${l#@}; continue ;;
		esac
		if [ "$sect" == nft ]; then
			case $l in
			*"counter fwdcnt {"*) k=fwd ;;
			*"counter l4cnt {"*) k=lan_l4 ;;
			*"counter "*) k='' ;;
			*packets*)
				v=${l#*packets }
				[ -n "$k" ] && snap[$k]=${v%% *} ;;
			esac
			continue
		fi
		IFS=: read -r k v <<< "$l"
		k=${k//[[:space:]]/}
		v=${v//[[:space:]]/}
		[ -n "$k" ] && [ -n "$v" ] && snap[$sect.$k]=$v
	done <<< "$out"
	[ -n "${snap[r0.rx_packets]:-}" ]
}

# ft_delta A B KEY: print FTS_B[KEY] - FTS_A[KEY], "?" if unknown.
ft_delta()
{
	local -n sa="FTS_$1" sb="FTS_$2"
	local a=${sa[$3]:-} b=${sb[$3]:-}

	if [ -z "$a" ] || [ -z "$b" ]; then
		echo "?"
	else
		echo $((b - a))
	fi
}

# ft_punt_send KIND DST DPORT N [SPORT]: N UDP datagrams from the client,
# shaped by KIND so that the NPU punts them: ttl (TTL 1), options (IPv4
# options), fragment (two IPv4 fragments each), ipv6_ext (a hop-by-hop
# header), big (1400 bytes, for an MTU below that).
ft_punt_send()
{
	ip netns exec "$FT_NSC" python3 -c '
import socket, sys
kind, dst, dport, n, sport = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
v6 = ":" in dst
s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::" if v6 else "0.0.0.0", sport))
size = 64
if kind == "ttl":
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
elif kind == "options":
    # four bytes of options: NOP NOP NOP EOL
    s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, b"\x01\x01\x01\x00")
elif kind == "fragment":
    # 2000 bytes over a 1500 MTU, DF off: two fragments each
    # IP_MTU_DISCOVER = 10, IP_PMTUDISC_DONT = 0 (linux/in.h)
    s.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_MTU_DISCOVER", 10), 0)
    size = 2000
elif kind == "ipv6_ext":
    # hop-by-hop header with a PadN option
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_HOPOPTS, b"\x00\x00\x01\x04\x00\x00\x00\x00")
elif kind == "big":
    size = 1400
for i in range(n):
    s.sendto(bytes(size), (dst, dport))
' "$1" "$2" "$3" "$4" "${5:-0}"
}

# ft_nft_load [OPTION...] [-- EXTRA]: (re)load the router's ruleset:
# table inet filter with flowtable ft on FT_R0 and FT_R1 (counter, flags
# offload) and a forward chain with counter "fwd" and "flow add @ft";
# table netdev lan counts the TCP and UDP packets that reach the stack on
# FT_R0, before the software flowtable (counter l4cnt, ft_snap's lan_l4).
# Options: nooffload (software flowtable), fw4 ("flow offload @ft"),
# noflow (no flowtable at all).  EXTRA (after --) is appended verbatim
# (e.g. NAT tables).  nft's error text in ERRMSG.
ft_nft_load()
{
	local flags="flags offload;" stmt="flow add @ft" ft=1 extra='' rs

	while [ $# -gt 0 ]; do
		case $1 in
		nooffload) flags= ;;
		fw4) stmt="flow offload @ft" ;;
		noflow) ft=0 ;;
		--) shift; extra=$*; break ;;
		esac
		shift
	done
	rs="flush ruleset
table inet filter {
	counter fwdcnt { }"
	if [ $ft -eq 1 ]; then
		rs+="
	flowtable ft {
		hook ingress priority filter
		devices = { $FT_R0, $FT_R1 }
		counter
		$flags
	}"
	fi
	rs+="
	chain forward {
		type filter hook forward priority filter; policy accept;
		counter name \"fwdcnt\""
	[ $ft -eq 1 ] && rs+="
		meta l4proto { tcp, udp } $stmt"
	rs+="
	}
}
table netdev lan {
	counter l4cnt { }
	chain ingress {
		type filter hook ingress device \"$FT_R0\" priority -500; policy accept;
		meta l4proto { tcp, udp } counter name \"l4cnt\"
	}
}
$extra"
	ERRMSG=$(ip netns exec "$FT_NSR" nft -f - <<< "$rs" 2>&1)
}

# ft_topology_setup [OPTION...]: see above.
ft_topology_setup()
{
	local opt size='' vlan='' tcpt='' udpt='' proto=802.1Q wr ws pppoe=''
	local nsc nsr nss profile=''

	for opt in "$@"; do
		case $opt in
		pppoe) pppoe=1 ;;
		profile=*) profile=${opt#profile=} ;;
		size=*) size=${opt#size=} ;;
		vlan=*) vlan=${opt#vlan=} ;;
		qinq=*) vlan=${opt#qinq=}; proto=802.1ad ;;
		tcp_timeout=*) tcpt=${opt#tcp_timeout=} ;;
		udp_timeout=*) udpt=${opt#udp_timeout=} ;;
		esac
	done
	ft_modules || { ERRMSG="nf_conntrack/nf_flow_table not available"; return 1; }
	[ -n "$FT_TMP" ] || FT_TMP=$(mktemp -d /tmp/npusim-ft.XXXXXX) || return 1
	ns_create nsc nsr nss || return 1
	FT_NSC=$nsc FT_NSR=$nsr FT_NSS=$nss
	ip netns exec "$nsr" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 net.netfilter.nf_conntrack_acct=1 \
		${tcpt:+net.netfilter.nf_flowtable_tcp_timeout=$tcpt} \
		${udpt:+net.netfilter.nf_flowtable_udp_timeout=$udpt} ||
		{ ERRMSG="router sysctls"; return 1; }

	FT_R=$(npusim_rand_id)
	npusim_new "$FT_R" 2 "$nsr" "$profile" || return 1
	if [ -n "$size" ]; then
		ft_resize "$nsr" "$FT_R" "$size" ||
			{ ERRMSG="resize to $size: $ERRMSG"; return 1; }
		wait_until "$WAIT_TIMEOUT" _npusim_count_ok "$FT_R" 2 "$nsr" ||
			{ ERRMSG="ports not back after reload"; return 1; }
	fi
	FT_R0=${PORT_NAMES[0]} FT_R1=${PORT_NAMES[1]}
	FT_C=$(npusim_rand_id)
	npusim_new "$FT_C" 1 "$nsc" || return 1
	FT_C0=${PORT_NAMES[0]}
	FT_S=$(npusim_rand_id)
	npusim_new "$FT_S" 1 "$nss" || return 1
	FT_S0=${PORT_NAMES[0]}
	npusim_link "$nsc" "$FT_C0" "$nsr" "$FT_R0" || return 1
	npusim_link "$nsr" "$FT_R1" "$nss" "$FT_S0" || return 1

	wr=$FT_R1 ws=$FT_S0 FT_RW='' FT_SW=''
	if [ -n "$vlan" ]; then
		FT_RW=ftw$vlan FT_SW=ftw$vlan
		wr=$FT_RW ws=$FT_SW
		ip -n "$nsr" link add link "$FT_R1" name "$wr" type vlan \
			protocol "$proto" id "$vlan" || return 1
		ip -n "$nss" link add link "$FT_S0" name "$ws" type vlan \
			protocol "$proto" id "$vlan" || return 1
	fi
	ip -n "$nsc" -b - <<- EOF || return 1
		addr add $FT_C4/24 dev $FT_C0
		addr add $FT_C6/64 dev $FT_C0 nodad
		link set $FT_C0 up
		route add default via $FT_RL4
		route add ::/0 via $FT_RL6
	EOF
	if [ -n "$pppoe" ]; then
		ip -n "$nsr" -b - <<- EOF || return 1
			addr add $FT_RL4/24 dev $FT_R0
			addr add $FT_RL6/64 dev $FT_R0 nodad
			link set $FT_R0 up
			link set $FT_R1 up
		EOF
		ip -n "$nss" link set "$FT_S0" up || return 1
		wait_until "$WAIT_TIMEOUT" carrier "$nss" "$FT_S0" ||
			{ ERRMSG="$FT_S0: no carrier"; return 1; }
		ft_pppoe_up || return 1
	else
		ip -n "$nsr" -b - <<- EOF || return 1
			addr add $FT_RL4/24 dev $FT_R0
			addr add $FT_RL6/64 dev $FT_R0 nodad
			addr add $FT_RW4/24 dev $wr
			addr add $FT_RW6/64 dev $wr nodad
			link set $FT_R0 up
			link set $FT_R1 up
			link set $wr up
		EOF
		ip -n "$nss" -b - <<- EOF || return 1
			addr add $FT_S4/24 dev $ws
			addr add $FT_S6/64 dev $ws nodad
			link set $FT_S0 up
			link set $ws up
			route add default via $FT_RW4
			route add ::/0 via $FT_RW6
		EOF
	fi
	wait_until "$WAIT_TIMEOUT" carrier "$nsc" "$FT_C0" || { ERRMSG="$FT_C0: no carrier"; return 1; }
	wait_until "$WAIT_TIMEOUT" carrier "$nss" "$FT_S0" || { ERRMSG="$FT_S0: no carrier"; return 1; }
	ft_anchor || { ERRMSG="cannot park a process in $nsr"; return 1; }
	# Resolve neighbours both ways (v4 and v6) before any measurement.
	ip netns exec "$nsc" sh -c "ping -q -c 1 -W $WAIT_TIMEOUT $FT_S4 && ping -q -c 1 -W $WAIT_TIMEOUT $FT_S6" \
		> /dev/null 2>&1 || { ERRMSG="no ping through the router"; return 1; }
}

# ft_topology_teardown: remove the topology's devices and namespaces.
# ft_pppoe_up: the server runs a PPPoE access concentrator (pppoe-server)
# on its port, the router dials it with pppd's kernel-mode PPPoE plugin
# on its WAN port: FT_RW=pppwan ($FT_RW4 / $FT_RW6) on the router,
# FT_SW=pppisp ($FT_S4 / $FT_S6) on the server.  FT_PPPOE_SID is the
# session id.  pppd's logs are in $FT_TMP/pppd-{router,server}.log.
ft_pppoe_up()
{
	local opts=$FT_TMP/pppoe-server.options

	modprobe -q pppoe 2> /dev/null
	[ -c /dev/ppp ] || { ERRMSG="no /dev/ppp (ppp_generic)"; return 1; }
	# pppd takes a lock under /run/lock and writes pid files to /run
	mkdir -p /run/lock /run/pppd 2> /dev/null
	FT_RW=pppwan FT_SW=pppisp
	printf '%s\n' noauth "ifname $FT_SW" +ipv6 "lcp-echo-interval 0" \
		> "$opts" || return 1
	ip netns exec "$FT_NSS" pppoe-server -F -I "$FT_S0" -N 1 \
		-L "$FT_S4" -R "$FT_RW4" -O "$opts" \
		> "$FT_TMP/pppd-server.log" 2>&1 &
	BG_PIDS+=($!)
	ip netns exec "$FT_NSR" pppd plugin rp-pppoe.so "$FT_R1" nodetach \
		noauth user npusim ifname "$FT_RW" +ipv6 noipdefault \
		lcp-echo-interval 0 > "$FT_TMP/pppd-router.log" 2>&1 &
	BG_PIDS+=($!)
	wait_until "$FT_DEADLINE" _ft_pppoe_ok ||
		{ ERRMSG="no PPPoE session ($(tail -n 3 "$FT_TMP/pppd-router.log" |
			tr '\n' ' '))"; return 1; }
	# "PPP session is N" (/proc/net/pppoe shows it in network byte order)
	FT_PPPOE_SID=$(awk '/PPP session is/ { print $NF; exit }' \
		"$FT_TMP/pppd-router.log")
	[ -n "$FT_PPPOE_SID" ] || { ERRMSG="no session id in pppd's log"; return 1; }
	ip -n "$FT_NSR" -b - <<- EOF || return 1
		addr add $FT_RW6 peer $FT_S6 dev $FT_RW nodad
	EOF
	ip -n "$FT_NSS" -b - <<- EOF || return 1
		addr add $FT_S6 peer $FT_RW6 dev $FT_SW nodad
		route add default dev $FT_SW
		route add ::/0 dev $FT_SW
	EOF
}

_ft_pppoe_ok()
{
	ip -n "$FT_NSR" -4 addr show dev "$FT_RW" 2> /dev/null | grep -q "inet $FT_RW4" &&
		ip -n "$FT_NSS" -4 addr show dev "$FT_SW" 2> /dev/null |
		grep -q "inet $FT_S4"
}

# ft_ns_kill NS...: terminate every process left in the namespaces (pppd
# and the pppoe helpers fork away from the shell that started them).
ft_ns_kill()
{
	local ns pids

	for ns in "$@"; do
		[ -n "$ns" ] || continue
		pids=$(ip netns pids "$ns" 2> /dev/null)
		[ -n "$pids" ] && kill $pids 2> /dev/null
	done
	for ns in "$@"; do
		[ -n "$ns" ] || continue
		wait_until "$WAIT_TIMEOUT" _ft_ns_empty "$ns"
	done
	return 0
}

_ft_ns_empty()
{
	[ -z "$(ip netns pids "$1" 2> /dev/null)" ]
}

# ft_masquerade OIF [FAMILY...]: a ruleset masquerading what leaves OIF,
# for ft_nft_load's extra rules; families ip and/or ip6 (default both).
ft_masquerade()
{
	local oif=$1 fam

	shift
	[ $# -gt 0 ] || set -- ip ip6
	for fam in "$@"; do
		printf '%s\n' "table $fam nat {" \
			"	chain postrouting {" \
			"		type nat hook postrouting priority srcnat; policy accept;" \
			"		oifname \"$oif\" masquerade" \
			"	}" "}"
	done
}

ft_topology_teardown()
{
	local id

	ft_anchor_kill
	ft_ns_kill "$FT_NSC" "$FT_NSR" "$FT_NSS"
	for id in "$FT_C" "$FT_R" "$FT_S"; do
		[ -n "$id" ] && npusim_del "$id" 2> /dev/null
	done
	for id in "$FT_NSC" "$FT_NSR" "$FT_NSS"; do
		[ -n "$id" ] && ns_del "$id"
	done
	FT_C='' FT_R='' FT_S='' FT_NSC='' FT_NSR='' FT_NSS=''
}

# ft_ready_wait FILE: bounded wait for a ft_tool.py --ready file.
ft_ready_wait()
{
	wait_until "$FT_DEADLINE" test -e "$1"
}

# ft_dmesg_mark / ft_dmesg_new: kernel warnings since the mark.
FT_DMESG_LINES=0
ft_dmesg_mark()
{
	local out

	out=$(dmesg 2> /dev/null)
	FT_DMESG_LINES=$(wc -l <<< "$out")
}

ft_dmesg_new()
{
	dmesg 2> /dev/null | tail -n +$((FT_DMESG_LINES + 1)) |
		grep -E 'WARNING:|BUG:|Oops|refcount_t:|unreferenced object|ref_tracker:'
}

# ft_cleanup: for the tests' cleanup_test().
# ft_begin: the start of every ft_*.sh: load npusim (skip the test without
# it) and run ft_cleanup at exit (plus the test's own cleanup_test, if it
# defines one before calling this).
ft_begin()
{
	npusim_load || skip_all "npusim module not available"
	declare -F cleanup_test > /dev/null || cleanup_test() { ft_cleanup; }
	trap cleanup EXIT
}

# ft_setup [OPTIONS]: ft_topology_setup OPTIONS, or bail out; skip the
# test if npusim has no flow table.
ft_setup()
{
	ft_topology_setup "$@" ||
		bail_out "topology${1:+ ($*)}: ${ERRMSG:-see above}"
	[ -d "$NPUSIM_DFS/npusim$FT_R/flow_table" ] ||
		skip_all "npusim has no flow table (debugfs flow_table/ missing)"
}

ft_cleanup()
{
	ft_anchor_kill
	ft_ns_kill "$FT_NSC" "$FT_NSR" "$FT_NSS"
	[ -n "$FT_TMP" ] && rm -rf "$FT_TMP"
	FT_TMP=
	return 0
}

# ft_data SIZE: FT_TMP/data.SIZE, random content (created once).
ft_data()
{
	local f=$FT_TMP/data.$1

	[ -s "$f" ] || head -c "$1" /dev/urandom > "$f"
	echo "$f"
}

# _ft_paced INTERVAL RATE PACE: set _FT_INTERVAL to INTERVAL (seconds,
# up to 6 decimals) times PACE and _FT_RATE to RATE (bytes/s) divided by
# it (0, unpaced, stays 0); no fork.
_ft_paced()
{
	local i=${1%%.*} f= us

	[[ $1 == *.* ]] && f=${1#*.}
	[[ $i =~ ^[0-9]*$ && $f =~ ^[0-9]{0,6}$ && -n $i$f && $2 =~ ^[0-9]+$ &&
	   $3 =~ ^[1-9][0-9]*$ ]] || return 1
	f=${f}000000
	us=$(((10#${i:-0} * 1000000 + 10#${f:0:6}) * $3))
	printf -v _FT_INTERVAL '%d.%06d' $((us / 1000000)) $((us % 1000000))
	_FT_RATE=$(($2 / $3))
	[ "$2" = 0 ] || [ "$_FT_RATE" -gt 0 ] || _FT_RATE=1
}

# ft_flow_start NAME PROTO DST DPORT [OPTION...]: start one client->server
# flow in the background.  It runs until ft_flow_finish, ft_flow_end or
# ft_flow_stop stops it, unless count=/bytes= make it end by itself.
# Options: listen=PORT (server port, if DNAT changes it), sport=PORT,
# size=S (UDP datagram size, default 400), interval=S (UDP, default 0.01),
# count=N (UDP: end after N datagrams), rate=BPS (TCP, default 524288
# bytes/s, 0 unpaced), bytes=N (TCP: end after N bytes), echo (UDP: the
# server echoes), rst (TCP: end with RST), exact (the rate as given,
# for a flow whose interval a check depends on; else FT_PACE divides
# the rate of either: the interval times FT_PACE).  UDP flows never send
# faster than one datagram per interval, even to catch up after a stall:
# a burst of the datagrams a starved VM missed would overflow the ports' FIFOs
# (steady, the default, says so; catchup sends on schedule instead).
# The data is checked however much of it was sent: UDP datagrams carry
# a sequence number and a pattern, the TCP stream repeats a random file
# that the receiver checks.
# Sets FLOW_<NAME>_SPID (sender), _RPID (receiver), _SND and _RES (their
# reports), _STOP (the file that stops the sender), _RST.
ft_flow_start()
{
	local name=$1 proto=$2 dst=$3 dport=$4 opt
	local listen=$4 sport=0 count=0 size=400 interval=0.01 bytes=0
	local rate=524288 echo='' rst='' steady=--steady in pace=$FT_PACE
	local ready=$FT_TMP/ready.$1 res=$FT_TMP/res.$1 snd=$FT_TMP/snd.$1
	local stop=$FT_TMP/stop.$1

	shift 4
	for opt in "$@"; do
		case $opt in
		listen=*) listen=${opt#*=} ;;
		sport=*) sport=${opt#*=} ;;
		count=*) count=${opt#*=} ;;
		size=*) size=${opt#*=} ;;
		interval=*) interval=${opt#*=} ;;
		bytes=*) bytes=${opt#*=} ;;
		rate=*) rate=${opt#*=} ;;
		echo) echo=--echo ;;
		steady) steady=--steady ;;
		catchup) steady='' ;;
		rst) rst=--rst ;;
		exact) pace=1 ;;
		*) ERRMSG="$name: unknown flow option '$opt'"; return 1 ;;
		esac
	done
	if [ -z "$pace" ]; then
		FT_PACE=1
		! kernel_has_kasan || FT_PACE=4
		pace=$FT_PACE
	fi
	_ft_paced "$interval" "$rate" "$pace" || {
		ERRMSG="$name: bad interval '$interval', rate '$rate' or FT_PACE '$pace'"
		return 1
	}
	interval=$_FT_INTERVAL rate=$_FT_RATE
	rm -f "$ready" "$res" "$snd" "$stop"
	: > "$snd"
	printf -v "FLOW_${name}_RES" '%s' "$res"
	printf -v "FLOW_${name}_SND" '%s' "$snd"
	printf -v "FLOW_${name}_STOP" '%s' "$stop"
	printf -v "FLOW_${name}_RST" '%s' "$rst"
	if [ "$proto" == tcp ]; then
		in=$(ft_data 1048576)
		$FT_TOOL --netns "$FT_NSS" --max-time "$FT_FLOW_MAX" tcp-recv \
			"$listen" --expect "$in" --timeout "$FT_DEADLINE" \
			--ready "$ready" > "$res" 2>&1 &
	else
		$FT_TOOL --netns "$FT_NSS" --max-time "$FT_FLOW_MAX" udp-recv \
			"$listen" --sent "$snd" --timeout "$FT_DEADLINE" $echo \
			--ready "$ready" > "$res" 2>&1 &
	fi
	printf -v "FLOW_${name}_RPID" '%s' "$!"
	ft_ready_wait "$ready" || { ERRMSG="$name: receiver not ready"; return 1; }
	if [ "$proto" == tcp ]; then
		$FT_TOOL --netns "$FT_NSC" --max-time "$FT_FLOW_MAX" tcp-send \
			"$dst" "$dport" --file "$in" --rate "$rate" --bytes "$bytes" \
			--stop "$stop" --sport "$sport" $rst > "$snd" 2>&1 &
	else
		$FT_TOOL --netns "$FT_NSC" --max-time "$FT_FLOW_MAX" udp-send \
			"$dst" "$dport" --count "$count" --size "$size" \
			--interval "$interval" --stop "$stop" --sport "$sport" \
			$steady > "$snd" 2>&1 &
	fi
	printf -v "FLOW_${name}_SPID" '%s' "$!"
}

# ft_flow_running NAME: the sender is still running.
ft_flow_running()
{
	local p="FLOW_${1}_SPID"

	kill -0 "${!p}" 2> /dev/null
}

# ft_flow_wait NAME: wait for a flow that ends by itself (count=, bytes=)
# to end, ignoring how its sender and receiver exited.
ft_flow_wait()
{
	local s="FLOW_${1}_SPID" r="FLOW_${1}_RPID"

	wait "${!s}" 2> /dev/null
	wait "${!r}" 2> /dev/null
	return 0
}

# ft_flow_end NAME: tell the flow's sender to stop and wait for it and
# its receiver to end, ignoring how they exited.
ft_flow_end()
{
	local stop="FLOW_${1}_STOP"

	: > "${!stop}"
	ft_flow_wait "$1"
}

# ft_flow_stop NAME: kill the flow's sender and receiver (no data check).
ft_flow_stop()
{
	local s="FLOW_${1}_SPID" r="FLOW_${1}_RPID"

	kill "${!s}" "${!r}" 2> /dev/null
	wait "${!s}" "${!r}" 2> /dev/null
	return 0
}

# ft_flow_finish NAME PROTO [PEER]: stop the flow (if it does not end by
# itself) and check its data: UDP: every datagram the sender sent arrived
# once and intact; TCP: every byte the sender sent arrived (all of them
# unless it ended with RST) and equals what was sent.  PEER: the address
# the server must have seen.  Failures go to RET.  FLOW_PEER, FLOW_SENT
# and FLOW_RECEIVED are set.
ft_flow_finish()
{
	local name=$1 proto=$2 peer=${3:-} s="FLOW_${1}_SPID" r="FLOW_${1}_RPID"
	local res="FLOW_${1}_RES" snd="FLOW_${1}_SND" stop="FLOW_${1}_STOP"
	local rst="FLOW_${1}_RST" line='' w unit=datagrams

	[ "$proto" == tcp ] && unit=bytes

	: > "${!stop}"
	wait "${!s}"
	check_err $? "$name: sender failed: $(tr '\n' ' ' < "${!snd}")"
	wait "${!r}"
	check_err $? "$name: receiver failed: $(tr '\n' ' ' < "${!res}")"
	FLOW_PEER='' FLOW_SENT='' FLOW_RECEIVED=''
	read -r line < "${!snd}"
	[[ "$line" == sent=* ]] && FLOW_SENT=${line#sent=}
	read -r line < "${!res}"
	for w in $line; do
		case $w in
		peer=*) FLOW_PEER=${w#peer=} ;;
		received=*|bytes=*)
			[ "$proto" == udp ] && [[ "$w" == bytes=* ]] && continue
			FLOW_RECEIVED=${w#*=} ;;
		bad=*) [ "${w#bad=}" == 0 ] ||
			check_err 1 "$name: ${w#bad=} corrupted $unit" ;;
		dup=*) [ "${w#dup=}" == 0 ] ||
			check_err 1 "$name: ${w#dup=} duplicated datagrams" ;;
		esac
	done
	[ -n "$FLOW_SENT" ] && [ "$FLOW_SENT" -gt 0 ]
	check_err $? "$name: the sender sent nothing ($(tr '\n' ' ' < "${!snd}"))"
	if [ "$proto" == udp ]; then
		check_eq "$name: datagrams received of $FLOW_SENT sent" \
			"$FLOW_SENT" "$FLOW_RECEIVED"
	elif [ -z "${!rst}" ]; then
		check_eq "$name: bytes received of $FLOW_SENT sent" \
			"$FLOW_SENT" "$FLOW_RECEIVED"
	fi
	log_info "$name: sent $FLOW_SENT, receiver: $line"
	[ -z "$peer" ] || check_eq "$name: client address seen by the server" \
		"$peer" "$FLOW_PEER"
}

# _ft_grew A B KEY:N...: take snapshot B; every KEY grew by at least N
# since snapshot A.
_ft_grew()
{
	local a=$1 b=$2 kv d

	shift 2
	ft_snap "$b" || return 1
	for kv in "$@"; do
		d=$(ft_delta "$a" "$b" "${kv%:*}")
		[ "$d" != "?" ] && [ "$d" -ge "${kv##*:}" ] || return 1
	done
}

# ft_wait_grew A B KEY:N...: take snapshots B until every router counter
# KEY (ft_snap's keys) grew by at least N since snapshot A; fail after
# FT_DEADLINE seconds.
ft_wait_grew()
{
	local a=$1 b=$2

	shift 2
	wait_until "$FT_DEADLINE" _ft_grew "$a" "$b" "$@"
}

# ft_npu_count PORT: set NPU_COUNT to the packets the NPU forwarded with
# the router's flow table entries whose key's ingress port is PORT (sum of
# their debugfs packets=; no fork, unlike ft_snap: cheap to poll).
NPU_COUNT=0
ft_npu_count()
{
	local l v

	NPU_COUNT=0
	while IFS= read -r l; do
		[[ "$l" == *" in=p$1 "* ]] || continue
		v=${l#*packets=}
		v=${v%% *}
		[[ "$v" =~ ^[0-9]+$ ]] && NPU_COUNT=$((NPU_COUNT + v))
	done < "$NPUSIM_DFS/npusim$FT_R/flow_table/entries"
	return 0
}

# _ft_npu_grew PORT:BASE:N...: the entries of ingress port PORT counted at
# least BASE + N packets, for each PORT given.
_ft_npu_grew()
{
	local t p b n

	for t in "$@"; do
		IFS=: read -r p b n <<< "$t"
		ft_npu_count "$p"
		[ "$NPU_COUNT" -ge $((b + n)) ] || return 1
	done
}

# _ft_ct_grew PROTO DPORT BASE N: the flow's conntrack original-direction
# packet counter reached BASE + N.
_ft_ct_grew()
{
	ft_ct "$1" "$2"
	[ -n "$CT_OPKTS" ] && [ "$CT_OPKTS" -ge $(($3 + $4)) ]
}

# ft_grew_info A B KEY...: "KEY +DELTA ..." for a log line.
ft_grew_info()
{
	local a=$1 b=$2 k s=''

	shift 2
	for k in "$@"; do
		s+="${s:+, }$k +$(ft_delta "$a" "$b" "$k")"
	done
	echo "$s"
}

# ft_flow_check NAME PROTO DST DPORT [OPTION...]: run one flow (options of
# ft_flow_start, plus peer=ADDR the server must see, state=OFFLOAD when
# the NPU must refuse the flow, check=FUNC called with NAME while the
# flow runs) and log three cases:
#   NAME: offloaded: ct [HW_OFFLOAD], devlink occupancy 2, 2 debugfs entries
#   NAME: NPU forwards, the stack does not see the flow: while the NPU
#	forwards FT_NPU_PKTS packets of it (its entries count them; and,
#	for TCP, ACKs the other way), the forward chain counter and the TCP
#	and UDP packets received by the stack on the LAN port grow by at
#	most FT_STACK_MAX, the NPU counters of the ports by at least
#	FT_NPU_PKTS
#   NAME: data intact
# With state=OFFLOAD: [OFFLOAD], occupancy 0; while conntrack counts
# FT_NPU_PKTS packets of the flow (which reach the router's CPU), the NPU
# counters do not move and the forward chain (bypassed by the software
# flowtable) grows by at most FT_STACK_MAX.
# Nothing depends on how fast the flow runs: it runs until the counts
# were seen, then stops.
ft_flow_check()
{
	local name=$1 proto=$2 dst=$3 dport=$4 opt peer='' state=HW_OFFLOAD
	local occ ent d rev extra='' n=$FT_NPU_PKTS a=${1}_a b=${1}_b p0 npu1
	local -a fopts=() want=()

	shift 4
	for opt in "$@"; do
		case $opt in
		peer=*) peer=${opt#peer=} ;;
		state=*) state=${opt#state=} ;;
		check=*) extra=${opt#check=} ;;
		*) fopts+=("$opt") ;;
		esac
	done
	if [ "$state" == HW_OFFLOAD ]; then
		want=("r0.rx_npu_fwd_packets:$n" "r1.tx_npu_fwd_packets:$n")
		# ACKs from the server are offloaded as well
		[ "$proto" == tcp ] &&
			want+=(r1.rx_npu_fwd_packets:1 r0.tx_npu_fwd_packets:1)
	else
		want=("r0.rx_cpu_packets:$n")
	fi
	# Polled without forks: the flow's entries (HW_OFFLOAD) or its
	# conntrack counter (software fast path); the router's counters are
	# then read once and checked.
	npu1=1
	[ "$proto" == tcp ] || npu1=0

	RET=0
	ft_flow_start "$name" "$proto" "$dst" "$dport" "${fopts[@]}"
	check_err $? "$ERRMSG"
	ft_wait_ct "$proto" "$dport" "$state" "$FT_DEADLINE"
	check_err $? "ct state of $proto dport $dport: '$CT_STATE', expected [$state]"
	ft_snap "$a"
	check_err $? "cannot read router counters"
	if [ "$state" == HW_OFFLOAD ]; then
		ft_npu_count 0
		p0=$NPU_COUNT
		ft_npu_count 1
		wait_until "$FT_DEADLINE" _ft_npu_grew "0:$p0:$n" "1:$NPU_COUNT:$npu1"
	else
		ft_ct "$proto" "$dport"
		wait_until "$FT_DEADLINE" _ft_ct_grew "$proto" "$dport" "${CT_OPKTS:-0}" "$n"
	fi
	check_err $? "the flow did not make $n packets in ${FT_DEADLINE}s"
	_ft_grew "$a" "$b" "${want[@]}"
	check_err $? "$(ft_grew_info "$a" "$b" "${want[@]%:*}"), expected +$n"
	ft_flow_running "$name"
	check_err $? "the sender exited while the flow was measured: $(tr '\n' ' ' < "$FT_TMP/snd.$name")"
	ft_ct "$proto" "$dport"
	check_eq "ct state after the measurement" "$state" "$CT_STATE"
	occ=$(ft_occ)
	ent=$(ft_entries)
	if [ "$state" == HW_OFFLOAD ]; then
		check_eq "devlink flow_table occ" 2 "$occ"
		check_eq "debugfs flow_table/entries lines" 2 "$ent"
	else
		check_eq "devlink flow_table occ" 0 "$occ"
		check_eq "debugfs flow_table/entries lines" 0 "$ent"
	fi
	# the caller's own checks on the running flow (check_err only)
	[ -z "$extra" ] || "$extra" "$name"
	[ "$RET" -eq 0 ] || ft_dfs_dump
	log_test "$name: ct [$state], occupancy $([ "$state" == HW_OFFLOAD ] && echo 2 || echo 0)"

	RET=0
	d=$(ft_delta "$a" "$b" fwd)
	[ "$d" != "?" ] && [ "$d" -le "$FT_STACK_MAX" ]
	check_err $? "forward chain counter grew by $d packets over $n of the flow (max $FT_STACK_MAX)"
	if [ "$state" == HW_OFFLOAD ]; then
		# TCP and UDP only: ARP and ND frames keep coming, more of
		# them the longer the measurement takes
		d=$(ft_delta "$a" "$b" lan_l4)
		[ "$d" != "?" ] && [ "$d" -le "$FT_STACK_MAX" ]
		check_err $? "TCP/UDP packets received by the stack on $FT_R0 grew by $d over $n NPU-forwarded packets (max $FT_STACK_MAX)"
		log_info "$name: $(ft_grew_info "$a" "$b" fwd lan_l4 r0.rx_cpu_packets \
			r0.rx_npu_fwd_packets r1.tx_npu_fwd_packets r1.rx_npu_fwd_packets)"
		log_test "$name: forwarded by the NPU, not by the stack"
	else
		for rev in r0.rx_npu_fwd_packets r1.rx_npu_fwd_packets; do
			d=$(ft_delta "$a" "$b" "$rev")
			check_eq "$rev delta over $n packets to the CPU" 0 "$d"
		done
		log_info "$name: $(ft_grew_info "$a" "$b" fwd r0.rx_cpu_packets \
			r0.rx_npu_fwd_packets r1.rx_npu_fwd_packets)"
		log_test "$name: not forwarded by the NPU"
	fi

	RET=0
	ft_flow_finish "$name" "$proto" "$peer"
	log_test "$name: data intact${peer:+, server sees $peer}"
}
