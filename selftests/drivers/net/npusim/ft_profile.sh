#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim chip profiles and the configuration registers they set.
#  - every profile ("new_device ID PORTS PROFILE") shows in devlink dev
#    info (npusim.profile, asic.id) and debugfs hw_info, sizes the flow
#    table and sets model/ as documented; without a profile the device
#    is "generic";
#  - unknown profiles and extra words are refused (EINVAL, no device, the
#    kernel log names the profiles); model/ refuses values out of range
#    (ERANGE) or malformed (EINVAL) and keeps its value; it refuses any
#    change while the flow table has entries (EBUSY);
#  - each register changes what the NPU does, one case each, on an
#    8-entry table of the router:
#    ways=2: a flow whose entries hash to a bucket another flow fills is
#      refused (fail_bucket_full), with 4 ways it is offloaded;
#    ipv6_nat=0: IPv6 masquerade stays [OFFLOAD] ("This chip cannot
#      offload IPv6 NAT"), IPv4 masquerade is offloaded; ipv6_nat=1:
#      offloaded;
#    counters_wrap_in=150 with 64-bit free-running counters, and with
#      40/48-bit clear-on-read ones: the entries' counters start 150 below
#      their wrap, pass it (the byte counters at once), conntrack's
#      counters still match the traffic exactly;
#    clock_offset: the 16-bit, 1 Hz clock of a running flow jumps to 6
#      ticks before its wrap; the flow runs across the wrap and stays
#      offloaded (no DESTROY, the NPU goes on forwarding it), and once
#      stopped it still ages out;
#    pkts_bits=8, bytes_bits=16: the entries' counters wrap, conntrack's
#      counters still match the traffic (the flow sends steadily, at most
#      20 datagrams a second, so that it cannot wrap a counter twice
#      between two STATS);
#    clear_on_read=1: reading flow_table/entries during the traffic
#      takes nothing from conntrack; with the dump_steals fault, what the
#      dump read is missing from conntrack (MediaTek's debugfs bug);
#    l2_bytes: the entries count frame bytes (IP + 14) or IP bytes;
#    stats_slots=4: the entries of bucket 0 (slots 0..3) count, those of
#      bucket 1 (slots 4..7) only record their last hit;
#    clock_bits=8, clock_hz=100: an idle flow looks idle for less than
#      the clock's 2.56 s wrap however long it idled; with 15 bits its
#      idle time grows;
#    clock_bits=9, clock_hz=100 and a 12 s flowtable timeout: an idle
#      flow's STATS, answered from the quiet table between the clock's
#      5.12 s wraps, still see each wrap, so the flow looks recent again
#      and outlives its timeout; with 15 bits, a clock_offset jump makes
#      its next STATS read its entries again;
#    age_udp=10: while a flow runs (100 packets through the NPU) no
#      entry ages; once it stops, the chip drops both entries on its own
#      (hw_info aged) while conntrack still shows [HW_OFFLOAD]; when the
#      flow sends again, it misses, nf_flowtable offloads it again and
#      the driver counts the two entries it lost.
#
#   client [C p0] -- [R p0 | R p1] router -- [S p0] server

source "$(dirname "$0")"/lib.sh

require_cmd ip nft ethtool devlink python3 conntrack awk
ft_begin

PROFILES="generic mt7621 mt7986 en7581 ipq807x"
# profile: asic.id, flow table size, model/ registers
declare -A PROFILE=(
	[generic]="0x5e51 16384 ways=4 clock_bits=15 clock_hz=1 pkts_bits=32 bytes_bits=48 clear_on_read=0 l2_bytes=0 stats_slots=4194304 ipv6_nat=1 max_vlans=2 pppoe=1 age_tcp=0 age_udp=0 bind_hits=0 full_policy=0 cache=0 counters_wrap_in=0 clock_offset=0 ignore_port=0 next_hops=65536"
	[mt7621]="0x7621 16384 ways=2 clock_bits=15 clock_hz=1 pkts_bits=40 bytes_bits=48 clear_on_read=1 l2_bytes=1 stats_slots=0 ipv6_nat=0 max_vlans=2 pppoe=1 age_tcp=7 age_udp=12 bind_hits=30 full_policy=1 cache=1 counters_wrap_in=0 clock_offset=0 ignore_port=0 next_hops=65536"
	[mt7986]="0x7986 16384 ways=4 clock_bits=8 clock_hz=1 pkts_bits=40 bytes_bits=48 clear_on_read=1 l2_bytes=1 stats_slots=4194304 ipv6_nat=0 max_vlans=2 pppoe=1 age_tcp=7 age_udp=12 bind_hits=30 full_policy=1 cache=1 counters_wrap_in=0 clock_offset=0 ignore_port=0 next_hops=65536"
	[en7581]="0x7581 32768 ways=1 clock_bits=15 clock_hz=1 pkts_bits=64 bytes_bits=64 clear_on_read=0 l2_bytes=1 stats_slots=8192 ipv6_nat=0 max_vlans=2 pppoe=1 age_tcp=7 age_udp=12 bind_hits=30 full_policy=2 cache=0 counters_wrap_in=0 clock_offset=0 ignore_port=0 next_hops=65536"
	[ipq807x]="0x8074 4096 ways=4 clock_bits=16 clock_hz=1 pkts_bits=32 bytes_bits=40 clear_on_read=0 l2_bytes=1 stats_slots=4194304 ipv6_nat=1 max_vlans=2 pppoe=1 age_tcp=0 age_udp=0 bind_hits=0 full_policy=0 cache=0 counters_wrap_in=0 clock_offset=0 ignore_port=0 next_hops=65536"
)
PARAMS="ways clock_bits clock_hz pkts_bits bytes_bits clear_on_read l2_bytes stats_slots ipv6_nat max_vlans pppoe age_tcp age_udp bind_hits full_policy cache counters_wrap_in clock_offset ignore_port next_hops"

