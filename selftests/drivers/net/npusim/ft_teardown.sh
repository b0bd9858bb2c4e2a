#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim nf_flowtable hardware offload: teardown with offloaded flows and
# traffic running.  After "nft delete flowtable", "nft flush ruleset",
# "conntrack -F", port down, TCP FIN and RST, del_device, deleting the
# router's netns (also with a DESTROY held by the destroy_hold knob) and
# "modprobe -r npusim", no flow table entry may be left
# (devlink occupancy 0, debugfs entries empty, or the device is gone) and
# the kernel must not warn.  The flowtable timeouts are an hour, so that
# entries that disappear (however long that takes) were removed by the
# action under test, not by aging.

source "$(dirname "$0")"/lib.sh

require_cmd ip nft ethtool devlink python3 conntrack socat modprobe timeout awk dmesg
ft_begin

ft_dmesg_mark

# check_dmesg: no kernel warning since the last call.
check_dmesg()
{
	local out

	out=$(ft_dmesg_new)
	check_eq "kernel warnings" "" "${out//$'\n'/ | }"
	ft_dmesg_mark
}

# start_flows TAG: a UDP and a TCP flow, running until stop_flows; wait
# until both are offloaded (4 entries).  What is torn down needs traffic
# running, not much of it: 50 datagrams and 64 KiB a second.
start_flows()
{
	ft_flow_start "u$1" udp "$FT_S4" "58${1}1" interval=0.02
	check_err $? "$ERRMSG"
	ft_flow_start "t$1" tcp "$FT_S6" "58${1}2" rate=65536
	check_err $? "$ERRMSG"
	ft_wait_ct udp "58${1}1" HW_OFFLOAD
	check_err $? "UDP flow not offloaded: '$CT_STATE'"
	ft_wait_ct tcp "58${1}2" HW_OFFLOAD
	check_err $? "TCP flow not offloaded: '$CT_STATE'"
	ft_wait_occ 4
	check_err $? "occupancy $(ft_occ) with two offloaded flows, expected 4"
}

stop_flows()
{
	ft_flow_stop "u$1"
	ft_flow_stop "t$1"
}

# no_entries WHAT: occupancy and debugfs entries drop to 0 (aging cannot
# do it: the timeouts are an hour).
no_entries()
{
	local l t state

	ft_wait_occ 0
	check_err $? "occupancy $(ft_occ) ${FT_DEADLINE}s after $1, expected 0"
	check_eq "debugfs entries after $1" 0 "$(ft_entries)"
	[ "$RET" = 0 ] && return
	ft_dfs_dump
	while IFS= read -r l; do
		log_info "  ct: $l"
	done < <(ip netns exec "$FT_NSR" conntrack -L 2> /dev/null)
}

setup()
{
	ft_topology_setup tcp_timeout=3600 udp_timeout=3600 ||
		bail_out "topology: ${ERRMSG:-see above}"
	[ -d "$NPUSIM_DFS/npusim$FT_R/flow_table" ] ||
		skip_all "npusim has no flow table (debugfs flow_table/ missing)"
	ft_nft_load || bail_out "ruleset: $ERRMSG"
}

test_delete_flowtable()
{
	RET=0
	ft_nft_load
	start_flows 1
	ip netns exec "$FT_NSR" nft -f - <<- EOF
		flush chain inet filter forward
		delete flowtable inet filter ft
	EOF
	check_err $? "nft delete flowtable failed"
	no_entries "nft delete flowtable"
	stop_flows 1
	check_dmesg
	log_test "nft delete flowtable with offloaded flows: no entry left"
}

test_flush_ruleset()
{
	RET=0
	ft_nft_load
	start_flows 2
	ip netns exec "$FT_NSR" nft flush ruleset
	check_err $? "nft flush ruleset failed"
	no_entries "nft flush ruleset"
	stop_flows 2
	check_dmesg
	log_test "nft flush ruleset with offloaded flows: no entry left"
}

test_conntrack_flush()
{
	local d0 d1 occ

	RET=0
	ft_nft_load
	start_flows 3
	d0=$(ft_dfs destroy_calls)
	ip netns exec "$FT_NSR" conntrack -F > /dev/null 2>&1
	check_err $? "conntrack -F failed"
	wait_until "$WAIT_TIMEOUT" _ft_dfs_ge destroy_calls $((d0 + 4))
	check_err $? "destroy_calls $d0 -> $(ft_dfs destroy_calls) ${WAIT_TIMEOUT}s after conntrack -F"
	# traffic goes on: the flows come back as new connections, never
	# more than 2 entries each
	occ=$(ft_occ)
	[ -n "$occ" ] && [ "$occ" -le 4 ]
	check_err $? "occupancy $occ after conntrack -F with traffic, expected <= 4"
	stop_flows 3
	ip netns exec "$FT_NSR" conntrack -F > /dev/null 2>&1
	no_entries "conntrack -F"
	check_dmesg
	log_info "destroy_calls $d0 -> $(ft_dfs destroy_calls)"
	log_test "conntrack -F with offloaded flows: entries destroyed"
}


