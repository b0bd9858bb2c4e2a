// SPDX-License-Identifier: GPL-2.0
/*
 * npusim devlink traps: one trap per reason for which the packet engine
 * passes a frame to the host instead of forwarding it (enum
 * npusim_hw_punt).  Every frame the host takes from a port's RX ring is
 * reported to devlink with its reason, so that `devlink -s trap show`
 * counts what `ethtool -S` calls rx_punt_*, and the devlink_trap_report
 * tracepoint (drop monitor, perf) sees each trapped frame with its
 * ingress port.
 *
 * Most reasons are exceptions the host must resolve (a flow the NPU
 * does not know, an expiring TTL, a frame larger than the egress MTU),
 * so their action is fixed.  The engine could just as well drop frames
 * it cannot parse (IPv4 options, fragments, IPv6 extension headers), as
 * a router that filters them would: those are drop traps whose action
 * can be set to drop in the chip's punt action register.
 */

#include <net/devlink.h>

#include "npusim.h"

enum {
	NPUSIM_TRAP_GROUP_ID_FLOW = DEVLINK_TRAP_GROUP_GENERIC_ID_MAX + 1,
};

enum {
	NPUSIM_TRAP_ID_BASE = DEVLINK_TRAP_GENERIC_ID_MAX,
	NPUSIM_TRAP_ID_FLOW_MISS,
	NPUSIM_TRAP_ID_TCP_FIN_RST,
	NPUSIM_TRAP_ID_IPV4_OPTIONS,
	NPUSIM_TRAP_ID_IPV4_FRAGMENT,
	NPUSIM_TRAP_ID_IPV6_EXT_HEADER,
	NPUSIM_TRAP_ID_FLOW_UNSUPPORTED,
	NPUSIM_TRAP_ID_FLOW_UNBOUND,
};

#define NPUSIM_TRAP_GROUP_FLOW_NAME	"flow_offload"

#define NPUSIM_TRAP_META	DEVLINK_TRAP_METADATA_TYPE_F_IN_PORT

#define NPUSIM_TRAP_GENERIC(_id, _group)				\
	DEVLINK_TRAP_GENERIC(EXCEPTION, TRAP, _id,			\
			     DEVLINK_TRAP_GROUP_GENERIC_ID_##_group,	\
			     NPUSIM_TRAP_META)

#define NPUSIM_TRAP_DRIVER(_type, _id, _name, _group_id)		\
	DEVLINK_TRAP_DRIVER(_type, TRAP, NPUSIM_TRAP_ID_##_id, _name,	\
			    _group_id, NPUSIM_TRAP_META)

static const struct devlink_trap_group npusim_trap_groups[] = {
	DEVLINK_TRAP_GROUP_GENERIC(L3_EXCEPTIONS, 0),
	DEVLINK_TRAP_GROUP_GENERIC(L3_DROPS, 0),
	{
		.name = NPUSIM_TRAP_GROUP_FLOW_NAME,
		.id = NPUSIM_TRAP_GROUP_ID_FLOW,
		.generic = false,
	},
};

/* All driver-specific traps are documented in devlink/npusim.rst. */
static const struct devlink_trap npusim_traps[] = {
	[NPUSIM_HW_PUNT_MISS] =
		NPUSIM_TRAP_DRIVER(EXCEPTION, FLOW_MISS, "flow_miss",
				   NPUSIM_TRAP_GROUP_ID_FLOW),
	[NPUSIM_HW_PUNT_TCP_FLAGS] =
		NPUSIM_TRAP_DRIVER(EXCEPTION, TCP_FIN_RST, "tcp_fin_rst",
				   NPUSIM_TRAP_GROUP_ID_FLOW),
	[NPUSIM_HW_PUNT_TTL] =
		NPUSIM_TRAP_GENERIC(TTL_ERROR, L3_EXCEPTIONS),
	[NPUSIM_HW_PUNT_IP_OPTIONS] =
		NPUSIM_TRAP_DRIVER(DROP, IPV4_OPTIONS, "ipv4_options",
				   DEVLINK_TRAP_GROUP_GENERIC_ID_L3_DROPS),
	[NPUSIM_HW_PUNT_FRAGMENT] =
		NPUSIM_TRAP_DRIVER(DROP, IPV4_FRAGMENT, "ipv4_fragment",
				   DEVLINK_TRAP_GROUP_GENERIC_ID_L3_DROPS),
	[NPUSIM_HW_PUNT_IPV6_EXT] =
		NPUSIM_TRAP_DRIVER(DROP, IPV6_EXT_HEADER, "ipv6_ext_header",
				   DEVLINK_TRAP_GROUP_GENERIC_ID_L3_DROPS),
	[NPUSIM_HW_PUNT_MTU] =
		NPUSIM_TRAP_GENERIC(MTU_ERROR, L3_EXCEPTIONS),
	[NPUSIM_HW_PUNT_UNSUPPORTED] =
		NPUSIM_TRAP_DRIVER(EXCEPTION, FLOW_UNSUPPORTED,
				   "flow_unsupported",
				   NPUSIM_TRAP_GROUP_ID_FLOW),
	[NPUSIM_HW_PUNT_UNBOUND] =
		NPUSIM_TRAP_DRIVER(EXCEPTION, FLOW_UNBOUND, "flow_unbound",
				   NPUSIM_TRAP_GROUP_ID_FLOW),
};