# model_of ID PARAM
model_of()
{
	local v

	read -r v < "$NPUSIM_DFS/npusim$1/model/$2" || return 1
	echo "$v"
}

# check_profile ID NAME: device ID is chip NAME (devlink, debugfs, model/).
check_profile()
{
	local id=$1 p=$2 info kv want
	local -a spec

	read -r -a spec <<< "${PROFILE[$p]}"
	info=$(devlink dev info "npusim/npusim$id" 2>&1)
	[[ "$info" =~ npusim\.profile\ $p($'\n'|$) ]]
	check_err $? "$p: devlink dev info has no 'npusim.profile $p': $info"
	[[ "$info" =~ asic\.id\ ${spec[0]}($'\n'|$) ]]
	check_err $? "$p: devlink dev info has no 'asic.id ${spec[0]}': $info"
	grep -qx "profile: $p" "$NPUSIM_DFS/npusim$id/hw_info"
	check_err $? "$p: hw_info: $(tr '\n' ' ' < "$NPUSIM_DFS/npusim$id/hw_info")"
	ft_resource - "$id"
	check_eq "$p: flow_table size" "${spec[1]}" "$FT_SIZE"
	for kv in "${spec[@]:2}"; do
		want=${kv#*=}
		check_eq "$p: model/${kv%%=*}" "$want" "$(model_of "$id" "${kv%%=*}")"
	done
}

test_profiles()
{
	local p id

	for p in $PROFILES; do
		RET=0
		id=$(npusim_rand_id)
		npusim_new "$id" 1 - "$p"
		check_err $? "new_device '$id 1 $p': $ERRMSG"
		[ "$RET" -eq 0 ] && check_profile "$id" "$p"
		npusim_del "$id"
		log_test "profile $p: devlink dev info, hw_info, table size, model/"
	done

	RET=0
	id=$(npusim_rand_id)
	npusim_new "$id" 1
	check_err $? "new_device '$id 1': $ERRMSG"
	[ "$RET" -eq 0 ] && check_profile "$id" generic
	npusim_del "$id"
	log_test "a device without a profile is generic"
}

test_bad_input()
{
	local id s p v before ok
	local -A bad=(
		[ways]="3 8 5 0"
		[clock_bits]="7 17 0"
		[clock_hz]="0 1001"
		[pkts_bits]="7 65"
		[bytes_bits]="0 65"
		[clear_on_read]="2"
		[l2_bytes]="2"
		[stats_slots]="4194305 4294967295"
		[next_hops]="0 65537"
		[ipv6_nat]="2"
		[max_vlans]="3"
		[pppoe]="2"
		[age_tcp]="65536"
		[age_udp]="65536 4294967295"
		[bind_hits]="65536"
		[full_policy]="3 4294967295"
		[cache]="2"
		[counters_wrap_in]="4294967296 18446744073709551616"
		[clock_offset]="65536 4294967295"
		[ignore_port]="2"
	)

	RET=0
	id=$(npusim_rand_id)
	for s in "$id 1 mt9999" "$id 1 MT7986" "$id 1 mt7986 x" \
		 "$id 1 mt7986," "$id 1  mt79" "$id mt7986"; do
		expect_errno EINVAL "$NPUSIM_SYS/new_device" "$s"
		[ ! -e "$NPUSIM_SYS/devices/npusim$id" ]
		check_err $? "'$s' created npusim$id"
		npusim_del "$id"
	done
	dmesg 2> /dev/null | tail -n 20 | grep -q \
		"unknown profile \"mt79\"; the profiles are ${PROFILES// /, }$"
	check_err $? "the kernel log does not name the profiles"
	log_test "new_device refuses unknown profiles and extra words"

	RET=0
	npusim_new "$id" 1 - mt7986
	check_err $? "new_device '$id 1 mt7986': $ERRMSG"
	for p in $PARAMS; do
		before=$(model_of "$id" "$p")
		for v in ${bad[$p]}; do
			expect_errno ERANGE "$NPUSIM_DFS/npusim$id/model/$p" "$v"
		done
		for v in "x" "-1" "2 " "0x" "1junk" $'1\n\n'; do
			expect_errno EINVAL "$NPUSIM_DFS/npusim$id/model/$p" "$v"
		done
		check_eq "model/$p after refused writes" "$before" \
			 "$(model_of "$id" "$p")"
	done
	ok=0
	sysfs_write "$NPUSIM_DFS/npusim$id/model/ways" 2 &&
		[ "$(model_of "$id" ways)" == 2 ] &&
		sysfs_write "$NPUSIM_DFS/npusim$id/model/ways" $'0x4\n' &&
		[ "$(model_of "$id" ways)" == 4 ] || ok=1
	check_err $ok "model/ways: 2 and 0x4 not taken: $ERRMSG"
	npusim_del "$id"
	log_test "model/ refuses bad values with ERANGE or EINVAL, keeps its value"
}

# ent_read [PORT]: read flow_table/entries once, in one go (a line by
# line read seeks back, which makes seq_file show entries again: with the
# dump_steals fault, each showing reads and loses the counts); over the
# entries whose
# ingress is router port PORT (default 0): ENT_N entries, ENT_PKTS and
# ENT_BYTES their packets= and bytes= sums, ENT_IDLE the largest idle=
# ("-" if one was never hit), ENT_SLOTS their indexes (decimal); over the
# entries of the other port: ENT_PKTS_R packets.
ent_read()
{
	local l w dump

	ENT_N=0 ENT_PKTS=0 ENT_BYTES=0 ENT_IDLE=0 ENT_SLOTS='' ENT_PKTS_R=0
	dump=$(< "$NPUSIM_DFS/npusim$FT_R/flow_table/entries")
	while IFS= read -r l; do
		if [[ "$l" != *" in=p${1:-0} "* ]]; then
			w=${l#*packets=}
			[[ "$l" == *packets=* ]] &&
				ENT_PKTS_R=$((ENT_PKTS_R + ${w%% *}))
			continue
		fi
		ENT_N=$((ENT_N + 1))
		ENT_SLOTS+="${ENT_SLOTS:+ }$((16#${l%% *}))"
		for w in $l; do
			case $w in
			packets=*) ENT_PKTS=$((ENT_PKTS + ${w#*=})) ;;
			bytes=*) ENT_BYTES=$((ENT_BYTES + ${w#*=})) ;;
			idle=-) ENT_IDLE=- ;;
			idle=*) [ "$ENT_IDLE" != - ] && [ "${w#*=}" -gt "$ENT_IDLE" ] &&
				ENT_IDLE=${w#*=} ;;
			esac
		done
	done <<< "$dump"
}

# empty_table: end every flow of the router (conntrack flush), so that
# model/ can be written.
empty_table()
{
	ft_ct_flush
	check_err $? "flow table not empty after conntrack -F: occupancy $(ft_occ)"
}

# set_model PARAM=VALUE...
set_model()
{
	local kv

	for kv in "$@"; do
		ft_model "${kv%%=*}" "${kv#*=}"
		check_err $? "model/${kv%%=*}=${kv#*=}: $ERRMSG"
	done
}

test_ways()
{
	local sp bf0

	RET=0
	empty_table
	set_model ways=2
	# two flows whose four entries all hash to bucket 0 of 4 (2 ways)
	sp=$($FT_TOOL bucket --size 8 --ways 2 --count 1 --bucket 0 \
	     --in-orig 0 --in-reply 1 --client "$FT_C4" --server "$FT_S4" \
	     --dport 5901,5902)
	read -r -a sp <<< "$sp"
	check_eq "predicted source ports" 2 "${#sp[@]}"
	ft_flow_start w1 udp "$FT_S4" 5901 sport="${sp[0]}" interval=0.05
	ft_wait_ct udp 5901 HW_OFFLOAD
	check_err $? "flow 1 not offloaded: '$CT_STATE'"
	expect_errno EBUSY "$NPUSIM_DFS/npusim$FT_R/model/ways" 4
	check_eq "model/ways with entries" 2 "$(ft_model ways)"
	bf0=$(ft_dfs fail_bucket_full)
	ft_flow_start w2 udp "$FT_S4" 5902 sport="${sp[1]}" interval=0.05
	ft_wait_ct udp 5902 OFFLOAD
	check_err $? "flow 2 not in the software fast path: '$CT_STATE'"
	BAD_STATES=
	wait_until "$FT_DEADLINE" _refused "${bf0:-0}" 5902
	check_err $? "fail_bucket_full did not grow by 2 ($bf0 -> $(ft_dfs fail_bucket_full))"
	check_eq "flow 2 state while its bucket is full" "" "$BAD_STATES"
	check_eq "occupancy" 2 "$(ft_occ)"
	ft_flow_finish w2 udp
	ft_flow_finish w1 udp
	log_test "ways=2: a flow whose bucket another flow fills is refused"

	# back to 4 ways, as the later cases expect; the same two flows fit
	# a bucket of 4 ways
	RET=0
	empty_table
	set_model ways=4
	if ! full_sweep; then
		[ "$RET" -eq 0 ] || log_test "back to 4 ways for the cases that follow"
		return 0
	fi
	ft_flow_start w3 udp "$FT_S4" 5901 sport="${sp[0]}" interval=0.05
	ft_flow_start w4 udp "$FT_S4" 5902 sport="${sp[1]}" interval=0.05
	ft_wait_ct udp 5901 HW_OFFLOAD
	check_err $? "flow 1 not offloaded: '$CT_STATE'"
	ft_wait_ct udp 5902 HW_OFFLOAD
	check_err $? "flow 2 not offloaded: '$CT_STATE'"
	ft_flow_finish w3 udp
	ft_flow_finish w4 udp
	log_test "ways=4: both flows are offloaded"
}

# _refused BEFORE DPORT: fail_bucket_full grew by 2 since BEFORE (two
# REPLACE retries); the flow to DPORT must be [OFFLOAD] at every sample.
BAD_STATES=
_refused()
{
	local v

	ft_ct udp "$2"
	[ "$CT_STATE" == OFFLOAD ] || BAD_STATES+="$CT_STATE "
	v=$(ft_dfs fail_bucket_full) && [ "$v" -ge $(($1 + 2)) ]
}

test_ipv6_nat()
{
	local fu0

	RET=0
	empty_table
	set_model ipv6_nat=0
	ft_nft_load -- "$(ft_masquerade "$FT_R1")"
	check_err $? "masquerade ruleset: $ERRMSG"
	fu0=$(ft_dfs fail_unsupported)
	ft_flow_start n6 udp "$FT_S6" 5911 interval=0.05
	ft_flow_start n4 udp "$FT_S4" 5912 interval=0.05
	ft_wait_ct udp 5911 OFFLOAD
	check_err $? "IPv6 masquerade not in the software fast path: '$CT_STATE'"
	wait_until "$FT_DEADLINE" _dfs_grew fail_unsupported "${fu0:-0}"
	check_err $? "fail_unsupported did not grow ($fu0 -> $(ft_dfs fail_unsupported))"
	[[ "$(ft_dfs last_error)" == *"This chip cannot offload IPv6 NAT"* ]]
	check_err $? "last_error: '$(ft_dfs last_error)'"
	ft_wait_ct udp 5912 HW_OFFLOAD
	check_err $? "IPv4 masquerade not offloaded: '$CT_STATE'"
	ft_ct udp 5911
	check_eq "IPv6 masquerade state" OFFLOAD "$CT_STATE"
	ft_flow_finish n6 udp "$FT_RW6"
	ft_flow_finish n4 udp "$FT_RW4"
	log_test "ipv6_nat=0: IPv6 NAT stays in software, IPv4 NAT is offloaded"

	RET=0
	empty_table
	set_model ipv6_nat=1
	ft_flow_start n6b udp "$FT_S6" 5913 interval=0.05
	ft_wait_ct udp 5913 HW_OFFLOAD
	check_err $? "IPv6 masquerade not offloaded: '$CT_STATE'"
	ft_flow_finish n6b udp "$FT_RW6"
	ft_nft_load
	check_err $? "ruleset: $ERRMSG"
	log_test "ipv6_nat=1: IPv6 NAT is offloaded"
}

# _dfs_grew NAME BEFORE
_dfs_grew()
{
	local v

	v=$(ft_dfs "$1") && [ "$v" -gt "$2" ]
}

# _ct_done DPORT N NR: conntrack counted N packets in the original
# direction and NR in the reply one.
_ct_done()
{
	ft_ct udp "$1"
	[ "${CT_OPKTS:-0}" -ge "$2" ] && [ "${CT_RPKTS:-0}" -ge "$3" ]
}

# _npu_past DPORT N: the original direction's entries counted more than
# N packets (the driver's totals).
_npu_past()
{
	ent_read 0
	[ "$ENT_PKTS" -gt "$2" ]
}

# ct_exact NAME DPORT N L3 [MISSING MISSING_R]: conntrack counted N -
# MISSING packets of L3 bytes in the original direction, N - MISSING_R
# in the reply one.
ct_exact()
{
	local what=$1 n=$3 l3=$4 m=${5:-0} mr=${6:-0}

	wait_until "$FT_DEADLINE" _ct_done "$2" $((n - m)) $((n - mr))
	ft_ct udp "$2"
	log_info "$what: sent $n x $l3 B each way; ct original $CT_OPKTS pkts" \
		"$CT_OBYTES B, reply $CT_RPKTS pkts $CT_RBYTES B${5:+; $m and $mr lost}"
	check_eq "$what: ct original packets" $((n - m)) "$CT_OPKTS"
	check_eq "$what: ct original bytes" $(((n - m) * l3)) "$CT_OBYTES"
	check_eq "$what: ct reply packets" $((n - mr)) "$CT_RPKTS"
	check_eq "$what: ct reply bytes" $(((n - mr) * l3)) "$CT_RBYTES"
}

test_wrap()
{
	RET=0
	empty_table
	set_model pkts_bits=8 bytes_bits=16
	# 428 IP bytes a datagram: the byte counter wraps every 153, the
	# packet counter every 256.  STATS comes at least once a timeout
	# (else the flow would be torn down): 100 datagrams at most.
	ft_flow_start wr udp "$FT_S4" 5921 size=400 interval=0.05 steady echo
	ft_wait_ct udp 5921 HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	wait_until "$FT_DEADLINE" _npu_past 5921 300
	check_err $? "the NPU counted only $ENT_PKTS packets of the flow"
	ft_flow_finish wr udp
	ct_exact "wrap" 5921 "${FLOW_SENT:-0}" 428
	empty_table
	set_model pkts_bits=32 bytes_bits=48
	log_test "pkts_bits=8, bytes_bits=16: counters wrap, conntrack stays exact"
}

# _dump_read DPORT N: read the entries dump (and lose what it read: the
# dump_steals fault); the dumps took N packets at least of each
# direction since the flow started.
STOLEN=0 STOLEN_R=0
_dump_read()
{
	ent_read 0
	STOLEN=$((STOLEN + ENT_PKTS))
	STOLEN_R=$((STOLEN_R + ENT_PKTS_R))
	[ "$STOLEN" -ge "$2" ] && [ "$STOLEN_R" -ge "$2" ]
}

test_clear_on_read()
{
	RET=0
	empty_table
	set_model clear_on_read=1
	ft_flow_start cr udp "$FT_S4" 5931 size=100 echo
	ft_wait_ct udp 5931 HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	# the driver keeps what the dump reads: ENT_PKTS is its total
	wait_until "$FT_DEADLINE" _npu_past 5931 "$FT_NPU_PKTS"
	check_err $? "the NPU counted only $ENT_PKTS packets of the flow"
	ft_flow_finish cr udp
	ct_exact "clear_on_read" 5931 "${FLOW_SENT:-0}" 128
	log_test "clear_on_read=1: reading the entries dump takes nothing from conntrack"

	RET=0
	empty_table
	ft_dfs_set dump_steals 1
	check_err $? "dump_steals=1: $ERRMSG"
	STOLEN=0 STOLEN_R=0
	ft_flow_start cs udp "$FT_S4" 5932 size=100 echo
	ft_wait_ct udp 5932 HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	# each dump shows, and loses, what the NPU counted since the last read
	wait_until "$FT_DEADLINE" _dump_read 5932 "$FT_NPU_PKTS"
	check_err $? "the dumps read only $STOLEN packets"
	ft_flow_finish cs udp
	ft_dfs_set dump_steals 0
	check_err $? "dump_steals=0: $ERRMSG"
	ct_exact "dump_steals" 5932 "${FLOW_SENT:-0}" 128 "$STOLEN" "$STOLEN_R"
	log_test "clear_on_read=1, dump_steals: conntrack misses what the dump read"
	empty_table
	set_model clear_on_read=0
}

# byte_basis L2 WANT_EXTRA: with l2_bytes=L2, the entries count WANT_EXTRA
# bytes a packet on top of its 128 IP bytes.
byte_basis()
{
	local l2=$1 extra=$2 port=$((5941 + $1))

	RET=0
	empty_table
	set_model l2_bytes="$l2"
	ft_flow_start "bb$l2" udp "$FT_S4" "$port" size=100
	ft_wait_ct udp "$port" HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	wait_until "$FT_DEADLINE" _npu_past "$port" "$FT_NPU_PKTS"
	check_err $? "the NPU counted only $ENT_PKTS packets of the flow"
	ft_flow_finish "bb$l2" udp
	ent_read 0
	check_eq "l2_bytes=$l2: bytes of $ENT_PKTS packets" \
		 $((ENT_PKTS * (128 + extra))) "$ENT_BYTES"
	log_test "l2_bytes=$l2: the entries count $((128 + extra)) bytes for 128 IP bytes"
}

test_stats_slots()
{
	local b0 b1 s n0 n1

	RET=0
	empty_table
	set_model stats_slots=4
	b0=$($FT_TOOL bucket --size 8 --count 1 --bucket 0 --in-orig 0 \
	     --in-reply 1 --client "$FT_C4" --server "$FT_S4" --dport 5951)
	b1=$($FT_TOOL bucket --size 8 --count 1 --bucket 1 --in-orig 0 \
	     --in-reply 1 --client "$FT_C4" --server "$FT_S4" --dport 5952)
	ft_flow_start s0 udp "$FT_S4" 5951 sport="$b0" size=100
	ft_flow_start s1 udp "$FT_S4" 5952 sport="$b1" size=100
	ft_wait_ct udp 5951 HW_OFFLOAD
	check_err $? "flow in bucket 0 not offloaded: '$CT_STATE'"
	ft_wait_ct udp 5952 HW_OFFLOAD
	check_err $? "flow in bucket 1 not offloaded: '$CT_STATE'"
	ft_snap ss_a
	# the NPU forwards both flows; only bucket 0's entries count them
	wait_until "$FT_DEADLINE" _ft_grew ss_a ss_b \
		"r0.rx_npu_fwd_packets:$((2 * FT_NPU_PKTS))"
	check_err $? "the NPU forwarded too little: $(ft_grew_info ss_a ss_b r0.rx_npu_fwd_packets)"
	wait_until "$FT_DEADLINE" _npu_past 5951 "$FT_NPU_PKTS"
	# Read while the flows run: once one stops, its entries go with
	# the flowtable's 5 s timeout, maybe before the other has stopped.
	n0=0 n1=0
	while IFS= read -r s; do
		case $s in
		*":$b0->$FT_S4:5951 "*)
			n0=$((n0 + 1))
			[[ "$s" =~ ^00000[0-3]\ .*\ packets=([0-9]+)\ .*idle=[0-9]+$ ]] &&
				[ "${BASH_REMATCH[1]}" -gt 0 ]
			check_err $? "bucket 0 entry: $s" ;;
		*":$b1->$FT_S4:5952 "*)
			n1=$((n1 + 1))
			[[ "$s" =~ ^00000[4-7]\ .*\ packets=0\ bytes=0\ idle=[0-9]+$ ]]
			check_err $? "bucket 1 entry: $s" ;;
		esac
	done < "$NPUSIM_DFS/npusim$FT_R/flow_table/entries"
	check_eq "entries of the flow in bucket 0" 1 "$n0"
	check_eq "entries of the flow in bucket 1" 1 "$n1"
	[ "$RET" == 0 ] ||
		log_info "entries: $(tr '\n' ';' < "$NPUSIM_DFS/npusim$FT_R/flow_table/entries")"
	ft_flow_finish s0 udp
	ft_flow_finish s1 udp
	empty_table
	set_model stats_slots=4194304
	log_test "stats_slots=4: slots 0..3 count, slots 4..7 record the last hit only"
}

# test_wrap_wide BITS...: counters that start 150 below their wrap.
test_wrap_wide()
{
	local m port=5930

	for m in "pkts_bits=64 bytes_bits=64 clear_on_read=0" \
		 "pkts_bits=40 bytes_bits=48 clear_on_read=1"; do
		RET=0
		port=$((port + 1))
		empty_table
		# shellcheck disable=SC2086 # a list of PARAM=VALUE
		set_model $m counters_wrap_in=150
		ft_flow_start "ww$port" udp "$FT_S4" "$port" size=400 interval=0.02 echo
		ft_wait_ct udp "$port" HW_OFFLOAD
		check_err $? "flow not offloaded: '$CT_STATE'"
		wait_until "$FT_DEADLINE" _npu_past "$port" 200
		check_err $? "the NPU counted only $ENT_PKTS packets of the flow"
		ft_flow_finish "ww$port" udp
		ct_exact "wrap_in" "$port" "${FLOW_SENT:-0}" 428
		empty_table
		set_model counters_wrap_in=0 pkts_bits=32 bytes_bits=48 clear_on_read=0
		log_test "counters_wrap_in=150, $m: counters pass their wrap, conntrack stays exact"
	done
}

# _clock_in LO HI: the router's flow table clock reads LO..HI (in CLOCK).
_clock_in()
{
	CLOCK=$(sed -n 's/^clock: //p' "$NPUSIM_DFS/npusim$FT_R/hw_info")
	[ -n "$CLOCK" ] && [ "$CLOCK" -ge "$1" ] && [ "$CLOCK" -le "$2" ]
}

# clock_offset: the clock of a running offloaded flow jumps to 6 ticks
# before the wrap of a 16-bit, 1 Hz clock; the flow runs across it.
test_clock_wrap()
{
	local d0 i0 port=5940 base

	RET=0
	empty_table
	set_model clock_bits=16 clock_hz=1 clock_offset=0
	ft_flow_start cw udp "$FT_S4" "$port" size=100 interval=0.05 echo
	ft_wait_ct udp "$port" HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	d0=$(ft_dfs destroy_calls)
	i0=$(ft_dfs installs)
	_clock_in 0 65535
	base=$CLOCK
	# the clock reads 65530 now: it wraps in 6 s (a slow VM may see
	# it wrapped already: up to 10 minutes later is fine)
	set_model clock_offset=$(((65530 - base + 65536) % 65536))
	_clock_in 65500 65535 || _clock_in 0 600
	check_err $? "clock $CLOCK after clock_offset, expected 65530 or a little more"
	# the wrap, then more than the flowtable's 5 s timeout past it
	wait_until "$FT_DEADLINE" _clock_in 8 60000
	check_err $? "the clock did not pass its wrap: $CLOCK"
	ent_read 0
	wait_until "$FT_DEADLINE" _npu_past "$port" $((ENT_PKTS + 20))
	check_err $? "the NPU stopped forwarding the flow after the wrap"
	ft_ct udp "$port"
	check_eq "conntrack state after the wrap" HW_OFFLOAD "$CT_STATE"
	check_eq "DESTROYs while the flow ran across the wrap" "$d0" "$(ft_dfs destroy_calls)"
	check_eq "installs while the flow ran across the wrap" "$i0" "$(ft_dfs installs)"
	ft_flow_finish cw udp
	# idle after the wrap: nf_flowtable still times it out
	ft_wait_occ 0
	check_err $? "occupancy $(ft_occ): the idle flow did not age out after the wrap"
	empty_table
	set_model clock_offset=0 clock_bits=15
	log_test "clock_offset: a flow runs across the clock's wrap, then ages out"
}

# idle_after BITS: a flow ended, at least 3 s later its entries look
# idle for IDLE seconds (with a 100 Hz clock of BITS bits).
idle_after()
{
	local bits=$1 port=$((5960 + $1))

	empty_table
	set_model clock_hz=100 clock_bits="$bits"
	ft_flow_start "ck$bits" udp "$FT_S4" "$port" size=100 echo
	ft_wait_ct udp "$port" HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	wait_until "$FT_DEADLINE" _npu_past "$port" 20
	ft_flow_finish "ck$bits" udp
	# an idle time, not a deadline: more is fine
	sleep 3
	ent_read 0
	IDLE=$ENT_IDLE
	check_eq "entries of the flow after 3 s" 1 "$ENT_N"
}

test_clock()
{
	local t=$FT_DEADLINE

	# no ageing before the entries were read (STATS keeps refreshing
	# lastused anyway, the timeout must outlast the sleep)
	ip netns exec "$FT_NSR" sysctl -qw net.netfilter.nf_flowtable_udp_timeout=$((t * 4))
	RET=0
	idle_after 15
	[ "$IDLE" != - ] && [ "$IDLE" -ge 3 ]
	check_err $? "idle $IDLE s after at least 3 s"
	log_test "clock_bits=15, clock_hz=100: an idle flow's idle time grows (${IDLE} s)"

	RET=0
	idle_after 8
	[ "$IDLE" != - ] && [ "$IDLE" -le 2 ]
	check_err $? "idle $IDLE s with a 2.56 s clock wrap"
	log_test "clock_bits=8, clock_hz=100: idle wraps at 2.56 s (${IDLE} s after 3 s or more)"
	empty_table
	set_model clock_bits=15 clock_hz=1
	ip netns exec "$FT_NSR" sysctl -qw net.netfilter.nf_flowtable_udp_timeout=5
}

# quiet_clock: the quiet table keeps an idle flow's last use only until
# the chip's clock can wrap around its last hit, and not across a jump.
test_quiet_clock()
{
	local c0 q0 r0 port=5990

	RET=0
	empty_table
	set_model clock_hz=100 clock_bits=9
	# STATS from 1.2 s after the last use on
	ip netns exec "$FT_NSR" sysctl -qw net.netfilter.nf_flowtable_udp_timeout=12
	ft_flow_start qc1 udp "$FT_S4" "$port" size=100 echo
	ft_wait_ct udp "$port" HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	wait_until "$FT_DEADLINE" _npu_past "$port" 20
	ft_flow_finish qc1 udp
	c0=$(ft_dfs stats_calls)
	q0=$(ft_dfs stats_quiet)
	# a gc round a second at most, one STATS per direction each: 28
	# STATS are 13 s or more, longer than the timeout
	wait_until "$FT_DEADLINE" _ft_dfs_ge stats_calls $((c0 + 28))
	check_err $? "STATS stopped: stats_calls $c0 -> $(ft_dfs stats_calls)"
	ft_ct udp "$port"
	check_eq "conntrack state of the flow idle for longer than its timeout" \
		HW_OFFLOAD "$CT_STATE"
	[ "$(ft_dfs stats_quiet)" -gt "$q0" ]
	check_err $? "no STATS from the quiet table: stats_quiet $q0 -> $(ft_dfs stats_quiet)"
	empty_table
	log_test "clock_bits=9, clock_hz=100: quiet STATS see the wraps, the idle flow lives on"

	RET=0
	set_model clock_hz=1 clock_bits=15
	# STATS from 3 s after the last use on, for 27 s
	ip netns exec "$FT_NSR" sysctl -qw net.netfilter.nf_flowtable_udp_timeout=30
	ft_flow_start qc2 udp "$FT_S4" $((port + 1)) size=100 echo
	ft_wait_ct udp $((port + 1)) HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	wait_until "$FT_DEADLINE" _npu_past $((port + 1)) 20
	ft_flow_finish qc2 udp
	# idle: its STATS come from the quiet table, none reads
	q0=$(ft_dfs stats_quiet)
	wait_until "$FT_DEADLINE" _ft_dfs_ge stats_quiet $((q0 + 4))
	check_err $? "idle flow: stats_quiet $q0 -> $(ft_dfs stats_quiet)"
	r0=$(ft_dfs stats_rcu)
	set_model clock_offset=100
	wait_until "$FT_DEADLINE" _ft_dfs_ge stats_rcu $((r0 + 2))
	check_err $? "no STATS read the entries after the clock jumped: stats_rcu $r0 -> $(ft_dfs stats_rcu)"
	empty_table
	set_model clock_offset=0
	ip netns exec "$FT_NSR" sysctl -qw net.netfilter.nf_flowtable_udp_timeout=5
	log_test "clock_offset: a jump of the clock empties the quiet table"
}

# hw_aged: the router chip's entries dropped by its ageing (hw_info).
hw_aged()
{
	sed -n 's/^aged: //p' "$NPUSIM_DFS/npusim$FT_R/hw_info"
}

# _relearnt L0: the driver found 2 entries lost since L0 and the flow has
# its 2 entries again.
_relearnt()
{
	local l

	l=$(ft_dfs lost) && [ "$l" -ge $(($1 + 2)) ] && [ "$(ft_occ)" == 2 ]
}

test_ageing()
{
	local a0 l0 sp=47001

	RET=0
	empty_table
	set_model age_udp=10
	# nf_flowtable must not age the flow before the chip does
	ip netns exec "$FT_NSR" sysctl -qw \
		net.netfilter.nf_flowtable_udp_timeout=$((FT_DEADLINE * 4))
	a0=$(hw_aged)
	ft_flow_start ag1 udp "$FT_S4" 5971 sport=$sp interval=0.05 echo
	ft_wait_ct udp 5971 HW_OFFLOAD
	check_err $? "flow not offloaded: '$CT_STATE'"
	wait_until "$FT_DEADLINE" _npu_past 5971 100
	check_err $? "the NPU counted only $ENT_PKTS packets of the flow"
	check_eq "entries aged while the flow ran" "$a0" "$(hw_aged)"
	ft_flow_finish ag1 udp
	ft_wait_occ 0
	check_err $? "occupancy $(ft_occ) long after the flow stopped"
	check_eq "entries aged" $((a0 + 2)) "$(hw_aged)"
	ft_ct udp 5971
	check_eq "conntrack state after the chip aged the entries" HW_OFFLOAD "$CT_STATE"
	l0=$(ft_dfs lost)
	ft_flow_start ag2 udp "$FT_S4" 5971 sport=$sp interval=0.05 echo
	wait_until "$FT_DEADLINE" _relearnt "$l0"
	check_err $? "not offloaded again: lost $l0 -> $(ft_dfs lost), occupancy $(ft_occ)"
	ft_flow_finish ag2 udp
	empty_table
	set_model age_udp=0
	ip netns exec "$FT_NSR" sysctl -qw net.netfilter.nf_flowtable_udp_timeout=5
	log_test "age_udp=10: idle entries age out in the chip, the flow comes back"
}

test_profiles
test_bad_input

ft_setup size=8 tcp_timeout=5 udp_timeout=5
ft_nft_load || bail_out "ruleset: $ERRMSG"
sweep_note "ways=4, the wide counters' wraps and l2_bytes=0"
test_ways
test_ipv6_nat
test_wrap
! full_sweep || test_wrap_wide
test_clock_wrap
test_clear_on_read
! full_sweep || byte_basis 0 0
byte_basis 1 14
test_stats_slots
test_clock
test_quiet_clock
test_ageing

exit_tests
