// SPDX-License-Identifier: GPL-2.0
/*
 * npusim emulated hardware: bridged (L2) flow entries of the NPU.
 *
 * See npusim_hw.h.  The table is small and searched linearly; the
 * packet engine skips it while it is empty.  The driver writes and
 * clears entries under the table's lock, inside its seqcount; the
 * engine searches it inside the seqcount, without the lock, and counts
 * the frames of an entry in the entry's own counters.
 */

#include <linux/atomic.h>
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/slab.h>

#include "hw.h"

/**
 * struct npusim_hw_l2_flow_slot - one L2 flow entry as the chip holds it
 * @entry: the entry
 * @valid: in use
 * @packets: frames it forwarded
 * @bytes: their bytes, as received
 * @last_hit: jiffies of the last frame
 *
 * A frame the engine matched just before the entry was rewritten may be
 * counted in the new entry, as on hardware that counts after lookup.
 */
struct npusim_hw_l2_flow_slot {
	struct npusim_hw_l2_flow_entry entry;
	bool valid;
	atomic64_t packets;
	atomic64_t bytes;
	unsigned long last_hit;
};

/**
 * struct npusim_hw_l2_flows - the L2 flow table
 * @lock: serialises the driver's writes
 * @seq: the entries are written inside it, under @lock; the engine
 *	reads them inside it, without @lock
 * @used: valid entries
 * @slots: the entries
 */
struct npusim_hw_l2_flows {
	spinlock_t lock;	/* see above */
	seqcount_spinlock_t seq;
	unsigned int used;
	struct npusim_hw_l2_flow_slot slots[NPUSIM_HW_L2_FLOWS];
};

static bool npusim_hw_l2_flow_match(const struct npusim_hw_l2_flow_entry *e,
				    unsigned int in_port, const u8 *h_dest,
				    const u8 *h_source, int vid)
{
	return e->in_port == in_port && ether_addr_equal(e->h_dest, h_dest) &&
	       ether_addr_equal(e->h_source, h_source) &&
	       (!e->match_vid || e->vid == vid);
}

/**
 * npusim_hw_l2_flows_used() - whether the chip has L2 flow entries
 * @hw: the chip
 *
 * Return: true if the packet engine looks frames up in the L2 flows.
 */
bool npusim_hw_l2_flows_used(struct npusim_hw *hw)
{
	return READ_ONCE(hw->l2_flows->used);
}

/**
 * npusim_hw_l2_flow_forward() - forward a frame by an L2 flow entry
 * @in: the ingress port
 * @skb: the frame, data at the Ethernet header
 *
 * Packet engine context, BHs disabled, under RCU.
 *
 * Return: true if an entry took the frame (it is consumed).
 */
bool npusim_hw_l2_flow_forward(struct npusim_hw_port *in, struct sk_buff *skb)
{
	struct npusim_hw_l2_flows *t = in->hw->l2_flows;
	struct npusim_hw_l2_flow_slot *s = NULL;
	struct npusim_hw_port *out;
	const struct ethhdr *eth;
	unsigned int i, seq;
	unsigned long now;
	int vid = -1;
	u32 out_port;

	if (!READ_ONCE(t->used) || !pskb_may_pull(skb, ETH_HLEN))
		return false;
	eth = (const struct ethhdr *)skb->data;
	if (eth->h_proto == htons(ETH_P_8021Q) &&
	    pskb_may_pull(skb, VLAN_ETH_HLEN)) {
		eth = (const struct ethhdr *)skb->data;
		vid = ntohs(((const struct vlan_ethhdr *)eth)->h_vlan_TCI) &
		      VLAN_VID_MASK;
	}

	do {
		seq = read_seqcount_begin(&t->seq);
		for (i = 0; i < NPUSIM_HW_L2_FLOWS; i++) {
			s = &t->slots[i];
			if (s->valid &&
			    npusim_hw_l2_flow_match(&s->entry, in->index,
						    eth->h_dest, eth->h_source,
						    vid))
				break;
		}
		out_port = i < NPUSIM_HW_L2_FLOWS ? s->entry.out_port : U32_MAX;
	} while (read_seqcount_retry(&t->seq, seq));
	out = npusim_hw_port_get(in->hw, out_port);
	if (!out)
		return false;
	atomic64_inc(&s->packets);
	atomic64_add(skb->len, &s->bytes);
	now = jiffies;
	if (READ_ONCE(s->last_hit) != now)
		WRITE_ONCE(s->last_hit, now);
	npusim_hw_port_l2_forward(in, out, skb);
	return true;
}

