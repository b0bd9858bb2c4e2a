#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim engine_threaded, the devlink parameter that moves the packet
# engine out of the sender's softirq into threads of its own, one per
# port ("napi/npuID-NAPI_ID"):
#  - it is a runtime parameter, false at probe, and no engine thread
#    exists then; true creates one thread per port;
#  - with it, frames cross the wire and reach the host (pings, a TCP
#    transfer intact) and the engine's threads are the ones that ran;
#  - false again: the threads sleep while frames go on crossing;
#  - bad values and configuration modes fail and change nothing; a
#    reload keeps it (the chip survives a reload); the threads go with
#    the device;
#  - a device removed with threaded engines while frames flood its
#    wire goes, and its threads with it;
#  - engine_busy_poll_us: 0 at probe, at most 1000, runtime only, kept
#    over a reload; with it, a threaded engine polls its FIFO on after
#    its frames (engine_busy_polls, ethtool -S, grows), frames still
#    cross, and its thread sleeps once the traffic stopped; with 0, or
#    with the engine in softirq, it never polls on.
#
#   init_net [A p0 10.19.0.1] <-> [B p0 10.19.0.2] ns2;  C: 4 ports, unwired

source "$(dirname "$0")"/lib.sh

require_cmd ip devlink jq ping python3
npusim_load || skip_all "npusim module not available"
trap cleanup EXIT

host_pair_setup 10.19.0 fd19

# eng_threads ID: the PIDs of device ID's engine threads.
eng_threads()
{
	local p c

	for p in /proc/[0-9]*; do
		read -r c 2> /dev/null < "$p/comm" || continue
		[[ $c == "napi/npu$1-"* ]] && echo "${p#/proc/}"
	done
	return 0
}

# eng_count ID: how many engine threads device ID has.
eng_count()
{
	eng_threads "$1" | wc -l
}

# eng_runs ID: how many times device ID's engine threads were switched
# out (each run of a thread ends with one).
eng_runs()
{
	local p n=0 v

	for p in $(eng_threads "$1"); do
		v=$(awk '/ctxt_switches/ { s += $2 } END { print s + 0 }' \
			"/proc/$p/status" 2> /dev/null)
		n=$((n + ${v:-0}))
	done
	echo "$n"
}

# eng_ran ID N: device ID's engine threads were switched out more than N
# times.
eng_ran()
{
	[ "$(eng_runs "$1")" -gt "$2" ]
}

# eng_asleep ID: every engine thread of device ID sleeps.
# shellcheck disable=SC2317 # called by wait_until
eng_asleep()
{
	local p

	for p in $(eng_threads "$1"); do
		[ "$(awk '/^State:/ { print $2 }' "/proc/$p/status")" == S ] ||
			return 1
	done
}

# param NS ID, param_set NS ID VALUE [CMODE]: engine_threaded;
# busy, busy_set: engine_busy_poll_us.
param() { dl_param "$1" "$2" engine_threaded; }
param_set() { dl_param_set "$1" "$2" engine_threaded "${@:3}"; }
busy() { dl_param "$1" "$2" engine_busy_poll_us; }
busy_set() { dl_param_set "$1" "$2" engine_busy_poll_us "${@:3}"; }

# polls NS DEV: port DEV's engine_busy_polls.
polls()
{
	ethtool_stat "$1" "$2" engine_busy_polls
}

# pings NS DST N: N pings from NS to DST, every one answered.
pings()
{
	in_ns "$1" ping -q -c "$3" -i 0.01 -W 5 "$2" > /dev/null
}

# --- the parameter and its threads ------------------------------------------

check_eq "npusim$A engine_threaded at probe" false "$(param "" "$A")"
check_eq "npusim$A engine threads at probe" 0 "$(eng_count "$A")"
C=$(npusim_rand_id)
npusim_new "$C" 4 || bail_out "cannot create npusim$C"
param_set "" "$C" true
check_err $? "devlink dev param set engine_threaded true failed"
check_eq "npusim$C engine_threaded" true "$(param "" "$C")"
check_eq "npusim$C engine threads (4 ports)" 4 "$(eng_count "$C")"
log_test "engine_threaded: false at probe; true: a thread per port"

