#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim nf_flowtable hardware offload: the same 5-tuple arriving on two
# ingress ports.  A PPE whose key lacks the ingress port, or that checks a
# slot's identity on part of the key, takes the second flow for the first
# (bug class 29 of the nf_flowtable contract notes: the Qualcomm PPE of
# OpenWrt PR #24806).  Two customers with the same addresses, each with a
# LAN and a WAN port of one router, kept apart by conntrack zones and
# fwmark policy routing, as a multi-tenant router does:
#
#   client A [p0] -- [p0 lanA | p2 wanA] -- [p0] server A
#                     router (4 ports)
#   client B [p0] -- [p1 lanB | p3 wanB] -- [p0] server B
#
# Both clients have the same address and use the same source port, both
# servers the same address and port.  The router's two flows differ only
# in their ingress interfaces: the NPU must hold four entries and forward
# each customer's frames to that customer's WAN port only.  Flow A runs
# offloaded before flow B starts, so an NPU that matched B's frames on A's
# entry would send B's connection to server A, and both would break.

source "$(dirname "$0")"/lib.sh

require_cmd ip nft ethtool devlink python3 conntrack

NSCB='' NSSB='' CB='' SB=''

cleanup_test()
{
	ft_ns_kill "$NSCB" "$NSSB"
	ft_cleanup
}
ft_begin
ft_modules || skip_all "nf_conntrack/nf_flow_table not available"
FT_TMP=$(mktemp -d /tmp/npusim-ft.XXXXXX) || bail_out "mktemp"

SPORT=40700

# zone_ct PROTO DPORT ZONE: set CT_STATE (as ft_ct does) from the router's
# conntrack entry of the flow to DPORT in zone ZONE.  No fork.
zone_ct()
{
	local l

	CT_STATE=NONE
	while IFS= read -r l; do
		[[ "$l" == *" $1 "* ]] || continue
		[[ "$l" == *" dport=$2 "* ]] || continue
		[[ "$l" == *" zone=$3 "* ]] || continue
		case $l in
		*"[HW_OFFLOAD]"*) CT_STATE=HW_OFFLOAD ;;
		*"[OFFLOAD]"*) CT_STATE=OFFLOAD ;;
		*) CT_STATE=CT ;;
		esac
		return 0
	done < "$FT_CT"
	return 1
}

_zone_ct_is()
{
	zone_ct "$1" "$2" "$3"
	[ "$CT_STATE" == "$4" ]
}

# npu_sent PORT: the router's tx_npu_fwd_packets on its port PORT.
npu_sent()
{
	ethtool_stat "$FT_NSR" "${RP[$1]}" tx_npu_fwd_packets
}

# _npu_both BASE0 BASE1 N: the entries of ingress ports 0 and 1 each
# counted N packets more than BASE0 and BASE1.
_npu_both()
{
	_ft_npu_grew "0:$1:$3" "1:$2:$3"
}

# _wan_both BASE2 BASE3 N: the NPU sent N frames more than BASE2 out of
# WAN port 2 and N more than BASE3 out of WAN port 3.
_wan_both()
{
	local a b

	a=$(npu_sent 2) && b=$(npu_sent 3) &&
		[ "$((a - $1))" -ge "$3" ] && [ "$((b - $2))" -ge "$3" ]
}

# end_host NS IF ADDR4 ADDR6 GW4 GW6: a client or server port, addressed
# (/24, /64), up, default routes via the router.
end_host()
{
	ip -n "$1" -b - <<- EOF
		addr add $3/24 dev $2
		addr add $4/64 dev $2 nodad
		link set $2 up
		route add default via $5
		route add ::/0 via $6
	EOF
}

