#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim engine_cpu, the devlink parameter that runs every packet engine
# of a chip in the NET_RX softirq of one CPU, as silicon that forwards
# beside the CPUs:
#  - "local" at probe (each engine in the softirq of the CPU that queued
#    the frame); a runtime parameter, kept over a reload; bad values and
#    CPUs that are not online are refused with a clear message and
#    change nothing;
#  - set to the sender's own CPU, frames cross and no IPI is sent
#    (engine_remote_kicks, ethtool -S, stays put);
# and with two CPUs or more (scripts/check runs this script in a 2-vCPU
# VM too; with one, these cases skip):
#  - the engines run on the CPU set, never on the senders' (the
#    napi:napi_poll trace event, per CPU), each frame queued elsewhere
#    wakes its engine by an IPI (engine_remote_kicks grows), and pings
#    and a TCP transfer arrive intact; "local" brings them back to the
#    senders' CPU;
#  - engines in threads ignore it;
#  - the CPU going offline: the engines run where the frames are queued,
#    traffic goes on, the CPU cannot be set while offline; back online,
#    the engines return to it;
#  - a device removed while a flood from another CPU crosses its wire
#    goes, and nothing hangs.
#
#   init_net [A p0 10.20.0.1] <-> [B p0 10.20.0.2] ns2

source "$(dirname "$0")"/lib.sh

require_cmd ip devlink jq ping python3 taskset
npusim_load || skip_all "npusim module not available"

TRACEFS=/sys/kernel/tracing
INST=
HOTPLUG=/sys/devices/system/cpu/cpu1/online

cleanup_test()
{
	if [ -n "$INST" ] && [ -d "$INST" ]; then
		echo 0 > "$INST/events/napi/napi_poll/enable" 2> /dev/null
		rmdir "$INST" 2> /dev/null
	fi
	# never leave the VM with a CPU offline
	[ ! -w "$HOTPLUG" ] || echo 1 > "$HOTPLUG" 2> /dev/null
	return 0
}
trap cleanup EXIT

[ -d "$TRACEFS/instances" ] || mount -t tracefs nodev "$TRACEFS" 2> /dev/null
[ -d "$TRACEFS/instances/" ] || skip_all "no tracefs"
INST=$TRACEFS/instances/npusim-$$
mkdir "$INST" || bail_out "cannot create the tracefs instance $INST"
[ -d "$INST/events/napi/napi_poll" ] || skip_all "no trace event napi:napi_poll"
echo 1024 > "$INST/buffer_size_kb"
echo 1 > "$INST/events/napi/napi_poll/enable" ||
	bail_out "cannot enable napi:napi_poll"

host_pair_setup 10.20.0 fd20
# Quiet: IPv6 off and static neighbours, so that no frame but the
# test's own crosses the wire (neighbour probes and MLD reports leave
# from timers on any CPU, and would wake an engine by IPI).
sysctl -qw "net.ipv6.conf.$A0.disable_ipv6=1" &&
	ip netns exec "$ns2" sysctl -qw "net.ipv6.conf.$B0.disable_ipv6=1" &&
	ip neigh replace 10.20.0.2 dev "$A0" nud permanent \
		lladdr "$(ip -n "$ns2" -j link show dev "$B0" | jq -r '.[0].address')" &&
	ip -n "$ns2" neigh replace 10.20.0.1 dev "$B0" nud permanent \
		lladdr "$(ip -j link show dev "$A0" | jq -r '.[0].address')" ||
	bail_out "cannot quiet the pair"
NCPU=$(getconf _NPROCESSORS_ONLN)

# cpu NS ID, cpu_set NS ID VALUE [CMODE]: device ID's engine_cpu.
cpu() { dl_param "$1" "$2" engine_cpu; }
cpu_set() { dl_param_set "$1" "$2" engine_cpu "${@:3}"; }

