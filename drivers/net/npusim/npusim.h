/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npusim: driver for the emulated switch/NPU.
 */
#ifndef _NPUSIM_H
#define _NPUSIM_H

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <linux/rhashtable-types.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <net/flow_offload.h>
#include <net/devlink.h>

#include "compat.h"
#include "hw/npusim_hw.h"

#define DRV_NAME		"npusim"
#define NPUSIM_MAX_ID		65535

/**
 * struct npusim_bus_dev - a device on the npusim bus
 * @dev: the device, named npusim<id>
 * @list: entry in the bus's device list
 * @id: user-chosen id
 * @port_count: ports to create
 * @profile: the emulated chip, a name of npusim_hw_profile_name(); NULL
 *	for the default
 * @initial_net: netns the device was created from; ports start there
 * @probe_err: result of the last probe, reported to new_device
 */
struct npusim_bus_dev {
	struct device dev;
	struct list_head list;
	unsigned int id;
	unsigned int port_count;
	const char *profile;
	struct net *initial_net;
	int probe_err;
};

/**
 * struct npusim_ft_counters - flowtable offload activity of a device
 * @replace_calls: FLOW_CLS_REPLACE requests
 * @destroy_calls: FLOW_CLS_DESTROY requests
 * @installs: entries written to the flow table
 * @removals: entries removed (DESTROY, unbind, port removal)
 * @fail_table_full: REPLACE refused, the table was full
 * @fail_bucket_full: REPLACE refused, the entry's hash bucket was full
 * @fail_unsupported: REPLACE refused, the hardware cannot do the rule
 * @fail_nomem: REPLACE failed for lack of memory
 * @fail_nh_full: REPLACE refused, its next hop was new and the chip's
 *	next-hop table full
 * @skipped_foreign: REPLACE refused because the flow enters through
 *	another device, on a flowtable shared with it: not a failure
 * @lost: entries the driver found dropped by the chip (evicted), or
 *	not stored at all (NPUSIM_HW_FULL_ACCEPT)
 * @cache_flushes: lookup cache flushes after writes and clears
 * @cache_flushes_skipped: the same, skipped by the skip_cache_flush fault
 * @stats_unknown: STATS for cookies the driver does not know: never
 *	installed, or already destroyed
 * @stats_locked: STATS for a flow the driver knows, answered under the
 *	device lock rather than under RCU: a STATS fault was set, or the
 *	chip had dropped the flow's entry
 * @station_moves: flow entries pointed at the bridge port their
 *	destination station moved to
 * @station_move_fail: flow entries cleared because they could not
 *	follow a station that moved (counted in @lost too)
 * @flush_batches: holds of the device lock by unbind flushes, each
 *	looking at up to NPUSIM_FT_FLUSH_BATCH flows
 * @quiet_rebuilds: quiet tables replaced because they were out of the
 *	order of the STATS, or full
 */
struct npusim_ft_counters {
	u64 replace_calls;
	u64 destroy_calls;
	u64 installs;
	u64 removals;
	u64 fail_table_full;
	u64 fail_bucket_full;
	u64 fail_unsupported;
	u64 fail_nomem;
	u64 fail_nh_full;
	u64 skipped_foreign;
	u64 lost;
	u64 cache_flushes;
	u64 cache_flushes_skipped;
	u64 stats_unknown;
	u64 stats_locked;
	u64 station_moves;
	u64 station_move_fail;
	u64 flush_batches;
	u64 quiet_rebuilds;
};

/* Offload commands with fault injection: FLOW_CLS_REPLACE, _DESTROY, _STATS */
#define NPUSIM_FT_FAULT_CMDS	(FLOW_CLS_STATS + 1)

/**
 * struct npusim_fault - fault injection on one offload command (debugfs)
 * @delay_ms: the command sleeps this long before it takes the lock
 * @err: errno the command fails with, 0 for none
 * @times: fail only this many more times, then clear @err; 0: no limit
 * @percent: probability of a failure while @err is set, 1..100
 * @injected: failures injected so far
 *
 * Written by debugfs without a lock; read, and @times and @err counted
 * down, by the command under npusim_ft.lock.
 */
struct npusim_fault {
	u32 delay_ms;
	u32 err;
	u32 times;
	u32 percent;
	u64 injected;
};