setup()
{
	local nsc nsr nss ns

	ns_create nsc nsr nss NSCB NSSB || return 1
	FT_NSC=$nsc FT_NSR=$nsr FT_NSS=$nss
	ip netns exec "$nsr" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 || return 1
	# policy routing and conntrack zones are in Debian's kernel, not in
	# every kernel
	if ! ip -n "$nsr" rule add fwmark 1 table 101 2> /dev/null ||
	   ! ip -n "$nsr" -6 rule add fwmark 1 table 101 2> /dev/null; then
		SKIP="no policy routing (IP_MULTIPLE_TABLES) in this kernel"
		return 1
	fi
	ip -n "$nsr" rule add fwmark 2 table 102 || return 1
	ip -n "$nsr" -6 rule add fwmark 2 table 102 || return 1

	FT_R=$(npusim_rand_id)
	npusim_new "$FT_R" 4 "$nsr" || return 1
	npusim_scan "$FT_R" "$nsr"
	RP=("${PORT_NAMES[@]}")
	FT_R0=${RP[0]} FT_R1=${RP[2]}
	FT_C=$(npusim_rand_id)
	npusim_new "$FT_C" 1 "$nsc" || return 1
	CA=${PORT_NAMES[0]}
	CB=$(npusim_rand_id)
	npusim_new "$CB" 1 "$NSCB" || return 1
	CB0=${PORT_NAMES[0]}
	FT_S=$(npusim_rand_id)
	npusim_new "$FT_S" 1 "$nss" || return 1
	SA=${PORT_NAMES[0]}
	SB=$(npusim_rand_id)
	npusim_new "$SB" 1 "$NSSB" || return 1
	SB0=${PORT_NAMES[0]}
	npusim_link "$nsc" "$CA" "$nsr" "${RP[0]}" || return 1
	npusim_link "$NSCB" "$CB0" "$nsr" "${RP[1]}" || return 1
	npusim_link "$nsr" "${RP[2]}" "$nss" "$SA" || return 1
	npusim_link "$nsr" "${RP[3]}" "$NSSB" "$SB0" || return 1

	# the same addresses on both sides of both customers
	end_host "$nsc" "$CA" "$FT_C4" "$FT_C6" "$FT_RL4" "$FT_RL6" &&
		end_host "$NSCB" "$CB0" "$FT_C4" "$FT_C6" "$FT_RL4" "$FT_RL6" &&
		end_host "$nss" "$SA" "$FT_S4" "$FT_S6" "$FT_RW4" "$FT_RW6" &&
		end_host "$NSSB" "$SB0" "$FT_S4" "$FT_S6" "$FT_RW4" "$FT_RW6" ||
		return 1
	# customer A: mark 1, table 101, zone 1; customer B: 2, 102, 2
	ip -n "$nsr" -b - <<- EOF || return 1
		addr add $FT_RL4/24 dev ${RP[0]} noprefixroute
		addr add $FT_RL4/24 dev ${RP[1]} noprefixroute
		addr add $FT_RW4/24 dev ${RP[2]} noprefixroute
		addr add $FT_RW4/24 dev ${RP[3]} noprefixroute
		addr add $FT_RL6/64 dev ${RP[0]} nodad noprefixroute
		addr add $FT_RL6/64 dev ${RP[1]} nodad noprefixroute
		addr add $FT_RW6/64 dev ${RP[2]} nodad noprefixroute
		addr add $FT_RW6/64 dev ${RP[3]} nodad noprefixroute
		link set ${RP[0]} up
		link set ${RP[1]} up
		link set ${RP[2]} up
		link set ${RP[3]} up
		route add ${FT_C4%.*}.0/24 dev ${RP[0]} table 101
		route add ${FT_S4%.*}.0/24 dev ${RP[2]} table 101
		route add ${FT_C4%.*}.0/24 dev ${RP[1]} table 102
		route add ${FT_S4%.*}.0/24 dev ${RP[3]} table 102
		route add ${FT_C6%::*}::/64 dev ${RP[0]} table 101
		route add ${FT_S6%::*}::/64 dev ${RP[2]} table 101
		route add ${FT_C6%::*}::/64 dev ${RP[1]} table 102
		route add ${FT_S6%::*}::/64 dev ${RP[3]} table 102
	EOF
	ERRMSG=$(ip netns exec "$nsr" nft -f - 2>&1 <<- EOF
		table inet zone {
			chain pre {
				type filter hook prerouting priority raw; policy accept;
				iifname { "${RP[0]}", "${RP[2]}" } meta mark set 1 ct zone set 1
				iifname { "${RP[1]}", "${RP[3]}" } meta mark set 2 ct zone set 2
			}
		}
		table inet filter {
			flowtable ft {
				hook ingress priority filter
				devices = { ${RP[0]}, ${RP[1]}, ${RP[2]}, ${RP[3]} }
				counter
				flags offload
			}
			chain forward {
				type filter hook forward priority filter; policy accept;
				meta l4proto { tcp, udp } flow add @ft
			}
		}
	EOF
	) || { [[ "$ERRMSG" == *zone* ]] &&
		SKIP="no conntrack zones (NF_CONNTRACK_ZONES) in this kernel: $ERRMSG"
		return 1; }
	for ns in "$nsc:$CA" "$NSCB:$CB0" "$nss:$SA" "$NSSB:$SB0"; do
		wait_until "$WAIT_TIMEOUT" carrier "${ns%%:*}" "${ns#*:}" ||
			{ ERRMSG="${ns#*:}: no carrier"; return 1; }
	done
	ft_anchor || { ERRMSG="cannot park a process in $nsr"; return 1; }
	for ns in "$nsc" "$NSCB"; do
		ip netns exec "$ns" sh -c "ping -q -c 1 -W $WAIT_TIMEOUT $FT_S4 && ping -q -c 1 -W $WAIT_TIMEOUT $FT_S6" \
			> /dev/null 2>&1 || { ERRMSG="no ping through the router"; return 1; }
	done
}

