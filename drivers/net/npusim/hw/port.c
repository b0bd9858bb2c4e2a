// SPDX-License-Identifier: GPL-2.0
/*
 * npusim emulated hardware: MAC ports.
 *
 * Transmit does what a NIC does for the offloads a port advertises:
 * it segments TSO/GSO packets, fills in partial checksums and pads
 * runt frames, so that the wire carries exactly what a real one would.
 * Receive checks the frame against the port's receive unit and queues
 * it on the packet engine's ingress FIFO.  The engine runs in a context
 * of its own (engine.c): what it does not forward goes to the port's
 * host RX ring, which raises the RX interrupt, and the host drains that
 * ring with npusim_hw_port_rx().  A host that stops draining its ring
 * loses the frames meant for it, never the ones the NPU forwards.
 */

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/random.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>

#include "hw.h"

/*
 * Both FIFOs come from ptr_ring_init() in this file, so lockdep would
 * put their producer locks in one class.  The ingress FIFO's is taken
 * with IRQs disabled (netpoll may transmit from a hard IRQ), the host
 * RX ring's with only BHs disabled: give the ingress FIFO a class of
 * its own, or lockdep sees an IRQ-unsafe lock under netconsole's.
 */
static struct lock_class_key npusim_hw_ingress_lock_key;

/* On the engine's CPU, in the IPI: its NET_RX softirq runs the context. */
static void npusim_hw_engine_kick_ipi(void *info)
{
	struct npusim_hw_port *port = info;

	__napi_schedule_irqoff(&port->engine_napi);
}

/*
 * npusim_hw_engine_kick() - wake @port's engine context for the frames
 * just queued on its ingress FIFO
 *
 * In a thread, or with no engine CPU set, or on that CPU, the context is
 * scheduled here: in the NET_RX softirq of the CPU that queued the
 * frame, usually the sender's.  Else it is claimed here and scheduled
 * on the engine's CPU by an IPI; if that CPU went offline meanwhile, it
 * runs here after all.  The IPI is in flight only while the context is
 * claimed and not yet running, so one per port suffices; and
 * napi_disable() waits for the context, hence for the IPI.
 */
static void npusim_hw_engine_kick(struct npusim_hw_port *port)
{
	int cpu = READ_ONCE(port->hw->engine_cpu);

	/* a caller that migrates meanwhile at worst IPIs itself */
	if (cpu == NPUSIM_HW_ENGINE_CPU_LOCAL ||
	    cpu == raw_smp_processor_id() || !cpu_online(cpu) ||
	    test_bit(NAPI_STATE_THREADED, &port->engine_napi.state)) {
		napi_schedule(&port->engine_napi);
		return;
	}
	if (!napi_schedule_prep(&port->engine_napi))
		return;
	atomic64_inc(&port->cnt.engine_remote_kicks);
	if (smp_call_function_single_async(cpu, &port->engine_csd))
		__napi_schedule(&port->engine_napi);
}

int npusim_hw_port_init(struct npusim_hw *hw, struct npusim_hw_port *port,
			unsigned int index)
{
	int err;

	port->hw = hw;
	port->index = index;
	port->mru = ETH_DATA_LEN;
	port->phy.autoneg = true;
	port->phy.advertise = NPUSIM_HW_PHY_ALL_MODES;
	port->phy.speed = npusim_hw_phy_mode_speed(NPUSIM_HW_PHY_MODES - 1);
	xa_init(&port->rifs);
	err = ptr_ring_init(&port->ingress, NPUSIM_HW_INGRESS_LEN, GFP_KERNEL);
	if (err)
		return err;
	lockdep_set_class(&port->ingress.producer_lock,
			  &npusim_hw_ingress_lock_key);
	err = ptr_ring_init(&port->rx_fifo, NPUSIM_HW_RX_FIFO_LEN, GFP_KERNEL);
	if (err) {
		ptr_ring_cleanup(&port->ingress, NULL);
		return err;
	}
	netif_napi_add(hw->engine_dev, &port->engine_napi,
		       npusim_hw_engine_poll);
	INIT_CSD(&port->engine_csd, npusim_hw_engine_kick_ipi, port);
	napi_enable(&port->engine_napi);
	return 0;
}

/* Free the frames of @ring; return how many wire frames they were. */
static u64 npusim_hw_ring_purge(struct ptr_ring *ring)
{
	struct sk_buff *skb;
	u64 frames = 0;

	while ((skb = ptr_ring_consume_bh(ring))) {
		frames += npusim_hw_frames(skb);
		kfree_skb_reason(skb, SKB_DROP_REASON_QUEUE_PURGE);
	}
	return frames;
}

/*
 * Drop the frames of both FIFOs.  The engine is stopped meanwhile, so
 * that it neither forwards nor passes to the host a frame that was
 * queued before.  Those the host RX ring held count in rx_fifo_drops:
 * every frame passed to the host is taken by it or counted dropped.
 * May sleep.
 */
void npusim_hw_port_flush_fifo(struct npusim_hw_port *port)
{
	napi_disable(&port->engine_napi);
	npusim_hw_ring_purge(&port->ingress);
	atomic64_add(npusim_hw_ring_purge(&port->rx_fifo),
		     &port->cnt.rx_fifo_drops);
	napi_enable(&port->engine_napi);
}

void npusim_hw_port_fini(struct npusim_hw_port *port)
{
	napi_disable(&port->engine_napi);
	netif_napi_del(&port->engine_napi);
	npusim_hw_ring_purge(&port->ingress);
	npusim_hw_ring_purge(&port->rx_fifo);
	ptr_ring_cleanup(&port->ingress, NULL);
	ptr_ring_cleanup(&port->rx_fifo, NULL);
	npusim_hw_rif_fini(port);
}

/**
 * npusim_hw_port_index() - port number of a port on its chip
 * @port: the port
 *
 * Return: the port number.
 */
