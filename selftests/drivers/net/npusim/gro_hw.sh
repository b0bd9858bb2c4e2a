#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim TSO bursts and hardware GRO (rx-gro-hw).  A TSO packet crosses
# a wire as one burst, with each of its frames counted, and reaches a
# host whose port has rx-gro-hw on as one packet, as hardware GRO would
# have merged its frames:
#  - rx-gro-hw is on by default, and off while gro or rx-checksumming is;
#  - a TCP transfer over IPv4 and IPv6 arrives whole; its TSO packets
#    reach the host whole (rx_gro_hw_packets), and every frame is
#    counted on both ends: what one port sent, in frames and bytes, the
#    other received, and the receive checksum check counts every frame
#    good;
#  - with rx-gro-hw off, the host gets the frames one by one;
#  - a burst whose frames are longer than the receiving port's MRU is
#    dropped frame by frame: every frame the sender sent is either
#    received or counted in rx_oversize_drops;
#  - through a router with an offload flowtable, the NPU forwards the
#    bursts whole (the server gets them whole), and every port on the
#    way counts each frame: what the client sent the router received,
#    the NPU forwarded out of the other port and the server received,
#    frames and bytes.
#
#   init_net [A p0 10.15.0.1 fd15::1] <-> [B p0 10.15.0.2 fd15::2] ns2
#   client [C p0] -- [R p0 | R p1] router -- [S p0] server

source "$(dirname "$0")"/lib.sh

require_cmd ip ethtool python3 nstat jq nft conntrack
ft_begin

LEN=$((1 << 20))

host_pair_setup 10.15.0 fd15
TMPD=$(mktemp -d) || bail_out "mktemp"
cleanup_test()
{
	rm -rf "$TMPD"
	ft_cleanup
}

# feature DEV NAME: print ethtool -k's state of NAME ("on", "off").
feature()
{
	ethtool -k "$1" 2> /dev/null | awk -v k="$2:" '$1 == k {print $2}'
}

# What a port received, less what it dropped on receive: every frame
# sent to it is in one of them.
RX_IN=(rx_packets rx_bytes rx_oversize_drops rx_ingress_drops rx_crc_errors)

# snap KEY: A0's and B0's counters into the array S_KEY.
snap()
{
	declare -gA "S_$1"
	local -n s="S_$1"

	s=()
	port_snap "$1" a "" "$A0" "${RX_IN[@]}" rx_gro_hw_packets rx_gro_hw_frames \
		rx_csum_good rx_csum_bad &&
		port_snap "$1" b "$ns2" "$B0" tx_packets tx_bytes
}

# d A B KEY: KEY's growth from snapshot A to B.
d()
{
	local -n x="S_$1" y="S_$2"

	echo $((${y[$3]} - ${x[$3]}))
}

# v A KEY: KEY in snapshot A.
v()
{
	local -n x="S_$1"

	echo "${x[$2]}"
}

# rx_frames A PFX: the frames port PFX of snapshot A received or dropped
# on receive.
rx_frames()
{
	echo $(($(v "$1" "$2_rx_packets") + $(v "$1" "$2_rx_oversize_drops") +
		$(v "$1" "$2_rx_ingress_drops") + $(v "$1" "$2_rx_crc_errors")))
}

# rx_drops A PFX: those it dropped.
rx_drops()
{
	echo $(($(rx_frames "$1" "$2") - $(v "$1" "$2_rx_packets")))
}

# _wire_even A: taking snapshot A, every frame B0 ever sent has arrived
# at A0, received or dropped on receive (frames and, with none dropped,
# bytes).  The ports were created for this test and are wired to each
# other only: their totals compare, with no frame in flight at a first
# snapshot to miscount.
_wire_even()
{
	snap "$1" || return 1
	[ "$(v "$1" b_tx_packets)" -eq "$(rx_frames "$1" a)" ] &&
		{ [ "$(rx_drops "$1" a)" -gt 0 ] ||
		  [ "$(v "$1" b_tx_bytes)" -eq "$(v "$1" a_rx_bytes)" ]; }
}

tcp_errs()
{
	nstat -az -j | jq '.kernel.TcpInCsumErrors'
}

