#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim chip behaviours of real NPUs, each selected on its own through
# the debugfs model/ registers (the router's table has 4 entries, one
# bucket of 4 ways: two flows fill it):
#  - bind_hits=65535: REPLACE writes an unbound entry; the flow is
#    [HW_OFFLOAD] while the host forwards it, the dump shows
#    state=unbind and the hits, rx_punt_unbound counts the frames, the NPU
#    forwards none;
#  - bind_hits=40: exactly 40 frames are punted as unbound, then the
#    chip binds the entry (state=bind) and forwards the rest;
#  - a TCP FIN moves the bound entries to state=fin (seen with the
#    DESTROY held back by destroy_hold), then they go;
#  - full_policy=1 (accept): a 3rd flow's REPLACE succeeds but the chip
#    stores nothing: [HW_OFFLOAD], hw_info dropped and flow_table/lost
#    grow, the host forwards it;
#  - full_policy=2 (evict): the 3rd flow overwrites two entries of the
#    paused flows (hw_info overwritten), the driver counts them lost, the
#    NPU forwards the new flow;
#  - cache=1 and the skip_cache_flush fault: a flow deleted from
#    conntrack goes on being forwarded by the NPU from the lookup cache
#    (MediaTek's missing cache flush), none of 20 frames reaches the
#    host; with the flush, no frame uses a stale copy;
#  - stale_lastused: STATS stops moving lastused, so nf_flowtable times
#    out a flow the NPU forwards, while it runs;
#  - the packet engine has its own ingress stage: with the router's LAN
#    port's host RX ring stalled (rx_stall), the NPU forwards more of a
#    flow than the ring holds and loses none of it, while a burst of
#    frames for the router's host fills the ring and overflows into
#    rx_fifo_drops; nothing reaches the host until the ring resumes;
#  - fail_function (debug kernel: ALLOW_ERROR_INJECTION): injected errors
#    in npusim_ft_setup refuse the flowtable, in npusim_ft_replace keep
#    a flow in software until the injection stops, and no memory for a
#    flow (npusim_ft_flow_alloc) fails its REPLACEs with fail_nomem and
#    "Out of memory" until it is back.
#
#   client [C p0] -- [R p0 | R p1] router -- [S p0] server

source "$(dirname "$0")"/lib.sh

require_cmd ip nft ethtool devlink python3 conntrack awk
ft_begin

# Flows paused by a case must not time out while it runs.
TIMEOUT=$((FT_DEADLINE * 4))
DFS=

# knob NAME VALUE: set a flow_table knob of the router.
knob()
{
	ft_dfs_set "$1" "$2"
	check_err $? "flow_table/$1=$2: $ERRMSG"
}

# model PARAM VALUE: set a configuration register of the router's chip.
model()
{
	ft_model "$1" "$2"
	check_err $? "model/$1=$2: $ERRMSG"
}

