// SPDX-License-Identifier: GPL-2.0
/*
 * npusim flowtable offload: binding and FLOW_CLS_REPLACE/DESTROY/STATS.
 *
 * nf_flowtable binds every port listed in a "flags offload" flowtable
 * with ndo_setup_tc(TC_SETUP_FT).  All ports of a device bound to the
 * same flowtable share one refcounted flow_block callback; it owns the
 * entries installed through it and removes them all when the last
 * port unbinds (its release hook), because nf_flowtable unbinds before
 * it sends its final DESTROYs.
 *
 * Callbacks run concurrently from nf_flowtable's unbound workqueues
 * and may sleep; a per-device mutex serialises them.  It is never held
 * across calls into nf_flowtable.  STATS, which nf_flowtable sends for
 * every idle offloaded flow twice a second, skips it: it finds its flow
 * under RCU and reads and reports the counters under the flow's own
 * spinlock; only a STATS that finds the flow's entry gone from the chip,
 * or a fault to inject, takes the mutex.
 *
 * Each flow direction (cookie) is one hardware entry.  STATS turns the
 * entry's hardware counters (free-running and wrapping, or cleared by
 * each read, as the chip's profile says) into deltas since the previous
 * STATS, and its last-hit timestamp into jiffies.
 *
 * Most offloaded flows are idle most of the time, and each costs two
 * STATS a second.  A flow whose last STATS read its entry and left
 * nothing unreported is quiet: the quiet table keeps what its next
 * STATS needs, in the order in which nf_flowtable asks for them.  While
 * the chip's change map says the entry has not changed since that read
 * (npusim_hw_ft_unchanged()), STATS answers from there, without the
 * flow, its lock or the entry: the next entry of the table and one bit,
 * where a read costs three scattered structures.
 */

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/error-injection.h>
#include <linux/etherdevice.h>
#include <linux/if_bridge.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/rhashtable.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <net/flow_offload.h>
#include <net/pkt_cls.h>

#include "npusim.h"
#include "trace.h"

/* Upper bound of the debugfs *_delay_ms fault knobs. */
#define NPUSIM_FT_DELAY_MAX_MS	10000

/**
 * struct npusim_ft_block - a flowtable bound to ports of a device
 * @nsim_dev: the device
 * @net: netns of the flowtable
 * @ports: ports bound to it
 * @flows: flows installed through it
 * @node: entry in npusim_ft.blocks
 */
struct npusim_ft_block {
	struct npusim_dev *nsim_dev;
	struct net *net;
	DECLARE_BITMAP(ports, NPUSIM_HW_MAX_PORTS);
	struct list_head flows;
	struct list_head node;
};

/**
 * struct npusim_flow - one offloaded flow direction
 * @cookie: nf_flowtable's cookie
 * @ht_node: entry in npusim_ft.flows
 * @block: the block it was installed through
 * @block_node: entry in the block's list
 * @dest_node: entry in npusim_ft.by_dest
 * @h_dest: the destination MAC address its entry writes
 * @index: hardware entry
 * @tag: its tag (see npusim_hw_ft_write())
 * @lock: protects the counts below, @lost and @dead; taken inside
 *	npusim_ft.lock where both are taken
 * @lost: the chip dropped the entry on its own (evicted it); the flow
 *	waits for nf_flowtable to REPLACE it again or to give up on it;
 *	written under both locks
 * @dead: removed from npusim_ft.flows: a STATS that found it under RCU
 *	looks again under npusim_ft.lock; written under both locks
 * @in_port: its ingress port
 * @out_port: its egress port
 * @installed: jiffies at install time
 * @hw_packets: hardware packet counter after the previous read (where it
 *	started before the first read, 0 after a clear-on-read read)
 * @hw_bytes: hardware byte counter after the previous read, likewise
 * @new_packets: packets read from the hardware, not yet reported by STATS
 * @new_bytes: their bytes
 * @packets: packets read from the hardware since the install
 * @bytes: their bytes
 * @lastused: the last use reported to nf_flowtable (jiffies), first
 *	@installed
 * @quiet_gen: the quiet table in which it has an entry (its gen), 0 if
 *	none; under @lock
 * @quiet_slot: that entry; under @lock
 * @rcu: frees it after the STATS that may have found it under RCU
 */
struct npusim_flow {
	unsigned long cookie;
	struct rhash_head ht_node;
	struct npusim_ft_block *block;
	struct list_head block_node;
	struct hlist_node dest_node;
	u8 h_dest[ETH_ALEN];
	u32 index;
	u32 tag;
	spinlock_t lock;	/* see above */
	bool lost;
	bool dead;
	u8 in_port;
	u8 out_port;
	unsigned long installed;
	u64 hw_packets;
	u64 hw_bytes;
	u64 new_packets;
	u64 new_bytes;
	u64 packets;
	u64 bytes;
	u64 lastused;
	u32 quiet_gen;
	u32 quiet_slot;
	struct rcu_head rcu;
};

/*
 * The cookie compared as the word it is: the default compare calls
 * memcmp(), 7% of the CPU that half a million idle offloaded flows
 * cost (their STATS look their flows up).
 */
static int npusim_flow_cmp(struct rhashtable_compare_arg *arg,
			   const void *obj)
{
	const struct npusim_flow *flow = obj;

	return flow->cookie != *(const unsigned long *)arg->key;
}

static const struct rhashtable_params npusim_flow_ht_params = {
	.head_offset = offsetof(struct npusim_flow, ht_node),
	.key_offset = offsetof(struct npusim_flow, cookie),
	.key_len = sizeof(unsigned long),
	.obj_cmpfn = npusim_flow_cmp,
	.automatic_shrinking = true,
};

/*
 * How far past its cursor a CPU looks for the cookie a STATS asks for:
 * the entries of the STATS that the other CPUs answered meanwhile (a
 * flow's two directions, one after the other) and of flows gone.
 */
#define NPUSIM_FT_QUIET_AHEAD	8
/* The quiet table's smallest and largest number of entries. */
#define NPUSIM_FT_QUIET_MIN	64
#define NPUSIM_FT_QUIET_MAX	NPUSIM_HW_FT_MAX_SIZE
/* A quiet table that misses more than one STATS in this is rebuilt... */
#define NPUSIM_FT_QUIET_OUT_OF_ORDER	4
/* ...as is a full one, at most once every this long. */
#define NPUSIM_FT_QUIET_REBUILD_GAP	(10 * HZ)

/**
 * struct npusim_ft_quiet - what a quiet flow's STATS answers
 * @seq: even while the entry is stable, odd while its flow writes it
 * @index: the flow's hardware entry
 * @cookie: the flow's cookie; 0 for an empty entry
 * @lastused: the flow's last use as of its last read (jiffies)
 * @gen: the chip's drop generation at that read
 * @hold: for how long after @lastused it holds (jiffies): until the
 *	chip's clock may wrap around the entry's last hit, after which a
 *	read finds the entry hit just now; U32_MAX for an entry never hit
 *
 * Each entry of a table belongs to one flow, which took it from the
 * table's free end (npusim_flow.quiet_slot) and alone writes it, under
 * its lock: a cookie has one entry at most.
 */
struct npusim_ft_quiet {
	u32 seq;
	u32 index;
	unsigned long cookie;
	unsigned long lastused;
	u32 gen;
	u32 hold;
};

/* Entries per chunk of the quiet table: 1 MB. */
#define NPUSIM_FT_QUIET_CHUNK_SHIFT	15

/**
 * struct npusim_ft_quiet_table - the quiet flows, in the order of their
 *	STATS
 * @rcu: frees a table that another one replaced
 * @mask: number of entries - 1 (a power of 2)
 * @gen: which table it is (npusim_ft.quiet_gen when it was made)
 * @next: its first entry that no flow has taken
 * @n_chunks: number of @chunk
 * @chunk: the entries, in chunks of BIT(NPUSIM_FT_QUIET_CHUNK_SHIFT)
 *	entries (or fewer, one chunk)
 *
 * In chunks small enough for the allocator's physically contiguous
 * memory: its kernel mapping uses huge pages, which make a TLB miss
 * cheaper than vmalloc's 4K pages do (under QEMU's TCG, a miss walks
 * the guest's page tables in software).
 */
struct npusim_ft_quiet_table {
	struct rcu_head rcu;
	u32 mask;
	u32 gen;
	atomic_t next;
	u32 n_chunks;
	struct npusim_ft_quiet *chunk[];
};

/**
 * struct npusim_ft_quiet_cpu - a CPU's place in the quiet table
 * @cursor: the entry after the last one it used: where it looks first
 * @misses: its misses since @window
 * @window: its quiet STATS (npusim_ft.stats_quiet) when it last
 *	weighed its misses
 * @missed: all its misses (debugfs flow_table/quiet_misses): quiet STATS
 *	whose entry it did not find at its cursor, but through the flow
 */
struct npusim_ft_quiet_cpu {
	u32 cursor;
	u32 misses;
	u64 window;
	u64 missed;
};

/**
 * npusim_ft_quiet_missed() - count a miss, and weigh this CPU's misses
 * @ft: the device's offload state
 * @used: the quiet table's entries taken
 *
 * Once this CPU has answered at least a table's worth of quiet STATS
 * (@used, NPUSIM_FT_QUIET_MIN at the least) since it last weighed its
 * misses, it weighs them: a table whose order is not the STATS' (it was
 * filled over several rounds of nf_flowtable's, or flows came in
 * between) misses more than one in NPUSIM_FT_QUIET_OUT_OF_ORDER, where
 * a table in order misses where the rounds skip flows (whose STATS are
 * still queued) and where the CPUs take turns.  Over a whole round,
 * these bursts weigh little.
 *
 * Context: its caller answered a quiet STATS, and counted it.
 *
 * Return: true if the table should be rebuilt in the STATS' order.
 */
