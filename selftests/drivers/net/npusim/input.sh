#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Strict input parsing of every file npusim lets users write: the bus
# files new_device, del_device, link_device and unlink_device, and the
# debugfs knobs ports/<N>/rx_stall, fail_ft_resize,
# flow_table/destroy_delay_ms, destroy_hold, stats_hold, dump_steals,
# skip_cache_flush, stale_lastused and one fault
# knob of each kind (replace_delay_ms, replace_fail, replace_fail_times;
# ft_profile.sh and ft_fault.sh check the model/ and other fault knobs).
# Each malformed write must fail with the documented errno AND change
# nothing (no device created or deleted, no wire plugged or unplugged,
# the knob's value kept); well-formed edge cases must be taken as the
# documentation says (decimal with leading zeros is decimal, "0x" is hex).
#
# Each write is one write(2) of exactly the bytes given, NULs included:
# bash's printf builtin formats them and writes them itself where its
# line-buffered output makes that one write(2) (a newline at most at the
# end), dd writes them in one block otherwise.

source "$(dirname "$0")"/lib.sh

require_cmd ip devlink dd
npusim_load || skip_all "npusim module not available"
debugfs_mount || skip_all "debugfs not available"
trap cleanup EXIT

NEW=$NPUSIM_SYS/new_device
DEL=$NPUSIM_SYS/del_device
LINK=$NPUSIM_SYS/link_device
UNLINK=$NPUSIM_SYS/unlink_device

RAW_DIR=$(mktemp -d /tmp/npusim-input.XXXXXX) || bail_out "mktemp failed"
# shellcheck disable=SC2317 # called by cleanup() in lib.sh
cleanup_test()
{
	rm -rf "$RAW_DIR"
}