test_port_down()
{
	RET=0
	ft_nft_load
	start_flows 4
	ip -n "$FT_NSR" link set "$FT_R1" down
	check_err $? "ip link set $FT_R1 down failed"
	# nf_flow_table_cleanup() flushes the DESTROYs before the down
	# returns: nothing may be left, not even for a while
	check_eq "occupancy as soon as ip link set down returned" 0 "$(ft_occ)"
	no_entries "$FT_R1 down"
	stop_flows 4
	# IPv6 addresses do not survive a down/up
	ip -n "$FT_NSR" -b - <<- EOF
		link set $FT_R1 up
		addr replace $FT_RW4/24 dev $FT_R1
		addr replace $FT_RW6/64 dev $FT_R1 nodad
	EOF
	wait_until "$WAIT_TIMEOUT" carrier "$FT_NSR" "$FT_R1"
	check_err $? "$FT_R1 no carrier after up"
	check_dmesg
	log_test "port down with offloaded flows: no entry left"
}

# ct_closing DPORT: the TCP connection to DPORT, handed back to conntrack
# after its FIN, is in a closing state with that state's short timeout
# (nf_conntrack_tcp_timeout_*: at most 120 s), not ESTABLISHED with a
# long one.  Gone is fine too: a slow machine may get here after it
# expired.
ct_closing()
{
	local l t state

	l=$(ip netns exec "$FT_NSR" conntrack -L -p tcp --dport "$1" 2> /dev/null)
	if [ -z "$l" ]; then
		log_info "the connection's conntrack entry has expired already"
		return
	fi
	read -r _ _ t state _ <<< "$l"
	log_info "after FIN: $state, timeout $t s"
	[[ " FIN_WAIT CLOSE_WAIT LAST_ACK TIME_WAIT CLOSE " == *" $state "* ]]
	check_err $? "conntrack state after FIN: '$state'"
	[[ "$t" =~ ^[0-9]+$ ]] && [ "$t" -le 120 ]
	check_err $? "conntrack timeout after FIN: '$t'"
}

test_fin_rst()
{
	local p0 p1

	RET=0
	ft_nft_load
	ft_snap fin_a
	ft_flow_start fin tcp "$FT_S4" 5891
	ft_wait_ct tcp 5891 HW_OFFLOAD
	check_err $? "TCP flow not offloaded: '$CT_STATE'"
	# data first (on a slow VM the sender could otherwise see the stop
	# before its first send), through the NPU
	wait_until "$FT_DEADLINE" _ft_npu_grew "0:0:20"
	check_err $? "the NPU forwarded only $NPU_COUNT packets of the flow"
	# the sender closes with FIN while the flow is offloaded
	ft_flow_finish fin tcp
	ft_snap fin_b
	no_entries "the connection ended with FIN"
	wait_until "$WAIT_TIMEOUT" _ft_ct_not_offloaded tcp 5891
	check_err $? "ct still '$CT_STATE' after FIN"
	ct_closing 5891
	p0=$(ft_delta fin_a fin_b r0.rx_punt_tcp_flags)
	p1=$(ft_delta fin_a fin_b r1.rx_punt_tcp_flags)
	[ "$p0" != "?" ] && [ "$p1" != "?" ] && [ $((p0 + p1)) -ge 1 ]
	check_err $? "rx_punt_tcp_flags grew by $p0 + $p1, expected FINs"
	log_test "TCP FIN ends an offloaded flow: entries removed, ct closing"

	RET=0
	ft_flow_start rst tcp "$FT_S6" 5892 rst
	ft_wait_ct tcp 5892 HW_OFFLOAD
	check_err $? "TCP flow not offloaded: '$CT_STATE'"
	ft_flow_end rst
	no_entries "the connection ended with RST"
	log_test "TCP RST ends an offloaded flow: entries removed"

	# Connections that end about as soon as they are offloaded, or
	# before: their REPLACE and DESTROY come close together.
	RET=0
	bg_run ip netns exec "$FT_NSS" timeout "$FT_FLOW_MAX" socat -u \
		TCP-LISTEN:5893,reuseaddr,fork OPEN:/dev/null
	wait_listen "$FT_NSS" 5893
	ip netns exec "$FT_NSC" timeout "$FT_FLOW_MAX" sh -c "for i in 1 2 3 4 5 6; do
		socat -u OPEN:$(ft_data 262144) TCP:$FT_S4:5893 || exit 1; done"
	check_err $? "socat transfers failed"
	no_entries "6 short connections"
	bg_kill_all
	check_dmesg
	log_test "short TCP connections: no entry left"
}