static bool npusim_ft_quiet_missed(struct npusim_ft *ft, u32 used)
{
	struct npusim_ft_quiet_cpu *qc = get_cpu_ptr(ft->quiet_cpu);
	u64 quiet = *this_cpu_ptr(ft->stats_quiet) - qc->window;
	bool rebuild = false;

	qc->missed++;
	qc->misses++;
	if (quiet >= max_t(u32, used, NPUSIM_FT_QUIET_MIN)) {
		rebuild = (u64)qc->misses * NPUSIM_FT_QUIET_OUT_OF_ORDER > quiet;
		qc->misses = 0;
		qc->window += quiet;
	}
	put_cpu_ptr(ft->quiet_cpu);
	return rebuild;
}

/* Entry @i of @t. */
static __always_inline struct npusim_ft_quiet *
npusim_ft_quiet_entry(struct npusim_ft_quiet_table *t, u32 i)
{
	return &t->chunk[i >> NPUSIM_FT_QUIET_CHUNK_SHIFT]
			[i & (BIT(NPUSIM_FT_QUIET_CHUNK_SHIFT) - 1)];
}

static void npusim_ft_quiet_free(struct npusim_ft_quiet_table *t)
{
	u32 i;

	for (i = 0; t && i < t->n_chunks; i++)
		kvfree(t->chunk[i]);
	kfree(t);
}

static void npusim_ft_quiet_free_rcu(struct rcu_head *head)
{
	npusim_ft_quiet_free(container_of(head, struct npusim_ft_quiet_table,
					  rcu));
}

/* An empty table of @n entries, or NULL. */
static struct npusim_ft_quiet_table *npusim_ft_quiet_alloc(u32 n)
{
	u32 per = min_t(u32, n, BIT(NPUSIM_FT_QUIET_CHUNK_SHIFT));
	struct npusim_ft_quiet_table *t;
	u32 i;

	t = kzalloc(struct_size(t, chunk, n / per), GFP_KERNEL);
	if (!t)
		return NULL;
	t->mask = n - 1;
	for (t->n_chunks = 0; t->n_chunks < n / per; t->n_chunks++) {
		i = t->n_chunks;
		t->chunk[i] = kvcalloc(per, sizeof(struct npusim_ft_quiet),
				       GFP_KERNEL | __GFP_NOWARN);
		if (!t->chunk[i]) {
			npusim_ft_quiet_free(t);
			return NULL;
		}
	}
	return t;
}

/*
 * Start writing @q, whose flow's lock is held: the only writer.
 * Return: its seq before.
 */
static u32 npusim_ft_quiet_write_begin(struct npusim_ft_quiet *q)
{
	u32 seq = q->seq;

	WRITE_ONCE(q->seq, seq + 1);
	/* the odd seq, then the entry: pairs with npusim_ft_stats_quiet() */
	smp_wmb();
	return seq;
}

static void npusim_ft_quiet_write_end(struct npusim_ft_quiet *q, u32 seq)
{
	/* the entry, then the even seq: pairs with npusim_ft_stats_quiet() */
	smp_store_release(&q->seq, seq + 2);
}

/*
 * Last use in jiffies from the hardware's last-hit clock value.  The
 * clock ticks NPUSIM_HW_PARAM_CLOCK_HZ times a second, so this is within
 * one tick of the hit, never in the future, never before the install.
 * It is as old as the clock is wide at most: a flow idle for longer
 * looks recent again, as on MediaTek's PPE with its 8-bit timestamps.
 * An entry never hit was last used at @installed, as mlx5 reports a
 * counter's creation time.  Not 0: nf_flowtable extends a flow's u32
 * timeout to at least lastused + its timeout in 64 bits, so 0 would push
 * it past the wrap of jiffies' low 32 bits once they are near it.
 * If @hold is not NULL, it is set to how long after the last use the
 * answer holds (jiffies): until one tick before the clock may wrap
 * around @last_hit; U32_MAX if never hit.
 */
static unsigned long npusim_ft_lastused(struct npusim_hw *hw,
					unsigned long installed, u16 last_hit,
					bool hit, u32 *hold)
{
	u32 bits = npusim_hw_param(hw, NPUSIM_HW_PARAM_CLOCK_BITS);
	u32 hz = npusim_hw_param(hw, NPUSIM_HW_PARAM_CLOCK_HZ);
	unsigned long now = jiffies, lastused;
	u32 idle = (npusim_hw_clock(hw) - last_hit) & GENMASK(bits - 1, 0);
	u64 left;

	if (hold)
		*hold = U32_MAX;
	if (!hit)
		return installed;
	lastused = now - (unsigned long)idle * HZ / hz;
	if (time_before(lastused, installed))
		lastused = installed;
	if (hold) {
		/*
		 * The clock, read at @now or later, reaches the wrap around
		 * @last_hit BIT(bits) - idle ticks later at the earliest.
		 */
		left = div_u64((u64)(BIT(bits) - idle - 1) * HZ, hz);
		*hold = min_t(u64, now - lastused + left, U32_MAX - 1);
	}
	return lastused;
}

/*
 * @flow, just read (at the chip's drop generation @gen, its last use
 * @lastused for @hold jiffies) and reported with nothing left over, is
 * quiet: write its entry, in the table's free end if it has none in this
 * table.  Under the flow's lock.
 *
 * Return: true if the table has no room left for it.
 */
static bool npusim_ft_quiet_store(struct npusim_ft *ft,
				  struct npusim_flow *flow, u32 gen,
				  unsigned long lastused, u32 hold)
{
	struct npusim_ft_quiet_table *t;
	struct npusim_ft_quiet *q = NULL;
	u32 i, seq;

	lockdep_assert_held(&flow->lock);
	rcu_read_lock();
	t = rcu_dereference(ft->quiet);
	if (!t) {
		rcu_read_unlock();
		return false;
	}
	if (flow->quiet_gen == t->gen) {
		q = npusim_ft_quiet_entry(t, flow->quiet_slot);
	} else {
		i = atomic_fetch_add_unless(&t->next, 1, t->mask + 1);
		if (i <= t->mask) {
			WRITE_ONCE(flow->quiet_slot, i);
			/* the slot, then the table: see npusim_ft_quiet_lookup() */
			smp_wmb();
			WRITE_ONCE(flow->quiet_gen, t->gen);
			q = npusim_ft_quiet_entry(t, i);
		}
	}
	if (q) {
		seq = npusim_ft_quiet_write_begin(q);
		WRITE_ONCE(q->cookie, flow->cookie);
		WRITE_ONCE(q->index, flow->index);
		WRITE_ONCE(q->lastused, lastused);
		WRITE_ONCE(q->gen, gen);
		WRITE_ONCE(q->hold, hold);
		npusim_ft_quiet_write_end(q, seq);
		/* the next STATS, if in order, is for the entry after it */
		this_cpu_write(ft->quiet_cpu->cursor, flow->quiet_slot + 1);
	}
	rcu_read_unlock();
	return !q;
}

/*
 * @flow is no longer quiet (its counts or its entry are changing, or it
 * goes away): empty its entry, which it keeps.  Under the flow's lock.
 */
static void npusim_ft_quiet_forget(struct npusim_ft *ft,
				   struct npusim_flow *flow)
{
	struct npusim_ft_quiet_table *t;
	struct npusim_ft_quiet *q;
	u32 seq;

	lockdep_assert_held(&flow->lock);
	rcu_read_lock();
	t = rcu_dereference(ft->quiet);
	if (t && flow->quiet_gen == t->gen) {
		q = npusim_ft_quiet_entry(t, flow->quiet_slot);
		if (q->cookie) {
			seq = npusim_ft_quiet_write_begin(q);
			WRITE_ONCE(q->cookie, 0);
			npusim_ft_quiet_write_end(q, seq);
		}
	}
	rcu_read_unlock();
}

/*
 * Size the quiet table for the flows there are: a quarter to half full,
 * 64 to 128 bytes per flow direction.  It grows once more than half
 * full, and shrinks once less than an eighth full, so that the memory
 * of many flows gone is given back; if @rebuild, it is replaced all the
 * same.  A new table starts empty: the quiet flows' next STATS fill it
 * in, in their order.  Under the device lock.
 *
 * Return: true if it made a new table.
 */
static bool npusim_ft_quiet_resize(struct npusim_ft *ft, bool rebuild)
{
	struct npusim_ft_quiet_table *t, *old;
	unsigned long want, size;

	BUILD_BUG_ON(sizeof(struct npusim_ft_quiet) != 32);
	lockdep_assert_held(&ft->lock);
	old = rcu_dereference_protected(ft->quiet, lockdep_is_held(&ft->lock));
	size = old ? old->mask + 1UL : 0;
	want = roundup_pow_of_two(2UL * atomic_read(&ft->flows.nelems) + 1);
	want = clamp(want, NPUSIM_FT_QUIET_MIN, NPUSIM_FT_QUIET_MAX);
	if (!rebuild && want <= size && 4 * want > size)
		return false;
	t = npusim_ft_quiet_alloc(want);
	if (!t)
		return false;	/* a cache: the flows' STATS read them */
	/* 0 is no table's (npusim_flow.quiet_gen) */
	t->gen = ++ft->quiet_gen ?: ++ft->quiet_gen;
	rcu_assign_pointer(ft->quiet, t);
	/* its readers may still use the old one: the module's exit waits */
	if (old)
		call_rcu(&old->rcu, npusim_ft_quiet_free_rcu);
	return true;
}

/*
 * The quiet table has no room left for a flow (flows came and went since
 * it was made, and their entries stay taken), or it is out of the order
 * of the STATS (npusim_ft_quiet_missed()).  A new, empty table takes the
 * flows there are, in their order.  Not if the device is busy, nor more
 * often than every NPUSIM_FT_QUIET_REBUILD_GAP: the next STATS that
 * finds no room, or the next weighing of a CPU's misses, asks again.
 */
static void npusim_ft_quiet_rebuild(struct npusim_ft *ft)
{
	if (!mutex_trylock(&ft->lock))
		return;
	if (time_after(jiffies,
		       ft->quiet_rebuilt + NPUSIM_FT_QUIET_REBUILD_GAP) &&
	    npusim_ft_quiet_resize(ft, true)) {
		ft->cnt.quiet_rebuilds++;
		ft->quiet_rebuilt = jiffies;
	}
	mutex_unlock(&ft->lock);
}

