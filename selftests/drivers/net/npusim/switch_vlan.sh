#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim switchdev: a VLAN-aware bridge offloaded to the chip's L2 switch.
# Three hosts, each a one-port device in a netns of its own, wired to the
# three ports of the switch device in "sw":
#
#   h1 [A p0 192.0.2.1]            -- [S p0] swp1: VLAN 10 PVID untagged
#   h2 [B p0.10 192.0.2.2,         -- [S p1] swp2: VLANs 10, 20 tagged
#       B p0.20 198.51.100.2]
#   h3 [C p0 198.51.100.3]         -- [S p2] swp3: VLAN 20 PVID untagged
#
# br0 (vlan_filtering 1) over swp1..swp3.  No IPv6 and static neighbours:
# the only frames on the wires are the test's.  That a frame reached a
# host's IP stack through the interface its VLAN belongs to (h2's VLAN
# uppers take only frames tagged with their VLAN, h1's and h3's plain
# interfaces only untagged ones) is shown by the host's UDP NoPorts
# counter: the test's frames go to a port nobody listens on.  What the
# host of the switch saw is the ports' rx_cpu_packets.  Every assertion
# that something did not arrive is made over a number of frames.

source "$(dirname "$0")"/lib.sh

require_cmd ip jq ethtool bridge mausezahn ping
modprobe -q -a bridge 8021q 2> /dev/null
npusim_load || skip_all "npusim module not available"

N=100		# frames per burst

h1='' h2='' h3='' sw=''
ns_create h1 h2 h3 sw || bail_out "cannot create netns"
ns_no_ipv6 "$h1" "$h2" "$h3" "$sw"
require_vlan_filtering "$sw"

S=$(npusim_rand_id)
npusim_new "$S" 3 "$sw" || bail_out "cannot create npusim$S"
SWP=("${PORT_NAMES[@]}")
HNS=("$h1" "$h2" "$h3")
hosts_wire "$sw"
for i in 0 1 2; do
	ip -n "${HNS[i]}" link set "${HIF[i]}" up ||
		bail_out "cannot set ${HIF[i]} up"
done
# the hosts' addresses: IP, interface, host index
H1IF=${HIF[0]} H2V10=${HIF[1]}.10 H2V20=${HIF[1]}.20 H3IF=${HIF[2]}
ip -n "$h2" link add link "${HIF[1]}" name "$H2V10" type vlan id 10 &&
	ip -n "$h2" link add link "${HIF[1]}" name "$H2V20" type vlan id 20 &&
	ip -n "$h2" link set "$H2V10" up && ip -n "$h2" link set "$H2V20" up ||
	bail_out "cannot create h2's VLAN uppers"
ip -n "$h1" addr add 192.0.2.1/24 dev "$H1IF" &&
	ip -n "$h2" addr add 192.0.2.2/24 dev "$H2V10" &&
	ip -n "$h2" addr add 198.51.100.2/24 dev "$H2V20" &&
	ip -n "$h3" addr add 198.51.100.3/24 dev "$H3IF" &&
	ip -n "$h1" neigh add 192.0.2.2 lladdr "${HMAC[1]}" nud permanent \
		dev "$H1IF" &&
	ip -n "$h2" neigh add 192.0.2.1 lladdr "${HMAC[0]}" nud permanent \
		dev "$H2V10" &&
	ip -n "$h2" neigh add 198.51.100.3 lladdr "${HMAC[2]}" nud permanent \
		dev "$H2V20" &&
	ip -n "$h3" neigh add 198.51.100.2 lladdr "${HMAC[1]}" nud permanent \
		dev "$H3IF" ||
	bail_out "cannot address the hosts"
for p in "${SWP[@]}"; do
	ip -n "$sw" link set "$p" up || bail_out "cannot set $p up"
done

# Counters of switch port P (index): HOST_RX, L2_RX, L2_DROPS.
snap_port()
{
	ethtool_stats "$sw" "${SWP[$1]}" || return 1
	HOST_RX=${ETS[rx_cpu_packets]}
	L2_RX=${ETS[rx_l2_fwd_packets]}
	L2_DROPS=${ETS[rx_l2_drops]}
}

# rx_of HOST: frames host HOST (index) received on its port.
rx_of()
{
	ethtool_stat "${HNS[$1]}" "${HIF[$1]}" rx_packets
}