# both_set VALUE: engine_cpu VALUE on A and on B.
both_set()
{
	cpu_set "" "$A" "$1" && cpu_set "$ns2" "$B" "$1"
}

# cpu1_online 0|1: take CPU 1 offline or bring it back.
cpu1_online()
{
	echo "$1" > "$HOTPLUG"
}

# kicks NS DEV: port DEV's engine_remote_kicks.
kicks()
{
	ethtool_stat "$1" "$2" engine_remote_kicks
}

# pings_from CPU N: N pings from ns2, pinned to CPU, to A; every one
# answered.
pings_from()
{
	taskset -c "$1" ip netns exec "$ns2" \
		ping -q -c "$2" -i 0.01 -W 5 10.20.0.1 > /dev/null
}

# xfer_from CPU: a TCP transfer from ns2 to A, both ends pinned to CPU;
# true if it arrived intact.
xfer_from()
{
	(
		taskset -pc "$1" "$BASHPID" > /dev/null || exit 1
		tcp_xfer "$ns2" 10.20.0.1 $((1 << 20))
	)
}

trace_clear()
{
	echo > "$INST/trace"
}

# polls CPU ID: how many times device ID's engines polled on CPU since
# trace_clear.
polls()
{
	grep -c "for device npu$2 " "$INST/per_cpu/cpu$1/trace"
}

# ran_on CPU ID...: each device ID's engines polled on CPU, and on no
# other CPU, since trace_clear (the counts in POLLS).
ran_on()
{
	local want=$1 id c n ok=0

	shift
	POLLS=
	for id in "$@"; do
		for ((c = 0; c < NCPU; c++)); do
			n=$(polls "$c" "$id")
			POLLS+=" npu$id/cpu$c:$n"
			if [ "$c" = "$want" ]; then
				[ "$n" -gt 0 ] || ok=1
			else
				[ "$n" -eq 0 ] || ok=1
			fi
		done
	done
	return $ok
}

# --- the parameter -------------------------------------------------------------

test_param()
{
	local v msg c

	RET=0
	c=$(npusim_rand_id)
	npusim_new "$c" 1 || bail_out "cannot create npusim$c"
	check_eq "npusim$c engine_cpu at probe" local "$(cpu "" "$c")"
	cpu_set "" "$c" 0
	check_err $? "devlink dev param set engine_cpu 0 failed"
	check_eq "npusim$c engine_cpu" 0 "$(cpu "" "$c")"
	for v in abc +0 00 01 " 0" "0 " 0x1 1.0 LOCAL "" 99999999999; do
		msg=$(cpu_set "" "$c" "$v" 2>&1)
		check_fail $? "engine_cpu '$v' accepted"
		[[ $msg == *'engine_cpu is "local" or a CPU number'* ]]
		check_err $? "engine_cpu '$v': unclear error '$msg'"
	done
	for v in "$NCPU" 4096; do
		msg=$(cpu_set "" "$c" "$v" 2>&1)
		check_fail $? "engine_cpu $v (with $NCPU CPUs online) accepted"
		[[ $msg == *"engine_cpu: no such CPU online"* ]]
		check_err $? "engine_cpu $v: unclear error '$msg'"
	done
	cpu_set "" "$c" local driverinit 2> /dev/null
	check_fail $? "engine_cpu cmode driverinit accepted"
	check_eq "npusim$c engine_cpu after bad input" 0 "$(cpu "" "$c")"
	devlink dev reload "npusim/npusim$c"
	check_err $? "devlink dev reload failed"
	check_eq "npusim$c engine_cpu after reload" 0 "$(cpu "" "$c")"
	cpu_set "" "$c" local
	check_err $? "devlink dev param set engine_cpu local failed"
	check_eq "npusim$c engine_cpu" local "$(cpu "" "$c")"
	npusim_del "$c"
	check_err $? "cannot remove npusim$c"
	log_test "engine_cpu: local at probe, a reload keeps it, bad values and CPUs not online refused"
}

