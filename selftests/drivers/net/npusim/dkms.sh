#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The npusim-dkms package ("make deb"): "dpkg -i" lets DKMS build npusim
# for the running kernel, "modprobe npusim" loads that module (not the
# one "make" built), it makes a device with its ports, and "dpkg -r"
# takes it away again.
#
# The VM's root is the host's, read-only.  The package goes into a
# throwaway root: an overlay of / with a tmpfs on top, where dpkg starts
# from the host's database (which has dkms and the kernel headers) and
# nothing it writes reaches the host.  There /lib/modules holds the
# running kernel's module tree alone (DKMS builds for no other kernel),
# under an overlay of its own, without the npusim.ko of "make", and with
# the "build" link of Debian's headers package.
#
# Skips if build/deb/ has no package (NPUSIM_DEB names another) or if
# the running kernel has no headers package (the debug kernel).  Leaves
# npusim unloaded: the next script loads the one of "make" again.

source "$(dirname "$0")"/lib.sh

REPO=$(cd "$(dirname "$0")"/../../../.. && pwd)

require_cmd dpkg dkms chroot modprobe modinfo readelf od xz
debugfs_mount

krel=$(uname -r)
if [ -n "${NPUSIM_DEB:-}" ]; then
	deb=$NPUSIM_DEB
else
	debs=("$REPO"/build/deb/npusim-dkms_*_all.deb)
	deb=${debs[-1]}
fi
[ -f "$deb" ] || skip_all "no npusim-dkms package in build/deb/ (make deb builds it)"
[ -d "/usr/src/linux-headers-$krel" ] ||
	skip_all "no linux-headers-$krel: DKMS builds against Debian's headers package"
log_info "package ${deb##*/}, kernel $krel"

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

# The throwaway root.
root_setup()
{
	local mods

	TMP=$(mktemp -d /tmp/npusim-dkms.XXXXXX) || return 1
	mount -t tmpfs -o mode=755 tmpfs "$TMP" || return 1
	mkdir "$TMP"/{root,upper,work,mupper,mwork} || return 1
	ROOT=$TMP/root
	modprobe -q overlay
	mount -t overlay overlay \
		-o "lowerdir=/,upperdir=$TMP/upper,workdir=$TMP/work" "$ROOT" ||
		return 1
	mount --bind /proc "$ROOT/proc" &&
		mount --bind /sys "$ROOT/sys" &&
		mount --bind /dev "$ROOT/dev" &&
		mount -t tmpfs -o mode=1777 tmpfs "$ROOT/tmp" &&
		mount -t tmpfs -o mode=755 tmpfs "$ROOT/run" || return 1

	mods=$ROOT/usr/lib/modules
	mount -t tmpfs -o mode=755 tmpfs "$mods" &&
		mkdir "$mods/$krel" &&
		mount -t overlay overlay \
			-o "lowerdir=/lib/modules/$krel,upperdir=$TMP/mupper,workdir=$TMP/mwork" \
			"$mods/$krel" || return 1
	rm -f "$mods/$krel/updates/npusim.ko" &&
		ln -sfn "/usr/src/linux-headers-$krel" "$mods/$krel/build" &&
		cp "$deb" "$ROOT/tmp/"
}

# in_root CMD...: CMD in the throwaway root.
in_root()
{
	DEBIAN_FRONTEND=noninteractive chroot "$ROOT" "$@"
}

test_install()
{
	local t0=$SECONDS out status log

	RET=0
	out=$(in_root dpkg -i "/tmp/${deb##*/}" 2>&1)
	check_err $? "dpkg -i ${deb##*/} failed"
	log_info "dpkg -i (DKMS build and install): $((SECONDS - t0)) s"
	status=$(in_root dkms status -m npusim -k "$krel" 2> /dev/null)
	[[ "$status" == *": installed"* ]]
	check_err $? "dkms status: '$status'"
	if [ "$RET" -ne 0 ]; then
		tail -n 40 <<< "$out" | sed 's/^/# dpkg: /'
		for log in "$ROOT"/var/lib/dkms/npusim/*/build/make.log; do
			[ -f "$log" ] && sed 's/^/# make.log: /' "$log" | tail -n 40
		done
	fi
	log_info "dkms status: $status"
	log_test "dpkg -i: DKMS builds and installs npusim for $krel"
}

test_load()
{
	local ko vermagic id_ko id_loaded id_make

	RET=0
	ko=$(in_root modinfo -k "$krel" -n npusim 2> /dev/null)
	[[ "$ko" == "/lib/modules/$krel/updates/dkms/npusim.ko"* ]]
	check_err $? "modinfo finds '$ko', not DKMS's module"
	vermagic=$(modinfo -F vermagic "$ROOT$ko" 2> /dev/null)
	check_eq "vermagic release" "$krel" "${vermagic%% *}"
	in_root modprobe npusim
	check_err $? "modprobe npusim in the throwaway root failed"
	wait_until "$WAIT_TIMEOUT" test -e "$NPUSIM_SYS/new_device"
	check_err $? "no $NPUSIM_SYS/new_device after modprobe"
	log_test "modprobe npusim loads DKMS's module"

	RET=0
	id_ko=$(build_id "$ROOT$ko")
	id_loaded=$(build_id /sys/module/npusim/notes/.note.gnu.build-id)
	id_make=$(build_id "$NPUSIM_KO" 2> /dev/null)
	[ -n "$id_ko" ]
	check_err $? "no build ID in $ko"
	check_eq "build ID of the loaded npusim" "$id_ko" "$id_loaded"
	[ "$id_loaded" != "$id_make" ]
	check_err $? "the loaded npusim is the one of make ($id_make)"
	log_info "loaded $ko, build ID $id_loaded"
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

test_remove()
{
	local out

	RET=0
	out=$(in_root dpkg -r npusim-dkms 2>&1)
	check_err $? "dpkg -r npusim-dkms failed: $out"
	out=$(in_root dkms status -m npusim 2>&1)
	check_eq "dkms status after dpkg -r" "" "$out"
	out=$(in_root modinfo -k "$krel" -n npusim 2>&1)
	check_fail $? "npusim still installed after dpkg -r: $out"
	log_test "dpkg -r: DKMS removes npusim"
}

if [ -d /sys/module/npusim ]; then
	npusim_unload || bail_out "cannot unload the npusim of make"
fi
root_setup || bail_out "cannot set up the throwaway root in $TMP"

test_install
[ "$KTAP_FAIL" -eq 0 ] || exit_tests
test_load
test_device
test_remove

exit_tests
