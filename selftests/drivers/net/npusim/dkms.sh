#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The npusim-dkms package ("make deb") as DKMS installed it: "make
# check-dkms" (scripts/dkms-build) installs the package with "dpkg -i" in
# a throwaway root on the host, where its postinst has DKMS build npusim
# for the 6.12 and 6.1 kernels, and keeps what DKMS installed for each
# kernel in build/dkms/modules/<release>/.  Here, on that kernel,
# "modprobe npusim" loads DKMS's module (not the one "make" built), it
# makes a device with its ports, and it unloads.
#
# The VM's root is the host's, read-only: DKMS's layer goes over the
# running kernel's module tree in an overlay of its own, and modprobe
# reads that tree (-d).  DKMS builds on the host because under TCG it
# takes minutes.
#
# Skips if check-dkms has not installed npusim for the running kernel
# (the debug kernel has no headers package).  Leaves npusim unloaded:
# the next script loads the one of "make" again.

source "$(dirname "$0")"/lib.sh

REPO=$(cd "$(dirname "$0")"/../../../.. && pwd)

require_cmd modprobe modinfo readelf od xz
debugfs_mount

krel=$(uname -r)
LAYER=$REPO/build/dkms/modules/$krel
[ -d "$LAYER/updates/dkms" ] ||
	skip_all "no DKMS-built npusim for $krel in build/dkms/ (make check-dkms installs it)"
log_info "kernel $krel, DKMS's layer $LAYER"

TMP=
ROOT=
# shellcheck disable=SC2317 # called by cleanup() in lib.sh
cleanup_test()
{
	local id

	for id in "${DEV_LIST[@]}"; do
		npusim_del "$id"
	done
	# The next script must not find DKMS's npusim loaded.
	npusim_unload
	[ -z "$TMP" ] && return
	umount -R "$TMP" 2> /dev/null || umount -R -l "$TMP"
	rmdir "$TMP"
}
trap cleanup EXIT

# build_id FILE: the GNU build ID of a module file or of a module's
# notes in sysfs (the note: namesz, descsz, type, "GNU\0", the ID).
build_id()
{
	local f=$1 hex

	case $f in
	/sys/*)
		hex=$(od -An -v -tx1 "$f") || return 1
		hex=${hex//[[:space:]]/}
		echo "${hex:32}"
		;;
	*.xz)
		xz -dc "$f" > "$TMP/id.ko" && build_id "$TMP/id.ko"
		;;
	*)
		readelf -n "$f" | sed -n 's/^[[:space:]]*Build ID: //p'
		;;
	esac
}

# The running kernel's module tree with DKMS's layer over it, in
# $ROOT/lib/modules/$krel (what is written there goes to the tmpfs).
root_setup()
{
	TMP=$(mktemp -d /tmp/npusim-dkms.XXXXXX) || return 1
	mount -t tmpfs -o mode=755 tmpfs "$TMP" || return 1
	ROOT=$TMP/root
	mkdir -p "$ROOT/lib/modules/$krel" "$TMP/upper" "$TMP/work" || return 1
	modprobe -q overlay
	mount -t overlay overlay -o "lowerdir=$LAYER:/lib/modules/$krel" \
		-o "upperdir=$TMP/upper,workdir=$TMP/work" \
		"$ROOT/lib/modules/$krel" || return 1
	# npusim needs the bridge module: what the layer's modules.dep
	# says of the host's tree, depmod says again of the VM's, as DKMS
	# does on the machine it installs to.
	depmod -b "$ROOT" "$krel"
}

test_load()
{
	local ko vermagic id_ko id_loaded id_make

	RET=0
	ko=$(modinfo -b "$ROOT" -k "$krel" -n npusim 2> /dev/null)
	[[ "$ko" == "$ROOT/lib/modules/$krel/updates/dkms/npusim.ko"* ]]
	check_err $? "modinfo finds '$ko', not DKMS's module"
	vermagic=$(modinfo -F vermagic "$ko" 2> /dev/null)
	check_eq "vermagic release" "$krel" "${vermagic%% *}"
	modprobe -d "$ROOT" npusim
	check_err $? "modprobe -d $ROOT npusim failed"
	wait_until "$WAIT_TIMEOUT" test -e "$NPUSIM_SYS/new_device"
	check_err $? "no $NPUSIM_SYS/new_device after modprobe"
	log_test "modprobe npusim loads DKMS's module"

	RET=0
	id_ko=$(build_id "$ko")
	id_loaded=$(build_id /sys/module/npusim/notes/.note.gnu.build-id)
	id_make=$(build_id "$NPUSIM_KO" 2> /dev/null)
	[ -n "$id_ko" ]
	check_err $? "no build ID in $ko"
	check_eq "build ID of the loaded npusim" "$id_ko" "$id_loaded"
	[ "$id_loaded" != "$id_make" ]
	check_err $? "the loaded npusim is the one of make ($id_make)"
	log_info "loaded ${ko#"$ROOT"}, build ID $id_loaded"
	log_test "the loaded npusim is the DKMS-built file"
}

test_device()
{
	local id names

	RET=0
	id=$(npusim_rand_id)
	npusim_new "$id" 2
	check_err $? "new_device '$id 2': $ERRMSG"
	check_eq "npusim$id netdevs" 2 "${#PORT_NAMES[@]}"
	names=("${PORT_NAMES[@]}")
	ip link set dev "${names[0]}" up && ip link set dev "${names[1]}" up
	check_err $? "cannot set ${names[*]} up"
	npusim_del "$id"
	check_err $? "del_device '$id': $ERRMSG"
	[ ! -e "$NPUSIM_SYS/devices/npusim$id" ] && [ ! -e "/sys/class/net/${names[0]}" ]
	check_err $? "npusim$id left behind"
	log_test "DKMS's npusim makes a device with 2 ports and deletes it"

	RET=0
	npusim_unload
	check_err $? "modprobe -r npusim failed"
	[ ! -d /sys/module/npusim ]
	check_err $? "npusim still loaded"
	log_test "DKMS's npusim unloads"
}

if [ -d /sys/module/npusim ]; then
	npusim_unload || bail_out "cannot unload the npusim of make"
fi
root_setup || bail_out "cannot set up the throwaway root in $TMP"

test_load
test_device

exit_tests
