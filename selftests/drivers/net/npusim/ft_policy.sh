#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim nf_flowtable offload policy: which flowtable a flow direction is
# offloaded for, and which device counts what.
#
#   - a flow routed out of a router port the flowtable does not list:
#     neither direction may be in the NPU (the unlisted port would forward
#     in hardware what its software path never sees);
#   - a per-port unbind (nft delete flowtable ... { devices = { p1 } }):
#     the entries through p1 go, and the refreshes that follow must not
#     bring them back;
#   - one flowtable listing ports of two npusim devices: the device that
#     does not own a flow counts its REPLACEs in skipped_foreign, not in
#     fail_unsupported, and keeps its last_error.
#
# Every assertion waits for a counter (REPLACE calls seen by the driver),
# never for time to pass.
#
#   client [C p0] -- [R p0 | R p1] router -- [S p0] server
#                        [X p0]  (a second device in the router, unwired)

source "$(dirname "$0")"/lib.sh

require_cmd ip nft devlink python3 conntrack
ft_begin

ft_setup

# How long to wait for nf_flowtable's work queues (REPLACE, refresh).
POL_WAIT=$FT_DEADLINE

X=$(npusim_rand_id)
npusim_new "$X" 1 "$FT_NSR" || bail_out "cannot create npusim$X"
X0=${PORT_NAMES[0]}

# pol_nft DEV...: the router's ruleset, an offload flowtable on DEV...
# and a forward chain that adds TCP and UDP flows to it.
pol_nft()
{
	local devs

	devs=$(IFS=,; echo "$*")
	ERRMSG=$(ip netns exec "$FT_NSR" nft -f - 2>&1 <<- EOF
		flush ruleset
		table inet filter {
			flowtable ft {
				hook ingress priority filter
				devices = { $devs }
				flags offload
			}
			chain forward {
				type filter hook forward priority filter; policy accept;
				meta l4proto { tcp, udp } flow add @ft
			}
		}
	EOF
	)
}

# pol_flow_start DPORT: an endless UDP flow client -> server:DPORT that
# the server echoes (both directions carry traffic), 50 datagrams/s.
pol_flow_start()
{
	local ready=$FT_TMP/ready.$1

	rm -f "$ready"
	bg_run $FT_TOOL --netns "$FT_NSS" --max-time 600 udp-recv "$1" \
		--count 1000000 --timeout 600 --echo \
		--ready "$ready" > /dev/null 2>&1
	wait_until "$POL_WAIT" test -e "$ready" ||
		bail_out "UDP receiver on port $1 not ready"
	bg_run $FT_TOOL --netns "$FT_NSC" --max-time 600 udp-send \
		"$FT_S4" "$1" --count 30000 --interval 0.02 > /dev/null 2>&1
}

# pol_ct DPORT: the flags of the router's conntrack entry for udp DPORT:
# HW_OFFLOAD, OFFLOAD, or NONE (no entry or neither flag).
pol_ct()
{
	local out

	out=$(ip netns exec "$FT_NSR" conntrack -L -p udp --dport "$1" 2> /dev/null)
	case $out in
	*"[HW_OFFLOAD]"*) echo HW_OFFLOAD ;;
	*"[OFFLOAD]"*) echo OFFLOAD ;;
	*) echo NONE ;;
	esac
}

_pol_ct_in()
{
	local s

	s=$(pol_ct "$1")
	[[ " $2 " == *" $s "* ]]
}

# pol_dfs ID NAME: a flow_table debugfs file of device ID (one line).
pol_dfs()
{
	local v=

	read -r v < "$NPUSIM_DFS/npusim$1/flow_table/$2" || return 1
	echo "$v"
}

# _pol_dfs_ge ID NAME N: the counter is at least N.
_pol_dfs_ge()
{
	local v

	v=$(pol_dfs "$1" "$2") && [ "$v" -ge "$3" ]
}

