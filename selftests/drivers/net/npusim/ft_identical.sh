#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim nf_flowtable hardware offload: the NPU must put on the wire exactly
# the bytes the software fast path puts there.  The client crafts frames
# with an AF_PACKET socket (fixed IP IDs, ports, payloads; a UDP flow and a
# TCP flow whose handshake is crafted on both ends), first through a
# software-only flowtable, then through an offload flowtable; the server
# captures them.  Only frames sent after the flow reached the fast path
# ([OFFLOAD] resp. [HW_OFFLOAD]) are compared, byte for byte: IPv4, IPv6,
# IPv4 with masquerade and IPv4 with DNAT of address and ports (the
# client talks to the router's LAN address on other ports); then the same over an 802.1Q VLAN uplink (the
# NPU pushes the tag) and over a PPPoE uplink (the NPU pushes the PPPoE
# session header), the server's frames being captured tagged.
#
#   client [C p0] -- [R p0 | R p1 [. VLAN | . PPPoE]] router -- [S p0] server

source "$(dirname "$0")"/lib.sh

require_cmd ip nft ethtool devlink python3 conntrack sort cmp
ft_begin

# mac_of NS DEV
mac_of()
{
	local out

	out=$(ip -n "$1" -br link show dev "$2") || return 1
	read -r _ _ out _ <<< "$out"
	echo "$out"
}

UPORT=7001
TPORT=7002
# with DNAT, the client talks to the router's LAN address on these
VUPORT=6101
VTPORT=6102
COUNT=20

# quiet NS sport|dport: drop the test ports' datagrams and segments at NS's
# input hook (the DNAT ports too: the client's replies come from them).
quiet()
{
	ip netns exec "$1" nft -f - <<- NFT
		table inet quiet {
			chain input {
				type filter hook input priority filter; policy accept;
				udp $2 { $UPORT, $VUPORT } drop
				tcp $2 { $TPORT, $VTPORT } drop
			}
		}
	NFT
}

# setup [ft_topology_setup OPTIONS]: the three namespaces, and the end
# hosts' rulesets.  The crafted flows have no sockets: keep the end hosts'
# stacks from answering them with RSTs / ICMP errors (captures happen
# before netfilter).
setup()
{
	ft_topology_setup "$@" || return 1
	MAC_C=$(mac_of "$FT_NSC" "$FT_C0")
	MAC_RL=$(mac_of "$FT_NSR" "$FT_R0")
	MAC_RW=$(mac_of "$FT_NSR" "$FT_R1")
	MAC_S=$(mac_of "$FT_NSS" "$FT_S0")
	quiet "$FT_NSS" dport || return 1
	quiet "$FT_NSC" sport || return 1
	SNAT4=$(ft_masquerade "${FT_RW:-$FT_R1}" ip)
	SNAT6=$(ft_masquerade "${FT_RW:-$FT_R1}" ip6)
}

