#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim nf_flowtable hardware offload: a flow re-offloaded while the
# DESTROY of its previous instance is still pending.  nf_flowtable sends
# the new REPLACE (new cookie, same 5-tuple) and the old DESTROY from two
# workqueues in either order; the driver must keep both entries and let
# each DESTROY remove only its own.  The debugfs knob
# flow_table/destroy_hold holds the old DESTROY back until the test
# releases it, so that the overlap is certain and lasts as long as the
# test needs (flow_table/destroys_held counts the held calls):
#
#   1. a UDP flow (fixed source port) is offloaded: cookies A, 2 entries;
#   2. its conntrack entry is deleted: nf_flowtable tears the flow down and
#      sends DESTROY(A), which the driver holds;
#   3. datagrams of the same 5-tuple too large for the client's MTU
#      arrive fragmented, which the NPU punts; they reach the stack, create
#      a new conntrack entry and a new flow: REPLACE(B) is installed next
#      to A (4 entries, 2 per tuple);
#   4. meanwhile the flow's datagrams hit B's entry, the newest of the
#      two with their key, not A's;
#   5. DESTROY(A) is released: B's 2 entries remain, the flow is
#      [HW_OFFLOAD] and its datagrams are forwarded by the NPU.
#
#   client [C p0] -- [R p0 | R p1] router -- [S p0] server

source "$(dirname "$0")"/lib.sh

require_cmd ip nft ethtool devlink python3 conntrack awk sort socat head

HOLD_F=

cleanup_test()
{
	[ -n "$HOLD_F" ] && [ -w "$HOLD_F" ] && echo 0 > "$HOLD_F"
	ft_cleanup
}
ft_begin
# The flow is idle between the test's bursts, and on a slow VM the gaps
# can outlast the default 30 s: no aging here, only the removals the
# test makes.
ft_setup udp_timeout=3600
HOLD_F=$NPUSIM_DFS/npusim$FT_R/flow_table/destroy_hold
[ -w "$HOLD_F" ] || skip_all "npusim has no flow_table/destroy_hold"

DPORT=5601
SPORT=40601

ENTRIES_F=$NPUSIM_DFS/npusim$FT_R/flow_table/entries

# cookies_of TUPLE_PATTERN [ENTRIES]: the sorted cookies of the entries
# whose line matches the pattern, in ENTRIES (the entries file's text) or
# the entries file.
cookies_of()
{
	grep -e "$1" <<< "${2-$(cat "$ENTRIES_F" 2> /dev/null)}" |
		awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^cookie=/) print $i }' |
		sort | tr '\n' ' '
}

# packets_of TUPLE_PATTERN COOKIE ENTRIES: hardware packet count of that
# entry in ENTRIES (the entries file's text).
packets_of()
{
	grep -e "$1" <<< "$3" |
		awk -v c="$2" '$2 == c {
			for (i = 1; i <= NF; i++)
				if ($i ~ /^packets=/) print substr($i, 9)
		}'
}

# udp_burst COUNT SIZE: datagrams of the flow; the server receives them
# all.
udp_burst()
{
	local count=$1 size=$2 rc res=$FT_TMP/burst.res ready=$FT_TMP/burst.ready

	rm -f "$ready"
	$FT_TOOL --netns "$FT_NSS" --max-time "$FT_FLOW_MAX" udp-recv "$DPORT" \
		--count "$count" --timeout "$FT_DEADLINE" --ready "$ready" > "$res" 2>&1 &
	local rpid=$!
	ft_ready_wait "$ready" || { kill "$rpid"; ERRMSG="receiver not ready"; return 1; }
	$FT_TOOL --netns "$FT_NSC" --max-time "$FT_FLOW_MAX" udp-send "$FT_S4" "$DPORT" \
		--count "$count" --sport "$SPORT" --size "$size" --interval 0.01 > /dev/null
	rc=$?
	wait "$rpid" || rc=1
	grep -q "received=$count " "$res" || { rc=1; ERRMSG="receiver: $(cat "$res")"; }
	return $rc
}

# udp_quick COUNT SIZE: COUNT datagrams of SIZE bytes from the flow's
# source port, sent by socat.  A sink started before takes them at the
# server.
udp_quick()
{
	local f=$FT_TMP/quick.$1.$2

	[ -s "$f" ] || head -c $(($1 * $2)) /dev/zero > "$f"
	ip netns exec "$FT_NSC" timeout "$FT_FLOW_MAX" socat -b "$2" -u "OPEN:$f" \
		"UDP4-SENDTO:$FT_S4:$DPORT,sourceport=$SPORT,reuseaddr"
}

# _udp_bound NS PORT: a UDP socket is bound to PORT in NS.
_udp_bound()
{
	local out

	out=$(ip netns exec "$1" ss -Hlun "sport = :$2")
	[ -n "$out" ]
}

ct_delete()
{
	ip netns exec "$FT_NSR" conntrack -D -p udp --dport "$DPORT" > /dev/null 2>&1
}

RET=0
ft_nft_load
check_err $? "loading the ruleset failed: $ERRMSG"
ft_ct_flush
udp_burst 100 200
check_err $? "first burst: $ERRMSG"
ft_wait_ct udp "$DPORT" HW_OFFLOAD
check_err $? "ct state '$CT_STATE', expected [HW_OFFLOAD]"
ft_wait_entries 2
check_err $? "$(ft_entries) entries, expected 2"
ORIG="udp $FT_C4:$SPORT->$FT_S4:$DPORT"
REPL="udp $FT_S4:$DPORT->$FT_C4:$SPORT"
A=$(cookies_of "$ORIG\|$REPL")
[ "$(wc -w <<< "$A")" -eq 2 ]
check_err $? "cookies of the flow: '$A', expected 2"
log_info "first instance: $A"
log_test "flow offloaded: one cookie per direction"