# The engines on the sender's own CPU: no IPI.
test_same_cpu()
{
	local ka kb

	RET=0
	both_set 0
	check_err $? "devlink dev param set engine_cpu 0 failed"
	ka=$(kicks "" "$A0") kb=$(kicks "$ns2" "$B0")
	trace_clear
	pings_from 0 50
	check_err $? "pings from CPU 0 went unanswered"
	check_eq "$A0 engine_remote_kicks over 50 pings from CPU 0" "$ka" "$(kicks "" "$A0")"
	check_eq "$B0 engine_remote_kicks over 50 pings from CPU 0" "$kb" "$(kicks "$ns2" "$B0")"
	ran_on 0 "$A" "$B"
	check_err $? "the engines did not run on CPU 0 only:$POLLS"
	log_test "engine_cpu 0, senders on CPU 0: frames cross, no IPI"
}

# test_remote ENGINE SENDER: the engines on CPU ENGINE, the senders on
# CPU SENDER.
test_remote()
{
	local e=$1 s=$2 ka kb

	RET=0
	both_set "$e"
	check_err $? "devlink dev param set engine_cpu $e failed"
	ka=$(kicks "" "$A0") kb=$(kicks "$ns2" "$B0")
	trace_clear
	pings_from "$s" 50
	check_err $? "pings from CPU $s went unanswered"
	xfer_from "$s"
	check_err $? "a TCP transfer from CPU $s did not arrive intact"
	ran_on "$e" "$A" "$B"
	check_err $? "the engines did not run on CPU $e only:$POLLS"
	[ "$(kicks "" "$A0")" -gt "$ka" ]
	check_err $? "$A0 engine_remote_kicks did not grow: $ka -> $(kicks "" "$A0")"
	[ "$(kicks "$ns2" "$B0")" -gt "$kb" ]
	check_err $? "$B0 engine_remote_kicks did not grow: $kb -> $(kicks "$ns2" "$B0")"
	log_test "engine_cpu $e, senders on CPU $s: the engines run on CPU $e only, woken by IPIs"
}

test_local()
{
	local ka kb

	RET=0
	both_set local
	check_err $? "devlink dev param set engine_cpu local failed"
	ka=$(kicks "" "$A0") kb=$(kicks "$ns2" "$B0")
	trace_clear
	pings_from 1 50
	check_err $? "pings from CPU 1 went unanswered"
	[ "$(polls 1 "$A")" -gt 0 ]
	check_err $? "npu$A's engine never ran on the sender's CPU 1"
	check_eq "$A0 engine_remote_kicks with engine_cpu local" "$ka" "$(kicks "" "$A0")"
	check_eq "$B0 engine_remote_kicks with engine_cpu local" "$kb" "$(kicks "$ns2" "$B0")"
	log_test "engine_cpu local: the engines run on the senders' CPU again"
}

test_threaded()
{
	local ka

	RET=0
	both_set 1 &&
		dl_param_set "" "$A" engine_threaded true &&
		dl_param_set "$ns2" "$B" engine_threaded true
	check_err $? "cannot set engine_cpu 1 and engine_threaded true"
	ka=$(kicks "" "$A0")
	pings_from 0 50
	check_err $? "pings over threaded engines went unanswered"
	check_eq "$A0 engine_remote_kicks with threaded engines" "$ka" "$(kicks "" "$A0")"
	dl_param_set "" "$A" engine_threaded false &&
		dl_param_set "$ns2" "$B" engine_threaded false
	check_err $? "cannot set engine_threaded false"
	log_test "engine_cpu: engines in threads ignore it"
}