# raw_write FILE FORMAT: write printf FORMAT (\x00, \n... escapes) to FILE
# in one write(2).  Error text in ERRMSG.  bash's printf builtin writes
# through a line-buffered stream: one write(2) if the bytes have no
# newline but at the end and fit its buffer (the bytes are formatted into
# a file first to see that: a bash variable cannot hold a NUL), so that
# most writes cost no process (a process costs 0.2 to 0.5 s on the debug
# kernel); dd writes the others in one block.
raw_write()
{
	local f=$1 fmt=$2 out='' rc
	local -a lines=()

	# shellcheck disable=SC2059 # the format is the test input
	printf -- "$fmt" > "$RAW_DIR/bytes" && mapfile -t lines < "$RAW_DIR/bytes"
	if [ ${#lines[@]} -le 1 ] && [ ${#fmt} -lt 1024 ]; then
		# shellcheck disable=SC2059
		printf -- "$fmt" 2> "$RAW_DIR/err" > "$f"
		rc=$?
		[ $rc -eq 0 ] || read -r out < "$RAW_DIR/err"
	else
		out=$(dd if="$RAW_DIR/bytes" of="$f" bs=64k count=1 \
			 iflag=fullblock conv=notrunc status=none 2>&1)
		rc=$?
	fi
	ERRMSG=
	[ $rc -ne 0 ] && ERRMSG=${out##*: }
	return $rc
}

# expect_raw ERRNO FILE FORMAT: the write must fail with ERRNO.
expect_raw()
{
	local e=$1 f=$2 fmt=$3

	if raw_write "$f" "$fmt"; then
		check_err 1 "writing '$fmt' to ${f##*/} succeeded, expected $e"
		return 1
	fi
	[ "$ERRMSG" == "${ERRNO_STR[$e]}" ]
	check_err $? "writing '$fmt' to ${f##*/}: expected $e (${ERRNO_STR[$e]}), got '$ERRMSG'"
}

# expect_ok FILE FORMAT: the write must succeed.
expect_ok()
{
	raw_write "$1" "$2"
	check_err $? "writing '$2' to ${1##*/} failed: $ERRMSG"
}

# knob FILE: FILE's value (its first line) in KNOB, without a process.
knob()
{
	KNOB=
	read -r KNOB < "$1"
}

# repeat CHAR N
repeat()
{
	local s

	printf -v s '%*s' "$2" ''
	echo "${s// /$1}"
}

LONG_PAD=$(repeat ' ' 70)

test_new_device()
{
	local id name fmt
	local -a cases

	id=$(npusim_rand_id)
	# format (ID replaced) | what
	cases=(
		'ID\x00junk|embedded NUL, then garbage'
		'ID\x00|trailing NUL'
		'ID 1\x00|trailing NUL after PORT_COUNT'
		'\x00ID|leading NUL'
		'ID 1\n\n|two trailing newlines'
		'ID\n1|newline between the fields'
		'+ID|sign'
		'ID +1|sign on PORT_COUNT'
		"ID${LONG_PAD}1|over-long (padded) input"
		'0xID|hexadecimal'
	)
	for c in "${cases[@]}"; do
		RET=0
		fmt=${c%%|*}
		name=${c#*|}
		expect_raw EINVAL "$NEW" "${fmt//ID/$id}"
		[ ! -e "$NPUSIM_SYS/devices/npusim$id" ]
		check_err $? "npusim$id was created"
		[ ! -e "$NPUSIM_DFS/npusim$id" ]
		check_err $? "debugfs npusim$id was created"
		npusim_del "$id"
		log_test "new_device: $name: EINVAL, no device"
	done

	RET=0
	expect_ok "$NEW" "$id 01\n"
	DEV_LIST+=("$id")
	wait_until "$WAIT_TIMEOUT" _npusim_count_ok "$id" 1 -
	check_err $? "npusim$id: ${#PORT_NAMES[@]} netdevs, expected 1"
	npusim_del "$id"
	log_test "new_device: PORT_COUNT with a leading zero is decimal"
}

test_del_device()
{
	local keep name fmt
	local -a cases

	keep=$(npusim_rand_id)
	npusim_new "$keep" 1 || bail_out "cannot create npusim$keep"
	cases=(
		'ID\x00junk|embedded NUL, then garbage'
		'ID\x00|trailing NUL'
		'ID\n\n|two trailing newlines'
		'+ID|sign'
		"ID${LONG_PAD}|over-long (padded) input"
	)
	for c in "${cases[@]}"; do
		RET=0
		fmt=${c%%|*}
		name=${c#*|}
		expect_raw EINVAL "$DEL" "${fmt//ID/$keep}"
		[ -e "$NPUSIM_SYS/devices/npusim$keep" ]
		check_err $? "npusim$keep was deleted"
		log_test "del_device: $name: EINVAL, device kept"
	done
	npusim_del "$keep"
}

# wired A_IFX B_IFX: the two ports are wired to each other (a second
# link_device is refused with EBUSY; undone if it succeeded).
_wired_fd=
wired()
{
	if raw_write "$LINK" "$_wired_fd:$1 $_wired_fd:$2"; then
		raw_write "$UNLINK" "$_wired_fd:$1"
		return 1
	fi
	[ "$ERRMSG" == "${ERRNO_STR[EBUSY]}" ]
}

test_link_device()
{
	local id a b fd name fmt
	local -a cases

	id=$(npusim_rand_id)
	npusim_new "$id" 2 || bail_out "cannot create npusim$id"
	a=${PORT_IFX[0]} b=${PORT_IFX[1]}
	exec {fd}< /proc/self/ns/net
	_wired_fd=$fd

	cases=(
		'FD:A FD:B\x00junk|embedded NUL, then garbage'
		'FD:A FD:B\x00|trailing NUL'
		'FD:A FD:B\n\n|two trailing newlines'
		'FD:A\nFD:B|newline between the ports'
		'FD:+A FD:B|sign'
		'FD:0xA FD:B|hexadecimal'
		"FD:A FD:B${LONG_PAD}|over-long (padded) input"
	)
	for c in "${cases[@]}"; do
		RET=0
		fmt=${c%%|*}
		name=${c#*|}
		fmt=${fmt//FD/$fd}
		fmt=${fmt//A/$a}
		fmt=${fmt//B/$b}
		expect_raw EINVAL "$LINK" "$fmt"
		! wired "$a" "$b"
		check_err $? "the ports were wired"
		log_test "link_device: $name: EINVAL, nothing wired"
	done

	expect_ok "$LINK" "$fd:$a $fd:$b\n"
	cases=(
		'FD:A\x00junk|embedded NUL, then garbage'
		'FD:A\x00|trailing NUL'
		'FD:A\n\n|two trailing newlines'
		"FD:A${LONG_PAD}|over-long (padded) input"
	)
	for c in "${cases[@]}"; do
		RET=0
		fmt=${c%%|*}
		name=${c#*|}
		fmt=${fmt//FD/$fd}
		fmt=${fmt//A/$a}
		expect_raw EINVAL "$UNLINK" "$fmt"
		wired "$a" "$b"
		check_err $? "the wire was unplugged"
		log_test "unlink_device: $name: EINVAL, wire kept"
	done
	exec {fd}<&-
	npusim_del "$id"
}

# test_bool_knob NAME FILE: a boolean debugfs knob takes exactly "0" and
# "1" (and one newline), refuses anything else and keeps its value.
test_bool_knob()
{
	local k=$1 f=$2 v fmt name c
	local -a cases

	[ -w "$f" ] || bail_out "no $f"
	cases=(
		'1junk|trailing garbage after 1'
		'0junk|trailing garbage after 0'
		'0x1|hexadecimal'
		'01|leading zero'
		'1.0|decimal point'
		'nonsense|a word starting with n'
		'yesterday|a word starting with y'
		'on|on'
		'off|off'
		'true|true'
		'y|y'
		'n|n'
		' 1| leading space'
		'1 |trailing space'
		'1\n\n|two trailing newlines'
		'1\x00|trailing NUL'
		'0\x00|trailing NUL after 0'
		'1\x00junk|NUL, then garbage'
		'\n|a newline only'
		"$(repeat 1 600)|600 ones"
		"$(repeat 0 600)|600 zeros"
	)
	for v in 0 1; do
		expect_ok "$f" "$v"
		for c in "${cases[@]}"; do
			RET=0
			fmt=${c%%|*}
			name=${c#*|}
			expect_raw EINVAL "$f" "$fmt"
			knob "$f"
			check_eq "$k" "$v" "$KNOB"
			log_test "$k=$v: '$name' refused with EINVAL, value kept"
		done
	done

	RET=0
	expect_ok "$f" '0\n'
	knob "$f"
	check_eq "$k after '0\\n'" 0 "$KNOB"
	expect_ok "$f" '1\n'
	knob "$f"
	check_eq "$k after '1\\n'" 1 "$KNOB"
	expect_ok "$f" '0'
	knob "$f"
	check_eq "$k after '0'" 0 "$KNOB"
	log_test "$k: 0 and 1, with or without a newline, taken"
}

# test_number_knob NAME FILE MAX: a numeric debugfs knob takes decimal and
# "0x" hexadecimal up to MAX, refuses anything else (EINVAL, ERANGE above
# MAX) and keeps its value.
test_number_knob()
{
	local k=$1 f=$2 max=$3 fmt name e c
	local -a cases

	[ -w "$f" ] || bail_out "no $f"
	# format | errno | what
	cases=(
		'5junk|EINVAL|trailing garbage'
		'5\x00|EINVAL|trailing NUL'
		'5\x00junk|EINVAL|NUL, then garbage'
		'\x00|EINVAL|a NUL only'
		'5\n\n|EINVAL|two trailing newlines'
		'-1|EINVAL|negative'
		'+5|EINVAL|sign'
		' 5|EINVAL|leading space'
		'5 |EINVAL|trailing space'
		'1e3|EINVAL|exponent'
		'5.0|EINVAL|decimal point'
		'0x|EINVAL|0x without digits'
		'0x1g|EINVAL|bad hex digit'
		'0o7|EINVAL|0o prefix'
		'\n|EINVAL|a newline only'
		"$(repeat 0 40)5|EINVAL|over-long (40 leading zeros)"
		"$(repeat 9 600)|EINVAL|600 nines"
		"$((max + 1))|ERANGE|above the maximum"
		'4294967296|ERANGE|above 32 bits'
		'99999999999999999999|ERANGE|far above 32 bits'
	)
	expect_ok "$f" '7'
	for c in "${cases[@]}"; do
		RET=0
		fmt=${c%%|*}
		e=${c#*|}
		name=${e#*|}
		e=${e%%|*}
		expect_raw "$e" "$f" "$fmt"
		knob "$f"
		check_eq "$k" 7 "$KNOB"
		log_test "$k: $name refused with $e, value kept"
	done

	# format | value | what
	cases=(
		'010|10|leading zero: decimal, not octal'
		'08|8|leading zero and 8'
		'0009\n|9|leading zeros and a newline'
		'0x10|16|0x: hexadecimal'
		'0X1f|31|0X: hexadecimal'
		"$max|$max|the maximum"
		'0|0|zero'
	)
	for c in "${cases[@]}"; do
		RET=0
		fmt=${c%%|*}
		e=${c#*|}
		name=${e#*|}
		e=${e%%|*}
		expect_ok "$f" "$fmt"
		knob "$f"
		check_eq "$k after '$fmt'" "$e" "$KNOB"
		log_test "$k: $name"
	done
}

# Every writable debugfs knob of a device.
test_knobs()
{
	local id d

	id=$(npusim_rand_id)
	npusim_new "$id" 1 || bail_out "cannot create npusim$id"
	d=$NPUSIM_DFS/npusim$id
	test_bool_knob rx_stall "$d/ports/0/rx_stall"
	test_bool_knob fail_ft_resize "$d/fail_ft_resize"
	test_number_knob destroy_delay_ms "$d/flow_table/destroy_delay_ms" 10000
	test_bool_knob destroy_hold "$d/flow_table/destroy_hold"
	test_bool_knob stats_hold "$d/flow_table/stats_hold"
	test_bool_knob dump_steals "$d/flow_table/dump_steals"
	test_bool_knob skip_cache_flush "$d/flow_table/skip_cache_flush"
	test_bool_knob stale_lastused "$d/flow_table/stale_lastused"
	# one of each kind of fault knob: the replace_, stats_ and destroy_
	# ones share their handlers (ft_fault.sh covers every one)
	test_number_knob replace_delay_ms "$d/flow_table/replace_delay_ms" 10000
	test_number_knob replace_fail "$d/flow_table/replace_fail" 4095
	test_number_knob replace_fail_times "$d/flow_table/replace_fail_times" \
		4294967295
	npusim_del "$id"
}

test_new_device
test_del_device
test_link_device
test_knobs

exit_tests
