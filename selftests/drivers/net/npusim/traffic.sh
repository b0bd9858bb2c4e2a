#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim traffic: ping and TCP between two namespaces over linked ports,
# exact packet/byte counters (ethtool -S and stats64), hardware segmentation
# of TSO frames, and routing through a 4-port device.
#
#   direct: ns1 [npusimA p0 10.11.0.1] <-> [npusimB p0 10.11.0.2] ns2
#   routed: nsc [C p0 10.21.1.2] <-> [R p0 10.21.1.1 | R p1 10.21.2.1] nsr
#           nsr [R p1] <-> [S p0 10.21.2.2] nss; R p2 <-> R p3 (idle)

source "$(dirname "$0")"/lib.sh

require_cmd ip jq ethtool ping socat iperf3 ss cmp
npusim_load || skip_all "npusim module not available"

TMPD=$(mktemp -d /tmp/npusim-traffic.XXXXXX)
# shellcheck disable=SC2317 # called by cleanup()
cleanup_test()
{
	rm -rf "$TMPD"
}
trap cleanup EXIT

PING_COUNT=10
PING_SIZE=1000
# ICMP payload + ICMP header + IPv4 header + Ethernet header (no FCS).
FRAME_LEN=$((PING_SIZE + 8 + 20 + 14))

ns1='' ns2='' nsc='' nsr='' nss=''
# No IPv6 at all in the direct namespaces: no RS/ND/MLD noise on the wire.
quiet_pair_setup 10.11.0
ns_create nsc nsr nss || bail_out "cannot create netns"

# snap NS DEV PREFIX: store ethtool -S and stats64 counters in globals
# PREFIX_eth_<stat> and PREFIX_ip_<stat>.
snap()
{
	local ns=$1 dev=$2 p=$3 k

	ethtool_stats "$ns" "$dev" || check_err 1 "ethtool -S $dev failed"
	for k in "${!ETS[@]}"; do
		printf -v "${p}_eth_$k" '%s' "${ETS[$k]}"
	done
	ip_stats "$ns" "$dev" || check_err 1 "ip -s link show $dev failed"
	for k in "${!IPS[@]}"; do
		printf -v "${p}_ip_$k" '%s' "${IPS[$k]}"
	done
}

# delta NAME PRE POST: print POST_NAME - PRE_NAME ("?" if unknown).
delta()
{
	local a="${2}_$1" b="${3}_$1"

	if [ -z "${!a:-}" ] || [ -z "${!b:-}" ]; then
		echo "?"
	else
		echo $((${!b} - ${!a}))
	fi
}

# The bulk transfers: 4 MiB with socat, 10 MiB with iperf3; on a KASAN
# kernel 1 and 2 MiB, still hundreds of TSO packets each.
XFER_MIB=4
IPERF_MIB=10
if kernel_has_kasan; then
	XFER_MIB=1
	IPERF_MIB=2
fi

# iperf3_xfer NS_SRV NS_CLI ADDR PORT: IPERF_MIB with iperf3; at least that
# much sent, some of it received.  iperf3's receiver stops counting (and
# closes, discarding what is still queued) when the sender says the test
# is over, so neither its receive total nor the port counters are exact on
# a slow kernel.  Exact byte counts and data integrity are checked on the
# socat transfers, whose receiver reads to EOF.
iperf3_xfer()
{
	local pid out sent recv

	ip netns exec "$1" timeout 600 iperf3 -s -1 -B "$3" -p "$4" \
		> /dev/null 2>&1 &
	pid=$!
	BG_PIDS+=("$pid")
	wait_listen "$1" "$4"
	check_err $? "iperf3 server does not listen"
	out=$(ip netns exec "$2" timeout 600 iperf3 -c "$3" -p "$4" \
		-n "${IPERF_MIB}M" -J)
	check_err $? "iperf3 client failed"
	wait "$pid"
	sent=$(jq -r '.end.sum_sent.bytes' <<< "$out" 2> /dev/null)
	recv=$(jq -r '.end.sum_received.bytes' <<< "$out" 2> /dev/null)
	[ "${sent:-0}" -ge $((IPERF_MIB << 20)) ] 2> /dev/null
	check_err $? "iperf3 sent '$sent' bytes, expected >= $((IPERF_MIB << 20))"
	[ "${recv:-0}" -gt 0 ] 2> /dev/null
	check_err $? "iperf3 received '$recv' of '$sent' bytes"
	log_info "iperf3: sent $sent, received $recv bytes"
}

