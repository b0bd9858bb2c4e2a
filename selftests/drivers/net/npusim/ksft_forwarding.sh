#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own forwarding selftests (tools/testing/selftests/net/
# forwarding of Debian's linux-source, extracted by scripts/ksft-upstream,
# never copied here) on npusim ports.  They are written for a switch
# whose ports are cabled to host ports, given on their command line as
# NETIFS p1..pN, cabled p1 -- p2, p3 -- p4, p5 -- p6.  Here each script
# gets a netns of its own holding one npusim device with as many ports as
# the script needs (its NUM_NETIFS), wired the same way:
#
#   p1 [port 0] -- [port 1] p2    p3 [port 2] -- [port 3] p4    ...
#
# The scripts put their hosts in VRFs and their switch ports in bridges
# or routers of that netns.  Each "TEST:" line of a script is a case
# here, named after the script; a case the script skips because this
# machine lacks something (an iproute2 too old for a bridge option)
# keeps the script's reason.  A failure is a failure: a switch should
# pass all of them.  Arguments, if any, name the scripts to run.
#
# NPUSIM_LINUX_SRC=DIR uses the selftests of another kernel tree.

source "$(dirname "$0")"/lib.sh

require_cmd ip jq bridge ping mausezahn
modprobe -q -a 8021q vrf bridge 2> /dev/null
npusim_load || skip_all "npusim module not available"

HERE=$(cd "$(dirname "$0")" && pwd)
KSRC=${NPUSIM_LINUX_SRC:-$(cd "$HERE/../../../.." && pwd)/build/ksft/src}
FWD=$KSRC/tools/testing/selftests/net/forwarding
[ -r "$FWD/lib.sh" ] ||
	skip_all "no net/forwarding selftests in $KSRC: run scripts/ksft-upstream"

# most time one upstream script may take
KSFT_TIMEOUT=${KSFT_TIMEOUT:-1800}
OUT=$(mktemp /tmp/npusim-ksft-fwd.XXXXXX) || bail_out "mktemp failed"

# shellcheck disable=SC2317 # called by cleanup()
cleanup_test()
{
	rm -f "$OUT"
}
trap cleanup EXIT

# The scripts' hosts are VRFs.
probe=
ns_create probe || bail_out "cannot create a netns"
ip -n "$probe" link add name npusim-vrf type vrf table 100 2> /dev/null ||
	skip_all "no VRF support (CONFIG_NET_VRF) in this kernel"
ns_del "$probe"

# run_fwd SCRIPT: run net/forwarding/SCRIPT on a fresh device and report
# its cases.
run_fwd()
{
	local t=$1 n ns id i rc l cases=0 result name
	local -a ifs=()

	n=$(sed -n 's/^NUM_NETIFS=\([0-9]\+\).*/\1/p' "$FWD/$t" | head -n 1)
	if [ -z "$n" ]; then
		RET=0
		check_err 1 "$t: not found, or no NUM_NETIFS in it"
		log_test "$t"
		return
	fi
	ns_create ns || bail_out "cannot create a netns"
	id=$(npusim_rand_id)
	npusim_new "$id" "$n" "$ns" || bail_out "cannot create npusim$id"
	ifs=("${PORT_NAMES[@]}")
	for ((i = 0; i + 1 < n; i += 2)); do
		npusim_link "$ns" "${ifs[i]}" "$ns" "${ifs[i + 1]}" ||
			bail_out "cannot wire ${ifs[i]} -- ${ifs[i + 1]}"
	done
	log_info "$t on ${ifs[*]}"

	# The ports exist (NETIF_CREATE=no).  ping gets four times the
	# lib's 5 s for its replies (an idle machine's figure); the lib's
	# sleep of WAIT_TIME (5 s) after each carrier wait is for a PHY that
	# passes no traffic yet: an npusim port does once its carrier is up.
	(cd "$FWD" &&
	 NETIF_CREATE=no PING_TIMEOUT=20 WAIT_TIME=0 \
		timeout "$KSFT_TIMEOUT" \
		ip netns exec "$ns" bash "./$t" "${ifs[@]}") > "$OUT" 2>&1 < /dev/null
	rc=$?
	sed "s|^|# $t: |" "$OUT"
	while IFS= read -r l; do
		RET=0
		if [[ $l =~ ^TEST:\ (.*[^ ])\ +\[\ *(OK|FAIL|SKIP|XFAIL)\ *\]$ ]]; then
			name=${BASH_REMATCH[1]}
			result=${BASH_REMATCH[2]}
		elif [[ $l =~ ^SKIP:\ (.*)$ ]]; then
			name=${BASH_REMATCH[1]}
			result=SKIP
		else
			continue
		fi
		cases=$((cases + 1))
		case $result in
		OK) ;;
		SKIP) case_skip "skipped by $t" ;;
		XFAIL) case_skip "expected to fail (XFAIL) by $t" ;;
		*) check_err 1 "see the log above" ;;
		esac
		log_test "${t%.sh}: $name"
	done < "$OUT"
	RET=0
	if [ "$cases" -eq 0 ]; then
		check_err 1 "no result, exit status $rc"
		log_test "$t"
	elif [ "$rc" -ne 0 ] && [ "$rc" -ne "$ksft_skip" ] &&
	     ! grep -q '^TEST: .*\[ *FAIL *\]$' "$OUT"; then
		check_err 1 "exit status $rc, but no case failed"
		log_test "${t%.sh}: exit status"
	fi

	npusim_del "$id"
	ns_del "$ns"
}

TESTS=${*:-bridge_vlan_aware.sh bridge_vlan_unaware.sh bridge_sticky_fdb.sh
	bridge_port_isolation.sh bridge_fdb_learning_limit.sh
	bridge_locked_port.sh router.sh router_vid_1.sh router_bridge.sh
	router_bridge_vlan.sh}
for t in $TESTS; do
	run_fwd "$t"
done

exit_tests
