// SPDX-License-Identifier: GPL-2.0
/*
 * npusim emulated hardware: the L2 switch and its forwarding database.
 *
 * See npusim_hw.h for what the switch does with a frame.  The switch
 * runs in the packet engine's context of the ingress port, before the
 * L3 stage (engine.c).  The FDB is shared by all ports of the chip.
 * What changes it (learning a new or moved station, the driver's
 * writes, flushes, ageing) takes its lock with BHs disabled and writes
 * each bucket inside that bucket's seqcount; the engine's lookups, and
 * the refresh of a known station, take no lock: they read a bucket
 * inside its seqcount, and retry if a writer was there.
 */

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/jhash.h>
#include <linux/slab.h>

#include "hw.h"

static u32 npusim_hw_fdb_bucket(u8 domain, u16 vid, const u8 *addr)
{
	u32 k[2] = {};

	memcpy(k, addr, ETH_ALEN);
	k[1] ^= (u32)domain << 24 | (u32)vid << 12;
	return jhash2(k, 2, 0) % NPUSIM_HW_FDB_BUCKETS;
}

/*
 * The slot of (@domain, @vid, @addr) in bucket @b, or NULL; @free, if
 * not NULL, is set to the bucket's first free slot, or NULL.  Under the
 * FDB lock, or inside the bucket's seqcount.
 */
static struct npusim_hw_fdb_slot *
npusim_hw_fdb_find(struct npusim_hw_fdb *fdb, u32 b, u8 domain, u16 vid,
		   const u8 *addr, struct npusim_hw_fdb_slot **free)
{
	struct npusim_hw_fdb_slot *s = &fdb->slots[b * NPUSIM_HW_FDB_WAYS];
	unsigned int i;

	if (free)
		*free = NULL;
	for (i = 0; i < NPUSIM_HW_FDB_WAYS; i++, s++) {
		if (!s->entry.domain) {
			if (free && !*free)
				*free = s;
			continue;
		}
		if (s->entry.domain == domain && s->entry.vid == vid &&
		    ether_addr_equal(s->entry.addr, addr))
			return s;
	}
	return NULL;
}

/**
 * npusim_hw_fdb_peek() - look an address up without the FDB lock
 * @fdb: the FDB
 * @b: the address's bucket
 * @domain: its domain
 * @vid: its VLAN
 * @addr: the address
 * @port: set to the entry's port, or -1 if there is none
 * @is_static: set to whether the entry is static, if there is one
 *
 * Packet engine context.  The bucket is read inside its seqcount, again
 * if a writer changed it meanwhile.
 *
 * Return: the slot of the entry (which may change as soon as this
 * returns), or NULL.
 */
static struct npusim_hw_fdb_slot *
npusim_hw_fdb_peek(struct npusim_hw_fdb *fdb, u32 b, u8 domain, u16 vid,
		   const u8 *addr, int *port, bool *is_static)
{
	struct npusim_hw_fdb_slot *s;
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&fdb->seq[b]);
		s = npusim_hw_fdb_find(fdb, b, domain, vid, addr, NULL);
		*port = s ? s->entry.port : -1;
		*is_static = s && s->entry.is_static;
	} while (read_seqcount_retry(&fdb->seq[b], seq));
	return s;
}

/*
 * Queue an event for the driver, and raise the notification if the
 * queue was empty.  Under the FDB lock.
 */
static void npusim_hw_fdb_event(struct npusim_hw_fdb *fdb,
				const struct npusim_hw_fdb_entry *e,
				bool learnt, bool moved)
{
	struct npusim_hw_fdb_event *ev;

	if (fdb->ev_len == NPUSIM_HW_FDB_EVENTS) {
		fdb->stats.event_overflows++;
		return;
	}
	ev = &fdb->events[(fdb->ev_head + fdb->ev_len) % NPUSIM_HW_FDB_EVENTS];
	ev->entry = *e;
	ev->learnt = learnt;
	ev->moved = moved;
	if (!fdb->ev_len++ && fdb->notify)
		fdb->notify(fdb->notify_ctx);
}

/* The bucket of slot @s. */
static u32 npusim_hw_fdb_slot_bucket(struct npusim_hw_fdb *fdb,
				     struct npusim_hw_fdb_slot *s)
{
	return (s - fdb->slots) / NPUSIM_HW_FDB_WAYS;
}

