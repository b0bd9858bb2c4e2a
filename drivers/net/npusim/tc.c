// SPDX-License-Identifier: GPL-2.0
/*
 * npusim tc: flower rules that the NPU's bridged (L2) flow entries can
 * do, offloaded to them.
 *
 * MediaTek's PPE and Airoha's NPU have, beside their routed entries,
 * bridged ones that forward a frame by its addresses.  nf_flowtable in
 * 6.12 offloads routed flows only; tc flower is how 6.12 reaches such
 * entries (mtk_ppe_offload.c takes flower rules that match Ethernet
 * addresses as MTK_PPE_PKT_TYPE_BRIDGE entries).  A rule on a port's
 * clsact ingress that matches exactly a destination and a source
 * address, optionally an 802.1Q VLAN id, and redirects to another port
 * of the same device becomes an L2 flow entry; hardware counters go to
 * the rule's statistics.  Anything else is refused with an extack
 * message (tc then keeps the rule in software, unless skip_sw).
 */

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <net/flow_offload.h>
#include <net/pkt_cls.h>

#include "npusim.h"

/**
 * struct npusim_tc_flow - a flower rule offloaded to an L2 flow entry
 * @cookie: tc's cookie of the rule
 * @index: the chip's entry
 * @in_port: the port whose rule it is
 * @node: entry in npusim_dev.tc_flows
 * @packets: the entry's counter at the previous STATS
 * @bytes: likewise
 */
struct npusim_tc_flow {
	unsigned long cookie;
	u32 index;
	u8 in_port;
	struct list_head node;
	u64 packets;
	u64 bytes;
};

static LIST_HEAD(npusim_tc_block_cb_list);

static struct npusim_tc_flow *npusim_tc_flow_find(struct npusim_dev *nsim_dev,
						  unsigned long cookie)
{
	struct npusim_tc_flow *flow;

	list_for_each_entry(flow, &nsim_dev->tc_flows, node)
		if (flow->cookie == cookie)
			return flow;
	return NULL;
}

/* Turn @rule into an L2 flow entry of @port, or say why not. */
static int npusim_tc_parse(struct npusim_port *port, struct flow_rule *rule,
			   struct npusim_hw_l2_flow_entry *e,
			   struct netlink_ext_ack *extack)
{
	struct flow_dissector *d = rule->match.dissector;
	const struct flow_action_entry *act;
	struct flow_match_eth_addrs addrs;
	struct flow_match_basic basic;
	struct flow_match_vlan vlan;
	struct npusim_port *out;

