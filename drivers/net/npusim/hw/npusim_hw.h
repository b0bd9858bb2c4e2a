/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npusim emulated hardware: the interface between the driver and the
 * silicon model.
 *
 * Everything under hw/ describes an imaginary switch chip with an NPU:
 * MAC ports with ingress FIFOs, wires to peer ports, MIB counters and
 * a few identification registers.  It knows nothing of netdevs,
 * devlink or netfilter.  The driver programs it only through the calls
 * below, the way a real driver writes registers and rings; nothing
 * else in hw/ is visible to the driver.
 */
#ifndef _NPUSIM_HW_H
#define _NPUSIM_HW_H

#include <linux/if_ether.h>
#include <linux/types.h>

struct sk_buff;
struct npusim_hw;
struct npusim_hw_port;

/* Identification registers, read with npusim_hw_reg_read(). */
enum npusim_hw_reg {
	NPUSIM_HW_REG_CHIP_ID,		/* model number */
	NPUSIM_HW_REG_CHIP_REV,		/* silicon revision */
	NPUSIM_HW_REG_FW_VER,		/* NPU firmware, 0x00MMmmpp; 0: none */
	NPUSIM_HW_REG_SERIAL_LO,	/* unique serial number, low word */
	NPUSIM_HW_REG_SERIAL_HI,	/* unique serial number, high word */
	NPUSIM_HW_REG_NUM_PORTS,	/* MAC ports on this chip */
};

#define NPUSIM_HW_FW_VER_MAJOR(v)	(((v) >> 16) & 0xff)
#define NPUSIM_HW_FW_VER_MINOR(v)	(((v) >> 8) & 0xff)
#define NPUSIM_HW_FW_VER_PATCH(v)	((v) & 0xff)

#define NPUSIM_HW_MAX_PORTS		32
#define NPUSIM_HW_RX_FIFO_LEN		512	/* host RX ring of a port */
#define NPUSIM_HW_INGRESS_LEN		512	/* packet engine's ingress FIFO */

/* Receive unit limits: the longest L3 payload a port accepts. */
#define NPUSIM_HW_MIN_MRU		68
#define NPUSIM_HW_MAX_MRU		9000

/* Interrupt causes passed to the port's interrupt handler. */
#define NPUSIM_HW_IRQ_RX		BIT(0)	/* frames wait in the host RX ring */
#define NPUSIM_HW_IRQ_LINK		BIT(1)	/* link status changed */

/**
 * typedef npusim_hw_irq_handler_t - port interrupt handler
 * @ctx: the context given to npusim_hw_port_set_irq()
 * @cause: NPUSIM_HW_IRQ_* bits
 *
 * Called with BHs disabled or from process context, only while the
 * port is enabled; never after npusim_hw_port_enable(port, false)
 * has returned.
 */
typedef void (*npusim_hw_irq_handler_t)(void *ctx, u32 cause);

/**
 * enum npusim_hw_punt - why the packet engine sent a frame to the host
 * @NPUSIM_HW_PUNT_MISS: no flow entry matches (or the frame is not a
 *	candidate at all: not IP, not TCP/UDP, multicast)
 * @NPUSIM_HW_PUNT_TCP_FLAGS: TCP FIN or RST; connection tracking must see it
 * @NPUSIM_HW_PUNT_TTL: IPv4 TTL or IPv6 hop limit <= 1
 * @NPUSIM_HW_PUNT_IP_OPTIONS: IPv4 header with options
 * @NPUSIM_HW_PUNT_FRAGMENT: IPv4 fragment
 * @NPUSIM_HW_PUNT_IPV6_EXT: IPv6 extension header
 * @NPUSIM_HW_PUNT_MTU: longer than the egress port's MTU
 * @NPUSIM_HW_PUNT_UNSUPPORTED: a matching entry cannot carry the frame
 *	(no memory to rewrite it, egress port out of range).  Frames for
 *	an egress port without link are forwarded and dropped there,
 *	counted in its tx_link_drops.
 * @NPUSIM_HW_PUNT_UNBOUND: the matching entry is not bound (yet, see
 *	NPUSIM_HW_PARAM_BIND_HITS) or no longer (the flow saw a FIN or RST)
 * @NPUSIM_HW_PUNT_MAX: number of reasons
 */
enum npusim_hw_punt {
	NPUSIM_HW_PUNT_MISS,
	NPUSIM_HW_PUNT_TCP_FLAGS,
	NPUSIM_HW_PUNT_TTL,
	NPUSIM_HW_PUNT_IP_OPTIONS,
	NPUSIM_HW_PUNT_FRAGMENT,
	NPUSIM_HW_PUNT_IPV6_EXT,
	NPUSIM_HW_PUNT_MTU,
	NPUSIM_HW_PUNT_UNSUPPORTED,
	NPUSIM_HW_PUNT_UNBOUND,
	NPUSIM_HW_PUNT_MAX,
};

/*
 * PHY link modes: bit N of a mode mask is the full-duplex twisted-pair
 * mode of npusim_hw_phy_mode_speed(N) Mb/s.
 */