/* Free slot @s.  Under the FDB lock. */
static void npusim_hw_fdb_remove(struct npusim_hw_fdb *fdb,
				 struct npusim_hw_fdb_slot *s)
{
	seqcount_spinlock_t *seq = &fdb->seq[npusim_hw_fdb_slot_bucket(fdb, s)];

	write_seqcount_begin(seq);
	memset(&s->entry, 0, sizeof(s->entry));
	write_seqcount_end(seq);
	fdb->used--;
}

/*
 * Learn that @addr is behind @port.  Engine context, BHs disabled.  A
 * station already known behind @port (or static) only gets its time
 * refreshed, without the lock: a refresh that races with a writer
 * reusing the slot refreshes the new entry, which is harmless.
 */
static void npusim_hw_fdb_learn(struct npusim_hw *hw, u8 domain, u16 vid,
				const u8 *addr, unsigned int port)
{
	u32 b = npusim_hw_fdb_bucket(domain, vid, addr);
	struct npusim_hw_fdb *fdb = hw->fdb;
	struct npusim_hw_fdb_slot *s, *free;
	bool moved = false, is_static;
	unsigned long now;
	int cur;

	s = npusim_hw_fdb_peek(fdb, b, domain, vid, addr, &cur, &is_static);
	if (s && (is_static || cur == port)) {
		now = jiffies;
		/* no store, and no cache line bounced, once a jiffy */
		if (!is_static && READ_ONCE(s->seen) != now)
			WRITE_ONCE(s->seen, now);
		return;
	}

	spin_lock(&fdb->lock);
	s = npusim_hw_fdb_find(fdb, b, domain, vid, addr, &free);
	if (s) {
		if (s->entry.is_static)
			goto out;
		WRITE_ONCE(s->seen, jiffies);
		if (s->entry.port == port)
			goto out;
		write_seqcount_begin(&fdb->seq[b]);
		s->entry.port = port;		/* the station moved */
		write_seqcount_end(&fdb->seq[b]);
		moved = true;
	} else if (free) {
		s = free;
		write_seqcount_begin(&fdb->seq[b]);
		ether_addr_copy(s->entry.addr, addr);
		s->entry.vid = vid;
		s->entry.port = port;
		s->entry.is_static = false;
		s->entry.domain = domain;
		write_seqcount_end(&fdb->seq[b]);
		WRITE_ONCE(s->seen, jiffies);
		fdb->used++;
	} else {
		fdb->stats.learn_full++;
		goto out;
	}
	npusim_hw_fdb_event(fdb, &s->entry, true, moved);
out:
	spin_unlock(&fdb->lock);
}

/* Where @addr is: a port index, NPUSIM_HW_FDB_PORT_CPU, or -1. */
static int npusim_hw_fdb_lookup(struct npusim_hw *hw, u8 domain, u16 vid,
				const u8 *addr)
{
	bool is_static;
	int port;

	npusim_hw_fdb_peek(hw->fdb, npusim_hw_fdb_bucket(domain, vid, addr),
			   domain, vid, addr, &port, &is_static);
	return port;
}

/**
 * struct npusim_hw_l2_frame - how the L2 switch classified a frame
 * @domain: the ingress port's bridge domain
 * @vid: its VLAN, 0 if the ingress port is not VLAN-aware
 * @tci: the TCI of its 802.1Q tag, if it has one
 * @tagged: it came with an 802.1Q tag
 */
struct npusim_hw_l2_frame {
	u8 domain;
	u16 vid;
	u16 tci;
	bool tagged;
};

/* May the switch send what @in received out of @out? */
static bool npusim_hw_l2_egress_ok(struct npusim_hw_port *in,
				   struct npusim_hw_port *out,
				   const struct npusim_hw_l2_frame *fr)
{
	return out != in && READ_ONCE(out->l2_domain) == fr->domain &&
	       READ_ONCE(out->l2_stp) == NPUSIM_HW_STP_FORWARDING &&
	       !(READ_ONCE(in->l2_flags) & READ_ONCE(out->l2_flags) &
		 NPUSIM_HW_L2_ISOLATED) &&
	       (!fr->vid || test_bit(fr->vid, out->l2_vlans));
}

