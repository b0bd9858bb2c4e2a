// SPDX-License-Identifier: GPL-2.0
/*
 * npusim ethtool: driver info and per-port counters (ethtool -S).
 */

#include <linux/ethtool.h>
#include <linux/linkmode.h>
#include <linux/netdevice.h>

#include "npusim.h"

struct npusim_stat {
	char name[ETH_GSTRING_LEN];
	size_t offset;
};

#define NPUSIM_MIB_STAT(_name, _field) \
	{ .name = _name, .offset = offsetof(struct npusim_hw_port_mib, _field) }

static const struct npusim_stat npusim_mib_stats[] = {
	NPUSIM_MIB_STAT("rx_packets", rx_frames),
	NPUSIM_MIB_STAT("rx_bytes", rx_octets),
	NPUSIM_MIB_STAT("tx_packets", tx_frames),
	NPUSIM_MIB_STAT("tx_bytes", tx_octets),
	NPUSIM_MIB_STAT("rx_fifo_drops", rx_fifo_drops),
	NPUSIM_MIB_STAT("rx_ingress_drops", rx_ingress_drops),
	NPUSIM_MIB_STAT("rx_oversize_drops", rx_oversize_drops),
	NPUSIM_MIB_STAT("rx_crc_errors", rx_crc_errors),
	NPUSIM_MIB_STAT("tx_link_drops", tx_link_drops),
	NPUSIM_MIB_STAT("tx_errors", tx_errors),
	NPUSIM_MIB_STAT("rx_npu_fwd_packets", rx_npu_fwd_frames),
	NPUSIM_MIB_STAT("rx_npu_fwd_bytes", rx_npu_fwd_octets),
	NPUSIM_MIB_STAT("tx_npu_fwd_packets", tx_npu_fwd_frames),
	NPUSIM_MIB_STAT("tx_npu_fwd_bytes", tx_npu_fwd_octets),
	NPUSIM_MIB_STAT("rx_cpu_packets", rx_cpu_frames),
	NPUSIM_MIB_STAT("rx_cpu_bytes", rx_cpu_octets),
	NPUSIM_MIB_STAT("rx_csum_good", rx_csum_good),
	NPUSIM_MIB_STAT("rx_csum_bad", rx_csum_bad),
	NPUSIM_MIB_STAT("rx_gro_hw_packets", rx_gro_hw_packets),
	NPUSIM_MIB_STAT("rx_gro_hw_frames", rx_gro_hw_frames),
	NPUSIM_MIB_STAT("rx_l2_fwd_packets", rx_l2_fwd_frames),
	NPUSIM_MIB_STAT("rx_l2_fwd_bytes", rx_l2_fwd_octets),
	NPUSIM_MIB_STAT("tx_l2_fwd_packets", tx_l2_fwd_frames),
	NPUSIM_MIB_STAT("tx_l2_fwd_bytes", tx_l2_fwd_octets),
	NPUSIM_MIB_STAT("rx_l2_drops", rx_l2_drops),
	NPUSIM_MIB_STAT("rx_punt_miss", rx_punt[NPUSIM_HW_PUNT_MISS]),
	NPUSIM_MIB_STAT("rx_punt_tcp_flags", rx_punt[NPUSIM_HW_PUNT_TCP_FLAGS]),
	NPUSIM_MIB_STAT("rx_punt_ttl", rx_punt[NPUSIM_HW_PUNT_TTL]),
	NPUSIM_MIB_STAT("rx_punt_ip_options", rx_punt[NPUSIM_HW_PUNT_IP_OPTIONS]),
	NPUSIM_MIB_STAT("rx_punt_fragment", rx_punt[NPUSIM_HW_PUNT_FRAGMENT]),
	NPUSIM_MIB_STAT("rx_punt_ipv6_ext", rx_punt[NPUSIM_HW_PUNT_IPV6_EXT]),
	NPUSIM_MIB_STAT("rx_punt_mtu", rx_punt[NPUSIM_HW_PUNT_MTU]),
	NPUSIM_MIB_STAT("rx_punt_unsupported", rx_punt[NPUSIM_HW_PUNT_UNSUPPORTED]),
	NPUSIM_MIB_STAT("rx_punt_unbound", rx_punt[NPUSIM_HW_PUNT_UNBOUND]),
	NPUSIM_MIB_STAT("rx_punt_drops", rx_punt_drops),
	NPUSIM_MIB_STAT("engine_busy_polls", engine_busy_polls),
	NPUSIM_MIB_STAT("engine_remote_kicks", engine_remote_kicks),
};

