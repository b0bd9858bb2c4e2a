#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# npusim nf_flowtable hardware offload over VLANs: the router's WAN is an
# 802.1Q VLAN device on its port (the flowtable lists the lower ports), the
# server sits on the same VLAN.  Flows must be offloaded (VLAN popped on
# the way in, pushed on the way out, by the NPU) and arrive intact.  An
# 802.1ad (QinQ S-tag) uplink cannot be offloaded: the flow must stay in
# the software fast path ([OFFLOAD]), fail_unsupported grows, traffic works.
#
#   client [C p0] -- [R p0 | R p1 . VID] router -- [S p0 . VID] server

source "$(dirname "$0")"/lib.sh

require_cmd ip nft ethtool devlink python3 conntrack cmp awk
modprobe -q 8021q 2> /dev/null
ft_begin

ft_setup vlan=100

RET=0
ft_nft_load
check_err $? "loading the ruleset failed: $ERRMSG"
log_test "802.1Q: offload flowtable on the lower ports of the VLAN uplink"

ft_flow_check vlan_tcp4 tcp "$FT_S4" 5401
ft_ct_flush
ft_flow_check vlan_udp6 udp "$FT_S6" 5402
ft_ct_flush

# A chip whose entries carry no VLAN tag (model/max_vlans=0) refuses the
# flows of the VLAN uplink.
RET=0
ft_model max_vlans 0
check_err $? "model/max_vlans=0: $ERRMSG"
log_test "max_vlans=0 taken with an empty table"
ft_flow_check novlan_udp4 udp "$FT_S4" 5404 state=OFFLOAD
RET=0
err=$(ft_dfs last_error)
[[ "$err" == *"Too many VLAN tags for this chip"* ]]
check_err $? "flow_table/last_error does not explain the refusal: '$err'"
ft_ct_flush
ft_model max_vlans 2
check_err $? "model/max_vlans=2: $ERRMSG"
log_test "max_vlans=0: REPLACE refused, the flow stays in software"

ft_topology_teardown
ft_topology_setup qinq=200 || bail_out "802.1ad topology: ${ERRMSG:-see above}"
RET=0
ft_nft_load
check_err $? "loading the ruleset failed: $ERRMSG"
log_test "802.1ad: offload flowtable on the lower ports of the S-VLAN uplink"

unsup0=$(ft_dfs fail_unsupported)
ft_flow_check qinq_udp4 udp "$FT_S4" 5403 state=OFFLOAD
RET=0
unsup1=$(ft_dfs fail_unsupported)
[ -n "$unsup0" ] && [ -n "$unsup1" ] && [ "$unsup1" -gt "$unsup0" ]
check_err $? "fail_unsupported moved from '$unsup0' to '$unsup1', expected growth"
err=$(cat "$NPUSIM_DFS/npusim$FT_R/flow_table/last_error" 2> /dev/null)
[[ "$err" == *"S-VLANs"* || "$err" == *"Unsupported action"* ]]
check_err $? "flow_table/last_error does not explain the refusal: '$err'"
log_test "802.1ad: REPLACE refused, counted in fail_unsupported"

exit_tests
