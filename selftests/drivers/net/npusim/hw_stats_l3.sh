#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own L3 offload statistics selftest,
# tools/testing/selftests/drivers/net/hw/hw_stats_l3.sh, on npusim ports.
# It is taken as it is from Debian's linux-source-6.12 (the tree that
# scripts/ksft-upstream extracts to build/ksft, copied to a temporary
# directory with the net/forwarding/lib.sh it sources), and run in a netns of its own on four ports of one npusim device wired
# pairwise, h1 -- rp1 and rp2 -- h2, given as its NETIFS:
#
#   h1 [p0] -- [p1] rp1 . 200  router  rp2 . 200 [p2] -- [p3] h2
#
# The router offloads UDP flows to the NPU with an nf_flowtable (flags
# offload) on rp1 and rp2.  The script expects a router that forwards in
# hardware from a flow's first packet, as a Spectrum switch does; the NPU
# forwards a flow only once nf_flowtable has offloaded it.  So before
# each case that counts a burst, a step added to the script's test list
# (TESTS) sends that burst, with the script's own send_packets_*, until
# the NPU forwards all of it ("ethtool -S" rx_npu_fwd_packets of the
# ingress port), and only then does the case run.  The cases themselves
# are unchanged.  Each "TEST:" line of the script is reported as a case.
#
# NPUSIM_LINUX_SRC=DIR uses the selftests of another kernel tree.

source "$(dirname "$0")"/lib.sh

require_cmd ip jq ethtool nft mausezahn
modprobe -q -a 8021q vrf nf_conntrack nf_flow_table nf_flow_table_inet \
	nft_flow_offload 2> /dev/null
npusim_load || skip_all "npusim module not available"

HERE=$(cd "$(dirname "$0")" && pwd)
KSRC=${NPUSIM_LINUX_SRC:-$(cd "$HERE/../../../.." && pwd)/build/ksft/src}
UPSTREAM=tools/testing/selftests/drivers/net/hw/hw_stats_l3.sh
TMP=

# shellcheck disable=SC2317 # called by cleanup()
cleanup_test()
{
	[ -n "$TMP" ] && rm -rf "$TMP"
	TMP=
	return 0
}
trap cleanup EXIT

# The script puts its hosts in VRFs.
ns_create ns || bail_out "cannot create a netns"
ip -n "$ns" link add name npusim-vrf type vrf table 100 2> /dev/null ||
	skip_all "no VRF support (CONFIG_NET_VRF) in this kernel"
ip -n "$ns" link del dev npusim-vrf

TMP=$(mktemp -d /tmp/npusim-hw_stats_l3.XXXXXX) || bail_out "mktemp failed"

# The upstream selftests, from the tree scripts/ksft-upstream extracted
# from linux-source (or NPUSIM_LINUX_SRC), copied: the copy gets its own
# forwarding.config.
src=$TMP/linux
mkdir -p "$src"
files=(tools/testing/selftests/net/lib.sh
       tools/testing/selftests/net/forwarding/lib.sh
       tools/testing/selftests/net/forwarding/tc_common.sh
       "$UPSTREAM")
(cd "$KSRC" && cp --parents "${files[@]}" "$src/") ||
	skip_all "$UPSTREAM not found in $KSRC: run scripts/ksft-upstream"

# Four ports in a netns of their own, wired h1 -- rp1, rp2 -- h2.
id=$(npusim_rand_id)
npusim_new "$id" 4 "$ns" || bail_out "cannot create npusim$id"
npusim_scan "$id" "$ns"
h1=${PORT_NAMES[0]} rp1=${PORT_NAMES[1]} rp2=${PORT_NAMES[2]} h2=${PORT_NAMES[3]}
npusim_link "$ns" "$h1" "$ns" "$rp1" || bail_out "cannot wire $h1 -- $rp1"
npusim_link "$ns" "$rp2" "$ns" "$h2" || bail_out "cannot wire $rp2 -- $h2"

# The router's offload flowtable.
ip netns exec "$ns" nft -f - <<- EOF || bail_out "cannot load the ruleset"
	table inet npusim {
		flowtable ft {
			hook ingress priority filter
			devices = { $rp1, $rp2 }
			flags offload
		}
		chain forward {
			type filter hook forward priority filter; policy accept;
			meta l4proto udp flow add @ft
		}
	}
EOF

# A UDP flow lives 30 s without traffic, as the flowtable last learnt
# of it from the NPU (STATS).  The script sends a flow's next burst
# about 30 s after its last one, longer on a slow VM: the flowtable
# could then expire the flow just as its next burst runs, and the NPU
# would hand that burst's packets to the stack, which the l3_stats
# counters do not see.  No flow expires while the script runs.
ip netns exec "$ns" sysctl -qw \
	net.netfilter.nf_flowtable_udp_timeout=$((WAIT_TIMEOUT * 10)) ||
	bail_out "cannot set the flowtable's UDP timeout"

