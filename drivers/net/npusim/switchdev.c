// SPDX-License-Identifier: GPL-2.0
/*
 * npusim switchdev: bridges offloaded to the chip's L2 switch.
 *
 * The ports of one npusim device that are in one Linux bridge, and only
 * they, form a bridge domain of the chip's L2 switch (npusim_hw.h):
 * the switch forwards among them without the host, learns where the
 * stations are and tells the bridge (SWITCHDEV_FDB_ADD_TO_BRIDGE,
 * "extern_learn offload" in "bridge fdb show"), ages out what it
 * learnt with the bridge's ageing time, and passes the frames it
 * flooded to the host with offload_fwd_mark set, so that the bridge
 * does not flood them again.  The bridge's own addresses and its static
 * entries are written to the chip's FDB; its STP states and port flags
 * (learning, flooding, isolation) are the switch ports'.  A bridge
 * that filters VLANs makes its ports VLAN-aware, and their VLANs
 * (PVID, egress untagged) are the switch ports'.
 *
 * A bridge is offloaded while all its ports are ports of one npusim
 * device and, if it filters VLANs, it filters 802.1Q ones; otherwise
 * its npusim ports are bridged in software like any other netdev, and
 * the bridge says so with an extack message when a port joins.  That
 * is decided again whenever a port joins or leaves a bridge.
 *
 * Locking: the bridge calls the notifiers under RTNL, except the FDB
 * and pre-flags ones, which come in atomic context; FDB entries are
 * written from an ordered workqueue under RTNL, as the chip reports
 * its FDB events from a work item too.
 */

#include <linux/etherdevice.h>
#include <linux/if_bridge.h>
#include <linux/jiffies.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/workqueue.h>
#include <net/switchdev.h>

#include "npusim.h"

#define NPUSIM_SWITCH_BR_FLAGS	(BR_LEARNING | BR_FLOOD | BR_MCAST_FLOOD | \
				 BR_BCAST_FLOOD | BR_ISOLATED | \
				 BR_PORT_LOCKED | BR_PORT_MAB)

/* the bridge port flags the switch does not have */
#define NPUSIM_SWITCH_BR_FLAGS_SW	(BR_HAIRPIN_MODE | BR_MULTICAST_TO_UNICAST)

static const unsigned long npusim_switch_br_flags[] = {
	BR_LEARNING, BR_FLOOD, BR_MCAST_FLOOD, BR_BCAST_FLOOD, BR_ISOLATED,
	BR_PORT_LOCKED,
};

static struct workqueue_struct *npusim_switch_wq;
static struct notifier_block npusim_switchdev_nb;
static struct notifier_block npusim_switchdev_blocking_nb;

/* The npusim port of @dev, or NULL. */
static struct npusim_port *npusim_switch_port(const struct net_device *dev)
{
	return npusim_netdev_is_port(dev) ? netdev_priv(dev) : NULL;
}

static u32 npusim_switch_hw_flags(unsigned long br_flags)
{
	u32 flags = 0;

	if (br_flags & BR_LEARNING)
		flags |= NPUSIM_HW_L2_LEARN;
	if (br_flags & BR_FLOOD)
		flags |= NPUSIM_HW_L2_FLOOD_UC;
	if (br_flags & BR_MCAST_FLOOD)
		flags |= NPUSIM_HW_L2_FLOOD_MC;
	if (br_flags & BR_BCAST_FLOOD)
		flags |= NPUSIM_HW_L2_FLOOD_BC;
	if (br_flags & BR_ISOLATED)
		flags |= NPUSIM_HW_L2_ISOLATED;
	/* MAB is the bridge's: a locked port passes unknown sources up */
	if (br_flags & BR_PORT_LOCKED)
		flags |= NPUSIM_HW_L2_LOCKED;
	return flags;
}

static enum npusim_hw_stp npusim_switch_hw_stp(u8 state)
{
	switch (state) {
	case BR_STATE_LEARNING:
		return NPUSIM_HW_STP_LEARNING;
	case BR_STATE_FORWARDING:
		return NPUSIM_HW_STP_FORWARDING;
	default:
		return NPUSIM_HW_STP_BLOCKING;
	}
}

