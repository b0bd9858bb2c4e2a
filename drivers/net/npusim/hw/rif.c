// SPDX-License-Identifier: GPL-2.0
/*
 * npusim emulated hardware: router interface counters.
 *
 * Each port has counter blocks for its router interfaces, one per VLAN
 * id, that the driver enables and disables one by one, like the RIF
 * counter sets of a switch ASIC.  Only an enabled block counts: the
 * packet engine looks it up without a lock (the blocks of a port are an
 * RCU-safe xarray) and bumps its atomic counters; reading a block
 * returns and clears its counts, so that each read is what happened
 * since the previous one.
 */

#include <linux/if_vlan.h>
#include <linux/slab.h>

#include "hw.h"

/**
 * npusim_hw_rif_counters_enable() - give a router interface a counter block
 * @port: the port
 * @vid: NPUSIM_HW_RIF_UNTAGGED or a VLAN id, below VLAN_N_VID
 *
 * The block starts at zero.  Process context.
 *
 * Return: 0; -EINVAL for a bad @vid, -EBUSY if the block is already
 * enabled, -ENOMEM.
 */
int npusim_hw_rif_counters_enable(struct npusim_hw_port *port, u16 vid)
{
	struct npusim_hw_rif *rif;
	int err;

	if (vid >= VLAN_N_VID)
		return -EINVAL;
	rif = kzalloc(sizeof(*rif), GFP_KERNEL);
	if (!rif)
		return -ENOMEM;
	err = xa_insert(&port->rifs, vid, rif, GFP_KERNEL);
	if (err)
		kfree(rif);
	return err;
}

/**
 * npusim_hw_rif_counters_disable() - take a router interface's counter block
 * @port: the port
 * @vid: as given to npusim_hw_rif_counters_enable()
 *
 * What the block counted since it was last read is lost.  Nothing
 * happens if the block is not enabled.  Process context.
 */
void npusim_hw_rif_counters_disable(struct npusim_hw_port *port, u16 vid)
{
	struct npusim_hw_rif *rif;

	rif = xa_erase(&port->rifs, vid);
	if (rif)
		kfree_rcu(rif, rcu);
}

/**
 * npusim_hw_rif_counters_enabled() - whether a router interface counts
 * @port: the port
 * @vid: as given to npusim_hw_rif_counters_enable()
 *
 * Return: true if its counter block is enabled.
 */
bool npusim_hw_rif_counters_enabled(struct npusim_hw_port *port, u16 vid)
{
	return xa_load(&port->rifs, vid);
}

/**
 * npusim_hw_rif_counters_fetch_clear() - read and clear a counter block
 * @port: the port
 * @vid: as given to npusim_hw_rif_counters_enable()
 * @st: filled with the counts since the previous read (or the enable)
 *
 * Each counter is read and cleared in one atomic step, so no count is
 * lost or counted twice by consecutive reads.
 *
 * Return: 0, or -ENOENT if the block is not enabled.
 */
int npusim_hw_rif_counters_fetch_clear(struct npusim_hw_port *port, u16 vid,
				       struct npusim_hw_rif_stats *st)
{
	struct npusim_hw_rif *rif;
	int err = -ENOENT;

	rcu_read_lock();
	rif = xa_load(&port->rifs, vid);
	if (rif) {
		st->rx_frames = atomic64_xchg(&rif->rx_frames, 0);
		st->rx_octets = atomic64_xchg(&rif->rx_octets, 0);
		st->tx_frames = atomic64_xchg(&rif->tx_frames, 0);
		st->tx_octets = atomic64_xchg(&rif->tx_octets, 0);
		err = 0;
	}
	rcu_read_unlock();
	return err;
}

/*
 * Packet engine: count a frame of @len bytes in the block of the
 * router interface @vid of @port (NPUSIM_HW_RIF_NONE: none), received
 * or, if @tx, sent.  Under RCU.
 */
void npusim_hw_rif_count(struct npusim_hw_port *port, int vid, bool tx,
			 unsigned int frames, unsigned int len)
{
	struct npusim_hw_rif *rif;

	if (vid == NPUSIM_HW_RIF_NONE || xa_empty(&port->rifs))
		return;
	rif = xa_load(&port->rifs, vid);
	if (!rif)
		return;
	if (tx) {
		atomic64_add(frames, &rif->tx_frames);
		atomic64_add(len, &rif->tx_octets);
	} else {
		atomic64_add(frames, &rif->rx_frames);
		atomic64_add(len, &rif->rx_octets);
	}
}

/* The port goes away: free the blocks the driver left enabled. */
void npusim_hw_rif_fini(struct npusim_hw_port *port)
{
	struct npusim_hw_rif *rif;
	unsigned long vid;

	xa_for_each(&port->rifs, vid, rif) {
		xa_erase(&port->rifs, vid);
		kfree_rcu(rif, rcu);
	}
	xa_destroy(&port->rifs);
}