SKIP=
setup || {
	[ -n "$SKIP" ] && skip_all "$SKIP"
	bail_out "topology: ${ERRMSG:-see above}"
}
[ -d "$NPUSIM_DFS/npusim$FT_R/flow_table" ] ||
	skip_all "npusim has no flow table (debugfs flow_table/ missing)"

# pair NAME PROTO DST DPORT: flow NAME_a from client A, then NAME_b from
# client B, same 5-tuple; see the header.
pair()
{
	local name=$1 proto=$2 dst=$3 dport=$4 n=$FT_NPU_PKTS
	local a=${1}_a b=${1}_b p0 p1 ta tb lines entry ins tuple rc

	ft_ct_flush
	RET=0
	ft_flow_start "$a" "$proto" "$dst" "$dport" sport=$SPORT
	check_err $? "$ERRMSG"
	wait_until "$FT_DEADLINE" _zone_ct_is "$proto" "$dport" 1 HW_OFFLOAD
	check_err $? "flow A: ct state '$CT_STATE' in zone 1, expected [HW_OFFLOAD]"
	ft_wait_entries 2
	check_err $? "flow A: $(ft_entries) entries, expected 2"
	FT_NSC=$NSCB FT_NSS=$NSSB \
		ft_flow_start "$b" "$proto" "$dst" "$dport" sport=$SPORT
	check_err $? "$ERRMSG"
	wait_until "$FT_DEADLINE" _zone_ct_is "$proto" "$dport" 2 HW_OFFLOAD
	check_err $? "flow B: ct state '$CT_STATE' in zone 2, expected [HW_OFFLOAD]"
	zone_ct "$proto" "$dport" 1
	check_eq "flow A's ct state once B is offloaded" HW_OFFLOAD "$CT_STATE"
	ft_wait_entries 4
	check_err $? "$(ft_entries) entries, expected 4"
	check_eq "devlink flow_table occ" 4 "$(ft_occ)"
	# the two original-direction entries: one key but the ingress port
	tuple="$FT_C4:$SPORT->$FT_S4:$dport"
	[[ "$dst" == *:* ]] && tuple="[$FT_C6]:$SPORT->[$FT_S6]:$dport"
	lines=$(grep -F " $proto $tuple " "$NPUSIM_DFS/npusim$FT_R/flow_table/entries")
	ins=$(for entry in $lines; do
		[[ "$entry" == in=p* ]] && echo "$entry"
	done | sort | tr '\n' ' ')
	check_eq "ingress ports of the client->server entries" "in=p0 in=p1 " "$ins"
	[ "$RET" -eq 0 ] || ft_dfs_dump
	log_test "$name: same 5-tuple from two LAN ports: both [HW_OFFLOAD], 4 entries"

	# each customer's entries forward to that customer's WAN port
	RET=0
	ta=$(npu_sent 2) && tb=$(npu_sent 3)
	check_err $? "cannot read the WAN ports' counters"
	ft_npu_count 0
	p0=$NPU_COUNT
	ft_npu_count 1
	p1=$NPU_COUNT
	wait_until "$FT_DEADLINE" _npu_both "$p0" "$p1" "$n"
	check_err $? "the NPU did not forward $n packets of each flow in ${FT_DEADLINE}s"
	ft_npu_count 0
	log_info "$name: port 0 entries +$((NPU_COUNT - p0))"
	[ "$((NPU_COUNT - p0))" -ge "$n" ] && {
		ft_npu_count 1
		log_info "$name: port 1 entries +$((NPU_COUNT - p1))"
	}
	# Both flows run: each WAN port gets its customer's frames.  (The
	# entries' counts above were read after the WAN ports' counters,
	# and the frames they count are sent a moment later: wait for the
	# ports' own counts.)  With one customer's frames on the other's
	# entry, one WAN port would get them all and the other none.
	wait_until "$FT_DEADLINE" _wan_both "$ta" "$tb" "$n"
	rc=$?
	p0=$(npu_sent 2) p1=$(npu_sent 3)
	check_err $rc "NPU transmits on wanA +$((p0 - ta)), wanB +$((p1 - tb)), expected +$n each"
	ft_flow_running "$a" && ft_flow_running "$b"
	check_err $? "a sender exited while the flows were measured"
	[ "$RET" -eq 0 ] || ft_dfs_dump
	log_test "$name: the NPU forwards each flow to its own WAN port"

	RET=0
	ft_flow_finish "$a" "$proto"
	ft_flow_finish "$b" "$proto"
	log_test "$name: both flows' data intact, each at its own server"
}