static void npusim_hw_l2_drop(struct npusim_hw_port *in, struct sk_buff *skb)
{
	atomic64_inc(&in->cnt.rx_l2_drops);
	kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
}

/*
 * Put the frame in the form @out sends it in: untagged, or with an
 * 802.1Q tag of the frame's VLAN.  The frame's data may be shared with
 * other copies.  Return: 0, or -ENOMEM (the frame is left as it was).
 */
static int npusim_hw_l2_egress_tag(struct npusim_hw_port *out,
				   struct sk_buff *skb,
				   const struct npusim_hw_l2_frame *fr)
{
	bool untagged = test_bit(fr->vid, out->l2_untagged);
	struct vlan_ethhdr *veth;

	if (!fr->vid)
		return 0;
	if (fr->tagged && untagged) {
		if (skb_ensure_writable(skb, VLAN_ETH_HLEN))
			return -ENOMEM;
		memmove(skb->data + VLAN_HLEN, skb->data, 2 * ETH_ALEN);
		__skb_pull(skb, VLAN_HLEN);
	} else if (!fr->tagged && !untagged) {
		if (skb_cow_head(skb, VLAN_HLEN))
			return -ENOMEM;
		__skb_push(skb, VLAN_HLEN);
		memmove(skb->data, skb->data + VLAN_HLEN, 2 * ETH_ALEN);
		veth = (struct vlan_ethhdr *)skb->data;
		veth->h_vlan_proto = htons(ETH_P_8021Q);
		veth->h_vlan_TCI = htons(fr->vid);
	} else if (fr->tagged && (fr->tci & VLAN_VID_MASK) != fr->vid) {
		/* priority-tagged: the tag gets the PVID, keeps its PCP */
		if (skb_ensure_writable(skb, VLAN_ETH_HLEN))
			return -ENOMEM;
		veth = (struct vlan_ethhdr *)skb->data;
		veth->h_vlan_TCI = htons((fr->tci & ~VLAN_VID_MASK) | fr->vid);
	}
	return 0;
}

/* Send @skb, switched, out of @out.  Consumes @skb. */
static void npusim_hw_l2_tx(struct npusim_hw_port *in,
			    struct npusim_hw_port *out, struct sk_buff *skb,
			    const struct npusim_hw_l2_frame *fr)
{
	if (npusim_hw_l2_egress_tag(out, skb, fr)) {
		atomic64_inc(&out->cnt.tx_errors);
		kfree_skb_reason(skb, SKB_DROP_REASON_NOMEM);
		return;
	}
	npusim_hw_port_l2_forward(in, out, skb);
}

/* Flood a copy of @skb to every port of the domain that takes it. */
static void npusim_hw_l2_flood(struct npusim_hw_port *in, struct sk_buff *skb,
			       const struct npusim_hw_l2_frame *fr, u32 flag)
{
	struct npusim_hw *hw = in->hw;
	struct sk_buff *clone;
	unsigned int i;

	for (i = 0; i < hw->num_ports; i++) {
		struct npusim_hw_port *out = &hw->ports[i];

		if (!npusim_hw_l2_egress_ok(in, out, fr) ||
		    !(READ_ONCE(out->l2_flags) & flag))
			continue;
		clone = skb_clone(skb, GFP_ATOMIC);
		if (!clone) {
			atomic64_inc(&out->cnt.tx_errors);
			continue;
		}
		npusim_hw_l2_tx(in, out, clone, fr);
	}
}

/*
 * The VLAN of a frame received on a VLAN-aware port, in @fr.  Return:
 * false if the port does not take it (ingress filtering, no PVID).
 */
static bool npusim_hw_l2_classify(struct npusim_hw_port *in,
				  struct sk_buff *skb,
				  struct npusim_hw_l2_frame *fr)
{
	const struct vlan_ethhdr *veth;
	u16 pvid = READ_ONCE(in->l2_pvid);