/* Why a bridge is not offloaded */
enum npusim_switch_why {
	NPUSIM_SWITCH_OK,
	NPUSIM_SWITCH_NO_PORT,		/* no npusim port in it */
	NPUSIM_SWITCH_VLAN_PROTO,	/* it filters 802.1ad VLANs */
	NPUSIM_SWITCH_FOREIGN,		/* a port of another driver */
	NPUSIM_SWITCH_TWO_DEVICES,	/* ports of two npusim devices */
	NPUSIM_SWITCH_FLAGS,		/* a port flag the switch lacks */
};

/* Does @br filter VLANs by another TPID than 802.1Q? */
static bool npusim_switch_vlan_proto_other(struct net_device *br)
{
	u16 proto = ETH_P_8021Q;

	if (!br_vlan_enabled(br))
		return false;
	br_vlan_get_proto(br, &proto);
	return proto != ETH_P_8021Q;
}

/*
 * Can @br be offloaded: a bridge whose ports are all ports of one
 * npusim device, not filtering 802.1ad VLANs?  That device in @devp.
 * Under RTNL.
 */
static enum npusim_switch_why
npusim_switch_offloadable(struct net_device *br, struct npusim_dev **devp)
{
	enum npusim_switch_why why = NPUSIM_SWITCH_OK;
	struct npusim_dev *nsim_dev = NULL;
	struct net_device *lower;
	struct list_head *iter;
	struct npusim_port *port;

	netdev_for_each_lower_dev(br, lower, iter) {
		port = npusim_switch_port(lower);
		if (!port)
			why = NPUSIM_SWITCH_FOREIGN;
		else if (nsim_dev && port->nsim_dev != nsim_dev &&
			 why == NPUSIM_SWITCH_OK)
			why = NPUSIM_SWITCH_TWO_DEVICES;
		else
			nsim_dev = port->nsim_dev;
		if (port && why == NPUSIM_SWITCH_OK &&
		    (br_port_flag_is_set(lower, BR_HAIRPIN_MODE) ||
		     br_port_flag_is_set(lower, BR_MULTICAST_TO_UNICAST)))
			why = NPUSIM_SWITCH_FLAGS;
	}
	*devp = nsim_dev;
	if (!nsim_dev)
		return NPUSIM_SWITCH_NO_PORT;
	if (why == NPUSIM_SWITCH_OK && npusim_switch_vlan_proto_other(br))
		why = NPUSIM_SWITCH_VLAN_PROTO;
	return why;
}

/* A free bridge domain of @nsim_dev, or the one @br has.  Under RTNL. */
static u8 npusim_switch_domain(struct npusim_dev *nsim_dev,
			       struct net_device *br)
{
	unsigned long used = 0;
	unsigned int i;

	for (i = 0; i < nsim_dev->port_count; i++) {
		struct npusim_port *port = nsim_dev->l2_ports[i];

		if (!port)
			continue;
		if (port->bridge == br)
			return port->l2_domain;
		__set_bit(port->l2_domain, &used);
	}
	return find_next_zero_bit(&used, NPUSIM_HW_L2_DOMAINS + 1, 1);
}

static int npusim_switch_port_offload(struct npusim_port *port,
				      struct net_device *br,
				      struct netlink_ext_ack *extack)
{
	u8 domain = npusim_switch_domain(port->nsim_dev, br);
	unsigned int i;
	int err;

	if (WARN_ON_ONCE(domain > NPUSIM_HW_L2_DOMAINS))
		return -ENOSPC;
	port->bridge = br;
	port->l2_domain = domain;
	port->nsim_dev->l2_ports[port->index] = port;
	port->br_flags = 0;
	for (i = 0; i < ARRAY_SIZE(npusim_switch_br_flags); i++)
		if (br_port_flag_is_set(port->ndev, npusim_switch_br_flags[i]))
			port->br_flags |= npusim_switch_br_flags[i];
	npusim_hw_port_l2_domain(port->hw_port, domain);
	port->vlan_aware = br_vlan_enabled(br);
	npusim_hw_port_l2_vlan_filtering(port->hw_port, port->vlan_aware);
	npusim_hw_port_l2_flags(port->hw_port,
				npusim_switch_hw_flags(port->br_flags));
	npusim_hw_port_l2_stp(port->hw_port,
			      npusim_switch_hw_stp(br_port_get_stp_state(port->ndev)));

