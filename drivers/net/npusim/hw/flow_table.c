// SPDX-License-Identifier: GPL-2.0
/*
 * npusim emulated hardware: the flow table.
 *
 * A hash table of buckets of NPUSIM_HW_PARAM_WAYS entries.  The bucket
 * of an entry is a fixed hash of its key, so a bucket can be full while
 * the table still has room, as on MediaTek's PPE.  Each entry carries
 * packet and byte counters of the widths the configuration registers
 * set, which wrap, and the clock value of its last hit.
 *
 * An entry is written unbound or bound (NPUSIM_HW_PARAM_BIND_HITS);
 * the engine binds it after enough hits, and moves a bound TCP entry
 * to FIN when it sees the flow's FIN or RST.  With NPUSIM_HW_PARAM_CACHE,
 * lookups first try a small cache of copies of bound entries, which
 * only npusim_hw_ft_cache_flush() and the chip's own removals
 * (ageing, eviction) invalidate: as on MediaTek's PPE, an entry the
 * driver clears without flushing the cache goes on forwarding.
 *
 * Locking: the driver, the ageing scan and the engine's rare changes
 * (binding, FIN) take the table's lock, with BHs disabled, and write
 * each entry inside the entry's seqcount, and the table's geometry
 * (slots, buckets, ways) inside the table's.  The engine's lookup of a
 * bound entry and its hit accounting take no lock: they read inside
 * the seqcounts, and count in the entry's own atomic counters and last
 * hit.  A chip with the lookup cache takes the lock on every lookup,
 * for the cache.  A resize frees the old slots after an RCU grace
 * period: the engine runs in RCU read-side sections (its NAPI poll).
 */

#include <linux/in.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>

#include "hw.h"

#define NPUSIM_HW_FT_HASH_SEED	0x4e505553

static void npusim_hw_ft_cache_clear(struct npusim_hw_ft *ft)
{
	memset(ft->cache, 0, sizeof(ft->cache));
}

/* The chip changed an entry on its own: it knows to drop its copy. */
static void npusim_hw_ft_cache_forget(struct npusim_hw_ft *ft, u32 index)
{
	unsigned int i;

	for (i = 0; i < NPUSIM_HW_FT_CACHE_LINES; i++)
		if (ft->cache[i].ref.index == index)
			ft->cache[i].valid = false;
}

/* Invalidate an entry.  Locked. */
static void npusim_hw_ft_invalidate(struct npusim_hw_ft *ft, u32 index)
{
	struct npusim_hw_ft_slot *slot = &ft->slots[index];

	write_seqcount_begin(&slot->wseq);
	slot->valid = false;
	write_seqcount_end(&slot->wseq);
	WRITE_ONCE(ft->used, ft->used - 1);
}

/* The chip removes an entry on its own. */
static void npusim_hw_ft_drop(struct npusim_hw_ft *ft, u32 index)
{
	npusim_hw_ft_invalidate(ft, index);
	npusim_hw_ft_cache_forget(ft, index);
}

/* @size free slots, or NULL. */
static struct npusim_hw_ft_slot *npusim_hw_ft_slots_alloc(struct npusim_hw_ft *ft,
							  u32 size)
{
	struct npusim_hw_ft_slot *slots;
	u32 i;

	slots = kvcalloc(size, sizeof(*slots), GFP_KERNEL);
	if (!slots)
		return NULL;
	for (i = 0; i < size; i++)
		seqcount_spinlock_init(&slots[i].wseq, &ft->lock);
	return slots;
}

int npusim_hw_ft_init(struct npusim_hw *hw, u32 size)
{
	struct npusim_hw_ft *ft = &hw->ft;

	spin_lock_init(&ft->lock);
	seqcount_spinlock_init(&ft->geom, &ft->lock);
	ft->slots = npusim_hw_ft_slots_alloc(ft, size);
	if (!ft->slots)
		return -ENOMEM;
	ft->size = size;
	ft->n_buckets = size / hw->param[NPUSIM_HW_PARAM_WAYS];
	ft->used = 0;
	npusim_hw_ft_cache_clear(ft);
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
	/* the hash scaled to the buckets: a multiply, not a division */
	return reciprocal_scale(jhash2((const u32 *)key,
				       sizeof(*key) / sizeof(u32),
				       NPUSIM_HW_FT_HASH_SEED), ft->n_buckets);
}