/**
 * npusim_hw_l2_flow_write() - write an L2 flow entry
 * @hw: the chip
 * @entry: the entry
 * @index: where it went
 *
 * Return: 0, -EINVAL for a bad port, address or VLAN, -EEXIST if an
 * entry has the same key, -ENOSPC if the table is full.
 */
int npusim_hw_l2_flow_write(struct npusim_hw *hw,
			    const struct npusim_hw_l2_flow_entry *entry,
			    u32 *index)
{
	struct npusim_hw_l2_flows *t = hw->l2_flows;
	int i, free = -1, err = 0;

	if (entry->in_port >= hw->num_ports ||
	    entry->out_port >= hw->num_ports ||
	    entry->in_port == entry->out_port ||
	    !is_valid_ether_addr(entry->h_source) ||
	    is_zero_ether_addr(entry->h_dest) ||
	    (entry->match_vid && entry->vid >= VLAN_VID_MASK))
		return -EINVAL;

	spin_lock_bh(&t->lock);
	for (i = 0; i < NPUSIM_HW_L2_FLOWS; i++) {
		struct npusim_hw_l2_flow_slot *s = &t->slots[i];

		if (!s->valid) {
			if (free < 0)
				free = i;
			continue;
		}
		if (s->entry.in_port == entry->in_port &&
		    s->entry.match_vid == entry->match_vid &&
		    s->entry.vid == entry->vid &&
		    ether_addr_equal(s->entry.h_dest, entry->h_dest) &&
		    ether_addr_equal(s->entry.h_source, entry->h_source)) {
			err = -EEXIST;
			goto out;
		}
	}
	if (free < 0) {
		err = -ENOSPC;
		goto out;
	}
	/* the counters start at 0 before the engine can match the entry */
	atomic64_set(&t->slots[free].packets, 0);
	atomic64_set(&t->slots[free].bytes, 0);
	WRITE_ONCE(t->slots[free].last_hit, 0);
	write_seqcount_begin(&t->seq);
	t->slots[free].entry = *entry;
	t->slots[free].valid = true;
	write_seqcount_end(&t->seq);
	WRITE_ONCE(t->used, t->used + 1);
	*index = free;
out:
	spin_unlock_bh(&t->lock);
	return err;
}

/**
 * npusim_hw_l2_flow_clear() - remove an L2 flow entry
 * @hw: the chip
 * @index: the entry
 */
void npusim_hw_l2_flow_clear(struct npusim_hw *hw, u32 index)
{
	struct npusim_hw_l2_flows *t = hw->l2_flows;

	if (index >= NPUSIM_HW_L2_FLOWS)
		return;
	spin_lock_bh(&t->lock);
	if (t->slots[index].valid) {
		write_seqcount_begin(&t->seq);
		t->slots[index].valid = false;
		write_seqcount_end(&t->seq);
		WRITE_ONCE(t->used, t->used - 1);
	}
	spin_unlock_bh(&t->lock);
}

/**
 * npusim_hw_l2_flow_read() - read an L2 flow entry's counters
 * @hw: the chip
 * @index: the entry
 * @packets: frames it forwarded since it was written
 * @bytes: their bytes
 * @last_hit: jiffies of the last one (meaningless while @packets is 0)
 *
 * Return: 0, or -ENOENT.
 */
int npusim_hw_l2_flow_read(struct npusim_hw *hw, u32 index, u64 *packets,
			   u64 *bytes, unsigned long *last_hit)
{
	struct npusim_hw_l2_flows *t = hw->l2_flows;
	int err = -ENOENT;

	if (index >= NPUSIM_HW_L2_FLOWS)
		return err;
	spin_lock_bh(&t->lock);
	if (t->slots[index].valid) {
		*packets = atomic64_read(&t->slots[index].packets);
		*bytes = atomic64_read(&t->slots[index].bytes);
		*last_hit = READ_ONCE(t->slots[index].last_hit);
		err = 0;
	}
	spin_unlock_bh(&t->lock);
	return err;
}

/**
 * npusim_hw_l2_flow_used() - valid L2 flow entries
 * @hw: the chip
 *
 * Return: their number.
 */
u32 npusim_hw_l2_flow_used(struct npusim_hw *hw)
{
	return READ_ONCE(hw->l2_flows->used);
}

int npusim_hw_l2_flow_init(struct npusim_hw *hw)
{
	hw->l2_flows = kzalloc(sizeof(*hw->l2_flows), GFP_KERNEL);
	if (!hw->l2_flows)
		return -ENOMEM;
	spin_lock_init(&hw->l2_flows->lock);
	seqcount_spinlock_init(&hw->l2_flows->seq, &hw->l2_flows->lock);
	return 0;
}

void npusim_hw_l2_flow_fini(struct npusim_hw *hw)
{
	kfree(hw->l2_flows);
	hw->l2_flows = NULL;
}
