#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim fault injection on the offload commands (debugfs flow_table/
# CMD_delay_ms, CMD_fail, CMD_fail_times, CMD_fail_percent, CMD_injected
# for CMD replace, destroy, stats).  The router has
# nf_flowtable_{tcp,udp}_timeout=5.
#  - bad values are refused (ERANGE, EINVAL) and change nothing;
#  - replace_fail=ENOSPC, 3 times: three REPLACEs fail, the knob clears
#    itself, the flow is offloaded on a retry; last_error says why;
#  - replace_fail=EOPNOTSUPP: the flow stays [OFFLOAD] over REPLACE
#    retries, until the knob is cleared;
#  - replace_delay_ms=3000: the flow is offloaded 3 s after it started,
#    not sooner (a lower bound: a slow machine only adds to it);
#  - stats_fail=EIO: STATS reports nothing, so nf_flowtable lets a busy
#    flow time out and tears it down (and offloads it again);
#    stats_fail_percent=50: some STATS fail, some do not;
#  - destroy_fail=EIO: the chip keeps the entries of a deleted flow
#    (occupancy stays) until the flowtable goes away, then nothing is
#    left;
#  - stats_hold: a flow deleted while its STATS is held is destroyed
#    once the STATS is released, and no STATS comes for its cookie after
#    the DESTROY (stats_unknown);
#  - evict: the chip drops one entry, then all, behind the driver's back
#    (the flow paused, so that nothing installs them again meanwhile);
#    when the flow sends again its packets go to software, nf_flowtable
#    offloads it again, the driver counts the entries it lost; bad
#    input is refused.
#
#   client [C p0] -- [R p0 | R p1] router -- [S p0] server

source "$(dirname "$0")"/lib.sh

require_cmd ip nft ethtool devlink python3 conntrack awk
ft_begin

TIMEOUT=5
DFS=

# knob NAME VALUE: set a flow_table knob of the router.
knob()
{
	ft_dfs_set "$1" "$2"
	check_err $? "flow_table/$1=$2: $ERRMSG"
}

test_bad_input()
{
	local c k v before
	local -A bad=(
		[delay_ms]="ERANGE:10001 ERANGE:4294967295 EINVAL:x EINVAL:-1 EINVAL:1.5"
		[fail]="ERANGE:4096 EINVAL:EIO EINVAL:-5 EINVAL:5x"
		[fail_times]="EINVAL:-1 ERANGE:4294967296 EINVAL:y"
		[fail_percent]="ERANGE:0 ERANGE:101 EINVAL:50% EINVAL:0.5"
	)
	local -A dflt=([delay_ms]=0 [fail]=0 [fail_times]=0 [fail_percent]=100)

	RET=0
	for c in replace destroy stats; do
		for k in delay_ms fail fail_times fail_percent; do
			before=$(ft_dfs "${c}_$k")
			check_eq "${c}_$k default" "${dflt[$k]}" "$before"
			for v in ${bad[$k]}; do
				expect_errno "${v%%:*}" "$DFS/${c}_$k" "${v#*:}"
			done
			check_eq "${c}_$k after refused writes" "$before" \
				 "$(ft_dfs "${c}_$k")"
		done
		check_eq "${c}_injected" 0 "$(ft_dfs "${c}_injected")"
	done
	log_test "fault knobs: defaults, bad values refused, nothing changed"
}

test_replace_times()
{
	local i0

	RET=0
	i0=$(ft_dfs replace_injected)
	knob replace_fail 28
	knob replace_fail_times 3
	ft_flow_start rt udp "$FT_S4" 6001 interval=0.05
	ft_wait_ct udp 6001 HW_OFFLOAD
	check_err $? "flow not offloaded after 3 failed REPLACEs: '$CT_STATE'"
	check_eq "REPLACEs failed" 3 $(($(ft_dfs replace_injected) - i0))
	check_eq "replace_fail after 3 failures" 0 "$(ft_dfs replace_fail)"
	check_eq "replace_fail_times after 3 failures" 0 \
		 "$(ft_dfs replace_fail_times)"
	[[ "$(ft_dfs last_error)" == *"Injected fault"* ]]
	check_err $? "last_error: '$(ft_dfs last_error)'"
	ft_flow_finish rt udp
	log_test "replace_fail=ENOSPC, 3 times: offloaded on the 4th REPLACE"
}

# _refused I0 DPORT: 3 more REPLACEs of the flow to DPORT failed since I0;
# it must be [OFFLOAD] at every sample (else BAD_STATES grows).
BAD_STATES=
_refused()
{
	local v

	ft_ct udp "$2"
	[ "$CT_STATE" == OFFLOAD ] || BAD_STATES+="$CT_STATE "
	v=$(ft_dfs replace_injected) && [ "$v" -ge $(($1 + 3)) ]
}