test_features()
{
	RET=0
	check_eq "rx-gro-hw by default" on "$(feature "$A0" rx-gro-hw)"
	ethtool -K "$A0" gro off
	check_err $? "cannot turn gro off"
	check_eq "rx-gro-hw with gro off" off "$(feature "$A0" rx-gro-hw)"
	ethtool -K "$A0" gro on
	check_eq "rx-gro-hw with gro on again" on "$(feature "$A0" rx-gro-hw)"
	ethtool -K "$A0" rx off
	check_err $? "cannot turn rx-checksumming off"
	check_eq "rx-gro-hw with rx-checksumming off" off \
		"$(feature "$A0" rx-gro-hw)"
	ethtool -K "$A0" rx on
	check_eq "rx-gro-hw with rx-checksumming on again" on \
		"$(feature "$A0" rx-gro-hw)"
	log_test "rx-gro-hw: on by default, off with gro or rx-checksumming off"
}

# test_wire NAME DST GRO: a transfer to DST with rx-gro-hw GRO (on, off).
test_wire()
{
	local name=$1 dst=$2 gro=$3 e0 bursts frames good

	RET=0
	ethtool -K "$A0" rx-gro-hw "$gro"
	check_err $? "cannot set rx-gro-hw $gro"
	e0=$(tcp_errs)
	snap w0 || bail_out "no counters"
	tcp_xfer "$ns2" "$dst" "$LEN"
	check_err $? "the transfer did not arrive whole"
	wait_until "$WAIT_TIMEOUT" _wire_even w1
	check_err $? "$B0 sent $(v w1 b_tx_packets) frames of $(v w1 b_tx_bytes) bytes, $A0 received $(v w1 a_rx_packets) of $(v w1 a_rx_bytes) and dropped $(rx_drops w1 a)"
	frames=$(d w0 w1 a_rx_packets)
	[ "$frames" -ge $((LEN / 1448)) ]
	check_err $? "$A0 counted $frames frames for $LEN bytes"
	good=$(d w0 w1 a_rx_csum_good)
	[ "$good" -ge $((LEN / 1448)) ]
	check_err $? "rx_csum_good grew by $good, not one per frame"
	check_eq "rx_csum_bad delta" 0 "$(d w0 w1 a_rx_csum_bad)"
	check_eq "TCP InCsumErrors delta" 0 $(($(tcp_errs) - e0))
	bursts=$(d w0 w1 a_rx_gro_hw_packets)
	if [ "$gro" == on ]; then
		[ "$bursts" -gt 0 ] && [ "$(d w0 w1 a_rx_gro_hw_frames)" -gt "$bursts" ]
		check_err $? "$bursts TSO packets reached the host whole, with $(d w0 w1 a_rx_gro_hw_frames) frames"
	else
		check_eq "TSO packets that reached the host whole" 0 "$bursts"
	fi
	log_info "$name: $frames frames, $bursts whole TSO packets ($(d w0 w1 a_rx_gro_hw_frames) frames)"
	log_test "$name"
}

test_mru()
{
	local pid drops

	RET=0
	ethtool -K "$A0" rx-gro-hw on
	snap m0 || bail_out "no counters"
	rm -f "$TMPD/conn" "$TMPD/go"
	tcp_xfer "$ns2" 10.15.0.1 "$LEN" "$TMPD/go" "$TMPD/conn" &
	pid=$!
	wait_until "$WAIT_TIMEOUT" test -e "$TMPD/conn"
	check_err $? "the transfer did not connect"
	# the connection's MSS is 1448: its frames no longer fit
	ip link set "$A0" mtu 1400
	: > "$TMPD/go"
	# the first flight alone is 10 frames (the initial window)
	wait_until "$FT_DEADLINE" _oversize_ge m0 m1 10
	check_err $? "$A0 dropped $(d m0 m1 a_rx_oversize_drops) oversize frames"
	ip link set "$A0" mtu 1500
	wait "$pid"
	check_err $? "the transfer did not arrive whole"
	wait_until "$WAIT_TIMEOUT" _wire_even m1
	check_err $? "$B0 sent $(v m1 b_tx_packets) frames, $A0 received $(v m1 a_rx_packets) and dropped $(rx_drops m1 a), $(v m1 a_rx_oversize_drops) of them as oversize"
	drops=$(d m0 m1 a_rx_oversize_drops)
	log_info "MRU: $drops oversize frames dropped, $(d m0 m1 a_rx_packets) received, $(d m0 m1 b_tx_packets) sent"
	log_test "a burst longer than the MRU is dropped frame by frame"
}

# _oversize_ge A B N
_oversize_ge()
{
	snap "$2" && [ "$(d "$1" "$2" a_rx_oversize_drops)" -ge "$3" ]
}

test_features
test_wire "TCP/IPv4, rx-gro-hw on: whole TSO packets, every frame counted" 10.15.0.1 on
sweep_note "TCP/IPv6 with rx-gro-hw on"
! full_sweep || test_wire "TCP/IPv6, rx-gro-hw on: whole TSO packets, every frame counted" fd15::1 on
test_wire "TCP/IPv4, rx-gro-hw off: the host gets the frames" 10.15.0.1 off
test_mru

