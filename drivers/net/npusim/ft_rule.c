// SPDX-License-Identifier: GPL-2.0
/*
 * npusim flowtable offload: flow_rule to hardware entry.
 *
 * nf_flowtable describes each direction of a flow as a flow_rule (see
 * nf_flow_table_offload.c): a match on ingress port, VLAN tags and the
 * 5-tuple, and actions that rewrite MACs, pop and push VLAN/PPPoE
 * encapsulation, NAT addresses and ports, and redirect to the egress
 * port.  Everything is checked against what the hardware can do; any
 * key, mask or action it cannot honour exactly refuses the rule.
 */

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <net/flow_offload.h>
#include <net/pkt_cls.h>

#include "npusim.h"

#define NPUSIM_FT_KEYS	(BIT_ULL(FLOW_DISSECTOR_KEY_CONTROL) | \
			 BIT_ULL(FLOW_DISSECTOR_KEY_BASIC) | \
			 BIT_ULL(FLOW_DISSECTOR_KEY_META) | \
			 BIT_ULL(FLOW_DISSECTOR_KEY_IPV4_ADDRS) | \
			 BIT_ULL(FLOW_DISSECTOR_KEY_IPV6_ADDRS) | \
			 BIT_ULL(FLOW_DISSECTOR_KEY_PORTS) | \
			 BIT_ULL(FLOW_DISSECTOR_KEY_TCP) | \
			 BIT_ULL(FLOW_DISSECTOR_KEY_VLAN) | \
			 BIT_ULL(FLOW_DISSECTOR_KEY_CVLAN))

/* The rewrite of one direction, built from MANGLE actions. */
struct npusim_ft_mangle {
	u8 eth[ETH_HLEN];
	u16 eth_written;	/* bit per byte of eth[] */
	__be32 src[4];
	__be32 dst[4];
	__be16 ports[2];
};

static struct npusim_port *npusim_ft_own_port(struct npusim_dev *nsim_dev,
					      const struct net_device *ndev)
{
	struct npusim_port *port;

	if (!ndev || !npusim_netdev_is_port(ndev))
		return NULL;
	port = netdev_priv(ndev);
	return port->nsim_dev == nsim_dev ? port : NULL;
}

/*
 * nf_flowtable in 6.12 fills the VLAN and CVLAN keys of its flow_rule
 * and sets their dissector offsets, but not their used_keys bits.  A
 * key with an offset is in use: ignoring it would alias every VLAN
 * onto the untagged flow.
 */
static bool npusim_ft_has_vlan_key(const struct flow_rule *rule,
				   enum flow_dissector_key_id key)
{
	return flow_rule_match_key(rule, key) ||
	       rule->match.dissector->offset[key];
}

static int npusim_ft_is_svlan(struct net_device *upper,
			      struct netdev_nested_priv *priv)
{
	return is_vlan_dev(upper) &&
	       vlan_dev_vlan_proto(upper) == htons(ETH_P_8021AD);
}

static int npusim_ft_parse_vlan(struct flow_dissector_key_vlan *key,
				struct flow_dissector_key_vlan *mask,
				u16 *vid, struct netlink_ext_ack *extack)
{
	if (mask->vlan_id != VLAN_VID_MASK || mask->vlan_priority ||
	    mask->vlan_dei || mask->vlan_eth_type ||
	    mask->vlan_tpid != htons(0xffff) ||
	    key->vlan_tpid != htons(ETH_P_8021Q)) {
		NL_SET_ERR_MSG_MOD(extack, "Only exact 802.1Q VLAN id matches are supported");
		return -EOPNOTSUPP;
	}
	*vid = key->vlan_id;
	return 0;
}

static int npusim_ft_parse_match(struct npusim_dev *nsim_dev, struct net *net,
				 struct flow_rule *rule,
				 struct npusim_hw_flow_key *key,
				 struct netlink_ext_ack *extack)
{
	struct flow_dissector *d = rule->match.dissector;
	struct flow_match_control control;
	struct flow_match_basic basic;
	struct flow_match_ports ports;
	struct flow_match_meta meta;
	struct npusim_port *in_port;
	struct net_device *in_dev;
	bool svlan = false, tc = false, up = false;
	int err;

