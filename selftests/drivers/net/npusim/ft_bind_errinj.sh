#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim flowtable binding under error injection, in the manner of the
# kernel's netfilter/nft_offload.sh (netdevsim's phony offload, not in
# 6.12's tree), with what that test cannot check on a device that keeps
# nothing: whether every binding the hardware took is given back.
# The debug kernel's fail_function fails npusim_ft_bind (the bind of a
# port to an offload flowtable) with a random probability of 10..99 %
# for nft alone (task-filter, make-it-fail), while ROUNDS rulesets are
# loaded, each replacing the previous one.  (Upstream's test also lists
# a dummy device: on 6.12 a device with no offload at all makes nft
# refuse an offload flowtable with EOPNOTSUPP, so there is none here.)
#  - with no injection the ruleset loads and binds one flow block;
#  - under injection some loads fail, some succeed (logged);
#  - afterwards one load binds exactly one block, "nft flush ruleset"
#    leaves none (flow_table/blocks 0), the table is empty, the device
#    goes away without a kernel warning, and the taint flags did not
#    change.
# Skipped on a kernel without fail_function (Debian's).

source "$(dirname "$0")"/lib.sh

require_cmd ip nft
npusim_load || skip_all "npusim module not available"
debugfs_mount
trap cleanup EXIT

fail_function_require npusim_ft_bind

ROUNDS=20
RULES=

# fail_function's settings outlive the script: leave task-filter off, as
# the next script that injects expects it.
cleanup_test()
{
	echo > "$FF/inject" 2> /dev/null
	echo N > "$FF/task-filter" 2> /dev/null
	[ -n "$RULES" ] && rm -f "$RULES"
}

ns_create ns || bail_out "cannot create netns"
ID=$(npusim_rand_id)
npusim_new "$ID" 2 "$ns" || bail_out "cannot create npusim$ID: $ERRMSG"
P0=${PORT_NAMES[0]} P1=${PORT_NAMES[1]}
DFS=$NPUSIM_DFS/npusim$ID/flow_table
RULES=$(mktemp /tmp/npusim-bind.XXXXXX) || bail_out "mktemp"
cat > "$RULES" <<- EOF
	flush ruleset
	table inet t {
		flowtable f {
			hook ingress priority filter + 10
			devices = { $P0, $P1 }
			flags offload
		}
		chain forward {
			type filter hook forward priority filter; policy accept;
			ct state new meta l4proto tcp flow add @f
		}
	}
EOF

blocks()
{
	cat "$DFS/blocks" 2> /dev/null
}

# load: load the ruleset in $ns as a task fail_function may fail.
load()
{
	ip netns exec "$ns" bash -c \
		"echo 1 > /proc/self/make-it-fail && exec nft -f '$RULES'" 2> /dev/null
}

taint0=$(< /proc/sys/kernel/tainted)
ft_dmesg_mark

RET=0
ip netns exec "$ns" nft -f "$RULES"
check_err $? "the ruleset does not load"
check_eq "flow blocks bound" 1 "$(blocks)"
log_test "an offload flowtable on two npusim ports binds one block"

RET=0
p=$((RANDOM % 90 + 10))
echo > "$FF/inject" && printf npusim_ft_bind > "$FF/inject" &&
	echo Y > "$FF/task-filter" && echo 0 > "$FF/verbose" &&
	echo "$p" > "$FF/probability" && echo 1 > "$FF/interval" &&
	echo 0 > "$FF/space" && echo -1 > "$FF/times"
check_err $? "cannot inject into npusim_ft_bind"
ok=0
for ((i = 0; i < ROUNDS; i++)); do
	load && ok=$((ok + 1))
done
echo > "$FF/inject" && echo N > "$FF/task-filter"
log_info "$ROUNDS loads with npusim_ft_bind failing at $p %: $ok succeeded"
[ "$(blocks)" -le 1 ]
check_err $? "$(blocks) flow blocks bound after the loads"
log_test "$ROUNDS ruleset loads with npusim_ft_bind failing at $p %"

RET=0
ip netns exec "$ns" nft -f "$RULES"
check_err $? "the ruleset does not load after the injection"
check_eq "flow blocks bound after a clean load" 1 "$(blocks)"
ip netns exec "$ns" nft flush ruleset
check_err $? "nft flush ruleset"
check_eq "flow blocks bound after flush ruleset" 0 "$(blocks)"
check_eq "flow table entries" 0 "$(ft_entries "$ID")"
npusim_del "$ID"
check_err $? "del_device $ID: $ERRMSG"
check_eq "kernel warnings" "" "$(ft_dmesg_new | tr '\n' '|')"
check_eq "taint flags" "$taint0" "$(< /proc/sys/kernel/tainted)"
log_test "every binding is given back: 0 blocks after flush, clean device removal"

exit_tests