# noports HOST: UDP datagrams host HOST (index) received for no socket.
noports()
{
	ip netns exec "${HNS[$1]}" awk \
		'/^Udp:/ && ++n == 2 { print $3 }' /proc/net/snmp
}

_noports_ge()
{
	local v

	v=$(noports "$1") && [ "$v" -ge "$2" ]
}

_rx_ge()
{
	local v

	v=$(rx_of "$1") && [ "$v" -ge "$2" ]
}

# send HOST IFACE DST_MAC SRC_IP DST_IP COUNT [ARGS...]: COUNT UDP frames
# from IFACE of host HOST (index).
send()
{
	local ns=${HNS[$1]} dev=$2 mac=$3 sip=$4 dip=$5 c=$6

	shift 6
	ip netns exec "$ns" mausezahn "$dev" -c "$c" -d 1msec -a own \
		-b "$mac" -A "$sip" -B "$dip" "$@" -t udp sp=4000,dp=4001 -q
}

fdb_json()
{
	local out

	out=$(bridge -n "$sw" -j fdb show br br0 2> /dev/null)
	echo "${out:-[]}"
}

# fdb_offloaded MAC VID: the switch learnt MAC in VLAN VID (0: no VLAN).
fdb_offloaded()
{
	fdb_json | jq -e --arg m "$1" --argjson v "$2" \
		'any(.[]; .mac == $m and (.vlan // 0) == $v and
		 (.flags // [] | index("offload")) and
		 (.flags // [] | index("extern_learn")))' > /dev/null
}

fdb_dump()
{
	local l

	while IFS= read -r l; do
		log_info "  fdb: $l"
	done < <(bridge -n "$sw" fdb show br br0 2>&1)
}

test_join()
{
	local out

	RET=0
	ip -n "$sw" link add br0 type bridge vlan_filtering 1 \
		ageing_time 30000 || bail_out "cannot create br0"
	for p in "${SWP[@]}"; do
		out=$(ip -n "$sw" link set "$p" master br0 2>&1)
		check_err $? "$p cannot join br0: $out"
		[ -z "$out" ]
		check_err $? "$p joined br0 with a warning: $out"
	done
	bridge -n "$sw" vlan del vid 1 dev "${SWP[0]}" &&
		bridge -n "$sw" vlan add vid 10 dev "${SWP[0]}" pvid untagged &&
		bridge -n "$sw" vlan del vid 1 dev "${SWP[1]}" &&
		bridge -n "$sw" vlan add vid 10 dev "${SWP[1]}" &&
		bridge -n "$sw" vlan add vid 20 dev "${SWP[1]}" &&
		bridge -n "$sw" vlan del vid 1 dev "${SWP[2]}" &&
		bridge -n "$sw" vlan add vid 20 dev "${SWP[2]}" pvid untagged
	check_err $? "cannot set the ports' VLANs"
	ip -n "$sw" link set br0 up || bail_out "cannot set br0 up"
	wait_until "$WAIT_TIMEOUT" ip netns exec "$h1" ping -c 1 -W 1 192.0.2.2 > /dev/null
	check_err $? "h1 cannot ping h2 in VLAN 10"
	wait_until "$WAIT_TIMEOUT" ip netns exec "$h3" ping -c 1 -W 1 198.51.100.2 > /dev/null
	check_err $? "h3 cannot ping h2 in VLAN 20"
	wait_until "$WAIT_TIMEOUT" fdb_offloaded "${HMAC[0]}" 10
	check_err $? "h1's address not learnt by the switch in VLAN 10"
	wait_until "$WAIT_TIMEOUT" fdb_offloaded "${HMAC[1]}" 20
	check_err $? "h2's address not learnt by the switch in VLAN 20"
	[ "$RET" = 0 ] || fdb_dump
	log_test "VLAN-aware bridge offloaded: hosts learnt per VLAN (extern_learn offload)"
}

# An untagged frame from an access port leaves a trunk tagged.
test_tag_push()
{
	local h0 l0 u

	RET=0
	snap_port 0 && h0=$HOST_RX l0=$L2_RX
	u=$(noports 1)
	send 0 "$H1IF" "${HMAC[1]}" 192.0.2.1 192.0.2.2 "$N"
	check_err $? "mausezahn failed"
	wait_until "$WAIT_TIMEOUT" _noports_ge 1 $((u + N))
	check_err $? "h2's VLAN 10 upper took $(($(noports 1) - u)) of $N datagrams"
	snap_port 0
	check_eq "host rx on ${SWP[0]} over $N switched frames" "$h0" "$HOST_RX"
	[ "$L2_RX" -ge $((l0 + N)) ]
	check_err $? "${SWP[0]} rx_l2_fwd_packets $l0 -> $L2_RX, expected +$N"
	log_test "access port to trunk: tag pushed by the switch ($N frames)"
}

# A tagged frame from a trunk leaves an access port untagged.
test_tag_pop()
{
	local h1r u

	RET=0
	snap_port 1 && h1r=$HOST_RX
	u=$(noports 0)
	send 1 "$H2V10" "${HMAC[0]}" 192.0.2.2 192.0.2.1 "$N"
	check_err $? "mausezahn failed"
	wait_until "$WAIT_TIMEOUT" _noports_ge 0 $((u + N))
	check_err $? "h1 took $(($(noports 0) - u)) of $N datagrams untagged"
	snap_port 1
	check_eq "host rx on ${SWP[1]} over $N switched frames" "$h1r" "$HOST_RX"
	log_test "trunk to access port: tag popped by the switch ($N frames)"
}

# VLAN 20's frames never reach VLAN 10's port, even to VLAN 10's hosts.
test_vlan_separation()
{
	local b0 b1

	RET=0
	b0=$(rx_of 0) b1=$(rx_of 1)
	# h1's address is not known in VLAN 20: flooded there, to h2 only
	send 2 "$H3IF" "${HMAC[0]}" 198.51.100.3 192.0.2.1 "$N"
	check_err $? "mausezahn failed"
	wait_until "$WAIT_TIMEOUT" _rx_ge 1 $((b1 + N))
	check_err $? "h2 received $(($(rx_of 1) - b1)) of $N frames flooded in VLAN 20"
	check_eq "frames at h1 (VLAN 10) over $N VLAN 20 frames" "$b0" "$(rx_of 0)"
	log_test "VLANs separate: unknown unicast flooded in its VLAN only ($N frames)"
}

# A frame of a VLAN the ingress port is not a member of is dropped.
test_ingress_filter()
{
	local h1r d1 b0 b2

	RET=0
	snap_port 1 && h1r=$HOST_RX d1=$L2_DROPS
	b0=$(rx_of 0) b2=$(rx_of 2)
	send 1 "${HIF[1]}" ff:ff:ff:ff:ff:ff 192.0.2.2 192.0.2.255 "$N" -Q 30
	check_err $? "mausezahn failed"
	wait_until "$WAIT_TIMEOUT" eval 'snap_port 1 && [ "$L2_DROPS" -ge $((d1 + N)) ]'
	check_err $? "${SWP[1]} rx_l2_drops $d1 -> $L2_DROPS, expected +$N"
	check_eq "host rx on ${SWP[1]}" "$h1r" "$HOST_RX"
	check_eq "frames at h1" "$b0" "$(rx_of 0)"
	check_eq "frames at h3" "$b2" "$(rx_of 2)"
	log_test "ingress filtering: VLAN 30 broadcasts dropped by the switch ($N frames)"
}

# Without a PVID, the switch drops untagged frames.
test_no_pvid()
{
	local h0 d0 b1

	RET=0
	bridge -n "$sw" vlan add vid 10 dev "${SWP[0]}"
	check_err $? "cannot take the PVID off ${SWP[0]}"
	snap_port 0 && h0=$HOST_RX d0=$L2_DROPS
	b1=$(rx_of 1)
	send 0 "$H1IF" "${HMAC[1]}" 192.0.2.1 192.0.2.2 "$N"
	check_err $? "mausezahn failed"
	wait_until "$WAIT_TIMEOUT" eval 'snap_port 0 && [ "$L2_DROPS" -ge $((d0 + N)) ]'
	check_err $? "${SWP[0]} rx_l2_drops $d0 -> $L2_DROPS, expected +$N"
	check_eq "host rx on ${SWP[0]}" "$h0" "$HOST_RX"
	check_eq "frames at h2" "$b1" "$(rx_of 1)"
	bridge -n "$sw" vlan add vid 10 dev "${SWP[0]}" pvid untagged
	check_err $? "cannot give ${SWP[0]} its PVID back"
	ip netns exec "$h1" ping -c 1 -W 5 192.0.2.2 > /dev/null
	check_err $? "h1 cannot ping h2 with its PVID back"
	log_test "no PVID: untagged frames dropped by the switch ($N frames)"
}

# The bridge stops and starts filtering VLANs: still offloaded.
test_filtering_toggle()
{
	local out h0 b2

	RET=0
	out=$(ip -n "$sw" link set br0 type bridge vlan_filtering 0 2>&1)
	check_err $? "cannot stop filtering VLANs: $out"
	# by address only now: h1 reaches h3 untagged, once the switch
	# learnt h3 without a VLAN (the toggle flushed what it had learnt)
	send 2 "$H3IF" "${HMAC[0]}" 198.51.100.3 192.0.2.1 1
	wait_until "$WAIT_TIMEOUT" fdb_offloaded "${HMAC[2]}" 0
	check_err $? "h3's address not learnt without a VLAN"
	snap_port 0 && h0=$HOST_RX
	b2=$(rx_of 2)
	send 0 "$H1IF" "${HMAC[2]}" 192.0.2.1 198.51.100.3 "$N"
	check_err $? "mausezahn failed"
	wait_until "$WAIT_TIMEOUT" _rx_ge 2 $((b2 + N))
	check_err $? "h3 received $(($(rx_of 2) - b2)) of $N frames"
	[ "$RET" = 0 ] || fdb_dump
	snap_port 0
	check_eq "host rx on ${SWP[0]}" "$h0" "$HOST_RX"
	out=$(ip -n "$sw" link set br0 type bridge vlan_filtering 1 2>&1)
	check_err $? "cannot filter VLANs again: $out"
	ip netns exec "$h1" ping -c 1 -W 5 192.0.2.2 > /dev/null
	check_err $? "h1 cannot ping h2 in VLAN 10 again"
	wait_until "$WAIT_TIMEOUT" fdb_offloaded "${HMAC[0]}" 10
	check_err $? "h1's address not learnt in VLAN 10 again"
	log_test "vlan_filtering toggled on the offloaded bridge: switched either way"
}

test_8021ad()
{
	local out

	RET=0
	out=$(ip -n "$sw" link set br0 type bridge vlan_protocol 802.1ad 2>&1)
	check_fail $? "vlan_protocol 802.1ad accepted on an offloaded bridge"
	[[ "$out" == *"802.1Q"* ]]
	check_err $? "no extack message: '$out'"
	ip -n "$sw" link add br1 type bridge vlan_filtering 1 \
		vlan_protocol 802.1ad || bail_out "cannot create br1"
	out=$(ip -n "$sw" link set "${SWP[2]}" master br1 2>&1)
	check_err $? "${SWP[2]} cannot join br1: $out"
	[[ "$out" == *"802.1Q"*"software"* ]]
	check_err $? "no extack warning about the fallback: '$out'"
	ip -n "$sw" link del br1
	check_err $? "cannot delete br1"
	ip -n "$sw" link set "${SWP[2]}" master br0 &&
		bridge -n "$sw" vlan del vid 1 dev "${SWP[2]}" &&
		bridge -n "$sw" vlan add vid 20 dev "${SWP[2]}" pvid untagged
	check_err $? "${SWP[2]} cannot join br0 again"
	ip netns exec "$h3" ping -c 1 -W 5 198.51.100.2 > /dev/null
	check_err $? "h3 cannot ping h2 after rejoining"
	log_test "802.1ad: refused on an offloaded bridge, bridged in software"
}

test_teardown()
{
	RET=0
	ip netns exec "$h2" mausezahn "$H2V10" -c 0 -d 1msec -a own \
		-b "${HMAC[0]}" -t udp sp=4000,dp=4001 -q &
	bg_pid=$!
	wait_until "$WAIT_TIMEOUT" eval 'snap_port 1 && [ "$L2_RX" -gt 0 ]'
	npusim_del "$S"
	check_err $? "cannot delete npusim$S with a VLAN-aware bridge and traffic"
	kill "$bg_pid" 2> /dev/null
	wait "$bg_pid" 2> /dev/null
	ip -n "$sw" link del br0
	check_err $? "cannot delete br0"
	log_test "device deleted under its VLAN-aware bridge with traffic running"
}

test_join
test_tag_push
test_tag_pop
test_vlan_separation
test_ingress_filter
test_no_pvid
test_filtering_toggle
test_8021ad
test_teardown

exit_tests