	/*
	 * First, whose flow it is: every device bound to a flowtable is
	 * offered every flow, and those entering through another device
	 * are none of this one's business (-ENODEV, no message).
	 */
	if (!flow_rule_match_key(rule, FLOW_DISSECTOR_KEY_META)) {
		NL_SET_ERR_MSG_MOD(extack, "Ingress port must be matched");
		return -EOPNOTSUPP;
	}
	flow_rule_match_meta(rule, &meta);
	if (meta.mask->ingress_ifindex != 0xffffffff || meta.mask->ingress_iftype ||
	    npusim_flow_meta_l2_miss(meta.mask)) {
		NL_SET_ERR_MSG_MOD(extack, "Only exact ingress ifindex matches are supported");
		return -EOPNOTSUPP;
	}
	rcu_read_lock();
	in_dev = dev_get_by_index_rcu(net, meta.key->ingress_ifindex);
	in_port = npusim_ft_own_port(nsim_dev, in_dev);
	if (in_port) {
		key->in_port = in_port->index;
		svlan = netdev_walk_all_upper_dev_rcu(in_dev,
						      npusim_ft_is_svlan, NULL);
		tc = tc_can_offload(in_dev);
		up = netif_running(in_dev);
	}
	rcu_read_unlock();
	if (!in_port)
		return -ENODEV;
	/*
	 * Binding checks hw-tc-offload, but "ethtool -K" may turn it off
	 * while a bind is under way (it takes RTNL, binding does not):
	 * check it for every rule, as mtk_ppe_offload.c does.
	 */
	if (!tc) {
		NL_SET_ERR_MSG_MOD(extack, "hw-tc-offload is off on the ingress port");
		return -EOPNOTSUPP;
	}
	/* See the egress port's check below: neither end may be down. */
	if (!up) {
		NL_SET_ERR_MSG_MOD(extack, "Ingress port is down");
		return -ENETDOWN;
	}

	if (d->used_keys & ~NPUSIM_FT_KEYS) {
		NL_SET_ERR_MSG_MOD(extack, "Unsupported match key");
		return -EOPNOTSUPP;
	}
	if (!flow_rule_match_key(rule, FLOW_DISSECTOR_KEY_CONTROL) ||
	    !flow_rule_match_key(rule, FLOW_DISSECTOR_KEY_BASIC) ||
	    !flow_rule_match_key(rule, FLOW_DISSECTOR_KEY_PORTS)) {
		NL_SET_ERR_MSG_MOD(extack, "Protocol and L4 ports must be matched");
		return -EOPNOTSUPP;
	}

	flow_rule_match_control(rule, &control);
	if (control.mask->flags) {
		NL_SET_ERR_MSG_MOD(extack, "Control flags cannot be matched");
		return -EOPNOTSUPP;
	}

	flow_rule_match_basic(rule, &basic);
	if (basic.mask->n_proto != htons(0xffff) || basic.mask->ip_proto != 0xff ||
	    (basic.key->ip_proto != IPPROTO_TCP &&
	     basic.key->ip_proto != IPPROTO_UDP)) {
		NL_SET_ERR_MSG_MOD(extack, "Only TCP and UDP flows are supported");
		return -EOPNOTSUPP;
	}
	key->l4proto = basic.key->ip_proto;

	if (basic.key->n_proto == htons(ETH_P_IP) &&
	    control.key->addr_type == FLOW_DISSECTOR_KEY_IPV4_ADDRS &&
	    flow_rule_match_key(rule, FLOW_DISSECTOR_KEY_IPV4_ADDRS) &&
	    !flow_rule_match_key(rule, FLOW_DISSECTOR_KEY_IPV6_ADDRS)) {
		struct flow_match_ipv4_addrs a;

		flow_rule_match_ipv4_addrs(rule, &a);
		if (a.mask->src != htonl(0xffffffff) ||
		    a.mask->dst != htonl(0xffffffff))
			goto err_addrs;
		key->ip_ver = 4;
		key->src[0] = a.key->src;
		key->dst[0] = a.key->dst;
	} else if (basic.key->n_proto == htons(ETH_P_IPV6) &&
		   control.key->addr_type == FLOW_DISSECTOR_KEY_IPV6_ADDRS &&
		   flow_rule_match_key(rule, FLOW_DISSECTOR_KEY_IPV6_ADDRS) &&
		   !flow_rule_match_key(rule, FLOW_DISSECTOR_KEY_IPV4_ADDRS)) {
		struct flow_match_ipv6_addrs a;

		flow_rule_match_ipv6_addrs(rule, &a);
		if (memchr_inv(&a.mask->src, 0xff, sizeof(a.mask->src)) ||
		    memchr_inv(&a.mask->dst, 0xff, sizeof(a.mask->dst)))
			goto err_addrs;
		key->ip_ver = 6;
		memcpy(key->src, &a.key->src, sizeof(key->src));
		memcpy(key->dst, &a.key->dst, sizeof(key->dst));
	} else {
		NL_SET_ERR_MSG_MOD(extack, "Only IPv4 and IPv6 are supported");
		return -EOPNOTSUPP;
	}

