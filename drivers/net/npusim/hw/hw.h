/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npusim emulated hardware: internals shared by the hw/ files only.
 * The driver must use npusim_hw.h instead.
 */
#ifndef _NPUSIM_HW_PRIV_H
#define _NPUSIM_HW_PRIV_H

#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/ptr_ring.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "../compat.h"
#include "npusim_hw.h"

/*
 * Live MIB counters of a port.  The fields mirror struct
 * npusim_hw_port_mib; several datapath contexts update them
 * concurrently, so each one is atomic.
 */
struct npusim_hw_port_counters {
	atomic64_t rx_frames;
	atomic64_t rx_octets;
	atomic64_t tx_frames;
	atomic64_t tx_octets;
	atomic64_t rx_fifo_drops;
	atomic64_t rx_ingress_drops;
	atomic64_t rx_oversize_drops;
	atomic64_t rx_crc_errors;
	atomic64_t tx_link_drops;
	atomic64_t tx_errors;
	atomic64_t rx_npu_fwd_frames;
	atomic64_t rx_npu_fwd_octets;
	atomic64_t tx_npu_fwd_frames;
	atomic64_t tx_npu_fwd_octets;
	atomic64_t rx_cpu_frames;
	atomic64_t rx_cpu_octets;
	atomic64_t rx_csum_good;
	atomic64_t rx_csum_bad;
	atomic64_t rx_gro_hw_packets;
	atomic64_t rx_gro_hw_frames;
	atomic64_t rx_punt[NPUSIM_HW_PUNT_MAX];
	atomic64_t rx_punt_drops[NPUSIM_HW_PUNT_MAX];
	atomic64_t rx_l2_fwd_frames;
	atomic64_t rx_l2_fwd_octets;
	atomic64_t tx_l2_fwd_frames;
	atomic64_t tx_l2_fwd_octets;
	atomic64_t rx_l2_drops;
	atomic64_t engine_busy_polls;
	atomic64_t engine_remote_kicks;
};

/**
 * struct npusim_hw_rx_desc - what the RX descriptor of a frame for the
 *	host says, kept in the skb's control buffer until the host takes it
 * @reason: why the packet engine passed it to the host, enum
 *	npusim_hw_punt
 * @fwd_mark: the L2 switch flooded it to other ports as well
 * @csum_gen: the sending MAC completed the frame's TCP or UDP checksum
 *	and recorded the sum of its payload in @payload_sum: set or
 *	cleared for every frame on a wire, by npusim_hw_port_tx_frame()
 * @payload_len: the length of that payload, the L4 data after the TCP
 *	or UDP header
 * @payload_sum: its ones' complement sum
 *
 * Nothing on the way writes into a payload (the packet engine rewrites
 * headers only), so the receiving MAC checks a frame with @csum_gen by
 * summing its headers, as they are when it arrives, and @payload_sum:
 * the checksum is verified without reading the payload a second time.
 */
struct npusim_hw_rx_desc {
	u8 reason;
	bool fwd_mark;
	bool csum_gen;
	u16 payload_len;
	__wsum payload_sum;
};

#define NPUSIM_HW_RX_DESC(skb)	((struct npusim_hw_rx_desc *)(skb)->cb)