/*
 * After writing or clearing entries: a chip with a lookup cache must be
 * told, or it goes on using its copies.
 */
static void npusim_ft_cache_flush(struct npusim_ft *ft, struct npusim_hw *hw)
{
	lockdep_assert_held(&ft->lock);
	if (!npusim_hw_param(hw, NPUSIM_HW_PARAM_CACHE))
		return;
	if (READ_ONCE(ft->skip_cache_flush)) {
		ft->cnt.cache_flushes_skipped++;
		return;
	}
	npusim_hw_ft_cache_flush(hw);
	ft->cnt.cache_flushes++;
}

/* The key of @addr in npusim_ft.by_dest. */
static u64 npusim_ft_dest_hash(const u8 *addr)
{
	return ether_addr_to_u64(addr);
}

/* The device's name, for trace events. */
static const char *npusim_ft_name(struct npusim_ft *ft)
{
	return dev_name(&container_of(ft, struct npusim_dev, ft)->bus_dev->dev);
}

static void npusim_ft_flow_del(struct npusim_ft *ft, struct npusim_hw *hw,
			       struct npusim_flow *flow)
{
	lockdep_assert_held(&ft->lock);
	if (!flow->lost) {
		trace_npusim_ft_remove(npusim_ft_name(ft), flow->cookie,
				       flow->index, false);
		npusim_hw_ft_clear(hw, flow->index, flow->tag);
		npusim_ft_cache_flush(ft, hw);
		xa_erase(&ft->by_index, flow->index);
		ft->cnt.removals++;
	}
	rhashtable_remove_fast(&ft->flows, &flow->ht_node,
			       npusim_flow_ht_params);
	list_del(&flow->block_node);
	hash_del(&flow->dest_node);
	spin_lock(&flow->lock);
	flow->dead = true;
	npusim_ft_quiet_forget(ft, flow);
	spin_unlock(&flow->lock);
	kfree_rcu(flow, rcu);
	npusim_ft_quiet_resize(ft, false);
}

/* The chip dropped the flow's entry: its index may be someone else's. */
static void npusim_ft_flow_lost(struct npusim_ft *ft, struct npusim_flow *flow)
{
	lockdep_assert_held(&ft->lock);
	trace_npusim_ft_remove(npusim_ft_name(ft), flow->cookie, flow->index,
			       true);
	xa_cmpxchg(&ft->by_index, flow->index, flow, NULL, 0);
	spin_lock(&flow->lock);
	flow->lost = true;
	npusim_ft_quiet_forget(ft, flow);
	spin_unlock(&flow->lock);
	ft->cnt.lost++;
}

/**
 * npusim_ft_fault() - should an offload command fail on purpose?
 * @ft: the device's offload state, locked
 * @cmd: the command
 *
 * Return: 0, or the negative errno the command must fail with (and the
 * failure is counted, and the knob's count of times goes down).
 */
static int npusim_ft_fault(struct npusim_ft *ft, enum flow_cls_command cmd)
{
	struct npusim_fault *f = &ft->fault[cmd];
	u32 err = READ_ONCE(f->err), times;

	lockdep_assert_held(&ft->lock);
	if (!err || get_random_u32_below(100) >= READ_ONCE(f->percent))
		return 0;
	times = READ_ONCE(f->times);
	if (times) {
		WRITE_ONCE(f->times, --times);
		if (!times)
			WRITE_ONCE(f->err, 0);
	}
	f->injected++;
	return -err;
}

/*
 * A flow's memory.  Not inlined, so that the kernel's fail_function can
 * make it fail (it is on the error injection list): a REPLACE that runs
 * out of memory.
 */
static noinline struct npusim_flow *npusim_ft_flow_alloc(void)
{
	struct npusim_flow *flow = kzalloc(sizeof(*flow), GFP_KERNEL);

	if (flow)
		spin_lock_init(&flow->lock);
	return flow;
}
ALLOW_ERROR_INJECTION(npusim_ft_flow_alloc, NULL);

/*
 * Not inlined, so that the kernel's fail_function can make it fail: it
 * and npusim_ft_setup() are on the error injection list.
 */
static noinline int npusim_ft_replace(struct npusim_ft_block *block,
				      struct flow_cls_offload *cls,
				      struct netlink_ext_ack *extack)
{
	struct npusim_dev *nsim_dev = block->nsim_dev;
	struct flow_rule *rule = flow_cls_offload_flow_rule(cls);
	struct npusim_ft *ft = &nsim_dev->ft;
	struct npusim_hw_flow_entry e;
	struct npusim_flow *flow, *old;
	int err;

	err = npusim_ft_fault(ft, FLOW_CLS_REPLACE);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "Injected fault");
		return err;
	}
	/*
	 * nf_flowtable re-sends REPLACE for installed flows: harmless.  If
	 * the chip dropped the entry meanwhile, this installs it again
	 * (nf_flowtable re-sends it when the flow's packets come through
	 * software), with what was read of it and not yet reported.
	 */
	old = rhashtable_lookup_fast(&ft->flows, &cls->cookie,
				     npusim_flow_ht_params);
	if (old && !old->lost) {
		if (npusim_hw_ft_valid(nsim_dev->hw, old->index, old->tag))
			return 0;
		npusim_ft_flow_lost(ft, old);
	}

	err = npusim_ft_rule_parse(nsim_dev, block->net, rule, &e, extack);
	if (err == -ENODEV) {
		/* Another device's flow, on a flowtable we share. */
		ft->cnt.skipped_foreign++;
		return -EOPNOTSUPP;
	}
	if (err) {
		ft->cnt.fail_unsupported++;
		return err;
	}

	/*
	 * Offload no more than the flowtable asks for: a port it does not
	 * list (or no longer lists, after a per-port unbind) has no
	 * flowtable hook, so its traffic is not the flowtable's, and the
	 * entries through a port die with its binding.
	 */
	if (!test_bit(e.key.in_port, block->ports)) {
		NL_SET_ERR_MSG_MOD(extack, "Ingress port is not in the flowtable");
		ft->cnt.fail_unsupported++;
		return -EOPNOTSUPP;
	}
	if (!test_bit(e.out_port, block->ports)) {
		NL_SET_ERR_MSG_MOD(extack, "Egress port is not in the flowtable");
		ft->cnt.fail_unsupported++;
		return -EOPNOTSUPP;
	}

	flow = npusim_ft_flow_alloc();
	if (!flow) {
		NL_SET_ERR_MSG_MOD(extack, "Out of memory");
		ft->cnt.fail_nomem++;
		return -ENOMEM;
	}
	/* no use yet: the install (see npusim_ft_lastused()) */
	flow->installed = jiffies;
	flow->lastused = flow->installed;
	if (old) {
		/* dead at once: a STATS must not report these twice */
		spin_lock(&old->lock);
		flow->new_packets = old->new_packets;
		flow->new_bytes = old->new_bytes;
		flow->packets = old->packets;
		flow->bytes = old->bytes;
		flow->lastused = old->lastused;
		old->dead = true;
		spin_unlock(&old->lock);
		npusim_ft_flow_del(ft, nsim_dev->hw, old);
	}
	flow->cookie = cls->cookie;
	flow->block = block;
	flow->in_port = e.key.in_port;
	flow->out_port = e.out_port;

	err = npusim_hw_ft_write(nsim_dev->hw, &e, &flow->index, &flow->tag);
	if (err) {
		if (err == -EOPNOTSUPP) {
			/* the chip's parameters changed under us */
			ft->cnt.fail_unsupported++;
			NL_SET_ERR_MSG_MOD(extack, "The chip cannot carry this flow");
			kfree(flow);
			return err;
		}
		if (err == -ENOMEM) {
			ft->cnt.fail_nomem++;
			NL_SET_ERR_MSG_MOD(extack, "Out of memory");
			kfree(flow);
			return err;
		}
		if (err == -EBUSY) {
			ft->cnt.fail_bucket_full++;
			NL_SET_ERR_MSG_MOD(extack, "Hash bucket full");
		} else if (err == -ENOBUFS) {
			ft->cnt.fail_nh_full++;
			NL_SET_ERR_MSG_MOD(extack, "Next-hop table full");
		} else {
			ft->cnt.fail_table_full++;
			NL_SET_ERR_MSG_MOD(extack, "Flow table full");
		}
		kfree(flow);
		return -ENOSPC;
	}

	npusim_ft_cache_flush(ft, nsim_dev->hw);

	/*
	 * Read the entry back: a chip whose bucket is full may take the
	 * write and store nothing (NPUSIM_HW_FULL_ACCEPT).  The flow stays
	 * with nf_flowtable, which sees it offloaded while the host
	 * forwards it, as on MediaTek's PPE, until it re-sends REPLACE.
	 */
	if (!npusim_hw_ft_valid(nsim_dev->hw, flow->index, flow->tag)) {
		flow->lost = true;
		ft->cnt.lost++;
	} else {
		/* counters need not start at 0 (counters_wrap_in) */
		npusim_hw_ft_counters_start(nsim_dev->hw, flow->index,
					    &flow->hw_packets, &flow->hw_bytes);
		/* The index was free in the chip: whoever we had there is gone. */
		old = xa_load(&ft->by_index, flow->index);
		if (old)
			npusim_ft_flow_lost(ft, old);
		err = xa_insert(&ft->by_index, flow->index, flow, GFP_KERNEL);
	}
	if (!err) {
		err = rhashtable_insert_fast(&ft->flows, &flow->ht_node,
					     npusim_flow_ht_params);
		if (err && !flow->lost)
			xa_erase(&ft->by_index, flow->index);
	}
	if (err) {
		if (!flow->lost) {
			npusim_hw_ft_clear(nsim_dev->hw, flow->index, flow->tag);
			npusim_ft_cache_flush(ft, nsim_dev->hw);
		}
		NL_SET_ERR_MSG_MOD(extack, "Cannot track the flow");
		ft->cnt.fail_nomem++;
		kfree(flow);
		return err;
	}
	list_add_tail(&flow->block_node, &block->flows);
	ether_addr_copy(flow->h_dest, e.h_dest);
	hash_add(ft->by_dest, &flow->dest_node, npusim_ft_dest_hash(e.h_dest));
	if (!flow->lost)
		ft->cnt.installs++;
	npusim_ft_quiet_resize(ft, false);
	trace_npusim_ft_install(npusim_ft_name(ft), flow->cookie, flow->index,
				flow->in_port, flow->out_port, !flow->lost);
	return 0;
}