param_set "" "$C" false driverinit 2> /dev/null
check_fail $? "cmode driverinit accepted"
param_set "" "$C" maybe 2> /dev/null
check_fail $? "value 'maybe' accepted"
check_eq "npusim$C engine_threaded after bad input" true "$(param "" "$C")"
check_eq "npusim$C engine threads after bad input" 4 "$(eng_count "$C")"
devlink dev reload "npusim/npusim$C"
check_err $? "devlink dev reload failed"
check_eq "npusim$C engine_threaded after reload" true "$(param "" "$C")"
check_eq "npusim$C engine threads after reload" 4 "$(eng_count "$C")"

check_eq "npusim$C engine_busy_poll_us at probe" 0 "$(busy "" "$C")"
busy_set "" "$C" 250
check_err $? "devlink dev param set engine_busy_poll_us 250 failed"
msg=$(busy_set "" "$C" 1001 2>&1)
check_fail $? "engine_busy_poll_us 1001 accepted"
[[ $msg == *"engine_busy_poll_us is at most 1000"* ]]
check_err $? "engine_busy_poll_us 1001: unclear error '$msg'"
busy_set "" "$C" 0 driverinit 2> /dev/null
check_fail $? "engine_busy_poll_us cmode driverinit accepted"
busy_set "" "$C" -1 2> /dev/null
check_fail $? "engine_busy_poll_us -1 accepted"
check_eq "npusim$C engine_busy_poll_us after bad input" 250 "$(busy "" "$C")"
devlink dev reload "npusim/npusim$C"
check_err $? "devlink dev reload failed"
check_eq "npusim$C engine_busy_poll_us after reload" 250 "$(busy "" "$C")"
log_test "engine_busy_poll_us: 0 at probe, at most 1000, bad input changes nothing, a reload keeps it"

npusim_del "$C"
check_err $? "cannot remove npusim$C"
check_eq "npusim$C engine threads once removed" 0 "$(eng_count "$C")"
log_test "engine_threaded: bad input changes nothing, a reload keeps it, the threads go with the device"

# --- frames through threaded engines -----------------------------------------

param_set "" "$A" true && param_set "$ns2" "$B" true
check_err $? "devlink dev param set engine_threaded true failed"
check_eq "npusim$A engine threads" 1 "$(eng_count "$A")"
check_eq "npusim$B engine threads" 1 "$(eng_count "$B")"
ra=$(eng_runs "$A") rb=$(eng_runs "$B")
pings "$ns2" 10.19.0.1 20
check_err $? "pings over threaded engines went unanswered"
tcp_xfer "$ns2" 10.19.0.1 $((4 << 20))
check_err $? "a TCP transfer over threaded engines did not arrive intact"
eng_ran "$A" "$ra"
check_err $? "npusim$A's engine thread never ran ($ra runs before, as many after)"
eng_ran "$B" "$rb"
check_err $? "npusim$B's engine thread never ran ($rb runs before, as many after)"
log_test "engine_threaded: frames cross and reach the host, the engine threads run"

# --- busy polling -------------------------------------------------------------