/**
 * struct npusim_hw_port - one MAC port
 * @hw: the chip
 * @index: port number on the chip
 * @peer: port at the other end of the wire, or NULL; written under the
 *	wiring lock, read under RCU by the datapath
 * @enabled: MAC enabled by the driver (written under the wiring lock)
 * @mru: longest L3 payload accepted on receive
 * @rx_stall: fault injection: the host does not drain its RX ring
 * @rx_drop: fault injection: percentage of arriving frames the MAC
 *	finds corrupted (a bad FCS) and drops
 * @loopback: MAC loopback: what the port transmits comes back to its own
 *	receive path instead of going on the wire
 * @rx_csum: the MAC checks the TCP and UDP checksums of the frames it
 *	passes to the host and says so in their RX descriptors
 * @rx_gro_hw: the MAC passes a burst (see npusim_hw_port_tx()) to the
 *	host whole, as hardware GRO would have merged its frames; without
 *	it, the host gets the frames
 * @phy: PHY configuration, written under the wiring lock, read locklessly
 * @ingress: the packet engine's ingress FIFO, between the wire and the
 *	engine
 * @engine_napi: the packet engine's context for this port: it drains
 *	@ingress, forwards what the flow table says and queues the rest on
 *	@rx_fifo
 * @busy_poll_last: local_clock() when @engine_napi last took a frame,
 *	written and read by it alone (npusim_hw_engine_busy_poll())
 * @engine_csd: the IPI that schedules @engine_napi on the engine's CPU
 *	(npusim_hw_set_engine_cpu()); in flight only while @engine_napi
 *	is scheduled and not yet running
 * @rx_fifo: host RX ring: frames the engine passes to the host
 * @irq_handler: driver's interrupt handler
 * @irq_ctx: its context
 * @cnt: MIB counters
 * @rifs: enabled router interface counter blocks (struct npusim_hw_rif),
 *	by VLAN id; written by the driver, read under RCU by the engine
 * @l2_domain: bridge domain of the L2 switch, 0 for none
 * @l2_stp: enum npusim_hw_stp
 * @l2_flags: NPUSIM_HW_L2_* flags
 * @l2_vlan_aware: the port classifies frames by 802.1Q VLAN
 * @l2_pvid: VLAN of the untagged and priority-tagged frames it receives,
 *	0 for none (they are dropped)
 * @l2_vlans: the VLANs the port is a member of
 * @l2_untagged: of those, the ones it sends untagged
 *
 * The driver writes the l2_ fields, the engine reads them locklessly.
 */
struct npusim_hw_port {
	struct npusim_hw *hw;
	unsigned int index;
	struct npusim_hw_port __rcu *peer;
	bool enabled;
	unsigned int mru;
	bool rx_stall;
	u32 rx_drop;
	bool loopback;
	bool rx_csum;
	bool rx_gro_hw;
	struct npusim_hw_phy_cfg phy;
	struct ptr_ring ingress;
	struct napi_struct engine_napi;
	u64 busy_poll_last;
	call_single_data_t engine_csd;
	struct ptr_ring rx_fifo;
	npusim_hw_irq_handler_t irq_handler;
	void *irq_ctx;
	struct npusim_hw_port_counters cnt;
	struct xarray rifs;
	u8 l2_domain;
	u8 l2_stp;
	u32 l2_flags;
	bool l2_vlan_aware;
	u16 l2_pvid;
	DECLARE_BITMAP(l2_vlans, VLAN_N_VID);
	DECLARE_BITMAP(l2_untagged, VLAN_N_VID);
};

/**
 * struct npusim_hw_fdb_slot - one FDB entry as the chip holds it
 * @entry: the entry; @entry.domain 0 marks a free slot
 * @seen: jiffies when a frame from @entry.addr last came in; the
 *	engine refreshes it without the FDB lock
 */
struct npusim_hw_fdb_slot {
	struct npusim_hw_fdb_entry entry;
	unsigned long seen;
};

/**
 * struct npusim_hw_fdb - the L2 switch's forwarding database
 * @lock: serialises what changes the FDB: learning, the ageing scan and
 *	the driver
 * @used: entries in use
 * @ageing: ageing time in jiffies
 * @stats: see struct npusim_hw_fdb_stats
 * @ev_head: next event to pop
 * @ev_len: events queued
 * @notify: the driver's FDB notification handler, or NULL
 * @notify_ctx: its context
 * @age_work: the ageing scan, every half ageing time
 * @events: the event queue, a ring
 * @seq: one per bucket: its slots' entries are written inside it (under
 *	@lock), and the packet engine reads them inside it, without @lock
 * @slots: the entries, bucket after bucket
 */
struct npusim_hw_fdb {
	spinlock_t lock;	/* see above */
	u32 used;
	unsigned long ageing;
	struct npusim_hw_fdb_stats stats;
	u32 ev_head;
	u32 ev_len;
	npusim_hw_fdb_notify_t notify;
	void *notify_ctx;
	struct delayed_work age_work;
	struct npusim_hw_fdb_event events[NPUSIM_HW_FDB_EVENTS];
	seqcount_spinlock_t seq[NPUSIM_HW_FDB_BUCKETS];
	struct npusim_hw_fdb_slot slots[NPUSIM_HW_FDB_SIZE];
};