# pol_entries ID [PATTERN]: entries of device ID (matching PATTERN).
pol_entries()
{
	local n=0 l

	while IFS= read -r l; do
		[[ "$l" == *packets=* ]] || continue
		[ -z "${2:-}" ] || [[ "$l" == *$2* ]] || continue
		n=$((n + 1))
	done < "$NPUSIM_DFS/npusim$1/flow_table/entries"
	echo "$n"
}

_pol_entries_is()
{
	[ "$(pol_entries "$1")" == "$2" ]
}

# pol_through_p1: entries that enter or leave through the router's p1.
pol_through_p1()
{
	local a b

	a=$(pol_entries "$FT_R" " in=p1 ")
	b=$(pol_entries "$FT_R" " out=p1 ")
	echo $((a + b))
}

pol_dump()
{
	local id l

	for id in "$@"; do
		log_info "npusim$id: replace_calls=$(pol_dfs "$id" replace_calls)" \
			"installs=$(pol_dfs "$id" installs)" \
			"fail_unsupported=$(pol_dfs "$id" fail_unsupported)" \
			"skipped_foreign=$(pol_dfs "$id" skipped_foreign 2> /dev/null)" \
			"last_error='$(pol_dfs "$id" last_error)'"
		while IFS= read -r l; do
			log_info "  $l"
		done < "$NPUSIM_DFS/npusim$id/flow_table/entries"
	done
}

pol_reset()
{
	bg_kill_all
	ip netns exec "$FT_NSR" nft flush ruleset
	ip netns exec "$FT_NSR" conntrack -F > /dev/null 2>&1
	wait_until "$POL_WAIT" _pol_entries_is "$FT_R" 0 ||
		log_info "npusim$FT_R: entries left: $(pol_entries "$FT_R")"
}

# A flow routed out of a port of the same device that the flowtable does
# not list (p1): the ingress of its reply direction and the egress of its
# original direction are unlisted, so neither direction goes to the NPU;
# the software flowtable still takes the flow on p0.
test_unlisted_port()
{
	local r0

	RET=0
	pol_nft "$FT_R0"
	check_err $? "flowtable on $FT_R0 only: $ERRMSG"
	r0=$(pol_dfs "$FT_R" replace_calls)
	pol_flow_start 6001
	wait_until "$POL_WAIT" _pol_ct_in 6001 "OFFLOAD HW_OFFLOAD"
	check_err $? "the flow never reached the flowtable (ct: $(pol_ct 6001))"
	# Both directions were offered to the NPU (and handled under its lock).
	wait_until "$POL_WAIT" _pol_dfs_ge "$FT_R" replace_calls $((r0 + 2))
	check_err $? "replace_calls $(pol_dfs "$FT_R" replace_calls), expected >= $((r0 + 2))"
	check_eq "entries through the unlisted port" 0 "$(pol_through_p1)"
	check_eq "entries" 0 "$(pol_entries "$FT_R")"
	check_eq "ct state" OFFLOAD "$(pol_ct 6001)"
	[[ "$(pol_dfs "$FT_R" last_error)" == *"not in the flowtable"* ]]
	check_err $? "last_error: '$(pol_dfs "$FT_R" last_error)'"
	[ "$RET" -eq 0 ] || pol_dump "$FT_R"
	log_test "flow out of an unlisted port of the device: not offloaded"
	pol_reset
}

