#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim receive checksum offload (rx-checksumming): the MAC checks the
# TCP and UDP checksums of the frames it passes to the host.  Good ones
# reach the stack as CHECKSUM_UNNECESSARY (counted in rx_csum_good);
# bad ones are counted in rx_csum_bad and left to the stack, which
# drops them (its UDP InCsumErrors); UDP over IPv4 without a checksum is
# not checked; with rx-checksumming off, nothing is.  TCP transfers to
# a port with rx-gro-hw off, whose segments the MAC cuts and completes
# (the receiving MAC then checks them with the payload sum recorded as
# they were cut), arrive whole and are checked good (gro_hw.sh covers
# rx-gro-hw on).
#
#   init_net [A p0 10.14.0.1 fd14::1] <-> [B p0 10.14.0.2 fd14::2] ns2

source "$(dirname "$0")"/lib.sh

require_cmd ip ethtool python3 nstat jq
npusim_load || skip_all "npusim module not available"

N=20

host_pair_setup 10.14.0 fd14

# send KIND DST: N UDP datagrams from ns2 to DST port 9: good (a socket's
# own checksum), bad (a raw socket's UDP header with a wrong checksum) or
# zero (UDP over IPv4 without a checksum).
send()
{
	ip netns exec "$ns2" python3 -c '
import socket, struct, sys
kind, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
payload = bytes(32)
if kind == "good":
    s = socket.socket(fam, socket.SOCK_DGRAM)
    for _ in range(n):
        s.sendto(payload, (dst, 9))
    sys.exit(0)
s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_UDP)
check = 0 if kind == "zero" else 0x1234
hdr = struct.pack("!HHHH", 40000, 9, 8 + len(payload), check)
for _ in range(n):
    s.sendto(hdr + payload, (dst, 0))
' "$1" "$2" "$N"
}

# port_stat NAME: ethtool counter NAME of A0
port_stat()
{
	ethtool -S "$A0" | awk -v k="$1:" '$1 == k {print $2}'
}

# udp_mib NAME: the stack's UDP and UDP6 counter NAME (InCsumErrors,
# NoPorts), summed
udp_mib()
{
	nstat -az -j | jq ".kernel.Udp$1 + .kernel.Udp6$1"
}

# _all_in FROM: the stack has seen FROM + N datagrams for port 9 (each
# either a checksum error or for a port without a socket)
_all_in()
{
	[ $(($(udp_mib InCsumErrors) + $(udp_mib NoPorts))) -ge $(($1 + N)) ]
}

# csum_case NAME KIND DST GOOD BAD ERRS: send N datagrams of KIND to DST;
# rx_csum_good grows by GOOD, rx_csum_bad by BAD and the stack's
# checksum errors by ERRS (each 0 or N).
csum_case()
{
	local name=$1 kind=$2 dst=$3 good=$4 bad=$5 errs=$6
	local g0 b0 e0 p0

	RET=0
	g0=$(port_stat rx_csum_good) b0=$(port_stat rx_csum_bad)
	e0=$(udp_mib InCsumErrors) p0=$(udp_mib NoPorts)
	send "$kind" "$dst"
	check_err $? "cannot send the $kind datagrams"
	wait_until "$WAIT_TIMEOUT" _all_in $((e0 + p0))
	check_err $? "the stack saw $(($(udp_mib InCsumErrors) + $(udp_mib NoPorts) - e0 - p0)) of $N datagrams"
	check_eq "rx_csum_good delta" "$good" $(($(port_stat rx_csum_good) - g0))
	check_eq "rx_csum_bad delta" "$bad" $(($(port_stat rx_csum_bad) - b0))
	check_eq "UDP InCsumErrors delta" "$errs" $(($(udp_mib InCsumErrors) - e0))
	log_test "$name"
}

sweep_note "bad UDP/IPv6 and TCP/IPv6"
csum_case "good UDP/IPv4: CHECKSUM_UNNECESSARY" good 10.14.0.1 "$N" 0 0
csum_case "good UDP/IPv6: CHECKSUM_UNNECESSARY" good fd14::1 "$N" 0 0
csum_case "bad UDP/IPv4: counted, dropped by the stack" bad 10.14.0.1 0 "$N" "$N"
! full_sweep ||
	csum_case "bad UDP/IPv6: counted, dropped by the stack" bad fd14::1 0 "$N" "$N"
csum_case "UDP/IPv4 without a checksum: not checked" zero 10.14.0.1 0 0 0

# tcp_case NAME DST: a 1 MiB TCP transfer from ns2 to DST, its TSO
# packets cut into segments whose checksums the sending MAC completes:
# every byte arrives, each segment is counted in rx_csum_good, none in
# rx_csum_bad, and the stack counts no checksum error.
tcp_case()
{
	local name=$1 dst=$2 len=$((1 << 20)) g0 b0 e0

	RET=0
	g0=$(port_stat rx_csum_good) b0=$(port_stat rx_csum_bad)
	e0=$(nstat -az -j | jq '.kernel.TcpInCsumErrors')
	tcp_xfer "$ns2" "$dst" "$len"
	check_err $? "the transfer did not arrive whole"
	g0=$(($(port_stat rx_csum_good) - g0))
	[ "$g0" -ge $((len / 1448)) ]
	check_err $? "rx_csum_good grew by $g0, not by one per segment"
	check_eq "rx_csum_bad delta" 0 $(($(port_stat rx_csum_bad) - b0))
	check_eq "TCP InCsumErrors delta" 0 \
		$(($(nstat -az -j | jq '.kernel.TcpInCsumErrors') - e0))
	log_test "$name"
}

# with hardware GRO, the host would get the TSO packets whole
RET=0
ethtool -K "$A0" rx-gro-hw off
check_err $? "cannot turn rx-gro-hw off"
log_test "rx-gro-hw off: the host gets every segment"
tcp_case "TCP/IPv4, segmented by the MAC: checked good" 10.14.0.1
! full_sweep || tcp_case "TCP/IPv6, segmented by the MAC: checked good" fd14::1
ethtool -K "$A0" rx-gro-hw on

RET=0
ethtool -K "$A0" rx off
check_err $? "cannot turn rx-checksumming off"
log_test "rx-checksumming off"
csum_case "rx off, good UDP/IPv4: not checked" good 10.14.0.1 0 0 0
csum_case "rx off, bad UDP/IPv4: the stack drops it alone" bad 10.14.0.1 0 0 "$N"
RET=0
ethtool -K "$A0" rx on
check_err $? "cannot turn rx-checksumming on"
log_test "rx-checksumming on"
csum_case "rx on again, good UDP/IPv6" good fd14::1 "$N" 0 0

exit_tests
