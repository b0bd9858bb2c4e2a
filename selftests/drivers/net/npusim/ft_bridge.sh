#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim flowtable offload through an offloaded bridge, as OpenWrt lays a
# router out: br-lan, a VLAN-aware bridge over the LAN ports of the
# router's npusim device, and the WAN an 802.1Q VLAN device on its WAN
# port, NATed; the firewall4-style flowtable lists the lower ports.
#
#   h1 [A p0 .10]    -- [R p0] lan1 \
#   h2 [B p0.1 .20]  -- [R p1] lan2 -- br-lan 192.168.1.1 (router "r")
#   (unwired)           [R p2] lan3 /
#                    [R p3] wan . 100 203.0.113.1 -- [S p0 . 100] server
#
# br-lan's VLAN 1 is untagged on lan1 and lan3 (their PVID) and tagged on
# lan2, a trunk: h2 sits on a VLAN device.
#
# Routed flows from the LAN are [HW_OFFLOAD] and forwarded by the NPU while
# the switch forwards LAN-to-LAN traffic, both without the router's host.
# Then h1's cable moves from lan1 to lan3 (a station moving between LAN
# ports) with its flow running: the NPU must send the flow's replies to
# lan3, not to lan1 where nobody is any more.  Last, the router dials
# PPPoE over the WAN VLAN (pppwan, 198.51.100.1, to the server's
# pppisp, 198.51.100.2) and h2's flow to the server goes through it:
# the NPU pops h2's LAN tag and pushes the WAN's tag and the PPPoE
# header, and the other way round.  Static neighbours
# and no IPv6: the only frames on the wires are the test's.

source "$(dirname "$0")"/lib.sh

require_cmd ip nft ethtool bridge conntrack python3 mausezahn ping
modprobe -q -a bridge 8021q 2> /dev/null
ft_begin
ft_modules || skip_all "nf_conntrack/nf_flow_table not available"

N=100		# packets per assertion
TOOL="$(dirname "$0")/ft_tool.py"

h1='' h2='' r='' s=''
ns_create h1 h2 r s || bail_out "cannot create netns"
FT_NSC=$h1 FT_NSR=$r FT_NSS=$s
FT_TMP=$(mktemp -d /tmp/npusim-ftbr.XXXXXX) || bail_out "mktemp failed"
ns_no_ipv6 "$h1" "$h2" "$r" "$s"
require_vlan_filtering "$r"

R=$(npusim_rand_id)
npusim_new "$R" 4 "$r" || bail_out "cannot create npusim$R"
LAN1=${PORT_NAMES[0]} LAN2=${PORT_NAMES[1]} LAN3=${PORT_NAMES[2]}
WAN=${PORT_NAMES[3]}
HNS=("$h1" "$h2" "$s") SWP=("$LAN1" "$LAN2" "$WAN")
hosts_wire "$r"

ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1 \
	net.netfilter.nf_conntrack_acct=1 || bail_out "router sysctls"
ip -n "$r" -b - <<- EOF || bail_out "cannot configure the router"
	link add br-lan type bridge vlan_filtering 1
	link set $LAN1 master br-lan
	link set $LAN2 master br-lan
	link set $LAN3 master br-lan
	link set $LAN1 up
	link set $LAN2 up
	link set $LAN3 up
	link set br-lan up
	addr add 192.168.1.1/24 dev br-lan
	link set $WAN up
	link add link $WAN name wan type vlan id 100
	link set wan up
	addr add 203.0.113.1/24 dev wan
	neigh add 192.168.1.10 lladdr ${HMAC[0]} nud permanent dev br-lan
	neigh add 192.168.1.20 lladdr ${HMAC[1]} nud permanent dev br-lan
	neigh add 203.0.113.2 lladdr ${HMAC[2]} nud permanent dev wan
EOF
BRMAC=$(ip -n "$r" -j link show dev br-lan | jq -r '.[0].address')
WMAC=$(ip -n "$r" -j link show dev wan | jq -r '.[0].address')
# lan2 a trunk: VLAN 1 tagged, no PVID
bridge -n "$r" vlan add vid 1 dev "$LAN2" ||
	bail_out "cannot make $LAN2 a trunk"
