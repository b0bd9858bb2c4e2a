#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim devlink traps: each reason for which the packet engine passes a
# frame to the host is a devlink trap.  The trap's packet counter grows
# with the ethtool rx_punt_<reason> counter of the ingress port, frame
# by frame; the drop traps (ipv4_options, ipv4_fragment,
# ipv6_ext_header) can be set to drop, and then the NPU drops those
# frames (trap "dropped" counter, ethtool rx_punt_drops, rx_dropped);
# each trapped frame reaches the devlink_trap_report tracepoint with its
# trap and ingress port.
#
#   client [C p0] -- [R p0 | R p1] router -- [S p0] server

source "$(dirname "$0")"/lib.sh

require_cmd ip nft ethtool devlink python3 jq
ft_begin

TRACEFS=/sys/kernel/tracing
INST=

# shellcheck disable=SC2317 # called by cleanup()
cleanup_test()
{
	[ -n "$INST" ] && [ -d "$INST" ] && rmdir "$INST" 2> /dev/null
	ft_cleanup
}

ft_setup
ft_nft_load || bail_out "ruleset: $ERRMSG"
DL=npusim/npusim$FT_R
N=10

# trap name:type:group of each punt reason, in the engine's order
TRAPS="flow_miss:exception:flow_offload
tcp_fin_rst:exception:flow_offload
ttl_value_is_too_small:exception:l3_exceptions
ipv4_options:drop:l3_drops
ipv4_fragment:drop:l3_drops
ipv6_ext_header:drop:l3_drops
mtu_value_is_too_small:exception:l3_exceptions
flow_unsupported:exception:flow_offload
flow_unbound:exception:flow_offload"

# dl ARGS...: devlink in the router's namespace, where the instance is.
dl()
{
	devlink -N "$FT_NSR" "$@"
}

# trap_json: this device's traps with their counters, one JSON array.
trap_json()
{
	dl -j -s trap show | jq -c --arg d "$DL" '.trap[$d]'
}

# trap_get NAME FIELD: a jq FIELD of trap NAME (.action, .stats.rx.packets)
# (one devlink and one jq: a process costs 0.2 to 0.5 s on the debug
# kernel, and the cases poll this)
trap_get()
{
	dl -j -s trap show |
		jq -r --arg d "$DL" --arg n "$1" ".trap[\$d][] | select(.name == \$n) | $2"
}