#define NPUSIM_HW_PHY_MODES		5
#define NPUSIM_HW_PHY_ALL_MODES		GENMASK(NPUSIM_HW_PHY_MODES - 1, 0)

/**
 * struct npusim_hw_phy_cfg - a port's PHY configuration
 * @autoneg: negotiate the speed with the link partner
 * @advertise: modes offered when negotiating: a non-empty subset of
 *	NPUSIM_HW_PHY_ALL_MODES
 * @speed: the speed in Mb/s without negotiation, one of the modes'
 *
 * Two PHYs that both negotiate link at the highest mode both advertise;
 * two that do not link if their speeds are equal; a PHY that negotiates
 * detects the speed of one that does not (parallel detection) if it
 * advertises that speed.  Otherwise there is no link.  The reset value
 * negotiates, advertising every mode.
 */
struct npusim_hw_phy_cfg {
	bool autoneg;
	u32 advertise;
	u32 speed;
};

/**
 * struct npusim_hw_rx_status - the RX descriptor of a frame for the host
 * @reason: why the packet engine passed it to the host
 * @l4_csum_ok: the MAC checked its TCP or UDP checksum and found it
 *	good (only with npusim_hw_port_set_rx_csum() on; false for other
 *	frames, and for a UDP over IPv4 datagram without a checksum)
 * @fwd_mark: the L2 switch has already flooded the frame to the other
 *	ports of the ingress port's bridge domain: the host gets a copy
 * @frames: 1, or the number of frames of a burst that the MAC passes
 *	whole (hardware GRO): a TCP packet with a partial checksum and
 *	its gso_size and gso_segs set, as GRO would have merged them
 */
struct npusim_hw_rx_status {
	enum npusim_hw_punt reason;
	bool l4_csum_ok;
	bool fwd_mark;
	unsigned int frames;
};

/**
 * struct npusim_hw_port_mib - MAC counters of one port (64-bit, never wrap)
 * @rx_frames: frames accepted from the wire
 * @rx_octets: bytes of those frames, Ethernet header included, no FCS
 * @tx_frames: frames put on the wire
 * @tx_octets: bytes of those frames
 * @rx_fifo_drops: frames for the host dropped because the host RX ring
 *	was full
 * @rx_ingress_drops: frames dropped because the packet engine's ingress
 *	FIFO was full
 * @rx_oversize_drops: frames longer than the port's receive unit
 * @rx_crc_errors: frames dropped for a bad frame check sequence (the
 *	rx_drop fault)
 * @tx_link_drops: frames dropped on transmit because there was no link
 * @tx_errors: frames the MAC could not build (segmentation failed)
 * @rx_npu_fwd_frames: frames received here and forwarded by the NPU
 * @rx_npu_fwd_octets: their bytes, as received
 * @tx_npu_fwd_frames: frames the NPU sent out of this port
 * @tx_npu_fwd_octets: their bytes, as sent
 * @rx_cpu_frames: frames received here and passed to the host
 * @rx_cpu_octets: their bytes
 * @rx_csum_good: frames for the host whose TCP or UDP checksum the MAC
 *	found good (with the receive checksum check on)
 * @rx_csum_bad: and those it found bad
 * @rx_gro_hw_packets: bursts passed to the host whole (hardware GRO,
 *	npusim_hw_port_set_rx_gro_hw())
 * @rx_gro_hw_frames: the frames of those bursts (also in @rx_cpu_frames)
 * @rx_punt: frames the engine did not forward, by enum npusim_hw_punt
 *	reason: passed to the host, or dropped if the punt action register
 *	says so (npusim_hw_punt_drop())
 * @rx_punt_drop: those of @rx_punt that the engine dropped, by reason
 * @rx_punt_drops: sum of @rx_punt_drop
 * @rx_l2_fwd_frames: frames received here that the L2 switch forwarded
 *	to another port of the bridge domain, or flooded
 * @rx_l2_fwd_octets: their bytes
 * @tx_l2_fwd_frames: frames the L2 switch sent out of this port
 * @tx_l2_fwd_octets: their bytes
 * @rx_l2_drops: frames the L2 switch dropped: ingress port not
 *	forwarding (STP), destination behind the ingress port or behind a
 *	port that does not forward
 * @engine_busy_polls: times this port's engine context, in a thread
 *	with busy polling (npusim_hw_set_engine_busy_poll()), polled its
 *	FIFO again instead of sleeping
 * @engine_remote_kicks: frames queued on a CPU other than the engine's
 *	(npusim_hw_set_engine_cpu()) that woke this port's engine context
 *	there, by an IPI
 */