test_replace_always()
{
	local i0

	RET=0
	ft_ct_flush
	i0=$(ft_dfs replace_injected)
	knob replace_fail 95
	ft_flow_start ra udp "$FT_S4" 6002 interval=0.05
	ft_wait_ct udp 6002 OFFLOAD
	check_err $? "flow not in the software fast path: '$CT_STATE'"
	BAD_STATES=
	wait_until "$FT_DEADLINE" _refused "$i0" 6002
	check_err $? "REPLACE not retried 3 times ($i0 -> $(ft_dfs replace_injected))"
	check_eq "flow state while REPLACE fails" "" "$BAD_STATES"
	check_eq "occupancy" 0 "$(ft_occ)"
	knob replace_fail 0
	ft_wait_ct udp 6002 HW_OFFLOAD
	check_err $? "flow not offloaded once the fault was cleared: '$CT_STATE'"
	ft_flow_finish ra udp
	log_test "replace_fail=EOPNOTSUPP: [OFFLOAD] until the fault is cleared"
}

test_replace_delay()
{
	local t0 dt

	RET=0
	ft_ct_flush
	knob replace_delay_ms 3000
	t0=$(date +%s%N)
	ft_flow_start rd udp "$FT_S4" 6003 interval=0.05
	ft_wait_ct udp 6003 HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	dt=$((($(date +%s%N) - t0) / 1000000))
	[ "$dt" -ge 3000 ]
	check_err $? "offloaded $dt ms after the flow started"
	knob replace_delay_ms 0
	ft_flow_finish rd udp
	log_test "replace_delay_ms=3000: offloaded after $dt ms"
}


test_stats_fail()
{
	local d0 s0 s1 i0 i1 lk0 lk1

	RET=0
	ft_ct_flush
	ft_flow_start sf udp "$FT_S4" 6004 interval=0.05
	ft_wait_ct udp 6004 HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	d0=$(ft_dfs destroy_calls)
	lk0=$(ft_dfs stats_locked)
	s0=$(ft_dfs stats_injected)
	knob stats_fail 5
	# no STATS, no lastused: the flow times out while it runs
	wait_until "$FT_DEADLINE" _ft_dfs_ge destroy_calls $((d0 + 2))
	check_err $? "the flow was not torn down while STATS failed"
	ft_flow_running sf
	check_err $? "the flow ended before it was torn down"
	s1=$(ft_dfs stats_injected)
	lk1=$(ft_dfs stats_locked)
	[ "$s1" -gt "$s0" ]
	check_err $? "stats_injected did not grow"
	# a fault to inject takes the STATS under the device lock
	[ $((lk1 - lk0)) -ge $((s1 - s0)) ]
	check_err $? "stats_locked $lk0 -> $lk1 for $((s1 - s0)) faults"
	knob stats_fail 0
	ft_flow_finish sf udp
	log_test "stats_fail=EIO: a busy flow times out and is torn down"

	RET=0
	ft_ct_flush
	s0=$(ft_dfs stats_calls)
	i0=$(ft_dfs stats_injected)
	knob stats_fail_percent 50
	knob stats_fail 5
	ft_flow_start sp udp "$FT_S4" 6005 interval=0.05
	wait_until "$FT_DEADLINE" _ft_dfs_ge stats_calls $((s0 + 20))
	check_err $? "fewer than 20 STATS ($s0 -> $(ft_dfs stats_calls))"
	knob stats_fail 0
	knob stats_fail_percent 100
	ft_flow_finish sp udp
	s1=$(ft_dfs stats_calls)
	i1=$(ft_dfs stats_injected)
	log_info "$((s1 - s0)) STATS, $((i1 - i0)) failed"
	[ $((i1 - i0)) -gt 0 ] && [ $((i1 - i0)) -lt $((s1 - s0)) ]
	check_err $? "$((i1 - i0)) of $((s1 - s0)) STATS failed"
	log_test "stats_fail_percent=50: some STATS fail, others do not"
}


test_destroy_fail()
{
	local i0

	RET=0
	ft_ct_flush
	ft_flow_start df udp "$FT_S4" 6006 interval=0.05
	ft_wait_ct udp 6006 HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	# set while the flow runs: once it stops, it may age out before
	# conntrack -D; either way its DESTROYs fail
	i0=$(ft_dfs destroy_injected)
	knob destroy_fail 5
	ft_flow_finish df udp
	ip netns exec "$FT_NSR" conntrack -D -p udp --dport 6006 > /dev/null 2>&1
	wait_until "$FT_DEADLINE" _ft_dfs_ge destroy_injected $((i0 + 2))
	check_err $? "DESTROY not called twice ($i0 -> $(ft_dfs destroy_injected))"
	check_eq "occupancy after failed DESTROYs" 2 "$(ft_occ)"
	check_eq "entries after failed DESTROYs" 2 "$(ft_entries)"
	knob destroy_fail 0
	# the flowtable's unbind removes what DESTROY left
	ip netns exec "$FT_NSR" nft flush ruleset
	ft_wait_occ 0
	check_err $? "occupancy $(ft_occ) after the flowtable went away"
	check_eq "entries after the flowtable went away" 0 "$(ft_entries)"
	ft_nft_load
	check_err $? "ruleset: $ERRMSG"
	log_test "destroy_fail=EIO: entries stay until the flowtable goes away"
}