unsigned int npusim_hw_port_index(const struct npusim_hw_port *port)
{
	return port->index;
}

/**
 * npusim_hw_port_mac_addr() - factory MAC address of a port
 * @port: the port
 * @addr: ETH_ALEN bytes to fill
 *
 * A locally administered address made of the chip instance and the
 * port number: 02:4e:50:<id high>:<id low>:<port>.
 */
void npusim_hw_port_mac_addr(const struct npusim_hw_port *port, u8 *addr)
{
	addr[0] = 0x02;
	addr[1] = 0x4e;
	addr[2] = 0x50;
	addr[3] = (port->hw->id >> 8) & 0xff;
	addr[4] = port->hw->id & 0xff;
	addr[5] = port->index;
}

/**
 * npusim_hw_port_set_irq() - install the port's interrupt handler
 * @port: the port
 * @handler: handler, or NULL
 * @ctx: its context
 *
 * Must be called while the port is disabled.
 */
void npusim_hw_port_set_irq(struct npusim_hw_port *port,
			    npusim_hw_irq_handler_t handler, void *ctx)
{
	WARN_ON_ONCE(READ_ONCE(port->enabled));
	port->irq_handler = handler;
	port->irq_ctx = ctx;
}

/* Called under RCU (datapath) or the wiring lock; only while enabled. */
void npusim_hw_port_raise_irq(struct npusim_hw_port *port, u32 cause)
{
	if (READ_ONCE(port->enabled) && port->irq_handler)
		port->irq_handler(port->irq_ctx, cause);
}

/**
 * npusim_hw_port_enable() - enable or disable a port's MAC
 * @port: the port
 * @enable: new state
 *
 * A disabled port neither sends nor receives, and its peer sees no
 * link.  Disabling waits until no datapath context uses the port and
 * no interrupt handler runs any more, then drops the queued frames.
 * May sleep.
 */
void npusim_hw_port_enable(struct npusim_hw_port *port, bool enable)
{
	struct npusim_hw_port *peer;

	npusim_hw_wire_lock();
	WRITE_ONCE(port->enabled, enable);
	peer = rcu_dereference_protected(port->peer, true);
	if (peer)
		npusim_hw_wire_notify(peer);
	npusim_hw_wire_unlock();

	if (!enable) {
		synchronize_net();
		npusim_hw_port_flush_fifo(port);
	}
}

/**
 * npusim_hw_port_set_mru() - set the longest L3 payload received
 * @port: the port
 * @mru: NPUSIM_HW_MIN_MRU..NPUSIM_HW_MAX_MRU
 *
 * Frames whose payload, after up to two VLAN tags, is longer are
 * dropped and counted in rx_oversize_drops.
 */
void npusim_hw_port_set_mru(struct npusim_hw_port *port, unsigned int mru)
{
	WRITE_ONCE(port->mru, clamp(mru, NPUSIM_HW_MIN_MRU, NPUSIM_HW_MAX_MRU));
}

static const u32 npusim_hw_phy_speeds[NPUSIM_HW_PHY_MODES] = {
	10, 100, 1000, 2500, 10000,
};

/**
 * npusim_hw_phy_mode_speed() - the speed of a PHY link mode
 * @mode: bit number in a mode mask, below NPUSIM_HW_PHY_MODES
 *
 * Return: the speed in Mb/s, or 0 for no such mode.
 */
u32 npusim_hw_phy_mode_speed(unsigned int mode)
{
	return mode < NPUSIM_HW_PHY_MODES ? npusim_hw_phy_speeds[mode] : 0;
}

/* The mode mask bit of a speed, or 0 if no mode has that speed. */
static u32 npusim_hw_phy_speed_mode(u32 speed)
{
	unsigned int i;

	for (i = 0; i < NPUSIM_HW_PHY_MODES; i++)
		if (npusim_hw_phy_speeds[i] == speed)
			return BIT(i);
	return 0;
}

/* The speed two PHYs agree on, or 0 (no link).  Lockless. */
static u32 npusim_hw_phy_resolve(const struct npusim_hw_port *a,
				 const struct npusim_hw_port *b)
{
	bool an_a = READ_ONCE(a->phy.autoneg), an_b = READ_ONCE(b->phy.autoneg);
	u32 common;

	if (an_a && an_b) {
		common = READ_ONCE(a->phy.advertise) & READ_ONCE(b->phy.advertise);
		return common ? npusim_hw_phy_speeds[fls(common) - 1] : 0;
	}
	if (!an_a && !an_b)
		return READ_ONCE(a->phy.speed) == READ_ONCE(b->phy.speed) ?
		       READ_ONCE(a->phy.speed) : 0;
	/* parallel detection of the forced speed */
	if (an_a)
		swap(a, b);
	return npusim_hw_phy_speed_mode(READ_ONCE(a->phy.speed)) &
	       READ_ONCE(b->phy.advertise) ? READ_ONCE(a->phy.speed) : 0;
}

/* The link speed of an enabled port wired to @peer, or 0.  Under RCU. */
static u32 npusim_hw_port_link_speed(struct npusim_hw_port *port,
				     struct npusim_hw_port *peer)
{
	if (!READ_ONCE(port->enabled) || !peer || !READ_ONCE(peer->enabled))
		return 0;
	return npusim_hw_phy_resolve(port, peer);
}

/**
 * npusim_hw_port_link_up() - link status as the PHY reports it
 * @port: the port
 *
 * Return: true if the port is enabled and wired to an enabled port, and
 * their PHYs agree on a speed.
 */
bool npusim_hw_port_link_up(struct npusim_hw_port *port)
{
	bool up;

	rcu_read_lock();
	up = npusim_hw_port_link_speed(port, rcu_dereference(port->peer));
	rcu_read_unlock();
	return up;
}