/* No router interface: npusim_hw_port_forward()'s in_rif and out_rif. */
#define NPUSIM_HW_RIF_NONE		(-1)

/**
 * struct npusim_hw_rif - the counter block of one router interface
 * @rx_frames: see struct npusim_hw_rif_stats
 * @rx_octets: see struct npusim_hw_rif_stats
 * @tx_frames: see struct npusim_hw_rif_stats
 * @tx_octets: see struct npusim_hw_rif_stats
 * @rcu: frees the block once the engine can no longer see it
 */
struct npusim_hw_rif {
	atomic64_t rx_frames;
	atomic64_t rx_octets;
	atomic64_t tx_frames;
	atomic64_t tx_octets;
	struct rcu_head rcu;
};

/* Flags of struct npusim_hw_ft_hkey */
#define NPUSIM_HW_FT_KEY_IPV6		BIT(0)
#define NPUSIM_HW_FT_KEY_TCP		BIT(1)
#define NPUSIM_HW_FT_KEY_VLANS		GENMASK(3, 2)

/**
 * struct npusim_hw_ft_hkey - a key as the flow table stores and hashes it
 * @src: the IPv4 source address, or the IPv6 one folded into 32 bits
 *	(the XOR of its four words)
 * @dst: the destination address, likewise
 * @sport: source port
 * @dport: destination port
 * @vid: the 802.1Q ids, outermost first, 0 where the frame has no tag
 * @in_port: ingress port (0 with NPUSIM_HW_PARAM_IGNORE_PORT)
 * @flags: NPUSIM_HW_FT_KEY_*: IPv6, TCP (else UDP), number of tags
 * @zero: always 0
 *
 * Five 32-bit words, hashed with jhash2().  An IPv6 entry keeps its full
 * addresses in its struct npusim_hw_ft_ext, which a lookup compares
 * once the folded key matches.
 */
struct npusim_hw_ft_hkey {
	__be32 src;
	__be32 dst;
	__be16 sport;
	__be16 dport;
	u16 vid[NPUSIM_HW_FT_MAX_VLANS];
	u8 in_port;
	u8 flags;
	u8 zero[2];
};

/**
 * struct npusim_hw_ft_ext - the addresses of an IPv6 entry
 * @src: source address
 * @dst: destination address
 * @new_src: new source address
 * @new_dst: new destination address
 * @rcu: frees it once the engine can no longer read it
 */
struct npusim_hw_ft_ext {
	__be32 src[4];
	__be32 dst[4];
	__be32 new_src[4];
	__be32 new_dst[4];
	struct rcu_head rcu;
};

/**
 * struct npusim_hw_ft_nh_data - the layer 2 rewrite of a next hop
 * @h_dest: new destination MAC
 * @h_source: new source MAC
 * @push_vid: 802.1Q ids to push, outermost first
 * @pppoe_sid: PPPoE session id to push
 * @n_push: number of tags to push
 * @pppoe: push a PPPoE session header
 */
struct npusim_hw_ft_nh_data {
	u8 h_dest[ETH_ALEN];
	u8 h_source[ETH_ALEN];
	u16 push_vid[NPUSIM_HW_FT_MAX_VLANS];
	u16 pppoe_sid;
	u8 n_push;
	u8 pppoe;
};

/**
 * struct npusim_hw_ft_nh - an entry of the next-hop table
 * @d: the rewrite, unique in the table
 * @id: its index, which entries hold
 * @refs: entries that use it
 * @node: in &struct npusim_hw_ft.nh_hash
 * @rcu: frees it once the engine can no longer read it
 *
 * Flow entries share the layer 2 rewrites of their next hops, as a
 * switch ASIC's adjacency table does: a router has few of them.
 */
struct npusim_hw_ft_nh {
	struct npusim_hw_ft_nh_data d;
	u32 id;
	u32 refs;
	struct hlist_node node;
	struct rcu_head rcu;
};

/* Entries of the next-hop table: its index is 16 bits wide. */
#define NPUSIM_HW_FT_MAX_NH		BIT(16)