static int npusim_ft_destroy(struct npusim_ft_block *block,
			     struct flow_cls_offload *cls)
{
	struct npusim_ft *ft = &block->nsim_dev->ft;
	struct npusim_flow *flow;
	int err;

	ft->cnt.destroy_calls++;
	flow = rhashtable_lookup_fast(&ft->flows, &cls->cookie,
				      npusim_flow_ht_params);
	if (!flow)
		return -ENOENT;
	/* A failing chip keeps the entry, until the flowtable unbinds. */
	err = npusim_ft_fault(ft, FLOW_CLS_DESTROY);
	if (err)
		return err;
	npusim_ft_flow_del(ft, block->nsim_dev->hw, flow);
	return 0;
}

/**
 * __npusim_ft_flow_read() - read a flow's entry and take in its counters
 * @ft: the device's offload state
 * @hw: the chip
 * @flow: the flow, its lock held
 * @e: filled with the entry, or NULL
 * @mib: filled with the counters as read
 * @keep: add what was counted since the previous read to the flow's
 *	unreported counts; false loses it (the dump_steals fault)
 *
 * Free-running counters wrap at their width, so the count since the
 * previous read is their difference modulo the width.  A clear-on-read
 * counter holds exactly that count, and the read hands it to us alone:
 * whatever reads the entry must keep what it read for the next STATS.
 * The flow's lock makes the read and the difference one step.  The
 * read clears the entry's bit in the chip's change map: a caller that
 * may leave counts unreported must first take the flow out of the quiet
 * table (npusim_ft_flow_read() does), or its STATS would find nothing
 * changed.
 *
 * Return: 0; -ENOENT if the chip dropped the entry (now or before),
 * then nothing is filled in and the caller marks the flow lost.
 */
static int __npusim_ft_flow_read(struct npusim_ft *ft, struct npusim_hw *hw,
				 struct npusim_flow *flow,
				 struct npusim_hw_flow_entry *e,
				 struct npusim_hw_flow_mib *mib, bool keep)
{
	u32 pkts_bits = npusim_hw_param(hw, NPUSIM_HW_PARAM_PKTS_BITS);
	u32 bytes_bits = npusim_hw_param(hw, NPUSIM_HW_PARAM_BYTES_BITS);
	u64 pkts, bytes;

	lockdep_assert_held(&flow->lock);
	if (flow->lost)
		return -ENOENT;
	if (npusim_hw_ft_read(hw, flow->index, flow->tag, e, mib))
		return -ENOENT;
	pkts = (mib->packets - flow->hw_packets) &
	       GENMASK_ULL(pkts_bits - 1, 0);
	bytes = (mib->bytes - flow->hw_bytes) & GENMASK_ULL(bytes_bits - 1, 0);
	if (npusim_hw_param(hw, NPUSIM_HW_PARAM_CLEAR_ON_READ)) {
		flow->hw_packets = 0;
		flow->hw_bytes = 0;
	} else {
		flow->hw_packets = mib->packets;
		flow->hw_bytes = mib->bytes;
	}
	if (!keep)
		return 0;
	flow->new_packets += pkts;
	flow->new_bytes += bytes;
	flow->packets += pkts;
	flow->bytes += bytes;
	return 0;
}

/*
 * __npusim_ft_flow_read() under the device lock, which marks the flow
 * lost if the chip dropped its entry.  The flow is not quiet any more:
 * the caller may leave counts unreported.  @packets and @bytes, if not
 * NULL, get the flow's counts since the install.
 */
static int npusim_ft_flow_read(struct npusim_ft *ft, struct npusim_hw *hw,
			       struct npusim_flow *flow,
			       struct npusim_hw_flow_entry *e,
			       struct npusim_hw_flow_mib *mib, bool keep,
			       u64 *packets, u64 *bytes)
{
	bool lost;
	int err;

	lockdep_assert_held(&ft->lock);
	spin_lock(&flow->lock);
	npusim_ft_quiet_forget(ft, flow);
	err = __npusim_ft_flow_read(ft, hw, flow, e, mib, keep);
	lost = err && !flow->lost;
	if (packets)
		*packets = flow->packets;
	if (bytes)
		*bytes = flow->bytes;
	spin_unlock(&flow->lock);
	if (lost)
		npusim_ft_flow_lost(ft, flow);
	return err;
}

/*
 * Hand nf_flowtable what was read of the flow and not yet reported,
 * and the last use; @lastused is the last use of what was read now, or
 * NULL if the entry is gone.  Under the flow's lock.
 */
static void npusim_ft_stats_report(struct npusim_ft *ft,
				   struct npusim_flow *flow,
				   const unsigned long *lastused,
				   struct flow_cls_offload *cls)
{
	lockdep_assert_held(&flow->lock);
	/*
	 * An entry the chip dropped reports what was read before and its
	 * last use, which no longer moves: nf_flowtable times the flow out
	 * unless its packets, now in software, make it REPLACE it again.
	 */
	if (lastused && !READ_ONCE(ft->stale_lastused))
		flow->lastused = *lastused;
	flow_stats_update(&cls->stats, flow->new_bytes, flow->new_packets, 0,
			  flow->lastused, FLOW_ACTION_HW_STATS_DELAYED);
	flow->new_packets = 0;
	flow->new_bytes = 0;
}

/**
 * npusim_ft_stats_rcu() - STATS without the device lock
 * @block: the block
 * @cls: the request
 *
 * The common case: a flow the driver knows, whose entry the chip still
 * holds, and no fault to inject.  The flow is found under RCU (flows
 * are freed after a grace period) and read under its own lock, so the
 * STATS of different flows run in parallel and never wait for a
 * REPLACE or a dump.
 *
 * Return: 0 if it answered; -EAGAIN for npusim_ft_stats() to answer,
 * under the device lock: an unknown cookie, a flow being removed, an
 * entry the chip dropped (the flow must be marked lost), a fault set.
 */
static int npusim_ft_stats_rcu(struct npusim_ft_block *block,
			       struct flow_cls_offload *cls)
{
	struct npusim_hw *hw = block->nsim_dev->hw;
	struct npusim_ft *ft = &block->nsim_dev->ft;
	struct npusim_hw_flow_mib mib;
	struct npusim_flow *flow;
	unsigned long lastused;
	bool rebuild = false;
	int err = -EAGAIN;
	u32 hold;

	if (READ_ONCE(ft->fault[FLOW_CLS_STATS].err))
		return -EAGAIN;
	rcu_read_lock();
	flow = rhashtable_lookup(&ft->flows, &cls->cookie,
				 npusim_flow_ht_params);
	if (!flow)
		goto out;
	spin_lock(&flow->lock);
	/*
	 * A lost flow reports what was read before; else read it now.  The
	 * read reports all it finds, so its quiet entry, if any, may stay
	 * until it is written again just below: a quiet STATS that uses
	 * it meanwhile answers as of the read before.
	 */
	if (!flow->dead && (flow->lost ||
			    !__npusim_ft_flow_read(ft, hw, flow, NULL, &mib,
						   true))) {
		if (flow->lost) {
			npusim_ft_stats_report(ft, flow, NULL, cls);
		} else {
			lastused = npusim_ft_lastused(hw, flow->installed,
						      mib.last_hit, mib.hit,
						      &hold);
			npusim_ft_stats_report(ft, flow, &lastused, cls);
			/*
			 * All reported: the flow is quiet.  Also with
			 * stale_lastused set, when npusim_ft_stats_quiet()
			 * does not answer: its entry, with the last use of
			 * the read, is then current once the knob is cleared.
			 */
			rebuild = npusim_ft_quiet_store(ft, flow, mib.gen,
							lastused, hold);
		}
		this_cpu_inc(*ft->stats_rcu);
		err = 0;
	}
	spin_unlock(&flow->lock);
out:
	rcu_read_unlock();
	if (rebuild)
		npusim_ft_quiet_rebuild(ft);
	return err;
}

/*
 * A miss: the quiet entry of the flow of @cookie in @t, found through
 * the flow, or NULL.  Under rcu_read_lock().
 */
static noinline struct npusim_ft_quiet *
npusim_ft_quiet_lookup(struct npusim_ft *ft, struct npusim_ft_quiet_table *t,
		       unsigned long cookie, u32 *slot)
{
	struct npusim_flow *flow;

	flow = rhashtable_lookup(&ft->flows, &cookie, npusim_flow_ht_params);
	if (!flow || READ_ONCE(flow->quiet_gen) != t->gen)
		return NULL;
	/* the table, then the slot: pairs with npusim_ft_quiet_store() */
	smp_rmb();
	/* or its slot in a newer table, if it just moved: the cookie tells */
	*slot = READ_ONCE(flow->quiet_slot);
	return *slot <= t->mask ? npusim_ft_quiet_entry(t, *slot) : NULL;
}

/**
 * npusim_ft_stats_quiet() - STATS of a quiet flow
 * @ft: the device's offload state
 * @hw: the chip
 * @cls: the request
 *
 * Nothing to report but the last use, which the quiet table has; the
 * chip's change map tells whether the entry is as it was read.  Racing
 * with a change of the flow, this may answer once more as of the last
 * read: what changed is reported by the next STATS.
 *
 * The entry is looked for at this CPU's cursor, the entry after the
 * one it used last, and the seven after it (after the last entry taken,
 * the first: a round ends there, and the next starts at the first).
 * nf_flowtable asks for the STATS of its flows in the same order every
 * time (its garbage collector walks its rhashtable and queues them; the
 * workqueue runs them in turn), the order in which their entries were
 * written.  So a quiet STATS reads the next 32 bytes of a page it has
 * just read.
 * Else (a miss) it is found through the flow.
 *
 * Return: true if it answered.
 */
