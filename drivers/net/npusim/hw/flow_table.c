// SPDX-License-Identifier: GPL-2.0
/*
 * npusim emulated hardware: the flow table.
 *
 * A hash table of NPUSIM_HW_FT_WAYS-way buckets.  The bucket of an
 * entry is a fixed hash of its key, so a bucket can be full while the
 * table still has room, as on MediaTek's PPE.  Each entry carries
 * fixed-width packet and byte counters that wrap, and the clock value
 * of its last hit.
 */

#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>

#include "hw.h"

#define NPUSIM_HW_FT_HASH_SEED	0x4e505553

int npusim_hw_ft_init(struct npusim_hw_ft *ft, u32 size)
{
	spin_lock_init(&ft->lock);
	ft->slots = kvcalloc(size, sizeof(*ft->slots), GFP_KERNEL);
	if (!ft->slots)
		return -ENOMEM;
	ft->size = size;
	ft->n_buckets = size / NPUSIM_HW_FT_WAYS;
	ft->used = 0;
	return 0;
}

void npusim_hw_ft_fini(struct npusim_hw_ft *ft)
{
	kvfree(ft->slots);
	ft->slots = NULL;
}

static u32 npusim_hw_ft_bucket(const struct npusim_hw_ft *ft,
			       const struct npusim_hw_flow_key *key)
{
	BUILD_BUG_ON(sizeof(*key) % sizeof(u32));
	return jhash2((const u32 *)key, sizeof(*key) / sizeof(u32),
		      NPUSIM_HW_FT_HASH_SEED) % ft->n_buckets;
}

/**
 * npusim_hw_clock() - the flow table's free-running clock
 * @hw: the chip
 *
 * Return: NPUSIM_HW_CLOCK_BITS bits, ticking NPUSIM_HW_CLOCK_HZ a second.
 */
u16 npusim_hw_clock(struct npusim_hw *hw)
{
	u64 ticks = div_u64(get_jiffies_64() * NPUSIM_HW_CLOCK_HZ, HZ);

	return ticks & GENMASK(NPUSIM_HW_CLOCK_BITS - 1, 0);
}

/**
 * npusim_hw_ft_write() - install an entry in a free way of its bucket
 * @hw: the chip
 * @entry: the entry
 * @index: set to the entry's index on success
 *
 * The entry starts with zeroed counters and no hit.  Identical keys
 * may coexist (a flow re-offloaded before its previous instance is
 * destroyed); the packet engine uses the one written last.
 *
 * Return: 0; -ENOSPC if the table is full, -EBUSY if only the bucket is.
 */
int npusim_hw_ft_write(struct npusim_hw *hw,
		       const struct npusim_hw_flow_entry *entry, u32 *index)
{
	struct npusim_hw_ft *ft = &hw->ft;
	u32 first, i;
	int err = -EBUSY;

	spin_lock_bh(&ft->lock);
	if (ft->used == ft->size) {
		err = -ENOSPC;
		goto out;
	}
	first = npusim_hw_ft_bucket(ft, &entry->key) * NPUSIM_HW_FT_WAYS;
	for (i = first; i < first + NPUSIM_HW_FT_WAYS; i++) {
		struct npusim_hw_ft_slot *slot = &ft->slots[i];

		if (slot->valid)
			continue;
		slot->entry = *entry;
		memset(&slot->mib, 0, sizeof(slot->mib));
		slot->seq = ++ft->seq;
		slot->valid = true;
		ft->used++;
		*index = i;
		err = 0;
		break;
	}
out:
	spin_unlock_bh(&ft->lock);
	return err;
}

/**
 * npusim_hw_ft_clear() - invalidate an entry
 * @hw: the chip
 * @index: entry index
 *
 * Once this returns, the packet engine no longer uses the entry.
 */
void npusim_hw_ft_clear(struct npusim_hw *hw, u32 index)
{
	struct npusim_hw_ft *ft = &hw->ft;

	spin_lock_bh(&ft->lock);
	if (index < ft->size && ft->slots[index].valid) {
		ft->slots[index].valid = false;
		ft->used--;
	}
	spin_unlock_bh(&ft->lock);
}

/**
 * npusim_hw_ft_read() - read an entry and its counters
 * @hw: the chip
 * @index: entry index
 * @entry: filled with the entry, or NULL
 * @mib: filled with the counters
 *
 * Reading does not clear the counters.
 */
void npusim_hw_ft_read(struct npusim_hw *hw, u32 index,
		       struct npusim_hw_flow_entry *entry,
		       struct npusim_hw_flow_mib *mib)
{
	struct npusim_hw_ft *ft = &hw->ft;

