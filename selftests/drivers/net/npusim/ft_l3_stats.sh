#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim L3 offload statistics (ip stats ... l3_stats) on the router
# interfaces of offloaded flows: the LAN is a plain port, the WAN an
# 802.1Q VLAN device on the other port.  While the NPU forwards a UDP
# flow that the server echoes, the l3_stats of both router interfaces
# must count what "ethtool -S" shows forwarded by the NPU on
# their ports (rx on the ingress interface, tx on the egress one), while
# the WAN VLAN device's own counters (ip -s link) and the stack's LAN
# counters do not see those packets.  With l3_stats off the counters
# stop: turned on again, they start at zero.  Deleting the VLAN device
# with l3_stats on frees its counter block (the chip takes one block a
# VLAN: a re-created device could not turn l3_stats on otherwise), and
# the router's device can be deleted with l3_stats on.
#
#   client [C p0] -- [R p0 | R p1 . 100] router -- [S p0 . 100] server

source "$(dirname "$0")"/lib.sh

require_cmd ip nft ethtool devlink python3 conntrack jq
modprobe -q 8021q 2> /dev/null
ft_begin

ft_setup vlan=100

# l3s NS DEV: read "ip stats show ... l3_stats" of DEV into the associative
# array L3S (keys rx_packets, rx_bytes, tx_packets, tx_bytes); fails if
# DEV shows no l3_stats (off).
declare -A L3S
l3s()
{
	local out k v

	L3S=()
	out=$(ip -n "$1" -j stats show dev "$2" group offload subgroup l3_stats |
	      jq -r '.[0].stats64 | (.rx | to_entries[] | "rx_\(.key) \(.value)"),
				    (.tx | to_entries[] | "tx_\(.key) \(.value)")' 2> /dev/null)
	[ -n "$out" ] || return 1
	while read -r k v; do
		L3S[$k]=$v
	done <<< "$out"
	[ -n "${L3S[rx_packets]:-}" ]
}

# l3s_info NS DEV KEY: print hw_stats_info's l3_stats KEY (request, used).
l3s_info()
{
	ip -n "$1" -j stats show dev "$2" group offload subgroup hw_stats_info |
		jq -r ".[0].info.l3_stats.$3"
}

# snap NAME: ethtool -S of the router's ports (r0.*, r1.*, with ft_snap),
# then the l3_stats of the LAN port (lan.*) and the WAN VLAN device
# (wan.*) and "ip -s link" of the WAN VLAN device (wanlink.*), into the
# associative array FTS_NAME.
snap()
{
	local name=$1 k rc=0

	ft_snap "$name" || rc=1
	local -n s="FTS_$name"
	l3s "$FT_NSR" "$FT_R0" || rc=1
	for k in "${!L3S[@]}"; do s["lan.$k"]=${L3S[$k]}; done
	l3s "$FT_NSR" "$FT_RW" || rc=1
	for k in "${!L3S[@]}"; do s["wan.$k"]=${L3S[$k]}; done
	ip_stats "$FT_NSR" "$FT_RW" || rc=1
	for k in "${!IPS[@]}"; do s["wanlink.$k"]=${IPS[$k]}; done
	return $rc
}

# _settled: the NPU counters of the router's ports did not move since
# the previous call (the frames in flight are through).
SETTLED=
_settled()
{
	local cur k

	ft_snap settled || return 1
	cur=
	for k in r0.rx_npu_fwd_packets r0.tx_npu_fwd_packets \
		 r1.rx_npu_fwd_packets r1.tx_npu_fwd_packets; do
		cur+="${FTS_settled[$k]} "
	done
	[ "$cur" == "$SETTLED" ] && return 0
	SETTLED=$cur
	return 1
}

# same A B L3KEY NPUKEY: between snapshots A and B, taken with no frame
# in flight, the l3_stats counter L3KEY grew exactly as much as the
# ethtool counter NPUKEY, and that by at least 1: the router interface
# counted every frame the NPU forwarded on its port, and nothing else.
same()
{
	local l n

	l=$(ft_delta "$1" "$2" "$3")
	n=$(ft_delta "$1" "$2" "$4")
	[ "$l" != "?" ] && [ "$n" != "?" ] && [ "$n" -gt 0 ] && [ "$l" -eq "$n" ]
	check_err $? "$3 grew by $l, $4 (NPU-forwarded) by $n"
}

RET=0
ft_nft_load
check_err $? "loading the ruleset failed: $ERRMSG"
log_test "offload flowtable on the router's ports"

RET=0
for d in "$FT_R0" "$FT_RW"; do
	ip -n "$FT_NSR" stats set dev "$d" l3_stats on
	check_err $? "ip stats set dev $d l3_stats on failed"
	check_eq "$d: hw_stats_info l3_stats request" true \
		"$(l3s_info "$FT_NSR" "$d" request)"
	check_eq "$d: hw_stats_info l3_stats used" true \
		"$(l3s_info "$FT_NSR" "$d" used)"
	l3s "$FT_NSR" "$d"
	check_err $? "$d: no l3_stats"
	check_eq "$d: l3_stats rx_packets when enabled" 0 "${L3S[rx_packets]:-}"
done
# The server's port too: an npusim port, where nothing is routed.
ip -n "$FT_NSS" stats set dev "$FT_S0" l3_stats on
check_err $? "ip stats set dev $FT_S0 l3_stats on failed"
log_test "l3_stats on for the LAN port and the WAN VLAN device: used"

# One echoed UDP flow: client -> server enters on the LAN port and leaves
# on the WAN VLAN, the echo the other way.  Snapshot a comes before the
# flow, m once the NPU forwards it, b after it ended and the NPU counters
# settled.
RET=0
n=$FT_NPU_PKTS
snap a
check_err $? "cannot read the router's counters"
ft_flow_start l3 udp "$FT_S4" 5601 echo
check_err $? "$ERRMSG"
ft_wait_ct udp 5601 HW_OFFLOAD "$FT_DEADLINE"
check_err $? "ct state of udp dport 5601: '$CT_STATE', expected [HW_OFFLOAD]"
snap m
check_err $? "cannot read the router's counters"
# Traffic until the NPU forwarded n packets each way.
wait_until "$FT_DEADLINE" _ft_grew m t "r0.rx_npu_fwd_packets:$n" \
	"r1.rx_npu_fwd_packets:$n"
check_err $? "the NPU did not forward $n packets each way in ${FT_DEADLINE}s: $(ft_grew_info m t r0.rx_npu_fwd_packets r1.rx_npu_fwd_packets)"
# Snapshot e while the flow still runs: once the client's socket is
# closed, the echoes still in flight draw ICMP port unreachables from it,
# which the stack forwards (up to the ICMP rate limit's burst of 6).
snap e
check_err $? "cannot read the router's counters"
ft_flow_end l3
wait_until "$FT_DEADLINE" _settled
check_err $? "the NPU counters did not settle in ${FT_DEADLINE}s"
snap b
check_err $? "cannot read the router's counters"
same a b lan.rx_packets r0.rx_npu_fwd_packets
same a b lan.rx_bytes r0.rx_npu_fwd_bytes
same a b lan.tx_packets r0.tx_npu_fwd_packets
same a b lan.tx_bytes r0.tx_npu_fwd_bytes
same a b wan.rx_packets r1.rx_npu_fwd_packets
same a b wan.rx_bytes r1.rx_npu_fwd_bytes
same a b wan.tx_packets r1.tx_npu_fwd_packets
same a b wan.tx_bytes r1.tx_npu_fwd_bytes
log_info "$(ft_grew_info a b r0.rx_npu_fwd_packets lan.rx_packets \
	r0.tx_npu_fwd_packets lan.tx_packets r1.rx_npu_fwd_packets \
	wan.rx_packets r1.tx_npu_fwd_packets wan.tx_packets)"
log_test "l3_stats count what the NPU forwarded (LAN port, WAN VLAN)"

# From m to e, the NPU forwarded at least n packets each way; the WAN
# VLAN device's own counters, the forward chain and the LAN port's
# TCP/UDP packets to the stack must not have seen them.
RET=0
for k in wanlink.rx_packets wanlink.tx_packets fwd lan_l4; do
	d=$(ft_delta m e "$k")
	[ "$d" != "?" ] && [ "$d" -le "$FT_STACK_MAX" ]
	check_err $? "$k grew by $d over the NPU-forwarded packets (max $FT_STACK_MAX)"
done
log_info "$(ft_grew_info m e r0.rx_npu_fwd_packets r1.rx_npu_fwd_packets \
	wanlink.rx_packets wanlink.tx_packets fwd lan_l4 r0.rx_cpu_packets)"
log_test "the router's netdevs and stack did not see those packets"

# l3_stats off: the NPU forwards another n packets each way; on again,
# the counters start at zero.
RET=0
for d in "$FT_R0" "$FT_RW"; do
	ip -n "$FT_NSR" stats set dev "$d" l3_stats off
	check_err $? "ip stats set dev $d l3_stats off failed"
	check_eq "$d: hw_stats_info l3_stats request" false \
		"$(l3s_info "$FT_NSR" "$d" request)"
	l3s "$FT_NSR" "$d"
	check_fail $? "$d: l3_stats still shown when off"
done
ft_flow_start l3off udp "$FT_S4" 5602 echo
check_err $? "$ERRMSG"
ft_wait_ct udp 5602 HW_OFFLOAD "$FT_DEADLINE"
check_err $? "ct state of udp dport 5602: '$CT_STATE', expected [HW_OFFLOAD]"
ft_snap c
check_err $? "cannot read the router's counters"
wait_until "$FT_DEADLINE" _ft_grew c d "r0.rx_npu_fwd_packets:$n" \
	"r1.rx_npu_fwd_packets:$n"
check_err $? "the NPU did not forward $n packets each way in ${FT_DEADLINE}s"
ft_flow_end l3off
for d in "$FT_R0" "$FT_RW"; do
	ip -n "$FT_NSR" stats set dev "$d" l3_stats on
	check_err $? "ip stats set dev $d l3_stats on failed"
	l3s "$FT_NSR" "$d"
	check_err $? "$d: no l3_stats"
	for k in rx_packets tx_packets; do
		check_eq "$d: l3_stats $k after a period off" 0 "${L3S[$k]:-}"
	done
done
log_info "while off: $(ft_grew_info c d r0.rx_npu_fwd_packets r1.rx_npu_fwd_packets)"
log_test "l3_stats stop counting when off"

# Deleting the VLAN device, then the router, with l3_stats on: the chip's
# counter block goes with the VLAN device, so that the device created
# again in its place gets one.  (The debug kernel runs this script with
# kmemleak off, for the hour's budget.)
RET=0
ip -n "$FT_NSR" link del dev "$FT_RW"
check_err $? "cannot delete $FT_RW"
ip -n "$FT_NSR" link add link "$FT_R1" name "$FT_RW" type vlan id 100
check_err $? "cannot re-create $FT_RW"
ip -n "$FT_NSR" stats set dev "$FT_RW" l3_stats on
check_err $? "l3_stats on for the re-created $FT_RW failed"
check_eq "$FT_RW: hw_stats_info l3_stats used" true \
	"$(l3s_info "$FT_NSR" "$FT_RW" used)"
npusim_del "$FT_R"
check_err $? "cannot delete the router's device"
FT_R=
log_test "VLAN device and router deleted with l3_stats on"

exit_tests
