#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim wires: link_device / unlink_device (good and bad input), carrier
# following link and admin state of both ends, links across netns, between
# ports of one device and of different devices.
#
#   ns1: npusimA p0 p1 p2     ns2: npusimB p0 p1     init netns: npusimC p0
#   A0 <-> B0 (cross netns), A1 <-> A2 (same device), C0 <-> B1 (init <-> ns2)

source "$(dirname "$0")"/lib.sh

require_cmd ip jq
npusim_load || skip_all "npusim module not available"
trap cleanup EXIT

LINK=$NPUSIM_SYS/link_device
UNLINK=$NPUSIM_SYS/unlink_device

ns1='' ns2=''
ns_create ns1 ns2 || bail_out "cannot create netns"
A=$(npusim_rand_id)
npusim_new "$A" 3 "$ns1" || bail_out "cannot create npusim$A in $ns1"
A0=${PORT_NAMES[0]} A1=${PORT_NAMES[1]} A2=${PORT_NAMES[2]}
A0i=${PORT_IFX[0]} A1i=${PORT_IFX[1]} A2i=${PORT_IFX[2]}
B=$(npusim_rand_id)
npusim_new "$B" 2 "$ns2" || bail_out "cannot create npusim$B in $ns2"
B0=${PORT_NAMES[0]} B1=${PORT_NAMES[1]}
B0i=${PORT_IFX[0]} B1i=${PORT_IFX[1]}
C=$(npusim_rand_id)
npusim_new "$C" 1 || bail_out "cannot create npusim$C"
C0=${PORT_NAMES[0]}
C0i=${PORT_IFX[0]}
log_info "$ns1: npusim$A $A0($A0i) $A1($A1i) $A2($A2i)"
log_info "$ns2: npusim$B $B0($B0i) $B1($B1i); init: npusim$C $C0($C0i)"

# Ports start admin down.
ip -n "$ns1" -b - <<- EOF || bail_out "cannot set links up"
	link set $A0 up
	link set $A1 up
	link set $A2 up
EOF
ip -n "$ns2" link add name v0 type veth peer name v1 || bail_out "no veth"
ip -n "$ns2" link set "$B1" up
ip link set "$C0" up
VETHi=$(ifindex_of "$ns2" v0)

# expect_carrier STATE NS IF...: wait (bounded) for carrier STATE (1/0).
expect_carrier()
{
	local st=$1 ns=$2 n

	shift 2
	for n in "$@"; do
		if [ "$st" -eq 1 ]; then
			wait_until "$WAIT_TIMEOUT" carrier "$ns" "$n"
			check_err $? "$n: no carrier, expected carrier"
		else
			wait_until "$WAIT_TIMEOUT" no_carrier "$ns" "$n"
			check_err $? "$n: carrier, expected none"
		fi
	done
}

test_unlinked()
{
	RET=0
	expect_carrier 0 "$ns1" "$A0" "$A1" "$A2"
	expect_carrier 0 "$ns2" "$B1"
	expect_carrier 0 - "$C0"
	log_test "unlinked ports have no carrier"
}

test_link_cross_netns()
{
	RET=0
	npusim_link_idx "$ns1" "$A0i" "$ns2" "$B0i"
	check_err $? "link $A0 <-> $B0: $ERRMSG"
	expect_carrier 0 "$ns1" "$A0"
	log_test "link across netns; no carrier while peer is down"

	RET=0
	ip -n "$ns2" link set "$B0" up
	expect_carrier 1 "$ns1" "$A0"
	expect_carrier 1 "$ns2" "$B0"
	log_test "carrier on both ends when linked and both up"

	RET=0
	ip -n "$ns2" link set "$B0" down
	expect_carrier 0 "$ns1" "$A0"
	ip -n "$ns2" link set "$B0" up
	expect_carrier 1 "$ns1" "$A0"
	expect_carrier 1 "$ns2" "$B0"
	ip -n "$ns1" link set "$A0" down
	expect_carrier 0 "$ns2" "$B0"
	ip -n "$ns1" link set "$A0" up
	expect_carrier 1 "$ns1" "$A0"
	expect_carrier 1 "$ns2" "$B0"
	log_test "carrier follows admin state of either end"
}