/**
 * npusim_hw_clock() - the flow table's free-running clock
 * @hw: the chip
 *
 * Return: NPUSIM_HW_PARAM_CLOCK_BITS bits, ticking NPUSIM_HW_PARAM_CLOCK_HZ
 * times a second, NPUSIM_HW_PARAM_CLOCK_OFFSET ticks ahead.
 */
u16 npusim_hw_clock(struct npusim_hw *hw)
{
	u32 hz = READ_ONCE(hw->param[NPUSIM_HW_PARAM_CLOCK_HZ]);
	u32 bits = READ_ONCE(hw->param[NPUSIM_HW_PARAM_CLOCK_BITS]);
	u64 ticks = div_u64(get_jiffies_64() * hz, HZ);

	ticks += READ_ONCE(hw->param[NPUSIM_HW_PARAM_CLOCK_OFFSET]);
	return ticks & GENMASK(bits - 1, 0);
}

/**
 * npusim_hw_ft_counters_start() - where an entry's counters start
 * @hw: the chip
 * @index: the entry's index
 * @packets: set to its packet counter's value when it is written
 * @bytes: set to its byte counter's value
 *
 * NPUSIM_HW_PARAM_COUNTERS_WRAP_IN counts below the wrap of each
 * counter, modulo its width; 0 for an entry without counters
 * (NPUSIM_HW_PARAM_STATS_SLOTS).
 */
void npusim_hw_ft_counters_start(struct npusim_hw *hw, u32 index,
				 u64 *packets, u64 *bytes)
{
	u64 n = READ_ONCE(hw->param[NPUSIM_HW_PARAM_COUNTERS_WRAP_IN]);
	u32 pkts_bits = READ_ONCE(hw->param[NPUSIM_HW_PARAM_PKTS_BITS]);
	u32 bytes_bits = READ_ONCE(hw->param[NPUSIM_HW_PARAM_BYTES_BITS]);

	if (index >= READ_ONCE(hw->param[NPUSIM_HW_PARAM_STATS_SLOTS]))
		n = 0;
	*packets = -n & GENMASK_ULL(pkts_bits - 1, 0);
	*bytes = -n & GENMASK_ULL(bytes_bits - 1, 0);
}

/* Can the entry format of this chip carry @entry at all? */
static bool npusim_hw_ft_can_carry(struct npusim_hw *hw,
				   const struct npusim_hw_flow_entry *entry)
{
	u32 max_vlans = READ_ONCE(hw->param[NPUSIM_HW_PARAM_MAX_VLANS]);

	if (entry->key.n_vlan > max_vlans || entry->n_push > max_vlans)
		return false;
	if (entry->pppoe && !READ_ONCE(hw->param[NPUSIM_HW_PARAM_PPPOE]))
		return false;
	if (entry->key.ip_ver == 6 && entry->nat &&
	    !READ_ONCE(hw->param[NPUSIM_HW_PARAM_IPV6_NAT]))
		return false;
	return true;
}

/*
 * The way of a full bucket that was hit least recently; of ways idle
 * for as many clock ticks, the one written first.  Locked.
 */
static u32 npusim_hw_ft_lru(struct npusim_hw *hw, u32 first, u32 ways)
{
	u32 mask = GENMASK(hw->param[NPUSIM_HW_PARAM_CLOCK_BITS] - 1, 0);
	struct npusim_hw_ft_slot *slots = hw->ft.slots;
	u32 now = npusim_hw_clock(hw);
	u32 i, idle, lru = first;
	u32 lru_idle = (now - READ_ONCE(slots[first].mib.last_hit)) & mask;

	for (i = first + 1; i < first + ways; i++) {
		idle = (now - READ_ONCE(slots[i].mib.last_hit)) & mask;
		if (idle < lru_idle ||
		    (idle == lru_idle && (s32)(slots[i].seq - slots[lru].seq) > 0))
			continue;
		lru = i;
		lru_idle = idle;
	}
	return lru;
}

