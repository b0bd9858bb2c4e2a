#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim and netpoll: a netconsole target on an npusim port.  netpoll
# calls the transmit path with interrupts off, possibly from an
# interrupt handler, so everything it reaches (the wire, the receiving
# port's FIFO, the drops) must be IRQ safe.  Kernel messages must reach
# a UDP listener behind the wire, every one of them, and the device
# must go away cleanly while the target still uses it.
#
#   init_net [A p0 10.12.0.1] <-> [B p0 10.12.0.2] ns2 (UDP 6666)

source "$(dirname "$0")"/lib.sh

require_cmd ip jq socat
npusim_load || skip_all "npusim module not available"

NC_CFS=/sys/kernel/config/netconsole
NC_TARGET=
NC_OUT=$(mktemp /tmp/npusim-netconsole.XXXXXX)
NC_TAG=npusim-nc-$$-$RANDOM

# shellcheck disable=SC2317 # called by cleanup()
cleanup_test()
{
	if [ -n "$NC_TARGET" ] && [ -d "$NC_CFS/$NC_TARGET" ]; then
		echo 0 > "$NC_CFS/$NC_TARGET/enabled" 2> /dev/null
		rmdir "$NC_CFS/$NC_TARGET" 2> /dev/null
	fi
	rm -f "$NC_OUT"
}
trap cleanup EXIT

# Netconsole with dynamic (configfs) targets: built in, or a module.
if [ ! -d "$NC_CFS" ]; then
	modprobe netconsole 2> /dev/null
	mountpoint -q /sys/kernel/config ||
		mount -t configfs configfs /sys/kernel/config 2> /dev/null
fi
[ -d "$NC_CFS" ] || skip_all "no netconsole with dynamic targets (CONFIG_NETCONSOLE_DYNAMIC)"

npusim_pair_new
MAC_B=$(ip -n "$ns2" -j link show dev "$B0" | jq -r '.[0].address')
ip addr add 10.12.0.1/24 dev "$A0" && ip link set "$A0" up ||
	bail_out "cannot configure $A0"
ip -n "$ns2" addr add 10.12.0.2/24 dev "$B0" && ip -n "$ns2" link set "$B0" up ||
	bail_out "cannot configure $B0"
wait_until "$WAIT_TIMEOUT" carrier "" "$A0" || bail_out "$A0: no carrier"

bg_run ip netns exec "$ns2" socat -u UDP4-RECV:6666 "OPEN:$NC_OUT,creat,append"

_udp_bound()
{
	[ -n "$(ip netns exec "$ns2" ss -Hlun "sport = :6666")" ]
}
wait_until "$WAIT_TIMEOUT" _udp_bound || bail_out "the UDP listener did not start"

# _nc_seen PATTERN N: the listener has at least N lines matching PATTERN.
_nc_seen()
{
	local n

	n=$(grep -c -- "$1" "$NC_OUT" 2> /dev/null)
	[ "${n:-0}" -ge "$2" ]
}

# kmsg TEXT: log TEXT at KERN_ERR, which the VM's consoles print.
kmsg()
{
	echo "<3>$*" > /dev/kmsg
}

test_target()
{
	RET=0
	NC_TARGET=npusim$A
	mkdir "$NC_CFS/$NC_TARGET"
	check_err $? "cannot create netconsole target"
	echo "$A0" > "$NC_CFS/$NC_TARGET/dev_name" &&
	echo 10.12.0.1 > "$NC_CFS/$NC_TARGET/local_ip" &&
	echo 10.12.0.2 > "$NC_CFS/$NC_TARGET/remote_ip" &&
	echo 6666 > "$NC_CFS/$NC_TARGET/remote_port" &&
	echo "$MAC_B" > "$NC_CFS/$NC_TARGET/remote_mac" &&
	echo 1 > "$NC_CFS/$NC_TARGET/enabled"
	check_err $? "cannot enable a netconsole target on $A0"
	log_test "netconsole target on an npusim port"

	RET=0
	kmsg "$NC_TAG first"
	wait_until "$WAIT_TIMEOUT" _nc_seen "$NC_TAG first" 1
	check_err $? "the message did not reach the listener behind the wire"
	log_test "netconsole: a kernel message crosses the wire"

	# One message per write: the listener must see every one of them.
	RET=0
	for i in $(seq 1 100); do
		kmsg "$NC_TAG burst $i"
	done
	wait_until "$WAIT_TIMEOUT" _nc_seen "$NC_TAG burst" 100
	check_err $? "$(grep -c "$NC_TAG burst" "$NC_OUT") of 100 messages arrived"
	log_test "netconsole: 100 messages, none lost"
}

# Messages printed in NMI context are flushed to the consoles from a
# hard IRQ (printk's irq_work): netpoll transmits there, and the port's
# locks must be IRQ safe.  sysrq 'l' backtraces every CPU through an
# NMI; lockdep (debug kernel) must stay on.
test_hardirq()
{
	local level

	RET=0
	level=$(awk '{print $1}' /proc/sys/kernel/printk)
	echo 7 > /proc/sys/kernel/printk
	echo l > /proc/sysrq-trigger
	wait_until "$WAIT_TIMEOUT" _nc_seen "NMI backtrace for cpu" 1
	check_err $? "no NMI backtrace reached the listener"
	echo "$level" > /proc/sys/kernel/printk
	if [ -r /proc/lockdep_stats ]; then
		grep -Eq '^ *debug_locks: +1$' /proc/lockdep_stats
		check_err $? "lockdep turned itself off: $(dmesg | grep -m1 -A1 'WARNING: .*lock')"
	fi
	log_test "netconsole: messages flushed from a hard IRQ"
}

# The device goes away under an enabled target: netconsole lets go of
# the port, nothing hangs, nothing leaks (the VM runner checks).
test_teardown()
{
	RET=0
	npusim_del "$A"
	check_err $? "del_device $A with a netconsole target failed: $ERRMSG"
	kmsg "$NC_TAG after"
	wait_until "$WAIT_TIMEOUT" npusim_gone "$A"
	check_err $? "npusim$A left something behind"
	log_test "netconsole: device deleted under an enabled target"
}

test_target
test_hardirq
test_teardown

exit_tests
