// SPDX-License-Identifier: GPL-2.0
/*
 * npusim ports: devlink port + netdev, transmit and NAPI receive.
 *
 * Transmit hands the packet to the emulated MAC, which segments and
 * checksums it and puts the frames on the port's wire.  Receive is
 * interrupt driven: the MAC raises its RX interrupt and NAPI drains the
 * port's ingress FIFO through the NPU's packet engine, which forwards
 * offloaded flows itself and hands everything else to the stack (GRO).
 */

#include <linux/etherdevice.h>
#include <linux/error-injection.h>
#include <linux/netdevice.h>
#include <net/devlink.h>
#include <net/netdev_queues.h>
#include <net/pkt_cls.h>

#include "npusim.h"
#include "trace.h"

/*
 * Set the carrier from the link status read under the carrier lock.
 * Both writers, the link interrupt and ndo_open, read and write under
 * it, so their writes land in the order of their reads, and every link
 * change is followed by a link interrupt: the last write is always the
 * current status.  Without the lock, ndo_open could read "up", lose the
 * CPU while the peer goes down and its interrupt sets our carrier off,
 * then set it on.
 */
static void npusim_port_carrier_update(struct npusim_port *port)
{
	spin_lock_bh(&port->carrier_lock);
	if (npusim_hw_port_link_up(port->hw_port))
		netif_carrier_on(port->ndev);
	else
		netif_carrier_off(port->ndev);
	spin_unlock_bh(&port->carrier_lock);
}

static void npusim_port_irq(void *ctx, u32 cause)
{
	struct npusim_port *port = ctx;

	if (cause & NPUSIM_HW_IRQ_RX)
		napi_schedule(&port->napi);
	if (cause & NPUSIM_HW_IRQ_LINK)
		npusim_port_carrier_update(port);
}

