#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own driver selftests (tools/testing/selftests/drivers/net
# of Debian's linux-source, extracted by scripts/ksft-upstream, never
# copied here) against npusim ports:
#
#  - the Python tests (ping.py, stats.py, queues.py, hw/csum.py) take
#    NETIF, the local and remote addresses and REMOTE_TYPE=netns from the
#    environment: NETIF is a port in this namespace, wired to a port of
#    another npusim device in the "remote" namespace (ksft_run.py runs
#    them, and gives 6.12's hw/csum.py the remote interface's name);
#
#      init_net [A p0 192.0.2.1] <-> [B p0 192.0.2.2] remote
#
#  - the net/forwarding-style shell tests (hw/loopback.sh, hw/ethtool.sh)
#    take two ports wired to each other on their command line; they run
#    in a namespace of their own, "fwd", since they change its routing
#    rules.
#
# Each upstream case is one case here, with its own result; a skip
# keeps its reason.  Arguments, if any, name the upstream tests to run
# (ping.py, hw/loopback.sh, ...).  The cases npusim must pass are listed in MUST_PASS:
# one of them failing or skipping is a failure.

source "$(dirname "$0")"/lib.sh

require_cmd ip jq python3 socat ethtool
npusim_load || skip_all "npusim module not available"

# The upstream tests are 6.12's: they need its netdev netlink family
# (queue statistics: 6.10) and npusim has none on older kernels.
kernel_at_least 6 10 ||
	skip_all "the upstream tests are 6.12's, they need queue statistics (6.10); this kernel is $KERNEL_RELEASE"

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../../.." && pwd)
KSFT=$REPO/build/ksft/src/tools/testing/selftests
[ -d "$KSFT/drivers/net/lib/py" ] ||
	skip_all "no upstream selftests in build/ksft: run scripts/ksft-upstream"

# upstream cases that must pass on npusim
MUST_PASS="ping.test_v4 ping.test_v6 ping.test_tcp
stats.pkt_byte_sum stats.qstat_by_ifindex stats.check_down
queues.get_queues
csum.ipv4_rx_tcp csum.ipv4_rx_tcp_invalid csum.ipv4_rx_udp
csum.ipv4_rx_udp_invalid csum.ipv4_tx_udp_csum_offload
csum.ipv4_tx_udp_zero_checksum
csum.ipv6_rx_tcp csum.ipv6_rx_tcp_invalid csum.ipv6_rx_udp
csum.ipv6_rx_udp_invalid csum.ipv6_tx_udp_csum_offload
csum.ipv6_tx_udp_zero_checksum
loopback
force_speed_10_on_both_ends force_speed_100_on_both_ends
force_speed_1000_on_both_ends force_speed_2500_on_both_ends
force_speed_10000_on_both_ends force_of_different_speeds_autoneg_off
force_speed_10_vs._autoneg force_speed_100_vs._autoneg
force_speed_1000_vs._autoneg force_speed_2500_vs._autoneg
force_speed_10000_vs._autoneg check_highest_speed
advertise_different_speeds_autoneg_on"

# most time one upstream script may take
KSFT_TIMEOUT=${KSFT_TIMEOUT:-1800}
OUT=$(mktemp /tmp/npusim-ksft.XXXXXX)

# shellcheck disable=SC2317 # called by cleanup()
cleanup_test()
{
	rm -f "$OUT"
}
trap cleanup EXIT

npusim_pair_new remote
# stats.py takes NETIF down and up: IPv6 addresses must stay for the
# tests after it, as an operator running them on a NIC would set.
sysctl -qw "net.ipv6.conf.$A0.keep_addr_on_down=1" ||
	bail_out "cannot keep $A0's addresses on down"
ip addr add 192.0.2.1/24 dev "$A0" &&
	ip -6 addr add 2001:db8::1/64 dev "$A0" nodad &&
	ip link set "$A0" up || bail_out "cannot configure $A0"
ip -n "$remote" addr add 192.0.2.2/24 dev "$B0" &&
	ip -n "$remote" -6 addr add 2001:db8::2/64 dev "$B0" nodad &&
	ip -n "$remote" link set "$B0" up || bail_out "cannot configure $B0"
wait_until "$WAIT_TIMEOUT" carrier "" "$A0" || bail_out "$A0: no carrier"

# Two ports of one device wired to each other, for the forwarding tests,
# in a namespace of their own: those tests change the routing rules.
ns_create fwd || bail_out "cannot create netns"
C=$(npusim_rand_id)
npusim_new "$C" 2 "$fwd" || bail_out "cannot create npusim$C"
C0=${PORT_NAMES[0]} C1=${PORT_NAMES[1]}
npusim_link "$fwd" "$C0" "$fwd" "$C1" || bail_out "cannot link: $ERRMSG"

# upstream_case NAME RESULT REASON: one upstream case as a case here.
upstream_case()
{
	local name=$1 result=$2 reason=$3 must=0

	grep -qxF -- "$name" <<< "$MUST_PASS" && must=1
	RET=0
	case $result in
	pass) ;;
	skip)
		if [ "$must" = 1 ]; then
			check_err 1 "skipped, but npusim must pass it: $reason"
		else
			case_skip "$reason"
		fi
		;;
	*)
		check_err 1 "${reason:-failed}"
		;;
	esac
	log_test "upstream $name"
}