	if (d->used_keys & ~(BIT_ULL(FLOW_DISSECTOR_KEY_CONTROL) |
			     BIT_ULL(FLOW_DISSECTOR_KEY_BASIC) |
			     BIT_ULL(FLOW_DISSECTOR_KEY_ETH_ADDRS) |
			     BIT_ULL(FLOW_DISSECTOR_KEY_VLAN))) {
		NL_SET_ERR_MSG_MOD(extack,
				   "L2 flow entries match addresses and a VLAN id only");
		return -EOPNOTSUPP;
	}
	if (!flow_rule_match_key(rule, FLOW_DISSECTOR_KEY_ETH_ADDRS)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "L2 flow entries need dst_mac and src_mac");
		return -EOPNOTSUPP;
	}
	flow_rule_match_eth_addrs(rule, &addrs);
	if (!is_broadcast_ether_addr(addrs.mask->dst) ||
	    !is_broadcast_ether_addr(addrs.mask->src)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "L2 flow entries match whole dst_mac and src_mac");
		return -EOPNOTSUPP;
	}
	ether_addr_copy(e->h_dest, addrs.key->dst);
	ether_addr_copy(e->h_source, addrs.key->src);

	if (flow_rule_match_key(rule, FLOW_DISSECTOR_KEY_VLAN)) {
		flow_rule_match_vlan(rule, &vlan);
		if (vlan.mask->vlan_id != VLAN_VID_MASK ||
		    vlan.mask->vlan_priority ||
		    (vlan.mask->vlan_tpid &&
		     vlan.key->vlan_tpid != htons(ETH_P_8021Q))) {
			NL_SET_ERR_MSG_MOD(extack,
					   "L2 flow entries match a whole 802.1Q VLAN id only");
			return -EOPNOTSUPP;
		}
		e->match_vid = true;
		e->vid = vlan.key->vlan_id;
	}
	if (flow_rule_match_key(rule, FLOW_DISSECTOR_KEY_BASIC)) {
		flow_rule_match_basic(rule, &basic);
		/* "protocol 802.1q" goes with a VLAN match; no other */
		if ((basic.mask->n_proto &&
		     !(e->match_vid &&
		       basic.key->n_proto == htons(ETH_P_8021Q))) ||
		    basic.mask->ip_proto) {
			NL_SET_ERR_MSG_MOD(extack,
					   "L2 flow entries do not match protocols");
			return -EOPNOTSUPP;
		}
	}

	if (!flow_action_has_entries(&rule->action) ||
	    !flow_offload_has_one_action(&rule->action)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "L2 flow entries have one action: redirect");
		return -EOPNOTSUPP;
	}
	act = &rule->action.entries[0];
	if (act->id != FLOW_ACTION_REDIRECT) {
		NL_SET_ERR_MSG_MOD(extack,
				   "L2 flow entries have one action: redirect");
		return -EOPNOTSUPP;
	}
	if (!act->dev || !npusim_netdev_is_port(act->dev) ||
	    ((struct npusim_port *)netdev_priv(act->dev))->nsim_dev !=
	    port->nsim_dev || act->dev == port->ndev) {
		NL_SET_ERR_MSG_MOD(extack,
				   "L2 flow entries redirect to another port of this device");
		return -EOPNOTSUPP;
	}
	out = netdev_priv(act->dev);
	e->in_port = port->index;
	e->out_port = out->index;
	return 0;
}

static int npusim_tc_replace(struct npusim_port *port,
			     struct flow_cls_offload *cls)
{
	struct npusim_dev *nsim_dev = port->nsim_dev;
	struct npusim_hw_l2_flow_entry e = {};
	struct npusim_tc_flow *flow;
	int err;

	err = npusim_tc_parse(port, flow_cls_offload_flow_rule(cls), &e,
			      cls->common.extack);
	if (err)
		return err;

	flow = kzalloc(sizeof(*flow), GFP_KERNEL);
	if (!flow)
		return -ENOMEM;
	flow->cookie = cls->cookie;
	flow->in_port = port->index;

	mutex_lock(&nsim_dev->tc_lock);
	if (npusim_tc_flow_find(nsim_dev, cls->cookie)) {
		err = -EEXIST;
		goto err_unlock;
	}
	err = npusim_hw_l2_flow_write(nsim_dev->hw, &e, &flow->index);
	if (err == -ENOSPC)
		NL_SET_ERR_MSG_MOD(cls->common.extack, "L2 flow table full");
	else if (err)
		NL_SET_ERR_MSG_MOD(cls->common.extack,
				   "the chip refused the L2 flow entry");
	if (err)
		goto err_unlock;
	list_add_tail(&flow->node, &nsim_dev->tc_flows);
	mutex_unlock(&nsim_dev->tc_lock);
	return 0;

err_unlock:
	mutex_unlock(&nsim_dev->tc_lock);
	kfree(flow);
	return err;
}

static void npusim_tc_flow_del(struct npusim_dev *nsim_dev,
			       struct npusim_tc_flow *flow)
{
	lockdep_assert_held(&nsim_dev->tc_lock);
	npusim_hw_l2_flow_clear(nsim_dev->hw, flow->index);
	list_del(&flow->node);
	kfree(flow);
}

static int npusim_tc_destroy(struct npusim_port *port,
			     struct flow_cls_offload *cls)
{
	struct npusim_dev *nsim_dev = port->nsim_dev;
	struct npusim_tc_flow *flow;