# run MODE(sw|hw) FAMILY(4|6) OUT [NFT_EXTRA [VISIBLE:PORT]]: one pass;
# sorted hex frames to OUT.  VISIBLE:PORT: with DNAT, the address and
# the UDP port (the TCP port is the next one) the client talks to.
run()
{
	local mode=$1 fam=$2 out=$3 extra=${4:-} dnat=${5:-} state=HW_OFFLOAD
	local opt='' npu c s v vport=0

	if [ "$mode" == sw ]; then
		state=OFFLOAD
		opt=nooffload
	fi
	if [ -n "$extra" ]; then
		ft_nft_load $opt -- "$extra"
	else
		ft_nft_load $opt
	fi
	check_err $? "$mode ruleset: $ERRMSG"
	ft_ct_flush
	if [ "$fam" == 4 ]; then
		c=$FT_C4 s=$FT_S4
	else
		c=$FT_C6 s=$FT_S6
	fi
	v=$s
	[ -z "$dnat" ] || { v=${dnat%:*}; vport=${dnat##*:}; }
	ft_snap "id_$mode"
	# the same source ports in both passes: the frames must be identical
	$FT_TOOL ident --client-ns "$FT_NSC" --client-dev "$FT_C0" \
		--client-mac "$MAC_C" --server-ns "$FT_NSS" --server-dev "$FT_S0" \
		--server-mac "$MAC_S" --router-lan-mac "$MAC_RL" \
		--router-wan-mac "$MAC_RW" --server-encap "$ENCAP" \
		--client "$c" --server "$s" \
		--visible "$v" --visible-port "$vport" \
		--udp-port $UPORT --tcp-port $TPORT \
		--sport "$IDENT_SPORT" --count $COUNT --size 200 --ct "$FT_CT" \
		--state "$state" > "$out.raw" 2> "$out.err"
	check_err $? "$mode pass: $(tr '\n' ' ' < "$out.err")"
	sort "$out.raw" > "$out"
	ft_snap "id_${mode}_b"
	npu=$(ft_delta "id_$mode" "id_${mode}_b" r0.rx_npu_fwd_packets)
	if [ "$mode" == sw ]; then
		check_eq "NPU-forwarded frames in the software pass" 0 "$npu"
	else
		[ "$npu" != "?" ] && [ "$npu" -ge $((2 * COUNT)) ]
		check_err $? "only $npu frames forwarded by the NPU in the offload pass"
	fi
}

# compare NAME FAMILY [NFT_EXTRA [VISIBLE:PORT]]
compare()
{
	local name=$1 fam=$2 extra=${3:-} dnat=${4:-}
	local a=$FT_TMP/$1.sw b=$FT_TMP/$1.hw
	local la lb i fa fb want

	RET=0
	IDENT_SPORT=$((33000 + RANDOM % 1000 * 2))
	run sw "$fam" "$a" "$extra" "$dnat"
	run hw "$fam" "$b" "$extra" "$dnat"
	check_eq "frames captured in the software pass" $((2 * COUNT)) "$(wc -l < "$a")"
	check_eq "frames captured in the offload pass" $((2 * COUNT)) "$(wc -l < "$b")"
	if ! cmp -s "$a" "$b"; then
		check_err 1 "frames differ between the software and the offload path"
		# show the first differing pair and where they differ
		exec {fa}< "$a" {fb}< "$b"
		while read -r -u "$fa" la && read -r -u "$fb" lb; do
			[ "$la" == "$lb" ] && continue
			for ((i = 0; i < ${#la}; i += 2)); do
				[ "${la:i:2}" == "${lb:i:2}" ] || break
			done
			log_info "sw: $la"
			log_info "hw: $lb"
			log_info "first difference at byte $((i / 2))"
			break
		done
		exec {fa}<&- {fb}<&-
	fi
	# the server's side is captured with its encapsulation
	case $ENCAP in
	vlan:*)	want=$(printf '8100%04x' "${ENCAP#vlan:}") ;;
	pppoe:*) want=$(printf '88641100%04x' "${ENCAP#pppoe:}") ;;
	*)	want='' ;;
	esac
	if [ -n "$want" ]; then
		check_eq "frames carrying $ENCAP ($want after the MACs)" \
			$((4 * COUNT)) "$(cut -c 25-$((24 + ${#want})) "$a" "$b" |
					 grep -c "^$want\$")"
	fi
	log_info "$name: first frame's headers: $(head -n 1 "$b" | cut -c 1-68)"
	log_test "$name: NPU and software fast path emit identical frames"
}

ENCAP=
setup || bail_out "topology: ${ERRMSG:-see above}"
[ -d "$NPUSIM_DFS/npusim$FT_R/flow_table" ] ||
	skip_all "npusim has no flow table (debugfs flow_table/ missing)"
sweep_note "ipv4, ipv6, ipv4_masquerade and pppoe_ipv6"
! full_sweep || compare ipv4 4
! full_sweep || compare ipv6 6
! full_sweep || compare ipv4_masquerade 4 "$SNAT4"
compare ipv4_dnat 4 "table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		iifname \"$FT_R0\" ip daddr $FT_RL4 udp dport $VUPORT dnat to $FT_S4:$UPORT
		iifname \"$FT_R0\" ip daddr $FT_RL4 tcp dport $VTPORT dnat to $FT_S4:$TPORT
	}
}" "$FT_RL4:$VUPORT"

ft_topology_teardown
modprobe -q 8021q 2> /dev/null
ENCAP=vlan:100
setup vlan=100 || bail_out "802.1Q topology: ${ERRMSG:-see above}"
compare vlan_ipv6_masquerade 6 "$SNAT6"

ft_topology_teardown
modprobe -q pppoe 2> /dev/null
if command -v pppd > /dev/null && command -v pppoe-server > /dev/null &&
   [ -e /proc/net/pppoe ]; then
	setup pppoe || bail_out "PPPoE topology: ${ERRMSG:-see above}"
	ENCAP=pppoe:$FT_PPPOE_SID
	compare pppoe_ipv4_masquerade 4 "$SNAT4"
	! full_sweep || compare pppoe_ipv6 6
else
	for n in pppoe_ipv4_masquerade pppoe_ipv6; do
		RET=0
		case_skip "no pppd, pppoe-server or kernel PPPoE"
		log_test "$n: NPU and software fast path emit identical frames"
	done
fi

exit_tests