# socat_xfer NS_SRV NS_CLI ADDR PORT OUT: send $TMPD/in with socat and wait
# until the receiver has read it to EOF and exited.
socat_xfer()
{
	local pid

	ip netns exec "$1" timeout 600 socat -u "TCP-LISTEN:$4,reuseaddr" \
		"OPEN:$5,creat,trunc" &
	pid=$!
	BG_PIDS+=("$pid")
	ip netns exec "$2" timeout 600 socat -u "OPEN:$TMPD/in" \
		"TCP:$3:$4,retry=50,interval=0.2"
	check_err $? "socat client failed"
	wait "$pid"
	check_err $? "socat server failed"
	cmp -s "$TMPD/in" "$5"
	check_err $? "received file differs from the sent one"
}

test_ping()
{
	RET=0
	ip netns exec "$ns1" ping -q -c 3 -i 0.2 -W "$WAIT_TIMEOUT" 10.11.0.2 > /dev/null
	check_err $? "ping 10.11.0.2 from $ns1 failed"
	ip netns exec "$ns2" ping -q -c 3 -i 0.2 -W "$WAIT_TIMEOUT" 10.11.0.1 > /dev/null
	check_err $? "ping 10.11.0.1 from $ns2 failed"
	log_test "ping between namespaces over linked ports"
}

test_counters_exact()
{
	local out d st side bytes=$((PING_COUNT * FRAME_LEN))

	RET=0
	snap "$ns1" "$A0" a0
	snap "$ns2" "$B0" b0
	out=$(ip netns exec "$ns1" ping -q -c "$PING_COUNT" -s "$PING_SIZE" -i 0.2 \
	      -W "$WAIT_TIMEOUT" 10.11.0.2)
	check_err $? "ping -c $PING_COUNT -s $PING_SIZE failed: ${out//$'\n'/ }"
	snap "$ns1" "$A0" a1
	snap "$ns2" "$B0" b1
	local -a failed_eth=() failed_ip=()

	for side in a b; do
		for st in rx_packets tx_packets; do
			d=$(delta "eth_$st" ${side}0 ${side}1)
			[ "$d" == "$PING_COUNT" ] ||
				failed_eth+=("$side:$st +$d (expected +$PING_COUNT)")
			d=$(delta "ip_$st" ${side}0 ${side}1)
			[ "$d" == "$PING_COUNT" ] ||
				failed_ip+=("$side:stats64 $st +$d (expected +$PING_COUNT)")
		done
		for st in rx_bytes tx_bytes; do
			d=$(delta "eth_$st" ${side}0 ${side}1)
			[ "$d" == "$bytes" ] ||
				failed_eth+=("$side:$st +$d (expected +$bytes)")
			d=$(delta "ip_$st" ${side}0 ${side}1)
			[ "$d" == "$bytes" ] ||
				failed_ip+=("$side:stats64 $st +$d (expected +$bytes)")
		done
		for st in rx_fifo_drops rx_oversize_drops tx_link_drops; do
			d=$(delta "eth_$st" ${side}0 ${side}1)
			[ "$d" == 0 ] || failed_eth+=("$side:$st +$d (expected +0)")
		done
		for st in rx_dropped tx_dropped rx_errors tx_errors; do
			d=$(delta "ip_$st" ${side}0 ${side}1)
			[ "$d" == 0 ] || failed_ip+=("$side:stats64 $st +$d (expected +0)")
		done
	done
	for d in "${failed_eth[@]}"; do
		check_err 1 "$d"
	done
	log_test "ethtool -S: ping moves packets and bytes exactly"

	RET=0
	for d in "${failed_ip[@]}"; do
		check_err 1 "$d"
	done
	log_test "ip -s link: ping moves stats64 packets and bytes exactly"

	RET=0
	for side in a b; do
		for st in rx_packets tx_packets rx_bytes tx_bytes; do
			local e="${side}1_eth_$st" i="${side}1_ip_$st"
			check_eq "$side:$st ethtool vs stats64" "${!e:-?}" "${!i:-?}"
		done
	done
	log_test "ethtool -S and stats64 agree"
}