struct npusim_hw_port_mib {
	u64 rx_frames;
	u64 rx_octets;
	u64 tx_frames;
	u64 tx_octets;
	u64 rx_fifo_drops;
	u64 rx_ingress_drops;
	u64 rx_oversize_drops;
	u64 rx_crc_errors;
	u64 tx_link_drops;
	u64 tx_errors;
	u64 rx_npu_fwd_frames;
	u64 rx_npu_fwd_octets;
	u64 tx_npu_fwd_frames;
	u64 tx_npu_fwd_octets;
	u64 rx_cpu_frames;
	u64 rx_cpu_octets;
	u64 rx_csum_good;
	u64 rx_csum_bad;
	u64 rx_gro_hw_packets;
	u64 rx_gro_hw_frames;
	u64 rx_punt[NPUSIM_HW_PUNT_MAX];
	u64 rx_punt_drop[NPUSIM_HW_PUNT_MAX];
	u64 rx_punt_drops;
	u64 rx_l2_fwd_frames;
	u64 rx_l2_fwd_octets;
	u64 tx_l2_fwd_frames;
	u64 tx_l2_fwd_octets;
	u64 rx_l2_drops;
	u64 engine_busy_polls;
	u64 engine_remote_kicks;
};

/*
 * L2 switch.  The driver puts ports in a bridge domain (1..
 * NPUSIM_HW_L2_DOMAINS; 0: the port does not switch, every frame goes
 * to the packet engine's L3 stage and the host as before).  A frame
 * received on a switching port is learnt (source address -> port) in
 * the forwarding database (FDB) and switched by destination address:
 *
 * - link-local destinations (01:80:c2:00:00:0X: STP, LACP) go to the
 *   host in every STP state, and nowhere else;
 * - an ingress port that is not forwarding drops the other frames (and
 *   learns their source addresses in the learning state);
 * - a locked ingress port passes the frames of a source the FDB does
 *   not have behind it to the host, and learns nothing;
 * - a destination the FDB has behind the host (NPUSIM_HW_FDB_PORT_CPU:
 *   the bridge's own addresses) goes on to the L3 stage: the flow
 *   table, else the host;
 * - a destination behind another forwarding port of the domain goes
 *   out of that port; behind the ingress port, a port that does not
 *   forward, or an isolated port when the ingress port is isolated too,
 *   it is dropped;
 * - broadcast, multicast and unknown unicast frames are flooded to the
 *   domain's forwarding ports that have the matching NPUSIM_HW_L2_FLOOD_*
 *   flag, and passed to the host with the fwd_mark of their RX
 *   descriptor set.
 *
 * The FDB is a hash table of NPUSIM_HW_FDB_SIZE entries in buckets of
 * NPUSIM_HW_FDB_WAYS.  Learnt (dynamic) entries that see no frame for
 * the ageing time are removed; static ones are the driver's.  The chip
 * reports what it learns, moves and ages out as FDB events
 * (npusim_hw_fdb_event_pop()), raising the FDB notification when the
 * event queue goes from empty to not empty.
 *
 * A port that is not VLAN-aware switches frames as they are, by address
 * only (its FDB entries have VLAN 0).  A VLAN-aware port
 * (npusim_hw_port_l2_vlan_filtering()) classifies each frame into a
 * VLAN: that of its 802.1Q tag, or the port's PVID for untagged,
 * priority-tagged and other-TPID (802.1ad) frames.  It drops frames of
 * a VLAN it is not a member of (ingress filtering), and untagged ones
 * if it has no PVID; it learns and looks addresses up in that VLAN, and
 * floods only to the members of that VLAN.  The egress port sends the
 * frame untagged or tagged with the VLAN, as its VLAN table says
 * (npusim_hw_port_l2_vlan_add()).  What goes to the host goes as it was
 * received.
 */
#define NPUSIM_HW_L2_DOMAINS		NPUSIM_HW_MAX_PORTS
#define NPUSIM_HW_FDB_SIZE		1024
#define NPUSIM_HW_FDB_WAYS		4
#define NPUSIM_HW_FDB_BUCKETS		(NPUSIM_HW_FDB_SIZE / NPUSIM_HW_FDB_WAYS)
#define NPUSIM_HW_FDB_EVENTS		256
#define NPUSIM_HW_FDB_PORT_CPU		0xff
#define NPUSIM_HW_FDB_MIN_AGEING_MS	1000
#define NPUSIM_HW_FDB_MAX_AGEING_MS	(1000000 * 1000U)

/*
 * Flags of a switching port (npusim_hw_port_l2_flags()): LEARN learns
 * source addresses; FLOOD_UC, _MC and _BC flood unknown unicast,
 * multicast and broadcast out of the port; ISOLATED forwards nothing to
 * or from another isolated port; LOCKED passes the frames of a source
 * the FDB does not have behind the port to the host, unlearnt.
 */
#define NPUSIM_HW_L2_LEARN		BIT(0)
#define NPUSIM_HW_L2_FLOOD_UC		BIT(1)
#define NPUSIM_HW_L2_FLOOD_MC		BIT(2)
#define NPUSIM_HW_L2_FLOOD_BC		BIT(3)
#define NPUSIM_HW_L2_ISOLATED		BIT(4)
#define NPUSIM_HW_L2_LOCKED		BIT(5)
#define NPUSIM_HW_L2_ALL_FLAGS		GENMASK(5, 0)

