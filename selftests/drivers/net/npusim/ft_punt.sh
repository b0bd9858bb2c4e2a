#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim packet engine punts: frames the NPU must not forward go to the
# router's stack unchanged and their reason is counted in ethtool -S
# (rx_punt_<reason> of the ingress port), never in rx_npu_fwd_packets.
# Each case sends N datagrams through the router with an offload flowtable
# and expects the reason's counter to grow by exactly what was sent:
# TTL 1, IPv4 options, IPv4 fragments, an IPv6 extension header, and
# packets of an offloaded flow longer than the egress port's MTU.
#
#   client [C p0] -- [R p0 | R p1] router -- [S p0] server

source "$(dirname "$0")"/lib.sh

require_cmd ip nft ethtool devlink python3 conntrack awk
ft_begin

# The MTU case needs its flow entry long after the flow's last packet:
# no aging during the test.
ft_setup udp_timeout=3600
ft_nft_load || bail_out "ruleset: $ERRMSG"

N=10
SPORT=41000

# punt_case NAME KIND DST DPORT REASON FRAMES [SPORT]
punt_case()
{
	local name=$1 kind=$2 dst=$3 dport=$4 reason=$5 frames=$6 d

	RET=0
	ft_snap "${name}_a"
	ft_punt_send "$kind" "$dst" "$dport" "$N" "${7:-0}"
	check_err $? "cannot send the $kind datagrams"
	# all of them went through the NPU once the counter is complete
	ft_wait_grew "${name}_a" "${name}_b" "r0.rx_punt_$reason:$frames"
	d=$(ft_delta "${name}_a" "${name}_b" "r0.rx_punt_$reason")
	check_eq "$FT_R0 rx_punt_$reason delta" "$frames" "$d"
	d=$(ft_delta "${name}_a" "${name}_b" r0.rx_npu_fwd_packets)
	check_eq "$FT_R0 rx_npu_fwd_packets delta" 0 "$d"
	log_test "$name: punted to the stack, counted as $reason"
}

punt_case ttl ttl "$FT_S4" 5961 ttl "$N"
punt_case ip_options options "$FT_S4" 5962 ip_options "$N"
punt_case fragment fragment "$FT_S4" 5963 fragment $((2 * N))
punt_case ipv6_ext ipv6_ext "$FT_S6" 5964 ipv6_ext "$N"

# MTU: an offloaded flow whose egress port shrank below its packets.
RET=0
ft_flow_start mtu udp "$FT_S4" 5965 sport=$SPORT
check_err $? "$ERRMSG"
ft_wait_ct udp 5965 HW_OFFLOAD
check_err $? "flow not offloaded: '$CT_STATE'"
ft_flow_finish mtu udp
ip -n "$FT_NSR" link set dev "$FT_R1" mtu 1280
check_err $? "cannot lower the MTU of $FT_R1"
log_test "mtu: offloaded flow ready, egress MTU lowered to 1280"

punt_case mtu big "$FT_S4" 5965 mtu "$N" $SPORT
ip -n "$FT_NSR" link set dev "$FT_R1" mtu 1500

exit_tests
