#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim nf_flowtable hardware offload with NAT: masquerade (SNAT) on the
# WAN port and DNAT (port forwarding, with a port change) on IPv4 and
# IPv6.  Each flow must reach [HW_OFFLOAD], be forwarded by the NPU with
# the translation applied (data intact, so addresses, ports and checksums
# are right), and the server must see the translated address.
#
#   client [C p0] -- [R p0 | R p1 (masquerade)] router -- [S p0] server

source "$(dirname "$0")"/lib.sh

require_cmd ip nft ethtool devlink python3 conntrack cmp awk
ft_begin

ft_setup

SNAT=$(ft_masquerade "$FT_R1")

# The client connects to the router's LAN address; port 60xx is forwarded
# to the server's port 70xx.
DNAT="
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		iifname \"$FT_R0\" ip daddr $FT_RL4 tcp dport 6001 dnat to $FT_S4:7001
		iifname \"$FT_R0\" ip daddr $FT_RL4 udp dport 6002 dnat to $FT_S4:7002
	}
}
table ip6 nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		iifname \"$FT_R0\" ip6 daddr $FT_RL6 tcp dport 6003 dnat to [$FT_S6]:7003
		iifname \"$FT_R0\" ip6 daddr $FT_RL6 udp dport 6004 dnat to [$FT_S6]:7004
	}
}"

flow()
{
	ft_ct_flush
	ft_flow_check "$@"
}

RET=0
ft_nft_load -- "$SNAT"
check_err $? "loading the masquerade ruleset failed: $ERRMSG"
log_test "masquerade ruleset with an offload flowtable loads"

sweep_note "snat_udp4, snat_tcp6 and dnat_tcp4"
flow snat_tcp4 tcp "$FT_S4" 5301 peer="$FT_RW4"
! full_sweep || flow snat_udp4 udp "$FT_S4" 5302 peer="$FT_RW4"
! full_sweep || flow snat_tcp6 tcp "$FT_S6" 5303 peer="$FT_RW6"
flow snat_udp6 udp "$FT_S6" 5304 peer="$FT_RW6"

RET=0
ft_nft_load -- "$DNAT"
check_err $? "loading the DNAT ruleset failed: $ERRMSG"
log_test "DNAT ruleset with an offload flowtable loads"

! full_sweep || flow dnat_tcp4 tcp "$FT_RL4" 6001 listen=7001 peer="$FT_C4"
flow dnat_udp4 udp "$FT_RL4" 6002 listen=7002 peer="$FT_C4"
flow dnat_tcp6 tcp "$FT_RL6" 6003 listen=7003 peer="$FT_C6"

exit_tests
