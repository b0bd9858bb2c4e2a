// SPDX-License-Identifier: GPL-2.0
/*
 * npusim L3 offload statistics ("ip stats set dev X l3_stats on").
 *
 * The frames the NPU forwards never reach the router's netdevs, so
 * their counters miss them.  The chip counts them per router interface
 * (a port and a VLAN id) in counter blocks the driver enables on
 * demand; this file maps the kernel's offload xstats requests for an
 * npusim port (untagged router interface) or for an 802.1Q upper of
 * one (the interface of that VLAN id) onto those blocks:
 *
 * - NETDEV_OFFLOAD_XSTATS_ENABLE enables the block, which starts at 0;
 * - NETDEV_OFFLOAD_XSTATS_DISABLE disables it, also when the netdev
 *   is unregistered with its stats on (the core sends DISABLE then);
 * - NETDEV_OFFLOAD_XSTATS_REPORT_USED says the netdev has one;
 * - NETDEV_OFFLOAD_XSTATS_REPORT_DELTA reports what the block counted
 *   since the previous report: the chip clears a block as it reads it,
 *   and the core adds the deltas up.
 *
 * The core sends ENABLE on the notifier chain of the netdev's netns
 * only, so there is a notifier in every netns (pernet operations): a
 * port and its VLAN devices are served wherever they are.  All of it
 * runs under RTNL.
 */

#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/notifier.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "npusim.h"

/*
 * The router interface of @dev: its port and VLAN id.  False if @dev is
 * neither an npusim port nor an 802.1Q upper (VLAN id 1..4094) of one.
 */
static bool npusim_l3_stats_rif(struct net_device *dev,
				struct npusim_hw_port **hw_port, u16 *vid)
{
	struct npusim_port *port;

	if (npusim_netdev_is_port(dev)) {
		port = netdev_priv(dev);
		*vid = NPUSIM_HW_RIF_UNTAGGED;
	} else if (is_vlan_dev(dev) &&
		   vlan_dev_vlan_proto(dev) == htons(ETH_P_8021Q) &&
		   vlan_dev_vlan_id(dev) &&
		   npusim_netdev_is_port(vlan_dev_real_dev(dev))) {
		port = netdev_priv(vlan_dev_real_dev(dev));
		*vid = vlan_dev_vlan_id(dev);
	} else {
		return false;
	}
	*hw_port = port->hw_port;
	return true;
}

static int
npusim_l3_stats_report_delta(struct npusim_hw_port *hw_port, u16 vid,
			     struct netdev_notifier_offload_xstats_info *info)
{
	struct rtnl_hw_stats64 stats = {};
	struct npusim_hw_rif_stats st;

	if (npusim_hw_rif_counters_fetch_clear(hw_port, vid, &st))
		return 0;
	stats.rx_packets = st.rx_frames;
	stats.rx_bytes = st.rx_octets;
	stats.tx_packets = st.tx_frames;
	stats.tx_bytes = st.tx_octets;
	netdev_offload_xstats_report_delta(info->report_delta, &stats);
	return 0;
}

static int npusim_l3_stats_event(struct notifier_block *nb,
				 unsigned long event, void *ptr)
{
	struct netdev_notifier_offload_xstats_info *info = ptr;
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct npusim_hw_port *hw_port;
	int err = 0;
	u16 vid;

	switch (event) {
	case NETDEV_OFFLOAD_XSTATS_ENABLE:
	case NETDEV_OFFLOAD_XSTATS_DISABLE:
	case NETDEV_OFFLOAD_XSTATS_REPORT_USED:
	case NETDEV_OFFLOAD_XSTATS_REPORT_DELTA:
		break;
	default:
		return NOTIFY_DONE;
	}
	if (info->type != NETDEV_OFFLOAD_XSTATS_TYPE_L3 ||
	    !npusim_l3_stats_rif(dev, &hw_port, &vid))
		return NOTIFY_DONE;

	switch (event) {
	case NETDEV_OFFLOAD_XSTATS_ENABLE:
		err = npusim_hw_rif_counters_enable(hw_port, vid);
		if (err)
			NL_SET_ERR_MSG_MOD(info->info.extack,
					   "Cannot enable the router interface counters");
		break;
	case NETDEV_OFFLOAD_XSTATS_DISABLE:
		npusim_hw_rif_counters_disable(hw_port, vid);
		break;
	case NETDEV_OFFLOAD_XSTATS_REPORT_USED:
		if (npusim_hw_rif_counters_enabled(hw_port, vid))
			netdev_offload_xstats_report_used(info->report_used);
		break;
	case NETDEV_OFFLOAD_XSTATS_REPORT_DELTA:
		err = npusim_l3_stats_report_delta(hw_port, vid, info);
		break;
	}
	return notifier_from_errno(err);
}

/**
 * struct npusim_l3_stats_net - per-netns state
 * @nb: the netdevice notifier of the netns
 */
struct npusim_l3_stats_net {
	struct notifier_block nb;
};

static unsigned int npusim_l3_stats_net_id;

static int __net_init npusim_l3_stats_net_init(struct net *net)
{
	struct npusim_l3_stats_net *ln = net_generic(net,
						     npusim_l3_stats_net_id);

	ln->nb.notifier_call = npusim_l3_stats_event;
	return register_netdevice_notifier_net(net, &ln->nb);
}

/*
 * Runs after the netns's netdevs were moved out or unregistered (with
 * their DISABLE events), as the pernet operations of netdevs come after
 * subsystems' on exit.
 */
static void __net_exit npusim_l3_stats_net_exit(struct net *net)
{
	struct npusim_l3_stats_net *ln = net_generic(net,
						     npusim_l3_stats_net_id);

	unregister_netdevice_notifier_net(net, &ln->nb);
}

static struct pernet_operations npusim_l3_stats_net_ops = {
	.init = npusim_l3_stats_net_init,
	.exit = npusim_l3_stats_net_exit,
	.id = &npusim_l3_stats_net_id,
	.size = sizeof(struct npusim_l3_stats_net),
};

/**
 * npusim_l3_stats_init() - start answering offload xstats requests
 *
 * Return: 0 or a negative errno.
 */
int npusim_l3_stats_init(void)
{
	return register_pernet_subsys(&npusim_l3_stats_net_ops);
}

/**
 * npusim_l3_stats_exit() - stop answering them
 *
 * Called once every port is gone: no counter block is left enabled.
 */
void npusim_l3_stats_exit(void)
{
	unregister_pernet_subsys(&npusim_l3_stats_net_ops);
}