# A per-port unbind flushes the entries through the port; the refreshes of
# the flow, which keeps running through the software flowtable on p0, must
# not install them again.
test_port_unbind()
{
	local r0

	RET=0
	pol_nft "$FT_R0" "$FT_R1"
	check_err $? "flowtable on $FT_R0, $FT_R1: $ERRMSG"
	pol_flow_start 6002
	wait_until "$POL_WAIT" _pol_ct_in 6002 HW_OFFLOAD
	check_err $? "flow not offloaded (ct: $(pol_ct 6002))"
	wait_until "$POL_WAIT" _pol_entries_is "$FT_R" 2
	check_err $? "entries: $(pol_entries "$FT_R"), expected 2"
	log_test "flow through listed ports: offloaded"

	RET=0
	ERRMSG=$(ip netns exec "$FT_NSR" nft delete flowtable inet filter ft \
		 "{ devices = { $FT_R1 }; }" 2>&1)
	if [ $? -ne 0 ]; then
		case_skip "nft cannot remove a device from a flowtable: $ERRMSG"
		log_test "per-port unbind: entries through the port do not come back"
		pol_reset
		return
	fi
	wait_until "$POL_WAIT" _pol_entries_is "$FT_R" 0
	check_err $? "entries after the unbind of $FT_R1: $(pol_entries "$FT_R")"
	# Traffic goes on through the software flowtable on p0, whose
	# refreshes re-send REPLACE for both directions: wait for two.
	r0=$(pol_dfs "$FT_R" replace_calls)
	wait_until "$POL_WAIT" _pol_dfs_ge "$FT_R" replace_calls $((r0 + 2))
	check_err $? "no REPLACE after the unbind (replace_calls $(pol_dfs "$FT_R" replace_calls))"
	check_eq "entries through $FT_R1 after the refreshes" 0 "$(pol_through_p1)"
	check_eq "entries after the refreshes" 0 "$(pol_entries "$FT_R")"
	[ "$RET" -eq 0 ] || pol_dump "$FT_R"
	log_test "per-port unbind: entries through the port do not come back"
	pol_reset
}

# One flowtable over ports of two devices: X sees every REPLACE of R's
# flows and must count them as skipped, not failed, and keep last_error.
test_two_devices()
{
	local x0 f0 s0 r

	RET=0
	x0=$(pol_dfs "$X" replace_calls)
	f0=$(pol_dfs "$X" fail_unsupported)
	s0=$(pol_dfs "$X" skipped_foreign)
	check_err $? "npusim$X has no flow_table/skipped_foreign"
	s0=${s0:-0}
	pol_nft "$FT_R0" "$FT_R1" "$X0"
	check_err $? "flowtable on $FT_R0, $FT_R1, $X0: $ERRMSG"
	pol_flow_start 6003
	wait_until "$POL_WAIT" _pol_ct_in 6003 HW_OFFLOAD
	check_err $? "flow not offloaded (ct: $(pol_ct 6003))"
	wait_until "$POL_WAIT" _pol_entries_is "$FT_R" 2
	check_err $? "npusim$FT_R entries: $(pol_entries "$FT_R"), expected 2"
	wait_until "$POL_WAIT" _pol_dfs_ge "$X" replace_calls $((x0 + 2))
	check_err $? "npusim$X saw no REPLACE (replace_calls $(pol_dfs "$X" replace_calls))"
	r=$(pol_dfs "$X" replace_calls)
	check_eq "npusim$X fail_unsupported" "$f0" "$(pol_dfs "$X" fail_unsupported)"
	check_eq "npusim$X skipped_foreign" $((s0 + r - x0)) \
		"$(pol_dfs "$X" skipped_foreign 2> /dev/null)"
	check_eq "npusim$X last_error" none "$(pol_dfs "$X" last_error)"
	check_eq "npusim$X entries" 0 "$(pol_entries "$X")"
	check_eq "npusim$FT_R last_error" none "$(pol_dfs "$FT_R" last_error)"
	check_eq "npusim$FT_R skipped_foreign" 0 \
		"$(pol_dfs "$FT_R" skipped_foreign 2> /dev/null)"
	[ "$RET" -eq 0 ] || pol_dump "$FT_R" "$X"
	log_test "two devices on one flowtable: foreign flows skipped, not failed"
	pol_reset
}

test_two_devices
test_port_unbind
test_unlisted_port

exit_tests