pa=$(polls "" "$A0") pb=$(polls "$ns2" "$B0")
pings "$ns2" 10.19.0.1 20
check_err $? "pings over threaded engines went unanswered"
check_eq "$A0 engine_busy_polls without busy polling" "$pa" "$(polls "" "$A0")"
check_eq "$B0 engine_busy_polls without busy polling" "$pb" "$(polls "$ns2" "$B0")"
busy_set "" "$A" 1000 && busy_set "$ns2" "$B" 1000
check_err $? "devlink dev param set engine_busy_poll_us 1000 failed"
pings "$ns2" 10.19.0.1 20
check_err $? "pings over busy-polling engines went unanswered"
tcp_xfer "$ns2" 10.19.0.1 $((4 << 20))
check_err $? "a TCP transfer over busy-polling engines did not arrive intact"
pa2=$(polls "" "$A0") pb2=$(polls "$ns2" "$B0")
[ "$pa2" -gt "$pa" ] && [ "$pb2" -gt "$pb" ]
check_err $? "the engines never polled on: engine_busy_polls $pa -> $pa2, $pb -> $pb2"
# Polling ends once the FIFO stayed empty for 1 ms: the threads sleep.
wait_until "$WAIT_TIMEOUT" eng_asleep "$A" &&
	wait_until "$WAIT_TIMEOUT" eng_asleep "$B"
check_err $? "the busy-polling engine threads never went to sleep"
busy_set "" "$A" 0 && busy_set "$ns2" "$B" 0
check_err $? "devlink dev param set engine_busy_poll_us 0 failed"
pa=$(polls "" "$A0") pb=$(polls "$ns2" "$B0")
pings "$ns2" 10.19.0.1 50
check_err $? "pings after busy polling went unanswered"
check_eq "$A0 engine_busy_polls over 50 pings, busy polling off" "$pa" "$(polls "" "$A0")"
check_eq "$B0 engine_busy_polls over 50 pings, busy polling off" "$pb" "$(polls "$ns2" "$B0")"
log_test "engine_busy_poll_us: threaded engines poll on after their frames, then sleep; 0 stops it"

# --- back to softirq -----------------------------------------------------------

param_set "" "$A" false && param_set "$ns2" "$B" false
check_err $? "devlink dev param set engine_threaded false failed"
check_eq "npusim$A engine_threaded" false "$(param "" "$A")"
# busy polling applies to threads only
busy_set "" "$A" 1000 && busy_set "$ns2" "$B" 1000
check_err $? "devlink dev param set engine_busy_poll_us 1000 failed"
# A context switches mode at its next run: let each run once, and its
# thread go to sleep.
pings "$ns2" 10.19.0.1 5
wait_until "$WAIT_TIMEOUT" eng_asleep "$A" &&
	wait_until "$WAIT_TIMEOUT" eng_asleep "$B"
check_err $? "the engine threads did not go to sleep"
ra=$(eng_runs "$A") rb=$(eng_runs "$B")
pa=$(polls "" "$A0") pb=$(polls "$ns2" "$B0")
pings "$ns2" 10.19.0.1 50
check_err $? "pings over engines in softirq went unanswered"
check_eq "npusim$A engine thread runs over 50 pings" "$ra" "$(eng_runs "$A")"
check_eq "npusim$B engine thread runs over 50 pings" "$rb" "$(eng_runs "$B")"
check_eq "$A0 engine_busy_polls over 50 pings in softirq" "$pa" "$(polls "" "$A0")"
check_eq "$B0 engine_busy_polls over 50 pings in softirq" "$pb" "$(polls "$ns2" "$B0")"
log_test "engine_threaded false: the threads sleep while frames cross, busy polling or not"

# --- removal under traffic ----------------------------------------------------------

param_set "" "$A" true && param_set "$ns2" "$B" true
check_err $? "devlink dev param set engine_threaded true failed"
ra=$(eng_runs "$A")
bg_run ip netns exec "$ns2" ping -f -q -w 600 10.19.0.1 > /dev/null 2>&1
wait_until "$WAIT_TIMEOUT" eng_ran "$A" "$ra"
check_err $? "the flood never reached npusim$A's engine thread"
timeout 300 bash -c "echo $A > $NPUSIM_SYS/del_device"
check_err $? "removing npusim$A under traffic failed or hung"
npusim_del "$A"
check_eq "npusim$A engine threads once removed" 0 "$(eng_count "$A")"
check_eq "npusim$B engine threads" 1 "$(eng_count "$B")"
bg_kill_all
log_test "engine_threaded: a device goes under traffic, busy polling, and its threads with it"

exit_tests