/* VLAN flags of npusim_hw_port_l2_vlan_add() */
#define NPUSIM_HW_L2_VLAN_PVID		BIT(0)
#define NPUSIM_HW_L2_VLAN_UNTAGGED	BIT(1)

/**
 * enum npusim_hw_stp - STP state of a switching port
 * @NPUSIM_HW_STP_BLOCKING: drops every frame but link-local ones
 * @NPUSIM_HW_STP_LEARNING: learns source addresses, then drops
 * @NPUSIM_HW_STP_FORWARDING: learns and forwards
 */
enum npusim_hw_stp {
	NPUSIM_HW_STP_BLOCKING,
	NPUSIM_HW_STP_LEARNING,
	NPUSIM_HW_STP_FORWARDING,
};

/**
 * struct npusim_hw_fdb_entry - an FDB entry
 * @addr: MAC address
 * @vid: VLAN, 0 in a domain whose ports are not VLAN-aware
 * @domain: bridge domain, 1..NPUSIM_HW_L2_DOMAINS
 * @port: port behind which @addr is, or NPUSIM_HW_FDB_PORT_CPU
 * @is_static: written by the driver, never learnt over nor aged out
 */
struct npusim_hw_fdb_entry {
	u8 addr[ETH_ALEN];
	u16 vid;
	u8 domain;
	u8 port;
	bool is_static;
};

/*
 * Bridged (L2) flow entries, as MediaTek's PPE and Airoha's have beside
 * their routed ones: NPUSIM_HW_L2_FLOWS entries that match a frame by
 * ingress port, destination and source address and, if @match_vid, the
 * VLAN id of its 802.1Q tag (an untagged frame matches no such entry),
 * and send it out of another port as it is, counting it.  The packet engine
 * looks them up first, before the L2 switch and the flow table, on
 * every port.
 */
#define NPUSIM_HW_L2_FLOWS		64

/**
 * struct npusim_hw_l2_flow_entry - a bridged flow entry
 * @in_port: ingress port
 * @out_port: egress port
 * @h_dest: destination address
 * @h_source: source address
 * @match_vid: match the VLAN id too
 * @vid: the VLAN id of the frame's 802.1Q tag
 */
struct npusim_hw_l2_flow_entry {
	u8 in_port;
	u8 out_port;
	u8 h_dest[ETH_ALEN];
	u8 h_source[ETH_ALEN];
	bool match_vid;
	u16 vid;
};

/**
 * struct npusim_hw_fdb_event - what the L2 switch did to its FDB
 * @entry: the (dynamic) entry learnt, moved or removed
 * @learnt: true: learnt or moved to @entry.port; false: removed (aged
 *	out, or flushed with npusim_hw_fdb_flush() and @notify)
 * @moved: learnt on @entry.port while the FDB had it behind another port
 */
struct npusim_hw_fdb_event {
	struct npusim_hw_fdb_entry entry;
	bool learnt;
	bool moved;
};

/**
 * struct npusim_hw_fdb_stats - FDB counters
 * @learn_full: source addresses not learnt: their bucket was full
 * @event_overflows: FDB events lost: the event queue was full
 */
struct npusim_hw_fdb_stats {
	u64 learn_full;
	u64 event_overflows;
};

/**
 * typedef npusim_hw_fdb_notify_t - FDB notification handler
 * @ctx: the context given to npusim_hw_fdb_set_notify()
 *
 * Called when the FDB event queue goes from empty to not empty, from
 * the packet engine's context, the ageing scan's or the driver's own
 * calls, under the FDB's lock with BHs disabled: it may only schedule
 * the work that pops the events.
 */
typedef void (*npusim_hw_fdb_notify_t)(void *ctx);

/*
 * Flow table: a hash table of buckets of NPUSIM_HW_PARAM_WAYS entries.
 * Each entry may have a packet counter and a byte counter of fixed
 * widths that wrap, and has the time of its last hit on a free-running
 * clock of NPUSIM_HW_PARAM_CLOCK_BITS bits ticking NPUSIM_HW_PARAM_CLOCK_HZ
 * times a second.  Sizes are multiples of NPUSIM_HW_FT_MIN_SIZE, which
 * every number of ways divides.
 */
#define NPUSIM_HW_FT_MIN_SIZE		4
#define NPUSIM_HW_FT_MAX_SIZE		BIT(22)
#define NPUSIM_HW_FT_MAX_VLANS		2