H2IF=${HIF[1]}.1
ip -n "$h2" link add link "${HIF[1]}" name "$H2IF" type vlan id 1 &&
	ip -n "$h2" link set "${HIF[1]}" up ||
	bail_out "cannot create h2's VLAN device"
for i in 0 1; do
	dev=${HIF[0]}
	[ "$i" = 1 ] && dev=$H2IF
	ip -n "${HNS[i]}" -b - <<- EOF || bail_out "cannot configure h$((i + 1))"
		addr add 192.168.1.$((i + 1))0/24 dev $dev
		link set $dev up
		route add default via 192.168.1.1
		neigh add 192.168.1.1 lladdr $BRMAC nud permanent dev $dev
	EOF
done
ip -n "$s" -b - <<- EOF || bail_out "cannot configure the server"
	link set ${HIF[2]} up
	link add link ${HIF[2]} name wan type vlan id 100
	link set wan up
	addr add 203.0.113.2/24 dev wan
	neigh add 203.0.113.1 lladdr $WMAC nud permanent dev wan
EOF
ip netns exec "$r" nft -f - <<- EOF || bail_out "cannot load the ruleset"
	table inet fw4 {
		flowtable ft {
			hook ingress priority filter
			devices = { $LAN1, $LAN2, $LAN3, $WAN }
			flags offload
		}
		chain forward {
			type filter hook forward priority filter; policy accept;
			meta l4proto { tcp, udp } flow offload @ft
		}
		chain srcnat {
			type nat hook postrouting priority srcnat; policy accept;
			oifname { "wan", "pppwan" } masquerade
		}
	}
EOF
ft_anchor || bail_out "cannot park a process in the router's netns"
wait_until "$WAIT_TIMEOUT" ip netns exec "$h1" ping -c 1 -W 1 203.0.113.2 > /dev/null ||
	bail_out "h1 cannot ping the server through the router"
ip netns exec "$h2" ping -c 1 -W "$WAIT_TIMEOUT" 192.168.1.1 > /dev/null ||
	bail_out "h2 cannot ping the router"