	fr->vid = pvid;
	if (eth_hdr(skb)->h_proto == htons(ETH_P_8021Q)) {
		if (!pskb_may_pull(skb, VLAN_ETH_HLEN))
			return false;
		veth = (const struct vlan_ethhdr *)skb->data;
		fr->tci = ntohs(veth->h_vlan_TCI);
		fr->tagged = true;
		if (fr->tci & VLAN_VID_MASK)
			fr->vid = fr->tci & VLAN_VID_MASK;
	}
	return fr->vid && test_bit(fr->vid, in->l2_vlans);
}

/**
 * npusim_hw_l2_switch() - run a frame received on a switching port
 *	through the L2 switch
 * @in: the ingress port, in a bridge domain
 * @skb: the frame, data at the Ethernet header
 *
 * Packet engine context, BHs disabled, under RCU.
 *
 * Return: what became of the frame (enum npusim_hw_l2_verdict).
 */
enum npusim_hw_l2_verdict npusim_hw_l2_switch(struct npusim_hw_port *in,
					      struct sk_buff *skb)
{
	struct npusim_hw_l2_frame fr = { .domain = READ_ONCE(in->l2_domain) };
	u32 flags = READ_ONCE(in->l2_flags);
	u8 stp = READ_ONCE(in->l2_stp);
	const struct ethhdr *eth;
	struct npusim_hw_port *out;
	u32 flag;
	int dst;

	if (!pskb_may_pull(skb, ETH_HLEN)) {
		npusim_hw_l2_drop(in, skb);
		return NPUSIM_HW_L2_CONSUMED;
	}
	skb_reset_mac_header(skb);
	if (is_link_local_ether_addr(eth_hdr(skb)->h_dest))
		return NPUSIM_HW_L2_HOST;
	if (stp == NPUSIM_HW_STP_BLOCKING)
		goto drop;
	if (READ_ONCE(in->l2_vlan_aware) &&
	    !npusim_hw_l2_classify(in, skb, &fr))
		goto drop;
	eth = (const struct ethhdr *)skb->data;
	if ((flags & NPUSIM_HW_L2_LOCKED) &&
	    npusim_hw_fdb_lookup(in->hw, fr.domain, fr.vid,
				 eth->h_source) != in->index)
		return NPUSIM_HW_L2_HOST;
	if ((flags & NPUSIM_HW_L2_LEARN) && !(flags & NPUSIM_HW_L2_LOCKED) &&
	    is_valid_ether_addr(eth->h_source))
		npusim_hw_fdb_learn(in->hw, fr.domain, fr.vid, eth->h_source,
				    in->index);
	if (stp != NPUSIM_HW_STP_FORWARDING)
		goto drop;

	if (is_broadcast_ether_addr(eth->h_dest)) {
		flag = NPUSIM_HW_L2_FLOOD_BC;
	} else if (is_multicast_ether_addr(eth->h_dest)) {
		flag = NPUSIM_HW_L2_FLOOD_MC;
	} else {
		dst = npusim_hw_fdb_lookup(in->hw, fr.domain, fr.vid,
					   eth->h_dest);
		if (dst == NPUSIM_HW_FDB_PORT_CPU)
			return NPUSIM_HW_L2_HOST;
		if (dst >= 0) {
			out = npusim_hw_port_get(in->hw, dst);
			if (!out || !npusim_hw_l2_egress_ok(in, out, &fr))
				goto drop;
			npusim_hw_l2_tx(in, out, skb, &fr);
			return NPUSIM_HW_L2_CONSUMED;
		}
		flag = NPUSIM_HW_L2_FLOOD_UC;
	}
	npusim_hw_l2_flood(in, skb, &fr, flag);
	return NPUSIM_HW_L2_FLOODED;

drop:
	npusim_hw_l2_drop(in, skb);
	return NPUSIM_HW_L2_CONSUMED;
}

/**
 * npusim_hw_port_l2_domain() - put a port in a bridge domain
 * @port: the port
 * @domain: 1..NPUSIM_HW_L2_DOMAINS, or 0: the port stops switching
 *
 * The port starts in the blocking state without flags; leaving a
 * domain does not flush the FDB (npusim_hw_fdb_flush() does).
 */