/**
 * enum npusim_hw_param - configuration registers of the chip model
 * @NPUSIM_HW_PARAM_WAYS: entries per hash bucket, 1, 2 or 4
 * @NPUSIM_HW_PARAM_CLOCK_BITS: width of the last-hit timestamp, 8..16
 * @NPUSIM_HW_PARAM_CLOCK_HZ: ticks of the flow table clock a second,
 *	1..1000
 * @NPUSIM_HW_PARAM_PKTS_BITS: width of an entry's packet counter, 8..64
 * @NPUSIM_HW_PARAM_BYTES_BITS: width of its byte counter, 8..64
 * @NPUSIM_HW_PARAM_CLEAR_ON_READ: 1 if reading an entry's counters
 *	clears them (MediaTek's MIB), 0 if they run freely
 * @NPUSIM_HW_PARAM_L2_BYTES: 1 if the byte counter counts frames as
 *	received (Ethernet header, tags and PPPoE included), 0 if it
 *	counts the IP packet as nf_flowtable's software path does
 * @NPUSIM_HW_PARAM_STATS_SLOTS: only the entries below this index have
 *	counters (Airoha: the first 8K of 32K); the others read as zero.  0 means
 *	no counters at all, NPUSIM_HW_FT_MAX_SIZE all entries
 * @NPUSIM_HW_PARAM_IPV6_NAT: 1 if IPv6 entries can rewrite addresses and
 *	ports (MediaTek's and Airoha's cannot)
 * @NPUSIM_HW_PARAM_MAX_VLANS: 802.1Q tags an entry can match and push,
 *	0..NPUSIM_HW_FT_MAX_VLANS
 * @NPUSIM_HW_PARAM_PPPOE: 1 if entries can match and push PPPoE
 * @NPUSIM_HW_PARAM_AGE_TCP: the chip drops a TCP entry on its own once
 *	it has not been hit for more than this many clock ticks (MediaTek:
 *	7); 0 never.  The idle time is taken modulo the clock's width, so
 *	an age beyond the clock's wrap never expires
 * @NPUSIM_HW_PARAM_AGE_UDP: the same for UDP entries (MediaTek: 12)
 * @NPUSIM_HW_PARAM_BIND_HITS: an entry starts unbound and the packet
 *	engine sends the frames that match it to the host until it has
 *	seen this many, then binds it and forwards the next ones
 *	(MediaTek binds at a rate of 30 frames a second); 0 binds
 *	entries as they are written
 * @NPUSIM_HW_PARAM_FULL_POLICY: what a write to a full bucket does,
 *	enum npusim_hw_full_policy
 * @NPUSIM_HW_PARAM_CACHE: 1 if lookups go through a cache of recently
 *	hit entries, which the driver must flush after it writes or
 *	clears an entry (npusim_hw_ft_cache_flush(), MediaTek's
 *	MTK_PPE_CACHE_CTL_CLEAR); an entry cleared without a flush goes
 *	on forwarding from the cache
 * @NPUSIM_HW_PARAM_COUNTERS_WRAP_IN: an entry's packet and byte counters
 *	start this many counts below their wrap when it is written, so
 *	that they wrap after that many packets and bytes (a test register:
 *	it makes wide counters' wrap reachable); 0 starts them at 0
 * @NPUSIM_HW_PARAM_CLOCK_OFFSET: ticks added to the flow table clock,
 *	modulo its width (a test register: it puts the clock near its wrap)
 * @NPUSIM_HW_PARAM_IGNORE_PORT: 1 if the chip leaves the ingress port
 *	out of an entry's key, in the hash and in the compare (a fault: the
 *	Qualcomm PPE driver of OpenWrt PR #24806 matched on a partial key),
 *	so that the frames of one 5-tuple from any port hit the newest
 *	entry written for it; 0 on every chip
 * @NPUSIM_HW_PARAM_NEXT_HOPS: size of the next-hop table the entries
 *	share (their MAC addresses, tags to push and PPPoE session),
 *	1..65536; 65536 on every chip
 * @NPUSIM_HW_PARAM_MAX: number of parameters
 *
 * A chip powers up with its profile's values.  They can be changed
 * while the flow table is empty, like the registers a real driver
 * writes before it enables the PPE; the two test registers at any time.
 */
enum npusim_hw_param {
	NPUSIM_HW_PARAM_WAYS,
	NPUSIM_HW_PARAM_CLOCK_BITS,
	NPUSIM_HW_PARAM_CLOCK_HZ,
	NPUSIM_HW_PARAM_PKTS_BITS,
	NPUSIM_HW_PARAM_BYTES_BITS,
	NPUSIM_HW_PARAM_CLEAR_ON_READ,
	NPUSIM_HW_PARAM_L2_BYTES,
	NPUSIM_HW_PARAM_STATS_SLOTS,
	NPUSIM_HW_PARAM_IPV6_NAT,
	NPUSIM_HW_PARAM_MAX_VLANS,
	NPUSIM_HW_PARAM_PPPOE,
	NPUSIM_HW_PARAM_AGE_TCP,
	NPUSIM_HW_PARAM_AGE_UDP,
	NPUSIM_HW_PARAM_BIND_HITS,
	NPUSIM_HW_PARAM_FULL_POLICY,
	NPUSIM_HW_PARAM_CACHE,
	NPUSIM_HW_PARAM_COUNTERS_WRAP_IN,
	NPUSIM_HW_PARAM_CLOCK_OFFSET,
	NPUSIM_HW_PARAM_IGNORE_PORT,
	NPUSIM_HW_PARAM_NEXT_HOPS,
	NPUSIM_HW_PARAM_MAX,
};