	err = switchdev_bridge_port_offload(port->ndev, port->ndev, port,
					    &npusim_switchdev_nb,
					    &npusim_switchdev_blocking_nb,
					    false, extack);
	if (err) {
		npusim_hw_port_l2_domain(port->hw_port, 0);
		port->nsim_dev->l2_ports[port->index] = NULL;
		port->bridge = NULL;
		port->l2_domain = 0;
	}
	return err;
}

/*
 * Stop offloading @port's bridge: the port switches no more, and what
 * the chip learnt behind it leaves the chip and the bridge.  Under RTNL.
 */
static void npusim_switch_port_unoffload(struct npusim_port *port,
					 bool still_bridged)
{
	struct switchdev_notifier_fdb_info info = {};
	struct npusim_dev *nsim_dev = port->nsim_dev;
	u8 domain = port->l2_domain;
	unsigned int i;

	switchdev_bridge_port_unoffload(port->ndev, port,
					&npusim_switchdev_nb,
					&npusim_switchdev_blocking_nb);
	npusim_hw_port_l2_domain(port->hw_port, 0);
	npusim_hw_fdb_flush(nsim_dev->hw, domain, port->index, false, false);
	/* the events already queued for it are dropped by the event work */
	nsim_dev->l2_ports[port->index] = NULL;
	port->bridge = NULL;
	port->l2_domain = 0;
	port->br_flags = 0;
	port->vlan_aware = false;
	/* the last port of the domain takes the bridge's addresses along */
	for (i = 0; i < nsim_dev->port_count; i++)
		if (nsim_dev->l2_ports[i] &&
		    nsim_dev->l2_ports[i]->l2_domain == domain)
			break;
	if (i == nsim_dev->port_count)
		npusim_hw_fdb_flush(nsim_dev->hw, domain, -1, false, false);
	if (still_bridged)
		call_switchdev_notifiers(SWITCHDEV_FDB_FLUSH_TO_BRIDGE,
					 port->ndev, &info.info, NULL);
}

/*
 * Make the offload state of @br's npusim ports what
 * npusim_switch_offloadable() says.  Under RTNL.
 */
static void npusim_switch_bridge_sync(struct net_device *br,
				      struct netlink_ext_ack *extack)
{
	enum npusim_switch_why why;
	struct npusim_dev *nsim_dev;
	struct net_device *lower;
	struct list_head *iter;
	struct npusim_port *port;

	why = npusim_switch_offloadable(br, &nsim_dev);
	if (why == NPUSIM_SWITCH_NO_PORT)
		return;
	netdev_for_each_lower_dev(br, lower, iter) {
		port = npusim_switch_port(lower);
		if (!port)
			continue;
		if (why != NPUSIM_SWITCH_OK) {
			if (port->bridge)
				npusim_switch_port_unoffload(port, true);
			continue;
		}
		if (port->bridge)
			continue;
		if (npusim_switch_port_offload(port, br, extack))
			netdev_warn(port->ndev,
				    "cannot offload bridge %s, bridging in software\n",
				    br->name);
	}
	switch (why) {
	case NPUSIM_SWITCH_VLAN_PROTO:
		NL_SET_ERR_MSG_MOD(extack,
				   "the switch filters 802.1Q VLANs only, bridging in software");
		break;
	case NPUSIM_SWITCH_FOREIGN:
		NL_SET_ERR_MSG_MOD(extack,
				   "bridge has a port of another driver, bridging in software");
		break;
	case NPUSIM_SWITCH_TWO_DEVICES:
		NL_SET_ERR_MSG_MOD(extack,
				   "bridge spans two npusim devices, bridging in software");
		break;
	case NPUSIM_SWITCH_FLAGS:
		NL_SET_ERR_MSG_MOD(extack,
				   "a port has hairpin or mcast_to_unicast on, bridging in software");
		break;
	default:
		break;
	}
}