/**
 * npusim_hw_ft_write() - install an entry in a free way of its bucket
 * @hw: the chip
 * @entry: the entry
 * @index: set to the entry's index on success
 * @tag: set to the entry's tag, which tells it from the entries that
 *	take the same index after it is gone (cleared or evicted)
 *
 * The entry starts with zeroed counters and no hit, unbound if the chip
 * binds entries on hits (NPUSIM_HW_PARAM_BIND_HITS).  Identical keys may
 * coexist (a flow re-offloaded before its previous instance is
 * destroyed); the packet engine uses the one written last.  If the
 * bucket is full, NPUSIM_HW_PARAM_FULL_POLICY decides.
 *
 * Return: 0; -ENOSPC if the table is full, -EBUSY if only the bucket is
 * (NPUSIM_HW_FULL_REFUSE); -EOPNOTSUPP if the chip's entries cannot
 * carry @entry (too many VLAN tags, PPPoE, IPv6 NAT: see enum
 * npusim_hw_param).
 */
int npusim_hw_ft_write(struct npusim_hw *hw,
		       const struct npusim_hw_flow_entry *entry, u32 *index,
		       u32 *tag)
{
	struct npusim_hw_flow_key key = entry->key;
	struct npusim_hw_ft *ft = &hw->ft;
	struct npusim_hw_ft_slot *slot;
	u32 first, ways, i;
	u64 packets, bytes;
	int err = 0;

	spin_lock_bh(&ft->lock);
	if (!npusim_hw_ft_can_carry(hw, entry)) {
		err = -EOPNOTSUPP;
		goto out;
	}
	if (hw->param[NPUSIM_HW_PARAM_IGNORE_PORT])
		key.in_port = 0;
	ways = hw->param[NPUSIM_HW_PARAM_WAYS];
	first = npusim_hw_ft_bucket(ft, &key) * ways;
	for (i = first; i < first + ways; i++)
		if (!ft->slots[i].valid)
			break;
	if (i == first + ways) {
		switch (hw->param[NPUSIM_HW_PARAM_FULL_POLICY]) {
		case NPUSIM_HW_FULL_ACCEPT:
			/* tag 0 is never valid: the entry reads as gone */
			ft->stats.dropped++;
			*index = first;
			*tag = 0;
			goto out;
		case NPUSIM_HW_FULL_EVICT:
			i = npusim_hw_ft_lru(hw, first, ways);
			npusim_hw_ft_drop(ft, i);
			ft->stats.overwritten++;
			break;
		default:
			err = ft->used == ft->size ? -ENOSPC : -EBUSY;
			goto out;
		}
	}

	slot = &ft->slots[i];
	npusim_hw_ft_counters_start(hw, i, &packets, &bytes);
	if (!++ft->seq)
		++ft->seq;
	write_seqcount_begin(&slot->wseq);
	slot->entry = *entry;
	slot->entry.key = key;
	memset(&slot->mib, 0, sizeof(slot->mib));
	atomic64_set(&slot->packets, packets);
	atomic64_set(&slot->bytes, bytes);
	/* ageing counts from the write until the first hit */
	slot->mib.last_hit = npusim_hw_clock(hw);
	slot->mib.state = hw->param[NPUSIM_HW_PARAM_BIND_HITS] ?
			  NPUSIM_HW_FLOW_UNBIND : NPUSIM_HW_FLOW_BIND;
	slot->seq = ft->seq;
	slot->valid = true;
	write_seqcount_end(&slot->wseq);
	WRITE_ONCE(ft->used, ft->used + 1);
	*index = i;
	*tag = slot->seq;
out:
	spin_unlock_bh(&ft->lock);
	return err;
}

/* The slot of a valid entry of this index and tag, or NULL.  Locked. */
static struct npusim_hw_ft_slot *npusim_hw_ft_slot(struct npusim_hw_ft *ft,
						   u32 index, u32 tag)
{
	struct npusim_hw_ft_slot *slot;

	if (index >= ft->size)
		return NULL;
	slot = &ft->slots[index];
	return slot->valid && slot->seq == tag ? slot : NULL;
}

/**
 * npusim_hw_ft_clear() - invalidate an entry
 * @hw: the chip
 * @index: entry index
 * @tag: the entry's tag; nothing happens if the entry is already gone
 *	and another took its place
 *
 * Once this returns, the packet engine no longer uses the entry, unless
 * it holds a copy in its lookup cache: see npusim_hw_ft_cache_flush().
 */