/**
 * struct npusim_hw_ft_slot - one flow table entry, 64 bytes
 * @key: match
 * @seq: write sequence number: among entries with one key, the newest
 *	(highest) wins
 * @valid: the entry is in use
 * @state: enum npusim_hw_flow_state
 * @hit: the entry has been hit at least once; the engine writes it
 *	without the table's lock
 * @out_port: egress port
 * @last_hit: clock value at the last hit, written like @hit
 * @bind_hits: frames that matched it while it was unbound
 * @nh: the index of its next hop in the next-hop table
 * @nat: NPUSIM_HW_NAT_* rewrites
 * @rsvd: 0
 * @new_sport: new source port
 * @new_dport: new destination port
 * @new_addr: IPv4: the new source and destination addresses
 * @ext: IPv6: the addresses
 * @packets: packets forwarded, unmasked (npusim_hw_ft_read() masks them)
 * @bytes: their bytes, unmasked
 *
 * Everything but @hit, @last_hit, @packets and @bytes is written under
 * the table's lock, inside the entry's write seqcount
 * (npusim_hw_ft_wseq()); the engine reads inside it.
 */
struct npusim_hw_ft_slot {
	struct npusim_hw_ft_hkey key;
	u32 seq;
	u8 valid;
	u8 state;
	u8 hit;
	u8 out_port;
	u16 last_hit;
	u16 bind_hits;
	u16 nh;
	u8 nat;
	u8 rsvd;
	__be16 new_sport;
	__be16 new_dport;
	union {
		__be32 new_addr[2];
		struct npusim_hw_ft_ext __rcu *ext;
	};
	atomic64_t packets;
	atomic64_t bytes;
};

/* Write seqcounts of the flow table: entry i uses wseq[i % this]. */
#define NPUSIM_HW_FT_WSEQS		64

/* Lines of the lookup cache (NPUSIM_HW_PARAM_CACHE), a power of 2. */
#define NPUSIM_HW_FT_CACHE_LINES	16

/**
 * struct npusim_hw_ft_ref - the write of an entry that a lookup found
 * @index: the entry's index in the table
 * @seq: the write's sequence number (struct npusim_hw_ft_slot): a hit
 *	counts only while the slot still holds that write
 */
struct npusim_hw_ft_ref {
	u32 index;
	u32 seq;
};

/**
 * struct npusim_hw_ft_cache_line - a bound entry as the lookup cache holds it
 * @valid: the line holds an entry
 * @ref: the entry's index and write
 * @entry: a copy of the entry, used as is until the line is flushed
 */
struct npusim_hw_ft_cache_line {
	bool valid;
	struct npusim_hw_ft_ref ref;
	struct npusim_hw_flow_entry entry;
};

/**
 * enum npusim_hw_ft_match - what a lookup found
 * @NPUSIM_HW_FT_MISS: no entry
 * @NPUSIM_HW_FT_UNBOUND: an entry that is not bound: the frame goes to
 *	the host
 * @NPUSIM_HW_FT_HIT: a bound entry: forward the frame
 */
enum npusim_hw_ft_match {
	NPUSIM_HW_FT_MISS,
	NPUSIM_HW_FT_UNBOUND,
	NPUSIM_HW_FT_HIT,
};

/**
 * struct npusim_hw_ft - the flow table
 * @lock: serialises the writers: the driver, the ageing scan, and the
 *	engine when it binds an entry, sees a FIN or uses the lookup cache
 * @geom: @slots, @size, @n_buckets and the number of ways change inside
 *	it, under @lock
 * @size: number of entries, a multiple of NPUSIM_HW_FT_MIN_SIZE
 * @n_buckets: @size / the number of ways
 * @used: valid entries
 * @stats: what the table did on its own
 * @seq: sequence number of the last write, never 0
 * @slots: the entries, bucket after bucket
 * @changed: the change map, one bit per entry, then its summary, one bit
 *	per word (struct npusim_hw_ft_map, npusim_hw_ft_unchanged()),
 *	replaced with @slots
 * @drops: generation of the entries the chip dropped on its own (and of
 *	resizes and clock jumps), written under @lock
 * @wseq: the entries' write seqcounts, shared: a writer holds @lock
 * @nhs: the next-hop table, by index
 * @nh_hash: the next-hop table, by rewrite
 * @n_nh: next hops in use
 * @n_ext: IPv6 entries, which hold a struct npusim_hw_ft_ext
 * @cache: the lookup cache, indexed by the low bits of the bucket
 */
