#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim error paths, through the kernel's fail_function and npusim's
# error injection sites (the debug kernel; skipped on a kernel without
# fail_function).  Creating a 3-port device fails in turn in the chip
# (npusim_hw_create), debugfs (npusim_dev_debugfs_init), the offload state
# (npusim_ft_init), the first port and the third port
# (npusim_port_create): new_device fails with the injected EINVAL and
# nothing is left behind (no bus device, netdev, debugfs directory or
# devlink instance), and the same ID is created right after.  No kernel
# warning; leaks are for kmemleak, which the VM scans after the suite.
# (ft_model.sh injects into the offload callbacks.)

source "$(dirname "$0")"/lib.sh

require_cmd ip devlink
npusim_load || skip_all "npusim module not available"
debugfs_mount
trap cleanup EXIT

fail_function_require npusim_port_create

cleanup_test()
{
	echo > "$FF/inject" 2> /dev/null
}

# inject FUNC SPACE: FUNC fails with fail_function's default -EINVAL on
# every call after the first SPACE - 1, in every task (task-filter off:
# another script may have left it on).
inject()
{
	echo > "$FF/inject" && printf '%s' "$1" > "$FF/inject" &&
		echo N > "$FF/task-filter" &&
		echo 100 > "$FF/probability" && echo 1 > "$FF/interval" &&
		echo -1 > "$FF/times" && echo "$2" > "$FF/space" &&
		echo 0 > "$FF/verbose"
}

# fail_new FUNC SPACE WHAT
fail_new()
{
	local func=$1 space=$2 what=$3 id before after

	RET=0
	id=$(npusim_rand_id)
	before=$(npusim_snapshot)
	ft_dmesg_mark
	inject "$func" "$space"
	check_err $? "cannot inject into $func"
	expect_errno EINVAL "$NPUSIM_SYS/new_device" "$id 3"
	echo > "$FF/inject"
	after=$(npusim_snapshot)
	check_eq "what is left after the failed new_device" "$before" "$after"
	npusim_gone "$id"
	check_err $? "npusim$id left in sysfs or debugfs"
	npusim_new "$id" 3
	check_err $? "new_device $id 3 after the injection: $ERRMSG"
	npusim_del "$id"
	check_err $? "del_device $id: $ERRMSG"
	check_eq "kernel warnings" "" "$(ft_dmesg_new | tr '\n' '|')"
	log_test "new_device fails cleanly when $what fails"
}

fail_new npusim_hw_create 1 "the chip"
fail_new npusim_dev_debugfs_init 1 "debugfs"
fail_new npusim_ft_init 1 "the offload state"
fail_new npusim_port_create 1 "the first port"
fail_new npusim_port_create 3 "the third port"

exit_tests
