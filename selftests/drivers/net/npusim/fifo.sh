#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim host RX ring: bounded, overflow counted as a drop.  The debugfs
# fault knob ports/<N>/rx_stall stops the host from draining the port's
# ring; frames for the host then queue up to its depth (512) and the rest
# are dropped and counted in rx_fifo_drops (ethtool -S) and
# rx_over_errors (ip -s).  The MAC and the packet engine's ingress FIFO
# take every frame (rx_packets, no rx_ingress_drops).  Resuming delivers
# exactly the frames that waited.  (ft_model.sh shows that the NPU goes
# on forwarding meanwhile.)
# Taking the port down with frames in the stalled ring drops them,
# counted in rx_fifo_drops: none reaches the host after the port comes
# back up.
# The fault knob ports/<N>/rx_drop makes the MAC drop a percentage of
# the arriving frames as corrupted (rx_crc_errors, ip -s rx_crc_errors):
# 100 drops all of a burst, 50 some but not all of 400 frames, 0 none;
# values above 100 and non-numbers are refused.
#
#   ns1 [npusimA p0 10.13.0.1] <-> [npusimB p0 10.13.0.2] ns2

source "$(dirname "$0")"/lib.sh

require_cmd ip jq ethtool python3
npusim_load || skip_all "npusim module not available"
debugfs_mount || skip_all "debugfs not available"
trap cleanup EXIT

FIFO_LEN=512
SENT=600

ns1='' ns2=''
quiet_pair_setup 10.13.0

STALL=/sys/kernel/debug/npusim/npusim$B/ports/0/rx_stall

# stall 0|1: resume or stall the host RX ring of B0.
stall()
{
	echo "$1" > "$STALL"
}

DROP=/sys/kernel/debug/npusim/npusim$B/ports/0/rx_drop

# Send $SENT (or $1) UDP datagrams from ns1 to a port nobody listens on.
send_burst()
{
	ip netns exec "$ns1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(b"x" * 64, ("10.13.0.2", 9))
' "${1:-$SENT}"
}

# _arrived N D: rx_packets of B0 reached N and rx_fifo_drops D: the
# packet engine saw every frame (values in ARRIVED).
_arrived()
{
	ethtool_stats "$ns2" "$B0" || return 1
	ARRIVED="rx_packets ${ETS[rx_packets]:-?}, rx_fifo_drops ${ETS[rx_fifo_drops]:-?}"
	[ "${ETS[rx_packets]:-0}" -ge "$1" ] && [ "${ETS[rx_fifo_drops]:-0}" -ge "$2" ]
}

rx_cpu_is()
{
	[ "$(ethtool_stat "$ns2" "$B0" rx_cpu_packets)" = "$1" ]
}

test_knob()
{
	RET=0
	[ -w "$STALL" ]
	check_err $? "$STALL missing"
	check_eq "rx_stall initially" 0 "$(cat "$STALL" 2> /dev/null)"
	expect_errno EINVAL "$STALL" "maybe"
	check_eq "rx_stall after a bad write" 0 "$(cat "$STALL" 2> /dev/null)"
	log_test "rx_stall knob: present, 0 by default, bad input refused"
}

test_overflow()
{
	local rx0 drop0 cpu0 over0 idrop0

	RET=0
	ethtool_stats "$ns2" "$B0"
	rx0=${ETS[rx_packets]} drop0=${ETS[rx_fifo_drops]} cpu0=${ETS[rx_cpu_packets]}
	idrop0=${ETS[rx_ingress_drops]}
	ip_stats "$ns2" "$B0"
	over0=${IPS[rx_over_errors]}

	stall 1
	check_err $? "cannot stall the FIFO"
	send_burst
	check_err $? "cannot send the burst"
	# every frame reached the port and went through the engine to the
	# host ring (queued or dropped), however long the sender's qdisc
	# took to hand them over
	wait_until "$WAIT_TIMEOUT" _arrived $((rx0 + SENT)) $((drop0 + SENT - FIFO_LEN))
	check_err $? "frames still missing: ${ARRIVED:-?}, expected $((rx0 + SENT)), $((drop0 + SENT - FIFO_LEN))"
	ethtool_stats "$ns2" "$B0"
	check_eq "rx_packets while stalled" $((rx0 + SENT)) "${ETS[rx_packets]}"
	check_eq "rx_fifo_drops" $((drop0 + SENT - FIFO_LEN)) "${ETS[rx_fifo_drops]}"
	check_eq "rx_ingress_drops" "$idrop0" "${ETS[rx_ingress_drops]}"
	check_eq "rx_cpu_packets while stalled" "$cpu0" "${ETS[rx_cpu_packets]}"
	ip_stats "$ns2" "$B0"
	check_eq "ip -s rx_over_errors" $((over0 + SENT - FIFO_LEN)) "${IPS[rx_over_errors]}"
	log_test "stalled host ring holds $FIFO_LEN frames, the other $((SENT - FIFO_LEN)) are counted drops"

	RET=0
	stall 0
	check_err $? "cannot resume the FIFO"
	wait_until "$WAIT_TIMEOUT" rx_cpu_is $((cpu0 + FIFO_LEN))
	check_err $? "rx_cpu_packets: expected $((cpu0 + FIFO_LEN)), observed $(ethtool_stat "$ns2" "$B0" rx_cpu_packets)"
	check_eq "rx_fifo_drops after resume" $((drop0 + SENT - FIFO_LEN)) \
		"$(ethtool_stat "$ns2" "$B0" rx_fifo_drops)"
	log_test "resuming delivers the $FIFO_LEN queued frames to the stack"
}

