// SPDX-License-Identifier: GPL-2.0
/*
 * npusim emulated hardware: wires between ports.
 *
 * A wire joins two ports of the same chip or of different chips.  A
 * frame crossing it leaves one host and enters another: every piece of
 * host state (socket, conntrack, dst, mark, timestamps) is stripped.
 */

#include <linux/mutex.h>
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

/*
 * Carry a frame to the port at the far end.  Under RCU, BHs disabled.
 * Transmission is complete once the frame is on the wire: the sending
 * socket gets its buffer space back, zero-copy pages are copied.
 */
void npusim_hw_wire_carry(struct npusim_hw_port *to, struct sk_buff *skb)
{
	if (skb_orphan_frags_rx(skb, GFP_ATOMIC)) {
		kfree_skb(skb);
		return;
	}
	skb_orphan(skb);
	skb_scrub_packet(skb, true);
	skb->encapsulation = 0;
	skb->priority = 0;
	skb->dev = NULL;
	npusim_hw_port_receive(to, skb);
}
