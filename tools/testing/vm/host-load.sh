# SPDX-License-Identifier: GPL-2.0
#
# Make the host busy on purpose, to show that the tests do not depend on
# how fast the VM runs.  Source it from a bash script:
#
#	source tools/testing/vm/host-load.sh
#	host_load_start "${NPUSIM_HOST_LOAD:-0}"	# N busy loops
#	...
#	host_load_stop				# also run by the EXIT trap
#
# host_load_start installs an EXIT trap (and turns INT, TERM and HUP into
# an exit) that stops the loops, so they never outlive the script, whether
# it ends, fails or is interrupted; a script that has its own EXIT trap
# calls host_load_stop from it.  It exports NPUSIM_HOST_LOAD_OWNER so that
# nested scripts (scripts/check runs tools/testing/vm/selftests) do not
# add loops of their own.

HOST_LOAD_PIDS=()

host_load_start()
{
	local n=${1:-0} i

	[[ $n =~ ^[0-9]+$ ]] || {
		echo "host-load: NPUSIM_HOST_LOAD must be a number, not '$n'" >&2
		return 1
	}
	[ "$n" -gt 0 ] || return 0
	if [ -n "${NPUSIM_HOST_LOAD_OWNER:-}" ] &&
	   kill -0 "$NPUSIM_HOST_LOAD_OWNER" 2>/dev/null; then
		return 0
	fi
	for ((i = 0; i < n; i++)); do
		bash -c 'while :; do :; done' </dev/null >/dev/null 2>&1 &
		HOST_LOAD_PIDS+=($!)
	done
	export NPUSIM_HOST_LOAD_OWNER=$$
	trap host_load_stop EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	echo "host-load: $n busy loops on $(nproc) CPUs (pids ${HOST_LOAD_PIDS[*]})" >&2
}

host_load_stop()
{
	local p

	[ ${#HOST_LOAD_PIDS[@]} -gt 0 ] || return 0
	for p in "${HOST_LOAD_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${HOST_LOAD_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	echo "host-load: stopped ${#HOST_LOAD_PIDS[@]} busy loops" >&2
	HOST_LOAD_PIDS=()
	return 0
}
