/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npusim trace events: the offload control path (REPLACE, DESTROY,
 * STATS and the flow table entries they write and remove) and the
 * frames the NPU passes to the host.  See the driver's documentation.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM npusim

#if !defined(_NPUSIM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _NPUSIM_TRACE_H

#include <linux/tracepoint.h>

#include "compat.h"
#include "hw/npusim_hw.h"

TRACE_EVENT(npusim_ft_replace,
	    TP_PROTO(const char *dev, unsigned long cookie, int err,
		     const char *msg),
	    TP_ARGS(dev, cookie, err, msg),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(unsigned long, cookie)
			     __field(int, err)
			     __string(msg, msg)),
	    TP_fast_assign(npusim_assign_str(dev, dev);
			   __entry->cookie = cookie;
			   __entry->err = err;
			   npusim_assign_str(msg, msg);),
	    TP_printk("%s cookie=%#lx err=%d msg=\"%s\"", __get_str(dev),
		      __entry->cookie, __entry->err, __get_str(msg))
);

TRACE_EVENT(npusim_ft_destroy,
	    TP_PROTO(const char *dev, unsigned long cookie, int err),
	    TP_ARGS(dev, cookie, err),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(unsigned long, cookie)
			     __field(int, err)),
	    TP_fast_assign(npusim_assign_str(dev, dev);
			   __entry->cookie = cookie;
			   __entry->err = err;),
	    TP_printk("%s cookie=%#lx err=%d", __get_str(dev), __entry->cookie,
		      __entry->err)
);

TRACE_EVENT(npusim_ft_stats,
	    TP_PROTO(const char *dev, unsigned long cookie, int err,
		     u64 packets, u64 bytes, u64 lastused),
	    TP_ARGS(dev, cookie, err, packets, bytes, lastused),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(unsigned long, cookie)
			     __field(int, err)
			     __field(u64, packets)
			     __field(u64, bytes)
			     __field(u64, lastused)),
	    TP_fast_assign(npusim_assign_str(dev, dev);
			   __entry->cookie = cookie;
			   __entry->err = err;
			   __entry->packets = packets;
			   __entry->bytes = bytes;
			   __entry->lastused = lastused;),
	    TP_printk("%s cookie=%#lx err=%d packets=%llu bytes=%llu lastused=%llu",
		      __get_str(dev), __entry->cookie, __entry->err,
		      __entry->packets, __entry->bytes, __entry->lastused)
);

TRACE_EVENT(npusim_ft_install,
	    TP_PROTO(const char *dev, unsigned long cookie, u32 index,
		     unsigned int in_port, unsigned int out_port, bool stored),
	    TP_ARGS(dev, cookie, index, in_port, out_port, stored),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(unsigned long, cookie)
			     __field(u32, index)
			     __field(unsigned int, in_port)
			     __field(unsigned int, out_port)
			     __field(bool, stored)),
	    TP_fast_assign(npusim_assign_str(dev, dev);
			   __entry->cookie = cookie;
			   __entry->index = index;
			   __entry->in_port = in_port;
			   __entry->out_port = out_port;
			   __entry->stored = stored;),
	    TP_printk("%s cookie=%#lx index=%u in=p%u out=p%u stored=%d",
		      __get_str(dev), __entry->cookie, __entry->index,
		      __entry->in_port, __entry->out_port, __entry->stored)
);

TRACE_EVENT(npusim_ft_remove,
	    TP_PROTO(const char *dev, unsigned long cookie, u32 index,
		     bool lost),
	    TP_ARGS(dev, cookie, index, lost),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(unsigned long, cookie)
			     __field(u32, index)
			     __field(bool, lost)),
	    TP_fast_assign(npusim_assign_str(dev, dev);
			   __entry->cookie = cookie;
			   __entry->index = index;
			   __entry->lost = lost;),
	    TP_printk("%s cookie=%#lx index=%u %s", __get_str(dev),
		      __entry->cookie, __entry->index,
		      __entry->lost ? "lost" : "removed")
);

TRACE_EVENT(npusim_punt,
	    TP_PROTO(const struct net_device *ndev, enum npusim_hw_punt reason,
		     unsigned int len),
	    TP_ARGS(ndev, reason, len),
	    TP_STRUCT__entry(__string(name, netdev_name(ndev))
			     __field(int, ifindex)
			     __field(int, reason)
			     __field(unsigned int, len)),
	    TP_fast_assign(npusim_assign_str(name, netdev_name(ndev));
			   __entry->ifindex = ndev->ifindex;
			   __entry->reason = reason;
			   __entry->len = len;),
	    TP_printk("dev=%s ifindex=%d reason=%s len=%u", __get_str(name),
		      __entry->ifindex,
		      __print_symbolic(__entry->reason,
				       { NPUSIM_HW_PUNT_MISS, "miss" },
				       { NPUSIM_HW_PUNT_TCP_FLAGS, "tcp_flags" },
				       { NPUSIM_HW_PUNT_TTL, "ttl" },
				       { NPUSIM_HW_PUNT_IP_OPTIONS, "ip_options" },
				       { NPUSIM_HW_PUNT_FRAGMENT, "fragment" },
				       { NPUSIM_HW_PUNT_IPV6_EXT, "ipv6_ext" },
				       { NPUSIM_HW_PUNT_MTU, "mtu" },
				       { NPUSIM_HW_PUNT_UNSUPPORTED, "unsupported" },
				       { NPUSIM_HW_PUNT_UNBOUND, "unbound" }),
		      __entry->len)
);

#endif /* _NPUSIM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