void npusim_hw_ft_clear(struct npusim_hw *hw, u32 index, u32 tag)
{
	struct npusim_hw_ft *ft = &hw->ft;
	struct npusim_hw_ft_slot *slot;

	spin_lock_bh(&ft->lock);
	slot = npusim_hw_ft_slot(ft, index, tag);
	if (slot)
		npusim_hw_ft_invalidate(ft, index);
	spin_unlock_bh(&ft->lock);
}

/**
 * npusim_hw_ft_peek() - read an entry without its counters
 * @hw: the chip
 * @index: entry index
 * @tag: the entry's tag
 * @entry: filled in
 *
 * Unlike npusim_hw_ft_read(), this never clears counters that clear on
 * read.
 *
 * Return: 0, or -ENOENT if the entry is not valid any more.
 */
int npusim_hw_ft_peek(struct npusim_hw *hw, u32 index, u32 tag,
		      struct npusim_hw_flow_entry *entry)
{
	struct npusim_hw_ft *ft = &hw->ft;
	struct npusim_hw_ft_slot *slot;

	spin_lock_bh(&ft->lock);
	slot = npusim_hw_ft_slot(ft, index, tag);
	if (slot)
		*entry = slot->entry;
	spin_unlock_bh(&ft->lock);
	return slot ? 0 : -ENOENT;
}

/**
 * npusim_hw_ft_rewrite() - change what an entry does, in place
 * @hw: the chip
 * @index: entry index
 * @tag: the entry's tag
 * @entry: the new entry; its key must be the entry's
 *
 * The entry keeps its counters and state.  A chip with a lookup cache
 * needs npusim_hw_ft_cache_flush() after.
 *
 * Return: 0, -ENOENT if the entry is not valid any more, -EINVAL if the
 * key differs, -EOPNOTSUPP if the chip cannot carry the new entry.
 */
int npusim_hw_ft_rewrite(struct npusim_hw *hw, u32 index, u32 tag,
			 const struct npusim_hw_flow_entry *entry)
{
	struct npusim_hw_ft *ft = &hw->ft;
	struct npusim_hw_ft_slot *slot;
	int err = 0;

	spin_lock_bh(&ft->lock);
	slot = npusim_hw_ft_slot(ft, index, tag);
	if (!slot)
		err = -ENOENT;
	else if (memcmp(&slot->entry.key, &entry->key, sizeof(entry->key)))
		err = -EINVAL;
	else if (!npusim_hw_ft_can_carry(hw, entry))
		err = -EOPNOTSUPP;
	if (!err) {
		write_seqcount_begin(&slot->wseq);
		slot->entry = *entry;
		write_seqcount_end(&slot->wseq);
	}
	spin_unlock_bh(&ft->lock);
	return err;
}

/**
 * npusim_hw_ft_cache_flush() - invalidate the lookup cache
 * @hw: the chip
 *
 * What the driver must do after it writes or clears entries on a chip
 * with NPUSIM_HW_PARAM_CACHE, as mtk_ppe_cache_clear() does.  Once this
 * returns, the packet engine uses the table as it is.
 */
void npusim_hw_ft_cache_flush(struct npusim_hw *hw)
{
	struct npusim_hw_ft *ft = &hw->ft;

	spin_lock_bh(&ft->lock);
	npusim_hw_ft_cache_clear(ft);
	spin_unlock_bh(&ft->lock);
}

/**
 * npusim_hw_ft_valid() - is an entry still in the table?
 * @hw: the chip
 * @index: entry index
 * @tag: the entry's tag
 *
 * Return: true if the entry is valid (not cleared or evicted); its
 * counters are not read.
 */
bool npusim_hw_ft_valid(struct npusim_hw *hw, u32 index, u32 tag)
{
	struct npusim_hw_ft *ft = &hw->ft;
	bool valid;

	spin_lock_bh(&ft->lock);
	valid = npusim_hw_ft_slot(ft, index, tag);
	spin_unlock_bh(&ft->lock);
	return valid;
}