/**
 * npusim_hw_port_phy_set() - configure a port's PHY
 * @port: the port
 * @cfg: the new configuration
 *
 * The link is negotiated again, and both ends' interrupt handlers told.
 *
 * Return: 0, or -EINVAL if @cfg advertises no mode or one that does not
 * exist, or forces a speed no mode has; the configuration is then
 * unchanged.
 */
int npusim_hw_port_phy_set(struct npusim_hw_port *port,
			   const struct npusim_hw_phy_cfg *cfg)
{
	struct npusim_hw_port *peer;

	if (!cfg->advertise || cfg->advertise & ~NPUSIM_HW_PHY_ALL_MODES ||
	    !npusim_hw_phy_speed_mode(cfg->speed))
		return -EINVAL;
	npusim_hw_wire_lock();
	WRITE_ONCE(port->phy.autoneg, cfg->autoneg);
	WRITE_ONCE(port->phy.advertise, cfg->advertise);
	WRITE_ONCE(port->phy.speed, cfg->speed);
	npusim_hw_wire_notify(port);
	peer = rcu_dereference_protected(port->peer, true);
	if (peer)
		npusim_hw_wire_notify(peer);
	npusim_hw_wire_unlock();
	return 0;
}

/**
 * npusim_hw_port_phy_get() - a port's PHY configuration and link speed
 * @port: the port
 * @cfg: filled with the configuration
 *
 * Return: the link speed in Mb/s, or 0 if there is no link.
 */
u32 npusim_hw_port_phy_get(struct npusim_hw_port *port,
			   struct npusim_hw_phy_cfg *cfg)
{
	u32 speed;

	cfg->autoneg = READ_ONCE(port->phy.autoneg);
	cfg->advertise = READ_ONCE(port->phy.advertise);
	cfg->speed = READ_ONCE(port->phy.speed);
	rcu_read_lock();
	speed = npusim_hw_port_link_speed(port, rcu_dereference(port->peer));
	rcu_read_unlock();
	return speed;
}

/**
 * npusim_hw_port_set_rx_stall() - stall or resume the host RX ring
 * @port: the port
 * @stall: true to stop handing frames to the host
 *
 * Fault injection: while stalled, npusim_hw_port_rx() finds the ring
 * empty, so frames for the host fill it and then overflow into
 * rx_fifo_drops, as when a host stops servicing its RX ring.  The
 * packet engine goes on forwarding.  Resuming raises the RX interrupt
 * for the frames that waited.
 */
void npusim_hw_port_set_rx_stall(struct npusim_hw_port *port, bool stall)
{
	WRITE_ONCE(port->rx_stall, stall);
	if (stall)
		return;
	rcu_read_lock();
	local_bh_disable();
	if (!ptr_ring_empty_bh(&port->rx_fifo))
		npusim_hw_port_raise_irq(port, NPUSIM_HW_IRQ_RX);
	local_bh_enable();
	rcu_read_unlock();
}

/**
 * npusim_hw_port_set_rx_drop() - corrupt a share of the arriving frames
 * @port: the port
 * @percent: 0..NPUSIM_HW_RX_DROP_MAX; larger values are clamped
 *
 * Fault injection: the MAC finds a bad frame check sequence in this
 * percentage of the frames that arrive, picked at random, and drops
 * them (rx_crc_errors), as on a bad cable.
 */
void npusim_hw_port_set_rx_drop(struct npusim_hw_port *port, u32 percent)
{
	WRITE_ONCE(port->rx_drop, min(percent, NPUSIM_HW_RX_DROP_MAX));
}

/**
 * npusim_hw_port_rx_drop() - the share of arriving frames dropped
 * @port: the port
 *
 * Return: the percentage set with npusim_hw_port_set_rx_drop().
 */
u32 npusim_hw_port_rx_drop(struct npusim_hw_port *port)
{
	return READ_ONCE(port->rx_drop);
}

/**
 * npusim_hw_port_read_mib() - read the MAC counters
 * @port: the port
 * @mib: filled with the counters
 */
void npusim_hw_port_read_mib(struct npusim_hw_port *port,
			     struct npusim_hw_port_mib *mib)
{
	struct npusim_hw_port_counters *c = &port->cnt;
	unsigned int i;

	mib->rx_frames = atomic64_read(&c->rx_frames);
	mib->rx_octets = atomic64_read(&c->rx_octets);
	mib->tx_frames = atomic64_read(&c->tx_frames);
	mib->tx_octets = atomic64_read(&c->tx_octets);
	mib->rx_fifo_drops = atomic64_read(&c->rx_fifo_drops);
	mib->rx_ingress_drops = atomic64_read(&c->rx_ingress_drops);
	mib->rx_oversize_drops = atomic64_read(&c->rx_oversize_drops);
	mib->rx_crc_errors = atomic64_read(&c->rx_crc_errors);
	mib->tx_link_drops = atomic64_read(&c->tx_link_drops);
	mib->tx_errors = atomic64_read(&c->tx_errors);
	mib->rx_npu_fwd_frames = atomic64_read(&c->rx_npu_fwd_frames);
	mib->rx_npu_fwd_octets = atomic64_read(&c->rx_npu_fwd_octets);
	mib->tx_npu_fwd_frames = atomic64_read(&c->tx_npu_fwd_frames);
	mib->tx_npu_fwd_octets = atomic64_read(&c->tx_npu_fwd_octets);
	mib->rx_cpu_frames = atomic64_read(&c->rx_cpu_frames);
	mib->rx_cpu_octets = atomic64_read(&c->rx_cpu_octets);
	mib->rx_csum_good = atomic64_read(&c->rx_csum_good);
	mib->rx_csum_bad = atomic64_read(&c->rx_csum_bad);
	mib->rx_gro_hw_packets = atomic64_read(&c->rx_gro_hw_packets);
	mib->rx_gro_hw_frames = atomic64_read(&c->rx_gro_hw_frames);
	mib->rx_l2_fwd_frames = atomic64_read(&c->rx_l2_fwd_frames);
	mib->rx_l2_fwd_octets = atomic64_read(&c->rx_l2_fwd_octets);
	mib->tx_l2_fwd_frames = atomic64_read(&c->tx_l2_fwd_frames);
	mib->tx_l2_fwd_octets = atomic64_read(&c->tx_l2_fwd_octets);
	mib->rx_l2_drops = atomic64_read(&c->rx_l2_drops);
	mib->engine_busy_polls = atomic64_read(&c->engine_busy_polls);
	mib->engine_remote_kicks = atomic64_read(&c->engine_remote_kicks);
	mib->rx_punt_drops = 0;
	for (i = 0; i < NPUSIM_HW_PUNT_MAX; i++) {
		mib->rx_punt[i] = atomic64_read(&c->rx_punt[i]);
		mib->rx_punt_drop[i] = atomic64_read(&c->rx_punt_drops[i]);
		mib->rx_punt_drops += mib->rx_punt_drop[i];
	}
}