static bool npusim_ft_stats_quiet(struct npusim_ft *ft, struct npusim_hw *hw,
				  struct flow_cls_offload *cls)
{
	u32 seq, index, gen, hold, used, i, n;
	struct npusim_ft_quiet_table *t;
	bool found = false, miss = false;
	struct npusim_ft_quiet *q;
	unsigned long lastused;

	if (READ_ONCE(ft->fault[FLOW_CLS_STATS].err) ||
	    READ_ONCE(ft->stale_lastused))
		return false;
	rcu_read_lock();
	t = rcu_dereference(ft->quiet);
	if (!t)
		goto out;
	used = atomic_read(&t->next);
	i = this_cpu_read(ft->quiet_cpu->cursor);
	for (n = 0; n < NPUSIM_FT_QUIET_AHEAD && n < used; n++, i++) {
		if (i >= used)
			i = 0;
		q = npusim_ft_quiet_entry(t, i);
		if (READ_ONCE(q->cookie) == cls->cookie)
			goto read;
	}
	q = npusim_ft_quiet_lookup(ft, t, cls->cookie, &i);
	if (!q)
		goto out;
	miss = true;
read:
	/* its seq, then the entry: see npusim_ft_quiet_write_end() */
	seq = smp_load_acquire(&q->seq);
	found = !(seq & 1) && READ_ONCE(q->cookie) == cls->cookie;
	index = READ_ONCE(q->index);
	lastused = READ_ONCE(q->lastused);
	gen = READ_ONCE(q->gen);
	hold = READ_ONCE(q->hold);
	/* the entry, then its seq again: it was not rewritten */
	smp_rmb();
	found = found && READ_ONCE(q->seq) == seq &&
		(hold == U32_MAX || jiffies - lastused < hold) &&
		npusim_hw_ft_unchanged(hw, index, gen);
	if (found)
		this_cpu_write(ft->quiet_cpu->cursor, i + 1);
out:
	rcu_read_unlock();
	if (!found)
		return false;
	flow_stats_update(&cls->stats, 0, 0, 0, lastused,
			  FLOW_ACTION_HW_STATS_DELAYED);
	this_cpu_inc(*ft->stats_quiet);
	if (unlikely(miss) && npusim_ft_quiet_missed(ft, used))
		npusim_ft_quiet_rebuild(ft);
	return true;
}

/* STATS under the device lock: see npusim_ft_stats_rcu(). */
static int npusim_ft_stats(struct npusim_ft_block *block,
			   struct flow_cls_offload *cls)
{
	struct npusim_hw *hw = block->nsim_dev->hw;
	struct npusim_ft *ft = &block->nsim_dev->ft;
	struct npusim_hw_flow_mib mib;
	unsigned long lastused = 0;
	struct npusim_flow *flow;
	int err;

	flow = rhashtable_lookup_fast(&ft->flows, &cls->cookie,
				      npusim_flow_ht_params);
	if (!flow) {
		ft->cnt.stats_unknown++;
		return -ENOENT;
	}
	ft->cnt.stats_locked++;
	/* Nothing is read: the counts wait for the next STATS. */
	err = npusim_ft_fault(ft, FLOW_CLS_STATS);
	if (err)
		return err;

	err = npusim_ft_flow_read(ft, hw, flow, NULL, &mib, true, NULL, NULL);
	spin_lock(&flow->lock);
	if (!err)
		lastused = npusim_ft_lastused(hw, flow->installed,
					      mib.last_hit, mib.hit, NULL);
	npusim_ft_stats_report(ft, flow, err ? NULL : &lastused, cls);
	spin_unlock(&flow->lock);
	return 0;
}

/*
 * The destroy_hold and stats_hold knobs: hold a DESTROY or STATS until
 * its knob is cleared.  An idle wait: a test may hold it for longer than
 * the hung task timeout.  One wait queue serves every device's knobs.
 */
static DECLARE_WAIT_QUEUE_HEAD(npusim_ft_hold_wq);

static void npusim_ft_hold_wait(bool *hold, atomic_t *held)
{
	if (!READ_ONCE(*hold))
		return;
	atomic_inc(held);
	wait_event_idle(npusim_ft_hold_wq, !READ_ONCE(*hold));
	atomic_dec(held);
}

/*
 * REPLACE, under the device lock.  Out of line: STATS, the most frequent
 * command by far, need not clear an extack on the stack.
 */
static noinline int npusim_ft_replace_cmd(struct npusim_ft_block *block,
					  struct flow_cls_offload *cls)
{
	struct npusim_ft *ft = &block->nsim_dev->ft;
	struct netlink_ext_ack extack = {};
	int err;

	/* counted here: fail_function may replace the call below */
	ft->cnt.replace_calls++;
	/*
	 * The caller's extack is shared by every driver on the flowtable:
	 * keep a copy of this driver's own message, the last one, since
	 * nf_flowtable drops them.
	 */
	err = npusim_ft_replace(block, cls, &extack);
	if (err && extack._msg) {
		strscpy(ft->last_error, extack._msg, sizeof(ft->last_error));
		if (cls->common.extack)
			cls->common.extack->_msg = extack._msg;
	}
	trace_npusim_ft_replace(npusim_ft_name(ft), cls->cookie, err,
				err && extack._msg ? extack._msg : "");
	return err;
}

static int npusim_ft_block_cb(enum tc_setup_type type, void *type_data,
			      void *cb_priv)
{
	struct npusim_ft_block *block = cb_priv;
	struct npusim_ft *ft = &block->nsim_dev->ft;
	struct flow_cls_offload *cls = type_data;
	int err;

	if (type != TC_SETUP_CLSFLOWER)
		return -EOPNOTSUPP;

	/* Outside the lock: a REPLACE may overtake the delayed DESTROY. */
	if (cls->command < NPUSIM_FT_FAULT_CMDS) {
		unsigned int delay = READ_ONCE(ft->fault[cls->command].delay_ms);

		if (delay)
			msleep(delay);
	}
	if (cls->command == FLOW_CLS_DESTROY)
		npusim_ft_hold_wait(&ft->destroy_hold, &ft->destroys_held);
	else if (cls->command == FLOW_CLS_STATS)
		npusim_ft_hold_wait(&ft->stats_hold, &ft->stats_held);

	if (cls->command == FLOW_CLS_STATS) {
		this_cpu_inc(*ft->stats_calls);
		if (npusim_ft_stats_quiet(ft, block->nsim_dev->hw, cls))
			err = 0;
		else
			err = npusim_ft_stats_rcu(block, cls);
		if (err != -EAGAIN) {
			trace_npusim_ft_stats(npusim_ft_name(ft), cls->cookie,
					      err, cls->stats.pkts,
					      cls->stats.bytes,
					      cls->stats.lastused);
			return err;
		}
	}

	mutex_lock(&ft->lock);
	switch (cls->command) {
	case FLOW_CLS_REPLACE:
		err = npusim_ft_replace_cmd(block, cls);
		break;
	case FLOW_CLS_DESTROY:
		err = npusim_ft_destroy(block, cls);
		trace_npusim_ft_destroy(npusim_ft_name(ft), cls->cookie, err);
		break;
	case FLOW_CLS_STATS:
		err = npusim_ft_stats(block, cls);
		trace_npusim_ft_stats(npusim_ft_name(ft), cls->cookie, err,
				      cls->stats.pkts, cls->stats.bytes,
				      cls->stats.lastused);
		break;
	default:
		err = -EOPNOTSUPP;
		break;
	}
	mutex_unlock(&ft->lock);
	return err;
}

/* Flows a flush looks at per hold of the device lock. */
#define NPUSIM_FT_FLUSH_BATCH	64

/**
 * npusim_ft_block_flush() - remove a block's flows, all or one port's
 * @block: the block
 * @port: remove the flows that enter or leave through this port; -1: all
 *
 * The block's flows move to a private list in one step; then the flush
 * takes them NPUSIM_FT_FLUSH_BATCH at a time, each batch under the
 * device lock, removing those of @port and putting the others back.  A
 * large table thus never holds REPLACE, DESTROY and STATS off for the
 * whole flush.  A DESTROY meanwhile removes its flow from whichever list
 * it is on.  The caller has cleared @port (every port, for -1) in the
 * block's bitmap, so REPLACE adds no flow of @port meanwhile.  Flushes
 * of a device run one at a time (@ft->flush_lock).
 */
static void npusim_ft_block_flush(struct npusim_ft_block *block, int port)
{
	struct npusim_ft *ft = &block->nsim_dev->ft;
	struct npusim_hw *hw = block->nsim_dev->hw;
	struct npusim_flow *flow;
	LIST_HEAD(todo);
	unsigned int n;

	mutex_lock(&ft->flush_lock);
	mutex_lock(&ft->lock);
	list_splice_init(&block->flows, &todo);
	for (;;) {
		for (n = 0; n < NPUSIM_FT_FLUSH_BATCH && !list_empty(&todo); n++) {
			flow = list_first_entry(&todo, struct npusim_flow,
						block_node);
			if (port < 0 || flow->in_port == port ||
			    flow->out_port == port)
				npusim_ft_flow_del(ft, hw, flow);
			else
				list_move_tail(&flow->block_node, &block->flows);
		}
		ft->cnt.flush_batches++;
		if (list_empty(&todo))
			break;
		mutex_unlock(&ft->lock);
		cond_resched();
		mutex_lock(&ft->lock);
	}
	mutex_unlock(&ft->lock);
	mutex_unlock(&ft->flush_lock);
}

