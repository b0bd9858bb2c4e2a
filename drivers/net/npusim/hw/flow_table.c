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
 * An entry is 64 bytes (struct npusim_hw_ft_slot), its counters
 * included: the key in five words with IPv6 addresses folded, the
 * NAT rewrite, and the index of its next hop in a shared next-hop
 * table, which holds the MAC addresses, tags and PPPoE session to push.
 * An IPv6 entry keeps its full addresses out of line.
 *
 * Locking: the driver, the ageing scan and the engine's rare changes
 * (binding, FIN) take the table's lock, with BHs disabled, and write
 * each entry inside its write seqcount, and the table's geometry
 * (slots, buckets, ways) inside the table's.  The engine's lookup of a
 * bound entry and its hit accounting take no lock: they read inside
 * the seqcounts, and count in the entry's own atomic counters and last
 * hit.  The driver's reads of free-running counters take no lock
 * either.  A chip with the lookup cache takes the lock on every lookup,
 * for the cache.  A resize frees the old slots after an RCU grace
 * period, and a next hop or IPv6 addresses an entry no longer uses go
 * after one too: the engine runs in RCU read-side sections (its NAPI
 * poll), and a counter read takes rcu_read_lock().
 */

#include <linux/bitfield.h>
#include <linux/in.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>

#include "hw.h"

#define NPUSIM_HW_FT_HASH_SEED	0x4e505553

/* The write seqcount of entry @index. */
static seqcount_spinlock_t *npusim_hw_ft_wseq(struct npusim_hw_ft *ft,
					      u32 index)
{
	return &ft->wseq[index % NPUSIM_HW_FT_WSEQS];
}

static __be32 npusim_hw_ft_fold(const __be32 *addr)
{
	return addr[0] ^ addr[1] ^ addr[2] ^ addr[3];
}

/* The key as the table stores it. */
static void npusim_hw_ft_hkey(struct npusim_hw_ft_hkey *h,
			      const struct npusim_hw_flow_key *key)
{
	memset(h, 0, sizeof(*h));
	if (key->ip_ver == 6) {
		h->src = npusim_hw_ft_fold(key->src);
		h->dst = npusim_hw_ft_fold(key->dst);
		h->flags |= NPUSIM_HW_FT_KEY_IPV6;
	} else {
		h->src = key->src[0];
		h->dst = key->dst[0];
	}
	h->sport = key->sport;
	h->dport = key->dport;
	memcpy(h->vid, key->vid, sizeof(h->vid));
	h->in_port = key->in_port;
	if (key->l4proto == IPPROTO_TCP)
		h->flags |= NPUSIM_HW_FT_KEY_TCP;
	h->flags |= FIELD_PREP(NPUSIM_HW_FT_KEY_VLANS, key->n_vlan);
}

static bool npusim_hw_ft_is_ipv6(const struct npusim_hw_ft_slot *slot)
{
	return slot->key.flags & NPUSIM_HW_FT_KEY_IPV6;
}

/* The IPv6 addresses of an entry, under the table's lock. */
static struct npusim_hw_ft_ext *
npusim_hw_ft_ext_locked(struct npusim_hw_ft *ft,
			const struct npusim_hw_ft_slot *slot)
{
	return rcu_dereference_protected(slot->ext, lockdep_is_held(&ft->lock));
}

/* The IPv6 addresses of an entry, for a reader in its seqcount. */
static const struct npusim_hw_ft_ext *
npusim_hw_ft_ext_read(struct npusim_hw_ft *ft,
		      const struct npusim_hw_ft_slot *slot)
{
	return rcu_dereference_check(slot->ext, rcu_read_lock_bh_held() ||
					     lockdep_is_held(&ft->lock));
}

/*
 * Does the entry in @slot, with IPv6 addresses @ext, match @key, which
 * @hkey holds as the table stores it?
 */
static bool npusim_hw_ft_key_match(const struct npusim_hw_ft_slot *slot,
				   const struct npusim_hw_ft_ext *ext,
				   const struct npusim_hw_ft_hkey *hkey,
				   const struct npusim_hw_flow_key *key)
{
	if (memcmp(&slot->key, hkey, sizeof(*hkey)))
		return false;
	if (!(hkey->flags & NPUSIM_HW_FT_KEY_IPV6))
		return true;
	return ext && !memcmp(ext->src, key->src, sizeof(ext->src)) &&
	       !memcmp(ext->dst, key->dst, sizeof(ext->dst));
}

/*
 * Read the entry in @slot, with IPv6 addresses @ext, back into the
 * driver's format.  False if a writer is changing it (its next hop or
 * addresses are gone): the caller is in the entry's seqcount and reads
 * again.
 */
static bool npusim_hw_ft_decode(struct npusim_hw_ft *ft,
				const struct npusim_hw_ft_slot *slot,
				const struct npusim_hw_ft_ext *ext,
				struct npusim_hw_flow_entry *e)
{
	const struct npusim_hw_ft_hkey *h = &slot->key;
	const struct npusim_hw_ft_nh *nh = xa_load(&ft->nhs, slot->nh);
	bool ipv6 = h->flags & NPUSIM_HW_FT_KEY_IPV6;