# _rx_npu_ge PORT N: the router's port PORT received at least N frames
# that the NPU forwarded.
_rx_npu_ge()
{
	local v

	v=$(ethtool_stat "$FT_NSR" "${RP[$1]}" rx_npu_fwd_packets) &&
		[ "$v" -ge "$2" ]
}

# The fault: with model/ignore_port=1 the chip leaves the ingress port
# out of the key, and customer B's datagrams hit customer A's entry: the
# NPU sends them out of A's WAN port, to server A.
fault_ignore_port()
{
	local n=$FT_NPU_PKTS rb tb

	ft_ct_flush
	RET=0
	ft_model ignore_port 1
	check_err $? "model/ignore_port=1: $ERRMSG"
	ft_flow_start fa udp "$FT_S4" 5703 sport=$SPORT
	check_err $? "$ERRMSG"
	wait_until "$FT_DEADLINE" _zone_ct_is udp 5703 1 HW_OFFLOAD
	check_err $? "flow A: ct state '$CT_STATE' in zone 1, expected [HW_OFFLOAD]"
	ft_wait_entries 2
	check_err $? "flow A: $(ft_entries) entries, expected 2"
	rb=$(ethtool_stat "$FT_NSR" "${RP[1]}" rx_npu_fwd_packets) &&
		tb=$(npu_sent 3)
	check_err $? "cannot read the router's counters"
	FT_NSC=$NSCB FT_NSS=$NSSB \
		ft_flow_start fb udp "$FT_S4" 5703 sport=$SPORT
	check_err $? "$ERRMSG"
	wait_until "$FT_DEADLINE" _rx_npu_ge 1 $((rb + n))
	check_err $? "the NPU did not forward $n of B's datagrams in ${FT_DEADLINE}s"
	check_eq "NPU transmits on wanB" "$tb" "$(npu_sent 3)"
	check_eq "entries (A's only)" 2 "$(ft_entries)"
	[ "$RET" -eq 0 ] || ft_dfs_dump
	ft_flow_stop fa
	ft_flow_stop fb
	ft_ct_flush
	check_err $? "flows not removed: occupancy $(ft_occ)"
	ft_model ignore_port 0
	check_err $? "model/ignore_port=0: $ERRMSG"
	log_test "ignore_port=1: B's datagrams hit A's entry, leave on A's WAN port"
}

pair tcp4 tcp "$FT_S4" 5701
pair udp6 udp "$FT_S6" 5702
fault_ignore_port

exit_tests
