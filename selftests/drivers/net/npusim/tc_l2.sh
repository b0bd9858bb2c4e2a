#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim: tc flower rules offloaded to the NPU's bridged (L2) flow
# entries.  Two hosts wired to two ports of the device in "sw", which
# are not bridged: a flower rule on swp1's ingress that matches h1's and
# h2's addresses and redirects to swp2 makes the NPU forward those
# frames; the host of "sw" must not see them, and the rule's statistics
# must count them.
#
#   h1 [A p0 192.0.2.1] -- [S p0] swp1    swp2 [S p1] -- [B p0 192.0.2.2] h2
#
# No IPv6 and no ARP (static neighbours): the only frames on the wires
# are the test's.

source "$(dirname "$0")"/lib.sh

require_cmd ip jq ethtool tc mausezahn
npusim_load || skip_all "npusim module not available"

N=100		# frames per burst

h1='' h2='' sw=''
ns_create h1 h2 sw || bail_out "cannot create netns"
ns_no_ipv6 "$h1" "$h2" "$sw"

S=$(npusim_rand_id)
npusim_new "$S" 2 "$sw" || bail_out "cannot create npusim$S"
SWP=("${PORT_NAMES[@]}")
HNS=("$h1" "$h2")
hosts_wire "$sw"
for i in 0 1; do
	ip -n "${HNS[i]}" link set "${HIF[i]}" up &&
		ip -n "$sw" link set "${SWP[i]}" up ||
		bail_out "cannot set the ports up"
done
tc -n "$sw" qdisc add dev "${SWP[0]}" clsact ||
	bail_out "cannot add a clsact qdisc"