# forwarding.config, sourced by net/forwarding/lib.sh: generous waits
# (never a measurement window), the ports exist, and the offload steps.
cat > "$src/tools/testing/selftests/net/forwarding/forwarding.config" <<- EOF
	NETIF_CREATE=no
	WAIT_TIMEOUT=$WAIT_TIMEOUT
	TC_HIT_TIMEOUT=$((WAIT_TIMEOUT * 1000))
	NPUSIM_DEADLINE=$WAIT_TIMEOUT

	# npusim_rx_npu PORT: the packets the NPU forwarded from PORT.
	npusim_rx_npu()
	{
		ethtool -S "\$1" | awk '\$1 == "rx_npu_fwd_packets:" { print \$2 }'
	}

	# npusim_offload DIR PROT: send_packets_DIR_PROT until the NPU
	# forwards a whole burst of it (21 packets).
	npusim_offload()
	{
		local dir=\$1 prot=\$2 in=\$rp1 end=\$((SECONDS + NPUSIM_DEADLINE)) a

		[ "\$dir" == tx ] && in=\$rp2
		while [ "\$SECONDS" -lt "\$end" ]; do
			a=\$(npusim_rx_npu "\$in")
			send_packets_\${dir}_\${prot}
			busywait 5000 until_counter_is ">= \$a + 21" \\
				npusim_rx_npu "\$in" > /dev/null && return 0
		done
		echo "INFO: npusim: \$dir \$prot flow not offloaded in \${NPUSIM_DEADLINE}s"
	}
	npusim_offload_rx_ipv4() { npusim_offload rx ipv4; }
	npusim_offload_rx_ipv6() { npusim_offload rx ipv6; }
	npusim_offload_tx_ipv4() { npusim_offload tx ipv4; }
	npusim_offload_tx_ipv6() { npusim_offload tx ipv6; }
EOF

# The script's own test list, each counting case after its offload step.
script=$src/$UPSTREAM
all=$(sed -n '/^ALL_TESTS="/,/^"/p' "$script" | tr -d '"' | sed 's/^ALL_TESTS=//')
[ -n "$all" ] || bail_out "no ALL_TESTS in $script"
tests=
for t in $all; do
	case $t in
	test_stats_rx_ipv4|test_stats_report_rx|test_double_enable)
		tests+=" npusim_offload_rx_ipv4" ;;
	test_stats_tx_ipv4|test_stats_report_tx)
		tests+=" npusim_offload_tx_ipv4" ;;
	test_stats_[rt]x_ipv6)
		p=${t#test_stats_}
		tests+=" npusim_offload_${p%_ipv6}_ipv6" ;;
	esac
	tests+=" $t"
done

# Each "TEST: NAME [ OK ]" line is a case, reported as it comes; the
# other lines are details.  The last line is the script's exit status.
log_info "running $UPSTREAM $h1 $rp1 $rp2 $h2"
t0=$SECONDS
n=0
rc=
while IFS= read -r l; do
	if [[ "$l" =~ ^npusim-exit\ ([0-9]+)$ ]]; then
		rc=${BASH_REMATCH[1]}
	elif [[ "$l" =~ ^TEST:\ (.*[^ ])\ +\[\ *([A-Z]+)\ *\]$ ]]; then
		n=$((n + 1))
		RET=0
		case ${BASH_REMATCH[2]} in
		OK|XFAIL) ;;
		SKIP) case_skip "skipped by $UPSTREAM" ;;
		*) check_err 1 "${BASH_REMATCH[2]}" ;;
		esac
		log_test "hw_stats_l3: ${BASH_REMATCH[1]}"
	else
		log_info "$l"
	fi
done < <(ip netns exec "$ns" env TESTS="$tests" bash "$script" \
		"$h1" "$rp1" "$rp2" "$h2" 2>&1 < /dev/null
	 echo "npusim-exit $?")
log_info "$UPSTREAM: exit ${rc:-?} after $((SECONDS - t0)) s"
rc=${rc:-1}

if [ "$n" -eq 0 ]; then
	[ "$rc" -eq "$ksft_skip" ] && skip_all "$UPSTREAM skipped"
	RET=0
	check_err 1 "$UPSTREAM reported no test (exit $rc)"
	log_test "hw_stats_l3"
elif [ "$rc" -ne 0 ] && [ "$KTAP_FAIL" -eq 0 ]; then
	RET=0
	check_err 1 "$UPSTREAM exited $rc"
	log_test "hw_stats_l3: exit status"
fi

exit_tests