struct npusim_ft_quiet_table;
struct npusim_ft_quiet_cpu;

/**
 * struct npusim_ft - flowtable offload state of a device
 * @lock: serialises the offload callbacks and protects what follows
 * @flush_lock: serialises the unbind flushes, which drop @lock between
 *	batches (taken before @lock)
 * @flows: offloaded flow directions, by cookie
 * @by_index: the same, by hardware index (for the debugfs dump)
 * @blocks: flowtables bound to ports of the device
 * @n_blocks: their number (debugfs flow_table/blocks)
 * @cnt: activity counters, shown in debugfs
 * @stats_calls: FLOW_CLS_STATS requests (debugfs), counted without
 *	@lock, per CPU: STATS run on every CPU at once
 * @stats_quiet: the STATS among them answered from @quiet (debugfs),
 *	per CPU
 * @stats_rcu: those answered under RCU, without @lock nor @quiet
 *	(debugfs), per CPU
 * @quiet: the quiet flows' table (ft.c), replaced under @lock, read and
 *	written under RCU
 * @quiet_cpu: each CPU's place in @quiet and its misses
 * @quiet_gen: the number of quiet tables made so far, under @lock
 * @quiet_rebuilt: when @quiet was last rebuilt (@cnt.quiet_rebuilds),
 *	in jiffies, under @lock
 * @last_error: copy of this driver's extack message for the last
 *	refused REPLACE, or empty; shown in debugfs since nf_flowtable
 *	discards extack
 * @fault: fault injection (debugfs), by command: delays (a DESTROY
 *	delayed before it takes @lock lets tests re-offload a flow while
 *	the DESTROY of its previous instance is pending) and failures
 * @destroy_hold: fault injection (debugfs): while set, DESTROY waits
 *	before it takes @lock, until the knob is cleared (or
 *	the ports go away)
 * @destroys_held: number of DESTROY calls waiting for @destroy_hold
 * @stats_hold: the same for STATS
 * @stats_held: number of STATS calls waiting for @stats_hold
 * @dump_steals: fault injection (debugfs): the entries dump loses the
 *	counts it reads, as MediaTek's debugfs does with the PPE's
 *	clear-on-read MIB: they never reach conntrack
 * @skip_cache_flush: fault injection (debugfs): the driver does not
 *	flush the chip's lookup cache after it writes or clears entries,
 *	so a removed flow goes on forwarding from the cache (MediaTek)
 * @stale_lastused: fault injection (debugfs): STATS reports the last
 *	use it reported before the fault was set, so nf_flowtable times
 *	out flows the hardware still forwards
 * @ddir: debugfs directory flow_table/, whose files use the above
 * @by_dest: the flows by the destination MAC address of their entries,
 *	so that a station that moves costs only its own flows
 */
struct npusim_ft {
	struct mutex lock;	/* see above */
	struct mutex flush_lock;
	struct rhashtable flows;
	struct xarray by_index;
	struct list_head blocks;
	u32 n_blocks;
	struct npusim_ft_counters cnt;
	u64 __percpu *stats_calls;
	u64 __percpu *stats_quiet;
	u64 __percpu *stats_rcu;
	struct npusim_ft_quiet_table __rcu *quiet;
	struct npusim_ft_quiet_cpu __percpu *quiet_cpu;
	u32 quiet_gen;
	unsigned long quiet_rebuilt;
	char last_error[NETLINK_MAX_FMTMSG_LEN];
	struct npusim_fault fault[NPUSIM_FT_FAULT_CMDS];
	bool destroy_hold;
	atomic_t destroys_held;
	bool stats_hold;
	atomic_t stats_held;
	bool dump_steals;
	bool skip_cache_flush;
	bool stale_lastused;
	struct dentry *ddir;
	DECLARE_HASHTABLE(by_dest, 10);
};

/**
 * struct npusim_model_ref - what a debugfs model/ file stands for
 * @nsim_dev: the device
 * @param: the chip's configuration register
 */
struct npusim_model_ref {
	struct npusim_dev *nsim_dev;
	enum npusim_hw_param param;
};