# _fdb_has MAC PORT: the switch learnt MAC behind router port PORT.
_fdb_has()
{
	bridge -n "$r" -j fdb show br br-lan 2> /dev/null |
		jq -e --arg m "$1" --arg p "$2" \
		'any(.[]; .mac == $m and .ifname == $p and
		 (.flags // [] | index("offload")))' > /dev/null
}

# no flooding in what follows: the switch knows both hosts
wait_until "$WAIT_TIMEOUT" _fdb_has "${HMAC[0]}" "$LAN1" &&
	wait_until "$WAIT_TIMEOUT" _fdb_has "${HMAC[1]}" "$LAN2" ||
	bail_out "the switch did not learn h1 and h2"

# rstat PORT COUNTER: a counter of a router port.
rstat()
{
	ethtool_stat "$r" "$1" "$2"
}

# hstat HOST COUNTER: a counter of host HOST's (index) port.
hstat()
{
	ethtool_stat "${HNS[$1]}" "${HIF[$1]}" "$2"
}

_ge()
{
	local v

	v=$("${@:1:$#-1}") && [ "$v" -ge "${*: -1}" ]
}

# The flow: h1 sends to the server's echo port until $FT_TMP/stop exists.
flow_start()
{
	ip netns exec "$s" python3 "$TOOL" udp-recv 5000 --echo --timeout 600 \
		--ready "$FT_TMP/ready" > "$FT_TMP/recv.out" &
	wait_until "$WAIT_TIMEOUT" test -e "$FT_TMP/ready" || return 1
	ip netns exec "$h1" python3 "$TOOL" udp-send 203.0.113.2 5000 \
		--sport 40000 --size 200 --interval 0.01 \
		--stop "$FT_TMP/stop" > "$FT_TMP/send.out" &
}

test_offload_and_switch()
{
	local c1 cw b2 l1 n1 nw x1 h1rx

	RET=0
	flow_start
	check_err $? "the server's receiver did not start"
	ft_wait_ct udp 5000 HW_OFFLOAD
	check_err $? "h1's flow is $CT_STATE, not [HW_OFFLOAD]"
	c1=$(rstat "$LAN1" rx_cpu_packets) cw=$(rstat "$WAN" rx_cpu_packets)
	n1=$(rstat "$LAN1" rx_npu_fwd_packets) nw=$(rstat "$WAN" rx_npu_fwd_packets)
	l1=$(rstat "$LAN1" rx_l2_fwd_packets) b2=$(hstat 1 rx_packets)
	h1rx=$(hstat 0 rx_packets)
	# LAN-to-LAN frames beside the flow
	ip netns exec "$h1" mausezahn "${HIF[0]}" -c "$N" -d 1msec -a own \
		-b "${HMAC[1]}" -A 192.168.1.10 -B 192.168.1.20 \
		-t udp sp=4000,dp=4001 -q
	check_err $? "mausezahn failed"
	wait_until "$WAIT_TIMEOUT" _ge rstat "$LAN1" rx_npu_fwd_packets $((n1 + N))
	check_err $? "lan1: the NPU forwarded $(($(rstat "$LAN1" rx_npu_fwd_packets) - n1)) of $N of the flow's packets"
	wait_until "$WAIT_TIMEOUT" _ge rstat "$WAN" rx_npu_fwd_packets $((nw + N))
	check_err $? "wan: the NPU forwarded $(($(rstat "$WAN" rx_npu_fwd_packets) - nw)) of $N replies"
	wait_until "$WAIT_TIMEOUT" _ge hstat 1 rx_packets $((b2 + N))
	check_err $? "h2 received $(($(hstat 1 rx_packets) - b2)) of $N LAN frames"
	wait_until "$WAIT_TIMEOUT" _ge hstat 0 rx_packets $((h1rx + N))
	check_err $? "h1 received $(($(hstat 0 rx_packets) - h1rx)) of $N replies"
	x1=$(rstat "$LAN1" rx_l2_fwd_packets)
	[ "$x1" -ge $((l1 + N)) ]
	check_err $? "lan1 rx_l2_fwd_packets $l1 -> $x1, expected +$N"
	check_eq "router host rx on lan1 over $N flow and $N LAN packets" \
		"$c1" "$(rstat "$LAN1" rx_cpu_packets)"
	check_eq "router host rx on wan over $N replies" \
		"$cw" "$(rstat "$WAN" rx_cpu_packets)"
	log_test "OpenWrt layout: LAN-to-WAN flow offloaded and LAN switched, without the host"
}

test_station_move()
{
	local moves t3 b0 out

	RET=0
	moves=$(ft_dfs station_moves)
	t3=$(rstat "$LAN3" tx_npu_fwd_packets)
	out=$(npusim_unlink "$h1" "${HIF[0]}" 2>&1)
	check_err $? "cannot unplug h1: $out"
	npusim_link "$h1" "${HIF[0]}" "$r" "$LAN3"
	check_err $? "cannot plug h1 into lan3: $ERRMSG"
	b0=$(hstat 0 rx_packets)
	# h1's packets, now from lan3, teach the switch where it is
	wait_until "$WAIT_TIMEOUT" _ge hstat 0 rx_packets $((b0 + N))
	check_err $? "h1 received $(($(hstat 0 rx_packets) - b0)) of $N replies on lan3"
	wait_until "$WAIT_TIMEOUT" _ge rstat "$LAN3" tx_npu_fwd_packets $((t3 + N))
	check_err $? "lan3: the NPU sent $(($(rstat "$LAN3" tx_npu_fwd_packets) - t3)) of $N replies there"
	[ "$(ft_dfs station_moves)" -gt "$moves" ]
	check_err $? "flow_table/station_moves did not grow ($moves)"
	ft_ct udp 5000
	[ "$CT_STATE" == HW_OFFLOAD ]
	check_err $? "h1's flow is $CT_STATE after the move"
	touch "$FT_TMP/stop"
	log_test "station moves from lan1 to lan3: the NPU sends its flow's replies to lan3"
}

_ppp_up()
{
	ip -n "$r" -4 -j addr show dev pppwan 2> /dev/null |
		jq -e '.[0].addr_info | length > 0' > /dev/null
}

# h2's flow to the server over PPPoE over the WAN VLAN.
test_pppoe_wan()
{
	local opts=$FT_TMP/pppoe-server.options n2 nw c2 cw b2

	RET=0
	modprobe -q pppoe 2> /dev/null
	if [ ! -c /dev/ppp ] || ! command -v pppoe-server > /dev/null; then
		case_skip "no PPP support (/dev/ppp) or no pppoe-server"
		log_test "PPPoE over the WAN VLAN: h2's flow offloaded through it"
		return
	fi
	mkdir -p /run/lock /run/pppd 2> /dev/null
	printf '%s\n' noauth "ifname pppisp" "lcp-echo-interval 0" > "$opts"
	ip netns exec "$s" pppoe-server -F -I wan -N 1 -L 198.51.100.2 \
		-R 198.51.100.1 -O "$opts" > "$FT_TMP/pppd-server.log" 2>&1 &
	ip netns exec "$r" pppd plugin rp-pppoe.so wan nodetach noauth \
		user npusim ifname pppwan noipdefault lcp-echo-interval 0 \
		> "$FT_TMP/pppd-router.log" 2>&1 &
	wait_until "$WAIT_TIMEOUT" _ppp_up
	check_err $? "no PPPoE session: $(tail -n 2 "$FT_TMP/pppd-router.log" | tr '\n' ' ')"
	ip netns exec "$s" python3 "$TOOL" udp-recv 5001 --echo --timeout 600 \
		--ready "$FT_TMP/ready2" > "$FT_TMP/recv2.out" &
	wait_until "$WAIT_TIMEOUT" test -e "$FT_TMP/ready2"
	check_err $? "the server's receiver did not start"
	ip netns exec "$h2" python3 "$TOOL" udp-send 198.51.100.2 5001 \
		--sport 40001 --size 200 --interval 0.01 \
		--stop "$FT_TMP/stop2" > "$FT_TMP/send2.out" &
	ft_wait_ct udp 5001 HW_OFFLOAD
	check_err $? "h2's flow over PPPoE is $CT_STATE, not [HW_OFFLOAD]"
	c2=$(rstat "$LAN2" rx_cpu_packets) cw=$(rstat "$WAN" rx_cpu_packets)
	n2=$(rstat "$LAN2" rx_npu_fwd_packets) nw=$(rstat "$WAN" rx_npu_fwd_packets)
	b2=$(hstat 1 rx_packets)
	wait_until "$WAIT_TIMEOUT" _ge rstat "$LAN2" rx_npu_fwd_packets $((n2 + N))
	check_err $? "lan2: the NPU forwarded $(($(rstat "$LAN2" rx_npu_fwd_packets) - n2)) of $N"
	wait_until "$WAIT_TIMEOUT" _ge rstat "$WAN" rx_npu_fwd_packets $((nw + N))
	check_err $? "wan: the NPU forwarded $(($(rstat "$WAN" rx_npu_fwd_packets) - nw)) of $N replies"
	wait_until "$WAIT_TIMEOUT" _ge hstat 1 rx_packets $((b2 + N))
	check_err $? "h2 received $(($(hstat 1 rx_packets) - b2)) of $N replies"
	check_eq "router host rx on lan2 over $N packets" "$c2" \
		"$(rstat "$LAN2" rx_cpu_packets)"
	check_eq "router host rx on wan over $N replies" "$cw" \
		"$(rstat "$WAN" rx_cpu_packets)"
	touch "$FT_TMP/stop2"
	log_test "PPPoE over the WAN VLAN: h2's flow offloaded through it"
}

# ft_dfs reads the router device's flow_table/ files.
FT_R=$R
test_offload_and_switch
test_station_move
test_pppoe_wan

exit_tests