/* Called by the flow_block core when the last port unbinds. */
static void npusim_ft_block_release(void *cb_priv)
{
	struct npusim_ft_block *block = cb_priv;
	struct npusim_ft *ft = &block->nsim_dev->ft;

	npusim_ft_block_flush(block, -1);
	mutex_lock(&ft->lock);
	list_del(&block->node);
	ft->n_blocks--;
	mutex_unlock(&ft->lock);
	kfree(block);
}

/*
 * Bind a port to a flowtable.  An error injection site: a bind can fail
 * (no memory, hw-tc-offload off), an unbind must not (nf_tables ignores
 * a failed UNBIND and frees the flowtable with our callback on its
 * list), so fail_function is better pointed here than at
 * npusim_ft_setup().
 */
static noinline int npusim_ft_bind(struct npusim_port *port,
				   struct flow_block_offload *f)
{
	struct npusim_dev *nsim_dev = port->nsim_dev;
	struct npusim_ft *ft = &nsim_dev->ft;
	struct flow_block_cb *block_cb;
	struct npusim_ft_block *block;

	if (!tc_can_offload(port->ndev)) {
		NL_SET_ERR_MSG_MOD(f->extack, "hw-tc-offload is disabled on this port");
		return -EOPNOTSUPP;
	}

	block_cb = flow_block_cb_lookup(f->block, npusim_ft_block_cb, nsim_dev);
	if (block_cb) {
		block = flow_block_cb_priv(block_cb);
		mutex_lock(&ft->lock);
		if (test_and_set_bit(port->index, block->ports)) {
			mutex_unlock(&ft->lock);
			NL_SET_ERR_MSG_MOD(f->extack, "Port already bound to this flowtable");
			return -EBUSY;
		}
		mutex_unlock(&ft->lock);
		flow_block_cb_incref(block_cb);
		return 0;
	}

	block = kzalloc(sizeof(*block), GFP_KERNEL);
	if (!block)
		return -ENOMEM;
	block->nsim_dev = nsim_dev;
	block->net = f->net;
	INIT_LIST_HEAD(&block->flows);
	__set_bit(port->index, block->ports);

	block_cb = flow_block_cb_alloc(npusim_ft_block_cb, nsim_dev, block,
				       npusim_ft_block_release);
	if (IS_ERR(block_cb)) {
		kfree(block);
		return PTR_ERR(block_cb);
	}
	flow_block_cb_incref(block_cb);
	flow_block_cb_add(block_cb, f);

	mutex_lock(&ft->lock);
	list_add_tail(&block->node, &ft->blocks);
	ft->n_blocks++;
	mutex_unlock(&ft->lock);
	return 0;
}
ALLOW_ERROR_INJECTION(npusim_ft_bind, ERRNO);

static int npusim_ft_unbind(struct npusim_port *port,
			    struct flow_block_offload *f)
{
	struct npusim_dev *nsim_dev = port->nsim_dev;
	struct npusim_ft *ft = &nsim_dev->ft;
	struct flow_block_cb *block_cb;
	struct npusim_ft_block *block;

	block_cb = flow_block_cb_lookup(f->block, npusim_ft_block_cb, nsim_dev);
	if (!block_cb)
		return -ENOENT;
	block = flow_block_cb_priv(block_cb);

	/* Entries through this port die with its binding. */
	mutex_lock(&ft->lock);
	clear_bit(port->index, block->ports);
	mutex_unlock(&ft->lock);
	npusim_ft_block_flush(block, port->index);

	if (!flow_block_cb_decref(block_cb))
		flow_block_cb_remove(block_cb, f);
	return 0;
}

/**
 * npusim_ft_setup() - ndo_setup_tc(TC_SETUP_FT) of a port
 * @port: the port
 * @f: bind or unbind request from nf_flowtable
 *
 * Return: 0 or a negative errno; -EOPNOTSUPP for binder types other
 * than ingress and for ports with hw-tc-offload off.
 */
int npusim_ft_setup(struct npusim_port *port, struct flow_block_offload *f)
{
	if (f->binder_type != FLOW_BLOCK_BINDER_TYPE_CLSACT_INGRESS) {
		NL_SET_ERR_MSG_MOD(f->extack, "Only ingress flowtables can be offloaded");
		return -EOPNOTSUPP;
	}

	switch (f->command) {
	case FLOW_BLOCK_BIND:
		return npusim_ft_bind(port, f);
	case FLOW_BLOCK_UNBIND:
		return npusim_ft_unbind(port, f);
	default:
		return -EOPNOTSUPP;
	}
}
ALLOW_ERROR_INJECTION(npusim_ft_setup, ERRNO);
ALLOW_ERROR_INJECTION(npusim_ft_replace, ERRNO);

/**
 * npusim_ft_port_bound() - whether a port is bound to a flowtable
 * @port: the port
 *
 * Return: true if an offload flowtable lists the port.
 */
bool npusim_ft_port_bound(struct npusim_port *port)
{
	struct npusim_ft *ft = &port->nsim_dev->ft;
	struct npusim_ft_block *block;
	bool bound = false;

	mutex_lock(&ft->lock);
	list_for_each_entry(block, &ft->blocks, node)
		bound |= test_bit(port->index, block->ports);
	mutex_unlock(&ft->lock);
	return bound;
}

static const char * const npusim_hw_nat_names[] = {
	"snat", "dnat", "sport", "dport",
};

static const char * const npusim_hw_state_names[] = {
	[NPUSIM_HW_FLOW_UNBIND] = "unbind",
	[NPUSIM_HW_FLOW_BIND] = "bind",
	[NPUSIM_HW_FLOW_FIN] = "fin",
};

static void npusim_ft_show_addr(struct seq_file *s, u8 ip_ver,
				const __be32 *addr, __be16 port)
{
	if (ip_ver == 4)
		seq_printf(s, "%pI4:%u", addr, ntohs(port));
	else
		seq_printf(s, "[%pI6c]:%u", addr, ntohs(port));
}

static void npusim_ft_show_entry(struct seq_file *s, struct npusim_dev *nsim_dev,
				 struct npusim_flow *flow)
{
	struct npusim_hw *hw = nsim_dev->hw;
	struct npusim_hw_flow_entry e;
	bool steal = READ_ONCE(nsim_dev->ft.dump_steals);
	const struct npusim_hw_flow_key *k = &e.key;
	struct npusim_hw_flow_mib mib;
	u64 lastused, pkts, bytes;
	int i;

	if (npusim_ft_flow_read(&nsim_dev->ft, hw, flow, &e, &mib, !steal,
				&pkts, &bytes))
		return;		/* the chip dropped it just now */
	/* The fault shows what it read, as mtk_ppe_debugfs.c does. */
	if (steal) {
		pkts = mib.packets;
		bytes = mib.bytes;
	}
	seq_printf(s, "%06x cookie=%p in=p%u %s ", flow->index,
		   (void *)flow->cookie, k->in_port,
		   k->l4proto == IPPROTO_TCP ? "tcp" : "udp");
	npusim_ft_show_addr(s, k->ip_ver, k->src, k->sport);
	seq_puts(s, "->");
	npusim_ft_show_addr(s, k->ip_ver, k->dst, k->dport);
	seq_puts(s, " vlan=");
	for (i = 0; i < k->n_vlan; i++)
		seq_printf(s, "%s%u", i ? "." : "", k->vid[i]);
	if (!k->n_vlan)
		seq_puts(s, "-");

	seq_puts(s, " nat=");
	for (i = 0; i < ARRAY_SIZE(npusim_hw_nat_names); i++)
		if (e.nat & BIT(i))
			seq_printf(s, "%s%s", npusim_hw_nat_names[i],
				   e.nat & ~GENMASK(i, 0) ? "," : "");
	if (e.nat) {
		seq_puts(s, " new=");
		npusim_ft_show_addr(s, k->ip_ver,
				    e.nat & NPUSIM_HW_NAT_SADDR ? e.new_src : k->src,
				    e.nat & NPUSIM_HW_NAT_SPORT ? e.new_sport : k->sport);
		seq_puts(s, "->");
		npusim_ft_show_addr(s, k->ip_ver,
				    e.nat & NPUSIM_HW_NAT_DADDR ? e.new_dst : k->dst,
				    e.nat & NPUSIM_HW_NAT_DPORT ? e.new_dport : k->dport);
	} else {
		seq_puts(s, "-");
	}

	seq_printf(s, " out=p%u dmac=%pM smac=%pM push=", e.out_port,
		   e.h_dest, e.h_source);
	for (i = 0; i < e.n_push; i++)
		seq_printf(s, "%s%u", i ? "." : "", e.push_vid[i]);
	if (!e.n_push)
		seq_puts(s, "-");
	if (e.pppoe)
		seq_printf(s, " pppoe=%u", e.pppoe_sid);

	lastused = npusim_ft_lastused(hw, flow->installed, mib.last_hit,
				      mib.hit, NULL);
	if (mib.state < ARRAY_SIZE(npusim_hw_state_names))
		seq_printf(s, " state=%s", npusim_hw_state_names[mib.state]);
	if (mib.state == NPUSIM_HW_FLOW_UNBIND)
		seq_printf(s, " hits=%u", mib.bind_hits);
	seq_printf(s, " packets=%llu bytes=%llu", pkts, bytes);
	if (mib.hit)
		seq_printf(s, " idle=%u\n",
			   jiffies_to_msecs(jiffies - (unsigned long)lastused) / 1000);
	else
		seq_puts(s, " idle=-\n");
}

/*
 * flow_table/entries walks the flows by hardware index, a seq_file
 * chunk (a page of output) at a time: the lock is held from ->start to
 * ->stop, so for one chunk, and the position is the hardware index,
 * which stays meaningful while the table changes between chunks.  The
 * dump needs no buffer of its own size and never holds up the offload
 * callbacks for more than a chunk.
 */
