#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim MTU: accepted range [68, 9000], and a frame larger than the
# receiving port's MTU is dropped and counted (rx_oversize_drops,
# rx_length_errors, rx_dropped), while one that fits passes.
#
#   ns1 [npusimA p0 10.12.0.1] <-> [npusimB p0 10.12.0.2] ns2

source "$(dirname "$0")"/lib.sh

require_cmd ip jq ethtool ping
npusim_load || skip_all "npusim module not available"
trap cleanup EXIT

ns1='' ns2=''
quiet_pair_setup 10.12.0

mtu_of()
{
	ip -n "$1" -j link show dev "$2" | jq -r '.[0].mtu'
}

test_mtu_range()
{
	local out mtu

	RET=0
	out=$(ip -n "$ns1" -d -j link show dev "$A0" |
	      jq -r '.[0] | "\(.mtu) \(.min_mtu) \(.max_mtu)"')
	check_eq "mtu min_mtu max_mtu of $A0" "1500 68 9000" "$out"
	log_test "default MTU 1500, range 68..9000"

	for mtu in 68 9000 1280 1500; do
		RET=0
		ip -n "$ns1" link set dev "$A0" mtu "$mtu"
		check_err $? "ip link set mtu $mtu failed"
		check_eq "mtu" "$mtu" "$(mtu_of "$ns1" "$A0")"
		log_test "MTU $mtu accepted"
	done

	for mtu in 67 9001 0 65535; do
		RET=0
		ip -n "$ns1" link set dev "$A0" mtu "$mtu" 2> /dev/null
		check_fail $? "ip link set mtu $mtu succeeded"
		check_eq "mtu after refused change" 1500 "$(mtu_of "$ns1" "$A0")"
		log_test "MTU $mtu refused"
	done
}

# ping_size NS DST SIZE COUNT [WAIT]: ping without DF; succeeds if all
# replies came within WAIT s (default: a generous WAIT_TIMEOUT; ping ends
# as soon as they are all in).
ping_size()
{
	ip netns exec "$1" ping -q -c "$4" -i 0.2 -W "${5:-$WAIT_TIMEOUT}" \
		-M dont -s "$3" "$2" > /dev/null 2>&1
}

# _oversize_dropped NS DEV BEFORE N: DEV's rx_oversize_drops grew by N.
_oversize_dropped()
{
	local v

	v=$(ethtool_stat "$1" "$2" rx_oversize_drops) && [ "$v" -ge $(($3 + $4)) ]
}

# oversize_case SIZE: frames of SIZE bytes of ICMP payload from A0
# (MTU 9000) to B0 (MTU 1500) must be dropped and counted on B0.
oversize_case()
{
	local size=$1 n=3 k v st

	RET=0
	ethtool_stats "$ns2" "$B0"
	local -A e0 i0
	for k in "${!ETS[@]}"; do e0[$k]=${ETS[$k]}; done
	ip_stats "$ns2" "$B0"
	for k in "${!IPS[@]}"; do i0[$k]=${IPS[$k]}; done

	# no reply may come: the counters tell whether the requests arrived
	ping_size "$ns1" 10.12.0.2 "$size" $n 1
	check_fail $? "ping -s $size got replies through a 1500 MTU port"
	wait_until "$WAIT_TIMEOUT" _oversize_dropped "$ns2" "$B0" \
		"${e0[rx_oversize_drops]:-0}" $n

	ethtool_stats "$ns2" "$B0"
	ip_stats "$ns2" "$B0"
	for st in rx_oversize_drops:$n rx_packets:0 rx_bytes:0 rx_fifo_drops:0; do
		k=${st%%:*}
		v=${st#*:}
		check_eq "$B0 ethtool $k delta" "$v" \
			"$(( ${ETS[$k]:-0} - ${e0[$k]:-0} ))"
	done
	for st in rx_length_errors:$n rx_dropped:$n rx_packets:0 rx_over_errors:0; do
		k=${st%%:*}
		v=${st#*:}
		check_eq "$B0 stats64 $k delta" "$v" \
			"$(( ${IPS[$k]:-0} - ${i0[$k]:-0} ))"
	done
	log_test "frame of $((size + 42)) bytes to a 1500 MTU port dropped and counted"
}

test_oversize()
{
	local d

	RET=0
	ip -n "$ns1" link set dev "$A0" mtu 9000
	check_err $? "cannot set MTU 9000 on $A0"
	ip -n "$ns2" link set dev "$B0" mtu 1500
	check_err $? "cannot set MTU 1500 on $B0"
	ping_size "$ns1" 10.12.0.2 1400 3
	check_err $? "ping -s 1400 failed"
	log_test "MTU 9000 -> 1500: 1442-byte frames pass"

	RET=0
	ping_size "$ns1" 10.12.0.2 1472 3
	check_err $? "ping -s 1472 failed"
	log_test "MTU 9000 -> 1500: 1514-byte frames (exactly MTU) pass"

	oversize_case 1473
	oversize_case 3000

	RET=0
	ip -n "$ns2" link set dev "$B0" mtu 9000
	check_err $? "cannot set MTU 9000 on $B0"
	ip netns exec "$ns1" ping -q -c 3 -i 0.2 -W "$WAIT_TIMEOUT" -M "do" -s 8972 10.12.0.2 \
		> /dev/null 2>&1
	check_err $? "ping -M do -s 8972 failed"
	log_test "MTU 9000 both ends: 9014-byte frames pass"

	RET=0
	ip -n "$ns2" link set dev "$B0" mtu 68
	check_err $? "cannot set MTU 68 on $B0"
	d=$(ethtool_stat "$ns2" "$B0" rx_oversize_drops)
	ping_size "$ns1" 10.12.0.2 1000 2 1
	check_fail $? "ping -s 1000 got replies through a 68 MTU port"
	wait_until "$WAIT_TIMEOUT" _oversize_dropped "$ns2" "$B0" "${d:-0}" 2
	check_err $? "$B0 rx_oversize_drops: '$d' -> '$(ethtool_stat "$ns2" "$B0" rx_oversize_drops)', expected +2"
	ip -n "$ns2" link set dev "$B0" mtu 1500
	ping_size "$ns1" 10.12.0.2 1000 2
	check_err $? "ping -s 1000 failed after raising the MTU back to 1500"
	log_test "MTU 68 drops, restoring 1500 passes again"
}

test_mtu_range
test_oversize

exit_tests
