#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim teardown under traffic: del_device of one end, deletion of a netns
# holding linked ports, admin down, unlink, and finally "modprobe -r npusim"
# with devices present; nothing may be left behind and the module must load
# again.  Every step is bounded in time.

source "$(dirname "$0")"/lib.sh

require_cmd ip jq ethtool ping devlink modprobe timeout iperf3 ss
npusim_load || skip_all "npusim module not available"
trap cleanup EXIT

# bounded_write SECONDS FILE STRING: like sysfs_write, in a child process
# killed after SECONDS.
bounded_write()
{
	# shellcheck disable=SC2016 # expanded by the child bash
	ERRMSG=$(timeout "$1" bash -c 'printf "%s" "$2" > "$1"' _ "$2" "$3" 2>&1)
	local rc=$?

	ERRMSG=${ERRMSG##*: }
	[ $rc -eq 124 ] && ERRMSG="timed out after $1 s"
	return $rc
}

# setup_pair N: netns P_NSA/P_NSB, one single-port device in each
# (P_IDA/P_IDB, ports P_A/P_B), linked, 10.13.N.1 <-> 10.13.N.2, up.
setup_pair()
{
	local n=$1 nsa nsb

	ns_create nsa nsb || return 1
	P_NSA=$nsa P_NSB=$nsb
	P_IDA=$(npusim_rand_id)
	npusim_new "$P_IDA" 1 "$nsa" || return 1
	P_A=${PORT_NAMES[0]}
	P_IDB=$(npusim_rand_id)
	npusim_new "$P_IDB" 1 "$nsb" || return 1
	P_B=${PORT_NAMES[0]}
	npusim_link "$nsa" "$P_A" "$nsb" "$P_B" || return 1
	ip -n "$nsa" -b - <<- EOF || return 1
		addr add 10.13.$n.1/24 dev $P_A
		link set $P_A up
	EOF
	ip -n "$nsb" -b - <<- EOF || return 1
		addr add 10.13.$n.2/24 dev $P_B
		link set $P_B up
	EOF
	wait_until "$WAIT_TIMEOUT" carrier "$nsa" "$P_A" || return 1
	ip netns exec "$nsa" ping -q -c 1 -W "$WAIT_TIMEOUT" "10.13.$n.2" > /dev/null
}

# start_ping NS DST: background ping, until bg_kill_all (bounded by a
# generous deadline in case the test breaks).
start_ping()
{
	bg_run ip netns exec "$1" timeout 1800 ping -q -i 0.005 "$2" > /dev/null 2>&1
}

# traffic_flows NS DEV: DEV's rx_packets grows (bounded wait).
# shellcheck disable=SC2317 # called through wait_until
_rx_grew()
{
	local now

	now=$(ethtool_stat "$1" "$2" rx_packets) || return 1
	[ "$now" -gt "$3" ]
}

traffic_flows()
{
	local before

	before=$(ethtool_stat "$1" "$2" rx_packets) || return 1
	wait_until "$WAIT_TIMEOUT" _rx_grew "$1" "$2" "$before"
}

# npusim_netdevs NS: print netdevs of any npusim device in NS.
npusim_netdevs()
{
	ipn "$1" -d -j link show 2> /dev/null |
		jq -r '.[] | select(.parentbus == "npusim") | .ifname'
}

test_del_device()
{
	RET=0
	setup_pair 1
	check_err $? "setup failed: $ERRMSG"
	start_ping "$P_NSA" 10.13.1.2
	traffic_flows "$P_NSB" "$P_B"
	check_err $? "no traffic on $P_B"
	bounded_write 600 "$NPUSIM_SYS/del_device" "$P_IDB"
	check_err $? "del_device $P_IDB: $ERRMSG"
	npusim_del "$P_IDB"
	[ ! -e "$NPUSIM_SYS/devices/npusim$P_IDB" ] && [ ! -e "$NPUSIM_DFS/npusim$P_IDB" ]
	check_err $? "npusim$P_IDB left in sysfs or debugfs"
	check_eq "netdevs left in $P_NSB" "" "$(npusim_netdevs "$P_NSB")"
	wait_until "$WAIT_TIMEOUT" no_carrier "$P_NSA" "$P_A"
	check_err $? "$P_A still has carrier"
	bg_kill_all
	bounded_write 600 "$NPUSIM_SYS/del_device" "$P_IDA"
	check_err $? "del_device $P_IDA: $ERRMSG"
	npusim_del "$P_IDA"
	log_test "del_device of one end during traffic"
}

test_netns_delete()
{
	local ids

	RET=0
	setup_pair 2
	check_err $? "setup failed: $ERRMSG"
	start_ping "$P_NSA" 10.13.2.2
	traffic_flows "$P_NSB" "$P_B"
	check_err $? "no traffic on $P_B"
	timeout 600 ip netns del "$P_NSB"
	check_err $? "ip netns del $P_NSB failed"
	ns_del "$P_NSB"
	wait_until "$WAIT_TIMEOUT" no_carrier "$P_NSA" "$P_A"
	check_err $? "$P_A still has carrier after its peer's netns was deleted"
	bg_kill_all
	# The device outlives the netns: its ports are gone or back in the
	# init netns; del_device must still work.
	[ -e "$NPUSIM_SYS/devices/npusim$P_IDB" ]
	check_err $? "npusim$P_IDB disappeared with the netns"
	bounded_write 600 "$NPUSIM_SYS/del_device" "$P_IDB"
	check_err $? "del_device $P_IDB: $ERRMSG"
	npusim_del "$P_IDB"
	[ ! -e "$NPUSIM_DFS/npusim$P_IDB" ]
	check_err $? "debugfs of npusim$P_IDB left behind"
	ids=$(ip -d -j link show | jq -r \
	      ".[] | select(.parentdev == \"npusim$P_IDB\") | .ifname")
	check_eq "netdevs of npusim$P_IDB in the init netns" "" "$ids"
	bounded_write 600 "$NPUSIM_SYS/del_device" "$P_IDA"
	check_err $? "del_device $P_IDA: $ERRMSG"
	npusim_del "$P_IDA"
	log_test "deleting a netns that holds a linked port during traffic"
}

test_down_unlink()
{
	RET=0
	setup_pair 3
	check_err $? "setup failed: $ERRMSG"
	start_ping "$P_NSA" 10.13.3.2
	traffic_flows "$P_NSB" "$P_B"
	check_err $? "no traffic on $P_B"
	timeout 600 ip -n "$P_NSB" link set "$P_B" down
	check_err $? "ip link set down failed"
	wait_until "$WAIT_TIMEOUT" no_carrier "$P_NSA" "$P_A"
	check_err $? "$P_A still has carrier with $P_B down"
	timeout 600 ip -n "$P_NSB" link set "$P_B" up
	wait_until "$WAIT_TIMEOUT" carrier "$P_NSA" "$P_A"
	check_err $? "$P_A has no carrier after $P_B came back up"
	traffic_flows "$P_NSB" "$P_B"
	check_err $? "traffic did not resume after $P_B came back up"
	log_test "ip link set down/up during traffic"

	RET=0
	npusim_unlink "$P_NSA" "$P_A"
	check_err $? "unlink $P_A: $ERRMSG"
	wait_until "$WAIT_TIMEOUT" no_carrier "$P_NSA" "$P_A"
	check_err $? "$P_A still has carrier after unlink"
	wait_until "$WAIT_TIMEOUT" no_carrier "$P_NSB" "$P_B"
	check_err $? "$P_B still has carrier after unlink"
	npusim_link "$P_NSB" "$P_B" "$P_NSA" "$P_A"
	check_err $? "relink: $ERRMSG"
	wait_until "$WAIT_TIMEOUT" carrier "$P_NSA" "$P_A"
	check_err $? "$P_A has no carrier after relink"
	traffic_flows "$P_NSB" "$P_B"
	check_err $? "traffic did not resume after relink"
	bg_kill_all
	log_test "unlink and relink during traffic"
}

test_module_remove()
{
	local id1 id2 ns out n

	RET=0
	setup_pair 4
	check_err $? "setup failed: $ERRMSG"
	# More devices: one in the init netns with a same-device link, one
	# with unlinked ports in a netns.
	id1=$(npusim_rand_id)
	npusim_new "$id1" 2
	check_err $? "new_device $id1: $ERRMSG"
	npusim_link - "${PORT_NAMES[0]}" - "${PORT_NAMES[1]}"
	check_err $? "link ports of npusim$id1: $ERRMSG"
	ip -b - <<- EOF
		link set ${PORT_NAMES[0]} up
		link set ${PORT_NAMES[1]} up
	EOF
	id2=$(npusim_rand_id)
	npusim_new "$id2" 3 "$P_NSA"
	check_err $? "new_device $id2: $ERRMSG"

	bg_run ip netns exec "$P_NSB" timeout 1800 iperf3 -s -1 -p 5203 > /dev/null 2>&1
	wait_listen "$P_NSB" 5203
	# runs until modprobe -r takes its link away
	bg_run ip netns exec "$P_NSA" timeout 1800 iperf3 -c 10.13.4.2 -p 5203 -t 1800 \
		> /dev/null 2>&1
	start_ping "$P_NSB" 10.13.4.1
	traffic_flows "$P_NSB" "$P_B"
	check_err $? "no traffic on $P_B"

	timeout 600 modprobe -r npusim
	check_err $? "modprobe -r npusim failed or timed out"
	DEV_LIST=()
	wait_until "$WAIT_TIMEOUT" test ! -d /sys/module/npusim
	check_err $? "/sys/module/npusim still there"
	bg_kill_all

	for n in "$NPUSIM_SYS"/devices/*; do
		[ -e "$n" ] && check_err 1 "$n left behind"
	done
	[ ! -e "$NPUSIM_DFS" ]
	check_err $? "$NPUSIM_DFS left behind"
	for ns in - "${NS_LIST[@]}"; do
		out=$(npusim_netdevs "$ns")
		check_eq "npusim netdevs in netns $ns" "" "${out//$'\n'/ }"
		out=$(in_ns "$ns" devlink dev show 2> /dev/null | grep npusim)
		check_eq "devlink instances in netns $ns" "" "$out"
	done
	log_test "modprobe -r npusim with devices, links and traffic"

	RET=0
	npusim_load
	check_err $? "modprobe npusim failed"
	id1=$(npusim_rand_id)
	npusim_new "$id1" 2
	check_err $? "new_device after reload: $ERRMSG"
	npusim_link - "${PORT_NAMES[0]}" - "${PORT_NAMES[1]}"
	check_err $? "link after reload: $ERRMSG"
	devlink dev show "npusim/npusim$id1" > /dev/null 2>&1
	check_err $? "no devlink instance after reload"
	[ -d "$NPUSIM_DFS/npusim$id1" ]
	check_err $? "no debugfs dir after reload"
	npusim_del "$id1"
	check_err $? "del_device after reload: $ERRMSG"
	log_test "modprobe npusim again works"
}

test_del_device
test_netns_delete
test_down_unlink
test_module_remove

exit_tests
