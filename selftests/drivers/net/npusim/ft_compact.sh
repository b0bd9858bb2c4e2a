#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim nf_flowtable hardware offload: the compact entry format.
#  - an empty flow table costs 64 bytes per slot (hw_info ft_bytes is
#    the size times 64), with no next hop and no IPv6 entry, and its
#    change map one bit per slot and one per 64 slots (ft_map_bytes);
#  - flows through one router share its two next hops (one per
#    direction): four IPv4 and one IPv6 UDP flows, all [HW_OFFLOAD],
#    hold 2 next hops and 2 IPv6 entries (one per direction), and the
#    table's memory grows by those only;
#  - an IPv6 entry matches its full addresses, not only the folded key:
#    datagrams from a source whose address folds to the offloaded flow's
#    (same ports; the router drops them, so that they are never offloaded
#    themselves) all reach the router's stack (rx_punt_miss), none is
#    forwarded by the flow's entry;
#  - once the flows are gone, the next hops and IPv6 entries are freed:
#    the memory is back to 64 bytes per slot;
#  - a next-hop table of one (model/next_hops=1): a flow's first
#    direction takes it, the other direction's REPLACE fails with
#    "Next-hop table full" (flow_table/fail_nh_full and last_error) and
#    the flow is [HW_OFFLOAD] with one entry; a second flow's same
#    direction shares the next hop and is offloaded too, the other is
#    refused again.
#
#   client [C p0] -- [R p0 | R p1] router -- [S p0] server

source "$(dirname "$0")"/lib.sh

require_cmd ip nft ethtool devlink python3 conntrack awk
ft_begin

# A client address in FT_C6's /64 that folds to the same 32 bits:
# fd31:1::2 is fd310001 ^ 0 ^ 0 ^ 2, this is fd310001 ^ 0 ^ 1 ^ 3.
FOLD6=fd31:1::1:0:3
SPORT=41000
N=50

# Stopped flows keep their entries for as long as test_fold needs them.
ft_setup udp_timeout=600
# The router drops what comes from FOLD6 before the flowtable rule: such
# a flow is never offloaded, the NPU can only forward it by mistake.
ft_nft_load -- "table inet fold {
	chain forward {
		type filter hook forward priority filter - 10; policy accept;
		ip6 saddr $FOLD6 counter drop
	}
}" || bail_out "ruleset: $ERRMSG"
# deprecated: the flows' own source stays FT_C6
ip -n "$FT_NSC" addr add "$FOLD6"/64 dev "$FT_C0" nodad preferred_lft 0 ||
	bail_out "cannot add $FOLD6"

_hw_info_is()
{
	[ "$(ft_hw_info "$1")" == "$2" ]
}

test_empty()
{
	local words

	RET=0
	ft_resource "$FT_NSR" "$FT_R"
	check_err $? "cannot read the flow_table resource"
	SIZE=$FT_SIZE
	check_eq "bytes of the empty table of $SIZE slots" \
		$((SIZE * 64)) "$(ft_hw_info ft_bytes)"
	check_eq "next hops" 0 "$(ft_hw_info next_hops)"
	check_eq "IPv6 entries" 0 "$(ft_hw_info ipv6_entries)"
	# one bit per slot, then one per word of those
	words=$(((SIZE + 63) / 64))
	check_eq "bytes of its change map" $(((words + (words + 63) / 64) * 8)) \
		"$(ft_hw_info ft_map_bytes)"
	log_test "an empty flow table costs 64 bytes per slot"
}

test_shared()
{
	local i bytes

	RET=0
	# Ten datagrams a second each keep the five flows offloaded; the
	# entries are what is measured, not the traffic.
	for i in 1 2 3 4; do
		ft_flow_start "v4_$i" udp "$FT_S4" $((5300 + i)) echo interval=0.1
		check_err $? "$ERRMSG"
	done
	ft_flow_start v6 udp "$FT_S6" 5310 echo sport=$SPORT interval=0.1
	check_err $? "$ERRMSG"
	for i in 1 2 3 4; do
		ft_wait_ct udp $((5300 + i)) HW_OFFLOAD
		check_err $? "IPv4 flow $i: '$CT_STATE', expected [HW_OFFLOAD]"
	done
	ft_wait_ct udp 5310 HW_OFFLOAD
	check_err $? "IPv6 flow: '$CT_STATE', expected [HW_OFFLOAD]"
	ft_wait_occ 10
	check_err $? "occupancy $(ft_occ), expected 10 entries"
	check_eq "next hops of 10 entries through one router" 2 \
		"$(ft_hw_info next_hops)"
	check_eq "IPv6 entries" 2 "$(ft_hw_info ipv6_entries)"
	bytes=$(ft_hw_info ft_bytes)
	if [ -z "$bytes" ] || [ "$bytes" -le $((SIZE * 64)) ] ||
	   [ "$bytes" -gt $((SIZE * 64 + 4 * 256)) ]; then
		check_err 1 "ft_bytes $bytes: not 2 next hops and 2 IPv6 entries over $((SIZE * 64))"
	fi
	log_info "ft_bytes with 2 next hops and 2 IPv6 entries: $bytes"
	log_test "entries share their next hops"
}

