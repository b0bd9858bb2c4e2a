#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim device lifetime: new_device / del_device, including every rejected
# input (right errno, nothing left behind, existing devices unharmed).

source "$(dirname "$0")"/lib.sh

require_cmd ip devlink jq
npusim_load || skip_all "npusim module not available"
trap cleanup EXIT

NEW=$NPUSIM_SYS/new_device
DEL=$NPUSIM_SYS/del_device

# dev_present ID PORTS: everything of a device is there.
dev_present()
{
	local id=$1 ports=$2

	[ -d "$NPUSIM_SYS/devices/npusim$id" ]
	check_err $? "no $NPUSIM_SYS/devices/npusim$id"
	npusim_scan "$id"
	check_eq "npusim$id netdevs" "$ports" "${#PORT_NAMES[@]}"
	devlink dev show "npusim/npusim$id" > /dev/null 2>&1
	check_err $? "no devlink instance npusim/npusim$id"
	[ -d "$NPUSIM_DFS/npusim$id" ]
	check_err $? "no debugfs dir $NPUSIM_DFS/npusim$id"
}

# dev_absent ID [NETDEVS...]: nothing of a device is left.
dev_absent()
{
	local id=$1 n

	shift
	[ ! -e "$NPUSIM_SYS/devices/npusim$id" ]
	check_err $? "$NPUSIM_SYS/devices/npusim$id left behind"
	! devlink dev show "npusim/npusim$id" > /dev/null 2>&1
	check_err $? "devlink instance npusim/npusim$id left behind"
	[ ! -e "$NPUSIM_DFS/npusim$id" ]
	check_err $? "debugfs dir $NPUSIM_DFS/npusim$id left behind"
	for n in "$@"; do
		[ ! -e "/sys/class/net/$n" ]
		check_err $? "netdev $n left behind"
	done
}

test_create_default()
{
	local id

	RET=0
	id=$(npusim_rand_id)
	sysfs_write "$NEW" "$id"
	check_err $? "new_device '$id': $ERRMSG"
	DEV_LIST+=("$id")
	wait_until "$WAIT_TIMEOUT" _npusim_count_ok "$id" 1 -
	dev_present "$id" 1
	log_test "new_device 'ID' creates a device with 1 port"

	RET=0
	local names=("${PORT_NAMES[@]}")
	npusim_del "$id"
	check_err $? "del_device '$id': $ERRMSG"
	dev_absent "$id" "${names[@]}"
	log_test "del_device removes device, devlink, netdevs, debugfs"
}

test_create_ports()
{
	local id ports

	for ports in 4 32; do
		RET=0
		id=$(npusim_rand_id)
		npusim_new "$id" "$ports"
		check_err $? "new_device '$id $ports': $ERRMSG"
		dev_present "$id" "$ports"
		npusim_del "$id"
		check_err $? "del_device '$id': $ERRMSG"
		dev_absent "$id" "${PORT_NAMES[@]}"
		log_test "new_device with $ports ports"
	done
}

test_create_formats()
{
	local id

	RET=0
	id=$(npusim_rand_id)
	sysfs_write "$NEW" "$id 2"$'\n'
	check_err $? "new_device '$id 2\\n': $ERRMSG"
	DEV_LIST+=("$id")
	wait_until "$WAIT_TIMEOUT" _npusim_count_ok "$id" 2 -
	check_eq "netdevs" 2 "${#PORT_NAMES[@]}"
	sysfs_write "$DEL" "$id"$'\n'
	check_err $? "del_device '$id\\n': $ERRMSG"
	npusim_del "$id"
	log_test "new_device/del_device with trailing newline"

	RET=0
	id=$(npusim_rand_id)
	sysfs_write "$NEW" "  $id	 2 "
	check_err $? "new_device with extra whitespace: $ERRMSG"
	DEV_LIST+=("$id")
	wait_until "$WAIT_TIMEOUT" _npusim_count_ok "$id" 2 -
	check_eq "netdevs" 2 "${#PORT_NAMES[@]}"
	npusim_del "$id"
	check_err $? "del_device '$id': $ERRMSG"
	log_test "new_device with extra whitespace"

	for id in 0 65535; do
		RET=0
		if [ -e "$NPUSIM_SYS/devices/npusim$id" ]; then
			case_skip "npusim$id exists already"
			log_test "new_device with ID $id"
			continue
		fi
		npusim_new "$id" 1
		check_err $? "new_device '$id 1': $ERRMSG"
		dev_present "$id" 1
		npusim_del "$id"
		check_err $? "del_device '$id': $ERRMSG"
		dev_absent "$id"
		log_test "new_device with ID $id"
	done
}