static void *npusim_ft_entries_find(struct seq_file *s, loff_t *pos)
{
	struct npusim_dev *nsim_dev = s->private;
	unsigned long index = *pos;
	struct npusim_flow *flow;

	flow = xa_find(&nsim_dev->ft.by_index, &index, ULONG_MAX, XA_PRESENT);
	if (flow)
		*pos = index;
	return flow;
}

static void *npusim_ft_entries_start(struct seq_file *s, loff_t *pos)
{
	struct npusim_dev *nsim_dev = s->private;

	mutex_lock(&nsim_dev->ft.lock);
	return npusim_ft_entries_find(s, pos);
}

static void *npusim_ft_entries_next(struct seq_file *s, void *v, loff_t *pos)
{
	++*pos;
	return npusim_ft_entries_find(s, pos);
}

static void npusim_ft_entries_stop(struct seq_file *s, void *v)
{
	struct npusim_dev *nsim_dev = s->private;

	mutex_unlock(&nsim_dev->ft.lock);
}

static int npusim_ft_entries_show(struct seq_file *s, void *v)
{
	npusim_ft_show_entry(s, s->private, v);
	return 0;
}

static const struct seq_operations npusim_ft_entries_sops = {
	.start = npusim_ft_entries_start,
	.next = npusim_ft_entries_next,
	.stop = npusim_ft_entries_stop,
	.show = npusim_ft_entries_show,
};
DEFINE_SEQ_ATTRIBUTE(npusim_ft_entries);

/*
 * The VLAN tags a flow leaving by @to instead of @from gets: the bridge
 * VLAN @vid untagged or tagged as @to sends it.  Return: 0, or
 * -EOPNOTSUPP if the entry's tags are not just the bridge's.  Under
 * RTNL.
 */
static int npusim_ft_retag(struct npusim_hw_flow_entry *e,
			   struct npusim_port *from, struct npusim_port *to,
			   u16 vid)
{
	struct bridge_vlan_info a, b;
	bool tag_from, tag_to;

	if (!vid)
		return 0;
	if (br_vlan_get_info(from->ndev, vid, &a) ||
	    br_vlan_get_info(to->ndev, vid, &b))
		return -EOPNOTSUPP;
	tag_from = !(a.flags & BRIDGE_VLAN_INFO_UNTAGGED);
	tag_to = !(b.flags & BRIDGE_VLAN_INFO_UNTAGGED);
	if (tag_from == tag_to)
		return 0;
	if (tag_to && !e->n_push && !e->pppoe) {
		e->n_push = 1;
		e->push_vid[0] = vid;
		return 0;
	}
	if (!tag_to && e->n_push == 1 && e->push_vid[0] == vid) {
		e->n_push = 0;
		return 0;
	}
	return -EOPNOTSUPP;
}

/**
 * npusim_ft_station_moved() - a station moved to another bridge port
 * @port: the offloaded bridge port it is behind now
 * @addr: its address
 * @vid: its bridge VLAN (0 if the bridge filters no VLANs)
 *
 * The flows the NPU sends to @addr out of another port of the same
 * bridge would go on reaching the old port: their entries are pointed
 * at @port, with the VLAN tag @port wants.  An entry that cannot
 * follow (@port not in its flowtable, tags the bridge did not add) is
 * cleared: the flow is lost to the NPU.  Under RTNL.
 */
void npusim_ft_station_moved(struct npusim_port *port, const u8 *addr,
			     u16 vid)
{
	struct npusim_dev *nsim_dev = port->nsim_dev;
	struct npusim_ft *ft = &nsim_dev->ft;
	struct npusim_hw *hw = nsim_dev->hw;
	struct npusim_hw_flow_entry e;
	struct npusim_flow *flow;
	struct npusim_port *old;
	bool flush = false;

	ASSERT_RTNL();
	mutex_lock(&ft->lock);
	hash_for_each_possible(ft->by_dest, flow, dest_node,
			       npusim_ft_dest_hash(addr)) {
		if (flow->lost || !ether_addr_equal(flow->h_dest, addr) ||
		    flow->out_port == port->index ||
		    flow->out_port >= nsim_dev->port_count)
			continue;
		old = nsim_dev->l2_ports[flow->out_port];
		if (!old || old->l2_domain != port->l2_domain ||
		    npusim_hw_ft_peek(hw, flow->index, flow->tag, &e) ||
		    !ether_addr_equal(e.h_dest, addr))
			continue;
		flush = true;
		e.out_port = port->index;
		if (test_bit(port->index, flow->block->ports) &&
		    !npusim_ft_retag(&e, old, port, vid) &&
		    !npusim_hw_ft_rewrite(hw, flow->index, flow->tag, &e)) {
			flow->out_port = port->index;
			ft->cnt.station_moves++;
			continue;
		}
		npusim_hw_ft_clear(hw, flow->index, flow->tag);
		npusim_ft_flow_lost(ft, flow);
		ft->cnt.station_move_fail++;
	}
	if (flush)
		npusim_ft_cache_flush(ft, hw);
	mutex_unlock(&ft->lock);
}

