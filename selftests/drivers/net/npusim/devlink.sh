#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim devlink instance, devlink ports and the netdev attributes that
# identify switch ports (switchid, phys_port_name, hw-tc-offload).

source "$(dirname "$0")"/lib.sh

require_cmd ip devlink jq ethtool
npusim_load || skip_all "npusim module not available"
trap cleanup EXIT

A=$(npusim_rand_id)
npusim_new "$A" 4 || bail_out "cannot create npusim$A"
A_PORTS=("${PORT_NAMES[@]}")
B=$(npusim_rand_id)
npusim_new "$B" 2 || bail_out "cannot create npusim$B"
B_PORTS=("${PORT_NAMES[@]}")
log_info "npusim$A: ${A_PORTS[*]}; npusim$B: ${B_PORTS[*]}"

test_devlink_dev()
{
	local out

	RET=0
	out=$(devlink -j dev show | jq -r '.dev | keys[]')
	[[ $'\n'"$out"$'\n' == *$'\n'"npusim/npusim$A"$'\n'* ]]
	check_err $? "npusim/npusim$A not in 'devlink dev': ${out//$'\n'/ }"
	[[ $'\n'"$out"$'\n' == *$'\n'"npusim/npusim$B"$'\n'* ]]
	check_err $? "npusim/npusim$B not in 'devlink dev': ${out//$'\n'/ }"
	log_test "devlink dev lists npusim/npusimID"
}

