#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim trace events (TRACE_SYSTEM npusim), read through a tracefs
# instance of their own:
#  - the six events exist: npusim_ft_replace, _destroy, _stats,
#    _install, _remove and npusim_punt;
#  - an offloaded UDP flow: a punt of reason miss on the router's LAN
#    port before the offload, REPLACE with err=0 and an install (stored,
#    in=p0 out=p1) for each direction, STATS that report packets, and
#    after conntrack -F a DESTROY and a removal of each entry;
#  - a UDP flow offloaded by the echo of its one datagram, whose entries
#    no packet hits: its STATS report the install as the last use, never
#    0, and nf_flowtable still times the flow out;
#  - an IPv6 masquerade on a chip without IPv6 NAT: REPLACE with
#    err=-95 and the extack message "This chip cannot offload IPv6 NAT"
#    (nf_flowtable drops it; the trace keeps it).
#
#   client [C p0] -- [R p0 | R p1] router -- [S p0] server

source "$(dirname "$0")"/lib.sh

require_cmd ip nft ethtool devlink python3 conntrack awk
ft_begin

TRACEFS=/sys/kernel/tracing
INST=
EVENTS="npusim_ft_replace npusim_ft_destroy npusim_ft_stats npusim_ft_install
	npusim_ft_remove npusim_punt"

cleanup_test()
{
	if [ -n "$INST" ] && [ -d "$INST" ]; then
		echo 0 > "$INST/events/npusim/enable" 2> /dev/null
		rmdir "$INST" 2> /dev/null
	fi
	ft_cleanup
}

[ -d "$TRACEFS/instances" ] || mount -t tracefs nodev "$TRACEFS" 2> /dev/null
[ -d "$TRACEFS/instances" ] || skip_all "no tracefs"
INST=$TRACEFS/instances/npusim-$$
mkdir "$INST" || bail_out "cannot create the tracefs instance $INST"

ft_setup udp_timeout=5 tcp_timeout=5
ft_nft_load || bail_out "ruleset: $ERRMSG"

# traced EVENT [PATTERN]: the lines of EVENT in the instance's trace
# buffer (that match the extended regex PATTERN).
traced()
{
	grep -E " $1: .*${2:-}" "$INST/trace"
}

test_events()
{
	local e

	RET=0
	for e in $EVENTS; do
		[ -d "$INST/events/npusim/$e" ]
		check_err $? "no trace event npusim:$e"
	done
	echo 1 > "$INST/events/npusim/enable"
	check_err $? "cannot enable the npusim events"
	log_test "trace events npusim:* exist and can be enabled"
}

# traced_ge N EVENT PATTERN: at least N lines of EVENT match PATTERN
# (their number in TRACED).
traced_ge()
{
	TRACED=$(traced "$2" "$3" | wc -l)
	[ "$TRACED" -ge "$1" ]
}

# _stats_counted: a STATS event reported packets of the flow.
_stats_counted()
{
	traced npusim_ft_stats 'err=0 packets=[1-9]' > /dev/null
}

test_flow()
{
	RET=0
	echo > "$INST/trace"
	ft_flow_start tr udp "$FT_S4" 6201 echo
	ft_wait_ct udp 6201 HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	wait_until "$FT_DEADLINE" _ft_npu_grew "0:0:20" "1:0:20"
	check_err $? "the NPU forwarded only $NPU_COUNT packets"
	wait_until "$FT_DEADLINE" _stats_counted
	check_err $? "no STATS event reported packets"
	ft_flow_finish tr udp
	ft_ct_flush
	ft_wait_occ 0
	check_err $? "occupancy $(ft_occ) after conntrack -F"

	traced npusim_punt "dev=$FT_R0 .*reason=miss" > /dev/null
	check_err $? "no punt of reason miss on $FT_R0"
	traced_ge 2 npusim_ft_replace 'err=0 '
	check_err $? "$TRACED successful REPLACE events, expected 2 or more"
	traced npusim_ft_install 'in=p0 out=p1 stored=1' > /dev/null
	check_err $? "no install of the original direction (in=p0 out=p1)"
	traced npusim_ft_install 'in=p1 out=p0 stored=1' > /dev/null
	check_err $? "no install of the reply direction (in=p1 out=p0)"
	traced_ge 2 npusim_ft_destroy 'err=0'
	check_err $? "$TRACED successful DESTROY events, expected 2 or more"
	traced_ge 2 npusim_ft_remove 'removed'
	check_err $? "$TRACED entry removals, expected 2 or more"
	log_test "an offloaded flow: punt, REPLACE, install, STATS, DESTROY, removal"
}

test_never_hit()
{
	RET=0
	ft_ct_flush
	ip netns exec "$FT_NSR" sysctl -qw net.netfilter.nf_flowtable_udp_timeout=10
	echo > "$INST/trace"
	# the echo offloads the flow; no packet follows to hit its entries
	ft_flow_start nh udp "$FT_S4" 6203 echo count=1
	check_err $? "$ERRMSG"
	ft_wait_ct udp 6203 HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	ft_flow_wait nh
	wait_until "$FT_DEADLINE" _ft_ct_not_offloaded udp 6203
	check_err $? "the flow did not time out: '$CT_STATE'"
	ip netns exec "$FT_NSR" sysctl -qw net.netfilter.nf_flowtable_udp_timeout=5

	traced_ge 1 npusim_ft_stats 'packets=[1-9]'
	check_fail $? "the entries were hit ($TRACED STATS with packets)"
	traced_ge 2 npusim_ft_stats 'err=0 packets=0 bytes=0 lastused=[1-9]'
	check_err $? "$TRACED STATS with a last use, expected 2 or more"
	traced_ge 1 npusim_ft_stats 'lastused=0$'
	check_fail $? "$TRACED STATS with no last use"
	log_test "never-hit entries: STATS report the install as their last use"
}

_refused_traced()
{
	traced npusim_ft_replace \
		'err=-95 msg=".*This chip cannot offload IPv6 NAT"' > /dev/null
}

test_refusal()
{
	RET=0
	ft_ct_flush
	ft_model ipv6_nat 0
	check_err $? "model/ipv6_nat=0: $ERRMSG"
	ft_nft_load -- "$(ft_masquerade "$FT_R1" ip6)"
	check_err $? "masquerade ruleset: $ERRMSG"
	echo > "$INST/trace"
	ft_flow_start tr6 udp "$FT_S6" 6202 interval=0.05
	wait_until "$FT_DEADLINE" _refused_traced
	check_err $? "no refused REPLACE with its message in the trace"
	ft_flow_finish tr6 udp "$FT_RW6"
	ft_nft_load
	check_err $? "ruleset: $ERRMSG"
	ft_ct_flush
	ft_model ipv6_nat 1
	log_test "a refused REPLACE: err=-95 and the extack message"
}

test_events
test_flow
test_never_hit
test_refusal

exit_tests