test_del_device()
{
	local r=$FT_R

	RET=0
	ft_nft_load
	start_flows 5
	timeout "$FT_FLOW_MAX" bash -c "echo $r > $NPUSIM_SYS/del_device"
	check_err $? "del_device $r failed or timed out"
	npusim_del "$r"
	wait_until "$WAIT_TIMEOUT" npusim_gone "$r"
	check_err $? "npusim$r left in sysfs or debugfs"
	stop_flows 5
	check_dmesg
	log_test "del_device of the router with offloaded flows"
	ft_topology_teardown
}

_held()
{
	local v

	v=$(ft_dfs destroys_held) && [ "$v" -ge 1 ]
}

# The destroy_hold fault knob holds DESTROYs in the driver until it is
# cleared: deleting the device must release them, not wait for them.
test_del_device_held()
{
	local r

	RET=0
	setup
	r=$FT_R
	ft_nft_load
	start_flows 7
	echo 1 > "$NPUSIM_DFS/npusim$r/flow_table/destroy_hold"
	check_err $? "cannot set destroy_hold"
	ip netns exec "$FT_NSR" conntrack -F > /dev/null 2>&1
	wait_until "$WAIT_TIMEOUT" _held
	check_err $? "no DESTROY held after conntrack -F"
	timeout "$FT_FLOW_MAX" bash -c "echo $r > $NPUSIM_SYS/del_device"
	check_err $? "del_device $r failed or timed out"
	npusim_del "$r"
	wait_until "$WAIT_TIMEOUT" npusim_gone "$r"
	check_err $? "npusim$r left in sysfs or debugfs"
	stop_flows 7
	check_dmesg
	log_test "del_device of the router while destroy_hold holds DESTROYs"
	ft_topology_teardown
}

test_netns_delete()
{
	local r

	RET=0
	setup
	r=$FT_R
	start_flows 6
	ft_anchor_kill
	stop_flows 6
	timeout "$FT_FLOW_MAX" ip netns del "$FT_NSR"
	check_err $? "ip netns del failed"
	ns_del "$FT_NSR"
	FT_NSR=-
	# the device outlives the netns; its devlink instance is back in
	# the init netns, with nothing installed
	wait_until "$WAIT_TIMEOUT" _ft_entries_zero "$r"
	check_err $? "debugfs entries of npusim$r: $(ft_entries "$r")"
	# "ip netns del" only drops the last reference: the kernel's netns
	# cleanup, in a workqueue, moves the instance back, maybe on
	# another CPU and later
	wait_until "$WAIT_TIMEOUT" ft_resource - "$r"
	check_err $? "npusim$r's devlink instance never came back to the init netns"
	check_eq "occupancy of npusim$r after its netns was deleted" 0 "$FT_OCC"
	check_dmesg
	log_test "deleting the router's netns with offloaded flows"
	ft_topology_teardown
}

_ft_entries_zero()
{
	local n

	n=$(ft_entries "$1")
	[ "${n:-0}" -eq 0 ]
}

test_module_remove()
{
	RET=0
	setup
	start_flows 7
	timeout "$FT_FLOW_MAX" modprobe -r npusim
	check_err $? "modprobe -r npusim failed or timed out"
	DEV_LIST=()
	wait_until "$WAIT_TIMEOUT" test ! -d /sys/module/npusim
	check_err $? "/sys/module/npusim still there"
	[ ! -e "$NPUSIM_DFS" ]
	check_err $? "$NPUSIM_DFS left behind"
	stop_flows 7
	check_dmesg
	log_test "modprobe -r npusim with offloaded flows"

	RET=0
	npusim_load
	check_err $? "npusim does not load again"
	log_test "npusim loads again"
}

setup
test_delete_flowtable
test_flush_ruleset
test_conntrack_flush
test_port_down
test_fin_rst
test_del_device
test_del_device_held
test_netns_delete
test_module_remove

exit_tests
