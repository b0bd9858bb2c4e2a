#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim nf_flowtable hardware offload: STATS and aging.  The router has
# nf_flowtable_{tcp,udp}_timeout=5 and nf_conntrack_acct=1.
#  - conntrack packet/byte counters of an offloaded (echoed) UDP flow equal
#    what was sent, in both directions, within one STATS interval of lag;
#    the NPU counts L3 bytes (IP total length), as conntrack does, also
#    for runt frames (nf_flowtable's software path counts their Ethernet
#    padding: allowed for the packets that missed the NPU); every STATS
#    is answered without the device lock (stats_locked stays put);
#  - a busy flow and a low-rate flow (one datagram every 2 s) stay
#    [HW_OFFLOAD] past the 5 s timeout (until a reference flow, offloaded
#    after them and stopped, has aged out): STATS keeps them alive;
#  - once idle, both age out: DESTROY, occupancy 0, no entry left;
#  - an idle offloaded flow is quiet: its STATS are answered without
#    reading its entry (stats_quiet grows); traffic on it afterwards is
#    counted in full, and entries the chip drops while it is quiet are
#    found lost by STATS alone;
#  - the quiet table (flow_table/quiet_size) grows with the flows: 40
#    one-way UDP flows (80 directions) need 256 entries; once they are
#    flushed, it shrinks back to 64;
#  - the quiet table is in the order of the STATS: of 2 idle flows, no
#    quiet STATS misses its CPU's cursor (quiet_misses, fewer than one in
#    eight allowed); 4 groups of 6 flows, each sent once the one before
#    is quiet, are found through the flow, and their table is rebuilt
#    (quiet_rebuilds) in order; batches of flows that come and go fill a
#    table up, and it is rebuilt.
#
#   client [C p0] -- [R p0 | R p1] router -- [S p0] server

source "$(dirname "$0")"/lib.sh

require_cmd ip nft ethtool devlink python3 conntrack awk
ft_begin

TIMEOUT=5
ft_setup tcp_timeout=$TIMEOUT udp_timeout=$TIMEOUT
ft_nft_load || bail_out "ruleset: $ERRMSG"