static void npusim_hw_port_receive_burst(struct npusim_hw_port *port,
					 struct sk_buff *skb);

/* Length of the L2 header: Ethernet plus up to two VLAN tags. */
static unsigned int npusim_hw_l2_len(const struct sk_buff *skb)
{
	unsigned int len = ETH_HLEN;
	__be16 proto;
	int tags;

	if (skb->len < ETH_HLEN)
		return ETH_HLEN;
	proto = eth_hdr(skb)->h_proto;
	for (tags = 0; tags < 2 && eth_type_vlan(proto); tags++) {
		__be16 *p, buf;

		p = skb_header_pointer(skb, len + 2, sizeof(buf), &buf);
		if (!p)
			break;
		proto = *p;
		len += VLAN_HLEN;
	}
	return len;
}

/**
 * npusim_hw_port_receive() - a frame arrives from the wire
 * @port: receiving port
 * @skb: the frame, data at the Ethernet header
 *
 * The frame goes to the packet engine's ingress FIFO, whose context is
 * scheduled.  Called under RCU with BHs disabled, or with IRQs disabled
 * (netpoll): the FIFO's producer lock is IRQ safe.
 */
void npusim_hw_port_receive(struct npusim_hw_port *port, struct sk_buff *skb)
{
	struct npusim_hw_port_counters *c = &port->cnt;
	u32 drop = READ_ONCE(port->rx_drop);
	unsigned int len = skb->len;

	if (skb_is_gso(skb)) {
		npusim_hw_port_receive_burst(port, skb);
		return;
	}
	if (drop && get_random_u32_below(NPUSIM_HW_RX_DROP_MAX) < drop) {
		atomic64_inc(&c->rx_crc_errors);
		dev_kfree_skb_any_reason(skb, SKB_DROP_REASON_SKB_CSUM);
		return;
	}
	skb_reset_mac_header(skb);
	if (len > npusim_hw_l2_len(skb) + READ_ONCE(port->mru)) {
		atomic64_inc(&c->rx_oversize_drops);
		dev_kfree_skb_any_reason(skb, SKB_DROP_REASON_PKT_TOO_BIG);
		return;
	}
	if (ptr_ring_produce_any(&port->ingress, skb)) {
		atomic64_inc(&c->rx_ingress_drops);
		dev_kfree_skb_any_reason(skb, SKB_DROP_REASON_FULL_RING);
		return;
	}
	atomic64_inc(&c->rx_frames);
	atomic64_add(len, &c->rx_octets);
	npusim_hw_engine_kick(port);
}

/*
 * The packet engine passes a frame it does not forward to the host:
 * queue it on the host RX ring, or drop it if the ring is full.  From
 * the engine's context only (the ring's one producer).  Return whether
 * the frame was queued; the caller raises the RX interrupt.
 */
bool npusim_hw_port_to_host(struct npusim_hw_port *port, struct sk_buff *skb)
{
	if (ptr_ring_produce(&port->rx_fifo, skb)) {
		/* a burst (rx_gro_hw) counts as the frames it stands for */
		atomic64_add(npusim_hw_frames(skb), &port->cnt.rx_fifo_drops);
		kfree_skb_reason(skb, SKB_DROP_REASON_FULL_RING);
		return false;
	}
	return true;
}

/*
 * Complete the partial TCP or UDP checksum of @skb, as
 * skb_checksum_help() does, and record the sum of its payload in @d for
 * the receiving MAC.  Return 1 if it did, 0 if the packet is not one it
 * knows (skb_checksum_help() then completes it), or -ENOMEM.
 */
static int npusim_hw_port_csum_gen(struct sk_buff *skb,
				   struct npusim_hw_rx_desc *d)
{
	unsigned int start = skb_checksum_start_offset(skb), hlen, plen;
	struct tcphdr _th, *th;
	__wsum hsum, psum;

	/* Shared pages may change under it: skb_checksum_help() copies them */
	if (skb->encapsulation || skb_csum_is_sctp(skb) ||
	    skb_has_shared_frag(skb))
		return 0;
	switch (skb->csum_offset) {
	case offsetof(struct tcphdr, check):
		th = skb_header_pointer(skb, start, sizeof(_th), &_th);
		if (!th || th->doff < 5)
			return 0;
		hlen = th->doff * 4;
		break;
	case offsetof(struct udphdr, check):
		hlen = sizeof(struct udphdr);
		break;
	default:
		return 0;
	}
	if (hlen < sizeof(struct udphdr) || start + hlen > skb->len ||
	    skb->len - start - hlen > U16_MAX)
		return 0;
	if (skb_ensure_writable(skb, start + hlen))
		return -ENOMEM;
	plen = skb->len - start - hlen;
	psum = skb_checksum(skb, start + hlen, plen, 0);
	hsum = csum_partial(skb->data + start, hlen, 0);
	*(__sum16 *)(skb->data + start + skb->csum_offset) =
		csum_fold(csum_block_add(hsum, psum, hlen)) ?: CSUM_MANGLED_0;
	skb->ip_summed = CHECKSUM_NONE;
	d->payload_len = plen;
	d->payload_sum = psum;
	return 1;
}

