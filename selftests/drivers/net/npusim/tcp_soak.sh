#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim under bulk TCP: routed transfers through a router made of one
# 2-port npusim device, IPv4 and IPv6, MTU 1500 and 9000, with no
# flowtable, the software flowtable and the NPU, with the senders' TSO
# and GSO on and off.  GRO on the router builds frag_list skbs from
# npusim's frames and forwards them out of an npusim port again, whose
# transmit segments them; TCP transmits clones of its retransmit queue;
# packet captures that hold what they capture make every transmitted
# frame a clone; a few frames are lost on the way into the server, so
# that senders retransmit.  Every skb shape the stack hands a NIC thus
# goes through npusim's transmit, wire and receive, and the far end of a
# wire must never write into what the sender still holds.
#
# Each transfer moves a fixed amount of data, which the receiver checks
# (iperf3 -n, then a socat copy compared with cmp); each capture checks
# that the frames it held were not changed under it.  The VM runner
# fails the run on any memory corruption report (KASAN, bad page state,
# slab or usercopy BUG).
#
#   client [C p0] -- [R p0 | R p1] router -- [S p0] server
#
# NPUSIM_SOAK_MTUS (default "1500 9000"; "1500" on a KASAN kernel) picks
# the MTUs; NPUSIM_SOAK_MODES (default "plain sw hw"; "plain hw" on a KASAN
# kernel) the router's modes; NPUSIM_SOAK_BYTES (iperf3 -n, default 8M;
# 2M on a KASAN kernel) and NPUSIM_SOAK_COPY (bytes, default 2 MiB; 1 MiB
# on a KASAN kernel) size each transfer; NPUSIM_SOAK_ROUNDS (default 1)
# repeats the whole matrix; NPUSIM_SOAK_MINUTES repeats it until that
# many minutes have passed (a soak, not a test of speed).

source "$(dirname "$0")"/lib.sh

require_cmd ip nft iperf3 socat cmp ethtool jq python3
ft_begin

ft_setup

SOAK_BYTES=${NPUSIM_SOAK_BYTES:-8M}
SOAK_COPY=${NPUSIM_SOAK_COPY:-2097152}

# set_mtu MTU: every interface of the path.
set_mtu()
{
	ip -n "$FT_NSC" link set "$FT_C0" mtu "$1" &&
	ip -n "$FT_NSR" link set "$FT_R0" mtu "$1" &&
	ip -n "$FT_NSR" link set "$FT_R1" mtu "$1" &&
	ip -n "$FT_NSS" link set "$FT_S0" mtu "$1"
}

# mode_set MODE: plain (no flowtable), sw (software flowtable) or hw.
mode_set()
{
	case $1 in
	plain) ft_nft_load noflow ;;
	sw) ft_nft_load nooffload ;;
	hw) ft_nft_load ;;
	esac
}

# iperf_run DST: one iperf3 transfer of SOAK_BYTES, client to server.
iperf_run()
{
	local out

	out=$(ip netns exec "$FT_NSC" timeout 600 iperf3 -c "$1" -n "$SOAK_BYTES" \
		-J 2>&1)
	# iperf3 exits 0 only if the test completed; print its figure
	echo "$out" | jq -r '.end.sum_received.bytes // empty' 2> /dev/null
	echo "$out" | jq -e '.end.sum_received.bytes > 0' > /dev/null 2>&1
}

# copy_run DST: a socat copy of a random file from the client to the
# server, compared byte for byte.
copy_run()
{
	local dst=$1 in out rpid

	in=$(ft_data "$SOAK_COPY")
	out=$FT_TMP/soak.out
	rm -f "$out"
	ip netns exec "$FT_NSS" timeout 600 socat -u \
		TCP6-LISTEN:7010,reuseaddr,ipv6only=0 "OPEN:$out,creat,trunc" &
	rpid=$!
	wait_listen "$FT_NSS" 7010 || { kill "$rpid"; return 1; }
	ip netns exec "$FT_NSC" timeout 600 socat -u "OPEN:$in" \
		"TCP:$dst:7010" || { kill "$rpid"; return 1; }
	wait "$rpid" || return 1
	cmp -s "$in" "$out"
}

# senders_gso on|off: TSO and GSO of the client's and server's ports.  Off,
# every TCP data segment reaches npusim's transmit as it sits in the
# socket's retransmit queue: a clone sharing its pages with the queue.
senders_gso()
{
	ip netns exec "$FT_NSC" ethtool -K "$FT_C0" tso "$1" gso "$1" > /dev/null &&
	ip netns exec "$FT_NSS" ethtool -K "$FT_S0" tso "$1" gso "$1" > /dev/null
}

soak_case()
{
	local mtu=$1 mode=$2 fam=$3 gso=$4 dst got

	[ "$fam" == 4 ] && dst=$FT_S4 || dst=[$FT_S6]
	RET=0
	set_mtu "$mtu"
	check_err $? "cannot set MTU $mtu"
	senders_gso "$gso"
	check_err $? "cannot turn sender TSO/GSO $gso"
	mode_set "$mode"
	check_err $? "ruleset ($mode): $ERRMSG"
	got=$(iperf_run "${dst//[\[\]]/}")
	check_err $? "iperf3 transfer of $SOAK_BYTES failed: $got"
	copy_run "$dst"
	check_err $? "copy of $SOAK_COPY bytes differs or failed"
	check_taps
	log_test "round $ROUND: mtu $mtu $mode, sender gso $gso: routed TCP over IPv$fam ($got bytes)"
}