void npusim_hw_port_l2_domain(struct npusim_hw_port *port, u8 domain)
{
	if (WARN_ON_ONCE(domain > NPUSIM_HW_L2_DOMAINS))
		return;
	WRITE_ONCE(port->l2_stp, NPUSIM_HW_STP_BLOCKING);
	WRITE_ONCE(port->l2_flags, 0);
	WRITE_ONCE(port->l2_vlan_aware, false);
	WRITE_ONCE(port->l2_pvid, 0);
	bitmap_zero(port->l2_vlans, VLAN_N_VID);
	bitmap_zero(port->l2_untagged, VLAN_N_VID);
	WRITE_ONCE(port->l2_domain, domain);
}

/**
 * npusim_hw_port_l2_stp() - set a switching port's STP state
 * @port: the port
 * @state: enum npusim_hw_stp
 */
void npusim_hw_port_l2_stp(struct npusim_hw_port *port,
			   enum npusim_hw_stp state)
{
	WRITE_ONCE(port->l2_stp, state);
}

/**
 * npusim_hw_port_l2_flags() - set a switching port's flags
 * @port: the port
 * @flags: NPUSIM_HW_L2_* flags
 */
void npusim_hw_port_l2_flags(struct npusim_hw_port *port, u32 flags)
{
	WRITE_ONCE(port->l2_flags, flags & NPUSIM_HW_L2_ALL_FLAGS);
}

/**
 * npusim_hw_port_l2_vlan_filtering() - make a switching port VLAN-aware
 * @port: the port
 * @on: classify frames by VLAN (true), or switch them by address only
 *
 * All ports of a domain should be one or the other: a frame goes only
 * to ports of the same kind.
 */
void npusim_hw_port_l2_vlan_filtering(struct npusim_hw_port *port, bool on)
{
	WRITE_ONCE(port->l2_vlan_aware, on);
}

/**
 * npusim_hw_port_l2_vlan_add() - make a port a member of a VLAN, or
 *	change how it is
 * @port: the port
 * @vid: the VLAN, 1..4094
 * @flags: NPUSIM_HW_L2_VLAN_PVID: the port's PVID becomes @vid (else it
 *	stops being @vid); NPUSIM_HW_L2_VLAN_UNTAGGED: the port sends
 *	@vid untagged
 *
 * Return: 0, or -EINVAL (nothing changed).
 */
int npusim_hw_port_l2_vlan_add(struct npusim_hw_port *port, u16 vid,
			       u32 flags)
{
	if (!vid || vid >= VLAN_VID_MASK ||
	    (flags & ~(NPUSIM_HW_L2_VLAN_PVID | NPUSIM_HW_L2_VLAN_UNTAGGED)))
		return -EINVAL;
	if (flags & NPUSIM_HW_L2_VLAN_UNTAGGED)
		set_bit(vid, port->l2_untagged);
	else
		clear_bit(vid, port->l2_untagged);
	set_bit(vid, port->l2_vlans);
	if (flags & NPUSIM_HW_L2_VLAN_PVID)
		WRITE_ONCE(port->l2_pvid, vid);
	else if (READ_ONCE(port->l2_pvid) == vid)
		WRITE_ONCE(port->l2_pvid, 0);
	return 0;
}

/**
 * npusim_hw_port_l2_vlan_del() - take a port out of a VLAN
 * @port: the port
 * @vid: the VLAN, 1..4094; if it was the PVID, the port has none after
 *
 * Return: 0, or -EINVAL.
 */
int npusim_hw_port_l2_vlan_del(struct npusim_hw_port *port, u16 vid)
{
	if (!vid || vid >= VLAN_VID_MASK)
		return -EINVAL;
	clear_bit(vid, port->l2_vlans);
	if (READ_ONCE(port->l2_pvid) == vid)
		WRITE_ONCE(port->l2_pvid, 0);
	clear_bit(vid, port->l2_untagged);
	return 0;
}

/**
 * npusim_hw_fdb_write() - write an FDB entry
 * @hw: the chip
 * @entry: the entry: a static one, or a dynamic one as if learnt now
 *
 * An entry for the same domain, VLAN and address is overwritten.
 *
 * Return: 0, -EINVAL for a bad domain, VLAN, port or address, -ENOSPC
 * if the bucket is full.
 */
