// SPDX-License-Identifier: GPL-2.0
/*
 * npusim emulated hardware: wires between ports.
 *
 * A wire joins two ports of the same chip or of different chips.  A
 * frame crossing it leaves one host and enters another: the receiver
 * owns it alone, and every piece of host state (socket, conntrack, dst,
 * mark, timestamps, checksum state) is stripped.
 */

#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include "hw.h"

/* Serialises plugging, unplugging and enabling ports on any chip. */
static DEFINE_MUTEX(npusim_hw_wiring_lock);

void npusim_hw_wire_lock(void)
{
	mutex_lock(&npusim_hw_wiring_lock);
}

void npusim_hw_wire_unlock(void)
{
	mutex_unlock(&npusim_hw_wiring_lock);
}

/* Tell the port's host that its link status may have changed. */
void npusim_hw_wire_notify(struct npusim_hw_port *port)
{
	lockdep_assert_held(&npusim_hw_wiring_lock);
	npusim_hw_port_raise_irq(port, NPUSIM_HW_IRQ_LINK);
}

/**
 * npusim_hw_wire_connect() - plug a wire between two ports
 * @a: one port
 * @b: the other port
 *
 * Return: 0; -EINVAL if @a and @b are the same port; -EBUSY if either
 * already has a wire.
 */
int npusim_hw_wire_connect(struct npusim_hw_port *a, struct npusim_hw_port *b)
{
	int err = 0;

	if (a == b)
		return -EINVAL;

	npusim_hw_wire_lock();
	if (rcu_access_pointer(a->peer) || rcu_access_pointer(b->peer)) {
		err = -EBUSY;
		goto out;
	}
	rcu_assign_pointer(a->peer, b);
	rcu_assign_pointer(b->peer, a);
	npusim_hw_wire_notify(a);
	npusim_hw_wire_notify(b);
out:
	npusim_hw_wire_unlock();
	return err;
}

/**
 * npusim_hw_wire_disconnect() - unplug the wire of a port
 * @port: either end
 *
 * Both ends lose their link.  Frames already on the wire may still
 * arrive; the ports stay valid until their chips are destroyed.
 *
 * Return: 0, or -ENOTCONN if the port has no wire.
 */
int npusim_hw_wire_disconnect(struct npusim_hw_port *port)
{
	struct npusim_hw_port *peer;
	int err = 0;

	npusim_hw_wire_lock();
	peer = rcu_dereference_protected(port->peer,
					 lockdep_is_held(&npusim_hw_wiring_lock));
	if (!peer) {
		err = -ENOTCONN;
		goto out;
	}
	RCU_INIT_POINTER(port->peer, NULL);
	RCU_INIT_POINTER(peer->peer, NULL);
	npusim_hw_wire_notify(port);
	npusim_hw_wire_notify(peer);
out:
	npusim_hw_wire_unlock();
	return err;
}

/**
 * npusim_hw_wire_connected() - whether a port has a wire
 * @port: the port
 *
 * Return: true if the port is wired to another port.
 */
bool npusim_hw_wire_connected(struct npusim_hw_port *port)
{
	return rcu_access_pointer(port->peer);
}

/**
 * npusim_hw_wire_take() - take a frame off the sending host
 * @skb: the frame, as the host or the packet engine hands it to a MAC
 *
 * A frame crosses a wire as bytes and lands in a buffer the receiving
 * MAC owns.  Here the skb itself crosses, so it must stop being the
 * sender's first: whoever receives it writes into its head and shared
 * info (GRO moves frags between skbs, chains frag_list members and
 * resets the data reference count, the packet engine rewrites headers),
 * which would corrupt a sender that still holds them.  Senders do:
 * TCP transmits clones of the skbs in its retransmit queue,
 * skb_segment() cuts clones out of frag_list members, a packet tap
 * holds a clone, pktgen shares one skb.  So a shared skb is cloned, a
 * clone gets a private head and shared info, zero-copy frags are
 * copied, and the socket gets its buffer space back.  Page frags stay
 * shared, with their own references: npusim_hw_wire_carry() marks them
 * shared for the receiving host, and the engine pulls what it rewrites
 * into the head first.
 *
 * Called with BHs or IRQs disabled (netpoll).
 *
 * Return: the frame, or NULL if it was dropped for want of memory.
 */
struct sk_buff *npusim_hw_wire_take(struct sk_buff *skb)
{
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb)
		return NULL;
	if (skb_unclone(skb, GFP_ATOMIC) || skb_orphan_frags_rx(skb, GFP_ATOMIC)) {
		dev_kfree_skb_any_reason(skb, SKB_DROP_REASON_NOMEM);
		return NULL;
	}
	skb_orphan(skb);
	return skb;
}

/**
 * npusim_hw_wire_share_frags() - mark a frame's page frags shared
 * @skb: a frame that crossed a wire
 *
 * Its page frags are still the sender's pages: the receiving host must
 * copy them before it writes into them in place (as ESP input, or a
 * checksum completion, would).  A burst is marked once it reaches a
 * host whole, or its frames once it is cut (the MAC reads their
 * payload to sum it, and nothing writes into it before).
 */
void npusim_hw_wire_share_frags(struct sk_buff *skb)
{
	if (skb_shinfo(skb)->nr_frags)
		skb_shinfo(skb)->flags |= SKBFL_SHARED_FRAG;
}

/*
 * Carry a frame taken with npusim_hw_wire_take() to the port at the far
 * end.  Under RCU, BHs or IRQs disabled.  Every piece of host state is
 * stripped, and a wire carries no checksum state: the receiving MAC
 * sees a frame whose checksums nobody has verified yet.  Its page frags
 * are still the sender's pages: they are marked shared (a burst's
 * later, see npusim_hw_wire_share_frags()).  A burst keeps its partial
 * checksum and GSO fields (npusim_hw_port_tx()).
 */
void npusim_hw_wire_carry(struct npusim_hw_port *to, struct sk_buff *skb)
{
	if (!skb_is_gso(skb))
		npusim_hw_wire_share_frags(skb);
	skb_scrub_packet(skb, true);
	skb->encapsulation = 0;
	skb->priority = 0;
	skb->dev = NULL;
	skb->ip_summed = skb_is_gso(skb) ? CHECKSUM_PARTIAL : CHECKSUM_NONE;
	skb->csum_level = 0;
	npusim_hw_port_receive(to, skb);
}
