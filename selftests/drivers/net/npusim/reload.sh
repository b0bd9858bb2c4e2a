#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim devlink reload whose flow table resize fails: the debugfs fault
# knob fail_ft_resize makes the resize fail as if memory ran out.  The
# reload must fail with an explanation, and leave the device as it was:
# its ports re-created and passing traffic, the flow_table resource at
# its old size.  With the knob cleared, the same resize then works.
#
#   ns1 [npusimA p0 10.14.0.1] <-> [npusimB p0 10.14.0.2] ns2

source "$(dirname "$0")"/lib.sh

require_cmd ip devlink jq ping
npusim_load || skip_all "npusim module not available"
debugfs_mount || skip_all "debugfs not available"
trap cleanup EXIT

ns1='' ns2=''
quiet_pair_setup 10.14.0

KNOB=$NPUSIM_DFS/npusim$A/fail_ft_resize
DL=npusim/npusim$A

# port_up: configure A's (re-created) port again and wait for carrier.
port_up()
{
	npusim_scan "$A" "$ns1"
	A0=${PORT_NAMES[0]:-}
	[ -n "$A0" ] || return 1
	ip netns exec "$ns1" sysctl -qw "net.ipv6.conf.$A0.disable_ipv6=1"
	ip -n "$ns1" -b - <<- EOF || return 1
		addr add 10.14.0.1/24 dev $A0
		neigh replace 10.14.0.2 lladdr $MAC_B nud permanent dev $A0
		link set $A0 up
	EOF
	wait_until "$WAIT_TIMEOUT" carrier "$ns1" "$A0"
}

test_failed_resize()
{
	local old out rc

	RET=0
	[ -w "$KNOB" ] || bail_out "no $KNOB"
	ft_resource "$ns1" "$A"
	check_err $? "no flow_table resource"
	old=$FT_SIZE
	log_info "flow_table size $old"

	echo 1 > "$KNOB"
	check_err $? "cannot set fail_ft_resize"
	devlink -N "$ns1" resource set "$DL" path /flow_table size 1024
	check_err $? "devlink resource set failed"
	out=$(devlink -N "$ns1" dev reload "$DL" 2>&1)
	rc=$?
	log_info "devlink dev reload: rc $rc: $out"
	check_fail $rc "the reload succeeded although the resize could not"
	if kernel_at_least 6 2; then
		[[ "$out" == *"Failed to resize the flow table"* ]]
	else
		# Before 6.2 extack takes no formatted message: the sizes
		# are in the kernel log, and the message says so.
		[[ "$out" == *"see the kernel log"* ]]
	fi
	check_err $? "no extack message about the resize: '$out'"
	log_test "reload with a failing resize: refused with an explanation"

	RET=0
	wait_until "$WAIT_TIMEOUT" _npusim_count_ok "$A" 1 "$ns1"
	check_err $? "npusim$A has ${#PORT_NAMES[@]} netdevs after the failed reload, expected 1"
	out=$(devlink -N "$ns1" -j port show 2> /dev/null |
	      jq -r '.port | keys[]' 2> /dev/null | grep -c "^$DL/")
	check_eq "devlink ports of $DL" 1 "$out"
	ft_resource "$ns1" "$A"
	check_eq "flow_table size after the failed reload" "$old" "$FT_SIZE"
	check_eq "pending flow_table size" "" "$FT_SIZE_NEW"
	check_eq "flow_table occupancy" 0 "$FT_OCC"
	log_test "failed reload: ports re-created, flow table keeps its size"

	RET=0
	port_up
	check_err $? "port of npusim$A not usable after the failed reload"
	ip netns exec "$ns1" ping -q -c 2 -W 5 10.14.0.2 > /dev/null 2>&1
	check_err $? "no ping through the re-created port"
	log_test "failed reload: the re-created port passes traffic"

	RET=0
	echo 0 > "$KNOB"
	ft_resize "$ns1" "$A" 1024
	check_err $? "reload with the knob cleared: $ERRMSG"
	wait_until "$WAIT_TIMEOUT" _npusim_count_ok "$A" 1 "$ns1"
	check_err $? "npusim$A has ${#PORT_NAMES[@]} netdevs after the reload"
	ft_resource "$ns1" "$A"
	check_eq "flow_table size after the reload" 1024 "$FT_SIZE"
	port_up
	check_err $? "port of npusim$A not usable after the reload"
	ip netns exec "$ns1" ping -q -c 2 -W 5 10.14.0.2 > /dev/null 2>&1
	check_err $? "no ping after the reload"
	log_test "knob cleared: the resize works"
}

test_failed_resize

exit_tests