# in_range V LO HI
in_range()
{
	[ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

_ct_counts_done()
{
	ft_ct udp "$1"
	[ "${CT_OPKTS:-0}" -ge "$2" ] && [ "${CT_RPKTS:-0}" -ge "$2" ]
}

# bytes_ok BYTES PKTS NPU: BYTES is PKTS x l3, plus pad for some of the
# PKTS - NPU packets that did not come through the NPU (l3, pad: the
# caller's).
bytes_ok()
{
	local extra=$(($1 - $2 * l3))

	[ "$3" != "?" ] || return 1
	[ "$extra" -ne 0 ] || return 0
	[ "$extra" -gt 0 ] && [ "$pad" -gt 0 ] || return 1
	[ $((extra % pad)) -eq 0 ] && [ $((extra / pad)) -le $(($2 - $3)) ]
}

# test_counters SIZE PORT: an echoed UDP flow of SIZE-byte payloads.
# _ct_count_is N: the router's nf_conntrack_count is N (in CT_COUNT).
_ct_count_is()
{
	CT_COUNT=$(ip netns exec "$FT_NSR" sysctl -n net.netfilter.nf_conntrack_count)
	[ "$CT_COUNT" == "$1" ]
}

test_counters()
{
	local size=$1 port=$2 n l3 npu0 npu1 pad stats0 stats1 what lk0 lk1

	RET=0
	l3=$((size + 28))
	stats0=$(ft_dfs stats_calls)
	lk0=$(ft_dfs stats_locked)
	ft_snap "cnt${size}_a"
	ft_flow_start "cnt$size" udp "$FT_S4" "$port" size="$size" echo
	check_err $? "$ERRMSG"
	ft_wait_ct udp "$port" HW_OFFLOAD
	check_err $? "flow never reached [HW_OFFLOAD] (last state '$CT_STATE')"
	# most of the traffic through the NPU, in both directions
	wait_until "$FT_DEADLINE" _ft_npu_grew "0:0:$FT_NPU_PKTS" "1:0:$FT_NPU_PKTS"
	check_err $? "the flow's entries did not count $FT_NPU_PKTS packets each way"
	ft_flow_finish "cnt$size" udp
	n=${FLOW_SENT:-0}
	# every packet is counted once: classic path by conntrack, the rest
	# by STATS deltas; wait for the last STATS to show them.
	wait_until "$FT_DEADLINE" _ct_counts_done "$port" "$n"
	ft_ct udp "$port"
	ft_snap "cnt${size}_b"
	stats1=$(ft_dfs stats_calls)
	lk1=$(ft_dfs stats_locked)
	log_info "sent $n x $l3 B each way; ct original $CT_OPKTS pkts $CT_OBYTES B," \
		"reply $CT_RPKTS pkts $CT_RBYTES B; stats_calls $stats0 -> $stats1"
	npu0=$(ft_delta "cnt${size}_a" "cnt${size}_b" r0.rx_npu_fwd_packets)
	[ "$npu0" != "?" ] && [ "$npu0" -ge $((n / 2)) ]
	check_err $? "only $npu0 of $n datagrams forwarded by the NPU"
	in_range "$CT_OPKTS" $((n - 3)) $((n + 3))
	check_err $? "ct original packets $CT_OPKTS, expected $n (+-3)"
	in_range "$CT_RPKTS" $((n - 3)) $((n + 3))
	check_err $? "ct reply packets $CT_RPKTS, expected $n (+-3)"
	npu1=$(ft_delta "cnt${size}_a" "cnt${size}_b" r1.rx_npu_fwd_packets)
	# The NPU and conntrack count IP bytes; nf_flowtable's software
	# path counts what its ingress hook sees, Ethernet padding included.
	# The packets of the flow that missed the NPU may have taken it.
	pad=$((l3 + 14 < 60 ? 60 - 14 - l3 : 0))
	bytes_ok "$CT_OBYTES" "$CT_OPKTS" "$npu0" || check_err 1 \
		"ct original bytes $CT_OBYTES for $CT_OPKTS x $l3 B (+$pad per packet not from the NPU, $npu0 from it)"
	bytes_ok "$CT_RBYTES" "$CT_RPKTS" "$npu1" || check_err 1 \
		"ct reply bytes $CT_RBYTES for $CT_RPKTS x $l3 B (+$pad per packet not from the NPU, $npu1 from it)"
	[ -n "$stats1" ] && [ "$stats1" -gt "${stats0:-0}" ]
	check_err $? "stats_calls did not grow ($stats0 -> $stats1)"
	# no fault, no entry dropped: none of them needed the device lock
	check_eq "STATS answered under the device lock" "$lk0" "$lk1"
	what="$size-byte payloads"
	# padded to the 60-byte minimum frame on the wire: the padding is
	# not IP bytes, and neither path counts it
	[ $((l3 + 14)) -ge 60 ] || what="runt frames ($l3 IP bytes in 60)"
	log_test "conntrack counters of an offloaded flow match the traffic: $what"
}

# _ref_aged D0: the reference flow was torn down (its 2 DESTROYs done);
# meanwhile, every sample of the busy and the slow flow is [HW_OFFLOAD]
# (else BAD_BUSY / BAD_SLOW grow).
BAD_BUSY='' BAD_SLOW='' SAMPLES=0
_ref_aged()
{
	local d

	SAMPLES=$((SAMPLES + 1))
	ft_ct udp 5502
	[ "$CT_STATE" == HW_OFFLOAD ] || BAD_BUSY+="$SAMPLES:$CT_STATE "
	ft_ct udp 5503
	[ "$CT_STATE" == HW_OFFLOAD ] || BAD_SLOW+="$SAMPLES:$CT_STATE "
	d=$(ft_dfs destroy_calls) && [ "$d" -ge $(($1 + 2)) ] &&
		_ft_ct_not_offloaded udp 5504
}

# keepalive: a busy flow (20/s) and a slow one (1 every 2 s) must outlive
# the flowtable timeout.  The proof that the timeout passed is a kernel
# event, not a sleep: a reference flow, offloaded after both and stopped,
# ages out.  Without STATS refreshing them, both would have been torn
# down before it (they were offloaded earlier and the NPU's hits are all
# that keeps them alive).
test_keepalive()
{
	local d0 d1 p0 p1

	RET=0
	ft_flow_start busy udp "$FT_S4" 5502 interval=0.05
	check_err $? "$ERRMSG"
	ft_flow_start slow udp "$FT_S4" 5503 interval=2 exact
	check_err $? "$ERRMSG"
	ft_wait_ct udp 5502 HW_OFFLOAD
	check_err $? "busy flow not offloaded: '$CT_STATE'"
	# the slow flow is offloaded on its 2nd datagram
	ft_wait_ct udp 5503 HW_OFFLOAD
	check_err $? "slow flow not offloaded: '$CT_STATE'"
	ft_flow_start ref udp "$FT_S4" 5504 interval=0.05
	check_err $? "$ERRMSG"
	ft_wait_ct udp 5504 HW_OFFLOAD
	check_err $? "reference flow not offloaded: '$CT_STATE'"
	d0=$(ft_dfs destroy_calls)
	ft_ct udp 5502
	p0=$CT_OPKTS
	BAD_BUSY='' BAD_SLOW='' SAMPLES=0
	ft_flow_finish ref udp
	wait_until "$FT_DEADLINE" _ref_aged "$d0"
	check_err $? "the idle reference flow did not age out: ct '$CT_STATE', destroy_calls $d0 -> $(ft_dfs destroy_calls)"
	d1=$(ft_dfs destroy_calls)
	ft_ct udp 5502
	p1=$CT_OPKTS
	check_eq "busy flow left [HW_OFFLOAD] at samples (of $SAMPLES)" "" "$BAD_BUSY"
	ft_ct udp 5502
	check_eq "busy flow once the reference flow aged out" HW_OFFLOAD "$CT_STATE"
	[ -n "$p0" ] && [ -n "$p1" ] && [ "$p1" -gt "$p0" ]
	check_err $? "busy flow's ct packets did not grow ('$p0' -> '$p1')"
	log_info "reference flow aged out after $SAMPLES samples; busy flow ct packets $p0 -> $p1"
	log_test "busy flow stays [HW_OFFLOAD] past the flowtable timeout"

	RET=0
	check_eq "slow flow (1 pkt / 2 s, timeout $TIMEOUT s) left [HW_OFFLOAD] at samples" \
		"" "$BAD_SLOW"
	ft_ct udp 5503
	check_eq "slow flow once the reference flow aged out" HW_OFFLOAD "$CT_STATE"
	check_eq "destroy_calls (the reference flow's only)" $((d0 + 2)) "$d1"
	check_eq "occupancy" 4 "$(ft_occ)"
	log_test "low-rate flow stays [HW_OFFLOAD] past the flowtable timeout"

	RET=0
	ft_flow_finish busy udp
	ft_flow_finish slow udp
	log_test "busy and low-rate flows: all datagrams arrived"

	# both are idle now
	RET=0
	ft_wait_occ 0
	check_err $? "occupancy $(ft_occ) ${FT_DEADLINE}s after the traffic stopped"
	check_eq "debugfs entries" 0 "$(ft_entries)"
	d1=$(ft_dfs destroy_calls)
	[ -n "$d1" ] && [ "$d1" -gt "$d0" ]
	check_err $? "destroy_calls did not grow ($d0 -> $d1)"
	wait_until "$WAIT_TIMEOUT" _ft_ct_not_offloaded udp 5502
	check_err $? "busy flow's ct still '$CT_STATE'"
	wait_until "$WAIT_TIMEOUT" _ft_ct_not_offloaded udp 5503
	check_err $? "slow flow's ct still '$CT_STATE'"
	log_info "destroy_calls $d0 -> $d1"
	# nf_flowtable freed its flows: once conntrack forgets the
	# connections, nothing holds them (a flow object never freed, as
	# when NF_FLOW_HW_DEAD was forgotten, keeps its conntrack entry
	# counted)
	ip netns exec "$FT_NSR" conntrack -F > /dev/null 2>&1
	wait_until "$WAIT_TIMEOUT" _ct_count_is 0
	check_err $? "nf_conntrack_count $CT_COUNT after conntrack -F"
	log_test "idle flows age out: DESTROY, occupancy 0, nothing held"
}

# _port_npu_grew N: the router's ports forwarded N more packets through
# the NPU each way than at snapshot "quiet0".  Not the entries dump: it
# reads the flow's entries, so the flow's next STATS would too.
_port_npu_grew()
{
	ft_snap quiet1 || return 1
	[ "$(ft_delta quiet0 quiet1 r0.rx_npu_fwd_packets)" -ge "$1" ] &&
		[ "$(ft_delta quiet0 quiet1 r1.rx_npu_fwd_packets)" -ge "$1" ]
}

# _quiet_burst NAME N: send an echoed burst on the quiet test's flow
# until the NPU forwarded N more packets each way, then stop it; adds
# what was sent to QUIET_SENT.
QUIET_SENT=0
_quiet_burst()
{
	ft_snap quiet0 || { ERRMSG="cannot read router counters"; return 1; }
	ft_flow_start "$1" udp "$FT_S4" 5506 sport=46006 interval=0.05 echo ||
		return 1
	ft_wait_ct udp 5506 HW_OFFLOAD &&
		wait_until "$FT_DEADLINE" _port_npu_grew "$2"
	ERRMSG="flow state '$CT_STATE', the NPU did not forward $2 packets each way"
	ft_flow_finish "$1" udp
	QUIET_SENT=$((QUIET_SENT + ${FLOW_SENT:-0}))
	_port_npu_grew "$2"
}

# _quiet_counts_ok WHAT: conntrack counted what the quiet test's flow
# sent, each way (within 3 packets of lag).
_quiet_counts_ok()
{
	wait_until "$FT_DEADLINE" _ct_counts_done 5506 "$QUIET_SENT"
	ft_ct udp 5506
	in_range "$CT_OPKTS" "$QUIET_SENT" $((QUIET_SENT + 3)) &&
		in_range "$CT_RPKTS" "$QUIET_SENT" $((QUIET_SENT + 3))
	check_err $? "ct packets $CT_OPKTS/$CT_RPKTS$1, sent $QUIET_SENT each way"
}

# quiet: the STATS of an idle offloaded flow come from the quiet table
# and the chip's change map; they must still see every change.
test_quiet()
{
	local q0 l0 lk0

	RET=0
	# STATS from 6 s of idleness on (a tenth of the timeout) until it
	# ages out, a minute after its last packet
	ip netns exec "$FT_NSR" sysctl -qw \
		net.netfilter.nf_flowtable_udp_timeout=60
	QUIET_SENT=0
	_quiet_burst quiet1 20
	check_err $? "first burst: $ERRMSG"
	q0=$(ft_dfs stats_quiet)
	wait_until "$FT_DEADLINE" _ft_dfs_ge stats_quiet $((q0 + 4))
	check_err $? "idle flow: stats_quiet $q0 -> $(ft_dfs stats_quiet)"
	_quiet_counts_ok
	log_test "quiet: an idle flow's STATS do not read its entry"

	RET=0
	# its entries change (hits): the next STATS read them
	_quiet_burst quiet2 20
	check_err $? "second burst: $ERRMSG"
	_quiet_counts_ok " after a quiet spell"
	log_test "quiet: traffic after a quiet spell is counted in full"

	RET=0
	# quiet again, then the chip drops both entries on its own
	q0=$(ft_dfs stats_quiet)
	wait_until "$FT_DEADLINE" _ft_dfs_ge stats_quiet $((q0 + 4))
	check_err $? "idle again: stats_quiet $q0 -> $(ft_dfs stats_quiet)"
	l0=$(ft_dfs lost)
	lk0=$(ft_dfs stats_locked)
	sysfs_write "$NPUSIM_DFS/npusim$FT_R/flow_table/evict" all
	check_err $? "evict all: $ERRMSG"
	wait_until "$FT_DEADLINE" _ft_dfs_ge lost $((l0 + 2))
	check_err $? "evicted quiet flow not found lost: lost $l0 -> $(ft_dfs lost)"
	[ "$(ft_dfs stats_locked)" -ge $((lk0 + 2)) ]
	check_err $? "the loss was not found by STATS: stats_locked $lk0 -> $(ft_dfs stats_locked)"
	ft_ct_flush
	ip netns exec "$FT_NSR" sysctl -qw \
		net.netfilter.nf_flowtable_udp_timeout=$TIMEOUT
	log_test "quiet: entries the chip drops are found lost by STATS"
}

# _udp_flows PORT N: N one-way UDP flows from the client to the server's
# PORT, four datagrams from each of N sockets of one shell (no program
# per flow): the second offloads the flow.  The server's port
# unreachable may fail one send of a socket.
_udp_flows()
{
	ip netns exec "$FT_NSC" bash -c "
		for i in {1..$2}; do
			exec 3> /dev/udp/$FT_S4/$1 || exit 1
			for j in 1 2 3 4; do echo x >&3; done 2> /dev/null
			exec 3>&-
		done"
}

# quiet_size: the quiet table is sized for the flow directions the driver
# holds, a quarter to half full, 64 entries at the least.
test_quiet_size()
{
	RET=0
	ip netns exec "$FT_NSR" sysctl -qw \
		net.netfilter.nf_flowtable_udp_timeout=600
	_udp_flows 5620 40
	check_err $? "cannot send the flows"
	wait_until "$FT_DEADLINE" _ft_dfs_ge quiet_size 256
	check_err $? "40 flows: quiet_size $(ft_dfs quiet_size), expected 256 or more"
	log_test "quiet: the quiet table grows with the flows"

	RET=0
	ft_ct_flush
	wait_until "$FT_DEADLINE" _ft_dfs_eq quiet_size 64
	check_err $? "no flow left: quiet_size $(ft_dfs quiet_size), expected 64"
	ip netns exec "$FT_NSR" sysctl -qw \
		net.netfilter.nf_flowtable_udp_timeout=$TIMEOUT
	log_test "quiet: the quiet table shrinks once the flows are gone"
}

# _quiet_window N WHAT: wait for N more quiet STATS; QW_QUIET, QW_MISSES,
# QW_READ and QW_REBUILDS: the quiet STATS, the misses among them, the
# STATS that read the entry without the device lock and the quiet
# tables rebuilt meanwhile.
_quiet_window()
{
	local q0 m0 r0 b0

	q0=$(ft_dfs stats_quiet) m0=$(ft_dfs quiet_misses)
	r0=$(ft_dfs stats_rcu) b0=$(ft_dfs quiet_rebuilds)
	wait_until "$FT_DEADLINE" _ft_dfs_ge stats_quiet $((q0 + $1))
	check_err $? "$2: stats_quiet $q0 -> $(ft_dfs stats_quiet)"
	QW_MISSES=$(($(ft_dfs quiet_misses) - m0))
	QW_READ=$(($(ft_dfs stats_rcu) - r0))
	QW_REBUILDS=$(($(ft_dfs quiet_rebuilds) - b0))
	QW_QUIET=$(($(ft_dfs stats_quiet) - q0))
	echo "# $2: $QW_QUIET quiet STATS, $QW_MISSES misses," \
	     "$QW_READ read, $QW_REBUILDS rebuilds"
}

# _in_order WHAT [M]: the last window rebuilt no table, read fewer
# entries than one quiet STATS in eight, and missed fewer than one in M
# (8).
_in_order()
{
	[ "$QW_REBUILDS" -eq 0 ]
	check_err $? "$1: $QW_REBUILDS quiet tables rebuilt"
	[ $((8 * QW_READ)) -lt "$QW_QUIET" ]
	check_err $? "$1: $QW_READ entries read for $QW_QUIET quiet STATS"
	[ $((${2:-8} * QW_MISSES)) -lt "$QW_QUIET" ]
	check_err $? "$1: $QW_MISSES misses for $QW_QUIET quiet STATS"
}

# _used_or_rebuilt U R [S N]: the quiet table has U entries taken, or
# has been rebuilt more than R times, or is not of S entries (a resize)
# and has N entries taken.
_used_or_rebuilt()
{
	local used

	used=$(ft_dfs quiet_used)
	[ "$used" -ge "$1" ] || [ "$(ft_dfs quiet_rebuilds)" -gt "$2" ] ||
		{ [ -n "$3" ] && [ "$(ft_dfs quiet_size)" -ne "$3" ] &&
		  [ "$used" -ge "$4" ]; }
}

_udp_timeout()
{
	ip netns exec "$FT_NSR" sysctl -qw \
		net.netfilter.nf_flowtable_udp_timeout="$1"
}

# _quiet_flows PORT N: N one-way UDP flows to PORT, and wait until they
# are quiet: their entries taken in the quiet table, or in a table that
# their REPLACE resized, or the table rebuilt.
_quiet_flows()
{
	local u0 r0 s0

	u0=$(ft_dfs quiet_used) r0=$(ft_dfs quiet_rebuilds)
	s0=$(ft_dfs quiet_size)
	_udp_flows "$1" "$2" || return 1
	wait_until "$FT_DEADLINE" _used_or_rebuilt $((u0 + 2 * $2)) "$r0" \
		"$s0" $((2 * $2))
}

# _quiet_settled N WHAT: windows of N quiet STATS until one rebuilds no
# table and reads fewer entries than one in eight (four at most: a
# rebuild waits ten seconds for the one before); then the driver keeps
# its table, which misses at most one quiet STATS in four: one in three
# is the limit.
_quiet_settled()
{
	local try

	for try in 1 2 3 4; do
		_quiet_window "$1" "$2, window $try"
		[ "$QW_REBUILDS" -eq 0 ] &&
			[ $((8 * QW_READ)) -lt "$QW_QUIET" ] && break
	done
	_in_order "$2" 3
}

# quiet_order: the quiet table is in the order of the STATS, which the
# CPUs find at their cursors.  A table filled over several rounds is
# not: its entries are found through the flow, and it is rebuilt, in
# order.  Flows that come and go take entries that stay taken: a full
# table is rebuilt.
test_quiet_order()
{
	local r0 m0 u0 d0 b0 port

	RET=0
	# STATS from 9 s after a flow's last datagram, for 81 s
	_udp_timeout 90
	# a round of 2 flows is the table's 4 entries, all in a CPU's view
	_quiet_flows 5629 2
	check_err $? "2 flows: quiet_used $(ft_dfs quiet_used)"
	_quiet_window 32 "2 flows"
	_in_order "2 flows"
	log_test "quiet: a small table's rounds start at its first entry"

	RET=0
	ft_ct_flush
	# 4 groups of 6 flows, each sent once the one before is quiet: the
	# table is in the order of the groups, the STATS in nf_flowtable's
	r0=$(ft_dfs quiet_rebuilds) m0=$(ft_dfs quiet_misses)
	for port in {5631..5634}; do
		_quiet_flows "$port" 6
		check_err $? "flows to $port: quiet_used $(ft_dfs quiet_used)"
	done
	b0=$(ft_dfs quiet_rebuilds)
	wait_until "$FT_DEADLINE" _ft_dfs_ge quiet_rebuilds $((r0 + 1))
	check_err $? "out of order: quiet_rebuilds $r0 -> $(ft_dfs quiet_rebuilds), quiet_misses $m0 -> $(ft_dfs quiet_misses)"
	[ "$(ft_dfs quiet_misses)" -gt "$m0" ]
	check_err $? "out of order: no quiet STATS found through the flow"
	_quiet_settled 320 "24 flows"
	# rebuilt once all 24 were in: refilled in one round, in order (a
	# rebuild before the last groups may leave them out of order, but
	# by less than the driver rebuilds for)
	if [ "$(ft_dfs quiet_rebuilds)" -gt "$b0" ]; then
		echo "# 24 flows: rebuilt after the last group"
		_in_order "24 flows, rebuilt"
	else
		echo "# 24 flows: rebuilt before the last group only"
	fi
	log_test "quiet: a table out of the STATS' order is rebuilt in order"

	RET=0
	# batches of 20 flows (40 directions: no resize of a table of 128)
	# that come, become quiet and go, until one finds no entry free
	ft_ct_flush
	_udp_timeout 30
	r0=$(ft_dfs quiet_rebuilds)
	for port in {5640..5649}; do
		u0=$(ft_dfs quiet_used) d0=$(ft_dfs removals)
		_quiet_flows "$port" 20 || break
		ip netns exec "$FT_NSR" conntrack -D -p udp --dport "$port" \
			> /dev/null 2>&1
		wait_until "$FT_DEADLINE" _ft_dfs_ge removals $((d0 + 40)) ||
			break
		[ "$(ft_dfs quiet_rebuilds)" -eq "$r0" ] || break
	done
	[ "$(ft_dfs quiet_rebuilds)" -gt "$r0" ]
	check_err $? "flows came and went: quiet_rebuilds $r0 -> $(ft_dfs quiet_rebuilds), quiet_used $(ft_dfs quiet_used) of $(ft_dfs quiet_size)"
	# the batch that it was rebuilt for found it full
	[ $((u0 + 40)) -gt "$(ft_dfs quiet_size)" ]
	check_err $? "rebuilt with $u0 of $(ft_dfs quiet_size) entries taken"
	# in the new table, flows are quiet again
	_quiet_flows 5650 20
	check_err $? "rebuilt: quiet_used $(ft_dfs quiet_used)"
	_quiet_settled 320 "after the rebuild"
	ft_ct_flush
	_udp_timeout "$TIMEOUT"
	log_test "quiet: a table that flows came and went through is rebuilt"
}

test_counters 200 5501
test_counters 4 5505
test_keepalive
test_quiet
test_quiet_size
test_quiet_order

exit_tests