	if (!nh || (ipv6 && !ext))
		return false;
	memset(e, 0, sizeof(*e));
	e->key.in_port = h->in_port;
	e->key.ip_ver = ipv6 ? 6 : 4;
	e->key.l4proto = h->flags & NPUSIM_HW_FT_KEY_TCP ? IPPROTO_TCP :
							  IPPROTO_UDP;
	e->key.n_vlan = FIELD_GET(NPUSIM_HW_FT_KEY_VLANS, h->flags);
	memcpy(e->key.vid, h->vid, sizeof(e->key.vid));
	e->key.sport = h->sport;
	e->key.dport = h->dport;
	if (ipv6) {
		memcpy(e->key.src, ext->src, sizeof(e->key.src));
		memcpy(e->key.dst, ext->dst, sizeof(e->key.dst));
		memcpy(e->new_src, ext->new_src, sizeof(e->new_src));
		memcpy(e->new_dst, ext->new_dst, sizeof(e->new_dst));
	} else {
		e->key.src[0] = h->src;
		e->key.dst[0] = h->dst;
		e->new_src[0] = slot->new_addr[0];
		e->new_dst[0] = slot->new_addr[1];
	}
	e->out_port = slot->out_port;
	memcpy(e->h_dest, nh->d.h_dest, ETH_ALEN);
	memcpy(e->h_source, nh->d.h_source, ETH_ALEN);
	e->n_push = nh->d.n_push;
	memcpy(e->push_vid, nh->d.push_vid, sizeof(e->push_vid));
	e->pppoe = nh->d.pppoe;
	e->pppoe_sid = nh->d.pppoe_sid;
	e->nat = slot->nat;
	e->new_sport = slot->new_sport;
	e->new_dport = slot->new_dport;
	return true;
}

/**
 * struct npusim_hw_ft_prep - what a write may need, allocated before it
 * @nh: a next hop with the entry's rewrite, for the next-hop table if
 *	it does not hold that rewrite yet
 * @ext: the addresses of an IPv6 entry
 */
struct npusim_hw_ft_prep {
	struct npusim_hw_ft_nh *nh;
	struct npusim_hw_ft_ext *ext;
};

static int npusim_hw_ft_prep(struct npusim_hw_ft_prep *p,
			     const struct npusim_hw_flow_entry *e)
{
	p->ext = NULL;
	p->nh = kzalloc(sizeof(*p->nh), GFP_KERNEL);
	if (!p->nh)
		return -ENOMEM;
	memcpy(p->nh->d.h_dest, e->h_dest, ETH_ALEN);
	memcpy(p->nh->d.h_source, e->h_source, ETH_ALEN);
	memcpy(p->nh->d.push_vid, e->push_vid, sizeof(p->nh->d.push_vid));
	p->nh->d.pppoe_sid = e->pppoe_sid;
	p->nh->d.n_push = e->n_push;
	p->nh->d.pppoe = e->pppoe;
	if (e->key.ip_ver != 6)
		return 0;
	p->ext = kzalloc(sizeof(*p->ext), GFP_KERNEL);
	if (!p->ext) {
		kfree(p->nh);
		return -ENOMEM;
	}
	memcpy(p->ext->src, e->key.src, sizeof(p->ext->src));
	memcpy(p->ext->dst, e->key.dst, sizeof(p->ext->dst));
	memcpy(p->ext->new_src, e->new_src, sizeof(p->ext->new_src));
	memcpy(p->ext->new_dst, e->new_dst, sizeof(p->ext->new_dst));
	return 0;
}

/* Free what the write did not use. */
static void npusim_hw_ft_unprep(struct npusim_hw_ft_prep *p)
{
	kfree(p->nh);
	kfree(p->ext);
}

/*
 * Take a reference on the next hop of @p's rewrite, adding it to the
 * table if it is new.  Locked.  Return 0 and set @id, or -ENOBUFS if
 * the next-hop table (NPUSIM_HW_PARAM_NEXT_HOPS) is full, -ENOMEM.
 */
static int npusim_hw_ft_nh_get(struct npusim_hw *hw,
			       struct npusim_hw_ft_prep *p, u16 *id)
{
	u32 hash = jhash(&p->nh->d, sizeof(p->nh->d), 0);
	struct npusim_hw_ft *ft = &hw->ft;
	struct npusim_hw_ft_nh *nh;
	int err;

	hash_for_each_possible(ft->nh_hash, nh, node, hash) {
		if (memcmp(&nh->d, &p->nh->d, sizeof(nh->d)))
			continue;
		nh->refs++;
		*id = nh->id;
		return 0;
	}
	if (ft->n_nh >= hw->param[NPUSIM_HW_PARAM_NEXT_HOPS])
		return -ENOBUFS;
	nh = p->nh;
	err = xa_alloc(&ft->nhs, &nh->id, nh,
		       XA_LIMIT(0, NPUSIM_HW_FT_MAX_NH - 1), GFP_ATOMIC);
	if (err)
		return err == -EBUSY ? -ENOBUFS : err;
	nh->refs = 1;
	hash_add(ft->nh_hash, &nh->node, hash);
	ft->n_nh++;
	p->nh = NULL;
	*id = nh->id;
	return 0;
}

