// SPDX-License-Identifier: GPL-2.0
/*
 * npusim emulated hardware: the packet engine.
 *
 * It sits between a port's ingress FIFO and the host, and runs in a
 * NAPI context of its own per port, scheduled when a frame arrives: the
 * host's RX ring and NAPI play no part in forwarding.  For each frame
 * it parses the L2 (up to two 802.1Q tags, PPPoE), L3 (IPv4/IPv6) and L4
 * (TCP/UDP) headers into a flow key and looks it up in the flow table.
 * On a hit it rewrites the frame as the entry says (NAT with
 * incremental checksum updates, TTL or hop limit decrement, new
 * Ethernet header with MACs, VLAN tags and PPPoE) and sends it straight
 * out of the egress port.  Anything it cannot or must not forward goes
 * to the host unchanged, with the reason counted.
 *
 * The rewrite follows the software flowtable path step by step (NAT
 * then TTL, the same checksum arithmetic), so that both put the same
 * bytes on the wire.
 */

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/ppp_defs.h>
#include <linux/sched/clock.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "hw.h"

/* PPPoE session header with the PPP protocol field (RFC 2516). */
struct npusim_hw_pppoe_hdr {
	u8 ver_type;
	u8 code;
	__be16 sid;
	__be16 length;
	__be16 ppp_proto;
} __packed;

/**
 * struct npusim_hw_frame - what the parser learnt about a frame
 * @key: flow key
 * @l2_len: Ethernet header and VLAN tags
 * @l3_len: IP total length
 * @l4_off: offset of the L4 header
 * @l4_hlen: length of the L4 header's fixed part
 * @pppoe: the frame has a PPPoE session header
 */
struct npusim_hw_frame {
	struct npusim_hw_flow_key key;
	unsigned int l2_len;
	unsigned int l3_len;
	unsigned int l4_off;
	unsigned int l4_hlen;
	bool pppoe;
};

static enum npusim_hw_punt npusim_hw_parse_ipv4(struct sk_buff *skb,
						struct npusim_hw_frame *f)
{
	const struct iphdr *iph;

	if (!pskb_may_pull(skb, f->l2_len + sizeof(*iph)))
		return NPUSIM_HW_PUNT_MISS;
	iph = (const struct iphdr *)(skb->data + f->l2_len);
	if (iph->version != 4 || iph->ihl < 5)
		return NPUSIM_HW_PUNT_MISS;
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP)
		return NPUSIM_HW_PUNT_MISS;
	if (iph->ihl != 5)
		return NPUSIM_HW_PUNT_IP_OPTIONS;
	if (ip_is_fragment(iph))
		return NPUSIM_HW_PUNT_FRAGMENT;
	if (iph->ttl <= 1)
		return NPUSIM_HW_PUNT_TTL;

	f->l3_len = ntohs(iph->tot_len);
	if (f->l3_len < sizeof(*iph) || f->l2_len + f->l3_len > skb->len)
		return NPUSIM_HW_PUNT_MISS;
	f->l4_off = f->l2_len + sizeof(*iph);
	f->key.ip_ver = 4;
	f->key.l4proto = iph->protocol;
	f->key.src[0] = iph->saddr;
	f->key.dst[0] = iph->daddr;
	return NPUSIM_HW_PUNT_MAX;
}

static enum npusim_hw_punt npusim_hw_parse_ipv6(struct sk_buff *skb,
						struct npusim_hw_frame *f)
{
	const struct ipv6hdr *ip6h;

	if (!pskb_may_pull(skb, f->l2_len + sizeof(*ip6h)))
		return NPUSIM_HW_PUNT_MISS;
	ip6h = (const struct ipv6hdr *)(skb->data + f->l2_len);
	if (ip6h->version != 6)
		return NPUSIM_HW_PUNT_MISS;
	if (ip6h->nexthdr != IPPROTO_TCP && ip6h->nexthdr != IPPROTO_UDP)
		return ipv6_ext_hdr(ip6h->nexthdr) ? NPUSIM_HW_PUNT_IPV6_EXT :
						     NPUSIM_HW_PUNT_MISS;
	if (ip6h->hop_limit <= 1)
		return NPUSIM_HW_PUNT_TTL;