# run_py TEST: run the Python test TEST (relative to drivers/net) and
# report each of its KTAP cases.
run_py()
{
	local t=$1 rc l n=0 name result reason

	# queues.py counts a port's queues in sysfs, which a kernel without
	# RPS (the debug kernel) does not show.
	if [ "$t" = queues.py ] && [ ! -d "/sys/class/net/$A0/queues/rx-0" ]; then
		upstream_case "$t" skip "no rx queues in sysfs (kernel without CONFIG_RPS)"
		return
	fi

	(cd "$KSFT/drivers/net" &&
	 NETIF=$A0 LOCAL_V4=192.0.2.1 REMOTE_V4=192.0.2.2 \
	 LOCAL_V6=2001:db8::1 REMOTE_V6=2001:db8::2 \
	 REMOTE_TYPE=netns REMOTE_ARGS=$remote REMOTE_IFNAME=$B0 \
	 timeout "$KSFT_TIMEOUT" python3 "$HERE/ksft_run.py" "./$t") > "$OUT" 2>&1
	rc=$?
	sed "s|^|# $t: |" "$OUT"
	while IFS= read -r l; do
		[[ $l =~ ^(not\ )?ok\ [0-9]+\ ([^ ]+)(\ #\ (SKIP|XFAIL)\ ?(.*))?$ ]] ||
			continue
		n=$((n + 1))
		name=${BASH_REMATCH[2]}
		if [ -n "${BASH_REMATCH[1]}" ]; then
			result=fail reason="see the log above"
		elif [ -n "${BASH_REMATCH[4]}" ]; then
			result=skip reason="${BASH_REMATCH[4]}: ${BASH_REMATCH[5]}"
		else
			result=pass reason=
		fi
		upstream_case "$name" "$result" "$reason"
	done < "$OUT"
	if [ "$n" = 0 ]; then
		if [ "$rc" = "$ksft_skip" ]; then
			upstream_case "$t" skip "$(tail -n 1 "$OUT")"
		else
			upstream_case "$t" fail "no result, exit status $rc"
		fi
	fi
}

# run_sh TEST: run the forwarding-style test TEST (relative to
# drivers/net) on the wired ports C0 and C1 and report each of its cases.
run_sh()
{
	local t=$1 rc l n=0 name result reason

	# The PHY tests take minutes of link flaps: once, on the stock kernel.
	if [ "$t" = hw/ethtool.sh ] && [[ $(uname -r) == *-npusim-debug ]]; then
		upstream_case "$t" skip "long; run on the stock kernel only"
		return
	fi
	# hw/ethtool.sh forces and negotiates link speeds: it assumes a PHY
	# and fails, rather than skips, without one.
	if [ "$t" = hw/ethtool.sh ] &&
	   ! ip netns exec "$fwd" ethtool "$C0" |
		grep -q 'Supported link modes:.*base'; then
		upstream_case "$t" skip "the ports have no PHY to negotiate speeds"
		return
	fi

	# forwarding/lib.sh lets ping take PING_TIMEOUT (5) s for its 10
	# replies, an idle machine's figure: four times that.  hw/ethtool.sh
	# also waits it out twice where it expects ping to fail, so not the
	# suite's five-minute deadline.  The carrier wait (WAIT_TIMEOUT, 20 s)
	# stays: npusim's link state follows a speed change at once.  Once the
	# carrier is up, the lib sleeps WAIT_TIME (5 s) more for a PHY whose
	# link passes no traffic yet: an npusim port's does as soon as its
	# carrier is up, and every ping has its own deadline, so no sleep
	# (hw/ethtool.sh waits about 30 times).
	(cd "$KSFT/drivers/net/$(dirname "$t")" &&
	 NETIF_CREATE=no PING_TIMEOUT=20 WAIT_TIME=0 \
		timeout "$KSFT_TIMEOUT" \
		ip netns exec "$fwd" bash "./$(basename "$t")" "$C0" "$C1") \
		> "$OUT" 2>&1
	rc=$?
	sed "s|^|# $t: |" "$OUT"
	while IFS= read -r l; do
		[[ $l =~ ^TEST:\ (.*[^ ])\ +\[\ ?(OK|FAIL|SKIP|XFAIL)\ ?\]$ ]] || continue
		n=$((n + 1))
		name=${BASH_REMATCH[1]// /_}
		case ${BASH_REMATCH[2]} in
		OK) result=pass reason= ;;
		SKIP|XFAIL) result=skip reason=${BASH_REMATCH[2]} ;;
		*) result=fail reason="see the log above" ;;
		esac
		upstream_case "$name" "$result" "$reason"
	done < "$OUT"
	if [ "$n" = 0 ]; then
		if [ "$rc" = "$ksft_skip" ] || grep -q '^SKIP' "$OUT"; then
			upstream_case "$t" skip "$(grep -m1 '^SKIP' "$OUT" || tail -n 1 "$OUT")"
		else
			upstream_case "$t" fail "no result, exit status $rc"
		fi
	fi
}

# [TEST...]: only these (ping.py, hw/loopback.sh, ...)
TESTS=${*:-ping.py stats.py queues.py hw/csum.py hw/loopback.sh hw/ethtool.sh}
for t in $TESTS; do
	case $t in
	*.py) run_py "$t" ;;
	*) run_sh "$t" ;;
	esac
done

exit_tests