/**
 * enum npusim_hw_full_policy - writing an entry whose bucket is full
 * @NPUSIM_HW_FULL_REFUSE: the write fails (-EBUSY, or -ENOSPC if the
 *	whole table is full)
 * @NPUSIM_HW_FULL_ACCEPT: the write seems to succeed but nothing is
 *	stored, as when a MediaTek PPE never binds a flow whose bucket
 *	is full; the entry reads as gone
 * @NPUSIM_HW_FULL_EVICT: the way hit least recently is overwritten; the
 *	entry that was there reads as gone
 */
enum npusim_hw_full_policy {
	NPUSIM_HW_FULL_REFUSE,
	NPUSIM_HW_FULL_ACCEPT,
	NPUSIM_HW_FULL_EVICT,
};

/**
 * enum npusim_hw_flow_state - state of a flow table entry
 * @NPUSIM_HW_FLOW_UNBIND: written, not yet bound: frames go to the host
 * @NPUSIM_HW_FLOW_BIND: bound: the packet engine forwards its frames
 * @NPUSIM_HW_FLOW_FIN: the engine saw a TCP FIN or RST of the flow and
 *	stopped forwarding it (MediaTek's MTK_FOE_STATE_FIN)
 */
enum npusim_hw_flow_state {
	NPUSIM_HW_FLOW_UNBIND,
	NPUSIM_HW_FLOW_BIND,
	NPUSIM_HW_FLOW_FIN,
};

/**
 * struct npusim_hw_ft_stats - what the flow table did on its own
 * @aged: entries dropped by hardware ageing
 * @overwritten: entries overwritten by NPUSIM_HW_FULL_EVICT
 * @dropped: writes NPUSIM_HW_FULL_ACCEPT did not store
 * @cache_hits: lookups answered by the cache
 * @cache_stale: of those, for an entry no longer in the table
 * @next_hops: entries of the next-hop table in use now
 * @ext_entries: IPv6 entries now, which keep their addresses out of line
 * @mem_bytes: the table's memory now: its slots, next hops and IPv6
 *	addresses
 * @map_bytes: the change map's memory (npusim_hw_ft_unchanged()), apart
 *	from the table as a MIB table is on MediaTek's PPE
 */
struct npusim_hw_ft_stats {
	u64 aged;
	u64 overwritten;
	u64 dropped;
	u64 cache_hits;
	u64 cache_stale;
	u32 next_hops;
	u32 ext_entries;
	u64 mem_bytes;
	u64 map_bytes;
};

/* NAT rewrites, npusim_hw_flow_entry.nat */
#define NPUSIM_HW_NAT_SADDR		BIT(0)
#define NPUSIM_HW_NAT_DADDR		BIT(1)
#define NPUSIM_HW_NAT_SPORT		BIT(2)
#define NPUSIM_HW_NAT_DPORT		BIT(3)

/**
 * struct npusim_hw_flow_key - what a flow entry matches
 * @in_port: ingress port
 * @ip_ver: 4 or 6
 * @l4proto: IPPROTO_TCP or IPPROTO_UDP
 * @n_vlan: number of 802.1Q tags on the frame, 0..2
 * @vid: their VLAN ids, outermost first
 * @src: source address (IPv4 in src[0])
 * @dst: destination address
 * @sport: source port
 * @dport: destination port
 *
 * Zero the whole key before filling it: the hardware compares keys bit
 * for bit.
 */
struct npusim_hw_flow_key {
	u8 in_port;
	u8 ip_ver;
	u8 l4proto;
	u8 n_vlan;
	u16 vid[NPUSIM_HW_FT_MAX_VLANS];
	__be32 src[4];
	__be32 dst[4];
	__be16 sport;
	__be16 dport;
};

/**
 * struct npusim_hw_flow_entry - a flow table entry as the driver writes it
 * @key: match
 * @out_port: egress port
 * @h_dest: new destination MAC
 * @h_source: new source MAC
 * @n_push: 802.1Q tags to push, 0..2 (the matched tags are popped)
 * @push_vid: their VLAN ids, outermost first
 * @pppoe: push a PPPoE session header, inside the pushed VLAN tags
 * @pppoe_sid: its session id
 * @nat: NPUSIM_HW_NAT_* rewrites to apply
 * @new_src: new source address (IPv4 in new_src[0])
 * @new_dst: new destination address
 * @new_sport: new source port
 * @new_dport: new destination port
 *
 * Every entry also decrements the TTL or hop limit and updates the
 * IPv4 header and L4 checksums.
 */
struct npusim_hw_flow_entry {
	struct npusim_hw_flow_key key;
	u8 out_port;
	u8 h_dest[ETH_ALEN];
	u8 h_source[ETH_ALEN];
	u8 n_push;
	u16 push_vid[NPUSIM_HW_FT_MAX_VLANS];
	bool pppoe;
	u16 pppoe_sid;
	u8 nat;
	__be32 new_src[4];
	__be32 new_dst[4];
	__be16 new_sport;
	__be16 new_dport;
};

