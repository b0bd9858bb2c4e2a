#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim nf_flowtable hardware offload: flow table capacity.
#  - size 4 (one bucket of 4 ways = 2 connections): the 3rd flow stays in
#    the software fast path ([OFFLOAD]) and keeps working while
#    fail_table_full grows by two retries; once the first two age out, it
#    is offloaded (nf_flowtable retries REPLACE while packets flow in
#    software).
#  - size 8 (2 buckets): flows whose entries all hash to the same bucket
#    fail with fail_bucket_full while the table still has room; a flow in
#    the other bucket is still offloaded.  (The bucket is predicted with
#    ft_tool.py bucket, the same jhash2 as the emulated hardware.)
#  - devlink resource: 1048576 is accepted (occupancy 0); 3, 0, 5000000, 6
#    are refused and change nothing.

source "$(dirname "$0")"/lib.sh

require_cmd ip nft ethtool devlink python3 conntrack awk
ft_begin

TIMEOUT=5

# _refused DFS_COUNTER BEFORE PORT: the NPU refused the flow of PORT twice
# more (REPLACE is retried while it runs in software) since BEFORE; every
# sample of it on the way must be [OFFLOAD] (else BAD_STATES grows).
BAD_STATES=
_refused()
{
	local v

	ft_ct udp "$3"
	[ "$CT_STATE" == OFFLOAD ] || BAD_STATES+="$CT_STATE "
	v=$(ft_dfs "$1") && [ "$v" -ge $(($2 + 2)) ]
}

test_table_full()
{
	local full0 full1

	RET=0
	ft_topology_setup size=4 udp_timeout=$TIMEOUT tcp_timeout=$TIMEOUT
	check_err $? "topology with a 4-entry table: ${ERRMSG:-see above}"
	ft_resource "$FT_NSR" "$FT_R"
	check_eq "devlink flow_table size" 4 "$FT_SIZE"
	ft_nft_load
	check_err $? "ruleset: $ERRMSG"
	log_test "flow table resized to 4 entries"
	[ "$RET" -eq 0 ] || return

	RET=0
	# Every flow runs until it is stopped.
	ft_flow_start f1 udp "$FT_S4" 5601 interval=0.05
	ft_flow_start f2 udp "$FT_S4" 5602 interval=0.05
	ft_wait_ct udp 5601 HW_OFFLOAD
	check_err $? "flow 1 not offloaded: '$CT_STATE'"
	ft_wait_ct udp 5602 HW_OFFLOAD
	check_err $? "flow 2 not offloaded: '$CT_STATE'"
	check_eq "occupancy with two flows" 4 "$(ft_occ)"
	full0=$(ft_dfs fail_table_full)
	ft_flow_start f3 udp "$FT_S4" 5603 interval=0.05
	ft_wait_ct udp 5603 OFFLOAD
	check_err $? "flow 3 not in the software fast path: '$CT_STATE'"
	# it must stay there while the table is full: over two more refused
	# REPLACE retries
	BAD_STATES=
	wait_until "$FT_DEADLINE" _refused fail_table_full "${full0:-0}" 5603
	check_err $? "fail_table_full did not grow by 2 ($full0 -> $(ft_dfs fail_table_full))"
	check_eq "flow 3 state while the table is full" "" "$BAD_STATES"
	full1=$(ft_dfs fail_table_full)
	ft_ct udp 5601
	check_eq "flow 1 state while flow 3 is refused" HW_OFFLOAD "$CT_STATE"
	ft_ct udp 5602
	check_eq "flow 2 state while flow 3 is refused" HW_OFFLOAD "$CT_STATE"
	check_eq "occupancy with a full table" 4 "$(ft_occ)"
	log_info "fail_table_full $full0 -> $full1"
	log_test "table full: 3rd flow stays [OFFLOAD], fail_table_full grows"

	RET=0
	ft_flow_finish f1 udp
	ft_flow_finish f2 udp
	ft_wait_ct udp 5603 HW_OFFLOAD
	check_err $? "flow 3 not offloaded after flows 1, 2 aged out: '$CT_STATE'"
	ft_wait_occ 2
	check_err $? "occupancy $(ft_occ), expected 2 (flow 3 only)"
	# flow 3's entries are the only ones left
	wait_until "$FT_DEADLINE" _ft_npu_grew "0:0:$FT_NPU_PKTS"
	check_err $? "flow 3 not forwarded by the NPU: $(ft_entries_packets) packets on its entries"
	ft_flow_finish f3 udp
	log_test "table full: 3rd flow offloaded once room frees, data intact"
	ft_topology_teardown
}

