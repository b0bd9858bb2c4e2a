#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim switchdev: a bridge over ports of one npusim device is offloaded
# to the chip's L2 switch.  Three hosts, each a one-port device in a netns
# of its own, wired to the three ports of the switch device in "sw":
#
#   h1 [A p0 192.0.2.1] -- [S p0] swp1 \
#   h2 [B p0 192.0.2.2] -- [S p1] swp2 -- br0 (sw)
#   h3 [C p0 192.0.2.3] -- [S p2] swp3 /
#
# No IPv6 anywhere and static neighbours on the hosts: the only frames on
# the wires are the test's, so counters are exact.  What the host of the
# switch saw is the ports' rx_cpu_packets ("ethtool -S"); what it sent,
# tx_packets less what the switch and the NPU sent.  Every assertion that
# the host did not see something is made over a number of frames.

source "$(dirname "$0")"/lib.sh

require_cmd ip jq ethtool bridge devlink mausezahn ping
modprobe -q bridge 2> /dev/null
npusim_load || skip_all "npusim module not available"

N=100		# frames per burst

h1='' h2='' h3='' sw=''
ns_create h1 h2 h3 sw || bail_out "cannot create netns"
ns_no_ipv6 "$h1" "$h2" "$h3" "$sw"

S=$(npusim_rand_id)
npusim_new "$S" 3 "$sw" || bail_out "cannot create npusim$S"
SWP=("${PORT_NAMES[@]}")
HNS=("$h1" "$h2" "$h3")
hosts_wire "$sw"
for i in 0 1 2; do
	ip -n "${HNS[i]}" addr add "192.0.2.$((i + 1))/24" dev "${HIF[i]}" &&
		ip -n "${HNS[i]}" link set "${HIF[i]}" up ||
		bail_out "cannot configure ${HIF[i]}"
	for j in 0 1 2; do
		[ "$i" = "$j" ] && continue
		ip -n "${HNS[i]}" neigh add "192.0.2.$((j + 1))" \
			lladdr "${HMAC[j]}" nud permanent dev "${HIF[i]}" ||
			bail_out "cannot add a neighbour on ${HIF[i]}"
	done
done
for p in "${SWP[@]}"; do
	ip -n "$sw" link set "$p" up || bail_out "cannot set $p up"
done

# Counters of switch port P (index): HOST_RX, HOST_TX, L2_RX.
snap_port()
{
	local p=${SWP[$1]}

	ethtool_stats "$sw" "$p" || return 1
	HOST_RX=${ETS[rx_cpu_packets]}
	HOST_TX=$((ETS[tx_packets] - ETS[tx_l2_fwd_packets] - ETS[tx_npu_fwd_packets]))
	L2_RX=${ETS[rx_l2_fwd_packets]}
}

# rx_of HOST: frames host HOST (index) received.
rx_of()
{
	ethtool_stat "${HNS[$1]}" "${HIF[$1]}" rx_packets
}

_rx_ge()
{
	local v

	v=$(rx_of "$1") && [ "$v" -ge "$2" ]
}

# send FROM DST_MAC COUNT [SRC_MAC]: COUNT UDP frames from host FROM to
# DST_MAC, from its own address or SRC_MAC.
send()
{
	ip netns exec "${HNS[$1]}" mausezahn "${HIF[$1]}" -c "$3" -d 1msec \
		-a "${4:-own}" -b "$2" -A "192.0.2.$(($1 + 1))" -B 192.0.2.254 \
		-t udp sp=4000,dp=4001 -q
}

# snap_drops P: rx_l2_drops of switch port P (index).
snap_drops()
{
	ethtool_stat "$sw" "${SWP[$1]}" rx_l2_drops
}

_drops_ge()
{
	local v

	v=$(snap_drops "$1") && [ "$v" -ge "$2" ]
}

