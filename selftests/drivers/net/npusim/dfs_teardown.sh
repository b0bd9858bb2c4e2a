#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim debugfs vs device teardown: readers of the flow_table/ files
# (entries, last_error, the counters) and of the device's other files run
# in a loop while the device is deleted.  The files must disappear before
# the state they show is destroyed: a reader sees the file's content or
# no file, and the kernel logs nothing (on a debug kernel, a read of
# flow_table/entries after the offload state's mutex is destroyed is a
# DEBUG_LOCKS_WARN_ON).  The VM runner fails the run on any such report.
#
# This is a race: a clean run does not prove its absence, but the debug
# kernel makes the window wide enough to be hit now and then.

source "$(dirname "$0")"/lib.sh

require_cmd ip
npusim_load || skip_all "npusim module not available"
debugfs_mount || skip_all "debugfs not available"
trap cleanup EXIT

ROUNDS=${ROUNDS:-30}

# reader DIR: read every file under DIR/flow_table and DIR itself until
# DIR is gone (bash builtins only: as many reads as possible).
reader()
{
	local d=$1 f l

	while [ -d "$d" ]; do
		for f in "$d"/flow_table/entries "$d"/flow_table/last_error \
			 "$d"/flow_table/installs "$d"/flow_table/destroy_delay_ms \
			 "$d"/hw_info; do
			while IFS= read -r l; do :; done < "$f"
		done 2> /dev/null
	done
}

test_teardown()
{
	local i id d bad=0

	RET=0
	for ((i = 0; i < ROUNDS; i++)); do
		id=$(npusim_rand_id)
		npusim_new "$id" 2 || { bad=1; break; }
		d=$NPUSIM_DFS/npusim$id
		reader "$d" &
		BG_PIDS+=($!)
		reader "$d" &
		BG_PIDS+=($!)
		npusim_del "$id"
		check_err $? "del_device $id: $ERRMSG"
		bg_kill_all
		[ ! -e "$d" ]
		check_err $? "$d left behind"
	done
	check_eq "device creation failures" 0 "$bad"
	log_test "$ROUNDS devices deleted while their debugfs files are read"
}

test_teardown

exit_tests