/**
 * npusim_hw_ft_evict() - the chip drops entries on its own
 * @hw: the chip
 * @index: the entry to drop, or U32_MAX for all of them
 *
 * As when hardware ages an entry out or a table is reset: the driver
 * is not told, it finds out when it reads the entry
 * (npusim_hw_ft_read() fails).
 *
 * Return: the number of entries dropped.
 */
u32 npusim_hw_ft_evict(struct npusim_hw *hw, u32 index)
{
	struct npusim_hw_ft *ft = &hw->ft;
	u32 i, n = 0;

	spin_lock_bh(&ft->lock);
	for (i = 0; i < ft->size; i++) {
		if (index != U32_MAX && i != index)
			continue;
		if (!ft->slots[i].valid)
			continue;
		npusim_hw_ft_drop(ft, i);
		n++;
	}
	spin_unlock_bh(&ft->lock);
	return n;
}

/**
 * npusim_hw_ft_read() - read an entry and its counters
 * @hw: the chip
 * @index: entry index
 * @tag: the entry's tag
 * @entry: filled with the entry, or NULL
 * @mib: filled with the counters
 *
 * On a chip with NPUSIM_HW_PARAM_CLEAR_ON_READ, reading clears the
 * counters: whoever reads them owns what they counted.  @mib also
 * gives the entry's state.
 *
 * Return: 0; -ENOENT if the entry is gone (the chip evicted it), and
 * then nothing is filled in.
 */
int npusim_hw_ft_read(struct npusim_hw *hw, u32 index, u32 tag,
		      struct npusim_hw_flow_entry *entry,
		      struct npusim_hw_flow_mib *mib)
{
	struct npusim_hw_ft *ft = &hw->ft;
	struct npusim_hw_ft_slot *slot;

	spin_lock_bh(&ft->lock);
	slot = npusim_hw_ft_slot(ft, index, tag);
	if (slot) {
		if (entry)
			*entry = slot->entry;
		*mib = slot->mib;
		mib->last_hit = READ_ONCE(slot->mib.last_hit);
		mib->hit = READ_ONCE(slot->mib.hit);
		if (hw->param[NPUSIM_HW_PARAM_CLEAR_ON_READ]) {
			mib->packets = atomic64_xchg(&slot->packets, 0);
			mib->bytes = atomic64_xchg(&slot->bytes, 0);
		} else {
			mib->packets = atomic64_read(&slot->packets);
			mib->bytes = atomic64_read(&slot->bytes);
		}
		mib->packets &= GENMASK_ULL(hw->param[NPUSIM_HW_PARAM_PKTS_BITS] - 1, 0);
		mib->bytes &= GENMASK_ULL(hw->param[NPUSIM_HW_PARAM_BYTES_BITS] - 1, 0);
	}
	spin_unlock_bh(&ft->lock);
	return slot ? 0 : -ENOENT;
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
 * @size: entries, a multiple of NPUSIM_HW_FT_MIN_SIZE within
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
	    size % NPUSIM_HW_FT_MIN_SIZE)
		return -EINVAL;
	if (size == ft->size)
		return 0;

	slots = npusim_hw_ft_slots_alloc(ft, size);
	if (!slots)
		return -ENOMEM;

	spin_lock_bh(&ft->lock);
	if (ft->used) {
		spin_unlock_bh(&ft->lock);
		kvfree(slots);
		return -EBUSY;
	}
	old = ft->slots;
	write_seqcount_begin(&ft->geom);
	ft->slots = slots;
	WRITE_ONCE(ft->size, size);
	ft->n_buckets = size / hw->param[NPUSIM_HW_PARAM_WAYS];
	write_seqcount_end(&ft->geom);
	npusim_hw_ft_cache_clear(ft);
	spin_unlock_bh(&ft->lock);

	synchronize_rcu();	/* the engine may still be reading them */
	kvfree(old);
	return 0;
}

/*
 * npusim_hw_ft_lookup() under the lock: on a chip with the lookup
 * cache, and for an unbound entry, whose hits count towards binding it.
 */