/**
 * struct npusim_dev - driver state of one device (devlink priv)
 * @bus_dev: the bus device
 * @hw: the emulated chip
 * @ports: the ports, @port_count of them
 * @port_count: number of ports
 * @switch_id: parent id shared by all ports
 * @ddir: debugfs directory npusim/npusim<id>
 * @ports_ddir: debugfs directory for per-port files
 * @fail_ft_resize: fault injection (debugfs): a reload that changes the
 *	flow table size fails to resize it, as if memory ran out
 * @model_refs: the debugfs model/ files' private data
 * @ft: flowtable offload state
 * @trap_ctx: devlink's context of the trap of each punt reason, set
 *	while the traps are registered
 * @traps_registered: the traps are registered (a failed reload leaves
 *	them unregistered)
 * @l2_ports: the ports whose bridge the switch offloads, by index
 *	(under RTNL)
 * @fdb_event_work: tells the bridges what the chip's FDB learnt and aged
 * @tc_lock: protects @tc_flows
 * @tc_flows: flower rules offloaded to L2 flow entries (tc.c)
 */
struct npusim_dev {
	struct npusim_bus_dev *bus_dev;
	struct npusim_hw *hw;
	struct npusim_port **ports;
	unsigned int port_count;
	struct netdev_phys_item_id switch_id;
	struct dentry *ddir;
	struct dentry *ports_ddir;
	bool fail_ft_resize;
	struct npusim_model_ref model_refs[NPUSIM_HW_PARAM_MAX];
	struct npusim_ft ft;
	void *trap_ctx[NPUSIM_HW_PUNT_MAX];
	bool traps_registered;
	struct npusim_port *l2_ports[NPUSIM_HW_MAX_PORTS];
	struct work_struct fdb_event_work;
	struct mutex tc_lock;	/* see above */
	struct list_head tc_flows;
};

/**
 * struct npusim_port - one port: its netdev's private data
 * @ndev: the netdev
 * @nsim_dev: owning device
 * @hw_port: the emulated MAC port
 * @dl_port: devlink port
 * @napi: receive NAPI context
 * @carrier_lock: serialises reading the link status and setting the
 *	carrier from it
 * @index: port number
 * @rx_stall: state of the rx_stall debugfs knob
 * @ddir: debugfs directory of the port
 * @bridge: the bridge the switch offloads for this port, or NULL
 *	(under RTNL)
 * @l2_domain: the switch's bridge domain of @bridge
 * @br_flags: the bridge port flags (BR_*) the switch applies
 * @vlan_aware: the switch port classifies frames by VLAN
 */
struct npusim_port {
	struct net_device *ndev;
	struct npusim_dev *nsim_dev;
	struct npusim_hw_port *hw_port;
	struct devlink_port dl_port;
	struct napi_struct napi;
	spinlock_t carrier_lock;	/* see above */
	unsigned int index;
	bool rx_stall;
	struct dentry *ddir;
	struct net_device *bridge;
	u8 l2_domain;
	unsigned long br_flags;
	bool vlan_aware;
};

static inline struct devlink *npusim_devlink(struct npusim_dev *nsim_dev)
{
	return priv_to_devlink(nsim_dev);
}

/* switchdev.c */
int npusim_switch_init(void);
void npusim_switch_exit(void);
void npusim_switch_dev_init(struct npusim_dev *nsim_dev);
void npusim_switch_dev_fini(struct npusim_dev *nsim_dev);
void npusim_switch_port_fini(struct npusim_port *port);

/* input.c */
/* The longest input of any file, and of a number (leading zeros...). */
#define NPUSIM_INPUT_MAX	64
#define NPUSIM_INPUT_NUM_MAX	32
int npusim_input_copy(char *dst, size_t size, const char *buf, size_t count);
int npusim_input_copy_user(char *dst, size_t size, const char __user *ubuf,
			   size_t count);
int npusim_input_u32(const char *s, bool hex, u32 *val);
int npusim_input_bool(const char *s, bool *val);
int npusim_input_u32_user(const char __user *ubuf, size_t count, u32 *val);
int npusim_input_bool_user(const char __user *ubuf, size_t count, bool *val);

/**
 * struct npusim_knob - a number that users set through debugfs
 * @fops: its file operations; define a knob with NPUSIM_KNOB()
 * @max: the largest value taken; with @max 1 the knob is a boolean
 * @get: the current value of the knob of @priv
 * @set: give the knob of @priv a value that was parsed strictly and is
 *       at most @max; 0 or a negative errno (nothing changed)
 *
 * Reads print the value in decimal and a newline; writes are parsed as
 * described in input.c: a boolean is "0" or "1", a number decimal or
 * "0x" hexadecimal, -ERANGE above @max.
 */