static int npusim_napi_poll(struct napi_struct *napi, int budget)
{
	struct npusim_port *port = container_of(napi, struct npusim_port, napi);
	struct npusim_hw_rx_status st;
	struct sk_buff *skb;
	int done = 0;

	while (done < budget &&
	       (skb = npusim_hw_port_rx(port->hw_port, &st))) {
		done++;
		trace_npusim_punt(port->ndev, st.reason, skb->len);
		npusim_trap_report(port, skb, st.reason);
		if (st.l4_csum_ok)
			skb->ip_summed = CHECKSUM_UNNECESSARY;
		skb->offload_fwd_mark = st.fwd_mark;
		skb->protocol = eth_type_trans(skb, port->ndev);
		napi_gro_receive(napi, skb);
	}
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

static int npusim_open(struct net_device *ndev)
{
	struct npusim_port *port = netdev_priv(ndev);

	napi_enable(&port->napi);
	npusim_hw_port_enable(port->hw_port, true);
	/* Enabling a port interrupts its peer only: read our own link. */
	npusim_port_carrier_update(port);
	netif_start_queue(ndev);
	return 0;
}

static int npusim_stop(struct net_device *ndev)
{
	struct npusim_port *port = netdev_priv(ndev);

	netif_tx_disable(ndev);
	/* No interrupt and no frame arrives after this returns. */
	npusim_hw_port_enable(port->hw_port, false);
	napi_disable(&port->napi);
	netif_carrier_off(ndev);
	return 0;
}

static netdev_tx_t npusim_start_xmit(struct sk_buff *skb,
				     struct net_device *ndev)
{
	struct npusim_port *port = netdev_priv(ndev);

	skb_tx_timestamp(skb);
	npusim_hw_port_xmit(port->hw_port, skb);
	return NETDEV_TX_OK;
}

static void npusim_get_stats64(struct net_device *ndev,
			       struct rtnl_link_stats64 *stats)
{
	struct npusim_port *port = netdev_priv(ndev);
	struct npusim_hw_port_mib mib;

	npusim_hw_port_read_mib(port->hw_port, &mib);
	stats->rx_packets = mib.rx_frames;
	stats->rx_bytes = mib.rx_octets;
	stats->tx_packets = mib.tx_frames;
	stats->tx_bytes = mib.tx_octets;
	stats->rx_over_errors = mib.rx_fifo_drops;
	stats->rx_fifo_errors = mib.rx_ingress_drops;
	stats->rx_length_errors = mib.rx_oversize_drops;
	stats->rx_crc_errors = mib.rx_crc_errors;
	stats->rx_errors = mib.rx_oversize_drops + mib.rx_crc_errors;
	stats->rx_dropped = mib.rx_fifo_drops + mib.rx_ingress_drops +
			    mib.rx_oversize_drops + mib.rx_punt_drops;
	stats->tx_dropped = mib.tx_link_drops;
	stats->tx_errors = mib.tx_errors;
}

static int npusim_change_mtu(struct net_device *ndev, int new_mtu)
{
	struct npusim_port *port = netdev_priv(ndev);

	WRITE_ONCE(ndev->mtu, new_mtu);
	npusim_hw_port_set_mru(port->hw_port, new_mtu);
	return 0;
}

static int npusim_setup_tc(struct net_device *ndev, enum tc_setup_type type,
			   void *type_data)
{
	switch (type) {
	case TC_SETUP_FT:
		return npusim_ft_setup(netdev_priv(ndev), type_data);
	case TC_SETUP_BLOCK:
		return npusim_tc_setup_block(netdev_priv(ndev), type_data);
	default:
		return -EOPNOTSUPP;
	}
}

/* Program the MAC for the features that it implements. */
static void npusim_port_features_apply(struct npusim_port *port,
				       netdev_features_t features)
{
	npusim_hw_port_set_rx_csum(port->hw_port, features & NETIF_F_RXCSUM);
	npusim_hw_port_set_rx_gro_hw(port->hw_port, features & NETIF_F_GRO_HW);
	npusim_hw_port_set_loopback(port->hw_port, features & NETIF_F_LOOPBACK);
}

/*
 * Hardware GRO hands the host packets that software GRO would have
 * merged: off with GRO, so that "gro off" shows the frames one by one
 * (the core drops it without the receive checksum check).
 */
static netdev_features_t npusim_fix_features(struct net_device *ndev,
					     netdev_features_t features)
{
	if (!(features & NETIF_F_GRO))
		features &= ~NETIF_F_GRO_HW;
	return features;
}

static int npusim_set_features(struct net_device *ndev,
			       netdev_features_t features)
{
	netdev_features_t changed = ndev->features ^ features;

	/* Offloaded flows would keep running behind the user's back. */
	if ((changed & NETIF_F_HW_TC) && !(features & NETIF_F_HW_TC) &&
	    npusim_ft_port_bound(netdev_priv(ndev))) {
		netdev_err(ndev, "Cannot disable hw-tc-offload while an offload flowtable uses the port\n");
		return -EBUSY;
	}
	if ((changed & NETIF_F_HW_TC) && !(features & NETIF_F_HW_TC) &&
	    npusim_tc_port_offloads(netdev_priv(ndev))) {
		netdev_err(ndev, "Cannot disable hw-tc-offload while flower rules of the port are offloaded\n");
		return -EBUSY;
	}
	npusim_port_features_apply(netdev_priv(ndev), features);
	return 0;
}

#ifdef NPUSIM_HAVE_QSTATS
/*
 * Queue statistics (netdev qstats): one RX queue, what the host took from
 * the port's RX ring, and one TX queue, what the host sent.  The frames
 * the NPU forwarded, and those received but not (yet) passed to the
 * host, are the device's base, so that the device's total is what
 * ndo_get_stats64 reports.  The MIB's counters are read one by one
 * while traffic runs: a difference may not go below zero.
 */
static u64 npusim_qstats_sub(u64 a, u64 b)
{
	return a > b ? a - b : 0;
}

static void npusim_qstats_rx(struct net_device *ndev, int idx,
			     struct netdev_queue_stats_rx *rx)
{
	struct npusim_port *port = netdev_priv(ndev);
	struct npusim_hw_port_mib mib;

	npusim_hw_port_read_mib(port->hw_port, &mib);
	rx->packets = mib.rx_cpu_frames;
	rx->bytes = mib.rx_cpu_octets;
	rx->csum_unnecessary = mib.rx_csum_good;
	rx->csum_bad = mib.rx_csum_bad;
	rx->hw_gro_packets = mib.rx_gro_hw_packets;
	rx->hw_gro_wire_packets = mib.rx_gro_hw_frames;
}

static void npusim_qstats_tx(struct net_device *ndev, int idx,
			     struct netdev_queue_stats_tx *tx)
{
	struct npusim_port *port = netdev_priv(ndev);
	struct npusim_hw_port_mib mib;

	npusim_hw_port_read_mib(port->hw_port, &mib);
	tx->packets = npusim_qstats_sub(mib.tx_frames, mib.tx_npu_fwd_frames);
	tx->bytes = npusim_qstats_sub(mib.tx_octets, mib.tx_npu_fwd_octets);
}

static void npusim_qstats_base(struct net_device *ndev,
			       struct netdev_queue_stats_rx *rx,
			       struct netdev_queue_stats_tx *tx)
{
	struct npusim_port *port = netdev_priv(ndev);
	struct npusim_hw_port_mib mib;

	npusim_hw_port_read_mib(port->hw_port, &mib);
	rx->packets = npusim_qstats_sub(mib.rx_frames, mib.rx_cpu_frames);
	rx->bytes = npusim_qstats_sub(mib.rx_octets, mib.rx_cpu_octets);
	rx->csum_unnecessary = 0;
	rx->csum_bad = 0;
	tx->packets = mib.tx_npu_fwd_frames;
	tx->bytes = mib.tx_npu_fwd_octets;
}

static const struct netdev_stat_ops npusim_stat_ops = {
	.get_queue_stats_rx	= npusim_qstats_rx,
	.get_queue_stats_tx	= npusim_qstats_tx,
	.get_base_stats		= npusim_qstats_base,
};
#endif /* NPUSIM_HAVE_QSTATS */

#ifndef NPUSIM_HAVE_NETDEV_DEVLINK_PORT
static struct devlink_port *npusim_get_devlink_port(struct net_device *ndev)
{
	struct npusim_port *port = netdev_priv(ndev);

	return &port->dl_port;
}
#endif

const struct net_device_ops npusim_netdev_ops = {
	.ndo_open		= npusim_open,
	.ndo_stop		= npusim_stop,
	.ndo_start_xmit		= npusim_start_xmit,
	.ndo_get_stats64	= npusim_get_stats64,
	.ndo_change_mtu		= npusim_change_mtu,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_setup_tc		= npusim_setup_tc,
	.ndo_fix_features	= npusim_fix_features,
	.ndo_set_features	= npusim_set_features,
#ifndef NPUSIM_HAVE_NETDEV_DEVLINK_PORT
	.ndo_get_devlink_port	= npusim_get_devlink_port,
#endif
};

/**
 * npusim_netdev_is_port() - whether a netdev is an npusim port
 * @ndev: the netdev
 *
 * Return: true if @ndev belongs to this driver.
 */
bool npusim_netdev_is_port(const struct net_device *ndev)
{
	return ndev->netdev_ops == &npusim_netdev_ops;
}

/**
 * npusim_port_create() - create a port: devlink port and netdev
 * @nsim_dev: the device, with its devlink instance locked
 * @index: port number
 *
 * The netdev is created in the devlink instance's network namespace.
 *
 * Return: the port, or an ERR_PTR().
 */
struct npusim_port *npusim_port_create(struct npusim_dev *nsim_dev,
				       unsigned int index)
{
	struct devlink *devlink = npusim_devlink(nsim_dev);
	struct devlink_port_attrs attrs = {};
	struct npusim_port *port;
	struct net_device *ndev;
	u8 addr[ETH_ALEN];
	int err;

	ndev = alloc_etherdev(sizeof(*port));
	if (!ndev)
		return ERR_PTR(-ENOMEM);
	SET_NETDEV_DEV(ndev, &nsim_dev->bus_dev->dev);
	dev_net_set(ndev, devlink_net(devlink));

	port = netdev_priv(ndev);
	port->ndev = ndev;
	port->nsim_dev = nsim_dev;
	port->index = index;
	port->hw_port = npusim_hw_port_get(nsim_dev->hw, index);
	spin_lock_init(&port->carrier_lock);

	ndev->netdev_ops = &npusim_netdev_ops;
	ndev->ethtool_ops = &npusim_ethtool_ops;
#ifdef NPUSIM_HAVE_QSTATS
	ndev->stat_ops = &npusim_stat_ops;
#endif
	ndev->hw_features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_TSO |
			    NETIF_F_TSO6 | NETIF_F_TSO_ECN | NETIF_F_HW_TC |
			    NETIF_F_RXCSUM | NETIF_F_GRO_HW;
	ndev->features = ndev->hw_features | NETIF_F_HIGHDMA;
	ndev->hw_features |= NETIF_F_LOOPBACK;
	ndev->vlan_features = ndev->features & ~(NETIF_F_HW_TC | NETIF_F_GRO_HW);
	ndev->min_mtu = NPUSIM_HW_MIN_MRU;
	ndev->max_mtu = NPUSIM_HW_MAX_MRU;
	npusim_hw_port_mac_addr(port->hw_port, addr);
	eth_hw_addr_set(ndev, addr);

	npusim_hw_port_set_mru(port->hw_port, ndev->mtu);
	npusim_port_features_apply(port, ndev->features);
	npusim_hw_port_set_irq(port->hw_port, npusim_port_irq, port);
	netif_napi_add(ndev, &port->napi, npusim_napi_poll);
	netif_carrier_off(ndev);

	attrs.flavour = DEVLINK_PORT_FLAVOUR_PHYSICAL;
	attrs.phys.port_number = index;
	attrs.switch_id = nsim_dev->switch_id;
	devlink_port_attrs_set(&port->dl_port, &attrs);
	err = devl_port_register(devlink, &port->dl_port, index);
	if (err)
		goto err_free_netdev;
#ifdef NPUSIM_HAVE_NETDEV_DEVLINK_PORT
	SET_NETDEV_DEVLINK_PORT(ndev, &port->dl_port);
#endif

	err = register_netdev(ndev);
	if (err)
		goto err_port_unregister;
#ifndef NPUSIM_HAVE_NETDEV_DEVLINK_PORT
	devlink_port_type_eth_set(&port->dl_port, ndev);
#endif

	npusim_port_debugfs_init(port);
	return port;

err_port_unregister:
	devl_port_unregister(&port->dl_port);
err_free_netdev:
	netif_napi_del(&port->napi);
	npusim_hw_port_set_irq(port->hw_port, NULL, NULL);
	free_netdev(ndev);
	return ERR_PTR(err);
}
ALLOW_ERROR_INJECTION(npusim_port_create, ERRNO);

/**
 * npusim_port_destroy() - destroy a port created by npusim_port_create()
 * @port: the port; freed on return
 *
 * Unregistering the netdev stops the port's MAC, so its peer sees the
 * link go down; the wire itself stays plugged.
 */
void npusim_port_destroy(struct npusim_port *port)
{
	struct net_device *ndev = port->ndev;

	npusim_port_debugfs_exit(port);
#ifndef NPUSIM_HAVE_NETDEV_DEVLINK_PORT
	devlink_port_type_clear(&port->dl_port);
#endif
	unregister_netdev(ndev);
	npusim_switch_port_fini(port);
	devl_port_unregister(&port->dl_port);
	netif_napi_del(&port->napi);
	npusim_hw_port_set_irq(port->hw_port, NULL, NULL);
	free_netdev(ndev);
}