	mutex_lock(&nsim_dev->tc_lock);
	flow = npusim_tc_flow_find(nsim_dev, cls->cookie);
	if (flow)
		npusim_tc_flow_del(nsim_dev, flow);
	mutex_unlock(&nsim_dev->tc_lock);
	return flow ? 0 : -ENOENT;
}

static int npusim_tc_stats(struct npusim_port *port,
			   struct flow_cls_offload *cls)
{
	struct npusim_dev *nsim_dev = port->nsim_dev;
	struct npusim_tc_flow *flow;
	u64 packets, bytes;
	unsigned long last;
	int err = -ENOENT;

	mutex_lock(&nsim_dev->tc_lock);
	flow = npusim_tc_flow_find(nsim_dev, cls->cookie);
	if (flow)
		err = npusim_hw_l2_flow_read(nsim_dev->hw, flow->index,
					     &packets, &bytes, &last);
	if (!err && packets != flow->packets) {
		flow_stats_update(&cls->stats, bytes - flow->bytes,
				  packets - flow->packets, 0, last,
				  FLOW_ACTION_HW_STATS_DELAYED);
		flow->packets = packets;
		flow->bytes = bytes;
	}
	mutex_unlock(&nsim_dev->tc_lock);
	return err;
}

static int npusim_tc_block_cb(enum tc_setup_type type, void *type_data,
			      void *cb_priv)
{
	struct flow_cls_offload *cls = type_data;
	struct npusim_port *port = cb_priv;

	if (type != TC_SETUP_CLSFLOWER)
		return -EOPNOTSUPP;
	if (!tc_cls_can_offload_and_chain0(port->ndev, &cls->common))
		return -EOPNOTSUPP;
	switch (cls->command) {
	case FLOW_CLS_REPLACE:
		return npusim_tc_replace(port, cls);
	case FLOW_CLS_DESTROY:
		return npusim_tc_destroy(port, cls);
	case FLOW_CLS_STATS:
		return npusim_tc_stats(port, cls);
	default:
		return -EOPNOTSUPP;
	}
}

/**
 * npusim_tc_setup_block() - ndo_setup_tc(TC_SETUP_BLOCK) of a port
 * @port: the port
 * @f: bind or unbind request of a clsact ingress block
 *
 * Return: 0 or a negative errno.
 */
int npusim_tc_setup_block(struct npusim_port *port,
			  struct flow_block_offload *f)
{
	return flow_block_cb_setup_simple(f, &npusim_tc_block_cb_list,
					  npusim_tc_block_cb, port, port, true);
}

/**
 * npusim_tc_port_offloads() - whether flower rules of a port are offloaded
 * @port: the port
 *
 * Return: true if an L2 flow entry holds one of its rules.
 */
bool npusim_tc_port_offloads(struct npusim_port *port)
{
	struct npusim_dev *nsim_dev = port->nsim_dev;
	struct npusim_tc_flow *flow;
	bool ret = false;

	mutex_lock(&nsim_dev->tc_lock);
	list_for_each_entry(flow, &nsim_dev->tc_flows, node)
		ret |= flow->in_port == port->index;
	mutex_unlock(&nsim_dev->tc_lock);
	return ret;
}

/**
 * npusim_tc_dev_init() - a device without flower rules
 * @nsim_dev: the device
 */
void npusim_tc_dev_init(struct npusim_dev *nsim_dev)
{
	mutex_init(&nsim_dev->tc_lock);
	INIT_LIST_HEAD(&nsim_dev->tc_flows);
}

/**
 * npusim_tc_dev_fini() - forget the device's flower rules
 * @nsim_dev: the device, whose ports are gone (their blocks unbound,
 *	which destroyed the rules: this only catches what was left)
 */
void npusim_tc_dev_fini(struct npusim_dev *nsim_dev)
{
	struct npusim_tc_flow *flow, *tmp;

	mutex_lock(&nsim_dev->tc_lock);
	list_for_each_entry_safe(flow, tmp, &nsim_dev->tc_flows, node)
		npusim_tc_flow_del(nsim_dev, flow);
	mutex_unlock(&nsim_dev->tc_lock);
	mutex_destroy(&nsim_dev->tc_lock);
}