static int npusim_ft_last_error_show(struct seq_file *s, void *unused)
{
	struct npusim_ft *ft = s->private;

	mutex_lock(&ft->lock);
	seq_printf(s, "%s\n", ft->last_error[0] ? ft->last_error : "none");
	mutex_unlock(&ft->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(npusim_ft_last_error);

static u32 npusim_fault_delay_get(void *priv)
{
	struct npusim_fault *f = priv;

	return READ_ONCE(f->delay_ms);
}

static int npusim_fault_delay_set(void *priv, u32 val)
{
	struct npusim_fault *f = priv;

	WRITE_ONCE(f->delay_ms, val);
	return 0;
}

NPUSIM_KNOB(npusim_fault_delay_knob, NPUSIM_FT_DELAY_MAX_MS,
	    npusim_fault_delay_get, npusim_fault_delay_set);

static u32 npusim_fault_err_get(void *priv)
{
	struct npusim_fault *f = priv;

	return READ_ONCE(f->err);
}

static int npusim_fault_err_set(void *priv, u32 val)
{
	struct npusim_fault *f = priv;

	WRITE_ONCE(f->err, val);
	return 0;
}

NPUSIM_KNOB(npusim_fault_err_knob, MAX_ERRNO, npusim_fault_err_get,
	    npusim_fault_err_set);

static u32 npusim_fault_times_get(void *priv)
{
	struct npusim_fault *f = priv;

	return READ_ONCE(f->times);
}

static int npusim_fault_times_set(void *priv, u32 val)
{
	struct npusim_fault *f = priv;

	WRITE_ONCE(f->times, val);
	return 0;
}

NPUSIM_KNOB(npusim_fault_times_knob, U32_MAX, npusim_fault_times_get,
	    npusim_fault_times_set);

static u32 npusim_fault_percent_get(void *priv)
{
	struct npusim_fault *f = priv;

	return READ_ONCE(f->percent);
}

static int npusim_fault_percent_set(void *priv, u32 val)
{
	struct npusim_fault *f = priv;

	if (!val)
		return -ERANGE;
	WRITE_ONCE(f->percent, val);
	return 0;
}

NPUSIM_KNOB(npusim_fault_percent_knob, 100, npusim_fault_percent_get,
	    npusim_fault_percent_set);

/* CMD_delay_ms, CMD_fail, CMD_fail_times, CMD_fail_percent, CMD_injected */
static void npusim_fault_debugfs_init(struct dentry *dir,
				      struct npusim_fault *f, const char *cmd)
{
	char name[32];

	snprintf(name, sizeof(name), "%s_delay_ms", cmd);
	npusim_knob_create(name, dir, f, &npusim_fault_delay_knob);
	snprintf(name, sizeof(name), "%s_fail", cmd);
	npusim_knob_create(name, dir, f, &npusim_fault_err_knob);
	snprintf(name, sizeof(name), "%s_fail_times", cmd);
	npusim_knob_create(name, dir, f, &npusim_fault_times_knob);
	snprintf(name, sizeof(name), "%s_fail_percent", cmd);
	npusim_knob_create(name, dir, f, &npusim_fault_percent_knob);
	snprintf(name, sizeof(name), "%s_injected", cmd);
	debugfs_create_u64(name, 0400, dir, &f->injected);
}

/* destroy_hold, stats_hold: the private data is the bool. */
static u32 npusim_ft_hold_get(void *priv)
{
	return READ_ONCE(*(bool *)priv);
}

static int npusim_ft_hold_set(void *priv, u32 val)
{
	WRITE_ONCE(*(bool *)priv, val);
	if (!val)
		wake_up_all(&npusim_ft_hold_wq);
	return 0;
}

NPUSIM_KNOB(npusim_ft_hold_knob, 1, npusim_ft_hold_get, npusim_ft_hold_set);

/* A boolean fault knob of struct npusim_ft: the private data is the bool. */
static u32 npusim_ft_flag_get(void *priv)
{
	return READ_ONCE(*(bool *)priv);
}

static int npusim_ft_flag_set(void *priv, u32 val)
{
	WRITE_ONCE(*(bool *)priv, val);
	return 0;
}

NPUSIM_KNOB(npusim_ft_flag_knob, 1, npusim_ft_flag_get, npusim_ft_flag_set);

/*
 * flow_table/evict: "INDEX" or "all" makes the chip drop that entry, or
 * all of them, as hardware ageing or a table reset does, without
 * telling the driver.
 */
static ssize_t npusim_ft_evict_write(struct file *file,
				     const char __user *ubuf, size_t count,
				     loff_t *ppos)
{
	struct npusim_dev *nsim_dev = file->private_data;
	struct npusim_hw *hw = nsim_dev->hw;
	char buf[NPUSIM_INPUT_NUM_MAX + 1];
	u32 index;
	int err;

	err = npusim_input_copy_user(buf, sizeof(buf), ubuf, count);
	if (err)
		return err;
	if (!strcmp(buf, "all")) {
		npusim_hw_ft_evict(hw, U32_MAX);
		return count;
	}
	err = npusim_input_u32(buf, true, &index);
	if (err)
		return err;
	if (index >= npusim_hw_ft_size(hw))
		return -ERANGE;
	return npusim_hw_ft_evict(hw, index) ? count : -ENOENT;
}

static const struct file_operations npusim_ft_evict_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = npusim_ft_evict_write,
	.llseek = noop_llseek,
};

/* A per-CPU counter's file: the sum over the CPUs. */
static int npusim_pcpu_u64_get(void *data, u64 *val)
{
	u64 __percpu *cnt = (u64 __percpu __force *)data;
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(cnt, cpu));
	*val = sum;
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(npusim_pcpu_u64_fops, npusim_pcpu_u64_get, NULL,
			 "%llu\n");

/* The quiet table's entries, or those taken by flows if @used; 0 if none. */
static u64 npusim_ft_quiet_count(struct npusim_ft *ft, bool used)
{
	struct npusim_ft_quiet_table *t;
	u64 n = 0;

	rcu_read_lock();
	t = rcu_dereference(ft->quiet);
	if (t)
		n = used ? atomic_read(&t->next) : t->mask + 1ULL;
	rcu_read_unlock();
	return n;
}

/* flow_table/quiet_size: the quiet table's entries (0: none yet). */
static int npusim_ft_quiet_size_get(void *data, u64 *val)
{
	*val = npusim_ft_quiet_count(data, false);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(npusim_ft_quiet_size_fops, npusim_ft_quiet_size_get,
			 NULL, "%llu\n");

/* flow_table/quiet_used: the quiet table's entries taken by flows. */
static int npusim_ft_quiet_used_get(void *data, u64 *val)
{
	*val = npusim_ft_quiet_count(data, true);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(npusim_ft_quiet_used_fops, npusim_ft_quiet_used_get,
			 NULL, "%llu\n");

static void npusim_ft_debugfs_init(struct npusim_dev *nsim_dev)
{
	struct npusim_ft *ft = &nsim_dev->ft;
	struct dentry *dir;

	dir = debugfs_create_dir("flow_table", nsim_dev->ddir);
	ft->ddir = dir;
	debugfs_create_file("entries", 0400, dir, nsim_dev,
			    &npusim_ft_entries_fops);
	debugfs_create_file("last_error", 0400, dir, ft,
			    &npusim_ft_last_error_fops);
	debugfs_create_u64("replace_calls", 0400, dir, &ft->cnt.replace_calls);
	debugfs_create_u64("destroy_calls", 0400, dir, &ft->cnt.destroy_calls);
	debugfs_create_file_unsafe("stats_calls", 0400, dir,
				   (void __force *)ft->stats_calls,
				   &npusim_pcpu_u64_fops);
	debugfs_create_file_unsafe("stats_quiet", 0400, dir,
				   (void __force *)ft->stats_quiet,
				   &npusim_pcpu_u64_fops);
	debugfs_create_file_unsafe("stats_rcu", 0400, dir,
				   (void __force *)ft->stats_rcu,
				   &npusim_pcpu_u64_fops);
	debugfs_create_file_unsafe("quiet_size", 0400, dir, ft,
				   &npusim_ft_quiet_size_fops);
	debugfs_create_file_unsafe("quiet_used", 0400, dir, ft,
				   &npusim_ft_quiet_used_fops);
	debugfs_create_file_unsafe("quiet_misses", 0400, dir,
				   (void __force *)&ft->quiet_cpu->missed,
				   &npusim_pcpu_u64_fops);
	debugfs_create_u64("quiet_rebuilds", 0400, dir,
			   &ft->cnt.quiet_rebuilds);
	debugfs_create_u32("blocks", 0400, dir, &ft->n_blocks);
	debugfs_create_u64("installs", 0400, dir, &ft->cnt.installs);
	debugfs_create_u64("removals", 0400, dir, &ft->cnt.removals);
	debugfs_create_u64("fail_table_full", 0400, dir,
			   &ft->cnt.fail_table_full);
	debugfs_create_u64("fail_bucket_full", 0400, dir,
			   &ft->cnt.fail_bucket_full);
	debugfs_create_u64("fail_unsupported", 0400, dir,
			   &ft->cnt.fail_unsupported);
	debugfs_create_u64("fail_nomem", 0400, dir, &ft->cnt.fail_nomem);
	debugfs_create_u64("fail_nh_full", 0400, dir, &ft->cnt.fail_nh_full);
	debugfs_create_u64("skipped_foreign", 0400, dir,
			   &ft->cnt.skipped_foreign);
	debugfs_create_u64("lost", 0400, dir, &ft->cnt.lost);
	debugfs_create_u64("station_moves", 0400, dir, &ft->cnt.station_moves);
	debugfs_create_u64("flush_batches", 0400, dir, &ft->cnt.flush_batches);
	debugfs_create_u64("station_move_fail", 0400, dir,
			   &ft->cnt.station_move_fail);
	debugfs_create_file("evict", 0200, dir, nsim_dev, &npusim_ft_evict_fops);
	npusim_fault_debugfs_init(dir, &ft->fault[FLOW_CLS_REPLACE], "replace");
	npusim_fault_debugfs_init(dir, &ft->fault[FLOW_CLS_DESTROY], "destroy");
	npusim_fault_debugfs_init(dir, &ft->fault[FLOW_CLS_STATS], "stats");
	npusim_knob_create("destroy_hold", dir, &ft->destroy_hold,
			   &npusim_ft_hold_knob);
	debugfs_create_atomic_t("destroys_held", 0400, dir,
				&ft->destroys_held);
	npusim_knob_create("stats_hold", dir, &ft->stats_hold,
			   &npusim_ft_hold_knob);
	debugfs_create_atomic_t("stats_held", 0400, dir, &ft->stats_held);
	debugfs_create_u64("stats_unknown", 0400, dir, &ft->cnt.stats_unknown);
	debugfs_create_u64("stats_locked", 0400, dir, &ft->cnt.stats_locked);
	npusim_knob_create("dump_steals", dir, &ft->dump_steals,
			   &npusim_ft_flag_knob);
	npusim_knob_create("skip_cache_flush", dir, &ft->skip_cache_flush,
			   &npusim_ft_flag_knob);
	npusim_knob_create("stale_lastused", dir, &ft->stale_lastused,
			   &npusim_ft_flag_knob);
	debugfs_create_u64("cache_flushes", 0400, dir, &ft->cnt.cache_flushes);
	debugfs_create_u64("cache_flushes_skipped", 0400, dir,
			   &ft->cnt.cache_flushes_skipped);
}

/**
 * npusim_ft_init() - set up a device's offload state
 * @nsim_dev: the device; its debugfs directory exists
 *
 * Return: 0 or a negative errno.
 */
int npusim_ft_init(struct npusim_dev *nsim_dev)
{
	struct npusim_ft *ft = &nsim_dev->ft;
	enum flow_cls_command cmd;
	int err;

	mutex_init(&ft->lock);
	mutex_init(&ft->flush_lock);
	for (cmd = 0; cmd < NPUSIM_FT_FAULT_CMDS; cmd++)
		ft->fault[cmd].percent = 100;
	INIT_LIST_HEAD(&ft->blocks);
	hash_init(ft->by_dest);
	/* the first rebuild need not wait */
	ft->quiet_rebuilt = jiffies - NPUSIM_FT_QUIET_REBUILD_GAP - 1;
	xa_init(&ft->by_index);
	ft->stats_calls = alloc_percpu(u64);
	ft->stats_quiet = alloc_percpu(u64);
	ft->stats_rcu = alloc_percpu(u64);
	ft->quiet_cpu = alloc_percpu(struct npusim_ft_quiet_cpu);
	if (!ft->stats_calls || !ft->stats_quiet || !ft->stats_rcu ||
	    !ft->quiet_cpu) {
		err = -ENOMEM;
		goto err_free;
	}
	err = rhashtable_init(&ft->flows, &npusim_flow_ht_params);
	if (err)
		goto err_free;
	npusim_ft_debugfs_init(nsim_dev);
	return 0;

err_free:
	free_percpu(ft->quiet_cpu);
	free_percpu(ft->stats_rcu);
	free_percpu(ft->stats_quiet);
	free_percpu(ft->stats_calls);
	mutex_destroy(&ft->flush_lock);
	mutex_destroy(&ft->lock);
	return err;
}
ALLOW_ERROR_INJECTION(npusim_ft_init, ERRNO);

/**
 * npusim_ft_release_destroys() - let the calls held by destroy_hold or
 *	stats_hold go
 * @nsim_dev: the device, whose ports are about to go away
 *
 * Unbinding a flowtable waits for its callbacks, so a held DESTROY would
 * hold up the ports' teardown for as long as nobody clears the knob.
 */
void npusim_ft_release_destroys(struct npusim_dev *nsim_dev)
{
	struct npusim_ft *ft = &nsim_dev->ft;

	WRITE_ONCE(ft->destroy_hold, false);
	WRITE_ONCE(ft->stats_hold, false);
	wake_up_all(&npusim_ft_hold_wq);
}

/**
 * npusim_ft_fini() - tear down a device's offload state
 * @nsim_dev: the device, with no port left (so no flowtable bound)
 */
void npusim_ft_fini(struct npusim_dev *nsim_dev)
{
	struct npusim_ft *ft = &nsim_dev->ft;

	/* Waits for the readers of flow_table/ files, which use @ft. */
	debugfs_remove_recursive(ft->ddir);
	WARN_ON(!list_empty(&ft->blocks));
	WARN_ON(!xa_empty(&ft->by_index));
	xa_destroy(&ft->by_index);
	rhashtable_destroy(&ft->flows);
	/* no STATS left: the flowtables are unbound */
	npusim_ft_quiet_free(rcu_dereference_protected(ft->quiet, true));
	RCU_INIT_POINTER(ft->quiet, NULL);
	free_percpu(ft->quiet_cpu);
	free_percpu(ft->stats_rcu);
	free_percpu(ft->stats_quiet);
	free_percpu(ft->stats_calls);
	mutex_destroy(&ft->flush_lock);
	mutex_destroy(&ft->lock);
}