# punt_sum REASON: rx_punt_REASON summed over the router's two ports (both
# read by one shell in the router's namespace, parsed here).
punt_sum()
{
	local out k v sum=0

	out=$(ip netns exec "$FT_NSR" sh -c "ethtool -S '$FT_R0'; ethtool -S '$FT_R1'")
	while IFS=: read -r k v; do
		k=${k//[[:space:]]/}
		v=${v//[[:space:]]/}
		[ "$k" == "$1" ] && [ -n "$v" ] && sum=$((sum + v))
	done <<< "$out"
	echo "$sum"
}

# _trap_reached NAME FIELD VALUE: trap_get NAME FIELD is at least VALUE.
_trap_reached()
{
	local v

	v=$(trap_get "$1" "$2")
	[ -n "$v" ] && [ "$v" -ge "$3" ]
}

test_list()
{
	local t name type group got

	RET=0
	got=$(trap_json | jq -r '.[] | "\(.name):\(.type):\(.group)"')
	check_err $? "devlink trap show failed"
	for t in $TRAPS; do
		grep -qx "$t" <<< "$got"
		check_err $? "trap $t not listed (listed: $(echo $got))"
	done
	check_eq "number of traps" 9 "$(wc -l <<< "$got")"
	for t in $TRAPS; do
		name=${t%%:*}
		check_eq "$name action" trap "$(trap_get "$name" .action)"
	done
	got=$(dl -j trap group show | jq -r --arg d "$DL" '.trap_group[$d][].name' | sort | xargs)
	check_eq "trap groups" "flow_offload l3_drops l3_exceptions" "$got"
	log_test "traps and groups listed, every action trap"
}

# trap_case NAME KIND DST DPORT TRAP REASON FRAMES: send N datagrams of
# KIND; trap TRAP counts FRAMES packets more, like rx_punt_REASON.
trap_case()
{
	local name=$1 kind=$2 dst=$3 dport=$4 trap=$5 reason=$6 frames=$7
	local p0 b0 e0 p1 b1 e1

	RET=0
	p0=$(trap_get "$trap" .stats.rx.packets)
	b0=$(trap_get "$trap" .stats.rx.bytes)
	e0=$(punt_sum "rx_punt_$reason")
	ft_punt_send "$kind" "$dst" "$dport" "$N"
	check_err $? "cannot send the $kind datagrams"
	wait_until "$FT_DEADLINE" _trap_reached "$trap" .stats.rx.packets $((p0 + frames))
	check_err $? "$trap: $(($(trap_get "$trap" .stats.rx.packets) - p0)) of $frames packets counted"
	p1=$(trap_get "$trap" .stats.rx.packets)
	b1=$(trap_get "$trap" .stats.rx.bytes)
	e1=$(punt_sum "rx_punt_$reason")
	check_eq "$trap packets delta" "$frames" $((p1 - p0))
	check_eq "rx_punt_$reason delta" "$frames" $((e1 - e0))
	[ $((b1 - b0)) -ge $((frames * 60)) ]
	check_err $? "$trap bytes delta $((b1 - b0)) for $frames frames"
	check_eq "$trap dropped" 0 "$(trap_get "$trap" .stats.rx.dropped)"
	log_test "$name: trap $trap counts what ethtool rx_punt_$reason counts"
}

# drop_case NAME KIND DST DPORT TRAP REASON FRAMES: with TRAP's action
# drop, the NPU drops the FRAMES frames of N datagrams of KIND: none is
# trapped, all counted as dropped.  Back to trap, they pass again.
drop_case()
{
	local name=$1 kind=$2 dst=$3 dport=$4 trap=$5 reason=$6 frames=$7
	local p0 d0 e0 x0 r0 p1 d1 e1 x1 r1

	RET=0
	dl trap set "$DL" trap "$trap" action drop
	check_err $? "cannot set $trap to drop"
	check_eq "$trap action" drop "$(trap_get "$trap" .action)"
	p0=$(trap_get "$trap" .stats.rx.packets)
	d0=$(trap_get "$trap" .stats.rx.dropped)
	e0=$(punt_sum "rx_punt_$reason")
	x0=$(punt_sum rx_punt_drops)
	r0=$(ip -n "$FT_NSR" -j -s link show dev "$FT_R0" | jq '.[0].stats64.rx.dropped')
	ft_punt_send "$kind" "$dst" "$dport" "$N"
	check_err $? "cannot send the $kind datagrams"
	wait_until "$FT_DEADLINE" _trap_reached "$trap" .stats.rx.dropped $((d0 + frames))
	check_err $? "$trap: $(($(trap_get "$trap" .stats.rx.dropped) - d0)) of $frames frames dropped"
	p1=$(trap_get "$trap" .stats.rx.packets)
	d1=$(trap_get "$trap" .stats.rx.dropped)
	e1=$(punt_sum "rx_punt_$reason")
	x1=$(punt_sum rx_punt_drops)
	r1=$(ip -n "$FT_NSR" -j -s link show dev "$FT_R0" | jq '.[0].stats64.rx.dropped')
	check_eq "$trap dropped delta" "$frames" $((d1 - d0))
	check_eq "$trap packets delta (trapped)" 0 $((p1 - p0))
	check_eq "rx_punt_$reason delta" "$frames" $((e1 - e0))
	check_eq "rx_punt_drops delta" "$frames" $((x1 - x0))
	[ $((r1 - r0)) -ge "$frames" ]
	check_err $? "$FT_R0 rx_dropped grew by $((r1 - r0)), not $frames"
	log_test "$name: action drop, the NPU drops and counts them"

	RET=0
	dl trap set "$DL" trap "$trap" action trap
	check_err $? "cannot set $trap back to trap"
	ft_punt_send "$kind" "$dst" "$dport" "$N"
	wait_until "$FT_DEADLINE" _trap_reached "$trap" .stats.rx.packets $((p1 + frames))
	check_err $? "$trap: frames not trapped again after action trap"
	check_eq "$trap dropped after action trap" "$d1" "$(trap_get "$trap" .stats.rx.dropped)"
	log_test "$name: action trap again, the frames reach the host"
}

test_refused()
{
	local out

	RET=0
	out=$(dl trap set "$DL" trap ipv4_options action mirror 2>&1)
	check_fail $? "mirror accepted on ipv4_options"
	grep -q "pass a frame to the host or drop it" <<< "$out"
	check_err $? "no explanation for mirror: $out"
	check_eq "ipv4_options action after mirror" trap "$(trap_get ipv4_options .action)"
	# devlink itself keeps exception traps at trap
	dl trap set "$DL" trap ttl_value_is_too_small action drop > /dev/null 2>&1
	check_eq "ttl trap action after drop" trap "$(trap_get ttl_value_is_too_small .action)"
	log_test "mirror refused with a message; exception traps stay trap"
}

# A flow the NPU has no entry for: its frames are trapped as flow_miss.
test_miss()
{
	RET=0
	local p0

	p0=$(trap_get flow_miss .stats.rx.packets)
	ft_punt_send plain "$FT_S4" 5969 "$N"
	wait_until "$FT_DEADLINE" _trap_reached flow_miss .stats.rx.packets $((p0 + N))
	check_err $? "flow_miss grew by $(($(trap_get flow_miss .stats.rx.packets) - p0)), not $N"
	log_test "flow_miss: frames of an unknown flow"
}

_report_traced()
{
	local n

	n=$(grep -c "trap_name=ttl_value_is_too_small.*input_dev_name=$FT_R0" "$INST/trace")
	[ "$n" -ge "$N" ]
}

test_report()
{
	RET=0
	[ -d "$TRACEFS/instances" ] || mount -t tracefs nodev "$TRACEFS" 2> /dev/null
	if [ ! -d "$TRACEFS/instances" ]; then
		case_skip "no tracefs"
		log_test "devlink_trap_report tracepoint"
		return
	fi
	INST=$TRACEFS/instances/npusim-trap-$$
	mkdir "$INST"
	check_err $? "cannot create a tracefs instance"
	echo 1 > "$INST/events/devlink/devlink_trap_report/enable"
	check_err $? "cannot enable devlink:devlink_trap_report"
	ft_punt_send ttl "$FT_S4" 5970 "$N"
	wait_until "$FT_DEADLINE" _report_traced
	check_err $? "$(grep -c ttl_value_is_too_small "$INST/trace") of $N reports traced"
	grep -q "driver_name=npusim" "$INST/trace"
	check_err $? "no report with driver_name=npusim: $(grep -m1 devlink_trap_report "$INST/trace")"
	echo 0 > "$INST/events/devlink/devlink_trap_report/enable"
	log_test "devlink_trap_report: each trapped frame with its trap and port"
}

# A driver reinit unregisters the traps with the ports and registers
# them again: devlink WARNs on a reload that leaves traps behind, and
# trap actions return to their defaults, as after a driver restart.
test_reload()
{
	local n warn

	RET=0
	dl trap set "$DL" trap ipv4_fragment action drop
	check_err $? "cannot set ipv4_fragment to drop"
	ft_dmesg_mark
	dl dev reload "$DL" action driver_reinit > /dev/null
	check_err $? "reload failed"
	warn=$(ft_dmesg_new)
	check_eq "kernel warnings after reload" "" "$warn"
	n=$(trap_json | jq length)
	check_eq "traps after reload" "$(wc -l <<< "$TRAPS")" "$n"
	check_eq "ipv4_fragment action after reload" trap \
		"$(trap_get ipv4_fragment .action)"
	log_test "reload: traps registered again, actions reset"
}

test_list
trap_case ttl ttl "$FT_S4" 5961 ttl_value_is_too_small ttl "$N"
trap_case ip_options options "$FT_S4" 5962 ipv4_options ip_options "$N"
trap_case fragment fragment "$FT_S4" 5963 ipv4_fragment fragment $((2 * N))
trap_case ipv6_ext ipv6_ext "$FT_S6" 5964 ipv6_ext_header ipv6_ext "$N"
test_miss
# one NPU drop path for every trap: the debug kernel takes it once
sweep_note "action drop for fragment and ipv6_ext"
drop_case ip_options options "$FT_S4" 5965 ipv4_options ip_options "$N"
! full_sweep ||
	drop_case fragment fragment "$FT_S4" 5966 ipv4_fragment fragment $((2 * N))
! full_sweep || drop_case ipv6_ext ipv6_ext "$FT_S6" 5967 ipv6_ext_header ipv6_ext "$N"
test_refused
test_report
test_reload

# The device goes away with a trap set to drop: nothing left behind
# (the VM runner checks for leaks and warnings).
RET=0
dl trap set "$DL" trap ipv4_fragment action drop
check_err $? "cannot set ipv4_fragment to drop"
npusim_del "$FT_R"
check_err $? "del_device with a trap set to drop: $ERRMSG"
log_test "device deleted with a trap set to drop"

exit_tests