/**
 * npusim_hw_burst_hlen() - the length of a burst's headers
 * @skb: the burst, data at the Ethernet header
 *
 * Return: the bytes up to the end of the TCP header, which every frame
 * of the burst carries.
 */
unsigned int npusim_hw_burst_hlen(const struct sk_buff *skb)
{
	return skb_transport_offset(skb) + tcp_hdrlen(skb);
}

/**
 * npusim_hw_frames() - how many frames an skb on a wire stands for
 * @skb: a frame, or a burst
 *
 * Return: 1, or the number of frames of a burst.
 */
unsigned int npusim_hw_frames(const struct sk_buff *skb)
{
	return skb_is_gso(skb) ? skb_shinfo(skb)->gso_segs : 1;
}

/**
 * npusim_hw_frames_len() - the bytes of the frames an skb stands for
 * @skb: a frame, or a burst; data at the Ethernet header
 * @off: count from this offset of each frame on (0: the whole frames,
 *	a burst's last one padded as on the wire)
 *
 * Return: for a frame its length from @off, for a burst the sum of its
 * frames' lengths from @off, as they would be on the wire.
 */
unsigned int npusim_hw_frames_len(const struct sk_buff *skb, unsigned int off)
{
	unsigned int n, hlen, mss, last;

	if (!skb_is_gso(skb))
		return skb->len - off;
	n = skb_shinfo(skb)->gso_segs;
	mss = skb_shinfo(skb)->gso_size;
	hlen = npusim_hw_burst_hlen(skb);
	last = skb->len - (n - 1) * mss;
	if (!off && last < ETH_ZLEN)
		last = ETH_ZLEN;
	return (n - 1) * (hlen + mss - off) + last - off;
}

/*
 * Complete the checksum of a frame for the wire as the MAC does, and pad
 * it.  Return 0, or an error if it was dropped (and freed).
 */
static int npusim_hw_frame_finish(struct sk_buff *skb)
{
	struct npusim_hw_rx_desc *d = NPUSIM_HW_RX_DESC(skb);
	int gen = 0;

	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		gen = npusim_hw_port_csum_gen(skb, d);
		if (gen < 0 || (!gen && skb_checksum_help(skb))) {
			dev_kfree_skb_any_reason(skb, SKB_DROP_REASON_SKB_CSUM);
			return -ENOMEM;
		}
	}
	d->csum_gen = gen;
	/* skb_put_padto() frees the frame if it fails */
	return skb_put_padto(skb, ETH_ZLEN);
}

/**
 * npusim_hw_burst_split() - cut a burst into its frames
 * @port: the port that received it
 * @skb: the burst, data at the Ethernet header (untagged, as sent);
 *	consumed
 *
 * Wherever the emulation needs the frames of a burst one by one (a
 * fault, a full FIFO, an MTU, a punt, a frame the host wants alone), it
 * cuts the burst as the sending MAC would have: every frame gets its
 * own headers and completed checksum, and arrives as if it had crossed
 * the wire on its own.  Frames that cannot be cut for want of memory
 * are counted in rx_ingress_drops.
 *
 * Return: the list of frames, or NULL.
 */
struct sk_buff *npusim_hw_burst_split(struct npusim_hw_port *port,
				      struct sk_buff *skb)
{
	struct sk_buff *segs, *seg, *next, *head = NULL, **tail = &head;
	unsigned int n = npusim_hw_frames(skb), got = 0;

	segs = skb_gso_segment(skb, NETIF_F_SG | NETIF_F_HW_CSUM);
	if (IS_ERR_OR_NULL(segs)) {
		atomic64_add(n, &port->cnt.rx_ingress_drops);
		kfree_skb_reason(skb, SKB_DROP_REASON_SKB_GSO_SEG);
		return NULL;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		if (npusim_hw_frame_finish(seg))
			continue;
		seg->ip_summed = CHECKSUM_NONE;
		npusim_hw_wire_share_frags(seg);
		*tail = seg;
		tail = &seg->next;
		got++;
	}
	if (got < n)
		atomic64_add(n - got, &port->cnt.rx_ingress_drops);
	return head;
}

/*
 * A burst arrives: it goes to the ingress FIFO whole, counted frame by
 * frame, unless one of its frames would meet another fate than the
 * others: with the port's rx_drop fault, frames longer than the MRU, or
 * a full FIFO, it is cut and its frames arrive one by one.
 */
static void npusim_hw_port_receive_burst(struct npusim_hw_port *port,
					 struct sk_buff *skb)
{
	struct npusim_hw_port_counters *c = &port->cnt;
	unsigned int n = npusim_hw_frames(skb);
	unsigned int len = npusim_hw_frames_len(skb, 0);
	struct sk_buff *next;

	skb_reset_mac_header(skb);
	if (READ_ONCE(port->rx_drop) ||
	    npusim_hw_burst_hlen(skb) - ETH_HLEN + skb_shinfo(skb)->gso_size >
	    READ_ONCE(port->mru) ||
	    ptr_ring_produce_any(&port->ingress, skb)) {
		skb = npusim_hw_burst_split(port, skb);
		skb_list_walk_safe(skb, skb, next) {
			skb_mark_not_on_list(skb);
			npusim_hw_port_receive(port, skb);
		}
		return;
	}
	atomic64_add(n, &c->rx_frames);
	atomic64_add(len, &c->rx_octets);
	npusim_hw_engine_kick(port);
}