	flow_rule_match_ports(rule, &ports);
	if (ports.mask->src != htons(0xffff) || ports.mask->dst != htons(0xffff)) {
		NL_SET_ERR_MSG_MOD(extack, "Only exact L4 port matches are supported");
		return -EOPNOTSUPP;
	}
	key->sport = ports.key->src;
	key->dport = ports.key->dst;

	if (flow_rule_match_key(rule, FLOW_DISSECTOR_KEY_TCP)) {
		__be16 fin_rst = cpu_to_be16(be32_to_cpu(TCP_FLAG_RST |
							 TCP_FLAG_FIN) >> 16);
		struct flow_match_tcp tcp;

		/* The engine always punts FIN and RST: "no FIN/RST" is all
		 * a TCP flags match may ask for.
		 */
		flow_rule_match_tcp(rule, &tcp);
		if (key->l4proto != IPPROTO_TCP || tcp.key->flags ||
		    (tcp.mask->flags & ~fin_rst)) {
			NL_SET_ERR_MSG_MOD(extack, "Unsupported TCP flags match");
			return -EOPNOTSUPP;
		}
	}

	if (npusim_ft_has_vlan_key(rule, FLOW_DISSECTOR_KEY_VLAN)) {
		struct flow_match_vlan vlan;

		flow_rule_match_vlan(rule, &vlan);
		err = npusim_ft_parse_vlan(vlan.key, vlan.mask,
					   &key->vid[key->n_vlan++], extack);
		if (err)
			return err;
	}
	if (npusim_ft_has_vlan_key(rule, FLOW_DISSECTOR_KEY_CVLAN)) {
		struct flow_match_vlan vlan;

		if (!key->n_vlan) {
			NL_SET_ERR_MSG_MOD(extack, "Inner VLAN without outer VLAN");
			return -EOPNOTSUPP;
		}
		flow_rule_match_cvlan(rule, &vlan);
		err = npusim_ft_parse_vlan(vlan.key, vlan.mask,
					   &key->vid[key->n_vlan++], extack);
		if (err)
			return err;
	}

	/*
	 * nf_flowtable's rules describe 802.1Q tags only: traffic that
	 * arrives in an 802.1ad S-tag comes as an untagged match.  An
	 * entry for it would never hit, yet make conntrack report the flow
	 * as offloaded, and would alias untagged frames of the same tuple.
	 */
	if (!key->n_vlan && svlan) {
		NL_SET_ERR_MSG_MOD(extack, "Untagged match on a port with S-VLANs");
		return -EOPNOTSUPP;
	}
	return 0;

err_addrs:
	NL_SET_ERR_MSG_MOD(extack, "Only exact IP address matches are supported");
	return -EOPNOTSUPP;
}

/* Apply a MANGLE to a byte image: keep the bits set in @mask. */
static void npusim_ft_mangle_word(u8 *image, u32 offset, u32 mask, u32 val)
{
	u32 w;

	memcpy(&w, image + offset, sizeof(w));
	w = (w & mask) | (val & ~mask);
	memcpy(image + offset, &w, sizeof(w));
}

static int npusim_ft_parse_mangle(const struct flow_action_entry *act,
				  const struct npusim_hw_flow_key *key,
				  struct npusim_ft_mangle *m,
				  struct netlink_ext_ack *extack)
{
	u32 off = act->mangle.offset;
	unsigned int i;