/* Drop a reference on next hop @id.  Locked. */
static void npusim_hw_ft_nh_put(struct npusim_hw_ft *ft, u16 id)
{
	struct npusim_hw_ft_nh *nh = xa_load(&ft->nhs, id);

	if (WARN_ON_ONCE(!nh) || --nh->refs)
		return;
	hash_del(&nh->node);
	xa_erase(&ft->nhs, id);
	ft->n_nh--;
	kfree_rcu(nh, rcu);
}

/*
 * Write the entry @e, whose key the table stores as @hkey, into @slot,
 * with next hop @nh and the IPv6 addresses of @p.  Locked, inside the
 * entry's write seqcount; what @slot held is released already.
 */
static void npusim_hw_ft_encode(struct npusim_hw_ft *ft,
				struct npusim_hw_ft_slot *slot,
				const struct npusim_hw_ft_hkey *hkey,
				const struct npusim_hw_flow_entry *e, u16 nh,
				struct npusim_hw_ft_prep *p)
{
	slot->key = *hkey;
	slot->out_port = e->out_port;
	slot->nh = nh;
	slot->nat = e->nat;
	slot->rsvd = 0;
	slot->new_sport = e->new_sport;
	slot->new_dport = e->new_dport;
	if (p->ext) {
		rcu_assign_pointer(slot->ext, p->ext);
		p->ext = NULL;
		ft->n_ext++;
	} else {
		slot->new_addr[0] = e->new_src[0];
		slot->new_addr[1] = e->new_dst[0];
	}
}

/*
 * Release what the entry in @slot holds: its next hop, its IPv6
 * addresses.  Locked, inside the entry's write seqcount.
 */
static void npusim_hw_ft_release(struct npusim_hw_ft *ft,
				 struct npusim_hw_ft_slot *slot)
{
	struct npusim_hw_ft_ext *ext;

	npusim_hw_ft_nh_put(ft, slot->nh);
	if (!npusim_hw_ft_is_ipv6(slot))
		return;
	ext = npusim_hw_ft_ext_locked(ft, slot);
	RCU_INIT_POINTER(slot->ext, NULL);
	ft->n_ext--;
	kfree_rcu(ext, rcu);
}

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

/**
 * struct npusim_hw_ft_map - the change map (npusim_hw_ft_unchanged())
 * @bits: one bit per entry
 * @sum: its summary, one bit per word of @bits, set while the word is
 *	not 0: where few entries change, a reader finds most of them
 *	unchanged there, in a map a 64th of the size
 *
 * One allocation, @sum after @bits, replaced with the slots.
 */
struct npusim_hw_ft_map {
	unsigned long *bits;
	unsigned long *sum;
};

/* The change map of @ft; under its lock, or inside its geom seqcount. */
static struct npusim_hw_ft_map npusim_hw_ft_map(const struct npusim_hw_ft *ft)
{
	return (struct npusim_hw_ft_map){
		.bits = ft->changed,
		.sum = ft->changed + BITS_TO_LONGS(ft->size),
	};
}

/*
 * Entry @index changed: its bit, then its word's summary bit.  A reader
 * that finds the word 0 clears the summary bit, then reads the word
 * again: with a full barrier on both sides, either that read sees the
 * bit, or this sees the summary bit cleared and sets it again.
 */
static void npusim_hw_ft_map_set(const struct npusim_hw_ft_map *map,
				 u32 index)
{
	set_bit(index, map->bits);
	/* the bit, then the summary: pairs with npusim_hw_ft_map_clear() */
	smp_mb__after_atomic();
	if (!test_bit(BIT_WORD(index), map->sum))
		set_bit(BIT_WORD(index), map->sum);
}

/*
 * A read of entry @index clears its bit, and its word's summary bit if
 * no other bit of the word is set: see npusim_hw_ft_map_set().  The
 * clear, then what the caller reads: a full barrier.
 */
static void npusim_hw_ft_map_clear(const struct npusim_hw_ft_map *map,
				   u32 index)
{
	clear_bit(index, map->bits);
	/* the bit, then the word and the caller's reads */
	smp_mb__after_atomic();
	if (READ_ONCE(map->bits[BIT_WORD(index)]))
		return;
	clear_bit(BIT_WORD(index), map->sum);
	/* the summary, then the word: pairs with npusim_hw_ft_map_set() */
	smp_mb__after_atomic();
	if (READ_ONCE(map->bits[BIT_WORD(index)]))
		set_bit(BIT_WORD(index), map->sum);
}

/*
 * An entry changed under the table's lock, inside its write seqcount:
 * its bit in the change map is set after the change (see
 * npusim_hw_ft_unchanged()).
 */
static void npusim_hw_ft_changed(struct npusim_hw_ft *ft, u32 index)
{
	struct npusim_hw_ft_map map = npusim_hw_ft_map(ft);

	npusim_hw_ft_map_set(&map, index);
}