# _reinstalled L0: the driver found both entries lost since L0 and the
# flow has its two entries again.
_reinstalled()
{
	local l

	l=$(ft_dfs lost) && [ "$l" -ge $(($1 + 2)) ] && [ "$(ft_entries)" -eq 2 ]
}

test_evict()
{
	local l0 idx v sp=46001

	RET=0
	# no REPLACE may come while the occupancy is checked: the flow is
	# stopped first, and must not age out meanwhile
	ip netns exec "$FT_NSR" sysctl -qw \
		net.netfilter.nf_flowtable_udp_timeout=$((FT_DEADLINE * 4))
	ft_ct_flush
	ft_flow_start ev udp "$FT_S4" 6007 sport=$sp interval=0.05 echo
	ft_wait_ct udp 6007 HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	ft_wait_occ 2
	check_err $? "occupancy $(ft_occ), expected 2"
	ft_flow_finish ev udp
	for v in x al "all " -1 1x; do
		expect_errno EINVAL "$DFS/evict" "$v"
	done
	expect_errno ERANGE "$DFS/evict" 16384
	check_eq "occupancy after refused evictions" 2 "$(ft_occ)"
	l0=$(ft_dfs lost)
	idx=$(sed -n '1s/ .*//p' "$DFS/entries")
	sysfs_write "$DFS/evict" "0x$idx"
	check_err $? "evict 0x$idx: $ERRMSG"
	check_eq "occupancy after evicting one entry" 1 "$(ft_occ)"
	expect_errno ENOENT "$DFS/evict" "0x$idx"
	sysfs_write "$DFS/evict" all
	check_err $? "evict all: $ERRMSG"
	check_eq "occupancy after evicting all" 0 "$(ft_occ)"
	ft_ct udp 6007
	check_eq "flow state after the chip dropped its entries" HW_OFFLOAD "$CT_STATE"
	# the same flow again: its packets miss, software forwards them and
	# makes nf_flowtable REPLACE the flow again
	ft_flow_start ev2 udp "$FT_S4" 6007 sport=$sp interval=0.05 echo
	wait_until "$FT_DEADLINE" _reinstalled "$l0"
	check_err $? "entries not back: lost $l0 -> $(ft_dfs lost), $(ft_entries) entries"
	ft_ct udp 6007
	check_eq "flow state after eviction" HW_OFFLOAD "$CT_STATE"
	ft_flow_finish ev2 udp
	ft_ct_flush
	ip netns exec "$FT_NSR" sysctl -qw \
		net.netfilter.nf_flowtable_udp_timeout=$TIMEOUT
	log_test "evict: entries dropped by the chip come back, the driver counts them lost"
}

test_stats_after_destroy()
{
	local u0 d0

	RET=0
	ft_ct_flush
	ft_flow_start sh udp "$FT_S4" 6008 interval=0.05
	ft_wait_ct udp 6008 HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	knob stats_hold 1
	wait_until "$FT_DEADLINE" _ft_dfs_ge stats_held 1
	check_err $? "no STATS was held"
	u0=$(ft_dfs stats_unknown)
	d0=$(ft_dfs destroy_calls)
	# nf_flowtable keeps one command pending per flow: the DESTROY of
	# the deleted flow waits for its STATS
	ip netns exec "$FT_NSR" conntrack -D -p udp --dport 6008 > /dev/null 2>&1
	knob stats_hold 0
	wait_until "$FT_DEADLINE" _ft_dfs_ge destroy_calls $((d0 + 2))
	check_err $? "the flow was not destroyed ($d0 -> $(ft_dfs destroy_calls))"
	check_eq "STATS for unknown cookies" "$u0" "$(ft_dfs stats_unknown)"
	check_eq "STATS still held" 0 "$(ft_dfs stats_held)"
	ft_flow_finish sh udp
	log_test "stats_hold: a held STATS comes before its flow's DESTROY, none after"
}

ft_setup tcp_timeout=$TIMEOUT udp_timeout=$TIMEOUT
ft_nft_load || bail_out "ruleset: $ERRMSG"
DFS=$NPUSIM_DFS/npusim$FT_R/flow_table

test_bad_input
test_replace_times
test_replace_always
test_replace_delay
test_stats_fail
test_destroy_fail
test_evict
test_stats_after_destroy

exit_tests