test_devlink_info()
{
	local dl=npusim/npusim$A out

	RET=0
	out=$(devlink -j dev info "$dl")
	check_err $? "devlink dev info $dl failed"
	check_eq "driver" npusim "$(jq -r ".info[\"$dl\"].driver" <<< "$out")"
	log_test "devlink dev info: driver npusim"

	RET=0
	[ -n "$(jq -r ".info[\"$dl\"].serial_number // empty" <<< "$out")" ]
	check_err $? "no serial_number: $out"
	log_test "devlink dev info: serial_number"

	RET=0
	[ -n "$(jq -r ".info[\"$dl\"].versions.fixed[\"asic.id\"] // empty" <<< "$out")" ]
	check_err $? "no fixed version asic.id: $out"
	[ -n "$(jq -r ".info[\"$dl\"].versions.fixed[\"asic.rev\"] // empty" <<< "$out")" ]
	check_err $? "no fixed version asic.rev: $out"
	log_test "devlink dev info: fixed versions asic.id, asic.rev"

	RET=0
	[ -n "$(jq -r ".info[\"$dl\"].versions.running.fw // empty" <<< "$out")" ]
	check_err $? "no running version fw: $out"
	log_test "devlink dev info: running version fw"
}

# check_ports ID NAME...
check_ports()
{
	local id=$1 out i exp obs names

	shift
	names=("$@")
	out=$(devlink -j port show | jq -r --arg p "npusim/npusim$id/" \
	      '.port | to_entries[] | select(.key | startswith($p)) |
	       "\(.key) \(.value.flavour) \(.value.port) \(.value.netdev)"' |
	      sort -t/ -k3 -n)
	exp=
	for i in "${!names[@]}"; do
		exp+="npusim/npusim$id/$i physical $i ${names[$i]}"$'\n'
	done
	obs="$out"$'\n'
	check_eq "devlink ports of npusim$id" "$exp" "$obs"
}

test_devlink_ports()
{
	RET=0
	check_ports "$A" "${A_PORTS[@]}"
	check_ports "$B" "${B_PORTS[@]}"
	log_test "devlink port: one physical port per netdev, port N, netdev"
}

test_switchid()
{
	local out n s sid_a sid_b sysfs_sid
	local -A sid

	RET=0
	out=$(ip -d -j link show | jq -r '.[] | "\(.ifname) \(.phys_switch_id // "-")"')
	while read -r n s; do
		sid[$n]=$s
	done <<< "$out"
	sid_a=${sid[${A_PORTS[0]}]}
	sid_b=${sid[${B_PORTS[0]}]}
	[ -n "$sid_a" ] && [ "$sid_a" != - ]
	check_err $? "no switchid on ${A_PORTS[0]}"
	[ -n "$sid_b" ] && [ "$sid_b" != - ]
	check_err $? "no switchid on ${B_PORTS[0]}"
	for n in "${A_PORTS[@]}"; do
		check_eq "switchid of $n" "$sid_a" "${sid[$n]}"
	done
	for n in "${B_PORTS[@]}"; do
		check_eq "switchid of $n" "$sid_b" "${sid[$n]}"
	done
	[ "$sid_a" != "$sid_b" ]
	check_err $? "npusim$A and npusim$B have the same switchid $sid_a"
	read -r sysfs_sid < "/sys/class/net/${A_PORTS[0]}/phys_switch_id"
	check_eq "sysfs phys_switch_id of ${A_PORTS[0]}" "$sid_a" "$sysfs_sid"
	log_test "switchid: same for ports of a device, differs between devices"
}

test_phys_port_name()
{
	local i n ppn

	RET=0
	for i in "${!A_PORTS[@]}"; do
		n=${A_PORTS[$i]}
		ppn=
		read -r ppn < "/sys/class/net/$n/phys_port_name"
		check_eq "phys_port_name of $n" "p$i" "$ppn"
	done
	for i in "${!B_PORTS[@]}"; do
		n=${B_PORTS[$i]}
		ppn=
		read -r ppn < "/sys/class/net/$n/phys_port_name"
		check_eq "phys_port_name of $n" "p$i" "$ppn"
	done
	log_test "phys_port_name is p0..pN-1"
}

test_sysfs_net()
{
	local d n found=0

	RET=0
	for d in "$NPUSIM_SYS/devices/npusim$A/net/"*; do
		n=${d##*/}
		[[ " ${A_PORTS[*]} " == *" $n "* ]]
		check_err $? "unexpected $d"
		found=$((found + 1))
	done
	check_eq "netdevs in $NPUSIM_SYS/devices/npusim$A/net/" "${#A_PORTS[@]}" "$found"
	log_test "netdevs listed under $NPUSIM_SYS/devices/npusimID/net/"
}

test_ethtool()
{
	local out n st

	RET=0
	for n in "${A_PORTS[0]}" "${B_PORTS[1]}"; do
		out=$(ethtool -k "$n")
		check_err $? "ethtool -k $n failed"
		[[ "$out" == *$'\n'"hw-tc-offload: on"* ]]
		check_err $? "$n: hw-tc-offload not on"
	done
	log_test "ethtool -k: hw-tc-offload on"

	RET=0
	out=$(ethtool -i "${A_PORTS[0]}")
	check_err $? "ethtool -i failed"
	[[ "$out" == "driver: npusim"$'\n'* ]]
	check_err $? "ethtool -i: driver is not npusim: ${out%%$'\n'*}"
	log_test "ethtool -i: driver npusim"

	RET=0
	ethtool_stats - "${A_PORTS[0]}"
	check_err $? "ethtool -S failed"
	for st in rx_packets rx_bytes tx_packets tx_bytes rx_fifo_drops \
		  rx_oversize_drops tx_link_drops; do
		[ -n "${ETS[$st]:-}" ]
		check_err $? "ethtool -S: no $st"
	done
	log_test "ethtool -S: port counters present"
}

# debugfs: hw_info shows the chip's registers (the serial being devlink's),
# one ports/<N>/link per port, "down" while the port is unwired and down.
test_debugfs()
{
	local d=$NPUSIM_DFS/npusim$A info serial n

	RET=0
	debugfs_mount
	info=$(cat "$d/hw_info" 2> /dev/null)
	[[ "$info" == *"chip_id: 0x5e51"* ]]
	check_err $? "hw_info has no 'chip_id: 0x5e51': '$info'"
	[[ "$info" == *"ports: 4"* ]]
	check_err $? "hw_info has no 'ports: 4': '$info'"
	serial=$(devlink -j dev info "npusim/npusim$A" |
		 jq -r '.info[].serial_number')
	[ -n "$serial" ] && [[ "$info" == *"serial: $serial"* ]]
	check_err $? "hw_info serial differs from devlink's '$serial'"
	for n in 0 1 2 3; do
		check_eq "ports/$n/link" down "$(cat "$d/ports/$n/link" 2> /dev/null)"
	done
	[ ! -e "$d/ports/4" ]
	check_err $? "ports/4 exists on a 4-port device"
	log_test "debugfs: hw_info registers, ports/N/link per port"
}

test_devlink_dev
test_devlink_info
test_debugfs
test_devlink_ports
test_switchid
test_phys_port_name
test_sysfs_net
test_ethtool

exit_tests