test_link_bad()
{
	local fd1 fd2 fdnull

	exec {fd1}< "/run/netns/$ns1" {fd2}< "/run/netns/$ns2" {fdnull}< /dev/null

	# input | errno | what
	while IFS='|' read -r in errs name; do
		RET=0
		in=${in//FD1/$fd1}
		in=${in//FD2/$fd2}
		in=${in//FDNULL/$fdnull}
		in=${in//A0I/$A0i}
		in=${in//A1I/$A1i}
		in=${in//B0I/$B0i}
		in=${in//B1I/$B1i}
		in=${in//VETHI/$VETHi}
		in=${in//\\n/$'\n'}
		expect_errno "$errs" "$LINK" "$in"
		log_test "link_device $name refused with ${errs// / or }"
	done <<- EOF
		\n|EINVAL|empty line
		x|EINVAL|garbage
		FD1:A1I|EINVAL|one port only
		FD1:A1I FD2:B1I junk|EINVAL|trailing garbage
		FD1:A1I FD2:|EINVAL|missing ifindex
		FD1-A1I FD2-B1I|EINVAL|missing colon
		FD1:A1I FD1:A1I|EINVAL|same port twice
		999:A1I FD2:B1I|EBADF EINVAL|closed fd
		FDNULL:A1I FD2:B1I|EBADF EINVAL|fd that is not a netns
		FD1:99999 FD2:B1I|ENODEV|unknown ifindex
		FD1:1 FD2:B1I|EINVAL|lo
		FD1:A1I FD2:VETHI|EINVAL|veth
		FD1:A0I FD2:B1I|EBUSY|first port already linked
		FD1:A1I FD2:B0I|EBUSY|second port already linked
		FD2:B0I FD1:A0I|EBUSY|both ports already linked
	EOF
	exec {fd1}<&- {fd2}<&- {fdnull}<&-

	RET=0
	expect_carrier 1 "$ns1" "$A0"
	expect_carrier 1 "$ns2" "$B0"
	expect_carrier 0 "$ns1" "$A1"
	expect_carrier 0 "$ns2" "$B1"
	log_test "refused link_device leaves existing links intact"
}

test_unlink()
{
	local fd1

	RET=0
	npusim_unlink "$ns2" "$B0"
	check_err $? "unlink $B0: $ERRMSG"
	expect_carrier 0 "$ns1" "$A0"
	expect_carrier 0 "$ns2" "$B0"
	log_test "unlink_device (from either end) drops carrier on both"

	RET=0
	exec {fd1}< "/run/netns/$ns1"
	expect_errno ENOTCONN "$UNLINK" "$fd1:$A0i"
	expect_errno ENOTCONN "$UNLINK" "$fd1:$A1i"
	log_test "unlink_device of an unlinked port refused with ENOTCONN"

	RET=0
	expect_errno ENODEV "$UNLINK" "$fd1:99999"
	log_test "unlink_device of an unknown ifindex refused with ENODEV"

	RET=0
	expect_errno EINVAL "$UNLINK" "$fd1:1"
	log_test "unlink_device of lo refused with EINVAL"

	for in in "x" $'\n' "$fd1" "$fd1:$A0i junk" "$fd1-$A0i"; do
		RET=0
		expect_errno EINVAL "$UNLINK" "$in"
		log_test "unlink_device '${in//$'\n'/\\n}' refused with EINVAL"
	done
	exec {fd1}<&-

	RET=0
	npusim_link_idx "$ns2" "$B0i" "$ns1" "$A0i"
	check_err $? "relink $B0 <-> $A0: $ERRMSG"
	expect_carrier 1 "$ns1" "$A0"
	expect_carrier 1 "$ns2" "$B0"
	npusim_unlink "$ns1" "$A0"
	check_err $? "unlink $A0: $ERRMSG"
	expect_carrier 0 "$ns1" "$A0"
	expect_carrier 0 "$ns2" "$B0"
	log_test "relink after unlink, unlink from the other end"
}

# _rx_at_least NS DEV N: DEV's rx_packets reached N.
_rx_at_least()
{
	local v

	v=$(ethtool_stat "$1" "$2" rx_packets) && [ "$v" -ge "$3" ]
}

test_same_device()
{
	local mac2 before after

	RET=0
	npusim_link_idx "$ns1" "$A1i" "$ns1" "$A2i"
	check_err $? "link $A1 <-> $A2: $ERRMSG"
	expect_carrier 1 "$ns1" "$A1" "$A2"
	log_test "link two ports of the same device"

	# A frame sent out of A1 must arrive on A2: a static neighbour with
	# A2's MAC makes ping emit IPv4 frames without ARP.
	RET=0
	mac2=$(ip -n "$ns1" -j link show dev "$A2" | jq -r '.[0].address')
	ip -n "$ns1" -b - <<- EOF
		addr add 192.0.2.1/24 dev $A1
		neigh replace 192.0.2.2 lladdr $mac2 nud permanent dev $A1
	EOF
	before=$(ethtool_stat "$ns1" "$A2" rx_packets)
	ip netns exec "$ns1" ping -q -c 3 -i 0.2 -W 1 -I "$A1" 192.0.2.2 > /dev/null 2>&1
	[ -n "$before" ] && wait_until "$WAIT_TIMEOUT" _rx_at_least "$ns1" "$A2" $((before + 3))
	after=$(ethtool_stat "$ns1" "$A2" rx_packets)
	[ -n "$before" ] && [ -n "$after" ] && [ $((after - before)) -ge 3 ]
	check_err $? "$A2 rx_packets moved from '$before' to '$after', expected +3 or more"
	log_test "frames cross a link between ports of the same device"

	RET=0
	npusim_unlink "$ns1" "$A2"
	check_err $? "unlink $A2: $ERRMSG"
	expect_carrier 0 "$ns1" "$A1" "$A2"
	log_test "unlink ports of the same device"
}

test_init_netns()
{
	RET=0
	npusim_link_idx - "$C0i" "$ns2" "$B1i"
	check_err $? "link $C0 <-> $B1: $ERRMSG"
	expect_carrier 1 - "$C0"
	expect_carrier 1 "$ns2" "$B1"
	log_test "link a port of the init netns to another device in a netns"

	RET=0
	npusim_del "$C"
	check_err $? "del_device $C: $ERRMSG"
	expect_carrier 0 "$ns2" "$B1"
	npusim_unlink "$ns2" "$B1"
	[ "$ERRMSG" == "${ERRNO_STR[ENOTCONN]}" ]
	check_err $? "unlink $B1 after peer device deletion: expected ENOTCONN, got '$ERRMSG'"
	log_test "deleting a device unlinks its peers"

	RET=0
	npusim_link_idx "$ns2" "$B1i" "$ns1" "$A0i"
	check_err $? "link $B1 <-> $A0 after peer deletion: $ERRMSG"
	ip -n "$ns2" link set "$B1" down
	ip -n "$ns1" link set "$A0" down
	expect_carrier 0 "$ns2" "$B1"
	ip -n "$ns2" link set "$B1" up
	expect_carrier 0 "$ns2" "$B1"
	ip -n "$ns1" link set "$A0" up
	expect_carrier 1 "$ns2" "$B1"
	expect_carrier 1 "$ns1" "$A0"
	log_test "link with both ends down, carrier once both are up"
}

test_unlinked
test_link_cross_netns
test_link_bad
test_unlink
test_same_device
test_init_netns

exit_tests