/* Invalidate an entry.  Locked. */
static void npusim_hw_ft_invalidate(struct npusim_hw_ft *ft, u32 index)
{
	struct npusim_hw_ft_slot *slot = &ft->slots[index];

	write_seqcount_begin(npusim_hw_ft_wseq(ft, index));
	slot->valid = false;
	npusim_hw_ft_release(ft, slot);
	write_seqcount_end(npusim_hw_ft_wseq(ft, index));
	WRITE_ONCE(ft->used, ft->used - 1);
}

/* The chip removes an entry on its own. */
static void npusim_hw_ft_drop(struct npusim_hw_ft *ft, u32 index)
{
	npusim_hw_ft_invalidate(ft, index);
	npusim_hw_ft_cache_forget(ft, index);
	/* after the entry reads as gone: see npusim_hw_ft_read_counters() */
	smp_wmb();
	WRITE_ONCE(ft->drops, ft->drops + 1);
}

/* @size free slots, or NULL. */
static struct npusim_hw_ft_slot *npusim_hw_ft_slots_alloc(u32 size)
{
	/* the hardware's entry format: one cache line */
	BUILD_BUG_ON(sizeof(struct npusim_hw_ft_slot) > 64);
	return kvcalloc(size, sizeof(struct npusim_hw_ft_slot), GFP_KERNEL);
}

/* Words of the change map of @size entries and of its summary. */
static size_t npusim_hw_ft_map_longs(u32 size)
{
	return BITS_TO_LONGS(size) + BITS_TO_LONGS(BITS_TO_LONGS(size));
}

/*
 * The change map of @size entries and its summary (struct
 * npusim_hw_ft_map), or NULL.  On its own, not after the slots: small
 * enough for the allocator's physically contiguous memory, whose kernel
 * mapping uses huge pages (a TLB miss costs less).
 */
static unsigned long *npusim_hw_ft_map_alloc(u32 size)
{
	return kvcalloc(npusim_hw_ft_map_longs(size), sizeof(long),
			GFP_KERNEL);
}

int npusim_hw_ft_init(struct npusim_hw *hw, u32 size)
{
	struct npusim_hw_ft *ft = &hw->ft;
	unsigned int i;

	spin_lock_init(&ft->lock);
	seqcount_spinlock_init(&ft->geom, &ft->lock);
	for (i = 0; i < NPUSIM_HW_FT_WSEQS; i++)
		seqcount_spinlock_init(&ft->wseq[i], &ft->lock);
	xa_init_flags(&ft->nhs, XA_FLAGS_ALLOC);
	hash_init(ft->nh_hash);
	ft->n_nh = 0;
	ft->n_ext = 0;
	ft->slots = npusim_hw_ft_slots_alloc(size);
	ft->changed = npusim_hw_ft_map_alloc(size);
	if (!ft->slots || !ft->changed) {
		kvfree(ft->slots);
		kvfree(ft->changed);
		return -ENOMEM;
	}
	ft->drops = 0;
	ft->size = size;
	ft->n_buckets = size / hw->param[NPUSIM_HW_PARAM_WAYS];
	ft->used = 0;
	npusim_hw_ft_cache_clear(ft);
	return 0;
}

void npusim_hw_ft_fini(struct npusim_hw_ft *ft)
{
	u32 i;

	spin_lock_bh(&ft->lock);
	for (i = 0; ft->slots && i < ft->size; i++)
		if (ft->slots[i].valid)
			npusim_hw_ft_invalidate(ft, i);
	spin_unlock_bh(&ft->lock);
	WARN_ON_ONCE(ft->n_nh || ft->n_ext);
	xa_destroy(&ft->nhs);
	kvfree(ft->slots);
	kvfree(ft->changed);
	ft->slots = NULL;
	ft->changed = NULL;
}

