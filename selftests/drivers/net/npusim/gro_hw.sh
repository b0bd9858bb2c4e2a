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

ns_create ns2 || bail_out "cannot create netns"
A=$(npusim_rand_id)
npusim_new "$A" 1 || bail_out "cannot create npusim$A"
A0=${PORT_NAMES[0]}
B=$(npusim_rand_id)
npusim_new "$B" 1 "$ns2" || bail_out "cannot create npusim$B"
B0=${PORT_NAMES[0]}
npusim_link "" "$A0" "$ns2" "$B0" || bail_out "cannot link: $ERRMSG"
ip addr add 10.15.0.1/24 dev "$A0" &&
	ip -6 addr add fd15::1/64 dev "$A0" nodad &&
	ip link set "$A0" up || bail_out "cannot configure $A0"
ip -n "$ns2" addr add 10.15.0.2/24 dev "$B0" &&
	ip -n "$ns2" -6 addr add fd15::2/64 dev "$B0" nodad &&
	ip -n "$ns2" link set "$B0" up || bail_out "cannot configure $B0"
wait_until "$WAIT_TIMEOUT" carrier "" "$A0" || bail_out "$A0: no carrier"
ip netns exec "$ns2" ping -c 1 -W 5 10.15.0.1 > /dev/null &&
	ip netns exec "$ns2" ping -6 -c 1 -W 5 fd15::1 > /dev/null ||
	bail_out "no connectivity"

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

# snap KEY: A0's and B0's ethtool counters into the array S_KEY.
snap()
{
	declare -gA "S_$1"
	local -n s="S_$1"
	local k

	s=()
	ethtool_stats "" "$A0" || return 1
	for k in rx_packets rx_bytes rx_gro_hw_packets rx_gro_hw_frames \
		 rx_csum_good rx_csum_bad rx_oversize_drops; do
		s[a_$k]=${ETS[$k]}
	done
	ethtool_stats "$ns2" "$B0" || return 1
	for k in tx_packets tx_bytes; do
		s[b_$k]=${ETS[$k]}
	done
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

# _wire_even A: taking snapshot A, every frame B0 ever sent has arrived
# at A0, received or dropped as oversize (frames and, with none dropped,
# bytes).  The ports were created for this test and are wired to each
# other only: their totals compare, with no frame in flight at a first
# snapshot to miscount.
_wire_even()
{
	snap "$1" || return 1
	[ "$(v "$1" b_tx_packets)" -eq \
	  $(($(v "$1" a_rx_packets) + $(v "$1" a_rx_oversize_drops))) ] &&
		{ [ "$(v "$1" a_rx_oversize_drops)" -gt 0 ] ||
		  [ "$(v "$1" b_tx_bytes)" -eq "$(v "$1" a_rx_bytes)" ]; }
}

tcp_errs()
{
	nstat -az -j | jq '.kernel.TcpInCsumErrors'
}

# xfer DST [GATE]: LEN bytes over TCP from ns2 to DST (A0's address);
# true if they all arrived intact.  With GATE, the sender connects, then
# waits for the file GATE before it sends ($TMPD/conn is created once
# connected; the caller removes it first).
xfer()
{
	timeout 600 python3 -c '
import os, socket, subprocess, sys
ns, dst, n, gate, conn = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
data = bytes(range(256)) * (n // 256)
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
ls = socket.create_server((dst, 0), family=fam)
send = """
import os, socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
gate = sys.argv[4]
while gate and not os.path.exists(gate):
    time.sleep(0.1)
s.sendall(bytes(range(256)) * (int(sys.argv[3]) // 256))
s.close()
"""
client = subprocess.Popen(["ip", "netns", "exec", ns, "python3", "-c", send,
                           dst, str(ls.getsockname()[1]), str(n), gate])
c, _ = ls.accept()
open(conn, "w").close()
got = bytearray()
while True:
    b = c.recv(65536)
    if not b:
        break
    got += b
sys.exit(0 if client.wait() == 0 and got == data else 1)
' "$ns2" "$1" "$LEN" "${2:-}" "$TMPD/conn"
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
	xfer "$dst"
	check_err $? "the transfer did not arrive whole"
	wait_until "$WAIT_TIMEOUT" _wire_even w1
	check_err $? "$B0 sent $(v w1 b_tx_packets) frames of $(v w1 b_tx_bytes) bytes, $A0 received $(v w1 a_rx_packets) of $(v w1 a_rx_bytes)"
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
	xfer 10.15.0.1 "$TMPD/go" &
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
	check_err $? "$B0 sent $(v m1 b_tx_packets) frames, $A0 received $(v m1 a_rx_packets) and dropped $(v m1 a_rx_oversize_drops) as oversize"
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
test_wire "TCP/IPv6, rx-gro-hw on: whole TSO packets, every frame counted" fd15::1 on
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
	local k

	s=()
	ethtool_stats "$FT_NSC" "$FT_C0" || return 1
	s[c_tx_packets]=${ETS[tx_packets]} s[c_tx_bytes]=${ETS[tx_bytes]}
	ethtool_stats "$FT_NSR" "$FT_R0" || return 1
	for k in rx_packets rx_bytes rx_npu_fwd_packets rx_npu_fwd_bytes; do
		s[r0_$k]=${ETS[$k]}
	done
	ethtool_stats "$FT_NSR" "$FT_R1" || return 1
	s[r1_tx_npu_fwd_packets]=${ETS[tx_npu_fwd_packets]}
	s[r1_tx_npu_fwd_bytes]=${ETS[tx_npu_fwd_bytes]}
	s[r1_tx_packets]=${ETS[tx_packets]} s[r1_tx_bytes]=${ETS[tx_bytes]}
	ethtool_stats "$FT_NSS" "$FT_S0" || return 1
	for k in rx_packets rx_bytes rx_gro_hw_packets; do
		s[s_$k]=${ETS[$k]}
	done
}

# _path_even A: taking snapshot A, the router received all the client
# ever sent, the NPU sent out of R p1 all it took in on R p0, the server
# received all R p1 sent; frames and bytes (totals: the ports were
# created for the topology).
_path_even()
{
	rsnap "$1" || return 1
	[ "$(v "$1" c_tx_packets)" -eq "$(v "$1" r0_rx_packets)" ] &&
	[ "$(v "$1" c_tx_bytes)" -eq "$(v "$1" r0_rx_bytes)" ] &&
	[ "$(v "$1" r0_rx_npu_fwd_packets)" -eq "$(v "$1" r1_tx_npu_fwd_packets)" ] &&
	[ "$(v "$1" r0_rx_npu_fwd_bytes)" -eq "$(v "$1" r1_tx_npu_fwd_bytes)" ] &&
	[ "$(v "$1" r1_tx_packets)" -eq "$(v "$1" s_rx_packets)" ] &&
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