static enum npusim_hw_ft_match
npusim_hw_ft_lookup_locked(struct npusim_hw *hw,
			   const struct npusim_hw_flow_key *key,
			   struct npusim_hw_flow_entry *entry,
			   struct npusim_hw_ft_ref *ref)
{
	enum npusim_hw_ft_match match = NPUSIM_HW_FT_MISS;
	struct npusim_hw_ft *ft = &hw->ft;
	struct npusim_hw_ft_slot *best = NULL;
	struct npusim_hw_ft_cache_line *line;
	u32 bucket, first, ways, i;

	spin_lock(&ft->lock);
	bucket = npusim_hw_ft_bucket(ft, key);
	line = &ft->cache[bucket & (NPUSIM_HW_FT_CACHE_LINES - 1)];
	if (hw->param[NPUSIM_HW_PARAM_CACHE] && line->valid &&
	    !memcmp(&line->entry.key, key, sizeof(*key))) {
		struct npusim_hw_ft_slot *slot = &ft->slots[line->ref.index];

		ft->stats.cache_hits++;
		if (!slot->valid || slot->seq != line->ref.seq)
			ft->stats.cache_stale++;
		*entry = line->entry;
		*ref = line->ref;
		match = NPUSIM_HW_FT_HIT;
		goto out;
	}
	if (!ft->used)
		goto out;
	ways = hw->param[NPUSIM_HW_PARAM_WAYS];
	first = bucket * ways;
	for (i = first; i < first + ways; i++) {
		struct npusim_hw_ft_slot *slot = &ft->slots[i];

		if (!slot->valid || memcmp(&slot->entry.key, key, sizeof(*key)))
			continue;
		/* the newest of equal keys; the sequence wraps */
		if (best && (s32)(slot->seq - best->seq) < 0)
			continue;
		best = slot;
		ref->index = i;
	}
	if (!best)
		goto out;
	ref->seq = best->seq;

	switch (best->mib.state) {
	case NPUSIM_HW_FLOW_BIND:
		*entry = best->entry;
		match = NPUSIM_HW_FT_HIT;
		if (hw->param[NPUSIM_HW_PARAM_CACHE]) {
			line->entry = best->entry;
			line->ref = *ref;
			line->valid = true;
		}
		break;
	case NPUSIM_HW_FLOW_UNBIND:
		WRITE_ONCE(best->mib.last_hit, npusim_hw_clock(hw));
		WRITE_ONCE(best->mib.hit, true);
		write_seqcount_begin(&best->wseq);
		if (best->mib.bind_hits < U16_MAX)
			best->mib.bind_hits++;
		if (best->mib.bind_hits >= hw->param[NPUSIM_HW_PARAM_BIND_HITS])
			best->mib.state = NPUSIM_HW_FLOW_BIND;
		write_seqcount_end(&best->wseq);
		match = NPUSIM_HW_FT_UNBOUND;
		break;
	default:
		match = NPUSIM_HW_FT_UNBOUND;
		break;
	}
out:
	spin_unlock(&ft->lock);
	return match;
}

/**
 * npusim_hw_ft_lookup() - packet engine: find the entry for a key
 * @hw: the chip
 * @key: the frame's key
 * @entry: filled with the matching entry, if bound
 * @ref: set to its index and write, for npusim_hw_ft_hit()
 * @peek: find a bound entry only, and change nothing: return
 *	NPUSIM_HW_FT_UNBOUND for an unbound entry without counting the hit,
 *	and on a chip with the lookup cache always (a burst of frames is
 *	looked up once, before the engine knows it can forward it whole)
 *
 * Called from the datapath with BHs disabled.  A bound entry is found
 * without the table's lock (see the locking at the top of this file);
 * a hit on an unbound entry counts towards binding it, under the lock.
 *
 * Return: what was found.
 */
enum npusim_hw_ft_match
npusim_hw_ft_lookup(struct npusim_hw *hw, const struct npusim_hw_flow_key *key,
		    struct npusim_hw_flow_entry *entry,
		    struct npusim_hw_ft_ref *ref, bool peek)
{
	struct npusim_hw_ft_slot *slots, *best = NULL;
	struct npusim_hw_ft *ft = &hw->ft;
	u32 first, ways, i, best_seq = 0;
	unsigned int gseq, seq;
	u8 state = 0;