int npusim_hw_fdb_write(struct npusim_hw *hw,
			const struct npusim_hw_fdb_entry *entry)
{
	struct npusim_hw_fdb *fdb = hw->fdb;
	struct npusim_hw_fdb_slot *s, *free;
	int err = 0;
	u32 b;

	if (!entry->domain || entry->domain > NPUSIM_HW_L2_DOMAINS ||
	    entry->vid >= VLAN_VID_MASK ||
	    (entry->port >= hw->num_ports &&
	     entry->port != NPUSIM_HW_FDB_PORT_CPU) ||
	    is_zero_ether_addr(entry->addr))
		return -EINVAL;

	b = npusim_hw_fdb_bucket(entry->domain, entry->vid, entry->addr);
	spin_lock_bh(&fdb->lock);
	s = npusim_hw_fdb_find(fdb, b, entry->domain, entry->vid, entry->addr,
			       &free);
	if (!s) {
		s = free;
		if (!s) {
			err = -ENOSPC;
			goto out;
		}
		fdb->used++;
	}
	write_seqcount_begin(&fdb->seq[b]);
	s->entry = *entry;
	write_seqcount_end(&fdb->seq[b]);
	WRITE_ONCE(s->seen, jiffies);
out:
	spin_unlock_bh(&fdb->lock);
	return err;
}

/**
 * npusim_hw_fdb_clear() - remove an FDB entry
 * @hw: the chip
 * @domain: its domain
 * @vid: its VLAN
 * @addr: its address
 *
 * Return: 0, or -ENOENT if there is no such entry.
 */
int npusim_hw_fdb_clear(struct npusim_hw *hw, u8 domain, u16 vid,
			const u8 *addr)
{
	struct npusim_hw_fdb *fdb = hw->fdb;
	struct npusim_hw_fdb_slot *s;
	int err = -ENOENT;

	spin_lock_bh(&fdb->lock);
	s = npusim_hw_fdb_find(fdb, npusim_hw_fdb_bucket(domain, vid, addr),
			       domain, vid, addr, NULL);
	if (s) {
		npusim_hw_fdb_remove(fdb, s);
		err = 0;
	}
	spin_unlock_bh(&fdb->lock);
	return err;
}

/**
 * npusim_hw_fdb_flush() - remove FDB entries
 * @hw: the chip
 * @domain: those of this bridge domain, or 0 for all domains
 * @port: those behind this port (an index, or NPUSIM_HW_FDB_PORT_CPU),
 *	or -1 for all
 * @dynamic_only: keep the static entries
 * @notify: report each dynamic entry removed as an FDB event
 */
void npusim_hw_fdb_flush(struct npusim_hw *hw, u8 domain, int port,
			 bool dynamic_only, bool notify)
{
	struct npusim_hw_fdb *fdb = hw->fdb;
	unsigned int i;

	spin_lock_bh(&fdb->lock);
	for (i = 0; i < NPUSIM_HW_FDB_SIZE; i++) {
		struct npusim_hw_fdb_slot *s = &fdb->slots[i];

		if (!s->entry.domain || (domain && s->entry.domain != domain) ||
		    (port >= 0 && s->entry.port != port) ||
		    (dynamic_only && s->entry.is_static))
			continue;
		if (notify && !s->entry.is_static)
			npusim_hw_fdb_event(fdb, &s->entry, false, false);
		npusim_hw_fdb_remove(fdb, s);
	}
	spin_unlock_bh(&fdb->lock);
}

/**
 * npusim_hw_fdb_used() - FDB entries in use
 * @hw: the chip
 *
 * Return: the number of entries, static and dynamic.
 */
u32 npusim_hw_fdb_used(struct npusim_hw *hw)
{
	return READ_ONCE(hw->fdb->used);
}

/**
 * npusim_hw_fdb_stats() - read the FDB counters
 * @hw: the chip
 * @st: filled in
 */
void npusim_hw_fdb_stats(struct npusim_hw *hw, struct npusim_hw_fdb_stats *st)
{
	spin_lock_bh(&hw->fdb->lock);
	*st = hw->fdb->stats;
	spin_unlock_bh(&hw->fdb->lock);
}

/**
 * npusim_hw_fdb_set_ageing() - set the ageing time of dynamic entries
 * @hw: the chip
 * @ms: NPUSIM_HW_FDB_MIN_AGEING_MS..NPUSIM_HW_FDB_MAX_AGEING_MS
 *
 * Return: 0, or -ERANGE (nothing changed).
 */