/*
 * Send one frame, no longer than the MTU, on the port's wire: complete
 * its checksum and pad it as the MAC does.  Return its length on the
 * wire, or 0 if it was dropped.  BHs or IRQs (netpoll) disabled.
 */
static unsigned int npusim_hw_port_tx_frame(struct npusim_hw_port *port,
					    struct npusim_hw_port *peer,
					    struct sk_buff *skb)
{
	struct npusim_hw_port_counters *c = &port->cnt;
	unsigned int len;

	skb = npusim_hw_wire_take(skb);
	if (!skb || npusim_hw_frame_finish(skb))
		goto err;
	len = skb->len;
	atomic64_inc(&c->tx_frames);
	atomic64_add(len, &c->tx_octets);
	npusim_hw_wire_carry(peer, skb);
	return len;
err:
	atomic64_inc(&c->tx_errors);
	return 0;
}

/*
 * Whether a TSO packet can cross the wire to @peer as one burst: plain
 * TCP over IPv4 or IPv6 behind an untagged Ethernet header, with a
 * partial checksum, whose frames differ only in their sequence numbers,
 * IP ids and lengths (no SYN, FIN, RST, URG or CWR, which only some of
 * them would carry), to a MAC without the rx_drop fault (each frame
 * meets it alone), and whose frame count is the one its payload and
 * MSS make (as the sending stack and GRO set it).
 */
static bool npusim_hw_burst_ok(struct sk_buff *skb, struct npusim_hw_port *peer)
{
	const struct skb_shared_info *si = skb_shinfo(skb);
	unsigned int hlen, type = si->gso_type;
	const struct tcphdr *th;
	__be16 proto;

	if (type & ~(SKB_GSO_TCPV4 | SKB_GSO_TCPV6) ||
	    skb->ip_summed != CHECKSUM_PARTIAL || skb->encapsulation ||
	    skb->csum_offset != offsetof(struct tcphdr, check) ||
	    !skb_transport_header_was_set(skb) ||
	    skb_checksum_start_offset(skb) != skb_transport_offset(skb) ||
	    skb_network_offset(skb) != ETH_HLEN || READ_ONCE(peer->rx_drop))
		return false;
	proto = ((const struct ethhdr *)skb->data)->h_proto;
	if (proto != skb->protocol ||
	    proto != htons(type & SKB_GSO_TCPV4 ? ETH_P_IP : ETH_P_IPV6))
		return false;
	hlen = npusim_hw_burst_hlen(skb);
	if (tcp_hdrlen(skb) < sizeof(*th) || skb_headlen(skb) < hlen ||
	    skb->len <= hlen || skb->len - ETH_HLEN > U16_MAX || !si->gso_size)
		return false;
	th = tcp_hdr(skb);
	if (th->syn || th->fin || th->rst || th->urg || th->cwr)
		return false;
	return si->gso_segs > 1 &&
	       si->gso_segs == DIV_ROUND_UP(skb->len - hlen, si->gso_size);
}

/*
 * Carry a TSO packet across the wire as one burst: its frames are
 * counted one by one, but nothing cuts them apart, copies or sums their
 * payload unless something needs them apart (npusim_hw_burst_split()).
 */
static unsigned int npusim_hw_port_tx_burst(struct npusim_hw_port *port,
					    struct npusim_hw_port *peer,
					    struct sk_buff *skb,
					    unsigned int *frames)
{
	struct npusim_hw_port_counters *c = &port->cnt;
	unsigned int n = npusim_hw_frames(skb), len;

	skb = npusim_hw_wire_take(skb);
	if (!skb) {
		atomic64_add(n, &c->tx_errors);
		return 0;
	}
	NPUSIM_HW_RX_DESC(skb)->csum_gen = false;
	len = npusim_hw_frames_len(skb, 0);
	atomic64_add(n, &c->tx_frames);
	atomic64_add(len, &c->tx_octets);
	npusim_hw_wire_carry(peer, skb);
	*frames = n;
	return len;
}

/**
 * npusim_hw_port_tx() - put a frame, or a TSO packet, on a port's wire
 * @port: the port
 * @peer: the port at the far end (or @port, in MAC loopback)
 * @skb: the frame or TSO packet, data at the Ethernet header; consumed
 * @frames: set to the number of frames put on the wire
 *
 * A TSO packet crosses as one burst if npusim_hw_burst_ok(), else is cut
 * as a scatter-gather MAC does: each segment gets its own headers and
 * references the packet's pages for its payload, which is not copied
 * (npusim_hw_port_tx_frame() completes each segment's checksum).  BHs or
 * IRQs (netpoll, never a TSO packet) disabled, under RCU.
 *
 * Return: the bytes put on the wire.
 */
static unsigned int npusim_hw_port_tx(struct npusim_hw_port *port,
				      struct npusim_hw_port *peer,
				      struct sk_buff *skb, unsigned int *frames)
{
	struct sk_buff *segs, *next;
	unsigned int len = 0, l;

	*frames = 0;
	if (!skb_is_gso(skb)) {
		len = npusim_hw_port_tx_frame(port, peer, skb);
		*frames = !!len;
		return len;
	}
	if (npusim_hw_burst_ok(skb, peer))
		return npusim_hw_port_tx_burst(port, peer, skb, frames);

	segs = skb_gso_segment(skb, NETIF_F_SG | NETIF_F_HW_CSUM);
	if (IS_ERR_OR_NULL(segs)) {
		atomic64_inc(&port->cnt.tx_errors);
		kfree_skb_reason(skb, SKB_DROP_REASON_SKB_GSO_SEG);
		return 0;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		l = npusim_hw_port_tx_frame(port, peer, skb);
		len += l;
		*frames += !!l;
	}
	return len;
}

/*
 * Where an enabled port's frames go: the port itself in MAC loopback,
 * else the peer if the link is up; NULL if nowhere.  Under RCU.
 */