	spin_lock_bh(&ft->lock);
	if (index < ft->size) {
		if (entry)
			*entry = ft->slots[index].entry;
		*mib = ft->slots[index].mib;
	}
	spin_unlock_bh(&ft->lock);
}

/**
 * npusim_hw_ft_size() - number of entries of the flow table
 * @hw: the chip
 *
 * Return: the size.
 */
u32 npusim_hw_ft_size(struct npusim_hw *hw)
{
	return READ_ONCE(hw->ft.size);
}

/**
 * npusim_hw_ft_used() - number of valid entries
 * @hw: the chip
 *
 * Return: the occupancy.
 */
u32 npusim_hw_ft_used(struct npusim_hw *hw)
{
	return READ_ONCE(hw->ft.used);
}

/**
 * npusim_hw_ft_resize() - re-size the (empty) flow table
 * @hw: the chip
 * @size: entries, a multiple of NPUSIM_HW_FT_WAYS within
 *	NPUSIM_HW_FT_MIN_SIZE..NPUSIM_HW_FT_MAX_SIZE
 *
 * Return: 0; -EINVAL for a bad size; -EBUSY if entries are in use;
 * -ENOMEM.  On error the table is unchanged.
 */
int npusim_hw_ft_resize(struct npusim_hw *hw, u32 size)
{
	struct npusim_hw_ft *ft = &hw->ft;
	struct npusim_hw_ft_slot *slots, *old;

	if (size < NPUSIM_HW_FT_MIN_SIZE || size > NPUSIM_HW_FT_MAX_SIZE ||
	    size % NPUSIM_HW_FT_WAYS)
		return -EINVAL;
	if (size == ft->size)
		return 0;

	slots = kvcalloc(size, sizeof(*slots), GFP_KERNEL);
	if (!slots)
		return -ENOMEM;

	spin_lock_bh(&ft->lock);
	if (ft->used) {
		spin_unlock_bh(&ft->lock);
		kvfree(slots);
		return -EBUSY;
	}
	old = ft->slots;
	ft->slots = slots;
	WRITE_ONCE(ft->size, size);
	ft->n_buckets = size / NPUSIM_HW_FT_WAYS;
	spin_unlock_bh(&ft->lock);

	kvfree(old);
	return 0;
}

/**
 * npusim_hw_ft_lookup() - packet engine: find the entry for a key
 * @hw: the chip
 * @key: the frame's key
 * @entry: filled with the matching entry
 * @index: set to its index
 *
 * Called from the datapath with BHs disabled.
 *
 * Return: true if an entry matches.
 */
bool npusim_hw_ft_lookup(struct npusim_hw *hw,
			 const struct npusim_hw_flow_key *key,
			 struct npusim_hw_flow_entry *entry, u32 *index)
{
	struct npusim_hw_ft *ft = &hw->ft;
	struct npusim_hw_ft_slot *best = NULL;
	u32 first, i;

	spin_lock(&ft->lock);
	if (!ft->used)
		goto out;
	first = npusim_hw_ft_bucket(ft, key) * NPUSIM_HW_FT_WAYS;
	for (i = first; i < first + NPUSIM_HW_FT_WAYS; i++) {
		struct npusim_hw_ft_slot *slot = &ft->slots[i];

		if (!slot->valid || memcmp(&slot->entry.key, key, sizeof(*key)))
			continue;
		/* the newest of equal keys; the sequence wraps */
		if (best && (s32)(slot->seq - best->seq) < 0)
			continue;
		best = slot;
		*index = i;
	}
	if (best)
		*entry = best->entry;
out:
	spin_unlock(&ft->lock);
	return !!best;
}

/**
 * npusim_hw_ft_hit() - packet engine: account a forwarded frame
 * @hw: the chip
 * @index: the entry npusim_hw_ft_lookup() found
 * @key: the frame's key; nothing is counted if the entry changed since
 * @l3_len: the frame's L3 length
 */
void npusim_hw_ft_hit(struct npusim_hw *hw, u32 index,
		      const struct npusim_hw_flow_key *key,
		      unsigned int l3_len)
{
	struct npusim_hw_ft *ft = &hw->ft;
	struct npusim_hw_ft_slot *slot;

	spin_lock(&ft->lock);
	if (index >= ft->size)
		goto out;
	slot = &ft->slots[index];
	if (!slot->valid || memcmp(&slot->entry.key, key, sizeof(*key)))
		goto out;
	slot->mib.packets++;
	slot->mib.bytes = (slot->mib.bytes + l3_len) &
			  GENMASK_ULL(NPUSIM_HW_FT_BYTES_BITS - 1, 0);
	slot->mib.last_hit = npusim_hw_clock(hw);
	slot->mib.hit = true;
out:
	spin_unlock(&ft->lock);
}