test_hotplug()
{
	local ka msg

	RET=0
	if [ ! -w "$HOTPLUG" ]; then
		case_skip "CPU 1 cannot go offline"
		log_test "engine_cpu 1 offline: the engines run where the frames are queued"
		return 0
	fi
	both_set 1
	check_err $? "devlink dev param set engine_cpu 1 failed"
	bg_run taskset -c 0 ip netns exec "$ns2" \
		ping -f -q -w 600 10.20.0.1 > /dev/null 2>&1
	ka=$(kicks "" "$A0")
	wait_until "$WAIT_TIMEOUT" kicked "" "$A0" "$ka"
	check_err $? "the flood never woke npu$A's engine on CPU 1"
	cpu1_online 0
	check_err $? "cannot take CPU 1 offline"
	bg_kill_all
	check_eq "npusim$A engine_cpu with CPU 1 offline" 1 "$(cpu "" "$A")"
	ka=$(kicks "" "$A0")
	trace_clear
	pings_from 0 50
	check_err $? "pings with CPU 1 offline went unanswered"
	xfer_from 0
	check_err $? "a TCP transfer with CPU 1 offline did not arrive intact"
	check_eq "$A0 engine_remote_kicks with CPU 1 offline" "$ka" "$(kicks "" "$A0")"
	[ "$(polls 0 "$A")" -gt 0 ]
	check_err $? "npu$A's engine never ran on CPU 0 with CPU 1 offline"
	# (devlink sets nothing if the value is the current one)
	cpu_set "" "$A" local
	check_err $? "devlink dev param set engine_cpu local failed"
	msg=$(cpu_set "" "$A" 1 2>&1)
	check_fail $? "engine_cpu 1 accepted while CPU 1 is offline"
	[[ $msg == *"engine_cpu: no such CPU online"* ]]
	check_err $? "engine_cpu 1 while offline: unclear error '$msg'"
	check_eq "npusim$A engine_cpu after refusing CPU 1" local "$(cpu "" "$A")"
	cpu1_online 1
	check_err $? "cannot bring CPU 1 back online"
	cpu_set "" "$A" 1
	check_err $? "devlink dev param set engine_cpu 1 failed with CPU 1 back"
	ka=$(kicks "" "$A0")
	trace_clear
	pings_from 0 50
	check_err $? "pings with CPU 1 back went unanswered"
	ran_on 1 "$A" "$B"
	check_err $? "the engines did not return to CPU 1:$POLLS"
	[ "$(kicks "" "$A0")" -gt "$ka" ]
	check_err $? "$A0 engine_remote_kicks did not grow with CPU 1 back: $ka -> $(kicks "" "$A0")"
	log_test "engine_cpu 1 offline under a flood: the engines run where the frames are queued, then return"
}

# kicked NS DEV N: port DEV's engine_remote_kicks grew past N.
kicked()
{
	[ "$(kicks "$1" "$2")" -gt "$3" ]
}

test_removal()
{
	local ka

	RET=0
	both_set 1
	check_err $? "devlink dev param set engine_cpu 1 failed"
	ka=$(kicks "" "$A0")
	bg_run taskset -c 0 ip netns exec "$ns2" \
		ping -f -q -w 600 10.20.0.1 > /dev/null 2>&1
	wait_until "$WAIT_TIMEOUT" kicked "" "$A0" "$ka"
	check_err $? "the flood never woke npu$A's engine on CPU 1"
	timeout 300 bash -c "echo $A > $NPUSIM_SYS/del_device"
	check_err $? "removing npusim$A under traffic failed or hung"
	npusim_del "$A"
	bg_kill_all
	check_eq "npusim$B engine_cpu" 1 "$(cpu "$ns2" "$B")"
	log_test "engine_cpu 1: a device goes while a flood from CPU 0 crosses its wire"
}

test_param
test_same_cpu
if [ "$NCPU" -ge 2 ]; then
	test_remote 1 0
	test_remote 0 1
	test_local
	test_threaded
	test_hotplug
	test_removal
else
	RET=0
	case_skip "one CPU online: scripts/check runs this script on 2 vCPUs too"
	log_test "engine_cpu on another CPU than the senders'"
fi

exit_tests