# entry PORT KEY: print KEY= of the first entry of ingress port PORT.
entry()
{
	local l v

	while IFS= read -r l; do
		[[ "$l" == *" in=p$1 "* ]] || continue
		[[ "$l" == *" $2="* ]] || return 1
		v=${l#* "$2"=}
		echo "${v%% *}"
		return 0
	done <<< "$(< "$DFS/entries")"
	return 1
}

_entry_ge()
{
	local v

	v=$(entry "$1" "$2") && [ "$v" -ge "$3" ]
}


_hw_info_ge()
{
	local v

	v=$(ft_hw_info "$1") && [ "$v" -ge "$2" ]
}

_has_state()
{
	[[ "$(< "$DFS/entries")" == *"state=$1"* ]]
}

# reset: no flow, no entry; the registers may be written again.
reset()
{
	ft_ct_flush
	ft_wait_occ 0
	check_err $? "occupancy $(ft_occ) after the flows ended"
}

test_unbound()
{
	RET=0
	model bind_hits 65535
	ft_snap ub_a
	ft_flow_start ub udp "$FT_S4" 6101
	ft_wait_ct udp 6101 HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	wait_until "$FT_DEADLINE" _entry_ge 0 hits 20
	check_err $? "the entry did not count 20 unbound hits: $(entry 0 hits)"
	check_eq "entry state" unbind "$(entry 0 state)"
	ft_npu_count 0
	check_eq "packets the NPU forwarded" 0 "$NPU_COUNT"
	ft_ct udp 6101
	check_eq "conntrack state while unbound" HW_OFFLOAD "$CT_STATE"
	ft_flow_finish ub udp
	ft_snap ub_b
	[ "$(ft_delta ub_a ub_b r0.rx_punt_unbound)" -ge 20 ]
	check_err $? "rx_punt_unbound grew by $(ft_delta ub_a ub_b r0.rx_punt_unbound)"
	check_eq "NPU-forwarded frames" 0 "$(ft_delta ub_a ub_b r0.rx_npu_fwd_packets)"
	reset
	log_test "bind_hits=65535: [HW_OFFLOAD], state=unbind, the host forwards"
}

test_bind()
{
	RET=0
	model bind_hits 40
	ft_snap bd_a
	ft_flow_start bd udp "$FT_S4" 6102
	ft_wait_ct udp 6102 HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	wait_until "$FT_DEADLINE" _ft_npu_grew "0:0:20"
	check_err $? "the NPU forwarded only $NPU_COUNT packets"
	check_eq "entry state" bind "$(entry 0 state)"
	ft_flow_finish bd udp
	ft_snap bd_b
	check_eq "frames punted while unbound" 40 \
		 "$(ft_delta bd_a bd_b r0.rx_punt_unbound)"
	ft_model bind_hits 0
	check_fail $? "bind_hits written with entries in the table"
	check_eq "bind_hits after a refused write" 40 "$(ft_model bind_hits)"
	reset
	model bind_hits 0
	log_test "bind_hits=40: 40 frames to the host, then the NPU forwards"
}

test_fin()
{
	RET=0
	ft_flow_start fin tcp "$FT_S4" 6103
	ft_wait_ct tcp 6103 HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	wait_until "$FT_DEADLINE" _ft_npu_grew "0:0:20"
	check_err $? "the NPU forwarded only $NPU_COUNT packets"
	check_eq "entry state" bind "$(entry 0 state)"
	knob destroy_hold 1
	ft_flow_finish fin tcp
	wait_until "$FT_DEADLINE" _has_state fin
	check_err $? "no entry in state fin after the FIN: $(< "$DFS/entries")"
	knob destroy_hold 0
	ft_wait_entries 0
	check_err $? "$(ft_entries) entries left after the FIN"
	reset
	log_test "TCP FIN: the entries go to state=fin, then away"
}

# fill_table NAME DPORT: flows NAME1 to DPORT and NAME2 to DPORT + 1 fill
# the table (4 entries); they run until stopped.
fill_table()
{
	local i

	for i in 1 2; do
		ft_flow_start "$1$i" udp "$FT_S4" $(($2 + i - 1)) interval=0.05
		check_err $? "$ERRMSG"
	done
	for i in 1 2; do
		ft_wait_ct udp $(($2 + i - 1)) HW_OFFLOAD
		check_err $? "flow $i not offloaded: '$CT_STATE'"
	done
	ft_wait_occ 4
	check_err $? "occupancy $(ft_occ) with two flows"
}

test_full_accept()
{
	local l0 d0

	RET=0
	model full_policy 1
	fill_table a 6104
	l0=$(ft_dfs lost)
	d0=$(ft_hw_info dropped)
	ft_flow_start a3 udp "$FT_S4" 6106
	ft_wait_ct udp 6106 HW_OFFLOAD
	check_err $? "flow 3 not [HW_OFFLOAD]: '$CT_STATE'"
	[ $(($(ft_hw_info dropped) - d0)) -ge 2 ]
	check_err $? "hw_info dropped grew by $(($(ft_hw_info dropped) - d0))"
	[ $(($(ft_dfs lost) - l0)) -ge 2 ]
	check_err $? "flow_table/lost grew by $(($(ft_dfs lost) - l0))"
	check_eq "occupancy" 4 "$(ft_occ)"
	# flows 1 and 2 are in the NPU: what reaches the host is flow 3
	ft_snap fa_a
	ft_wait_grew fa_a fa_b lan_l4:20
	check_err $? "flow 3 did not reach the host: $(ft_grew_info fa_a fa_b lan_l4)"
	ft_ct udp 6106
	check_eq "flow 3 state while the host forwards it" HW_OFFLOAD "$CT_STATE"
	ft_flow_finish a3 udp
	ft_flow_finish a1 udp
	ft_flow_finish a2 udp
	reset
	model full_policy 0
	log_test "full_policy=1: a full bucket takes the write, stores nothing"
}

test_full_evict()
{
	local l0 o0

	RET=0
	model full_policy 2
	fill_table e 6107
	# paused: nothing of theirs comes back to take the ways again
	ft_flow_finish e1 udp
	ft_flow_finish e2 udp
	l0=$(ft_dfs lost)
	o0=$(ft_hw_info overwritten)
	ft_snap fe_a
	ft_flow_start e3 udp "$FT_S4" 6109
	ft_wait_ct udp 6109 HW_OFFLOAD
	check_err $? "flow 3 not offloaded: '$CT_STATE'"
	check_eq "entries overwritten" 2 $(($(ft_hw_info overwritten) - o0))
	check_eq "entries the driver found lost" 2 $(($(ft_dfs lost) - l0))
	check_eq "occupancy" 4 "$(ft_occ)"
	ft_wait_grew fe_a fe_b r0.rx_npu_fwd_packets:20
	check_err $? "the NPU did not forward flow 3: $(ft_grew_info fe_a fe_b r0.rx_npu_fwd_packets)"
	ft_flow_finish e3 udp
	reset
	model full_policy 0
	log_test "full_policy=2: a full bucket's least recently hit ways are overwritten"
}

test_cache()
{
	local d0 s0 f0 i0

	RET=0
	model cache 1
	ft_flow_start c1 udp "$FT_S4" 6110
	ft_wait_ct udp 6110 HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	wait_until "$FT_DEADLINE" _ft_npu_grew "0:0:20"
	check_err $? "the NPU forwarded only $NPU_COUNT packets"
	wait_until "$FT_DEADLINE" _hw_info_ge cache_hits 1
	check_err $? "no lookup went through the cache"
	f0=$(ft_dfs cache_flushes)
	s0=$(ft_hw_info cache_stale)
	d0=$(ft_dfs destroy_calls)
	i0=$(ft_dfs installs)
	ip netns exec "$FT_NSR" conntrack -D -p udp --dport 6110 > /dev/null 2>&1
	wait_until "$FT_DEADLINE" _ft_dfs_ge destroy_calls $((d0 + 2))
	check_err $? "the flow was not destroyed ($d0 -> $(ft_dfs destroy_calls))"
	[ "$(ft_dfs cache_flushes)" -gt "$f0" ]
	check_err $? "the driver did not flush the cache"
	# the next frames reach the host, which offloads the flow again;
	# none of them used a stale copy
	wait_until "$FT_DEADLINE" _ft_dfs_ge installs $((i0 + 2))
	check_err $? "the flow was not offloaded again ($i0 -> $(ft_dfs installs) installs)"
	check_eq "lookups from stale cache lines" "$s0" "$(ft_hw_info cache_stale)"
	ft_flow_finish c1 udp
	reset
	log_test "cache=1: the driver flushes it, a removed flow leaves the NPU"

	RET=0
	ft_flow_start c2 udp "$FT_S4" 6111
	ft_wait_ct udp 6111 HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	wait_until "$FT_DEADLINE" _ft_npu_grew "0:0:20"
	check_err $? "the NPU forwarded only $NPU_COUNT packets"
	knob skip_cache_flush 1
	s0=$(ft_hw_info cache_stale)
	f0=$(ft_dfs cache_flushes_skipped)
	ip netns exec "$FT_NSR" conntrack -D -p udp --dport 6111 > /dev/null 2>&1
	ft_wait_occ 0
	check_err $? "occupancy $(ft_occ) after the flow was deleted"
	[ "$(ft_dfs cache_flushes_skipped)" -gt "$f0" ]
	check_err $? "no cache flush was skipped"
	ft_snap cs_a
	wait_until "$FT_DEADLINE" _hw_info_ge cache_stale $((s0 + 20))
	check_err $? "fewer than 20 lookups from the stale line: $(ft_hw_info cache_stale)"
	ft_snap cs_b
	check_eq "frames of the deleted flow that reached the host" 0 \
		 "$(ft_delta cs_a cs_b lan_l4)"
	[ "$(ft_delta cs_a cs_b r0.rx_npu_fwd_packets)" -ge 20 ]
	check_err $? "NPU-forwarded: $(ft_delta cs_a cs_b r0.rx_npu_fwd_packets)"
	ft_flow_finish c2 udp
	knob skip_cache_flush 0
	# only a cache flush (here: turning the cache off) ends it
	model cache 0
	reset
	log_test "skip_cache_flush: a deleted flow goes on in the NPU (MediaTek cache bug)"
}


test_stale_lastused()
{
	local d0

	RET=0
	ip netns exec "$FT_NSR" sysctl -qw net.netfilter.nf_flowtable_udp_timeout=5
	ft_flow_start sl udp "$FT_S4" 6112
	ft_wait_ct udp 6112 HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	wait_until "$FT_DEADLINE" _ft_npu_grew "0:0:20"
	check_err $? "the NPU forwarded only $NPU_COUNT packets"
	d0=$(ft_dfs destroy_calls)
	knob stale_lastused 1
	wait_until "$FT_DEADLINE" _ft_dfs_ge destroy_calls $((d0 + 2))
	check_err $? "the flow was not timed out while the NPU forwarded it"
	ft_flow_running sl
	check_err $? "the flow ended before it was torn down"
	knob stale_lastused 0
	ft_flow_finish sl udp
	ip netns exec "$FT_NSR" sysctl -qw \
		net.netfilter.nf_flowtable_udp_timeout=$TIMEOUT
	reset
	log_test "stale_lastused: nf_flowtable times out a flow the NPU forwards"
}

# fail INJECT: make fail_function fail INJECT with -EINVAL every time.
fail()
{
	printf '%s' "$1" > "$FF/inject" && echo 100 > "$FF/probability" &&
		echo 1 > "$FF/interval" && echo -1 > "$FF/times"
}

# _refused R0: 2 more REPLACEs since R0 and no install; the flow is
# [OFFLOAD] at every sample (else BAD_STATES grows).
BAD_STATES=
_refused()
{
	local v

	ft_ct udp 6113
	[ "$CT_STATE" == OFFLOAD ] || BAD_STATES+="$CT_STATE "
	v=$(ft_dfs replace_calls) && [ "$v" -ge $(($1 + 2)) ]
}

# _ring_drained S: take snapshot S; every frame the router's LAN port's
# engine has passed to the host since the port came up (PUNTED) was
# taken by the host (TOOK) or dropped by the full ring (DROPPED).
# All-time counts, not deltas: a frame already in the ring when a
# snapshot is taken is counted by one and not the other.
PUNTED=0 TOOK=0 DROPPED=0
_ring_drained()
{
	local -n s="FTS_$1"
	local k

	ft_snap "$1" || return 1
	PUNTED=$((-${s[r0.rx_punt_drops]:-0}))
	for k in miss tcp_flags ttl ip_options fragment ipv6_ext mtu \
		 unsupported unbound; do
		PUNTED=$((PUNTED + ${s[r0.rx_punt_$k]:-0}))
	done
	TOOK=${s[r0.rx_cpu_packets]:-0} DROPPED=${s[r0.rx_fifo_drops]:-0}
	[ "$PUNTED" -eq $((TOOK + DROPPED)) ]
}

# The router's LAN port's host RX ring stalls; its packet engine must not.
test_host_stall()
{
	local stall=$NPUSIM_DFS/npusim$FT_R/ports/0/rx_stall ring=512 sent=600 n mac

	RET=0
	ft_flow_start hs udp "$FT_S4" 6110 interval=0.002
	ft_wait_ct udp 6110 HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	wait_until "$FT_DEADLINE" _ft_npu_grew "0:0:20"
	check_err $? "the NPU forwarded only $NPU_COUNT packets"

	# a stalled host answers no ARP: the client must not need it to
	mac=$(ip -j -n "$FT_NSR" link show dev "$FT_R0" | jq -r '.[0].address')
	ip -n "$FT_NSC" neigh replace "$FT_RL4" lladdr "$mac" dev "$FT_C0" \
		nud permanent
	check_err $? "cannot pin the client's neighbour entry of the router"
	echo 1 > "$stall"
	check_err $? "cannot stall the host RX ring"
	ft_snap hs_a
	ft_npu_count 0
	n=$NPU_COUNT
	# more than the ring holds: forwarding through it would stop at $ring
	wait_until "$FT_DEADLINE" _ft_npu_grew "0:$n:$((ring + 100))"
	check_err $? "NPU forwarding stopped with the host ring: $((NPU_COUNT - n)) packets"
	# frames for the router's host: more than the ring holds
	$FT_TOOL --netns "$FT_NSC" udp-send "$FT_RL4" 9 --count "$sent" \
		--interval 0 > /dev/null
	check_err $? "cannot send the burst to the router"
	ft_wait_grew hs_a hs_b r0.rx_fifo_drops:$((sent - ring))
	check_err $? "rx_fifo_drops grew by $(ft_delta hs_a hs_b r0.rx_fifo_drops), expected >= $((sent - ring))"
	check_eq "frames the host took from the stalled ring" 0 \
		 "$(ft_delta hs_a hs_b r0.rx_cpu_packets)"
	check_eq "engine ingress drops" 0 "$(ft_delta hs_a hs_b r0.rx_ingress_drops)"

	echo 0 > "$stall"
	check_err $? "cannot resume the host RX ring"
	# the host takes whatever the ring held (up to $ring frames)
	wait_until "$FT_DEADLINE" _ring_drained hs_c
	check_err $? "frames the engine passed to the host: $PUNTED, the host took $TOOK, the ring dropped $DROPPED"
	[ "$(ft_delta hs_b hs_c r0.rx_cpu_packets)" -gt 0 ]
	check_err $? "the host took no frame after the resume"
	ft_flow_finish hs udp
	ip -n "$FT_NSC" neigh del "$FT_RL4" dev "$FT_C0"
	reset
	log_test "rx_stall stops the host RX ring, not the NPU: no flow frame lost"
}

test_fail_function()
{
	local r0 i0 n0 err

	RET=0
	if ! grep -qw npusim_ft_replace "$FF/injectable" 2> /dev/null; then
		case_skip "fail_function or npusim's error injection list missing (stock kernel)"
		log_test "fail_function: npusim_ft_setup, npusim_ft_replace, npusim_ft_flow_alloc"
		return
	fi
	ip netns exec "$FT_NSR" nft flush ruleset
	fail npusim_ft_setup
	check_err $? "cannot inject into npusim_ft_setup"
	ft_nft_load
	check_fail $? "the offload flowtable was bound while npusim_ft_setup failed"
	printf '!npusim_ft_setup' > "$FF/inject"
	ft_nft_load
	check_err $? "ruleset after the injection: $ERRMSG"

	fail npusim_ft_replace
	check_err $? "cannot inject into npusim_ft_replace"
	r0=$(ft_dfs replace_calls)
	i0=$(ft_dfs installs)
	ft_flow_start ff udp "$FT_S4" 6113
	ft_wait_ct udp 6113 OFFLOAD
	check_err $? "flow not in the software fast path: '$CT_STATE'"
	BAD_STATES=
	wait_until "$FT_DEADLINE" _refused "$r0"
	check_err $? "REPLACE not retried"
	check_eq "flow state while REPLACE fails" "" "$BAD_STATES"
	check_eq "installs while REPLACE fails" "$i0" "$(ft_dfs installs)"
	printf '!npusim_ft_replace' > "$FF/inject"
	ft_wait_ct udp 6113 HW_OFFLOAD
	check_err $? "flow not offloaded after the injection stopped: '$CT_STATE'"
	ft_flow_finish ff udp

	# out of memory for a flow: fail_nomem and the extack
	fail npusim_ft_flow_alloc
	check_err $? "cannot inject into npusim_ft_flow_alloc"
	n0=$(ft_dfs fail_nomem)
	i0=$(ft_dfs installs)
	ft_flow_start fm udp "$FT_S4" 6114
	wait_until "$FT_DEADLINE" _ft_dfs_ge fail_nomem $((n0 + 2))
	check_err $? "fail_nomem $n0 -> $(ft_dfs fail_nomem), expected 2 more"
	check_eq "installs without memory" "$i0" "$(ft_dfs installs)"
	err=$(ft_dfs last_error)
	[[ "$err" == *"Out of memory"* ]]
	check_err $? "last_error: '$err'"
	printf '!npusim_ft_flow_alloc' > "$FF/inject"
	ft_wait_ct udp 6114 HW_OFFLOAD
	check_err $? "flow not offloaded once memory was back: '$CT_STATE'"
	ft_flow_finish fm udp
	reset
	log_test "fail_function: npusim_ft_setup, npusim_ft_replace, npusim_ft_flow_alloc"
}

cleanup_test()
{
	[ -w "$FF/inject" ] && echo > "$FF/inject" 2> /dev/null
	ft_cleanup
}

ft_setup size=4 tcp_timeout=$TIMEOUT udp_timeout=$TIMEOUT
ft_nft_load || bail_out "ruleset: $ERRMSG"
DFS=$NPUSIM_DFS/npusim$FT_R/flow_table

test_unbound
test_bind
test_fin
test_full_accept
test_full_evict
test_cache
test_stale_lastused
test_host_stall
test_fail_function

exit_tests