_held()
{
	[ "$(ft_dfs destroys_held)" == "$1" ]
}

RET=0
d0=$(ft_dfs destroy_calls)
echo 1 > "$HOLD_F"
check_err $? "cannot set destroy_hold"
bg_run ip netns exec "$FT_NSS" timeout "$FT_FLOW_MAX" socat -u \
	"UDP4-RECV:$DPORT,reuseaddr" /dev/null
wait_until "$WAIT_TIMEOUT" _udp_bound "$FT_NSS" "$DPORT"
check_err $? "the sink at the server does not listen"
f0=$(ethtool_stat "$FT_NSR" "$FT_R0" rx_punt_fragment)
# conntrack -D: A's DESTROY is queued within the flowtable's 1 s gc period
# and held back; the flow's next datagrams are fragmented, pass the NPU
# and re-create it
ct_delete
check_err $? "conntrack -D failed"
wait_until "$WAIT_TIMEOUT" _held 1
check_err $? "DESTROY(A) not held: destroys_held $(ft_dfs destroys_held)"
udp_quick 20 3000
check_err $? "burst of fragmented datagrams failed"
f1=$(ethtool_stat "$FT_NSR" "$FT_R0" rx_punt_fragment)
[ -n "$f0" ] && [ -n "$f1" ] && [ $((f1 - f0)) -ge 40 ]
check_err $? "$FT_R0 rx_punt_fragment moved from '$f0' to '$f1' (expected +40)"
ft_wait_entries 4
check_err $? "$(ft_entries) entries while DESTROY(A) is pending, expected 4"
# The overlap lasts until DESTROY(A) is released.
E0=$(< "$ENTRIES_F")
udp_quick 20 200
QUICK=$?
E1=$(< "$ENTRIES_F")
ALL=$(cookies_of "$ORIG\|$REPL" "$E0")
N_ORIG=$(cookies_of "$ORIG" "$E0" | wc -w)
N_REPL=$(cookies_of "$REPL" "$E0" | wc -w)
check_eq "entries for $ORIG" 2 "$N_ORIG"
check_eq "entries for $REPL" 2 "$N_REPL"
B=$(tr ' ' '\n' <<< "$ALL" | grep -v -x -F -e "${A%% *}" -e "$(awk '{ print $2 }' <<< "$A")" |
	grep . | sort | tr '\n' ' ')
[ "$(wc -w <<< "$B")" -eq 2 ]
check_err $? "new cookies next to $A: '$B', expected 2"
[ "$RET" -eq 0 ] || ft_dfs_dump
log_test "re-offload while DESTROY is pending: both instances installed"

RET=0
check_err $QUICK "burst during the overlap failed"
# the original-direction cookies of A and B
for c in $A; do [ -n "$(packets_of "$ORIG" "$c" "$E0")" ] && CA=$c; done
for c in $B; do [ -n "$(packets_of "$ORIG" "$c" "$E0")" ] && CB=$c; done
pa0=$(packets_of "$ORIG" "$CA" "$E0") pb0=$(packets_of "$ORIG" "$CB" "$E0")
pa1=$(packets_of "$ORIG" "$CA" "$E1") pb1=$(packets_of "$ORIG" "$CB" "$E1")
check_eq "entries still there after the burst" 4 "$(grep -c packets= <<< "$E1")"
check_eq "hits on the old entry ($CA)" 0 $((pa1 - pa0))
[ $((pb1 - pb0)) -ge 20 ]
check_err $? "hits on the new entry ($CB): $((pb1 - pb0)), expected >= 20"
[ "$RET" -eq 0 ] || ft_dfs_dump
log_test "the newest entry of a key wins"

RET=0
check_eq "DESTROYs still held" 1 "$(ft_dfs destroys_held)"
echo 0 > "$HOLD_F"
ft_wait_entries 2
check_err $? "$(ft_entries) entries after DESTROY(A), expected 2"
LEFT=$(cookies_of "$ORIG\|$REPL")
check_eq "cookies left" "$B" "$LEFT"
d1=$(ft_dfs destroy_calls)
check_eq "DESTROY calls" 2 $((d1 - d0))
bg_kill_all
[ "$RET" -eq 0 ] || ft_dfs_dump
log_test "DESTROY of the old instance removes only its own entries"

RET=0
ft_snap reoff_a
udp_burst 100 200
check_err $? "burst after the re-offload: $ERRMSG"
ft_snap reoff_b
d=$(ft_delta reoff_a reoff_b r0.rx_npu_fwd_packets)
[ "$d" != "?" ] && [ "$d" -ge 100 ]
check_err $? "NPU forwarded $d of 100 datagrams of the re-offloaded flow"
ft_ct udp "$DPORT"
check_eq "ct state" HW_OFFLOAD "$CT_STATE"
[ "$(awk '{ s += $0 } END { print s }' < <(grep -e "$ORIG" \
	"$NPUSIM_DFS/npusim$FT_R/flow_table/entries" |
	sed 's/.* packets=\([0-9]*\) .*/\1/'))" -ge 100 ]
check_err $? "the new entry did not count the datagrams"
log_test "the re-offloaded flow is forwarded by the NPU with its new entry"

RET=0
ft_ct_flush
check_err $? "entries left after conntrack -F: $(ft_entries)"
log_test "conntrack -F removes the new instance"

exit_tests