static struct npusim_hw_port *npusim_hw_port_tx_peer(struct npusim_hw_port *port)
{
	struct npusim_hw_port *peer;

	if (!READ_ONCE(port->enabled))
		return NULL;
	if (READ_ONCE(port->loopback))
		return port;
	peer = rcu_dereference(port->peer);
	return npusim_hw_port_link_speed(port, peer) ? peer : NULL;
}

void npusim_hw_port_count_punt(struct npusim_hw_port *port,
			       enum npusim_hw_punt reason, unsigned int frames)
{
	atomic64_add(frames, &port->cnt.rx_punt[reason]);
}

void npusim_hw_port_count_punt_drop(struct npusim_hw_port *port,
				    enum npusim_hw_punt reason)
{
	atomic64_inc(&port->cnt.rx_punt_drops[reason]);
}

/*
 * The packet engine or the L2 switch sends a frame or a burst out of
 * @out: its length on the wire, or 0 if it was dropped there; @frames
 * is set to the frames sent.  Under RCU, BHs disabled.
 */
static unsigned int npusim_hw_port_engine_tx(struct npusim_hw_port *out,
					     struct sk_buff *skb,
					     unsigned int *frames)
{
	struct npusim_hw_port *peer = npusim_hw_port_tx_peer(out);

	if (!peer) {
		atomic64_add(npusim_hw_frames(skb), &out->cnt.tx_link_drops);
		kfree_skb_reason(skb, SKB_DROP_REASON_DEV_READY);
		*frames = 0;
		return 0;
	}
	return npusim_hw_port_tx(out, peer, skb, frames);
}

/*
 * Packet engine: send a frame or a burst received on @in (@in_frames
 * frames of @in_len bytes as received) out of @out, and count it in the
 * router interfaces @in_rif of @in and @out_rif of @out (VLAN ids, or
 * NPUSIM_HW_RIF_NONE).  Under RCU, BHs disabled.
 */
void npusim_hw_port_forward(struct npusim_hw_port *in,
			    struct npusim_hw_port *out,
			    struct sk_buff *skb, unsigned int in_frames,
			    unsigned int in_len, int in_rif, int out_rif)
{
	unsigned int len, frames;

	atomic64_add(in_frames, &in->cnt.rx_npu_fwd_frames);
	atomic64_add(in_len, &in->cnt.rx_npu_fwd_octets);
	npusim_hw_rif_count(in, in_rif, false, in_frames, in_len);

	len = npusim_hw_port_engine_tx(out, skb, &frames);
	if (len) {
		atomic64_add(frames, &out->cnt.tx_npu_fwd_frames);
		atomic64_add(len, &out->cnt.tx_npu_fwd_octets);
		npusim_hw_rif_count(out, out_rif, true, frames, len);
	}
}

/*
 * L2 switch: send a frame received on @in out of @out, as it is.  Under
 * RCU, BHs disabled.
 */
void npusim_hw_port_l2_forward(struct npusim_hw_port *in,
			       struct npusim_hw_port *out,
			       struct sk_buff *skb)
{
	unsigned int len, frames;

	atomic64_inc(&in->cnt.rx_l2_fwd_frames);
	atomic64_add(skb->len, &in->cnt.rx_l2_fwd_octets);

	len = npusim_hw_port_engine_tx(out, skb, &frames);
	if (len) {
		atomic64_add(frames, &out->cnt.tx_l2_fwd_frames);
		atomic64_add(len, &out->cnt.tx_l2_fwd_octets);
	}
}

/**
 * npusim_hw_port_xmit() - transmit a packet from the host
 * @port: the port
 * @skb: the packet; consumed
 *
 * Called with BHs disabled, or IRQs disabled by netpoll.  GSO packets
 * (never from netpoll) are segmented and partial checksums completed
 * here, as NIC hardware would (npusim_hw_port_tx()).
 */
void npusim_hw_port_xmit(struct npusim_hw_port *port, struct sk_buff *skb)
{
	struct npusim_hw_port_counters *c = &port->cnt;
	struct npusim_hw_port *peer;
	unsigned int frames;

	rcu_read_lock();
	peer = npusim_hw_port_tx_peer(port);
	if (!peer) {
		atomic64_add(skb_is_gso(skb) ? skb_shinfo(skb)->gso_segs : 1,
			     &c->tx_link_drops);
		dev_kfree_skb_any_reason(skb, SKB_DROP_REASON_DEV_READY);
		goto out;
	}

	npusim_hw_port_tx(port, peer, skb, &frames);
out:
	rcu_read_unlock();
}

/* The TCP header's length, from the header at @off, or 0. */
static unsigned int npusim_hw_tcp_hlen(struct sk_buff *skb, unsigned int off)
{
	struct tcphdr _th, *th = skb_header_pointer(skb, off, sizeof(_th), &_th);

	return th && th->doff >= 5 ? th->doff * 4 : 0;
}

/*
 * The MAC's receive checksum check of @skb (data at the Ethernet
 * header): 1 if it is TCP or UDP over IPv4 or IPv6, unfragmented, without
 * IPv4 options or IPv6 extension headers, behind at most one VLAN tag,
 * with a good checksum; -1 if such a frame has a bad checksum; 0 if the
 * MAC does not check this frame.  A frame whose sending MAC recorded its
 * payload's sum (struct npusim_hw_rx_desc) is checked with that sum
 * and its headers as they are now: only they are read.
 */