struct npusim_knob {
	const struct file_operations fops;
	u32 max;
	u32 (*get)(void *priv);
	int (*set)(void *priv, u32 val);
};

ssize_t npusim_knob_read(struct file *file, char __user *ubuf, size_t count,
			 loff_t *ppos);
ssize_t npusim_knob_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos);

#define NPUSIM_KNOB(_name, _max, _get, _set)				\
static const struct npusim_knob _name = {				\
	.fops = {							\
		.owner = THIS_MODULE,					\
		.open = simple_open,					\
		.read = npusim_knob_read,				\
		.write = npusim_knob_write,				\
		.llseek = generic_file_llseek,				\
	},								\
	.max = (_max),							\
	.get = (_get),							\
	.set = (_set),							\
}

static inline void npusim_knob_create(const char *name, struct dentry *dir,
				      void *priv,
				      const struct npusim_knob *knob)
{
	debugfs_create_file(name, 0600, dir, priv, &knob->fops);
}

/* bus.c */
int npusim_bus_init(void);
void npusim_bus_exit(void);

/* dev.c */
int npusim_dev_probe(struct npusim_bus_dev *bus_dev);

/* trap.c */
int npusim_traps_register(struct npusim_dev *nsim_dev);
void npusim_traps_unregister(struct npusim_dev *nsim_dev);
void npusim_trap_report(struct npusim_port *port, struct sk_buff *skb,
			enum npusim_hw_punt reason);
int npusim_trap_init(struct devlink *devlink, const struct devlink_trap *trap,
		     void *trap_ctx);
int npusim_trap_action_set(struct devlink *devlink,
			   const struct devlink_trap *trap,
			   enum devlink_trap_action action,
			   struct netlink_ext_ack *extack);
int npusim_trap_drop_counter_get(struct devlink *devlink,
				 const struct devlink_trap *trap, u64 *p_drops);
void npusim_dev_remove(struct npusim_bus_dev *bus_dev);

/* netdev.c */
extern const struct net_device_ops npusim_netdev_ops;
struct npusim_port *npusim_port_create(struct npusim_dev *nsim_dev,
				       unsigned int index);
void npusim_port_destroy(struct npusim_port *port);
bool npusim_netdev_is_port(const struct net_device *ndev);

/* ft.c */
struct flow_block_offload;
int npusim_ft_init(struct npusim_dev *nsim_dev);
void npusim_ft_fini(struct npusim_dev *nsim_dev);
void npusim_ft_release_destroys(struct npusim_dev *nsim_dev);
int npusim_ft_setup(struct npusim_port *port, struct flow_block_offload *f);
int npusim_tc_setup_block(struct npusim_port *port,
			  struct flow_block_offload *f);
bool npusim_tc_port_offloads(struct npusim_port *port);
void npusim_tc_dev_init(struct npusim_dev *nsim_dev);
void npusim_tc_dev_fini(struct npusim_dev *nsim_dev);
void npusim_ft_station_moved(struct npusim_port *port, const u8 *addr,
			     u16 vid);
bool npusim_ft_port_bound(struct npusim_port *port);

/* ft_rule.c */
struct flow_rule;
int npusim_ft_rule_parse(struct npusim_dev *nsim_dev, struct net *net,
			 struct flow_rule *rule, struct npusim_hw_flow_entry *e,
			 struct netlink_ext_ack *extack);

/* l3_stats.c */
int npusim_l3_stats_init(void);
void npusim_l3_stats_exit(void);

/* ethtool.c */
extern const struct ethtool_ops npusim_ethtool_ops;

/* debugfs.c */
int npusim_debugfs_init(void);
void npusim_debugfs_exit(void);
int npusim_dev_debugfs_init(struct npusim_dev *nsim_dev);
void npusim_dev_debugfs_exit(struct npusim_dev *nsim_dev);
void npusim_port_debugfs_init(struct npusim_port *port);
void npusim_port_debugfs_exit(struct npusim_port *port);

#endif /* _NPUSIM_H */