struct npusim_hw_ft {
	spinlock_t lock;	/* see above */
	seqcount_spinlock_t geom;
	u32 size;
	u32 n_buckets;
	u32 used;
	struct npusim_hw_ft_stats stats;
	u32 seq;
	struct npusim_hw_ft_slot *slots;
	unsigned long *changed;
	u32 drops;
	seqcount_spinlock_t wseq[NPUSIM_HW_FT_WSEQS];
	struct xarray nhs;
	DECLARE_HASHTABLE(nh_hash, 8);
	u32 n_nh;
	u32 n_ext;
	struct npusim_hw_ft_cache_line cache[NPUSIM_HW_FT_CACHE_LINES];
};

/**
 * struct npusim_hw_profile - an emulated chip model
 * @name: the profile's name
 * @chip_id: NPUSIM_HW_REG_CHIP_ID
 * @chip_rev: NPUSIM_HW_REG_CHIP_REV
 * @fw_ver: NPUSIM_HW_REG_FW_VER, 0 for a chip without NPU firmware
 * @ft_size: flow table entries at power-up
 * @param: the configuration registers at power-up
 */
struct npusim_hw_profile {
	const char *name;
	u32 chip_id;
	u32 chip_rev;
	u32 fw_ver;
	u32 ft_size;
	u32 param[NPUSIM_HW_PARAM_MAX];
};

/**
 * struct npusim_hw - one emulated chip
 * @id: instance number, part of the serial number and MAC addresses
 * @serial: unique serial number
 * @profile: the chip model
 * @param: configuration registers, written under the flow table's lock
 *	while it is empty, read locklessly
 * @ft: the flow table
 * @punt_drop: punt action register: a frame whose enum npusim_hw_punt
 *	reason has its bit set is dropped by the engine, not passed to the
 *	host (read locklessly by the engine)
 * @age_work: hardware ageing, a scan of the table every second while
 *	NPUSIM_HW_PARAM_AGE_TCP or _UDP is set
 * @fdb: the L2 switch's forwarding database
 * @l2_flows: the bridged (L2) flow entries (l2_flow.c)
 * @engine_dev: a dummy netdev that holds the packet engine's NAPI
 *	contexts: the engine runs on its own, whatever the host does
 * @engine_busy_poll_us: how long a threaded engine context goes on
 *	polling its FIFO after its last frame, in microseconds, 0 for not
 *	at all (npusim_hw_set_engine_busy_poll())
 * @engine_cpu: the CPU whose NET_RX softirq runs the engine contexts, or
 *	NPUSIM_HW_ENGINE_CPU_LOCAL (npusim_hw_set_engine_cpu())
 * @num_ports: number of MAC ports
 * @ports: the ports
 */
struct npusim_hw {
	u32 id;
	u64 serial;
	const struct npusim_hw_profile *profile;
	u32 param[NPUSIM_HW_PARAM_MAX];
	struct npusim_hw_ft ft;
	unsigned long punt_drop;
	struct delayed_work age_work;
	struct npusim_hw_fdb *fdb;
	struct npusim_hw_l2_flows *l2_flows;
	struct net_device *engine_dev;
	u32 engine_busy_poll_us;
	int engine_cpu;
	unsigned int num_ports;
	struct npusim_hw_port ports[] __counted_by(num_ports);
};

/* port.c */
int npusim_hw_port_init(struct npusim_hw *hw, struct npusim_hw_port *port,
			unsigned int index);
void npusim_hw_port_fini(struct npusim_hw_port *port);
void npusim_hw_port_raise_irq(struct npusim_hw_port *port, u32 cause);
void npusim_hw_port_receive(struct npusim_hw_port *port, struct sk_buff *skb);
void npusim_hw_port_flush_fifo(struct npusim_hw_port *port);
bool npusim_hw_port_to_host(struct npusim_hw_port *port, struct sk_buff *skb);