	f->l3_len = sizeof(*ip6h) + ntohs(ip6h->payload_len);
	if (f->l2_len + f->l3_len > skb->len)
		return NPUSIM_HW_PUNT_MISS;
	f->l4_off = f->l2_len + sizeof(*ip6h);
	f->key.ip_ver = 6;
	f->key.l4proto = ip6h->nexthdr;
	memcpy(f->key.src, &ip6h->saddr, sizeof(f->key.src));
	memcpy(f->key.dst, &ip6h->daddr, sizeof(f->key.dst));
	return NPUSIM_HW_PUNT_MAX;
}

/*
 * Parse a frame into @f.  Return NPUSIM_HW_PUNT_MAX if it is a
 * candidate for forwarding, else the reason it goes to the host.
 */
static enum npusim_hw_punt npusim_hw_parse(struct npusim_hw_port *port,
					   struct sk_buff *skb,
					   struct npusim_hw_frame *f)
{
	enum npusim_hw_punt reason;
	const struct ethhdr *eth;
	__be16 proto;

	memset(f, 0, sizeof(*f));
	if (!READ_ONCE(port->hw->param[NPUSIM_HW_PARAM_IGNORE_PORT]))
		f->key.in_port = port->index;
	if (!pskb_may_pull(skb, ETH_HLEN))
		return NPUSIM_HW_PUNT_MISS;
	eth = (const struct ethhdr *)skb->data;
	if (is_multicast_ether_addr(eth->h_dest))
		return NPUSIM_HW_PUNT_MISS;

	proto = eth->h_proto;
	f->l2_len = ETH_HLEN;
	while (proto == htons(ETH_P_8021Q)) {
		const struct vlan_hdr *vh;

		if (f->key.n_vlan == NPUSIM_HW_FT_MAX_VLANS ||
		    !pskb_may_pull(skb, f->l2_len + VLAN_HLEN))
			return NPUSIM_HW_PUNT_MISS;
		vh = (const struct vlan_hdr *)(skb->data + f->l2_len);
		f->key.vid[f->key.n_vlan++] = ntohs(vh->h_vlan_TCI) &
					      VLAN_VID_MASK;
		proto = vh->h_vlan_encapsulated_proto;
		f->l2_len += VLAN_HLEN;
	}

	/*
	 * A PPPoE session header is stripped like the VLAN tags: the flow
	 * rules nf_flowtable sends do not match on it (as on MediaTek's
	 * and Airoha's PPEs, the session id is not part of the key).
	 */
	if (proto == htons(ETH_P_PPP_SES)) {
		const struct npusim_hw_pppoe_hdr *ph;

		/* a chip without PPPoE does not look inside */
		if (!READ_ONCE(port->hw->param[NPUSIM_HW_PARAM_PPPOE]))
			return NPUSIM_HW_PUNT_MISS;

		if (!pskb_may_pull(skb, f->l2_len + sizeof(*ph)))
			return NPUSIM_HW_PUNT_MISS;
		ph = (const struct npusim_hw_pppoe_hdr *)(skb->data + f->l2_len);
		if (ph->ver_type != 0x11 || ph->code)
			return NPUSIM_HW_PUNT_MISS;
		if (ph->ppp_proto == htons(PPP_IP))
			proto = htons(ETH_P_IP);
		else if (ph->ppp_proto == htons(PPP_IPV6))
			proto = htons(ETH_P_IPV6);
		else
			return NPUSIM_HW_PUNT_MISS;
		f->l2_len += sizeof(*ph);
		f->pppoe = true;
	}

	if (proto == htons(ETH_P_IP))
		reason = npusim_hw_parse_ipv4(skb, f);
	else if (proto == htons(ETH_P_IPV6))
		reason = npusim_hw_parse_ipv6(skb, f);
	else
		reason = NPUSIM_HW_PUNT_MISS;
	if (reason != NPUSIM_HW_PUNT_MAX)
		return reason;

	if (f->key.l4proto == IPPROTO_TCP) {
		const struct tcphdr *th;

		f->l4_hlen = sizeof(*th);
		if (!pskb_may_pull(skb, f->l4_off + f->l4_hlen))
			return NPUSIM_HW_PUNT_MISS;
		th = (const struct tcphdr *)(skb->data + f->l4_off);
		f->key.sport = th->source;
		f->key.dport = th->dest;
		if (th->fin || th->rst)
			return NPUSIM_HW_PUNT_TCP_FLAGS;
	} else {
		const struct udphdr *uh;

		f->l4_hlen = sizeof(*uh);
		if (!pskb_may_pull(skb, f->l4_off + f->l4_hlen))
			return NPUSIM_HW_PUNT_MISS;
		uh = (const struct udphdr *)(skb->data + f->l4_off);
		f->key.sport = uh->source;
		f->key.dport = uh->dest;
	}
	return NPUSIM_HW_PUNT_MAX;
}