test_bucket_full()
{
	local sp b0 bf0 bf1 tf0 tf1

	RET=0
	ft_topology_setup size=8 udp_timeout=$TIMEOUT tcp_timeout=$TIMEOUT
	check_err $? "topology with an 8-entry table: ${ERRMSG:-see above}"
	ft_nft_load
	check_err $? "ruleset: $ERRMSG"
	# router port p0 faces the client, p1 the server; the key's in_port
	# is the port number.
	b0=$($FT_TOOL bucket --size 8 --count 1 --bucket 0 --in-orig 0 \
	     --in-reply 1 --client "$FT_C4" --server "$FT_S4" \
	     --dport 5701,5702,5703)
	sp=$($FT_TOOL bucket --size 8 --count 1 --bucket 1 --in-orig 0 \
	     --in-reply 1 --client "$FT_C4" --server "$FT_S4" --dport 5704)
	read -r -a sp0 <<< "$b0"
	check_eq "predicted source ports" 3 "${#sp0[@]}"
	log_info "source ports for bucket 0: ${sp0[*]}, bucket 1: $sp"
	# Flows 1 and 2 fill bucket 0 until they are stopped at the end: were
	# one to end and age out, flow 3 would take its place.
	ft_flow_start b1 udp "$FT_S4" 5701 sport="${sp0[0]}" interval=0.05
	ft_flow_start b2 udp "$FT_S4" 5702 sport="${sp0[1]}" interval=0.05
	ft_wait_ct udp 5701 HW_OFFLOAD
	check_err $? "flow 1 (bucket 0) not offloaded: '$CT_STATE'"
	ft_wait_ct udp 5702 HW_OFFLOAD
	check_err $? "flow 2 (bucket 0) not offloaded: '$CT_STATE'"
	check_eq "occupancy with bucket 0 full" 4 "$(ft_occ)"
	bf0=$(ft_dfs fail_bucket_full)
	tf0=$(ft_dfs fail_table_full)
	ft_flow_start b3 udp "$FT_S4" 5703 sport="${sp0[2]}" interval=0.05
	ft_wait_ct udp 5703 OFFLOAD
	check_err $? "flow 3 (bucket 0) not in the software fast path: '$CT_STATE'"
	BAD_STATES=
	wait_until "$FT_DEADLINE" _refused fail_bucket_full "${bf0:-0}" 5703
	check_err $? "fail_bucket_full did not grow by 2 ($bf0 -> $(ft_dfs fail_bucket_full))"
	check_eq "flow 3 (bucket 0) state while refused" "" "$BAD_STATES"
	bf1=$(ft_dfs fail_bucket_full)
	tf1=$(ft_dfs fail_table_full)
	check_eq "fail_table_full (the table is not full)" "$tf0" "$tf1"
	check_eq "occupancy" 4 "$(ft_occ)"
	log_info "fail_bucket_full $bf0 -> $bf1, fail_table_full $tf0 -> $tf1"
	log_test "bucket full: flow fails with fail_bucket_full while occupancy < size"

	RET=0
	ft_flow_start b4 udp "$FT_S4" 5704 sport="$sp" interval=0.05
	ft_wait_ct udp 5704 HW_OFFLOAD
	check_err $? "flow 4 (bucket 1) not offloaded: '$CT_STATE'"
	check_eq "occupancy" 6 "$(ft_occ)"
	ft_ct udp 5703
	check_eq "flow 3 (bucket 0) state" OFFLOAD "$CT_STATE"
	log_test "bucket full: a flow of the other bucket is still offloaded"

	RET=0
	ft_flow_finish b3 udp
	ft_flow_finish b4 udp
	ft_flow_finish b1 udp
	ft_flow_finish b2 udp
	log_test "bucket full: the refused flow kept working"
	ft_topology_teardown
}

test_resize()
{
	local id s ok

	RET=0
	id=$(npusim_rand_id)
	npusim_new "$id" 2
	check_err $? "new_device $id"
	ft_resource - "$id"
	check_err $? "no flow_table resource on npusim$id"
	check_eq "default flow_table size" 16384 "$FT_SIZE"
	check_eq "occupancy of a new device" 0 "$FT_OCC"
	log_test "devlink resource flow_table: default size 16384, occ 0"

	RET=0
	for s in 3 0 5000000 6; do
		devlink resource set "npusim/npusim$id" path /flow_table size "$s" \
			> /dev/null 2>&1
		check_fail $? "devlink resource set size $s accepted"
		ft_resource - "$id"
		check_eq "size after refused set $s" 16384 "$FT_SIZE"
		check_eq "size_new after refused set $s" "" "$FT_SIZE_NEW"
	done
	devlink dev reload "npusim/npusim$id" > /dev/null 2>&1
	check_err $? "reload failed"
	wait_until "$WAIT_TIMEOUT" _npusim_count_ok "$id" 2 -
	check_err $? "ports not back after reload"
	ft_resource - "$id"
	check_eq "size after refused sets and a reload" 16384 "$FT_SIZE"
	log_test "devlink resource flow_table: sizes 3, 0, 5000000, 6 refused"

	RET=0
	ft_resize - "$id" 1048576
	check_err $? "resize to 1048576: $ERRMSG"
	wait_until "$WAIT_TIMEOUT" _npusim_count_ok "$id" 2 -
	check_err $? "ports not back after reload"
	ft_resource - "$id"
	check_eq "size after resize" 1048576 "$FT_SIZE"
	check_eq "occupancy after resize" 0 "$FT_OCC"
	ft_resize - "$id" 16384
	check_err $? "resize back to 16384: $ERRMSG"
	ft_resource - "$id"
	check_eq "size after resize back" 16384 "$FT_SIZE"
	npusim_del "$id"
	check_err $? "del_device: $ERRMSG"
	log_test "devlink resource flow_table: resize to 1048576 and back"
}

test_resize
test_table_full
# ft_profile.sh's ways=2 refuses a flow of a full bucket on every kernel
sweep_note "the bucket-full cases"
! full_sweep || test_bucket_full

exit_tests