/**
 * struct npusim_hw_flow_mib - hit counters of one flow table entry
 * @packets: packets forwarded, NPUSIM_HW_PARAM_PKTS_BITS wide, wraps
 * @bytes: their bytes (NPUSIM_HW_PARAM_L2_BYTES), NPUSIM_HW_PARAM_BYTES_BITS
 *	wide, wraps
 * @last_hit: clock value at the last hit
 * @hit: the entry has been hit at least once
 * @state: enum npusim_hw_flow_state
 * @bind_hits: frames that matched it while it was unbound
 * @gen: the chip's drop generation at the read, for
 *	npusim_hw_ft_unchanged()
 */
struct npusim_hw_flow_mib {
	u64 packets;
	u64 bytes;
	u16 last_hit;
	bool hit;
	u8 state;
	u16 bind_hits;
	u32 gen;
};

/*
 * Router interface counters.  A router interface is a port with a VLAN
 * id: NPUSIM_HW_RIF_UNTAGGED for the frames without a tag (or with a
 * priority tag), 1..4094 for those with one 802.1Q tag of that id.
 * The packet engine counts the frames it forwards in the counter block
 * of the router interface they enter through and of the one it sends
 * them out of, if the driver has enabled that block.  Frames with two
 * tags or a PPPoE session header belong to no router interface.
 */
#define NPUSIM_HW_RIF_UNTAGGED		0

/**
 * struct npusim_hw_rif_stats - counter block of one router interface
 * @rx_frames: frames that entered the router here and that the NPU
 *	forwarded
 * @rx_octets: their bytes, as received (Ethernet header and tag included)
 * @tx_frames: frames the NPU routed out of this interface
 * @tx_octets: their bytes, as sent
 */
struct npusim_hw_rif_stats {
	u64 rx_frames;
	u64 rx_octets;
	u64 tx_frames;
	u64 tx_octets;
};

/* chip */
struct npusim_hw *npusim_hw_create(u32 id, unsigned int num_ports,
				   const char *profile);
void npusim_hw_destroy(struct npusim_hw *hw);
int npusim_hw_set_engine_threaded(struct npusim_hw *hw, bool on);
bool npusim_hw_engine_threaded(struct npusim_hw *hw);
#define NPUSIM_HW_ENGINE_BUSY_POLL_MAX_US	1000
int npusim_hw_set_engine_busy_poll(struct npusim_hw *hw, u32 usecs);
u32 npusim_hw_engine_busy_poll(struct npusim_hw *hw);
#define NPUSIM_HW_ENGINE_CPU_LOCAL	(-1)
bool npusim_hw_engine_cpu_valid(int cpu);
int npusim_hw_set_engine_cpu(struct npusim_hw *hw, int cpu);
int npusim_hw_engine_cpu(struct npusim_hw *hw);
u32 npusim_hw_reg_read(struct npusim_hw *hw, enum npusim_hw_reg reg);
void npusim_hw_punt_drop(struct npusim_hw *hw, enum npusim_hw_punt reason,
			 bool drop);
struct npusim_hw_port *npusim_hw_port_get(struct npusim_hw *hw,
					  unsigned int index);

/* port configuration */
unsigned int npusim_hw_port_index(const struct npusim_hw_port *port);
void npusim_hw_port_mac_addr(const struct npusim_hw_port *port, u8 *addr);
void npusim_hw_port_set_irq(struct npusim_hw_port *port,
			    npusim_hw_irq_handler_t handler, void *ctx);
void npusim_hw_port_enable(struct npusim_hw_port *port, bool enable);
void npusim_hw_port_set_mru(struct npusim_hw_port *port, unsigned int mru);
bool npusim_hw_port_link_up(struct npusim_hw_port *port);
u32 npusim_hw_phy_mode_speed(unsigned int mode);
int npusim_hw_port_phy_set(struct npusim_hw_port *port,
			   const struct npusim_hw_phy_cfg *cfg);
u32 npusim_hw_port_phy_get(struct npusim_hw_port *port,
			   struct npusim_hw_phy_cfg *cfg);
void npusim_hw_port_set_rx_stall(struct npusim_hw_port *port, bool stall);
#define NPUSIM_HW_RX_DROP_MAX		100
void npusim_hw_port_set_rx_drop(struct npusim_hw_port *port, u32 percent);
u32 npusim_hw_port_rx_drop(struct npusim_hw_port *port);
void npusim_hw_port_read_mib(struct npusim_hw_port *port,
			     struct npusim_hw_port_mib *mib);

/* router interface counters */
int npusim_hw_rif_counters_enable(struct npusim_hw_port *port, u16 vid);
void npusim_hw_rif_counters_disable(struct npusim_hw_port *port, u16 vid);
bool npusim_hw_rif_counters_enabled(struct npusim_hw_port *port, u16 vid);
int npusim_hw_rif_counters_fetch_clear(struct npusim_hw_port *port, u16 vid,
				       struct npusim_hw_rif_stats *st);

