// SPDX-License-Identifier: GPL-2.0
/*
 * npusim ethtool: driver info and per-port counters (ethtool -S).
 */

#include <linux/ethtool.h>
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
};

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
		return ARRAY_SIZE(npusim_mib_stats);
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
}

static void npusim_get_ethtool_stats(struct net_device *ndev,
				     struct ethtool_stats *stats, u64 *data)
{
	struct npusim_port *port = netdev_priv(ndev);
	struct npusim_hw_port_mib mib;
	unsigned int i;

	npusim_hw_port_read_mib(port->hw_port, &mib);
	for (i = 0; i < ARRAY_SIZE(npusim_mib_stats); i++)
		*data++ = *(u64 *)((u8 *)&mib + npusim_mib_stats[i].offset);
}

const struct ethtool_ops npusim_ethtool_ops = {
	.get_drvinfo		= npusim_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= npusim_get_sset_count,
	.get_strings		= npusim_get_strings,
	.get_ethtool_stats	= npusim_get_ethtool_stats,
};