	if (READ_ONCE(hw->param[NPUSIM_HW_PARAM_CACHE]))
		return peek ? NPUSIM_HW_FT_UNBOUND :
			      npusim_hw_ft_lookup_locked(hw, key, entry, ref);
	if (!READ_ONCE(ft->used))
		return NPUSIM_HW_FT_MISS;

	do {
		gseq = read_seqcount_begin(&ft->geom);
		slots = ft->slots;
		ways = hw->param[NPUSIM_HW_PARAM_WAYS];
		first = npusim_hw_ft_bucket(ft, key) * ways;
	} while (read_seqcount_retry(&ft->geom, gseq));

	for (i = first; i < first + ways; i++) {
		struct npusim_hw_ft_slot *slot = &slots[i];
		bool match;
		u32 sseq;
		u8 st;

		do {
			seq = read_seqcount_begin(&slot->wseq);
			match = slot->valid &&
				!memcmp(&slot->entry.key, key, sizeof(*key));
			sseq = slot->seq;
			st = slot->mib.state;
		} while (read_seqcount_retry(&slot->wseq, seq));
		/* the newest of equal keys; the sequence wraps */
		if (!match || (best && (s32)(sseq - best_seq) < 0))
			continue;
		best = slot;
		best_seq = sseq;
		state = st;
		ref->index = i;
	}
	if (!best)
		return NPUSIM_HW_FT_MISS;
	if (state == NPUSIM_HW_FLOW_BIND) {
		do {
			seq = read_seqcount_begin(&best->wseq);
			*entry = best->entry;
			state = best->valid && best->seq == best_seq ?
				best->mib.state : NPUSIM_HW_FLOW_UNBIND;
		} while (read_seqcount_retry(&best->wseq, seq));
	}
	/* an unbound entry, or one that changed since: under the lock */
	switch (state) {
	case NPUSIM_HW_FLOW_BIND:
		ref->seq = best_seq;
		return NPUSIM_HW_FT_HIT;
	case NPUSIM_HW_FLOW_UNBIND:
		return peek ? NPUSIM_HW_FT_UNBOUND :
			      npusim_hw_ft_lookup_locked(hw, key, entry, ref);
	default:
		return NPUSIM_HW_FT_UNBOUND;
	}
}

/**
 * npusim_hw_ft_fin() - packet engine: a flow's TCP FIN or RST went by
 * @hw: the chip
 * @key: the frame's key
 *
 * The bound entry of the key, if any, stops forwarding: the host must
 * see the end of the connection.  Called from the datapath with BHs
 * disabled.
 */
void npusim_hw_ft_fin(struct npusim_hw *hw, const struct npusim_hw_flow_key *key)
{
	struct npusim_hw_ft *ft = &hw->ft;
	u32 first, ways, i;

	spin_lock(&ft->lock);
	if (!ft->used)
		goto out;
	ways = hw->param[NPUSIM_HW_PARAM_WAYS];
	first = npusim_hw_ft_bucket(ft, key) * ways;
	for (i = first; i < first + ways; i++) {
		struct npusim_hw_ft_slot *slot = &ft->slots[i];

		if (!slot->valid || slot->mib.state != NPUSIM_HW_FLOW_BIND ||
		    memcmp(&slot->entry.key, key, sizeof(*key)))
			continue;
		write_seqcount_begin(&slot->wseq);
		slot->mib.state = NPUSIM_HW_FLOW_FIN;
		write_seqcount_end(&slot->wseq);
		npusim_hw_ft_cache_forget(ft, i);
	}
out:
	spin_unlock(&ft->lock);
}

/**
 * npusim_hw_ft_stats() - what the flow table did on its own
 * @hw: the chip
 * @st: filled with the counts since the chip was created
 */
void npusim_hw_ft_stats(struct npusim_hw *hw, struct npusim_hw_ft_stats *st)
{
	struct npusim_hw_ft *ft = &hw->ft;

	spin_lock_bh(&ft->lock);
	*st = ft->stats;
	spin_unlock_bh(&ft->lock);
}

static bool npusim_hw_ft_ageing(struct npusim_hw *hw)
{
	return READ_ONCE(hw->param[NPUSIM_HW_PARAM_AGE_TCP]) ||
	       READ_ONCE(hw->param[NPUSIM_HW_PARAM_AGE_UDP]);
}