# _rx_seen N: rx_packets + rx_crc_errors of B0 grew by N since RX0 and
# CRC0 (deltas in RXD and CRCD).
_rx_seen()
{
	ethtool_stats "$ns2" "$B0" || return 1
	RXD=$((${ETS[rx_packets]:-0} - RX0)) CRCD=$((${ETS[rx_crc_errors]:-0} - CRC0))
	[ $((RXD + CRCD)) -ge "$1" ]
}

# drop_burst PERCENT N: with rx_drop=PERCENT, N frames arrive at B0;
# RXD of them were received, CRCD dropped.
drop_burst()
{
	ethtool_stats "$ns2" "$B0"
	RX0=${ETS[rx_packets]} CRC0=${ETS[rx_crc_errors]}
	echo "$1" > "$DROP"
	check_err $? "cannot set rx_drop=$1"
	send_burst "$2"
	check_err $? "cannot send the burst"
	wait_until "$WAIT_TIMEOUT" _rx_seen "$2"
	check_err $? "frames missing: received $RXD, dropped $CRCD of $2"
	check_eq "rx_packets + rx_crc_errors" "$2" $((RXD + CRCD))
}

test_rx_drop()
{
	local v crc0

	RET=0
	check_eq "rx_drop initially" 0 "$(cat "$DROP" 2> /dev/null)"
	expect_errno ERANGE "$DROP" 101
	for v in x -1 50% 1.5 "1 2"; do
		expect_errno EINVAL "$DROP" "$v"
	done
	check_eq "rx_drop after bad writes" 0 "$(cat "$DROP" 2> /dev/null)"
	log_test "rx_drop knob: 0..100, bad input refused"

	RET=0
	ip_stats "$ns2" "$B0"
	crc0=${IPS[rx_crc_errors]}
	drop_burst 100 50
	check_eq "frames received with rx_drop=100" 0 "$RXD"
	ip_stats "$ns2" "$B0"
	check_eq "ip -s rx_crc_errors" $((crc0 + 50)) "${IPS[rx_crc_errors]}"
	log_test "rx_drop=100: the MAC drops all 50 frames as corrupted"

	RET=0
	drop_burst 50 400
	[ "$RXD" -gt 0 ] && [ "$CRCD" -gt 0 ]
	check_err $? "rx_drop=50: $RXD received, $CRCD dropped of 400"
	log_info "rx_drop=50: $RXD of 400 received, $CRCD dropped"
	log_test "rx_drop=50: some of 400 frames are dropped, the others received"

	RET=0
	drop_burst 0 50
	check_eq "frames dropped with rx_drop=0" 0 "$CRCD"
	log_test "rx_drop=0: all 50 frames are received"
}

test_down_flush()
{
	local n=100

	RET=0
	ethtool_stats "$ns2" "$B0"
	local rx0=${ETS[rx_packets]} drop0=${ETS[rx_fifo_drops]}
	local cpu0=${ETS[rx_cpu_packets]}

	stall 1
	check_err $? "cannot stall the FIFO"
	send_burst $n
	check_err $? "cannot send the burst"
	# all of them are in the ring, none dropped: it holds $FIFO_LEN
	wait_until "$WAIT_TIMEOUT" _arrived $((rx0 + n)) "$drop0"
	check_err $? "frames still missing: ${ARRIVED:-?}, expected $((rx0 + n))"
	check_eq "rx_fifo_drops before the port goes down" "$drop0" \
		 "$(ethtool_stat "$ns2" "$B0" rx_fifo_drops)"
	ip -n "$ns2" link set "$B0" down
	check_err $? "cannot take $B0 down"
	ethtool_stats "$ns2" "$B0"
	check_eq "rx_fifo_drops after the port went down" $((drop0 + n)) \
		 "${ETS[rx_fifo_drops]}"
	check_eq "rx_cpu_packets after the port went down" "$cpu0" \
		 "${ETS[rx_cpu_packets]}"
	stall 0
	check_err $? "cannot resume the FIFO"
	ip -n "$ns2" link set "$B0" up
	check_err $? "cannot take $B0 up"
	wait_until "$WAIT_TIMEOUT" carrier "$ns2" "$B0"
	check_err $? "$B0 has no carrier after coming back up"
	check_eq "rx_cpu_packets after the port came back up" "$cpu0" \
		 "$(ethtool_stat "$ns2" "$B0" rx_cpu_packets)"
	log_test "port down with $n frames in the stalled ring: counted in rx_fifo_drops, none delivered"
}

test_knob
test_overflow
test_rx_drop
test_down_flush

exit_tests