static u32 npusim_hw_ft_bucket(const struct npusim_hw_ft *ft,
			       const struct npusim_hw_ft_hkey *key)
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

	if (entry->key.ip_ver != 4 && entry->key.ip_ver != 6)
		return false;
	if (entry->key.l4proto != IPPROTO_TCP &&
	    entry->key.l4proto != IPPROTO_UDP)
		return false;
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
	u32 lru_idle = (now - READ_ONCE(slots[first].last_hit)) & mask;

	for (i = first + 1; i < first + ways; i++) {
		idle = (now - READ_ONCE(slots[i].last_hit)) & mask;
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
 * Return: 0; -ENOSPC if the table is full; -ENOBUFS if @entry's next
 * hop is new and the next-hop table full; -EBUSY if only the bucket is full
 * (NPUSIM_HW_FULL_REFUSE); -EOPNOTSUPP if the chip's entries cannot
 * carry @entry (too many VLAN tags, PPPoE, IPv6 NAT: see enum
 * npusim_hw_param); -ENOMEM.  On error the table is unchanged.
 */
int npusim_hw_ft_write(struct npusim_hw *hw,
		       const struct npusim_hw_flow_entry *entry, u32 *index,
		       u32 *tag)
{
	struct npusim_hw_flow_key key = entry->key;
	struct npusim_hw_ft *ft = &hw->ft;
	struct npusim_hw_ft_slot *slot;
	struct npusim_hw_ft_hkey hkey;
	struct npusim_hw_ft_prep prep;
	u32 first, ways, i;
	u64 packets, bytes;
	int err;
	u16 nh;

	err = npusim_hw_ft_prep(&prep, entry);
	if (err)
		return err;
	spin_lock_bh(&ft->lock);
	if (!npusim_hw_ft_can_carry(hw, entry)) {
		err = -EOPNOTSUPP;
		goto out;
	}
	if (hw->param[NPUSIM_HW_PARAM_IGNORE_PORT])
		key.in_port = 0;
	npusim_hw_ft_hkey(&hkey, &key);
	ways = hw->param[NPUSIM_HW_PARAM_WAYS];
	first = npusim_hw_ft_bucket(ft, &hkey) * ways;
	for (i = first; i < first + ways; i++)
		if (!ft->slots[i].valid)
			break;
	if (i == first + ways &&
	    hw->param[NPUSIM_HW_PARAM_FULL_POLICY] == NPUSIM_HW_FULL_ACCEPT) {
		/* tag 0 is never valid: the entry reads as gone */
		ft->stats.dropped++;
		*index = first;
		*tag = 0;
		goto out;
	}
	if (i == first + ways &&
	    hw->param[NPUSIM_HW_PARAM_FULL_POLICY] != NPUSIM_HW_FULL_EVICT) {
		err = ft->used == ft->size ? -ENOSPC : -EBUSY;
		goto out;
	}
	/* before an eviction: a write that fails changes nothing */
	err = npusim_hw_ft_nh_get(hw, &prep, &nh);
	if (err)
		goto out;
	if (i == first + ways) {
		i = npusim_hw_ft_lru(hw, first, ways);
		npusim_hw_ft_drop(ft, i);
		ft->stats.overwritten++;
	}

	slot = &ft->slots[i];
	npusim_hw_ft_counters_start(hw, i, &packets, &bytes);
	if (!++ft->seq)
		++ft->seq;
	write_seqcount_begin(npusim_hw_ft_wseq(ft, i));
	npusim_hw_ft_encode(ft, slot, &hkey, entry, nh, &prep);
	atomic64_set(&slot->packets, packets);
	atomic64_set(&slot->bytes, bytes);
	/* ageing counts from the write until the first hit */
	slot->last_hit = npusim_hw_clock(hw);
	slot->hit = false;
	slot->bind_hits = 0;
	slot->state = hw->param[NPUSIM_HW_PARAM_BIND_HITS] ?
		      NPUSIM_HW_FLOW_UNBIND : NPUSIM_HW_FLOW_BIND;
	slot->seq = ft->seq;
	slot->valid = true;
	write_seqcount_end(npusim_hw_ft_wseq(ft, i));
	npusim_hw_ft_changed(ft, i);
	WRITE_ONCE(ft->used, ft->used + 1);
	*index = i;
	*tag = slot->seq;
out:
	spin_unlock_bh(&ft->lock);
	npusim_hw_ft_unprep(&prep);
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
		npusim_hw_ft_decode(ft, slot, npusim_hw_ft_ext_locked(ft, slot),
				    entry);
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
 * key differs, -EOPNOTSUPP if the chip cannot carry the new entry,
 * -ENOBUFS if its next hop is new and the next-hop table full, -ENOMEM.
 */
int npusim_hw_ft_rewrite(struct npusim_hw *hw, u32 index, u32 tag,
			 const struct npusim_hw_flow_entry *entry)
{
	struct npusim_hw_ft *ft = &hw->ft;
	struct npusim_hw_ft_slot *slot;
	struct npusim_hw_ft_hkey hkey;
	struct npusim_hw_ft_prep prep;
	int err;
	u16 nh;

	err = npusim_hw_ft_prep(&prep, entry);
	if (err)
		return err;
	npusim_hw_ft_hkey(&hkey, &entry->key);
	spin_lock_bh(&ft->lock);
	slot = npusim_hw_ft_slot(ft, index, tag);
	if (!slot)
		err = -ENOENT;
	else if (!npusim_hw_ft_key_match(slot, npusim_hw_ft_ext_locked(ft, slot),
					 &hkey, &entry->key))
		err = -EINVAL;
	else if (!npusim_hw_ft_can_carry(hw, entry))
		err = -EOPNOTSUPP;
	else
		err = npusim_hw_ft_nh_get(hw, &prep, &nh);
	if (!err) {
		write_seqcount_begin(npusim_hw_ft_wseq(ft, index));
		npusim_hw_ft_release(ft, slot);
		npusim_hw_ft_encode(ft, slot, &hkey, entry, nh, &prep);
		write_seqcount_end(npusim_hw_ft_wseq(ft, index));
		npusim_hw_ft_changed(ft, index);
	}
	spin_unlock_bh(&ft->lock);
	npusim_hw_ft_unprep(&prep);
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

/* The counters as wide as the chip's are (the slots hold 64 bits). */
static void npusim_hw_ft_mib_mask(struct npusim_hw *hw,
				  struct npusim_hw_flow_mib *mib)
{
	mib->packets &= GENMASK_ULL(hw->param[NPUSIM_HW_PARAM_PKTS_BITS] - 1, 0);
	mib->bytes &= GENMASK_ULL(hw->param[NPUSIM_HW_PARAM_BYTES_BITS] - 1, 0);
}

/*
 * Entry @index's slot, or NULL if the table is smaller, and in @map the
 * change map of the same geometry.  Under RCU: a resize frees both
 * after a grace period.  Inlined: it is on the engine's and an idle
 * flow's STATS paths.
 */
static __always_inline struct npusim_hw_ft_slot *
npusim_hw_ft_geom(struct npusim_hw_ft *ft, u32 index,
		  struct npusim_hw_ft_map *map)
{
	struct npusim_hw_ft_slot *slot;
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&ft->geom);
		slot = index < ft->size ? &ft->slots[index] : NULL;
		*map = npusim_hw_ft_map(ft);
	} while (read_seqcount_retry(&ft->geom, seq));
	return slot;
}

/*
 * A read of entry @index starts: clear its bit in the change map
 * @map, then note the drop generation, before the entry is read.  A
 * change that the read may miss sets the bit again; a drop that it
 * misses moves the generation on.
 */
static void npusim_hw_ft_read_begin(struct npusim_hw_ft *ft,
				    const struct npusim_hw_ft_map *map,
				    u32 index, struct npusim_hw_flow_mib *mib)
{
	/* the clear, then the reads: pairs with npusim_hw_ft_hit() */
	npusim_hw_ft_map_clear(map, index);
	mib->gen = READ_ONCE(ft->drops);
	/* the generation, then the entry: pairs with npusim_hw_ft_drop() */
	smp_rmb();
}

/*
 * npusim_hw_ft_read() of free-running counters: inside the table's and
 * the entry's seqcounts, under RCU for the slots (a resize frees them
 * after a grace period), like the engine's lookup.
 */
static int npusim_hw_ft_read_counters(struct npusim_hw *hw, u32 index,
				      u32 tag, struct npusim_hw_flow_mib *mib)
{
	struct npusim_hw_ft *ft = &hw->ft;
	struct npusim_hw_ft_slot *slot;
	struct npusim_hw_ft_map map;
	seqcount_spinlock_t *wseq;
	unsigned int seq;
	bool valid;

	rcu_read_lock();
	slot = npusim_hw_ft_geom(ft, index, &map);
	if (!slot) {
		rcu_read_unlock();
		return -ENOENT;
	}
	npusim_hw_ft_read_begin(ft, &map, index, mib);
	wseq = npusim_hw_ft_wseq(ft, index);
	do {
		seq = read_seqcount_begin(wseq);
		valid = slot->valid && slot->seq == tag;
		mib->state = slot->state;
		mib->bind_hits = slot->bind_hits;
		mib->last_hit = READ_ONCE(slot->last_hit);
		mib->hit = READ_ONCE(slot->hit);
		mib->packets = atomic64_read(&slot->packets);
		mib->bytes = atomic64_read(&slot->bytes);
	} while (read_seqcount_retry(wseq, seq));
	rcu_read_unlock();
	if (!valid)
		return -ENOENT;
	npusim_hw_ft_mib_mask(hw, mib);
	return 0;
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
 * gives the entry's state.  Counters that are only read, without the
 * entry, are read as the engine reads entries, without the table's
 * lock: the STATS of many flows at once do not serialise on it.
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

	if (!entry && !READ_ONCE(hw->param[NPUSIM_HW_PARAM_CLEAR_ON_READ]))
		return npusim_hw_ft_read_counters(hw, index, tag, mib);

	spin_lock_bh(&ft->lock);
	slot = npusim_hw_ft_slot(ft, index, tag);
	if (slot) {
		struct npusim_hw_ft_map map = npusim_hw_ft_map(ft);

		npusim_hw_ft_read_begin(ft, &map, index, mib);
		if (entry)
			npusim_hw_ft_decode(ft, slot,
					    npusim_hw_ft_ext_locked(ft, slot),
					    entry);
		mib->state = slot->state;
		mib->bind_hits = slot->bind_hits;
		mib->last_hit = READ_ONCE(slot->last_hit);
		mib->hit = READ_ONCE(slot->hit);
		if (hw->param[NPUSIM_HW_PARAM_CLEAR_ON_READ]) {
			mib->packets = atomic64_xchg(&slot->packets, 0);
			mib->bytes = atomic64_xchg(&slot->bytes, 0);
		} else {
			mib->packets = atomic64_read(&slot->packets);
			mib->bytes = atomic64_read(&slot->bytes);
		}
		npusim_hw_ft_mib_mask(hw, mib);
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
	unsigned long *map, *old_map;

	if (size < NPUSIM_HW_FT_MIN_SIZE || size > NPUSIM_HW_FT_MAX_SIZE ||
	    size % NPUSIM_HW_FT_MIN_SIZE)
		return -EINVAL;
	if (size == ft->size)
		return 0;

	slots = npusim_hw_ft_slots_alloc(size);
	map = npusim_hw_ft_map_alloc(size);
	if (!slots || !map) {
		kvfree(slots);
		kvfree(map);
		return -ENOMEM;
	}

	spin_lock_bh(&ft->lock);
	if (ft->used) {
		spin_unlock_bh(&ft->lock);
		kvfree(slots);
		kvfree(map);
		return -EBUSY;
	}
	old = ft->slots;
	old_map = ft->changed;
	write_seqcount_begin(&ft->geom);
	ft->slots = slots;
	ft->changed = map;
	WRITE_ONCE(ft->size, size);
	ft->n_buckets = size / hw->param[NPUSIM_HW_PARAM_WAYS];
	write_seqcount_end(&ft->geom);
	/* every index means another entry now */
	WRITE_ONCE(ft->drops, ft->drops + 1);
	npusim_hw_ft_cache_clear(ft);
	spin_unlock_bh(&ft->lock);

	synchronize_rcu();	/* the engine may still be reading them */
	kvfree(old);
	kvfree(old_map);
	return 0;
}

/*
 * npusim_hw_ft_lookup() under the lock: on a chip with the lookup
 * cache, and for an unbound entry, whose hits count towards binding it.
 */
static enum npusim_hw_ft_match
npusim_hw_ft_lookup_locked(struct npusim_hw *hw,
			   const struct npusim_hw_flow_key *key,
			   const struct npusim_hw_ft_hkey *hkey,
			   struct npusim_hw_flow_entry *entry,
			   struct npusim_hw_ft_ref *ref)
{
	enum npusim_hw_ft_match match = NPUSIM_HW_FT_MISS;
	struct npusim_hw_ft *ft = &hw->ft;
	struct npusim_hw_ft_slot *best = NULL;
	struct npusim_hw_ft_cache_line *line;
	u32 bucket, first, ways, i;

	spin_lock(&ft->lock);
	bucket = npusim_hw_ft_bucket(ft, hkey);
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

		if (!slot->valid ||
		    !npusim_hw_ft_key_match(slot, npusim_hw_ft_ext_locked(ft, slot),
					    hkey, key))
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

	switch (best->state) {
	case NPUSIM_HW_FLOW_BIND:
		npusim_hw_ft_decode(ft, best, npusim_hw_ft_ext_locked(ft, best),
				    entry);
		match = NPUSIM_HW_FT_HIT;
		if (hw->param[NPUSIM_HW_PARAM_CACHE]) {
			line->entry = *entry;
			line->ref = *ref;
			line->valid = true;
		}
		break;
	case NPUSIM_HW_FLOW_UNBIND:
		WRITE_ONCE(best->last_hit, npusim_hw_clock(hw));
		WRITE_ONCE(best->hit, true);
		write_seqcount_begin(npusim_hw_ft_wseq(ft, ref->index));
		if (best->bind_hits < U16_MAX)
			best->bind_hits++;
		if (best->bind_hits >= hw->param[NPUSIM_HW_PARAM_BIND_HITS])
			best->state = NPUSIM_HW_FLOW_BIND;
		write_seqcount_end(npusim_hw_ft_wseq(ft, ref->index));
		npusim_hw_ft_changed(ft, ref->index);
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
	struct npusim_hw_ft_hkey hkey;
	unsigned int gseq, seq;
	bool decoded;
	u8 state = 0;

	npusim_hw_ft_hkey(&hkey, key);
	if (READ_ONCE(hw->param[NPUSIM_HW_PARAM_CACHE]))
		return peek ? NPUSIM_HW_FT_UNBOUND :
			      npusim_hw_ft_lookup_locked(hw, key, &hkey, entry,
							 ref);
	if (!READ_ONCE(ft->used))
		return NPUSIM_HW_FT_MISS;

	do {
		gseq = read_seqcount_begin(&ft->geom);
		slots = ft->slots;
		ways = hw->param[NPUSIM_HW_PARAM_WAYS];
		first = npusim_hw_ft_bucket(ft, &hkey) * ways;
	} while (read_seqcount_retry(&ft->geom, gseq));

	for (i = first; i < first + ways; i++) {
		struct npusim_hw_ft_slot *slot = &slots[i];
		seqcount_spinlock_t *wseq = npusim_hw_ft_wseq(ft, i);
		bool match;
		u32 sseq;
		u8 st;

		do {
			seq = read_seqcount_begin(wseq);
			match = slot->valid &&
				npusim_hw_ft_key_match(slot,
						       npusim_hw_ft_ext_read(ft, slot),
						       &hkey, key);
			sseq = slot->seq;
			st = slot->state;
		} while (read_seqcount_retry(wseq, seq));
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
		seqcount_spinlock_t *wseq = npusim_hw_ft_wseq(ft, ref->index);

		do {
			seq = read_seqcount_begin(wseq);
			state = best->valid && best->seq == best_seq ?
				best->state : NPUSIM_HW_FLOW_UNBIND;
			decoded = state != NPUSIM_HW_FLOW_BIND ||
				  npusim_hw_ft_decode(ft, best,
						      npusim_hw_ft_ext_read(ft, best),
						      entry);
		} while (read_seqcount_retry(wseq, seq));
		if (!decoded)	/* cannot happen: a consistent entry */
			state = NPUSIM_HW_FLOW_UNBIND;
	}
	/* an unbound entry, or one that changed since: under the lock */
	switch (state) {
	case NPUSIM_HW_FLOW_BIND:
		ref->seq = best_seq;
		return NPUSIM_HW_FT_HIT;
	case NPUSIM_HW_FLOW_UNBIND:
		return peek ? NPUSIM_HW_FT_UNBOUND :
			      npusim_hw_ft_lookup_locked(hw, key, &hkey, entry,
							 ref);
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
	struct npusim_hw_ft_hkey hkey;
	u32 first, ways, i;

	npusim_hw_ft_hkey(&hkey, key);
	spin_lock(&ft->lock);
	if (!ft->used)
		goto out;
	ways = hw->param[NPUSIM_HW_PARAM_WAYS];
	first = npusim_hw_ft_bucket(ft, &hkey) * ways;
	for (i = first; i < first + ways; i++) {
		struct npusim_hw_ft_slot *slot = &ft->slots[i];

		if (!slot->valid || slot->state != NPUSIM_HW_FLOW_BIND ||
		    !npusim_hw_ft_key_match(slot,
					    npusim_hw_ft_ext_locked(ft, slot),
					    &hkey, key))
			continue;
		write_seqcount_begin(npusim_hw_ft_wseq(ft, i));
		slot->state = NPUSIM_HW_FLOW_FIN;
		write_seqcount_end(npusim_hw_ft_wseq(ft, i));
		npusim_hw_ft_changed(ft, i);
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
	st->next_hops = ft->n_nh;
	st->ext_entries = ft->n_ext;
	st->map_bytes = npusim_hw_ft_map_longs(ft->size) * sizeof(long);
	st->mem_bytes = (u64)ft->size * sizeof(*ft->slots) +
			ft->n_nh * sizeof(struct npusim_hw_ft_nh) +
			ft->n_ext * sizeof(struct npusim_hw_ft_ext);
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
		age = slot->key.flags & NPUSIM_HW_FT_KEY_TCP ? tcp : udp;
		if (!age ||
		    ((now - READ_ONCE(slot->last_hit)) & mask) <= age)
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
	struct npusim_hw_ft_map map;
	unsigned int seq;
	bool match;
	u16 now;
	u32 len;

	slot = npusim_hw_ft_geom(ft, ref->index, &map);
	if (!slot)
		return;
	do {
		seq = read_seqcount_begin(npusim_hw_ft_wseq(ft, ref->index));
		match = slot->valid && slot->seq == ref->seq;
	} while (read_seqcount_retry(npusim_hw_ft_wseq(ft, ref->index), seq));
	if (!match)
		return;

	now = npusim_hw_clock(hw);
	if (READ_ONCE(slot->last_hit) != now)
		WRITE_ONCE(slot->last_hit, now);
	if (!READ_ONCE(slot->hit))
		WRITE_ONCE(slot->hit, true);
	if (ref->index < READ_ONCE(hw->param[NPUSIM_HW_PARAM_STATS_SLOTS])) {
		len = READ_ONCE(hw->param[NPUSIM_HW_PARAM_L2_BYTES]) ?
		      l2_len : l3_len;
		atomic64_add(frames, &slot->packets);
		atomic64_add(len, &slot->bytes);
	}
	/*
	 * The hit, then its bit in the change map, set unless it is: a
	 * reader clears the bit, then reads the entry.  With a full
	 * barrier on both sides, either the reader sees the hit or this
	 * sees its bit cleared and sets it again.
	 */
	smp_mb();
	if (!test_bit(ref->index, map.bits))
		npusim_hw_ft_map_set(&map, ref->index);
}

/**
 * npusim_hw_ft_unchanged() - has an entry stayed as it was last read?
 * @hw: the chip
 * @index: entry index
 * @gen: @gen of the npusim_hw_flow_mib of that read
 *
 * The chip keeps a change map, one bit per entry: every change of the
 * entry sets it (a write, a hit, a rewrite) and npusim_hw_ft_read()
 * clears it; every entry the chip drops on its own moves its drop
 * generation on, and so does a jump of its clock
 * (NPUSIM_HW_PARAM_CLOCK_OFFSET), which changes what every last hit
 * means.  A removal that the host asks for is the host's to know.  A
 * host that reads the counters of many idle entries reads this bit, in a
 * map small enough to stay in cache, rather than each entry; and first
 * its summary bit, one for 64 entries, clear while none of them has
 * changed: where few flows have traffic, that is most of them, in a map
 * 64 times smaller.  A read of one of the other 63, at the moment a
 * change of this entry sets its bits, may hide the change from a call
 * made meanwhile: the next call sees it.  The map is one for all
 * readers: the one that reads an entry owns what changed.
 *
 * Context: under rcu_read_lock(), which a resize waits for.
 *
 * Return: true if entry @index is unchanged since the last
 * npusim_hw_ft_read() of it and the chip has dropped no entry on its own
 * (nor jumped its clock) since generation @gen: the entry is still
 * there, its counters and last hit as that read found them.
 */
bool npusim_hw_ft_unchanged(struct npusim_hw *hw, u32 index, u32 gen)
{
	struct npusim_hw_ft *ft = &hw->ft;
	struct npusim_hw_ft_map map;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "npusim: no rcu_read_lock()");
	return npusim_hw_ft_geom(ft, index, &map) &&
	       READ_ONCE(ft->drops) == gen &&
	       (!test_bit(BIT_WORD(index), map.sum) ||
		!test_bit(index, map.bits));
}