# Lose a few frames on the way into the server, so that the senders
# retransmit what sits in their retransmit queues: a queue corrupted
# through a shared clone shows when it goes out again.  One TCP segment
# in 512 is lost, picked by its checksum (no numgen in the debug
# kernel); a retransmission carries a new timestamp, so another one.
ip netns exec "$FT_NSS" nft -f - <<- EOF || bail_out "cannot load the loss ruleset"
	table netdev loss {
		chain in {
			type filter hook ingress device "$FT_S0" priority -500;
			tcp checksum and 0x1ff == 0x5a counter drop
		}
	}
EOF

# Packet captures that hold what they capture for a while (a socket
# read in bursts, as a slow capture tool does), on the client's port and
# on the router's ports: every frame those ports transmit is then a clone
# whose data and shared info the capture still holds when the frame
# reaches the far end, where GRO or the NPU must not change them.  Each
# capture checks what it finally reads: the whole frame, as long as its
# IP header says, or the far end wrote into it.
# hold_tap NS DEV STATSFILE
hold_tap()
{
	exec ip netns exec "$1" python3 -c '
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.setsockopt(socket.SOL_SOCKET, 33, 4 << 20)  # SO_RCVBUFFORCE
s.bind((sys.argv[1], 0))
s.setblocking(False)
frames = bad = errors = 0
while True:
    time.sleep(0.3)
    while True:
        try:
            f, addr = s.recvfrom(65536)
        except BlockingIOError:
            break
        except OSError:
            errors += 1
            continue
        if addr[2] != socket.PACKET_OUTGOING:
            continue
        frames += 1
        proto, = struct.unpack("!H", f[12:14])
        if proto == 0x0800 and len(f) >= 18:
            want = 14 + struct.unpack("!H", f[16:18])[0]
        elif proto == 0x86dd and len(f) >= 20:
            want = 54 + struct.unpack("!H", f[18:20])[0]
        else:
            continue
        if len(f) < want:
            bad += 1
    with open(sys.argv[2] + ".new", "w") as o:
        o.write("%d %d %d\n" % (frames, bad, errors))
    import os
    os.rename(sys.argv[2] + ".new", sys.argv[2])
' "$2" "$3" > /dev/null 2>&1
}
TAPS=("$FT_NSC $FT_C0 client" "$FT_NSR $FT_R0 router-lan" "$FT_NSR $FT_R1 router-wan")
for t in "${TAPS[@]}"; do
	read -r ns dev name <<< "$t"
	bg_run hold_tap "$ns" "$dev" "$FT_TMP/tap.$name"
done

# check_taps: every captured frame was read back whole.
check_taps()
{
	local t ns dev name frames bad errors

	touch "$FT_TMP/tap.mark"
	for t in "${TAPS[@]}"; do
		read -r ns dev name <<< "$t"
		# a report written after this point covers every frame so far
		wait_until "$WAIT_TIMEOUT" test "$FT_TMP/tap.$name" -nt "$FT_TMP/tap.mark"
		check_err $? "$name port: the capture stopped reporting"
		frames=0 bad=0 errors=0
		read -r frames bad errors < "$FT_TMP/tap.$name" 2> /dev/null
		log_info "capture on the $name port: $frames frames, $bad truncated, $errors unreadable"
		[ "$bad" -eq 0 ] && [ "$errors" -eq 0 ]
		check_err $? "$name port: $bad captured frames shorter than their IP length, $errors unreadable: the far end changed a frame the capture still held"
	done
}

ip netns exec "$FT_NSS" iperf3 -s -D -I "$FT_TMP/iperf3.pid" > /dev/null 2>&1 ||
	bail_out "cannot start iperf3 server"
wait_listen "$FT_NSS" 5201 || bail_out "iperf3 server not listening"

# A sanitizer kernel (KASAN) runs every case several times slower: there,
# by default, MTU 1500 only, which is where every report so far showed,
# and no software flowtable: its router hands npusim's transmit the same
# GRO skbs as the plain router does, and KASAN names the first bad access
# whichever path made it.  A quarter of the bytes there still makes
# about 1400 segments a transfer, through every path a transfer takes.
MTUS=${NPUSIM_SOAK_MTUS:-1500 9000}
MODES=${NPUSIM_SOAK_MODES:-plain sw hw}
if kernel_has_kasan; then
	MTUS=${NPUSIM_SOAK_MTUS:-1500}
	MODES=${NPUSIM_SOAK_MODES:-plain hw}
	SOAK_BYTES=${NPUSIM_SOAK_BYTES:-2M}
	SOAK_COPY=${NPUSIM_SOAK_COPY:-1048576}
	log_info "KASAN kernel: MTU $MTUS, modes $MODES, $SOAK_BYTES and $SOAK_COPY bytes (NPUSIM_SOAK_* override)"
fi

rounds=${NPUSIM_SOAK_ROUNDS:-1}
end=$((SECONDS + ${NPUSIM_SOAK_MINUTES:-0} * 60))
ROUND=1
while :; do
	for mtu in $MTUS; do
		for mode in $MODES; do
			for gso in on off; do
				soak_case "$mtu" "$mode" 4 "$gso"
				soak_case "$mtu" "$mode" 6 "$gso"
			done
		done
	done
	ROUND=$((ROUND + 1))
	[ "$ROUND" -le "$rounds" ] || [ "$SECONDS" -lt "$end" ] || break
done
kill "$(cat "$FT_TMP/iperf3.pid" 2> /dev/null)" 2> /dev/null

exit_tests