static_assert(ARRAY_SIZE(npusim_traps) == NPUSIM_HW_PUNT_MAX);

/* The punt reason of a registered trap, or NPUSIM_HW_PUNT_MAX. */
static enum npusim_hw_punt npusim_trap_reason(const struct devlink_trap *trap)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(npusim_traps); i++)
		if (npusim_traps[i].id == trap->id)
			return i;
	return NPUSIM_HW_PUNT_MAX;
}

/* devlink ops (dev.c) */
int npusim_trap_init(struct devlink *devlink, const struct devlink_trap *trap,
		     void *trap_ctx)
{
	struct npusim_dev *nsim_dev = devlink_priv(devlink);
	enum npusim_hw_punt reason = npusim_trap_reason(trap);

	if (WARN_ON(reason == NPUSIM_HW_PUNT_MAX))
		return -EINVAL;
	WRITE_ONCE(nsim_dev->trap_ctx[reason], trap_ctx);
	return 0;
}

int npusim_trap_action_set(struct devlink *devlink,
			   const struct devlink_trap *trap,
			   enum devlink_trap_action action,
			   struct netlink_ext_ack *extack)
{
	struct npusim_dev *nsim_dev = devlink_priv(devlink);
	enum npusim_hw_punt reason = npusim_trap_reason(trap);

	if (WARN_ON(reason == NPUSIM_HW_PUNT_MAX))
		return -EINVAL;
	switch (action) {
	case DEVLINK_TRAP_ACTION_TRAP:
	case DEVLINK_TRAP_ACTION_DROP:
		npusim_hw_punt_drop(nsim_dev->hw, reason,
				    action == DEVLINK_TRAP_ACTION_DROP);
		return 0;
	default:
		NL_SET_ERR_MSG_MOD(extack,
				   "The NPU can pass a frame to the host or drop it, not both forward and copy it");
		return -EOPNOTSUPP;
	}
}

int npusim_trap_drop_counter_get(struct devlink *devlink,
				 const struct devlink_trap *trap, u64 *p_drops)
{
	struct npusim_dev *nsim_dev = devlink_priv(devlink);
	enum npusim_hw_punt reason = npusim_trap_reason(trap);
	struct npusim_hw_port_mib mib;
	unsigned int i;

	if (WARN_ON(reason == NPUSIM_HW_PUNT_MAX))
		return -EINVAL;
	*p_drops = 0;
	for (i = 0; i < nsim_dev->port_count; i++) {
		npusim_hw_port_read_mib(npusim_hw_port_get(nsim_dev->hw, i), &mib);
		*p_drops += mib.rx_punt_drop[reason];
	}
	return 0;
}

/**
 * npusim_trap_report() - report a frame the NPU passed to the host
 * @port: the port that received it
 * @skb: the frame, data at the Ethernet header
 * @reason: why the packet engine did not forward it
 *
 * Counts the frame in its trap's (and trap group's) counters and feeds
 * the devlink_trap_report tracepoint.  From the port's NAPI poll.
 */
void npusim_trap_report(struct npusim_port *port, struct sk_buff *skb,
			enum npusim_hw_punt reason)
{
	struct npusim_dev *nsim_dev = port->nsim_dev;
	void *ctx;

	if (reason >= NPUSIM_HW_PUNT_MAX)
		return;
	ctx = READ_ONCE(nsim_dev->trap_ctx[reason]);
	if (ctx)
		devlink_trap_report(npusim_devlink(nsim_dev), skb, ctx,
				    &port->dl_port, NULL);
}

/**
 * npusim_traps_register() - register the trap groups and traps
 * @nsim_dev: the device, its devlink instance locked
 *
 * Before the ports exist: their NAPI polls report to the traps.
 *
 * Return: 0 or a negative errno; nothing is left registered on error.
 */
int npusim_traps_register(struct npusim_dev *nsim_dev)
{
	struct devlink *devlink = npusim_devlink(nsim_dev);
	int err;

	err = devl_trap_groups_register(devlink, npusim_trap_groups,
					ARRAY_SIZE(npusim_trap_groups));
	if (err)
		return err;
	err = devl_traps_register(devlink, npusim_traps,
				  ARRAY_SIZE(npusim_traps), nsim_dev);
	if (err) {
		devl_trap_groups_unregister(devlink, npusim_trap_groups,
					    ARRAY_SIZE(npusim_trap_groups));
		return err;
	}
	nsim_dev->traps_registered = true;
	return 0;
}

/**
 * npusim_traps_unregister() - unregister the traps and trap groups
 * @nsim_dev: the device, its devlink instance locked, its ports gone
 *
 * Does nothing if they are not registered (a reload failed).
 */
void npusim_traps_unregister(struct npusim_dev *nsim_dev)
{
	struct devlink *devlink = npusim_devlink(nsim_dev);
	unsigned int i;

	if (!nsim_dev->traps_registered)
		return;
	nsim_dev->traps_registered = false;

	devl_traps_unregister(devlink, npusim_traps, ARRAY_SIZE(npusim_traps));
	devl_trap_groups_unregister(devlink, npusim_trap_groups,
				    ARRAY_SIZE(npusim_trap_groups));
	/* Unregistering set every trap to drop: back to the reset value. */
	for (i = 0; i < NPUSIM_HW_PUNT_MAX; i++) {
		nsim_dev->trap_ctx[i] = NULL;
		npusim_hw_punt_drop(nsim_dev->hw, i, false);
	}
}
