#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim debugfs flow_table/entries with a large table: thousands of UDP
# flows (two datagrams each, from as many source ports) are offloaded,
# then the dump must list every entry exactly once, in hardware index
# order, whether it is read in one go or in small reads (which make the
# seq_file iterator stop and start again many times), and its line count
# must equal the devlink occupancy.  Deleting the flowtable then removes
# them all in its unbind, a batch of 64 per hold of the device lock.
#
#   client [C p0] -- [R p0 | R p1] router -- [S p0] server

source "$(dirname "$0")"/lib.sh

require_cmd ip nft devlink python3 dd
ft_begin

FLOWS=${FLOWS:-1500}

# Long flowtable timeouts: the first flows must outlive the last install.
# A table much larger than the flows: no bucket may overflow.
ft_setup size=262144 udp_timeout=3600
ENTRIES=$NPUSIM_DFS/npusim$FT_R/flow_table/entries

# check_dump LABEL FILE: FILE holds a dump of $((2 * FLOWS)) entries.
check_dump()
{
	local label=$1 f=$2 n=0 prev=-1 idx l bad=0 dup=0
	local -A seen

	while IFS= read -r l; do
		if ! [[ "$l" =~ ^([0-9a-f]{6})\ cookie=[0-9a-f]+\ in=p[01]\ udp\ .*\ packets=[0-9]+\ bytes=[0-9]+\ idle=[-0-9]+$ ]]; then
			bad=$((bad + 1))
			[ $bad -le 3 ] && log_info "$label: bad line: $l"
			continue
		fi
		idx=$((16#${BASH_REMATCH[1]}))
		[ -n "${seen[$idx]:-}" ] && dup=$((dup + 1))
		seen[$idx]=1
		[ "$idx" -gt "$prev" ]
		check_err $? "$label: index $idx after $prev: not in index order"
		prev=$idx
		n=$((n + 1))
	done < "$f"
	check_eq "$label: lines" $((2 * FLOWS)) "$n"
	check_eq "$label: malformed lines" 0 "$bad"
	check_eq "$label: duplicate indexes" 0 "$dup"
}

test_large_dump()
{
	local out b0 b1 r0 r1

	RET=0
	ft_nft_load
	check_err $? "ruleset: $ERRMSG"
	# Two datagrams per source port: the second one, its conntrack
	# entry confirmed, makes the flow (two entries) go to the NPU.
	ip netns exec "$FT_NSC" python3 - "$FT_S4" "$FLOWS" <<- 'EOF'
		import socket, sys
		dst, n = sys.argv[1], int(sys.argv[2])
		for _ in range(2):
		    for i in range(n):
		        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		        s.bind(('0.0.0.0', 20000 + i))
		        s.sendto(b'x' * 32, (dst, 9))
		        s.close()
	EOF
	check_err $? "sending the datagrams failed"
	ft_wait_occ $((2 * FLOWS)) $((2 * FT_DEADLINE))
	check_err $? "occupancy $(ft_occ), expected $((2 * FLOWS))"
	log_test "$FLOWS flows offloaded: occupancy $((2 * FLOWS))"
	[ "$RET" -eq 0 ] || return

	RET=0
	out=$FT_TMP/dump.big
	cat "$ENTRIES" > "$out"
	check_err $? "reading $ENTRIES failed"
	log_info "dump: $(wc -c < "$out") bytes"
	check_dump "one read" "$out"
	log_test "entries dump, read whole: every entry once, in index order"

	RET=0
	out=$FT_TMP/dump.small
	dd if="$ENTRIES" of="$out" bs=100 status=none
	check_err $? "reading $ENTRIES by 100 bytes failed"
	check_dump "100-byte reads" "$out"
	# The same entries: all but the counters and idle time, which move.
	[ "$(sed 's/ packets=.*//' "$FT_TMP/dump.big")" == \
	  "$(sed 's/ packets=.*//' "$out")" ]
	check_err $? "the dump read by 100 bytes differs from the dump read whole"
	ft_resource "$FT_NSR" "$FT_R"
	check_eq "occupancy after the dumps" $((2 * FLOWS)) "$FT_OCC"
	log_test "entries dump, read by 100 bytes: the same dump"

	# nf_tables unbinds the flowtable before it frees it (and sends
	# its last DESTROYs): the unbind flush removes every entry, 64 at a
	# time, letting go of the device lock between batches.
	RET=0
	b0=$(ft_dfs flush_batches)
	r0=$(ft_dfs removals)
	ip netns exec "$FT_NSR" nft flush ruleset
	check_err $? "nft flush ruleset failed"
	ft_wait_occ 0
	check_err $? "occupancy $(ft_occ) after nft flush ruleset, expected 0"
	b1=$(ft_dfs flush_batches)
	r1=$(ft_dfs removals)
	check_eq "entries removed by the unbind" $((2 * FLOWS)) $((r1 - r0))
	[ $((b1 - b0)) -ge $((2 * FLOWS / 64)) ]
	check_err $? "unbind flush of $((2 * FLOWS)) entries in $((b1 - b0)) lock holds, expected >= $((2 * FLOWS / 64))"
	log_info "unbind flush: $((r1 - r0)) entries, $((b1 - b0)) lock holds"
	log_test "unbind of $((2 * FLOWS)) entries: removed 64 per hold of the lock"

	RET=0
	ip netns exec "$FT_NSR" conntrack -F > /dev/null 2>&1
	check_eq "lines of the dump of an empty table" 0 "$(wc -l < "$ENTRIES")"
	log_test "entries dump of an empty table: empty"
}

test_large_dump

exit_tests