static int npusim_hw_l4_csum_check(struct sk_buff *skb)
{
	const struct npusim_hw_rx_desc *d = NPUSIM_HW_RX_DESC(skb);
	unsigned int off = ETH_HLEN, l4_len, hlen;
	__be32 saddr = 0, daddr = 0;
	struct iphdr _ip4, *ip4;
	__be16 proto, _p, *p;
	struct ipv6hdr _ip6, *ip6 = NULL;
	struct udphdr _uh, *uh;
	__wsum csum;
	__sum16 sum;
	u8 l4;

	proto = eth_hdr(skb)->h_proto;
	if (eth_type_vlan(proto)) {
		p = skb_header_pointer(skb, off + 2, sizeof(_p), &_p);
		if (!p)
			return 0;
		proto = *p;
		off += VLAN_HLEN;
	}
	if (proto == htons(ETH_P_IP)) {
		ip4 = skb_header_pointer(skb, off, sizeof(_ip4), &_ip4);
		if (!ip4 || ip4->ihl != 5 || ip_is_fragment(ip4) ||
		    ip_fast_csum(ip4, ip4->ihl))
			return 0;
		l4 = ip4->protocol;
		saddr = ip4->saddr;
		daddr = ip4->daddr;
		if (ntohs(ip4->tot_len) < sizeof(*ip4))
			return 0;
		l4_len = ntohs(ip4->tot_len) - sizeof(*ip4);
		off += sizeof(*ip4);
	} else if (proto == htons(ETH_P_IPV6)) {
		ip6 = skb_header_pointer(skb, off, sizeof(_ip6), &_ip6);
		if (!ip6)
			return 0;
		l4 = ip6->nexthdr;
		l4_len = ntohs(ip6->payload_len);
		off += sizeof(*ip6);
	} else {
		return 0;
	}
	if ((l4 != IPPROTO_TCP && l4 != IPPROTO_UDP) ||
	    off + l4_len > skb->len || l4_len < sizeof(*uh))
		return 0;
	uh = skb_header_pointer(skb, off, sizeof(_uh), &_uh);
	if (!uh)
		return 0;
	/* UDP over IPv4 may go without a checksum: nothing to check */
	if (l4 == IPPROTO_UDP && !uh->check)
		return 0;
	hlen = l4 == IPPROTO_TCP ? npusim_hw_tcp_hlen(skb, off) : sizeof(*uh);
	if (d->csum_gen && hlen && hlen <= l4_len &&
	    d->payload_len == l4_len - hlen)
		csum = csum_block_add(skb_checksum(skb, off, hlen, 0),
				      d->payload_sum, hlen);
	else
		csum = skb_checksum(skb, off, l4_len, 0);
	if (proto == htons(ETH_P_IP))
		sum = csum_tcpudp_magic(saddr, daddr, l4_len, l4, csum);
	else
		sum = csum_ipv6_magic(&ip6->saddr, &ip6->daddr, l4_len, l4, csum);
	return sum ? -1 : 1;
}

/**
 * npusim_hw_port_rx() - take the next frame of the host RX ring
 * @port: the port
 * @st: filled with the frame's RX descriptor
 *
 * Called from the driver's NAPI poll.
 *
 * Return: the frame, or NULL if the ring is empty (or stalled).
 */
struct sk_buff *npusim_hw_port_rx(struct npusim_hw_port *port,
				  struct npusim_hw_rx_status *st)
{
	struct sk_buff *skb;

	if (READ_ONCE(port->rx_stall))
		return NULL;
	skb = ptr_ring_consume(&port->rx_fifo);
	if (!skb)
		return NULL;
	st->reason = NPUSIM_HW_RX_DESC(skb)->reason;
	st->fwd_mark = NPUSIM_HW_RX_DESC(skb)->fwd_mark;
	st->l4_csum_ok = false;
	st->frames = npusim_hw_frames(skb);
	atomic64_add(st->frames, &port->cnt.rx_cpu_frames);
	atomic64_add(npusim_hw_frames_len(skb, 0), &port->cnt.rx_cpu_octets);
	if (skb_is_gso(skb)) {
		/*
		 * A burst, whole (rx_gro_hw): its checksum stays partial, as
		 * hardware GRO leaves a merged packet, and its frames count as
		 * checked: the sending MAC made them from a partial checksum.
		 */
		npusim_hw_wire_share_frags(skb);
		if (READ_ONCE(port->rx_csum))
			atomic64_add(st->frames, &port->cnt.rx_csum_good);
		atomic64_inc(&port->cnt.rx_gro_hw_packets);
		atomic64_add(st->frames, &port->cnt.rx_gro_hw_frames);
	} else if (READ_ONCE(port->rx_csum)) {
		switch (npusim_hw_l4_csum_check(skb)) {
		case 1:
			st->l4_csum_ok = true;
			atomic64_inc(&port->cnt.rx_csum_good);
			break;
		case -1:
			atomic64_inc(&port->cnt.rx_csum_bad);
			break;
		}
	}
	return skb;
}

/**
 * npusim_hw_port_set_loopback() - MAC loopback on or off
 * @port: the port
 * @on: true: what the port transmits, the host's frames and the NPU's,
 *	comes back to its own receive path and nothing goes on the wire
 *	(the link status stays the wire's)
 */
void npusim_hw_port_set_loopback(struct npusim_hw_port *port, bool on)
{
	WRITE_ONCE(port->loopback, on);
}

/**
 * npusim_hw_port_set_rx_csum() - receive checksum check on or off
 * @port: the port
 * @on: true: the MAC checks the TCP and UDP checksums of the frames it
 *	passes to the host (&struct npusim_hw_rx_status.l4_csum_ok)
 */
void npusim_hw_port_set_rx_csum(struct npusim_hw_port *port, bool on)
{
	WRITE_ONCE(port->rx_csum, on);
}

/**
 * npusim_hw_port_set_rx_gro_hw() - hardware GRO on or off
 * @port: the port
 * @on: true: a burst of frames for the host (the segments of one TSO
 *	packet of the sender, carried across the wire as one) reaches it
 *	as one packet, as hardware GRO merges them; false: as its frames
 */
void npusim_hw_port_set_rx_gro_hw(struct npusim_hw_port *port, bool on)
{
	WRITE_ONCE(port->rx_gro_hw, on);
}
