/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npusim: what differs between the kernels npusim builds for.
 *
 * npusim is written for Debian 12's 6.12 kernel; it also builds for
 * Debian 12's default kernel, 6.1.  This header bridges the kernel
 * APIs that changed in between, keyed on the kernel version (or on a
 * macro's presence).  On 6.12 every definition here is the kernel's
 * own, unchanged.  A feature that 6.1 lacks is compiled out, never
 * emulated: see NPUSIM_HAVE_* below and README.md.
 */
#ifndef _NPUSIM_COMPAT_H
#define _NPUSIM_COMPAT_H

#include <linux/version.h>
#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <linux/skbuff.h>
#include <net/devlink.h>
#include <net/flow_dissector.h>

/* <linux/unaligned.h> was <asm/unaligned.h> before 6.12. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* The GSO helpers moved from <linux/netdevice.h> to <net/gso.h> in 6.5. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h>
#endif

/*
 * NPUSIM_HAVE_QSTATS: netdev queue statistics (struct netdev_stat_ops,
 * "ynl --family netdev --dump qstats-get"), 6.10 and later.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define NPUSIM_HAVE_QSTATS	1
#endif

/*
 * NPUSIM_DEVL_REGISTER_LOCKED: devl_register() registers the devlink
 * instance under its lock, from 6.3.  Before, devlink_register() and
 * devlink_unregister() run without it: registration comes last in
 * probe and unregistration first in remove, and reload must be enabled
 * with devlink_set_features().
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define NPUSIM_DEVL_REGISTER_LOCKED	1
#endif

/*
 * "devlink dev info" reports the driver's name by itself from 6.2;
 * before, the driver's info_get() puts it.
 */
static inline int npusim_devlink_info_driver_name_put(struct devlink_info_req *req)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return 0;
#else
	return devlink_info_driver_name_put(req, KBUILD_MODNAME);
#endif
}

/*
 * NPUSIM_HAVE_NETDEV_DEVLINK_PORT: the netdev points at its devlink
 * port (SET_NETDEV_DEVLINK_PORT()), 6.2 and later.  Before, the driver
 * answers ndo_get_devlink_port and sets the port's type once the netdev
 * is registered.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define NPUSIM_HAVE_NETDEV_DEVLINK_PORT	1
#endif

/*
 * The bus: npusim_bus_type is const from 6.4, when the bus callbacks took
 * a const struct bus_type; match() takes a const struct device_driver
 * from 6.11.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define npusim_bus_type		const struct bus_type
#else
#define npusim_bus_type		struct bus_type
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define NPUSIM_CONST_DRV	const
#else
#define NPUSIM_CONST_DRV
#endif

/*
 * Before 6.2 an extack message is a fixed string: the formatted one
 * goes to the kernel log, and userspace is told to look there.
 */
#ifndef NETLINK_MAX_FMTMSG_LEN
#define NETLINK_MAX_FMTMSG_LEN	80
#endif
#ifndef NL_SET_ERR_MSG_FMT_MOD
#define NL_SET_ERR_MSG_FMT_MOD(extack, fmt, args...)			\
	do {								\
		pr_warn(fmt "\n", ##args);				\
		NL_SET_ERR_MSG_MOD(extack, "Failed, see the kernel log"); \
	} while (0)
#endif

/* A devlink parameter's set() takes an extended ACK from 6.8. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define NPUSIM_PARAM_SET_EXTACK	1
#endif

/*
 * devl_params_register() registers parameters under the instance lock
 * from 6.3; before, devlink_params_register() does, without the lock,
 * before devlink_register() (and unregisters after devlink_unregister()).
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
#define devl_params_register	devlink_params_register
#define devl_params_unregister	devlink_params_unregister
#endif

/* ethtool_puts() is 6.8's; before, ethtool_sprintf() does the same. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
#define ethtool_puts(data, str)	ethtool_sprintf(data, "%s", str)
#endif

/*
 * Drop reasons for frames freed in any context came with 6.3's
 * dev_kfree_skb_any_reason().  Before, a frame freed with IRQs disabled
 * (netpoll) loses its reason; in any other context it keeps it.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void npusim_kfree_skb_any_reason(struct sk_buff *skb,
					       enum skb_drop_reason reason)
{
	if (in_hardirq() || irqs_disabled())
		dev_kfree_skb_any(skb);
	else
		kfree_skb_reason(skb, reason);
}

#define dev_kfree_skb_any_reason	npusim_kfree_skb_any_reason
#endif

/* SKB_DROP_REASON_QUEUE_PURGE is 6.7's: before, the reason is unspecified. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
#define SKB_DROP_REASON_QUEUE_PURGE	SKB_DROP_REASON_NOT_SPECIFIED
#endif

/*
 * The dummy netdev that holds NAPI contexts: allocated by the core from
 * 6.10, embedded-style (zeroed memory, init_dummy_netdev()) before.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
static inline struct net_device *npusim_alloc_netdev_dummy(void)
{
	return alloc_netdev_dummy(0);
}

static inline void npusim_free_netdev_dummy(struct net_device *dev)
{
	free_netdev(dev);
}
#else
static inline struct net_device *npusim_alloc_netdev_dummy(void)
{
	struct net_device *dev = kzalloc(sizeof(*dev), GFP_KERNEL);

	if (dev)
		init_dummy_netdev(dev);
	return dev;
}

static inline void npusim_free_netdev_dummy(struct net_device *dev)
{
	kfree(dev);
}
#endif

/*
 * In trace events, __assign_str() names the source again before 6.10;
 * from 6.10 it takes it from the field's __string().
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define npusim_assign_str(dst, src)	__assign_str(dst)
#else
#define npusim_assign_str(dst, src)	__assign_str(dst, src)
#endif

/*
 * The flow dissector's meta key has l2_miss (a bridge FDB miss) from
 * 6.5; before, no rule can match on it.
 */
static inline bool
npusim_flow_meta_l2_miss(const struct flow_dissector_key_meta *meta)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	return meta->l2_miss;
#else
	return false;
#endif
}

/*
 * MAC authentication bypass on a locked bridge port is from 6.2; before,
 * no bridge sets the flag.
 */
#ifndef BR_PORT_MAB
#define BR_PORT_MAB	0
#endif

#endif /* _NPUSIM_COMPAT_H */