/* L4 checksum update for a changed address (pseudo header) or port. */
static void npusim_hw_l4_csum(struct sk_buff *skb,
			      const struct npusim_hw_frame *f,
			      const __be32 *from, const __be32 *to,
			      bool addr)
{
	void *l4 = skb->data + f->l4_off;
	__sum16 *check;

	if (f->key.l4proto == IPPROTO_TCP) {
		check = &((struct tcphdr *)l4)->check;
	} else {
		check = &((struct udphdr *)l4)->check;
		/* A zero UDP checksum means "none" and stays so. */
		if (!*check)
			return;
	}

	if (!addr)
		inet_proto_csum_replace2(check, skb, *(__be16 *)from,
					 *(__be16 *)to, false);
	else if (f->key.ip_ver == 4)
		inet_proto_csum_replace4(check, skb, *from, *to, true);
	else
		inet_proto_csum_replace16(check, skb, from, to, true);

	if (f->key.l4proto == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
}

static void npusim_hw_nat_port(struct sk_buff *skb,
			       const struct npusim_hw_frame *f,
			       __be16 *port, __be16 new_port)
{
	__be32 from = 0, to = 0;

	memcpy(&from, port, sizeof(*port));
	memcpy(&to, &new_port, sizeof(new_port));
	npusim_hw_l4_csum(skb, f, &from, &to, false);
	*port = new_port;
}

static void npusim_hw_nat_addr(struct sk_buff *skb,
			       const struct npusim_hw_frame *f,
			       void *addr, const __be32 *new_addr)
{
	__be32 old[4];

	if (f->key.ip_ver == 4) {
		struct iphdr *iph = (struct iphdr *)(skb->data + f->l2_len);

		memcpy(old, addr, sizeof(__be32));
		memcpy(addr, new_addr, sizeof(__be32));
		csum_replace4(&iph->check, old[0], new_addr[0]);
	} else {
		memcpy(old, addr, sizeof(old));
		memcpy(addr, new_addr, sizeof(old));
	}
	npusim_hw_l4_csum(skb, f, old, new_addr, true);
}

/* NAT, then TTL or hop limit, in the order of the software path. */
static void npusim_hw_rewrite_l3(struct sk_buff *skb,
				 const struct npusim_hw_frame *f,
				 const struct npusim_hw_flow_entry *e)
{
	void *l3 = skb->data + f->l2_len;
	__be16 *ports = (__be16 *)(skb->data + f->l4_off);
	void *saddr, *daddr;

	if (f->key.ip_ver == 4) {
		saddr = &((struct iphdr *)l3)->saddr;
		daddr = &((struct iphdr *)l3)->daddr;
	} else {
		saddr = &((struct ipv6hdr *)l3)->saddr;
		daddr = &((struct ipv6hdr *)l3)->daddr;
	}

	if (e->nat & NPUSIM_HW_NAT_SPORT)
		npusim_hw_nat_port(skb, f, &ports[0], e->new_sport);
	if (e->nat & NPUSIM_HW_NAT_SADDR)
		npusim_hw_nat_addr(skb, f, saddr, e->new_src);
	if (e->nat & NPUSIM_HW_NAT_DPORT)
		npusim_hw_nat_port(skb, f, &ports[1], e->new_dport);
	if (e->nat & NPUSIM_HW_NAT_DADDR)
		npusim_hw_nat_addr(skb, f, daddr, e->new_dst);

	if (f->key.ip_ver == 4)
		ip_decrease_ttl(l3);
	else
		((struct ipv6hdr *)l3)->hop_limit--;
}

/* Replace the frame's L2 header with the entry's. */
static void npusim_hw_rewrite_l2(struct sk_buff *skb,
				 const struct npusim_hw_frame *f,
				 const struct npusim_hw_flow_entry *e,
				 unsigned int new_l2_len)
{
	__be16 l3_proto = htons(f->key.ip_ver == 4 ? ETH_P_IP : ETH_P_IPV6);
	struct ethhdr *eth;
	unsigned int i;
	__be16 *next;
	u8 *p;

	skb_pull(skb, f->l2_len);
	p = skb_push(skb, new_l2_len);
	eth = (struct ethhdr *)p;
	ether_addr_copy(eth->h_dest, e->h_dest);
	ether_addr_copy(eth->h_source, e->h_source);
	next = &eth->h_proto;
	p += ETH_HLEN;

	for (i = 0; i < e->n_push; i++) {
		struct vlan_hdr *vh = (struct vlan_hdr *)p;

		*next = htons(ETH_P_8021Q);
		vh->h_vlan_TCI = htons(e->push_vid[i]);
		next = &vh->h_vlan_encapsulated_proto;
		p += VLAN_HLEN;
	}

	if (e->pppoe) {
		struct npusim_hw_pppoe_hdr *ph = (struct npusim_hw_pppoe_hdr *)p;

		*next = htons(ETH_P_PPP_SES);
		ph->ver_type = 0x11;
		ph->code = 0;
		ph->sid = htons(e->pppoe_sid);
		/* the PPP protocol field counts as payload */
		ph->length = htons(f->l3_len + sizeof(ph->ppp_proto));
		ph->ppp_proto = htons(f->key.ip_ver == 4 ? PPP_IP : PPP_IPV6);
	} else {
		*next = l3_proto;
	}
	skb_reset_mac_header(skb);
}

/*
 * The router interface of a frame with @n_vlan tags, the outermost
 * @vid, and a PPPoE header or not: the VLAN id, NPUSIM_HW_RIF_UNTAGGED,
 * or NPUSIM_HW_RIF_NONE.
 */
static int npusim_hw_rif_of(unsigned int n_vlan, u16 vid, bool pppoe)
{
	if (pppoe || n_vlan > 1)
		return NPUSIM_HW_RIF_NONE;
	return n_vlan ? vid : NPUSIM_HW_RIF_UNTAGGED;
}

/*
 * Run one received frame through the NPU.  Return true if the NPU
 * consumed it (forwarded it, or dropped it as the punt action register
 * says); false if it goes to the host, unchanged, with its reason
 * counted.  BHs disabled, under RCU.
 */
static bool npusim_hw_engine_process(struct npusim_hw_port *port,
				     struct sk_buff *skb)
{
	struct npusim_hw *hw = port->hw;
	struct npusim_hw_flow_entry e;
	enum npusim_hw_punt reason;
	struct npusim_hw_port *out;
	unsigned int new_l2_len;
	struct npusim_hw_frame f;
	bool fwd_mark = false;
	struct npusim_hw_ft_ref ref;
	unsigned int in_len;

	if (npusim_hw_l2_flow_forward(port, skb))
		return true;
	if (READ_ONCE(port->l2_domain)) {
		switch (npusim_hw_l2_switch(port, skb)) {
		case NPUSIM_HW_L2_CONSUMED:
			return true;
		case NPUSIM_HW_L2_FLOODED:
			/* not for the flow table: a copy for the host */
			fwd_mark = true;
			reason = NPUSIM_HW_PUNT_MISS;
			goto punt;
		case NPUSIM_HW_L2_HOST:
			break;
		}
	}

	reason = npusim_hw_parse(port, skb, &f);
	if (reason == NPUSIM_HW_PUNT_TCP_FLAGS)
		npusim_hw_ft_fin(hw, &f.key);	/* the key is complete */
	if (reason != NPUSIM_HW_PUNT_MAX)
		goto punt;
	switch (npusim_hw_ft_lookup(hw, &f.key, &e, &ref, false)) {
	case NPUSIM_HW_FT_MISS:
		reason = NPUSIM_HW_PUNT_MISS;
		goto punt;
	case NPUSIM_HW_FT_UNBOUND:
		reason = NPUSIM_HW_PUNT_UNBOUND;
		goto punt;
	case NPUSIM_HW_FT_HIT:
		break;
	}

	reason = NPUSIM_HW_PUNT_UNSUPPORTED;
	out = npusim_hw_port_get(hw, e.out_port);
	if (!out)
		goto punt;
	/* A pushed PPPoE header eats into the egress MTU; tags do not. */
	if (f.l3_len + (e.pppoe ? sizeof(struct npusim_hw_pppoe_hdr) : 0) >
	    READ_ONCE(out->mru)) {
		reason = NPUSIM_HW_PUNT_MTU;
		goto punt;
	}

	/* Everything that can fail comes before the first change. */
	new_l2_len = ETH_HLEN + e.n_push * VLAN_HLEN +
		     (e.pppoe ? sizeof(struct npusim_hw_pppoe_hdr) : 0);
	if (skb_ensure_writable(skb, f.l4_off + f.l4_hlen))
		goto punt;
	if (new_l2_len > f.l2_len && skb_cow_head(skb, new_l2_len - f.l2_len))
		goto punt;

	in_len = skb->len;
	npusim_hw_rewrite_l3(skb, &f, &e);
	npusim_hw_rewrite_l2(skb, &f, &e, new_l2_len);
	npusim_hw_ft_hit(hw, &ref, 1, in_len, f.l3_len);
	npusim_hw_port_forward(port, out, skb, 1, in_len,
			       npusim_hw_rif_of(f.key.n_vlan, f.key.vid[0],
						f.pppoe),
			       npusim_hw_rif_of(e.n_push, e.push_vid[0],
						e.pppoe));
	return true;

punt:
	npusim_hw_port_count_punt(port, reason, 1);
	if (test_bit(reason, &hw->punt_drop)) {
		npusim_hw_port_count_punt_drop(port, reason);
		kfree_skb_reason(skb, SKB_DROP_REASON_UNHANDLED_PROTO);
		return true;
	}
	NPUSIM_HW_RX_DESC(skb)->reason = reason;
	NPUSIM_HW_RX_DESC(skb)->fwd_mark = fwd_mark;
	return false;
}

/*
 * Forward a burst whole on a bound entry @e, if every one of its frames
 * would be forwarded alike: untagged in and out, without PPPoE, each
 * frame within the egress MTU.  Return true if it did (the burst is
 * consumed), false if the burst must be processed frame by frame
 * (nothing has changed it).
 */
static bool npusim_hw_engine_fwd_burst(struct npusim_hw_port *port,
				       struct sk_buff *skb,
				       const struct npusim_hw_frame *f,
				       const struct npusim_hw_flow_entry *e,
				       const struct npusim_hw_ft_ref *ref)
{
	unsigned int frames = npusim_hw_frames(skb), in_len, l3_len;
	struct npusim_hw *hw = port->hw;
	struct npusim_hw_port *out;

	out = npusim_hw_port_get(hw, e->out_port);
	if (!out || f->pppoe || e->pppoe || f->key.n_vlan || e->n_push)
		return false;
	if (npusim_hw_burst_hlen(skb) - f->l2_len + skb_shinfo(skb)->gso_size >
	    READ_ONCE(out->mru))
		return false;
	if (skb_ensure_writable(skb, f->l4_off + f->l4_hlen))
		return false;

	in_len = npusim_hw_frames_len(skb, 0);
	l3_len = npusim_hw_frames_len(skb, f->l2_len);
	npusim_hw_rewrite_l3(skb, f, e);
	npusim_hw_rewrite_l2(skb, f, e, ETH_HLEN);
	npusim_hw_ft_hit(hw, ref, frames, in_len, l3_len);
	npusim_hw_port_forward(port, out, skb, frames, in_len,
			       NPUSIM_HW_RIF_UNTAGGED, NPUSIM_HW_RIF_UNTAGGED);
	return true;
}

/*
 * Run a burst (the frames of one TSO packet, carried as one skb) through
 * the NPU.  Where all its frames take the same way, the burst takes it
 * whole, with every frame counted: forwarded on a bound entry, or passed
 * to a host with hardware GRO on a miss.  Anywhere else (the L2 switch
 * or L2 flows, a lookup cache, an unbound entry, any other punt, a drop
 * action) its frames are cut apart and each goes through the NPU on its
 * own.  Return whether something was queued for the host.  BHs
 * disabled, under RCU.
 */
static bool npusim_hw_engine_burst(struct npusim_hw_port *port,
				   struct sk_buff *skb)
{
	struct npusim_hw *hw = port->hw;
	struct npusim_hw_flow_entry e;
	struct npusim_hw_ft_ref ref;
	enum npusim_hw_punt reason;
	struct npusim_hw_frame f;
	struct sk_buff *next;
	bool to_host = false;

	if (READ_ONCE(port->l2_domain) || npusim_hw_l2_flows_used(hw))
		goto split;
	reason = npusim_hw_parse(port, skb, &f);
	if (reason == NPUSIM_HW_PUNT_MAX) {
		switch (npusim_hw_ft_lookup(hw, &f.key, &e, &ref, true)) {
		case NPUSIM_HW_FT_MISS:
			reason = NPUSIM_HW_PUNT_MISS;
			break;
		case NPUSIM_HW_FT_UNBOUND:
			goto split;
		case NPUSIM_HW_FT_HIT:
			if (npusim_hw_engine_fwd_burst(port, skb, &f, &e, &ref))
				return false;
			goto split;
		}
	}
	if (reason != NPUSIM_HW_PUNT_MISS || !READ_ONCE(port->rx_gro_hw) ||
	    test_bit(reason, &hw->punt_drop))
		goto split;
	npusim_hw_port_count_punt(port, reason, npusim_hw_frames(skb));
	NPUSIM_HW_RX_DESC(skb)->reason = reason;
	NPUSIM_HW_RX_DESC(skb)->fwd_mark = false;
	return npusim_hw_port_to_host(port, skb);

split:
	skb = npusim_hw_burst_split(port, skb);
	skb_list_walk_safe(skb, skb, next) {
		skb_mark_not_on_list(skb);
		if (!npusim_hw_engine_process(port, skb) &&
		    npusim_hw_port_to_host(port, skb))
			to_host = true;
	}
	return to_host;
}

/**
 * npusim_hw_engine_poll_on() - whether an engine context polls on
 * @port: the port
 * @napi: its engine context
 * @done: frames it took in this poll
 * @budget: most it could take
 *
 * A context in a thread (engine_dev threaded), on a chip with busy
 * polling (npusim_hw_set_engine_busy_poll()), stays scheduled until its
 * FIFO has been empty for engine_busy_poll_us: its thread polls again
 * instead of sleeping, and a frame queued meanwhile needs no wake-up.
 * local_clock() may differ a little between CPUs: a thread that moves
 * polls a little longer or shorter.
 *
 * Return: true if the context polls again although it took less than
 * @budget.
 */
static bool npusim_hw_engine_poll_on(struct npusim_hw_port *port,
				     struct napi_struct *napi, int done,
				     int budget)
{
	u32 usecs = READ_ONCE(port->hw->engine_busy_poll_us);
	u64 now;

	if (!usecs || !test_bit(NAPI_STATE_THREADED, &napi->state))
		return false;
	now = local_clock();
	if (done)
		port->busy_poll_last = now;
	if (done == budget ||
	    now - port->busy_poll_last >= (u64)usecs * NSEC_PER_USEC)
		return false;
	atomic64_inc(&port->cnt.engine_busy_polls);
	return true;
}

/**
 * npusim_hw_engine_poll() - the packet engine's NAPI poll for one port
 * @napi: the port's engine_napi
 * @budget: most frames to take from the ingress FIFO
 *
 * Forwards what the flow table says, queues the other frames on the
 * port's host RX ring and raises the RX interrupt once for them.
 *
 * Return: frames taken from the FIFO; @budget (the context stays
 * scheduled) also when npusim_hw_engine_poll_on() says to poll again.
 */
int npusim_hw_engine_poll(struct napi_struct *napi, int budget)
{
	struct npusim_hw_port *port = container_of(napi, struct npusim_hw_port,
						   engine_napi);
	bool to_host = false;
	struct sk_buff *skb;
	int done = 0;

	rcu_read_lock();
	while (done < budget && (skb = ptr_ring_consume(&port->ingress))) {
		done++;
		if (skb_is_gso(skb)) {
			if (npusim_hw_engine_burst(port, skb))
				to_host = true;
		} else if (!npusim_hw_engine_process(port, skb) &&
			   npusim_hw_port_to_host(port, skb)) {
			to_host = true;
		}
	}
	if (to_host)
		npusim_hw_port_raise_irq(port, NPUSIM_HW_IRQ_RX);
	rcu_read_unlock();

	if (npusim_hw_engine_poll_on(port, napi, done, budget))
		return budget;
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}