/* NETDEV_PRECHANGEUPPER / NETDEV_CHANGEUPPER of any netdev. */
static void npusim_switch_changeupper(struct net_device *dev,
				      struct netdev_notifier_changeupper_info *info,
				      bool pre)
{
	struct netlink_ext_ack *extack = netdev_notifier_info_to_extack(&info->info);
	struct npusim_port *port = npusim_switch_port(dev);
	struct net_device *br = info->upper_dev;

	if (!netif_is_bridge_master(br))
		return;
	if (pre) {
		/* a port leaving its offloaded bridge */
		if (port && port->bridge == br && !info->linking)
			npusim_switch_port_unoffload(port, false);
		return;
	}
	npusim_switch_bridge_sync(br, extack);
}

static int npusim_switch_netdevice_event(struct notifier_block *nb,
					 unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	switch (event) {
	case NETDEV_PRECHANGEUPPER:
		npusim_switch_changeupper(dev, ptr, true);
		break;
	case NETDEV_CHANGEUPPER:
		npusim_switch_changeupper(dev, ptr, false);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block npusim_switch_netdevice_nb = {
	.notifier_call = npusim_switch_netdevice_event,
};

/*
 * The bridge of @port starts or stops filtering VLANs: what the switch
 * learnt behind the port was learnt in other VLANs, forget it.  Under
 * RTNL.
 */
static void npusim_switch_vlan_filtering(struct npusim_port *port, bool on)
{
	if (port->vlan_aware == on)
		return;
	port->vlan_aware = on;
	npusim_hw_port_l2_vlan_filtering(port->hw_port, on);
	npusim_hw_fdb_flush(port->nsim_dev->hw, port->l2_domain, port->index,
			    true, true);
}

static int npusim_switch_attr_set(struct net_device *dev, const void *ctx,
				  const struct switchdev_attr *attr,
				  struct netlink_ext_ack *extack)
{
	struct npusim_port *port = netdev_priv(dev);
	unsigned long flags;
	unsigned int ms;
	int err;

	if (ctx && ctx != port)
		return 0;
	/* a bridge in software: the bridge does it all */
	if (!port->bridge)
		return -EOPNOTSUPP;

	switch (attr->id) {
	case SWITCHDEV_ATTR_ID_PORT_STP_STATE:
		npusim_hw_port_l2_stp(port->hw_port,
				      npusim_switch_hw_stp(attr->u.stp_state));
		return 0;
	case SWITCHDEV_ATTR_ID_PORT_PRE_BRIDGE_FLAGS:
		if (attr->u.brport_flags.mask & ~NPUSIM_SWITCH_BR_FLAGS) {
			NL_SET_ERR_MSG_MOD(extack,
					   "the switch does not offload this bridge port flag");
			return -EINVAL;
		}
		return 0;
	case SWITCHDEV_ATTR_ID_PORT_BRIDGE_FLAGS:
		flags = port->br_flags & ~attr->u.brport_flags.mask;
		flags |= attr->u.brport_flags.val & attr->u.brport_flags.mask;
		port->br_flags = flags;
		npusim_hw_port_l2_flags(port->hw_port,
					npusim_switch_hw_flags(flags));
		return 0;
	case SWITCHDEV_ATTR_ID_BRIDGE_AGEING_TIME:
		ms = jiffies_to_msecs(clock_t_to_jiffies(attr->u.ageing_time));
		err = npusim_hw_fdb_set_ageing(port->nsim_dev->hw, ms);
		if (err)
			NL_SET_ERR_MSG_MOD(extack,
					   "ageing time out of the switch's range (1 s and up)");
		return err;
	case SWITCHDEV_ATTR_ID_BRIDGE_VLAN_FILTERING:
		if (attr->u.vlan_filtering &&
		    npusim_switch_vlan_proto_other(attr->orig_dev)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "the switch filters 802.1Q VLANs only");
			return -EINVAL;
		}
		npusim_switch_vlan_filtering(port, attr->u.vlan_filtering);
		return 0;
	case SWITCHDEV_ATTR_ID_BRIDGE_VLAN_PROTOCOL:
		if (attr->u.vlan_protocol != ETH_P_8021Q &&
		    br_vlan_enabled(attr->orig_dev)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "the switch filters 802.1Q VLANs only");
			return -EINVAL;
		}
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/*
 * A port VLAN: the switch port's VLAN table follows the bridge port's,
 * whether the bridge filters VLANs or not (it has them either way).
 * The bridge's own VLANs need nothing: the switch passes what it does
 * not forward to the host in any VLAN.
 */
static int npusim_switch_vlan_add(struct npusim_port *port,
				  const struct switchdev_obj_port_vlan *vlan,
				  struct netlink_ext_ack *extack)
{
	u32 flags = 0;
	int err;

	if (vlan->obj.orig_dev != port->ndev)
		return 0;
	if (vlan->flags & BRIDGE_VLAN_INFO_PVID)
		flags |= NPUSIM_HW_L2_VLAN_PVID;
	if (vlan->flags & BRIDGE_VLAN_INFO_UNTAGGED)
		flags |= NPUSIM_HW_L2_VLAN_UNTAGGED;
	err = npusim_hw_port_l2_vlan_add(port->hw_port, vlan->vid, flags);
	if (err)
		NL_SET_ERR_MSG_MOD(extack, "the switch has VLANs 1 to 4094");
	return err;
}

static int npusim_switch_obj_add(struct net_device *dev, const void *ctx,
				 const struct switchdev_obj *obj,
				 struct netlink_ext_ack *extack)
{
	struct npusim_port *port = netdev_priv(dev);

	if (ctx && ctx != port)
		return 0;
	if (!port->bridge)
		return -EOPNOTSUPP;
	switch (obj->id) {
	case SWITCHDEV_OBJ_ID_PORT_VLAN:
		return npusim_switch_vlan_add(port, SWITCHDEV_OBJ_PORT_VLAN(obj),
					      extack);
	default:
		return -EOPNOTSUPP;
	}
}

static int npusim_switch_obj_del(struct net_device *dev, const void *ctx,
				 const struct switchdev_obj *obj)
{
	struct npusim_port *port = netdev_priv(dev);

	if (ctx && ctx != port)
		return 0;
	if (!port->bridge)
		return -EOPNOTSUPP;
	switch (obj->id) {
	case SWITCHDEV_OBJ_ID_PORT_VLAN:
		if (obj->orig_dev != dev)
			return 0;
		return npusim_hw_port_l2_vlan_del(port->hw_port,
						  SWITCHDEV_OBJ_PORT_VLAN(obj)->vid);
	default:
		return -EOPNOTSUPP;
	}
}

/**
 * struct npusim_switch_fdb_work - a bridge FDB entry to write or clear
 * @work: on npusim_switch_wq
 * @dev: the port or bridge the entry is on (held)
 * @addr: the address
 * @vid: its VLAN
 * @is_local: the bridge's own address
 * @add: write (true) or clear
 */
struct npusim_switch_fdb_work {
	struct work_struct work;
	struct net_device *dev;
	u8 addr[ETH_ALEN];
	u16 vid;
	bool is_local;
	bool add;
};

/* The offloaded port of @dev, or for a bridge one of its offloaded ports */
static struct npusim_port *npusim_switch_fdb_port(struct net_device *dev)
{
	struct net_device *lower;
	struct list_head *iter;
	struct npusim_port *port;

	port = npusim_switch_port(dev);
	if (port)
		return port->bridge ? port : NULL;
	if (!netif_is_bridge_master(dev))
		return NULL;
	netdev_for_each_lower_dev(dev, lower, iter) {
		port = npusim_switch_port(lower);
		if (port && port->bridge == dev)
			return port;
	}
	return NULL;
}

static void npusim_switch_fdb_work(struct work_struct *work)
{
	struct npusim_switch_fdb_work *w =
		container_of(work, struct npusim_switch_fdb_work, work);
	struct switchdev_notifier_fdb_info info = {};
	struct npusim_hw_fdb_entry e = {};
	struct npusim_port *port;
	int err;

	rtnl_lock();
	port = npusim_switch_fdb_port(w->dev);
	if (!port)
		goto out;
	ether_addr_copy(e.addr, w->addr);
	e.vid = w->vid;
	e.domain = port->l2_domain;
	if (!w->add) {
		npusim_hw_fdb_clear(port->nsim_dev->hw, e.domain, e.vid, e.addr);
		goto out;
	}
	e.is_static = true;
	e.port = w->is_local || !npusim_switch_port(w->dev) ?
		 NPUSIM_HW_FDB_PORT_CPU : port->index;
	err = npusim_hw_fdb_write(port->nsim_dev->hw, &e);
	if (err) {
		netdev_warn(w->dev, "cannot offload FDB entry %pM: %d\n",
			    w->addr, err);
		goto out;
	}
	/* a station the bridge now has behind this port */
	if (e.port == port->index)
		npusim_ft_station_moved(port, e.addr, e.vid);
	info.addr = w->addr;
	info.vid = w->vid;
	info.offloaded = true;
	call_switchdev_notifiers(SWITCHDEV_FDB_OFFLOADED, w->dev, &info.info,
				 NULL);
out:
	rtnl_unlock();
	dev_put(w->dev);
	kfree(w);
}

/* SWITCHDEV_FDB_{ADD,DEL}_TO_DEVICE: atomic context, defer. */
static int npusim_switch_fdb_event(struct net_device *dev,
				   unsigned long event,
				   struct switchdev_notifier_fdb_info *fdb_info)
{
	bool add = event == SWITCHDEV_FDB_ADD_TO_DEVICE;
	struct npusim_switch_fdb_work *w;

	/* what the bridge learnt in software: the switch learns itself */
	if (add && switchdev_fdb_is_dynamically_learned(fdb_info))
		return NOTIFY_DONE;
	/*
	 * A port's offload ending replays the deletion of every entry; the
	 * driver flushes that port's and, with the last port, the bridge's
	 * entries itself.
	 */
	if (!add && fdb_info->info.ctx)
		return NOTIFY_DONE;
	if (!npusim_switch_port(dev) && !netif_is_bridge_master(dev))
		return NOTIFY_DONE;

	w = kzalloc(sizeof(*w), GFP_ATOMIC);
	if (!w)
		return notifier_from_errno(-ENOMEM);
	INIT_WORK(&w->work, npusim_switch_fdb_work);
	w->dev = dev;
	ether_addr_copy(w->addr, fdb_info->addr);
	w->vid = fdb_info->vid;
	w->is_local = fdb_info->is_local;
	w->add = add;
	dev_hold(dev);
	queue_work(npusim_switch_wq, &w->work);
	return NOTIFY_OK;
}

static int npusim_switchdev_event(struct notifier_block *nb,
				  unsigned long event, void *ptr)
{
	struct net_device *dev = switchdev_notifier_info_to_dev(ptr);
	int err;

	switch (event) {
	case SWITCHDEV_PORT_ATTR_SET:
		err = switchdev_handle_port_attr_set(dev, ptr,
						     npusim_netdev_is_port,
						     npusim_switch_attr_set);
		return notifier_from_errno(err);
	case SWITCHDEV_FDB_ADD_TO_DEVICE:
	case SWITCHDEV_FDB_DEL_TO_DEVICE:
		return npusim_switch_fdb_event(dev, event, ptr);
	}
	return NOTIFY_DONE;
}

static struct notifier_block npusim_switchdev_nb = {
	.notifier_call = npusim_switchdev_event,
};

static int npusim_switchdev_blocking_event(struct notifier_block *nb,
					   unsigned long event, void *ptr)
{
	struct net_device *dev = switchdev_notifier_info_to_dev(ptr);
	int err;

	switch (event) {
	case SWITCHDEV_PORT_OBJ_ADD:
		err = switchdev_handle_port_obj_add(dev, ptr,
						    npusim_netdev_is_port,
						    npusim_switch_obj_add);
		return notifier_from_errno(err);
	case SWITCHDEV_PORT_OBJ_DEL:
		err = switchdev_handle_port_obj_del(dev, ptr,
						    npusim_netdev_is_port,
						    npusim_switch_obj_del);
		return notifier_from_errno(err);
	case SWITCHDEV_PORT_ATTR_SET:
		err = switchdev_handle_port_attr_set(dev, ptr,
						     npusim_netdev_is_port,
						     npusim_switch_attr_set);
		return notifier_from_errno(err);
	}
	return NOTIFY_DONE;
}

static struct notifier_block npusim_switchdev_blocking_nb = {
	.notifier_call = npusim_switchdev_blocking_event,
};

/* The chip's FDB events, told to the bridges.  Process context. */
static void npusim_switch_event_work(struct work_struct *work)
{
	struct npusim_dev *nsim_dev = container_of(work, struct npusim_dev,
						   fdb_event_work);
	struct switchdev_notifier_fdb_info info = {};
	struct npusim_hw_fdb_event ev;
	struct npusim_port *port;

	rtnl_lock();
	while (!npusim_hw_fdb_event_pop(nsim_dev->hw, &ev)) {
		if (ev.entry.port >= nsim_dev->port_count)
			continue;
		port = nsim_dev->l2_ports[ev.entry.port];
		/* the port left the domain since */
		if (!port || port->l2_domain != ev.entry.domain)
			continue;
		/*
		 * Learnt here: moved, or learnt again after the bridge
		 * flushed the old port (its link went down).
		 */
		if (ev.learnt)
			npusim_ft_station_moved(port, ev.entry.addr,
						ev.entry.vid);
		info.addr = ev.entry.addr;
		info.vid = ev.entry.vid;
		info.offloaded = true;
		call_switchdev_notifiers(ev.learnt ?
					 SWITCHDEV_FDB_ADD_TO_BRIDGE :
					 SWITCHDEV_FDB_DEL_TO_BRIDGE,
					 port->ndev, &info.info, NULL);
	}
	rtnl_unlock();
}

/* The chip's FDB notification: under its FDB lock, BHs disabled. */
static void npusim_switch_fdb_notify(void *ctx)
{
	struct npusim_dev *nsim_dev = ctx;

	queue_work(npusim_switch_wq, &nsim_dev->fdb_event_work);
}

/**
 * npusim_switch_dev_init() - start taking the chip's FDB events
 * @nsim_dev: the device, before its ports exist
 */
void npusim_switch_dev_init(struct npusim_dev *nsim_dev)
{
	INIT_WORK(&nsim_dev->fdb_event_work, npusim_switch_event_work);
	npusim_hw_fdb_set_notify(nsim_dev->hw, npusim_switch_fdb_notify,
				 nsim_dev);
}

/**
 * npusim_switch_dev_fini() - stop taking them
 * @nsim_dev: the device, once its ports are gone (so no bridge is
 *	offloaded any more)
 */
void npusim_switch_dev_fini(struct npusim_dev *nsim_dev)
{
	npusim_hw_fdb_set_notify(nsim_dev->hw, NULL, NULL);
	cancel_work_sync(&nsim_dev->fdb_event_work);
}

/**
 * npusim_switch_port_fini() - a port went away
 * @port: the port, unregistered
 *
 * Unregistering a bridged netdev takes it out of its bridge first
 * (NETDEV_PRECHANGEUPPER), which stops the offload: check that.
 */
void npusim_switch_port_fini(struct npusim_port *port)
{
	WARN_ON_ONCE(port->bridge);
}

int npusim_switch_init(void)
{
	int err;

	npusim_switch_wq = alloc_ordered_workqueue("npusim_switch", 0);
	if (!npusim_switch_wq)
		return -ENOMEM;
	err = register_netdevice_notifier(&npusim_switch_netdevice_nb);
	if (err)
		goto err_destroy_wq;
	err = register_switchdev_notifier(&npusim_switchdev_nb);
	if (err)
		goto err_unregister_netdevice;
	err = register_switchdev_blocking_notifier(&npusim_switchdev_blocking_nb);
	if (err)
		goto err_unregister_switchdev;
	return 0;

err_unregister_switchdev:
	unregister_switchdev_notifier(&npusim_switchdev_nb);
err_unregister_netdevice:
	unregister_netdevice_notifier(&npusim_switch_netdevice_nb);
err_destroy_wq:
	destroy_workqueue(npusim_switch_wq);
	return err;
}

void npusim_switch_exit(void)
{
	unregister_switchdev_blocking_notifier(&npusim_switchdev_blocking_nb);
	unregister_switchdev_notifier(&npusim_switchdev_nb);
	unregister_netdevice_notifier(&npusim_switch_netdevice_nb);
	destroy_workqueue(npusim_switch_wq);
}
