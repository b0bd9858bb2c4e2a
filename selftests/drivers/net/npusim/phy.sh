#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim PHYs: each port has 10, 100, 1000, 2500 and 10000baseT/Full.
# Two negotiating ports link at the highest mode both advertise; two
# forced ports link if their speeds are equal; a negotiating port
# detects a forced one's speed if it advertises it; otherwise there is
# no link, no carrier, and no frame crosses the wire.  ethtool shows and
# sets all of it; bad settings are refused and change nothing.
#
#   init_net [A p0 10.15.0.1] <-> [B p0 10.15.0.2] ns2

source "$(dirname "$0")"/lib.sh

require_cmd ip ethtool ping
npusim_load || skip_all "npusim module not available"

# advertise masks (ethtool link mode bits)
M10=0x2 M100=0x8 M1000=0x20 M10000=0x1000
N=10

npusim_pair_new
ip addr add 10.15.0.1/24 dev "$A0" && ip link set "$A0" up ||
	bail_out "cannot configure $A0"
ip -n "$ns2" addr add 10.15.0.2/24 dev "$B0" && ip -n "$ns2" link set "$B0" up ||
	bail_out "cannot configure $B0"

# hexmask MASK...: the OR of MASKs, in hex (ethtool's advertise)
hexmask()
{
	local m v=0

	for m in "$@"; do
		v=$((v | m))
	done
	printf '%#x' "$v"
}

# eth -B ARGS...: ethtool in ns2 (on B0)
eth()
{
	shift
	ip netns exec "$ns2" ethtool "$@"
}

# speed_of A0|B0: the speed ethtool shows ("Unknown!" without link)
speed_of()
{
	if [ "$1" = "$A0" ]; then
		ethtool "$A0"
	else
		ip netns exec "$ns2" ethtool "$B0"
	fi | sed -n 's/^\tSpeed: \(.*\)$/\1/p'
}

_both_speed()
{
	[ "$(speed_of "$A0")" = "$1" ] && [ "$(speed_of "$B0")" = "$1" ] &&
		carrier "" "$A0" && carrier "$ns2" "$B0"
}

_both_down()
{
	! carrier "" "$A0" && ! carrier "$ns2" "$B0"
}

# link_case NAME SPEED: both ends get link at SPEED (Mb/s) and a ping
# crosses the wire.
link_case()
{
	RET=0
	wait_until "$WAIT_TIMEOUT" _both_speed "$2Mb/s"
	check_err $? "speeds $(speed_of "$A0") / $(speed_of "$B0"), expected $2Mb/s with carrier"
	ping -q -c 1 -W 10 10.15.0.2 > /dev/null
	check_err $? "no ping across the link"
	log_test "$1: link at $2 Mb/s"
}

# nolink_case NAME: no carrier on either end, and none of N pings
# crosses the wire.
nolink_case()
{
	local r0 r

	RET=0
	wait_until "$WAIT_TIMEOUT" _both_down
	check_err $? "carrier on a link whose PHYs do not agree"
	check_eq "$A0 speed" "Unknown!" "$(speed_of "$A0")"
	r0=$(ip netns exec "$ns2" ethtool -S "$B0" | awk '$1 == "rx_packets:" {print $2}')
	ping -q -c "$N" -i 0.01 -W 1 10.15.0.2 > /dev/null 2>&1
	check_fail $? "ping across a link without link"
	r=$(ip netns exec "$ns2" ethtool -S "$B0" | awk '$1 == "rx_packets:" {print $2}')
	check_eq "$B0 rx_packets delta over $N pings" 0 $((r - r0))
	log_test "$1: no link, nothing crosses"
}

RET=0
out=$(ethtool "$A0")
for m in 10baseT/Full 100baseT/Full 1000baseT/Full 2500baseT/Full 10000baseT/Full; do
	grep -q "Supported link modes:.*$m\|^[[:space:]]*$m" <<< "$out"
	check_err $? "$m not supported"
done
grep -q "Auto-negotiation: on" <<< "$out"
check_err $? "autoneg not on by default"
log_test "five link modes, autoneg on by default"
link_case "defaults" 10000

ethtool -s "$A0" advertise "$(hexmask $M100 $M1000)"
eth -B -s "$B0" advertise "$(hexmask $M10 $M100 $M1000 $M10000)"
link_case "autoneg, highest common mode" 1000

ethtool -s "$A0" advertise $M10
eth -B -s "$B0" advertise $M100
nolink_case "autoneg, no common mode"

ethtool -s "$A0" speed 2500 autoneg off
eth -B -s "$B0" speed 2500 autoneg off
link_case "both forced to 2500" 2500

eth -B -s "$B0" speed 100 autoneg off
nolink_case "forced to 2500 and 100"

ethtool -s "$A0" autoneg on advertise "$(hexmask $M100 $M1000)"
link_case "autoneg detects a forced 100" 100

ethtool -s "$A0" advertise $M1000
nolink_case "autoneg without the forced speed"

ethtool -s "$A0" advertise "$(hexmask $M10 $M100 $M1000 $M10000)"
eth -B -s "$B0" autoneg on advertise "$(hexmask $M10 $M100 $M1000 $M10000)"
link_case "both negotiate again" 10000

# bad settings: refused, nothing changed
RET=0
before=$(ethtool "$A0")
ethtool -s "$A0" advertise 0x20000 2> /dev/null # 1000baseKX/Full
check_fail $? "advertising a mode the PHY does not have accepted"
ethtool -s "$A0" speed 5000 autoneg off 2> /dev/null
check_fail $? "forcing 5000 Mb/s accepted"
ethtool -s "$A0" speed 1000 duplex half autoneg off 2> /dev/null
check_fail $? "half duplex accepted"
check_eq "ethtool $A0 after refusals" "$before" "$(ethtool "$A0")"
log_test "bad settings refused, nothing changed"
link_case "still linked" 10000

exit_tests