test_fold()
{
	local i miss fwd drops

	RET=0
	# The flows stop; their entries stay until nf_flowtable's timeout.
	for i in 1 2 3 4; do
		ft_flow_stop "v4_$i"
	done
	ft_flow_stop v6
	grep -q "in=p0 udp \[$FT_C6\]:$SPORT->\[$FT_S6\]:5310 " \
		"$NPUSIM_DFS/npusim$FT_R/flow_table/entries"
	check_err $? "no entry for [$FT_C6]:$SPORT -> [$FT_S6]:5310"
	ft_snap fold_a
	$FT_TOOL --netns "$FT_NSC" udp-send "$FT_S6" 5310 --src "$FOLD6" \
		--sport $SPORT --count $N --interval 0.002 --steady > /dev/null
	check_err $? "cannot send from $FOLD6"
	ft_snap fold_b
	ft_resource "$FT_NSR" "$FT_R"
	check_eq "entries after the datagrams from $FOLD6" 10 "$FT_OCC"
	miss=$(ft_delta fold_a fold_b r0.rx_punt_miss)
	fwd=$(ft_delta fold_a fold_b r0.rx_npu_fwd_packets)
	# a starved VM may lose some in the port's ingress FIFO
	drops=$(ft_delta fold_a fold_b r0.rx_fifo_drops)
	log_info "from $FOLD6: r0.rx_punt_miss +$miss, r0.rx_fifo_drops +$drops," \
		"r0.rx_npu_fwd_packets +$fwd"
	if [ "$miss" == "?" ] || [ "$drops" == "?" ] ||
	   [ $((miss + drops)) -lt $N ] || [ "$miss" -lt $((N / 2)) ]; then
		check_err 1 "$miss of $N datagrams from $FOLD6 reached the stack ($drops dropped)"
	fi
	check_eq "datagrams the NPU forwarded" 0 "$fwd"
	log_test "an IPv6 entry matches its full addresses"
}

test_freed()
{
	local i

	RET=0
	ft_ct_flush
	ft_wait_occ 0
	check_err $? "occupancy $(ft_occ) after the flows are gone"
	wait_until "$FT_DEADLINE" _hw_info_is next_hops 0
	check_err $? "next hops left: $(ft_hw_info next_hops)"
	check_eq "IPv6 entries left" 0 "$(ft_hw_info ipv6_entries)"
	check_eq "bytes of the table again" $((SIZE * 64)) "$(ft_hw_info ft_bytes)"
	log_test "next hops and IPv6 addresses are freed with their entries"
}

test_nh_full()
{
	local f0 nf err

	RET=0
	ft_model next_hops 1
	check_err $? "model/next_hops=1: $ERRMSG"
	f0=$(ft_dfs fail_nh_full)
	check_err $? "no flow_table/fail_nh_full"
	ft_flow_start nh1 udp "$FT_S4" 5321 echo
	check_err $? "$ERRMSG"
	ft_wait_ct udp 5321 HW_OFFLOAD
	check_err $? "flow 1: '$CT_STATE', expected [HW_OFFLOAD]"
	wait_until "$FT_DEADLINE" _ft_dfs_ge fail_nh_full $((f0 + 1))
	check_err $? "fail_nh_full $(ft_dfs fail_nh_full), expected > $f0"
	err=$(ft_dfs last_error)
	[[ "$err" == *"Next-hop table full"* ]]
	check_err $? "last_error: '$err'"
	ft_flow_start nh2 udp "$FT_S4" 5322 echo
	check_err $? "$ERRMSG"
	ft_wait_ct udp 5322 HW_OFFLOAD
	check_err $? "flow 2: '$CT_STATE', expected [HW_OFFLOAD]"
	ft_flow_stop nh1
	ft_flow_stop nh2
	ft_resource "$FT_NSR" "$FT_R"
	check_eq "entries of two flows, one direction each" 2 "$FT_OCC"
	check_eq "next hops" 1 "$(ft_hw_info next_hops)"
	nf=$(ft_dfs fail_nh_full)
	log_info "fail_nh_full +$((nf - f0)) (nf_flowtable retries the refused direction)"
	[ "$nf" -ge $((f0 + 2)) ]
	check_err $? "fail_nh_full +$((nf - f0)), expected one refusal per flow at least"
	ft_ct_flush
	ft_wait_occ 0
	check_err $? "occupancy $(ft_occ) after the flows are gone"
	log_test "a full next-hop table refuses a new next hop, not a shared one"
}

test_empty
test_shared
test_fold
test_freed
test_nh_full

exit_tests