/*
 * The whole switch's counters, shown on each of its ports after the
 * port's own: what the L2 switch and the L2 flow entries forwarded and
 * dropped on all ports, and the FDB's.
 */
static const char * const npusim_switch_stats[] = {
	"switch_l2_fwd_packets",
	"switch_l2_fwd_bytes",
	"switch_l2_drops",
	"switch_fdb_entries",
	"switch_fdb_learn_full",
	"switch_fdb_event_overflows",
};

/* npusim_get_ethtool_stats() writes them in this order */
static_assert(ARRAY_SIZE(npusim_switch_stats) == 6);

static void npusim_get_drvinfo(struct net_device *ndev,
			       struct ethtool_drvinfo *info)
{
	struct npusim_port *port = netdev_priv(ndev);
	struct npusim_dev *nsim_dev = port->nsim_dev;
	u32 fw = npusim_hw_reg_read(nsim_dev->hw, NPUSIM_HW_REG_FW_VER);

	strscpy(info->driver, DRV_NAME, sizeof(info->driver));
	strscpy(info->bus_info, dev_name(&nsim_dev->bus_dev->dev),
		sizeof(info->bus_info));
	if (fw)
		snprintf(info->fw_version, sizeof(info->fw_version),
			 "%u.%u.%u", NPUSIM_HW_FW_VER_MAJOR(fw),
			 NPUSIM_HW_FW_VER_MINOR(fw), NPUSIM_HW_FW_VER_PATCH(fw));
}

static int npusim_get_sset_count(struct net_device *ndev, int sset)
{
	switch (sset) {
	case ETH_SS_STATS:
		return ARRAY_SIZE(npusim_mib_stats) +
		       ARRAY_SIZE(npusim_switch_stats);
	default:
		return -EOPNOTSUPP;
	}
}

static void npusim_get_strings(struct net_device *ndev, u32 sset, u8 *data)
{
	unsigned int i;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < ARRAY_SIZE(npusim_mib_stats); i++)
		ethtool_puts(&data, npusim_mib_stats[i].name);
	for (i = 0; i < ARRAY_SIZE(npusim_switch_stats); i++)
		ethtool_puts(&data, npusim_switch_stats[i]);
}

static void npusim_get_ethtool_stats(struct net_device *ndev,
				     struct ethtool_stats *stats, u64 *data)
{
	struct npusim_port *port = netdev_priv(ndev);
	struct npusim_hw_port_mib mib;
	unsigned int i;

	struct npusim_dev *nsim_dev = port->nsim_dev;
	u64 fwd_packets = 0, fwd_bytes = 0, drops = 0;
	struct npusim_hw_fdb_stats fdb;

	npusim_hw_port_read_mib(port->hw_port, &mib);
	for (i = 0; i < ARRAY_SIZE(npusim_mib_stats); i++)
		*data++ = *(u64 *)((u8 *)&mib + npusim_mib_stats[i].offset);

	for (i = 0; i < nsim_dev->port_count; i++) {
		npusim_hw_port_read_mib(npusim_hw_port_get(nsim_dev->hw, i),
					&mib);
		fwd_packets += mib.rx_l2_fwd_frames;
		fwd_bytes += mib.rx_l2_fwd_octets;
		drops += mib.rx_l2_drops;
	}
	npusim_hw_fdb_stats(nsim_dev->hw, &fdb);
	*data++ = fwd_packets;
	*data++ = fwd_bytes;
	*data++ = drops;
	*data++ = npusim_hw_fdb_used(nsim_dev->hw);
	*data++ = fdb.learn_full;
	*data++ = fdb.event_overflows;
}

/* The ethtool link mode of each PHY mode (npusim_hw_phy_mode_speed()). */
static const enum ethtool_link_mode_bit_indices npusim_link_modes[] = {
	ETHTOOL_LINK_MODE_10baseT_Full_BIT,
	ETHTOOL_LINK_MODE_100baseT_Full_BIT,
	ETHTOOL_LINK_MODE_1000baseT_Full_BIT,
	ETHTOOL_LINK_MODE_2500baseT_Full_BIT,
	ETHTOOL_LINK_MODE_10000baseT_Full_BIT,
};