	switch (act->mangle.htype) {
	case FLOW_ACT_MANGLE_HDR_TYPE_ETH:
		if (off > ETH_ALEN * 2 - sizeof(u32))
			break;
		npusim_ft_mangle_word(m->eth, off, act->mangle.mask,
				      act->mangle.val);
		for (i = 0; i < sizeof(u32); i++)
			if (!((u8 *)&act->mangle.mask)[i])
				m->eth_written |= BIT(off + i);
		return 0;
	case FLOW_ACT_MANGLE_HDR_TYPE_IP4:
		if (key->ip_ver != 4 || act->mangle.mask)
			break;
		if (off == offsetof(struct iphdr, saddr)) {
			m->src[0] = (__force __be32)act->mangle.val;
			return 0;
		}
		if (off == offsetof(struct iphdr, daddr)) {
			m->dst[0] = (__force __be32)act->mangle.val;
			return 0;
		}
		break;
	case FLOW_ACT_MANGLE_HDR_TYPE_IP6:
		if (key->ip_ver != 6 || act->mangle.mask || off % sizeof(u32))
			break;
		if (off >= offsetof(struct ipv6hdr, saddr) &&
		    off < offsetof(struct ipv6hdr, daddr)) {
			i = (off - offsetof(struct ipv6hdr, saddr)) / sizeof(u32);
			m->src[i] = (__force __be32)act->mangle.val;
			return 0;
		}
		if (off >= offsetof(struct ipv6hdr, daddr) &&
		    off < sizeof(struct ipv6hdr)) {
			i = (off - offsetof(struct ipv6hdr, daddr)) / sizeof(u32);
			m->dst[i] = (__force __be32)act->mangle.val;
			return 0;
		}
		break;
	case FLOW_ACT_MANGLE_HDR_TYPE_TCP:
	case FLOW_ACT_MANGLE_HDR_TYPE_UDP:
		if (off || key->l4proto != (act->mangle.htype ==
					    FLOW_ACT_MANGLE_HDR_TYPE_TCP ?
					    IPPROTO_TCP : IPPROTO_UDP))
			break;
		npusim_ft_mangle_word((u8 *)m->ports, 0, act->mangle.mask,
				      act->mangle.val);
		return 0;
	default:
		break;
	}
	NL_SET_ERR_MSG_MOD(extack, "Unsupported header rewrite");
	return -EOPNOTSUPP;
}

static int npusim_ft_parse_actions(struct npusim_dev *nsim_dev,
				   struct flow_rule *rule,
				   struct npusim_hw_flow_entry *e,
				   struct netlink_ext_ack *extack)
{
	const struct flow_action_entry *act;
	struct npusim_ft_mangle m = {};
	struct npusim_port *out = NULL;
	unsigned int pops = 0;
	int i, err;

	memcpy(m.src, e->key.src, sizeof(m.src));
	memcpy(m.dst, e->key.dst, sizeof(m.dst));
	m.ports[0] = e->key.sport;
	m.ports[1] = e->key.dport;

	flow_action_for_each(i, act, &rule->action) {
		switch (act->id) {
		case FLOW_ACTION_MANGLE:
			err = npusim_ft_parse_mangle(act, &e->key, &m, extack);
			if (err)
				return err;
			break;
		case FLOW_ACTION_CSUM:
			/* The engine always updates checksums. */
			break;
		case FLOW_ACTION_VLAN_POP:
			if (e->n_push || e->pppoe || ++pops > e->key.n_vlan)
				goto err_encap;
			break;
		case FLOW_ACTION_VLAN_PUSH:
			if (e->pppoe || e->n_push == NPUSIM_HW_FT_MAX_VLANS ||
			    act->vlan.proto != htons(ETH_P_8021Q) ||
			    act->vlan.prio)
				goto err_encap;
			e->push_vid[e->n_push++] = act->vlan.vid;
			break;
		case FLOW_ACTION_PPPOE_PUSH:
			if (e->pppoe)
				goto err_encap;
			e->pppoe = true;
			e->pppoe_sid = act->pppoe.sid;
			break;
		case FLOW_ACTION_REDIRECT:
			if (out) {
				NL_SET_ERR_MSG_MOD(extack, "More than one redirect");
				return -EOPNOTSUPP;
			}
			out = npusim_ft_own_port(nsim_dev, act->dev);
			if (!out) {
				NL_SET_ERR_MSG_MOD(extack, "Egress is not a port of this switch");
				return -EOPNOTSUPP;
			}
			if (!tc_can_offload(act->dev)) {
				NL_SET_ERR_MSG_MOD(extack,
						   "hw-tc-offload is off on the egress port");
				return -EOPNOTSUPP;
			}
			/*
			 * nf_flowtable tears down the flows through a port
			 * when it goes down, but a packet can still be routed
			 * out of it until every NETDEV_DOWN notifier has run
			 * (IPv6's may come after nf_flowtable's) and offer a
			 * new flow.  In software that flow dies with its
			 * route; an entry would forward into the down port
			 * for as long as the flow has traffic.  Its reply
			 * direction, into the down port, is refused too:
			 * one installed direction is enough for nf_flowtable
			 * to call the flow offloaded and keep it.
			 */
			if (!netif_running(act->dev)) {
				NL_SET_ERR_MSG_MOD(extack, "Egress port is down");
				return -ENETDOWN;
			}
			e->out_port = out->index;
			break;
		default:
			NL_SET_ERR_MSG_MOD(extack, "Unsupported action");
			return -EOPNOTSUPP;
		}
	}