# The router: the NPU forwards the bursts whole.
ft_setup
ft_nft_load || bail_out "ruleset: $ERRMSG"

# rsnap KEY: the counters of the client's, router's and server's ports.
rsnap()
{
	declare -gA "S_$1"
	local -n s="S_$1"

	s=()
	port_snap "$1" c "$FT_NSC" "$FT_C0" tx_packets tx_bytes &&
		port_snap "$1" r0 "$FT_NSR" "$FT_R0" "${RX_IN[@]}" \
			rx_npu_fwd_packets rx_npu_fwd_bytes &&
		port_snap "$1" r1 "$FT_NSR" "$FT_R1" tx_packets tx_bytes \
			tx_npu_fwd_packets tx_npu_fwd_bytes tx_link_drops \
			tx_errors &&
		port_snap "$1" s "$FT_NSS" "$FT_S0" "${RX_IN[@]}" rx_gro_hw_packets
}

# _path_even A: taking snapshot A, the router took in (or dropped on
# receive) all the client ever sent, the NPU sent out of R p1 (or
# dropped there) all it took in on R p0, the server took in (or dropped)
# all R p1 sent; frames, and bytes where nothing was dropped (totals: the
# ports were created for the topology).
_path_even()
{
	local r1_drops

	rsnap "$1" || return 1
	r1_drops=$(($(v "$1" r1_tx_link_drops) + $(v "$1" r1_tx_errors)))
	[ "$(v "$1" c_tx_packets)" -eq "$(rx_frames "$1" r0)" ] &&
	[ "$(v "$1" r0_rx_npu_fwd_packets)" -eq \
	  $(($(v "$1" r1_tx_npu_fwd_packets) + r1_drops)) ] &&
	[ "$(v "$1" r1_tx_packets)" -eq "$(rx_frames "$1" s)" ] || return 1
	[ "$(rx_drops "$1" r0)" -gt 0 ] ||
		[ "$(v "$1" c_tx_bytes)" -eq "$(v "$1" r0_rx_bytes)" ] || return 1
	[ "$r1_drops" -gt 0 ] ||
		[ "$(v "$1" r0_rx_npu_fwd_bytes)" -eq "$(v "$1" r1_tx_npu_fwd_bytes)" ] || return 1
	[ "$(rx_drops "$1" s)" -gt 0 ] ||
		[ "$(v "$1" r1_tx_bytes)" -eq "$(v "$1" s_rx_bytes)" ]
}

# _npu_fwd_ge A B N: the NPU forwarded N frames from R p0 since A.
_npu_fwd_ge()
{
	rsnap "$2" && [ "$(d "$1" "$2" r0_rx_npu_fwd_packets)" -ge "$3" ]
}

RET=0
rsnap r0 || bail_out "no counters"
ft_flow_start gro tcp "$FT_S4" 5301 rate=2097152
check_err $? "$ERRMSG"
ft_wait_ct tcp 5301 HW_OFFLOAD
check_err $? "flow never reached [HW_OFFLOAD] (last state '$CT_STATE')"
wait_until "$FT_DEADLINE" _npu_fwd_ge r0 r1 $((4 * FT_NPU_PKTS))
check_err $? "the NPU forwarded $(d r0 r1 r0_rx_npu_fwd_packets) frames"
ft_flow_finish gro tcp
wait_until "$WAIT_TIMEOUT" _path_even r1
check_err $? "client sent $(v r1 c_tx_packets)/$(v r1 c_tx_bytes), router received $(v r1 r0_rx_packets)/$(v r1 r0_rx_bytes), NPU in $(v r1 r0_rx_npu_fwd_packets)/$(v r1 r0_rx_npu_fwd_bytes) out $(v r1 r1_tx_npu_fwd_packets)/$(v r1 r1_tx_npu_fwd_bytes), R p1 sent $(v r1 r1_tx_packets)/$(v r1 r1_tx_bytes), server received $(v r1 s_rx_packets)/$(v r1 s_rx_bytes) (frames/bytes)"
[ "$(d r0 r1 s_rx_gro_hw_packets)" -gt 0 ]
check_err $? "no TSO packet crossed the NPU whole"
log_info "router: the NPU forwarded $(d r0 r1 r0_rx_npu_fwd_packets) frames, the server got $(d r0 r1 s_rx_gro_hw_packets) whole TSO packets"
log_test "offload router: the NPU forwards TSO packets whole, every frame counted on the way"

exit_tests