# brlink PORT ARGS...: bridge link set on switch port PORT (index).
brlink()
{
	local p=${SWP[$1]}

	shift
	bridge -n "$sw" link set dev "$p" "$@"
}

# fdb_json: the bridge's FDB, as JSON (an empty list on error).
fdb_json()
{
	local out

	out=$(bridge -n "$sw" -j fdb show br br0 2> /dev/null)
	echo "${out:-[]}"
}

# fdb_offloaded MAC: the bridge has MAC behind a port, learnt by the switch.
fdb_offloaded()
{
	fdb_json | jq -e --arg m "$1" \
		'any(.[]; .mac == $m and (.flags // [] | index("offload")) and
		 (.flags // [] | index("extern_learn")))' > /dev/null
}

# fdb_static_offloaded MAC: the bridge shows an entry of MAC offloaded.
fdb_static_offloaded()
{
	fdb_json | jq -e --arg m "$1" \
		'any(.[]; .mac == $m and (.flags // [] | index("offload")))' \
		> /dev/null
}

# fdb_dump: log the bridge's FDB (diagnostics of a failed case).
fdb_dump()
{
	local l

	while IFS= read -r l; do
		log_info "  fdb: $l"
	done < <(bridge -n "$sw" fdb show br br0 2>&1)
}

fdb_gone()
{
	fdb_json | jq -e --arg m "$1" 'all(.[]; .mac != $m)' > /dev/null
}

fdb_occ()
{
	devlink -N "$sw" -j resource show "npusim/npusim$S" 2> /dev/null |
		jq -r '.. | objects | select(.name? == "fdb") | .occ' | head -n 1
}

_fdb_occ_is()
{
	[ "$(fdb_occ)" == "$1" ]
}

test_join()
{
	local out

	RET=0
	ip -n "$sw" link add br0 type bridge ageing_time 30000 ||
		bail_out "cannot create br0"
	for p in "${SWP[@]}"; do
		out=$(ip -n "$sw" link set "$p" master br0 2>&1)
		check_err $? "$p cannot join br0: $out"
		[ -z "$out" ]
		check_err $? "$p joined br0 with a warning: $out"
	done
	ip -n "$sw" link set br0 up || bail_out "cannot set br0 up"
	wait_until "$WAIT_TIMEOUT" ip netns exec "$h1" ping -c 1 -W 1 192.0.2.2 > /dev/null
	check_err $? "h1 cannot ping h2 through br0"
	wait_until "$WAIT_TIMEOUT" fdb_offloaded "${HMAC[0]}"
	check_err $? "h1's address not learnt by the switch"
	[ "$RET" = 0 ] || fdb_dump
	wait_until "$WAIT_TIMEOUT" fdb_offloaded "${HMAC[1]}"
	check_err $? "h2's address not learnt by the switch"
	log_test "bridge over three ports offloaded: hosts learnt (extern_learn offload)"
}

test_known_unicast()
{
	local h0 h1r l20 b0 b2 sw2

	RET=0
	sw2=$(ethtool_stat "$sw" "${SWP[2]}" switch_l2_fwd_packets)
	snap_port 0 && h0=$HOST_RX l20=$L2_RX
	snap_port 1 && h1r=$HOST_RX
	b0=$(rx_of 1) b2=$(rx_of 2)
	send 0 "${HMAC[1]}" "$N"
	check_err $? "mausezahn failed"
	wait_until "$WAIT_TIMEOUT" _rx_ge 1 $((b0 + N))
	check_err $? "h2 received $(($(rx_of 1) - b0)) of $N frames"
	snap_port 0
	check_eq "host rx on ${SWP[0]} over $N switched frames" "$h0" "$HOST_RX"
	[ "$L2_RX" -ge $((l20 + N)) ]
	check_err $? "${SWP[0]} rx_l2_fwd_packets $l20 -> $L2_RX, expected +$N"
	snap_port 1
	check_eq "host rx on ${SWP[1]}" "$h1r" "$HOST_RX"
	check_eq "frames at h3 (not flooded)" "$b2" "$(rx_of 2)"
	# the switch's own counter, on a port the frames never crossed
	[ "$(ethtool_stat "$sw" "${SWP[2]}" switch_l2_fwd_packets)" -ge $((sw2 + N)) ]
	check_err $? "switch_l2_fwd_packets (on ${SWP[2]}) did not grow by $N"
	log_test "known unicast switched without the host ($N frames)"
}

test_flood()
{
	local h0 t1 b1 b2 i

	RET=0
	snap_port 0 && h0=$HOST_RX
	snap_port 1 && t1=$HOST_TX
	b1=$(rx_of 1) b2=$(rx_of 2)
	send 0 ff:ff:ff:ff:ff:ff "$N"
	check_err $? "mausezahn failed"
	for i in 1 2; do
		wait_until "$WAIT_TIMEOUT" _rx_ge "$i" $(( (i == 1 ? b1 : b2) + N))
		check_err $? "host $((i + 1)) received $(($(rx_of "$i") - (i == 1 ? b1 : b2))) of $N broadcasts"
	done
	wait_until "$WAIT_TIMEOUT" eval 'snap_port 0 && [ "$HOST_RX" -ge $((h0 + N)) ]'
	check_err $? "the host got $((HOST_RX - h0)) of $N broadcasts on ${SWP[0]}"
	# the bridge saw them marked: it sent none of them again
	snap_port 1
	check_eq "broadcasts the host sent again on ${SWP[1]}" "$t1" "$HOST_TX"
	check_eq "broadcasts at h2" $((b1 + N)) "$(rx_of 1)"
	log_test "broadcast flooded by the switch once, host copy marked ($N frames)"
}

test_fdb_resource()
{
	local occ

	RET=0
	occ=$(fdb_occ)
	[ -n "$occ" ] && [ "$occ" -ge 2 ]
	check_err $? "devlink resource fdb occupancy '$occ', expected >= 2"
	check_eq "switch_fdb_entries" "$occ" \
		"$(ethtool_stat "$sw" "${SWP[0]}" switch_fdb_entries)"
	log_info "fdb occupancy $occ"
	log_test "devlink resource fdb shows the switch's entries"
}

test_leave_flush()
{
	RET=0
	ip -n "$sw" link set "${SWP[1]}" nomaster
	check_err $? "${SWP[1]} cannot leave br0"
	wait_until "$WAIT_TIMEOUT" fdb_gone "${HMAC[1]}"
	check_err $? "h2's entry still in the bridge after its port left"
	[ "$RET" = 0 ] || fdb_dump
	ip -n "$sw" link set "${SWP[1]}" master br0
	check_err $? "${SWP[1]} cannot join br0 again"
	ip netns exec "$h2" ping -c 1 -W 5 192.0.2.1 > /dev/null
	check_err $? "h2 cannot ping h1 after rejoining"
	wait_until "$WAIT_TIMEOUT" fdb_offloaded "${HMAC[1]}"
	check_err $? "h2's address not learnt again"
	log_test "port leaves and rejoins: its entries flushed, learnt again"
}

test_foreign()
{
	local out h0

	RET=0
	ip -n "$sw" link add vf0 type veth peer name vf1 ||
		bail_out "cannot create a veth pair"
	out=$(ip -n "$sw" link set vf0 master br0 2>&1)
	check_err $? "vf0 cannot join br0: $out"
	[[ "$out" == *"npusim"*"software"* ]]
	check_err $? "no extack warning about the fallback: '$out'"
	wait_until "$WAIT_TIMEOUT" fdb_gone "${HMAC[0]}"
	check_err $? "entries learnt by the switch still in the bridge"
	[ "$RET" = 0 ] || fdb_dump
	# in software now: the host sees the switched frames
	snap_port 0 && h0=$HOST_RX
	send 0 "${HMAC[1]}" 20
	wait_until "$WAIT_TIMEOUT" eval 'snap_port 0 && [ "$HOST_RX" -ge $((h0 + 20)) ]'
	check_err $? "host rx on ${SWP[0]} $h0 -> $HOST_RX: not bridged in software"
	ip -n "$sw" link del vf0
	check_err $? "cannot delete vf0"
	# offloaded again
	ip netns exec "$h1" ping -c 1 -W 5 192.0.2.2 > /dev/null
	wait_until "$WAIT_TIMEOUT" fdb_offloaded "${HMAC[0]}"
	check_err $? "not offloaded again after the veth left"
	log_test "a veth in the bridge: software fallback with a warning, offload after"
}

test_ageing()
{
	RET=0
	ip -n "$sw" link set br0 type bridge ageing_time 1000
	check_err $? "cannot set the ageing time to 10 s"
	send 2 "${HMAC[0]}" 1
	wait_until "$WAIT_TIMEOUT" fdb_offloaded "${HMAC[2]}"
	check_err $? "h3 not learnt"
	wait_until "$WAIT_TIMEOUT" fdb_gone "${HMAC[2]}"
	check_err $? "h3's idle entry not aged out"
	ip -n "$sw" link set br0 type bridge ageing_time 30000
	log_test "hardware ageing follows the bridge's ageing time"
}

# STP: a disabled port neither sends nor takes frames; a learning port
# learns, then drops.  (Without an STP daemon the bridge turns a
# "blocking" port into a forwarding one at once: "disabled" it keeps.)
test_stp()
{
	local d2 b1 b2 h2r

	RET=0
	brlink 2 state 0
	check_err $? "cannot set ${SWP[2]} disabled"
	b1=$(rx_of 1) b2=$(rx_of 2) d2=$(snap_drops 2)
	snap_port 2 && h2r=$HOST_RX
	send 0 ff:ff:ff:ff:ff:ff "$N"
	send 2 "${HMAC[0]}" "$N"
	wait_until "$WAIT_TIMEOUT" _rx_ge 1 $((b1 + N))
	check_err $? "h2 received $(($(rx_of 1) - b1)) of $N broadcasts"
	wait_until "$WAIT_TIMEOUT" _drops_ge 2 $((d2 + N))
	check_err $? "${SWP[2]} rx_l2_drops +$(($(snap_drops 2) - d2)) of $N while disabled"
	check_eq "broadcasts at h3 through a disabled port" "$b2" "$(rx_of 2)"
	snap_port 2
	check_eq "host rx on disabled ${SWP[2]}" "$h2r" "$HOST_RX"
	brlink 2 state 2
	check_err $? "cannot set ${SWP[2]} learning"
	d2=$(snap_drops 2)
	send 2 "${HMAC[0]}" "$N" 02:00:5e:00:53:42
	wait_until "$WAIT_TIMEOUT" fdb_offloaded 02:00:5e:00:53:42
	check_err $? "a source not learnt in the learning state"
	wait_until "$WAIT_TIMEOUT" _drops_ge 2 $((d2 + N))
	check_err $? "${SWP[2]} rx_l2_drops +$(($(snap_drops 2) - d2)) of $N in learning"
	brlink 2 state 3
	check_err $? "cannot set ${SWP[2]} forwarding"
	ip netns exec "$h3" ping -c 1 -W 5 192.0.2.1 > /dev/null
	check_err $? "h3 cannot ping h1 once forwarding"
	log_test "STP: disabled port drops both ways, learning port learns and drops ($N frames)"
}

# Isolated ports do not reach each other; they reach the others.
test_isolated()
{
	local d0 b1 b2

	RET=0
	# h2 known to the switch (the ageing case may have aged it out)
	ip netns exec "$h1" ping -c 1 -W 5 192.0.2.2 > /dev/null
	check_err $? "h1 cannot ping h2"
	brlink 0 isolated on && brlink 1 isolated on
	check_err $? "cannot isolate ${SWP[0]} and ${SWP[1]}"
	d0=$(snap_drops 0) b1=$(rx_of 1) b2=$(rx_of 2)
	send 0 "${HMAC[1]}" "$N"
	send 0 "${HMAC[2]}" "$N"
	wait_until "$WAIT_TIMEOUT" _rx_ge 2 $((b2 + N))
	check_err $? "h3 (not isolated) received $(($(rx_of 2) - b2)) of $N"
	wait_until "$WAIT_TIMEOUT" _drops_ge 0 $((d0 + N))
	check_err $? "${SWP[0]} rx_l2_drops +$(($(snap_drops 0) - d0)) of $N"
	check_eq "frames at isolated h2 from isolated h1" "$b1" "$(rx_of 1)"
	brlink 0 isolated off && brlink 1 isolated off
	check_err $? "cannot end the isolation"
	log_test "isolated ports: switched to others, dropped between them ($N frames)"
}

# Flooding flags: a port with flood, mcast_flood and bcast_flood off gets
# no such copy.
test_flood_flags()
{
	local b1 b2

	RET=0
	brlink 2 flood off mcast_flood off bcast_flood off
	check_err $? "cannot turn ${SWP[2]}'s flooding off"
	b1=$(rx_of 1) b2=$(rx_of 2)
	send 0 02:00:5e:00:53:99 "$N"
	send 0 01:00:5e:00:53:01 "$N"
	send 0 ff:ff:ff:ff:ff:ff "$N"
	wait_until "$WAIT_TIMEOUT" _rx_ge 1 $((b1 + 3 * N))
	check_err $? "h2 received $(($(rx_of 1) - b1)) of $((3 * N)) flooded frames"
	check_eq "flooded frames at h3 (flooding off)" "$b2" "$(rx_of 2)"
	brlink 2 flood on mcast_flood on bcast_flood on
	check_err $? "cannot turn ${SWP[2]}'s flooding back on"
	log_test "flood, mcast_flood, bcast_flood off: no unknown unicast, multicast or broadcast copies ($N each)"
}

# Learning off: the switch learns nothing on the port.
test_learning_off()
{
	RET=0
	brlink 0 learning off
	check_err $? "cannot turn ${SWP[0]}'s learning off"
	send 0 "${HMAC[1]}" "$N" 02:00:5e:00:53:01
	brlink 0 learning on
	check_err $? "cannot turn ${SWP[0]}'s learning on"
	# events are reported in order: once this one is in, so was any before
	send 0 "${HMAC[1]}" 1 02:00:5e:00:53:02
	wait_until "$WAIT_TIMEOUT" fdb_offloaded 02:00:5e:00:53:02
	check_err $? "nothing learnt with learning back on"
	fdb_gone 02:00:5e:00:53:01
	check_err $? "a source learnt over $N frames with learning off"
	log_test "learning off: no source learnt ($N frames)"
}

# A static entry from the bridge: offloaded, and the switch sends the
# frames for it to its port only.
test_static_fdb()
{
	local h0 b1 b2 mac=02:00:5e:00:53:77

	RET=0
	bridge -n "$sw" fdb add "$mac" dev "${SWP[1]}" master static
	check_err $? "cannot add a static entry"
	wait_until "$WAIT_TIMEOUT" fdb_static_offloaded "$mac"
	check_err $? "the static entry is not shown offloaded"
	snap_port 0 && h0=$HOST_RX
	b1=$(rx_of 1) b2=$(rx_of 2)
	send 0 "$mac" "$N"
	wait_until "$WAIT_TIMEOUT" _rx_ge 1 $((b1 + N))
	check_err $? "h2 received $(($(rx_of 1) - b1)) of $N frames for the static entry"
	check_eq "frames at h3 (not flooded)" "$b2" "$(rx_of 2)"
	snap_port 0
	check_eq "host rx on ${SWP[0]}" "$h0" "$HOST_RX"
	bridge -n "$sw" fdb del "$mac" dev "${SWP[1]}" master static
	check_err $? "cannot delete the static entry"
	log_test "static FDB entry offloaded: frames switched to its port ($N frames)"
}

# A locked port passes the frames of unknown sources to the host (the
# bridge drops them); a static entry for the source unlocks it.
test_locked()
{
	local h2r b0

	RET=0
	brlink 2 locked on learning off
	check_err $? "cannot lock ${SWP[2]}"
	# what the switch learnt of h3 before the lock would let it in
	bridge -n "$sw" fdb del "${HMAC[2]}" dev "${SWP[2]}" master 2> /dev/null
	wait_until "$WAIT_TIMEOUT" fdb_gone "${HMAC[2]}"
	check_err $? "h3's entry still there"
	snap_port 2 && h2r=$HOST_RX
	b0=$(rx_of 0)
	send 2 "${HMAC[0]}" "$N"
	wait_until "$WAIT_TIMEOUT" eval 'snap_port 2 && [ "$HOST_RX" -ge $((h2r + N)) ]'
	check_err $? "host rx on locked ${SWP[2]} +$((HOST_RX - h2r)) of $N"
	check_eq "frames at h1 from a locked port" "$b0" "$(rx_of 0)"
	bridge -n "$sw" fdb add "${HMAC[2]}" dev "${SWP[2]}" master static
	check_err $? "cannot add a static entry for h3"
	wait_until "$WAIT_TIMEOUT" fdb_static_offloaded "${HMAC[2]}"
	check_err $? "h3's static entry is not shown offloaded"
	snap_port 2 && h2r=$HOST_RX
	b0=$(rx_of 0)
	send 2 "${HMAC[0]}" "$N"
	wait_until "$WAIT_TIMEOUT" _rx_ge 0 $((b0 + N))
	check_err $? "h1 received $(($(rx_of 0) - b0)) of $N from an unlocked station"
	snap_port 2
	check_eq "host rx on ${SWP[2]} for a known station" "$h2r" "$HOST_RX"
	bridge -n "$sw" fdb del "${HMAC[2]}" dev "${SWP[2]}" master static
	brlink 2 locked off learning on
	check_err $? "cannot unlock ${SWP[2]}"
	log_test "locked port: unknown source to the host, static entry switched ($N frames)"
}

test_teardown()
{
	RET=0
	# traffic running while the bridge and the device go
	ip netns exec "$h1" mausezahn "${HIF[0]}" -c 0 -d 1msec -a own \
		-b "${HMAC[1]}" -t udp sp=4000,dp=4001 -q &
	bg_pid=$!
	wait_until "$WAIT_TIMEOUT" eval 'snap_port 0 && [ "$L2_RX" -gt 0 ]'
	ip -n "$sw" link del br0
	check_err $? "cannot delete br0"
	wait_until "$WAIT_TIMEOUT" _fdb_occ_is 0
	check_err $? "fdb occupancy $(fdb_occ) after the bridge went, expected 0"
	ip -n "$sw" link add br1 type bridge && ip -n "$sw" link set br1 up &&
		for p in "${SWP[@]}"; do ip -n "$sw" link set "$p" master br1; done
	check_err $? "cannot build br1"
	npusim_del "$S"
	check_err $? "cannot delete npusim$S with a bridge and traffic"
	kill "$bg_pid" 2> /dev/null
	wait "$bg_pid" 2> /dev/null
	log_test "bridge and device deleted with traffic running"
}

test_join
test_known_unicast
test_flood
test_fdb_resource
test_leave_flush
test_foreign
test_ageing
test_stp
test_isolated
test_flood_flags
test_learning_off
test_static_fdb
test_locked
test_teardown

exit_tests