	if (!out) {
		NL_SET_ERR_MSG_MOD(extack, "No redirect to an egress port");
		return -EOPNOTSUPP;
	}
	/* The engine strips the whole ingress L2 header. */
	if (pops != e->key.n_vlan)
		goto err_encap;
	if (m.eth_written != GENMASK(ETH_ALEN * 2 - 1, 0)) {
		NL_SET_ERR_MSG_MOD(extack, "Both MAC addresses must be rewritten");
		return -EOPNOTSUPP;
	}
	ether_addr_copy(e->h_dest, m.eth);
	ether_addr_copy(e->h_source, m.eth + ETH_ALEN);
	if (!is_valid_ether_addr(e->h_dest) || !is_valid_ether_addr(e->h_source)) {
		NL_SET_ERR_MSG_MOD(extack, "Invalid MAC address");
		return -EOPNOTSUPP;
	}

	if (memcmp(m.src, e->key.src, sizeof(m.src))) {
		e->nat |= NPUSIM_HW_NAT_SADDR;
		memcpy(e->new_src, m.src, sizeof(m.src));
	}
	if (memcmp(m.dst, e->key.dst, sizeof(m.dst))) {
		e->nat |= NPUSIM_HW_NAT_DADDR;
		memcpy(e->new_dst, m.dst, sizeof(m.dst));
	}
	if (m.ports[0] != e->key.sport) {
		e->nat |= NPUSIM_HW_NAT_SPORT;
		e->new_sport = m.ports[0];
	}
	if (m.ports[1] != e->key.dport) {
		e->nat |= NPUSIM_HW_NAT_DPORT;
		e->new_dport = m.ports[1];
	}
	return 0;

err_encap:
	NL_SET_ERR_MSG_MOD(extack, "Unsupported VLAN/PPPoE encapsulation");
	return -EOPNOTSUPP;
}

/* Can this chip's entries carry @e?  That depends on its profile. */
static int npusim_ft_check_caps(struct npusim_hw *hw,
				const struct npusim_hw_flow_entry *e,
				struct netlink_ext_ack *extack)
{
	u32 max_vlans = npusim_hw_param(hw, NPUSIM_HW_PARAM_MAX_VLANS);

	if (e->key.n_vlan > max_vlans || e->n_push > max_vlans) {
		NL_SET_ERR_MSG_MOD(extack, "Too many VLAN tags for this chip");
		return -EOPNOTSUPP;
	}
	if (e->pppoe && !npusim_hw_param(hw, NPUSIM_HW_PARAM_PPPOE)) {
		NL_SET_ERR_MSG_MOD(extack, "This chip cannot offload PPPoE");
		return -EOPNOTSUPP;
	}
	if (e->key.ip_ver == 6 && e->nat &&
	    !npusim_hw_param(hw, NPUSIM_HW_PARAM_IPV6_NAT)) {
		NL_SET_ERR_MSG_MOD(extack, "This chip cannot offload IPv6 NAT");
		return -EOPNOTSUPP;
	}
	return 0;
}

/**
 * npusim_ft_rule_parse() - translate a flow_rule into a hardware entry
 * @nsim_dev: the switch
 * @net: netns of the flowtable, in which ingress ifindexes are resolved
 * @rule: one direction of a flow, from nf_flowtable
 * @e: the entry to fill
 * @extack: for error messages
 *
 * Return: 0; -ENODEV, with no extack message, if the ingress device is
 * not a port of @nsim_dev (the flow is another device's); -EOPNOTSUPP
 * if the hardware cannot do exactly what the rule says, or the chip's
 * entries cannot carry it (its profile: VLAN depth, PPPoE, IPv6 NAT).
 */
int npusim_ft_rule_parse(struct npusim_dev *nsim_dev, struct net *net,
			 struct flow_rule *rule, struct npusim_hw_flow_entry *e,
			 struct netlink_ext_ack *extack)
{
	int err;

	memset(e, 0, sizeof(*e));
	err = npusim_ft_parse_match(nsim_dev, net, rule, &e->key, extack);
	if (err)
		return err;
	err = npusim_ft_parse_actions(nsim_dev, rule, e, extack);
	if (err)
		return err;
	return npusim_ft_check_caps(nsim_dev->hw, e, extack);
}
