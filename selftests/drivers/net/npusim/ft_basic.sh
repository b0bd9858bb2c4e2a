#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim nf_flowtable hardware offload, basics: binding an offload
# flowtable to npusim ports and its errors (hw-tc-offload off), then routed
# TCP and UDP flows over IPv4 and IPv6 that must end up in the NPU:
# [HW_OFFLOAD], 2 flow table entries per connection, the stack no longer
# sees the packets, the NPU counters take over, data intact.  Also the
# firewall4 statement "flow offload @ft".
#
#   client [C p0] -- [R p0 | R p1] router -- [S p0] server

source "$(dirname "$0")"/lib.sh

require_cmd ip nft ethtool devlink python3 conntrack cmp awk
ft_begin

ft_setup

# hw_tc NS DEV: print "on" or "off" (hw-tc-offload feature).
hw_tc()
{
	local out

	out=$(ip netns exec "$1" ethtool -k "$2" 2> /dev/null | grep '^hw-tc-offload:')
	out=${out#*: }
	echo "${out%% *}"
}

# hw_tc_off NS DEV: try to turn hw-tc-offload off; succeed if it is off.
# After a refused request the kernel keeps "off" in wanted_features, so a
# second "off" is a no-op: request "on" first.
hw_tc_off()
{
	ip netns exec "$1" sh -c "ethtool -K '$2' hw-tc-offload on;
				 ethtool -K '$2' hw-tc-offload off" > /dev/null 2>&1
	[ "$(hw_tc "$1" "$2")" == off ]
}


test_bind()
{
	local out

	RET=0
	check_eq "hw-tc-offload of $FT_R0 by default" on "$(hw_tc "$FT_NSR" "$FT_R0")"
	ft_nft_load
	check_err $? "loading an offload flowtable on $FT_R0, $FT_R1 failed: $ERRMSG"
	out=$(ip netns exec "$FT_NSR" nft list flowtable inet filter ft 2>&1)
	[[ "$out" == *"flags offload"* ]]
	check_err $? "flowtable ft has no 'flags offload': ${out//$'\n'/ }"
	check_eq "occupancy with no flow" 0 "$(ft_occ)"
	log_test "offload flowtable binds to npusim ports"

	RET=0
	out=$(ip netns exec "$FT_NSR" ethtool -K "$FT_R0" hw-tc-offload off 2>&1)
	log_info "ethtool -K $FT_R0 hw-tc-offload off while bound: rc $?, '${out//$'\n'/ }'"
	check_eq "hw-tc-offload of $FT_R0 while bound" on "$(hw_tc "$FT_NSR" "$FT_R0")"
	log_test "hw-tc-offload off refused while bound to an offload flowtable"

	RET=0
	ip netns exec "$FT_NSR" nft -f - <<- EOF
		flush chain inet filter forward
		delete flowtable inet filter ft
	EOF
	check_err $? "deleting the flowtable failed"
	# The UNBIND may come from nf_tables' deferred destroy work.
	wait_until "$WAIT_TIMEOUT" hw_tc_off "$FT_NSR" "$FT_R0"
	check_err $? "hw-tc-offload of $FT_R0 cannot be turned off after unbind"
	log_test "hw-tc-offload can be turned off after unbind"

	RET=0
	ft_nft_load
	if [ $? -eq 0 ]; then
		check_err 1 "offload flowtable on $FT_R0 with hw-tc-offload off was accepted"
	else
		[[ "$ERRMSG" == *"Operation not supported"* ]]
		check_err $? "expected 'Operation not supported', nft said: ${ERRMSG//$'\n'/ }"
	fi
	out=$(ip netns exec "$FT_NSR" nft list flowtables 2>&1)
	[[ "$out" != *"flowtable ft"* ]]
	check_err $? "a flowtable exists after the failed load: ${out//$'\n'/ }"
	# the software flowtable still works on such a port
	ft_nft_load nooffload
	check_err $? "software flowtable on $FT_R0 with hw-tc-offload off: $ERRMSG"
	log_test "offload flowtable on a port with hw-tc-offload off: EOPNOTSUPP"

	RET=0
	ip netns exec "$FT_NSR" nft flush ruleset
	ip netns exec "$FT_NSR" ethtool -K "$FT_R0" hw-tc-offload on > /dev/null 2>&1
	check_eq "hw-tc-offload of $FT_R0 back on" on "$(hw_tc "$FT_NSR" "$FT_R0")"
	ft_nft_load
	check_err $? "offload flowtable after hw-tc-offload on: $ERRMSG"
	log_test "offload flowtable binds again after hw-tc-offload on"
}

# Batches that add a rule using the offload flowtable and then fail in
# the kernel (a flowtable on a device that does not exist) must give back
# the flowtable reference the rule took: after ten of them the flowtable
# still has exactly its one user, and goes once that user is gone, without
# a refcount warning (wenxu 2020: the abort path underflowed it).
test_failing_batches()
{
	local i out n

	RET=0
	ft_dmesg_mark
	ft_nft_load
	check_err $? "ruleset: $ERRMSG"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		ip netns exec "$FT_NSR" nft -f - > /dev/null 2>&1 <<- EOF
			add rule inet filter forward meta l4proto { tcp, udp } flow add @ft
			add flowtable inet filter bad$i { hook ingress priority filter; devices = { nosuchdev$i }; }
		EOF
		check_fail $? "batch $i with a flowtable on a missing device was accepted"
	done
	out=$(ip netns exec "$FT_NSR" nft list chain inet filter forward 2>&1)
	n=$(grep -c "flow add @ft" <<< "$out")
	check_eq "rules using the flowtable after the failed batches" 1 "$n"
	ip netns exec "$FT_NSR" nft -f - <<- EOF
		flush chain inet filter forward
		delete flowtable inet filter ft
	EOF
	check_err $? "the flowtable cannot be deleted once its rule is gone"
	out=$(ip netns exec "$FT_NSR" nft list flowtables 2>&1)
	[[ "$out" != *"flowtable ft"* ]]
	check_err $? "the flowtable is still there: ${out//$'\n'/ }"
	out=$(ft_dmesg_new)
	check_eq "kernel warnings" "" "${out//$'\n'/ | }"
	ft_nft_load
	check_err $? "ruleset after the failed batches: $ERRMSG"
	log_test "failing batches using the offload flowtable leak no reference"
}

# flow NAME PROTO DST DPORT [OPTION...]: clean slate, then ft_flow_check.
flow()
{
	local s0 s1

	ft_ct_flush
	s0=$(ft_dfs replace_calls)
	ft_flow_check "$@"
	s1=$(ft_dfs replace_calls)
	log_info "$1: replace_calls $s0 -> $s1, installs $(ft_dfs installs)"
}

test_bind
test_failing_batches
sweep_note "udp4, tcp6 and the flow over firewall4's syntax"
flow tcp4 tcp "$FT_S4" 5201
! full_sweep || flow udp4 udp "$FT_S4" 5202
! full_sweep || flow tcp6 tcp "$FT_S6" 5203
flow udp6 udp "$FT_S6" 5204

RET=0
ft_nft_load fw4
check_err $? "loading the 'flow offload @ft' ruleset failed: $ERRMSG"
log_test "firewall4 syntax 'flow offload @ft' loads"
! full_sweep || flow fw4_udp4 udp "$FT_S4" 5205

RET=0
ip netns exec "$FT_NSR" nft flush ruleset
check_err $? "nft flush ruleset failed"
ft_wait_occ 0
check_err $? "occupancy $(ft_occ) after flush ruleset, expected 0"
check_eq "debugfs entries after flush ruleset" 0 "$(ft_entries)"
log_test "flush ruleset leaves no entries"

exit_tests