# send COUNT [SRC_MAC] [ARGS...]: COUNT UDP frames from h1 to h2's address.
send()
{
	local c=$1 src=${2:-own}

	shift
	[ $# -gt 0 ] && shift
	ip netns exec "$h1" mausezahn "${HIF[0]}" -c "$c" -d 1msec \
		-a "$src" -b "${HMAC[1]}" -A 192.0.2.1 -B 192.0.2.2 "$@" \
		-t udp sp=4000,dp=4001 -q
}

rx_h2()
{
	ethtool_stat "$h2" "${HIF[1]}" rx_packets
}

host_rx()
{
	ethtool_stat "$sw" "${SWP[0]}" rx_cpu_packets
}

_ge()
{
	local v

	v=$("$1") && [ "$v" -ge "$2" ]
}

# filter_json PREF: the rule of that preference on swp1's ingress.
filter_json()
{
	tc -n "$sw" -s -j filter show dev "${SWP[0]}" ingress pref "$1" \
		2> /dev/null | jq -c '[.[] | select(.options != null)][0]'
}

_stats_ge()
{
	filter_json "$1" |
		jq -e --argjson n "$2" '.options.actions[0].stats.packets >= $n' \
		> /dev/null
}

add_rule()
{
	local pref=$1

	shift
	tc -n "$sw" filter add dev "${SWP[0]}" ingress pref "$pref" "$@" \
		action mirred egress redirect dev "${SWP[1]}" 2>&1
}

test_offload()
{
	local out b2 c0

	RET=0
	out=$(add_rule 10 protocol all flower skip_sw dst_mac "${HMAC[1]}" \
		src_mac "${HMAC[0]}")
	check_err $? "rule not offloaded: $out"
	filter_json 10 | jq -e '.options.in_hw == true' > /dev/null
	check_err $? "the rule is not in_hw"
	b2=$(rx_h2) c0=$(host_rx)
	send "$N"
	check_err $? "mausezahn failed"
	wait_until "$WAIT_TIMEOUT" _ge rx_h2 $((b2 + N))
	check_err $? "h2 received $(($(rx_h2) - b2)) of $N frames"
	check_eq "host rx on ${SWP[0]} over $N frames" "$c0" "$(host_rx)"
	wait_until "$WAIT_TIMEOUT" _stats_ge 10 "$N"
	check_err $? "the rule's statistics: $(filter_json 10 | jq -c '.options.actions[0].stats')"
	log_test "flower rule offloaded to an L2 flow entry: frames forwarded by the NPU ($N)"
}

test_no_match()
{
	local b2 c0

	RET=0
	b2=$(rx_h2) c0=$(host_rx)
	send "$N" 02:00:5e:00:53:01
	check_err $? "mausezahn failed"
	wait_until "$WAIT_TIMEOUT" _ge host_rx $((c0 + N))
	check_err $? "host rx on ${SWP[0]} +$(($(host_rx) - c0)) of $N frames of another source"
	check_eq "frames at h2 from another source" "$b2" "$(rx_h2)"
	log_test "frames of another source miss the entry and go to the host ($N)"
}

test_vlan()
{
	local out b2 c0

	RET=0
	out=$(add_rule 20 protocol 802.1q flower skip_sw vlan_id 10 \
		dst_mac "${HMAC[1]}" src_mac 02:00:5e:00:53:10)
	check_err $? "VLAN rule not offloaded: $out"
	b2=$(rx_h2) c0=$(host_rx)
	send "$N" 02:00:5e:00:53:10 -Q 10
	send "$N" 02:00:5e:00:53:10 -Q 20
	check_err $? "mausezahn failed"
	wait_until "$WAIT_TIMEOUT" _ge rx_h2 $((b2 + N))
	check_err $? "h2 received $(($(rx_h2) - b2)) of $N frames of VLAN 10"
	wait_until "$WAIT_TIMEOUT" _ge host_rx $((c0 + N))
	check_err $? "host rx on ${SWP[0]} +$(($(host_rx) - c0)) of $N frames of VLAN 20"
	check_eq "frames at h2 (VLAN 20 must miss)" $((b2 + N)) "$(rx_h2)"
	tc -n "$sw" filter del dev "${SWP[0]}" ingress pref 20
	check_err $? "cannot delete the VLAN rule"
	log_test "VLAN id match: VLAN 10 forwarded, VLAN 20 to the host ($N each)"
}

test_refused()
{
	local out

	RET=0
	out=$(add_rule 30 protocol all flower skip_sw dst_mac "${HMAC[1]}")
	check_fail $? "a rule without src_mac offloaded"
	[[ "$out" == *"src_mac"* ]]
	check_err $? "no reason given: '$out'"
	out=$(add_rule 31 protocol ip flower skip_sw dst_mac "${HMAC[1]}" \
		src_mac "${HMAC[0]}" ip_proto udp)
	check_fail $? "a rule matching a protocol offloaded"
	[[ "$out" == *"L2 flow entries"* ]]
	check_err $? "no reason given: '$out'"
	ip -n "$sw" link add vt0 type veth peer name vt1 ||
		bail_out "cannot create a veth pair"
	out=$(tc -n "$sw" filter add dev "${SWP[0]}" ingress pref 32 protocol all \
		flower skip_sw dst_mac "${HMAC[1]}" src_mac "${HMAC[0]}" \
		action mirred egress redirect dev vt0 2>&1)
	check_fail $? "a redirect to a veth offloaded"
	[[ "$out" == *"another port of this device"* ]]
	check_err $? "no reason given: '$out'"
	ip -n "$sw" link del vt0
	out=$(ip netns exec "$sw" ethtool -K "${SWP[0]}" hw-tc-offload off 2>&1)
	check_fail $? "hw-tc-offload turned off under an offloaded rule"
	log_test "rules the L2 flow entries cannot do are refused with a reason"
}

test_delete()
{
	local b2 c0

	RET=0
	tc -n "$sw" filter del dev "${SWP[0]}" ingress pref 10
	check_err $? "cannot delete the rule"
	b2=$(rx_h2) c0=$(host_rx)
	send "$N"
	wait_until "$WAIT_TIMEOUT" _ge host_rx $((c0 + N))
	check_err $? "host rx on ${SWP[0]} +$(($(host_rx) - c0)) of $N after the delete"
	check_eq "frames at h2 after the delete" "$b2" "$(rx_h2)"
	log_test "rule deleted: the entry is gone, frames go to the host ($N)"
}

test_teardown()
{
	local out

	RET=0
	out=$(add_rule 10 protocol all flower skip_sw dst_mac "${HMAC[1]}" \
		src_mac "${HMAC[0]}")
	check_err $? "rule not offloaded again: $out"
	ip netns exec "$h1" mausezahn "${HIF[0]}" -c 0 -d 1msec -a own \
		-b "${HMAC[1]}" -t udp sp=4000,dp=4001 -q &
	bg_pid=$!
	wait_until "$WAIT_TIMEOUT" _stats_ge 10 1
	npusim_del "$S"
	check_err $? "cannot delete npusim$S with an offloaded rule and traffic"
	kill "$bg_pid" 2> /dev/null
	wait "$bg_pid" 2> /dev/null
	log_test "device deleted with an offloaded rule and traffic running"
}

test_offload
test_no_match
test_vlan
test_refused
test_delete
test_teardown

exit_tests
