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
# devlink instance), and the same ID is created right after.  Then, with
# the kernel's fail-nth and failslab, each allocation of new_device and
# of del_device of a 1-port device fails in turn (skipped without
# failslab).  No kernel warning; leaks are for kmemleak, which the VM
# scans after the suite.
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
	echo Y > "$FSLAB/ignore-gfp-wait" 2> /dev/null
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

# The kernel's fail-nth (Documentation/fault-injection): the Nth fault
# injection point the writing task reaches fails.  With failslab's
# ignore-gfp-wait off, every slab allocation of the task is one, so N
# walks through all the allocations of a bus write, npusim's and those
# of what it calls (device core, sysfs, netdev, devlink, debugfs), in
# order: the first N - 1 succeed, the Nth fails.
FSLAB=/sys/kernel/debug/failslab

# nth_write N FILE TEXT: "RC LEFT": the exit status of writing TEXT to
# FILE with the Nth fault injection point failing, and what fail-nth
# still counts after the write (0: the failure was injected; else the
# write reached fewer than N points).  Only in a subshell of its own, as
# $(nth_write ...): it arms its own task and drops its stderr first, so
# that no other open comes between.
nth_write()
{
	local left rc

	exec 2> /dev/null
	echo "$1" > /proc/thread-self/fail-nth || { echo "1 1"; return; }
	printf '%s' "$3" > "$2"
	rc=$?
	# fails if the failure is still pending: an open is a point too
	read -r left < /proc/thread-self/fail-nth
	echo "$rc ${left:-1}"
}

# sweep POINT: POINT N (a function) for N = 1, 2, ... until a check
# fails or POINT's write ran through without reaching the failure (it
# leaves NTH_LEFT non-zero).  After each, nothing of device NTH_ID is
# left.  NTH_POINTS: the points that write reached.
sweep()
{
	local n=0

	while [ "$n" -lt "$NTH_MAX" ]; do
		n=$((n + 1))
		"$1" "$n"
		npusim_gone "$NTH_ID"
		check_err $? "point $n: npusim$NTH_ID left in sysfs or debugfs"
		if [ "$RET" -ne 0 ] || [ "$NTH_LEFT" -ne 0 ]; then
			break
		fi
	done
	check_err $((n >= NTH_MAX)) "still failing after $NTH_MAX points"
	NTH_POINTS=$((n - 1))
}

# new_point N: new_device of an NTH_PORTS-port device with its Nth point
# failing.  It fails and leaves nothing behind, or creates the device
# (the failure was one the kernel tolerates: a debugfs file, say), whole,
# which del_device then removes entirely.
new_point()
{
	local n=$1 rc

	read -r rc NTH_LEFT <<< \
		"$(nth_write "$n" "$NPUSIM_SYS/new_device" "$NTH_ID $NTH_PORTS")"
	: "${rc:=1}" "${NTH_LEFT:=1}"
	if [ ! -e "$NPUSIM_SYS/devices/npusim$NTH_ID" ]; then
		[ "$rc" -ne 0 ]
		check_err $? "point $n: new_device succeeded, yet no npusim$NTH_ID"
		NTH_FAILED=$((NTH_FAILED + 1))
		return
	fi
	[ "$rc" -eq 0 ]
	check_err $? "point $n: new_device failed, yet npusim$NTH_ID is there"
	_npusim_count_ok "$NTH_ID" "$NTH_PORTS"
	check_err $? "point $n: npusim$NTH_ID has ${#PORT_NAMES[@]} of its $NTH_PORTS ports"
	npusim_del "$NTH_ID"
	check_err $? "point $n: del_device $NTH_ID: $ERRMSG"
}

# del_point N: del_device of a new NTH_PORTS-port device with its Nth
# point failing.  The device goes entirely, or the write fails, leaves
# it whole, and a plain del_device removes it.
del_point()
{
	local n=$1 rc

	if ! npusim_new "$NTH_ID" "$NTH_PORTS"; then
		check_err 1 "point $n: new_device: $ERRMSG"
		return
	fi
	read -r rc NTH_LEFT <<< \
		"$(nth_write "$n" "$NPUSIM_SYS/del_device" "$NTH_ID")"
	: "${rc:=1}" "${NTH_LEFT:=1}"
	if [ "$rc" -eq 0 ]; then
		return
	fi
	[ -e "$NPUSIM_SYS/devices/npusim$NTH_ID" ]
	check_err $? "point $n: del_device failed, yet npusim$NTH_ID is gone"
	npusim_del "$NTH_ID"
	check_err $? "point $n: del_device $NTH_ID after the failed one: $ERRMSG"
}

# sweep_new_del PORTS: new_device, then del_device, of a PORTS-port
# device with each of their allocations failing in turn.
sweep_new_del()
{
	local before

	NTH_PORTS=$1
	NTH_ID=$(npusim_rand_id)
	NTH_FAILED=0
	RET=0
	before=$(npusim_snapshot)
	ft_dmesg_mark
	sweep new_point
	log_info "$NTH_POINTS allocation points, $NTH_FAILED of the writes failed"
	# a sweep that never reached npusim would pass as well
	check_err $((NTH_FAILED < NTH_MIN_FAILED)) \
		"only $NTH_FAILED of the writes failed (expected $NTH_MIN_FAILED or more)"
	check_eq "what is left after the sweep" "$before" "$(npusim_snapshot)"
	check_eq "kernel warnings" "" "$(ft_dmesg_new | tr '\n' '|')"
	log_test "new_device: each allocation fails in turn (fail-nth), $NTH_PORTS port(s)"

	RET=0
	ft_dmesg_mark
	sweep del_point
	log_info "$NTH_POINTS allocation points"
	check_eq "kernel warnings" "" "$(ft_dmesg_new | tr '\n' '|')"
	log_test "del_device: each allocation fails in turn (fail-nth), $NTH_PORTS port(s)"
}

# Enough for a 1-port device (about 720 points for new_device on the
# debug kernel), and a floor that only a sweep reaching npusim passes.
NTH_MAX=4000
NTH_MIN_FAILED=20

fail_new npusim_hw_create 1 "the chip"
fail_new npusim_dev_debugfs_init 1 "debugfs"
fail_new npusim_ft_init 1 "the offload state"
fail_new npusim_port_create 1 "the first port"
fail_new npusim_port_create 3 "the third port"

if [ -w "$FSLAB/ignore-gfp-wait" ] && [ -w /proc/self/fail-nth ]; then
	# GFP_KERNEL allocations too; the default for failslab is to spare
	# them.  Restored by cleanup_test.
	if ! echo N > "$FSLAB/ignore-gfp-wait" ||
	   ! echo 0 > "$FSLAB/verbose"; then
		bail_out "cannot set up failslab"
	fi
	sweep_new_del 1
else
	RET=0
	case_skip "the kernel has no failslab or fail-nth"
	log_test "new_device and del_device: each allocation fails in turn"
fi

exit_tests