/* wires */
/* l2.c */
void npusim_hw_port_l2_domain(struct npusim_hw_port *port, u8 domain);
void npusim_hw_port_l2_stp(struct npusim_hw_port *port,
			   enum npusim_hw_stp state);
void npusim_hw_port_l2_flags(struct npusim_hw_port *port, u32 flags);
void npusim_hw_port_l2_vlan_filtering(struct npusim_hw_port *port, bool on);
int npusim_hw_port_l2_vlan_add(struct npusim_hw_port *port, u16 vid,
			       u32 flags);
int npusim_hw_port_l2_vlan_del(struct npusim_hw_port *port, u16 vid);
int npusim_hw_fdb_write(struct npusim_hw *hw,
			const struct npusim_hw_fdb_entry *entry);
int npusim_hw_fdb_clear(struct npusim_hw *hw, u8 domain, u16 vid,
			const u8 *addr);
void npusim_hw_fdb_flush(struct npusim_hw *hw, u8 domain, int port,
			 bool dynamic_only, bool notify);
u32 npusim_hw_fdb_used(struct npusim_hw *hw);
void npusim_hw_fdb_stats(struct npusim_hw *hw, struct npusim_hw_fdb_stats *st);
int npusim_hw_fdb_set_ageing(struct npusim_hw *hw, u32 ms);
void npusim_hw_fdb_set_notify(struct npusim_hw *hw,
			      npusim_hw_fdb_notify_t notify, void *ctx);
int npusim_hw_fdb_event_pop(struct npusim_hw *hw,
			    struct npusim_hw_fdb_event *ev);

/* l2_flow.c */
int npusim_hw_l2_flow_write(struct npusim_hw *hw,
			    const struct npusim_hw_l2_flow_entry *entry,
			    u32 *index);
void npusim_hw_l2_flow_clear(struct npusim_hw *hw, u32 index);
int npusim_hw_l2_flow_read(struct npusim_hw *hw, u32 index, u64 *packets,
			   u64 *bytes, unsigned long *last_hit);
u32 npusim_hw_l2_flow_used(struct npusim_hw *hw);

int npusim_hw_wire_connect(struct npusim_hw_port *a, struct npusim_hw_port *b);
int npusim_hw_wire_disconnect(struct npusim_hw_port *port);
bool npusim_hw_wire_connected(struct npusim_hw_port *port);

/* flow table */
int npusim_hw_ft_write(struct npusim_hw *hw,
		       const struct npusim_hw_flow_entry *entry, u32 *index,
		       u32 *tag);
void npusim_hw_ft_clear(struct npusim_hw *hw, u32 index, u32 tag);
int npusim_hw_ft_read(struct npusim_hw *hw, u32 index, u32 tag,
		      struct npusim_hw_flow_entry *entry,
		      struct npusim_hw_flow_mib *mib);
int npusim_hw_ft_peek(struct npusim_hw *hw, u32 index, u32 tag,
		      struct npusim_hw_flow_entry *entry);
int npusim_hw_ft_rewrite(struct npusim_hw *hw, u32 index, u32 tag,
			 const struct npusim_hw_flow_entry *entry);
bool npusim_hw_ft_valid(struct npusim_hw *hw, u32 index, u32 tag);
bool npusim_hw_ft_unchanged(struct npusim_hw *hw, u32 index, u32 gen);
u32 npusim_hw_ft_evict(struct npusim_hw *hw, u32 index);
void npusim_hw_ft_cache_flush(struct npusim_hw *hw);
void npusim_hw_ft_stats(struct npusim_hw *hw, struct npusim_hw_ft_stats *st);
u32 npusim_hw_ft_size(struct npusim_hw *hw);
u32 npusim_hw_ft_used(struct npusim_hw *hw);
int npusim_hw_ft_resize(struct npusim_hw *hw, u32 size);
u16 npusim_hw_clock(struct npusim_hw *hw);
void npusim_hw_ft_counters_start(struct npusim_hw *hw, u32 index,
				 u64 *packets, u64 *bytes);

/* chip model: profiles and configuration registers */
const char *npusim_hw_profile_name(unsigned int i);
const char *npusim_hw_profile(struct npusim_hw *hw);
const char *npusim_hw_param_name(enum npusim_hw_param param);
u32 npusim_hw_param(struct npusim_hw *hw, enum npusim_hw_param param);
int npusim_hw_param_set(struct npusim_hw *hw, enum npusim_hw_param param,
			u32 val);

/* datapath */

void npusim_hw_port_xmit(struct npusim_hw_port *port, struct sk_buff *skb);
struct sk_buff *npusim_hw_port_rx(struct npusim_hw_port *port,
				  struct npusim_hw_rx_status *st);
void npusim_hw_port_set_loopback(struct npusim_hw_port *port, bool on);
void npusim_hw_port_set_rx_csum(struct npusim_hw_port *port, bool on);
void npusim_hw_port_set_rx_gro_hw(struct npusim_hw_port *port, bool on);

#endif /* _NPUSIM_HW_H */