/**
 * npusim_hw_ft_age_start() - start hardware ageing if it is configured
 * @hw: the chip
 */
void npusim_hw_ft_age_start(struct npusim_hw *hw)
{
	if (npusim_hw_ft_ageing(hw))
		schedule_delayed_work(&hw->age_work, HZ);
}

/*
 * Hardware ageing: once a second, drop the entries that have not been
 * hit for longer than their protocol's age, as MediaTek's and Airoha's
 * PPEs do on their own.  The driver finds out when it next reads them.
 */
void npusim_hw_ft_age_work(struct work_struct *work)
{
	struct npusim_hw *hw = container_of(to_delayed_work(work),
					    struct npusim_hw, age_work);
	struct npusim_hw_ft *ft = &hw->ft;
	u32 tcp, udp, mask, now, i;

	if (!npusim_hw_ft_ageing(hw))
		return;		/* npusim_hw_param_set() starts it again */

	spin_lock_bh(&ft->lock);
	tcp = hw->param[NPUSIM_HW_PARAM_AGE_TCP];
	udp = hw->param[NPUSIM_HW_PARAM_AGE_UDP];
	mask = GENMASK(hw->param[NPUSIM_HW_PARAM_CLOCK_BITS] - 1, 0);
	now = npusim_hw_clock(hw);
	for (i = 0; i < ft->size; i++) {
		struct npusim_hw_ft_slot *slot = &ft->slots[i];
		u32 age;

		if (!slot->valid)
			continue;
		age = slot->entry.key.l4proto == IPPROTO_TCP ? tcp : udp;
		if (!age ||
		    ((now - READ_ONCE(slot->mib.last_hit)) & mask) <= age)
			continue;
		npusim_hw_ft_drop(ft, i);
		ft->stats.aged++;
	}
	spin_unlock_bh(&ft->lock);
	schedule_delayed_work(&hw->age_work, HZ);
}

/**
 * npusim_hw_ft_hit() - packet engine: account forwarded frames
 * @hw: the chip
 * @ref: the entry npusim_hw_ft_lookup() found; nothing is counted if its
 *	slot was cleared or written again since
 * @frames: how many: 1, or the frames of a burst
 * @l2_len: their length as received, in all
 * @l3_len: their L3 length, in all
 *
 * The last hit is always recorded; the counters only on the entries
 * that have them (NPUSIM_HW_PARAM_STATS_SLOTS).  Without the table's
 * lock: the slot's write sequence number, not its key, tells whether it
 * still holds the entry the lookup found.  A frame whose entry is
 * cleared right after that check may still be counted in it, as on
 * hardware that counts after its lookup.
 */
void npusim_hw_ft_hit(struct npusim_hw *hw, const struct npusim_hw_ft_ref *ref,
		      unsigned int frames, unsigned int l2_len,
		      unsigned int l3_len)
{
	struct npusim_hw_ft *ft = &hw->ft;
	struct npusim_hw_ft_slot *slot;
	unsigned int gseq, seq;
	bool match;
	u16 now;
	u32 len;

	do {
		gseq = read_seqcount_begin(&ft->geom);
		slot = ref->index < ft->size ? &ft->slots[ref->index] : NULL;
	} while (read_seqcount_retry(&ft->geom, gseq));
	if (!slot)
		return;
	do {
		seq = read_seqcount_begin(&slot->wseq);
		match = slot->valid && slot->seq == ref->seq;
	} while (read_seqcount_retry(&slot->wseq, seq));
	if (!match)
		return;

	now = npusim_hw_clock(hw);
	if (READ_ONCE(slot->mib.last_hit) != now)
		WRITE_ONCE(slot->mib.last_hit, now);
	if (!READ_ONCE(slot->mib.hit))
		WRITE_ONCE(slot->mib.hit, true);
	if (ref->index >= READ_ONCE(hw->param[NPUSIM_HW_PARAM_STATS_SLOTS]))
		return;
	len = READ_ONCE(hw->param[NPUSIM_HW_PARAM_L2_BYTES]) ? l2_len : l3_len;
	atomic64_add(frames, &slot->packets);
	atomic64_add(len, &slot->bytes);
}