test_tcp_direct()
{
	local d pk by pre=b0 post=b1 size=$((XFER_MIB << 20))

	RET=0
	head -c "$size" /dev/urandom > "$TMPD/in"
	snap "$ns2" "$B0" $pre
	socat_xfer "$ns2" "$ns1" 10.11.0.2 4321 "$TMPD/out"
	snap "$ns2" "$B0" $post
	log_test "TCP transfer (socat, $XFER_MIB MiB), data intact"

	# TSO: the sender hands 64k frames to the driver; the receiver must
	# see frames of at most MTU + 14 bytes (so, many of them), carrying
	# every byte the receiver read.
	RET=0
	pk=$(delta eth_rx_packets $pre $post)
	by=$(delta eth_rx_bytes $pre $post)
	if [ "$pk" == "?" ] || [ "$by" == "?" ] || [ "$pk" -eq 0 ]; then
		check_err 1 "no rx counters on $B0 (packets $pk, bytes $by)"
	else
		[ $((by / pk)) -le 1514 ]
		check_err $? "$B0: $by bytes in $pk frames, average > 1514"
		[ "$pk" -ge $((size / 1448)) ]
		check_err $? "$B0: $pk frames for $size bytes of payload"
		[ "$by" -ge "$size" ]
		check_err $? "$B0: only $by bytes received for $size of payload"
	fi
	d=$(delta eth_rx_oversize_drops $pre $post)
	check_eq "$B0 rx_oversize_drops" 0 "$d"
	log_info "$B0 received $by bytes in $pk frames"
	log_test "TSO segmented to MTU-sized frames"

	RET=0
	iperf3_xfer "$ns2" "$ns1" 10.11.0.2 5201
	log_test "TCP transfer (iperf3 -n ${IPERF_MIB}M)"
}

setup_routed()
{
	local r0 r1 r2 r3 c0 s0

	C=$(npusim_rand_id)
	npusim_new "$C" 1 "$nsc" || return 1
	c0=${PORT_NAMES[0]}
	R=$(npusim_rand_id)
	npusim_new "$R" 4 "$nsr" || return 1
	r0=${PORT_NAMES[0]} r1=${PORT_NAMES[1]} r2=${PORT_NAMES[2]} r3=${PORT_NAMES[3]}
	R1=$r1
	S=$(npusim_rand_id)
	npusim_new "$S" 1 "$nss" || return 1
	s0=${PORT_NAMES[0]}
	npusim_link "$nsc" "$c0" "$nsr" "$r0" || return 1
	npusim_link "$nsr" "$r1" "$nss" "$s0" || return 1
	npusim_link "$nsr" "$r2" "$nsr" "$r3" || return 1
	ip netns exec "$nsr" sysctl -qw net.ipv4.ip_forward=1 || return 1
	ip -n "$nsc" -b - <<- EOF || return 1
		addr add 10.21.1.2/24 dev $c0
		link set $c0 up
		route add default via 10.21.1.1
	EOF
	ip -n "$nsr" -b - <<- EOF || return 1
		addr add 10.21.1.1/24 dev $r0
		addr add 10.21.2.1/24 dev $r1
		link set $r0 up
		link set $r1 up
		link set $r2 up
		link set $r3 up
	EOF
	ip -n "$nss" -b - <<- EOF || return 1
		addr add 10.21.2.2/24 dev $s0
		link set $s0 up
		route add default via 10.21.2.1
	EOF
	wait_until "$WAIT_TIMEOUT" carrier "$nsc" "$c0" && wait_until "$WAIT_TIMEOUT" carrier "$nss" "$s0"
}

test_routed()
{
	local tx0 tx1

	RET=0
	setup_routed
	check_err $? "setup failed: ${ERRMSG:-see above}"
	ip netns exec "$nsc" ping -q -c 3 -i 0.2 -W "$WAIT_TIMEOUT" 10.21.2.2 > /dev/null
	check_err $? "ping 10.21.2.2 from client failed"
	log_test "routed: ping client -> server through a 4-port device"

	RET=0
	iperf3_xfer "$nss" "$nsc" 10.21.2.2 5202
	log_test "routed: iperf3 -n ${IPERF_MIB}M client -> server"

	RET=0
	tx0=$(ethtool_stat "$nsr" "$R1" tx_bytes)
	socat_xfer "$nss" "$nsc" 10.21.2.2 4322 "$TMPD/out2"
	tx1=$(ethtool_stat "$nsr" "$R1" tx_bytes)
	[ -n "$tx0" ] && [ -n "$tx1" ] && [ $((tx1 - tx0)) -ge $((XFER_MIB << 20)) ]
	check_err $? "router port $R1 tx_bytes moved from '$tx0' to '$tx1'"
	log_test "routed: TCP transfer (socat, $XFER_MIB MiB), data intact"
}

test_ping
test_counters_exact
test_tcp_direct
test_routed

exit_tests