test_create_bad()
{
	local keep before after bad id errs name
	local -a keep_names keep_ifx

	keep=$(npusim_rand_id)
	npusim_new "$keep" 2 || bail_out "cannot create npusim$keep"
	keep_names=("${PORT_NAMES[@]}")
	keep_ifx=("${PORT_IFX[@]}")
	before=$(npusim_snapshot)

	id=$(npusim_rand_id)
	# input | expected errno | what
	while IFS='|' read -r bad errs name; do
		RET=0
		bad=${bad//ID/$id}
		bad=${bad//KEEP/$keep}
		bad=${bad//\\n/$'\n'}
		expect_errno "$errs" "$NEW" "$bad"
		dev_absent "$id"
		log_test "new_device $name refused with $errs"
	done <<- EOF
		ID junk|EINVAL|trailing garbage
		ID 2 3|EINVAL|three fields
		ID 2x|EINVAL|bad port count
		x|EINVAL|non-numeric ID
		\n|EINVAL|empty line
		ID 0|EINVAL|zero ports
		ID 33|EINVAL|33 ports
		ID -1|EINVAL|negative port count
		70000 1|EINVAL|ID 70000
		65536 1|EINVAL|ID 65536
		-1|EINVAL|ID -1
		0x10 1|EINVAL|hex ID
		KEEP 1|EEXIST|duplicate ID
		KEEP|EEXIST|duplicate ID, default ports
	EOF

	RET=0
	after=$(npusim_snapshot)
	check_eq "state after refused writes" "$before" "$after"
	npusim_scan "$keep"
	check_eq "npusim$keep netdevs" "${keep_names[*]}" "${PORT_NAMES[*]}"
	check_eq "npusim$keep ifindexes" "${keep_ifx[*]}" "${PORT_IFX[*]}"
	dev_present "$keep" 2
	log_test "refused new_device leaves nothing behind, device survives"

	before=$(npusim_snapshot)
	while IFS='|' read -r bad errs name; do
		RET=0
		bad=${bad//ID/$id}
		bad=${bad//KEEP/$keep}
		bad=${bad//\\n/$'\n'}
		expect_errno "$errs" "$DEL" "$bad"
		log_test "del_device $name refused with $errs"
	done <<- EOF
		ID|ENOENT|unknown ID
		x|EINVAL|non-numeric ID
		\n|EINVAL|empty line
		KEEP junk|EINVAL|trailing garbage
		KEEP 1|EINVAL|two fields
		-1|EINVAL|ID -1
		70000|EINVAL ENOENT|ID 70000
	EOF

	RET=0
	after=$(npusim_snapshot)
	check_eq "state after refused writes" "$before" "$after"
	npusim_scan "$keep"
	check_eq "npusim$keep netdevs" "${keep_names[*]}" "${PORT_NAMES[*]}"
	dev_present "$keep" 2
	log_test "refused del_device leaves the device intact"

	RET=0
	npusim_del "$keep"
	check_err $? "del_device '$keep': $ERRMSG"
	dev_absent "$keep" "${keep_names[@]}"
	expect_errno ENOENT "$DEL" "$keep"
	log_test "del_device twice: second one refused with ENOENT"

	RET=0
	npusim_new "$keep" 2
	check_err $? "new_device '$keep 2' after delete: $ERRMSG"
	dev_present "$keep" 2
	npusim_del "$keep"
	log_test "ID can be reused after del_device"
}

test_create_in_netns()
{
	local ns id out n

	RET=0
	ns_create ns || bail_out "cannot create netns"
	id=$(npusim_rand_id)
	npusim_new "$id" 2 "$ns"
	check_err $? "new_device from netns: $ERRMSG"
	check_eq "netdevs in netns" 2 "${#PORT_NAMES[@]}"
	out=$(ip -n "$ns" -d -j link show | jq -r \
	      ".[] | select(.parentdev == \"npusim$id\") | .ifname")
	check_eq "netdevs of npusim$id by ip -d link" "${PORT_NAMES[*]}" "${out//$'\n'/ }"
	npusim_scan "$id"
	check_eq "netdevs of npusim$id in the init netns" 0 "${#PORT_NAMES[@]}"
	npusim_del "$id"
	check_err $? "del_device '$id': $ERRMSG"
	out=$(ip -n "$ns" -d -j link show | jq -r \
	      ".[] | select(.parentbus == \"npusim\") | .ifname")
	check_eq "npusim netdevs left in netns" "" "$out"
	[ ! -e "$NPUSIM_SYS/devices/npusim$id" ]
	check_err $? "device left behind"
	ns_del "$ns"
	log_test "netdevs are created in the writer's netns"
}

test_create_default
test_create_ports
test_create_formats
test_create_bad
test_create_in_netns

exit_tests
