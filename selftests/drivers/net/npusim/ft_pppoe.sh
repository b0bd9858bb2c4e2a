#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim nf_flowtable hardware offload over a PPPoE uplink, as on a home
# router: the router dials the server (pppd, kernel-mode PPPoE, on its WAN
# port), masquerades out of the PPP interface and lists its two physical
# ports in the flowtable.  nf_flowtable describes the WAN side with a
# PPPOE_PUSH action; the NPU must strip the PPPoE session header on the way
# in and push it (session id, length, PPP protocol) on the way out, so that
# the server's PPPoE stack accepts every frame and the data arrives intact.
#
#   client [C p0] -- [R p0 | R p1 . pppwan] router -- [S p0 . pppisp] server

source "$(dirname "$0")"/lib.sh

require_cmd ip nft ethtool devlink python3 conntrack cmp awk pppd pppoe-server
modprobe -q pppoe 2> /dev/null
[ -e /proc/net/pppoe ] || skip_all "no PPPoE support in this kernel"
ft_begin

ft_setup pppoe
log_info "PPPoE session $FT_PPPOE_SID on $FT_R1"

SNAT=$(ft_masquerade "$FT_RW")

RET=0
ft_nft_load -- "$SNAT"
check_err $? "loading the ruleset failed: $ERRMSG"
log_test "PPPoE: masquerade out of $FT_RW, offload flowtable on the lower ports"

# pppoe_push_check NAME (called by ft_flow_check while the flow runs):
# of the flow's two entries, the one towards the server pushes this
# session, the other one pushes none.
pppoe_push_check()
{
	local ent

	ent=$(cat "$NPUSIM_DFS/npusim$FT_R/flow_table/entries" 2> /dev/null)
	check_eq "$1: entries pushing PPPoE session $FT_PPPOE_SID" 1 \
		"$(grep -c " pppoe=$FT_PPPOE_SID\b" <<< "$ent")"
	check_eq "$1: entries pushing any PPPoE session" 1 \
		"$(grep -c ' pppoe=' <<< "$ent")"
}

# flow NAME PROTO DST PORT: offloaded while running, PPPoE pushed towards
# the server, data intact and seen by the server from the router's PPP
# address (masquerade).
flow()
{
	ft_ct_flush
	ft_flow_check "$1" "$2" "$3" "$4" check=pppoe_push_check \
		peer="$5"
}

sweep_note "pppoe_udp4 and pppoe_tcp6"
flow pppoe_tcp4 tcp "$FT_S4" 5501 "$FT_RW4"
! full_sweep || flow pppoe_udp4 udp "$FT_S4" 5502 "$FT_RW4"
! full_sweep || flow pppoe_tcp6 tcp "$FT_S6" 5503 "$FT_RW6"
flow pppoe_udp6 udp "$FT_S6" 5504 "$FT_RW6"

# pppoe=0: a chip without PPPoE refuses the direction that pushes the
# session header, and does not look inside the frames that carry one:
# over FT_NPU_PKTS packets each way, no entry pushes PPPoE and the NPU
# forwards nothing from the WAN port; the software fast path forwards
# both directions (strips and pushes PPPoE), none through the forward
# chain.
_pppoe_refused()
{
	ft_ct udp 5505
	[ "${CT_OPKTS:-0}" -ge "$FT_NPU_PKTS" ] &&
		[ "${CT_RPKTS:-0}" -ge "$FT_NPU_PKTS" ] &&
		[[ "$(ft_dfs last_error)" == *"This chip cannot offload PPPoE"* ]]
}

# _ft_ct_both_grew PROTO DPORT O R N: the flow's conntrack counters grew
# by N packets in each direction since O and R.
_ft_ct_both_grew()
{
	ft_ct "$1" "$2"
	[ "${CT_OPKTS:-0}" -ge $(($3 + $5)) ] && [ "${CT_RPKTS:-0}" -ge $(($4 + $5)) ]
}

RET=0
ft_ct_flush
ft_model pppoe 0
check_err $? "model/pppoe=0: $ERRMSG"
ft_snap nopppoe_a
ft_flow_start nopppoe udp "$FT_S4" 5505 echo
check_err $? "$ERRMSG"
wait_until "$FT_DEADLINE" _pppoe_refused
check_err $? "no refusal seen over $FT_NPU_PKTS packets each way: last_error '$(ft_dfs last_error)', ct $CT_OPKTS/$CT_RPKTS packets"
ft_snap nopppoe_b
! grep -q pppoe= "$NPUSIM_DFS/npusim$FT_R/flow_table/entries"
check_err $? "an entry pushes PPPoE: $(cat "$NPUSIM_DFS/npusim$FT_R/flow_table/entries")"
check_eq "frames the NPU forwarded from the WAN port" 0 \
	"$(ft_delta nopppoe_a nopppoe_b r1.rx_npu_fwd_packets)"
# the software fast path carries both directions, parsing the server's
# PPPoE frames on its way in: over FT_NPU_PKTS more packets each way,
# none takes the classic forward path
# (conntrack may say [HW_OFFLOAD]: nf_flowtable marks a flow so once
# one of its directions is installed, here the one without a push)
ft_ct udp 5505
o0=${CT_OPKTS:-0} r0=${CT_RPKTS:-0}
ft_snap nopppoe_c
wait_until "$FT_DEADLINE" _ft_ct_both_grew udp 5505 "$o0" "$r0" "$FT_NPU_PKTS"
check_err $? "the flow did not go on: ct $o0/$r0 -> $CT_OPKTS/$CT_RPKTS packets"
ft_snap nopppoe_d
check_eq "packets through the forward chain" 0 \
	"$(ft_delta nopppoe_c nopppoe_d fwd)"
ft_flow_finish nopppoe udp "$FT_RW4"
ft_ct_flush
ft_model pppoe 1
check_err $? "model/pppoe=1: $ERRMSG"
log_test "pppoe=0: the PPPoE direction is refused, the software fast path carries PPPoE"

RET=0
d=$(ethtool_stat "$FT_NSR" "$FT_R1" rx_punt_mtu)
check_eq "$FT_R1 rx_punt_mtu" 0 "${d:-?}"
d=$(ethtool_stat "$FT_NSR" "$FT_R0" rx_punt_mtu)
check_eq "$FT_R0 rx_punt_mtu (the PPPoE header fits the WAN MTU)" 0 "${d:-?}"
log_test "PPPoE: no frame punted for its size"

exit_tests