/* port.c, used by the packet engine */
void npusim_hw_port_count_punt(struct npusim_hw_port *port,
			       enum npusim_hw_punt reason, unsigned int frames);
void npusim_hw_port_count_punt_drop(struct npusim_hw_port *port,
				    enum npusim_hw_punt reason);
void npusim_hw_port_forward(struct npusim_hw_port *in,
			    struct npusim_hw_port *out,
			    struct sk_buff *skb, unsigned int in_frames,
			    unsigned int in_len, int in_rif, int out_rif);
unsigned int npusim_hw_frames(const struct sk_buff *skb);
unsigned int npusim_hw_frames_len(const struct sk_buff *skb, unsigned int off);
unsigned int npusim_hw_burst_hlen(const struct sk_buff *skb);
struct sk_buff *npusim_hw_burst_split(struct npusim_hw_port *port,
				      struct sk_buff *skb);

/* rif.c */
void npusim_hw_rif_count(struct npusim_hw_port *port, int vid, bool tx,
			 unsigned int frames, unsigned int len);
void npusim_hw_rif_fini(struct npusim_hw_port *port);

/* model.c */
const struct npusim_hw_profile *npusim_hw_profile_find(const char *name);

/* flow_table.c */
int npusim_hw_ft_init(struct npusim_hw *hw, u32 size);
void npusim_hw_ft_fini(struct npusim_hw_ft *ft);
enum npusim_hw_ft_match
npusim_hw_ft_lookup(struct npusim_hw *hw, const struct npusim_hw_flow_key *key,
		    struct npusim_hw_flow_entry *entry,
		    struct npusim_hw_ft_ref *ref, bool peek);
void npusim_hw_ft_fin(struct npusim_hw *hw,
		      const struct npusim_hw_flow_key *key);
void npusim_hw_ft_age_start(struct npusim_hw *hw);
void npusim_hw_ft_age_work(struct work_struct *work);
void npusim_hw_ft_hit(struct npusim_hw *hw, const struct npusim_hw_ft_ref *ref,
		      unsigned int frames, unsigned int l2_len,
		      unsigned int l3_len);

/* port.c, used by the L2 switch */
void npusim_hw_port_l2_forward(struct npusim_hw_port *in,
			       struct npusim_hw_port *out,
			       struct sk_buff *skb);

/* l2.c */
int npusim_hw_fdb_init(struct npusim_hw *hw);
void npusim_hw_fdb_fini(struct npusim_hw *hw);

/**
 * enum npusim_hw_l2_verdict - what the L2 switch did with a frame
 * @NPUSIM_HW_L2_CONSUMED: forwarded to a port, or dropped
 * @NPUSIM_HW_L2_HOST: for the host: on to the L3 stage
 * @NPUSIM_HW_L2_FLOODED: flooded; the frame itself goes to the host
 *	with its fwd_mark set
 */
enum npusim_hw_l2_verdict {
	NPUSIM_HW_L2_CONSUMED,
	NPUSIM_HW_L2_HOST,
	NPUSIM_HW_L2_FLOODED,
};

enum npusim_hw_l2_verdict npusim_hw_l2_switch(struct npusim_hw_port *in,
					      struct sk_buff *skb);

/* l2_flow.c */
int npusim_hw_l2_flow_init(struct npusim_hw *hw);
void npusim_hw_l2_flow_fini(struct npusim_hw *hw);
bool npusim_hw_l2_flows_used(struct npusim_hw *hw);
bool npusim_hw_l2_flow_forward(struct npusim_hw_port *in, struct sk_buff *skb);

/* engine.c */
int npusim_hw_engine_poll(struct napi_struct *napi, int budget);

/* wire.c */
struct sk_buff *npusim_hw_wire_take(struct sk_buff *skb);
void npusim_hw_wire_carry(struct npusim_hw_port *to, struct sk_buff *skb);
void npusim_hw_wire_share_frags(struct sk_buff *skb);
void npusim_hw_wire_lock(void);
void npusim_hw_wire_unlock(void);
void npusim_hw_wire_notify(struct npusim_hw_port *port);

#endif /* _NPUSIM_HW_PRIV_H */