static_assert(ARRAY_SIZE(npusim_link_modes) == NPUSIM_HW_PHY_MODES);

static int npusim_get_link_ksettings(struct net_device *ndev,
				     struct ethtool_link_ksettings *cmd)
{
	struct npusim_port *port = netdev_priv(ndev);
	struct npusim_hw_phy_cfg cfg;
	unsigned int i;
	u32 speed;

	speed = npusim_hw_port_phy_get(port->hw_port, &cfg);
	ethtool_link_ksettings_zero_link_mode(cmd, supported);
	ethtool_link_ksettings_zero_link_mode(cmd, advertising);
	for (i = 0; i < NPUSIM_HW_PHY_MODES; i++) {
		__set_bit(npusim_link_modes[i], cmd->link_modes.supported);
		if (cfg.advertise & BIT(i))
			__set_bit(npusim_link_modes[i],
				  cmd->link_modes.advertising);
	}
	__set_bit(ETHTOOL_LINK_MODE_Autoneg_BIT, cmd->link_modes.supported);
	__set_bit(ETHTOOL_LINK_MODE_TP_BIT, cmd->link_modes.supported);
	__set_bit(ETHTOOL_LINK_MODE_TP_BIT, cmd->link_modes.advertising);
	if (cfg.autoneg)
		__set_bit(ETHTOOL_LINK_MODE_Autoneg_BIT,
			  cmd->link_modes.advertising);
	cmd->base.autoneg = cfg.autoneg ? AUTONEG_ENABLE : AUTONEG_DISABLE;
	cmd->base.port = PORT_TP;
	cmd->base.speed = speed ?: SPEED_UNKNOWN;
	cmd->base.duplex = speed ? DUPLEX_FULL : DUPLEX_UNKNOWN;
	return 0;
}

static int npusim_set_link_ksettings(struct net_device *ndev,
				     const struct ethtool_link_ksettings *cmd)
{
	struct npusim_port *port = netdev_priv(ndev);
	__ETHTOOL_DECLARE_LINK_MODE_MASK(other);
	struct npusim_hw_phy_cfg cfg;
	unsigned int i;
	int err;

	npusim_hw_port_phy_get(port->hw_port, &cfg);
	cfg.autoneg = cmd->base.autoneg == AUTONEG_ENABLE;
	if (cfg.autoneg) {
		/* Autoneg and TP may be there; any other mode must be ours. */
		linkmode_copy(other, cmd->link_modes.advertising);
		linkmode_clear_bit(ETHTOOL_LINK_MODE_Autoneg_BIT, other);
		linkmode_clear_bit(ETHTOOL_LINK_MODE_TP_BIT, other);
		cfg.advertise = 0;
		for (i = 0; i < NPUSIM_HW_PHY_MODES; i++) {
			if (!test_bit(npusim_link_modes[i], other))
				continue;
			cfg.advertise |= BIT(i);
			linkmode_clear_bit(npusim_link_modes[i], other);
		}
		if (!cfg.advertise || !linkmode_empty(other)) {
			netdev_err(ndev, "Can only advertise 10, 100, 1000, 2500 or 10000baseT/Full\n");
			return -EINVAL;
		}
	} else {
		if (cmd->base.duplex != DUPLEX_FULL &&
		    cmd->base.duplex != DUPLEX_UNKNOWN) {
			netdev_err(ndev, "The PHY only does full duplex\n");
			return -EINVAL;
		}
		cfg.speed = cmd->base.speed;
	}
	err = npusim_hw_port_phy_set(port->hw_port, &cfg);
	if (err)
		netdev_err(ndev, "The PHY cannot force %u Mb/s\n", cfg.speed);
	return err;
}

const struct ethtool_ops npusim_ethtool_ops = {
	.get_drvinfo		= npusim_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_link_ksettings	= npusim_get_link_ksettings,
	.set_link_ksettings	= npusim_set_link_ksettings,
	.get_sset_count		= npusim_get_sset_count,
	.get_strings		= npusim_get_strings,
	.get_ethtool_stats	= npusim_get_ethtool_stats,
};