int npusim_hw_fdb_set_ageing(struct npusim_hw *hw, u32 ms)
{
	struct npusim_hw_fdb *fdb = hw->fdb;

	if (ms < NPUSIM_HW_FDB_MIN_AGEING_MS || ms > NPUSIM_HW_FDB_MAX_AGEING_MS)
		return -ERANGE;
	spin_lock_bh(&fdb->lock);
	fdb->ageing = msecs_to_jiffies(ms);
	spin_unlock_bh(&fdb->lock);
	mod_delayed_work(system_wq, &fdb->age_work, 0);
	return 0;
}

/**
 * npusim_hw_fdb_set_notify() - set the FDB notification handler
 * @hw: the chip
 * @notify: the handler, or NULL; it is not called any more once this
 *	returns with NULL.  It runs under the FDB's lock: it may only
 *	schedule work that pops the events
 * @ctx: its context
 */
void npusim_hw_fdb_set_notify(struct npusim_hw *hw,
			      npusim_hw_fdb_notify_t notify, void *ctx)
{
	spin_lock_bh(&hw->fdb->lock);
	hw->fdb->notify = notify;
	hw->fdb->notify_ctx = ctx;
	spin_unlock_bh(&hw->fdb->lock);
}

/**
 * npusim_hw_fdb_event_pop() - take the oldest FDB event
 * @hw: the chip
 * @ev: filled in
 *
 * Return: 0, or -ENOENT if no event waits.
 */
int npusim_hw_fdb_event_pop(struct npusim_hw *hw,
			    struct npusim_hw_fdb_event *ev)
{
	struct npusim_hw_fdb *fdb = hw->fdb;
	int err = -ENOENT;

	spin_lock_bh(&fdb->lock);
	if (fdb->ev_len) {
		*ev = fdb->events[fdb->ev_head];
		fdb->ev_head = (fdb->ev_head + 1) % NPUSIM_HW_FDB_EVENTS;
		fdb->ev_len--;
		err = 0;
	}
	spin_unlock_bh(&fdb->lock);
	return err;
}

/* The ageing scan: every half ageing time, remove what aged out. */
static void npusim_hw_fdb_age_work(struct work_struct *work)
{
	struct npusim_hw_fdb *fdb = container_of(to_delayed_work(work),
						 struct npusim_hw_fdb,
						 age_work);
	unsigned long now = jiffies, ageing;
	unsigned int i;

	spin_lock_bh(&fdb->lock);
	ageing = fdb->ageing;
	for (i = 0; i < NPUSIM_HW_FDB_SIZE; i++) {
		struct npusim_hw_fdb_slot *s = &fdb->slots[i];

		if (!s->entry.domain || s->entry.is_static ||
		    time_before_eq(now, READ_ONCE(s->seen) + ageing))
			continue;
		npusim_hw_fdb_event(fdb, &s->entry, false, false);
		npusim_hw_fdb_remove(fdb, s);
	}
	spin_unlock_bh(&fdb->lock);
	queue_delayed_work(system_wq, &fdb->age_work, max(ageing / 2, 1UL));
}

int npusim_hw_fdb_init(struct npusim_hw *hw)
{
	struct npusim_hw_fdb *fdb;
	unsigned int i;

	fdb = kvzalloc(sizeof(*fdb), GFP_KERNEL);
	if (!fdb)
		return -ENOMEM;
	spin_lock_init(&fdb->lock);
	for (i = 0; i < NPUSIM_HW_FDB_BUCKETS; i++)
		seqcount_spinlock_init(&fdb->seq[i], &fdb->lock);
	fdb->ageing = msecs_to_jiffies(300 * 1000);
	INIT_DELAYED_WORK(&fdb->age_work, npusim_hw_fdb_age_work);
	hw->fdb = fdb;
	queue_delayed_work(system_wq, &fdb->age_work, fdb->ageing / 2);
	return 0;
}

void npusim_hw_fdb_fini(struct npusim_hw *hw)
{
	cancel_delayed_work_sync(&hw->fdb->age_work);
	kvfree(hw->fdb);
	hw->fdb = NULL;
}
