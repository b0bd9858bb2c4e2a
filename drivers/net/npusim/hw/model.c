// SPDX-License-Identifier: GPL-2.0
/*
 * npusim emulated hardware: chip profiles and configuration registers.
 *
 * A profile is the silicon a device emulates: its identification, the
 * flow table's size at power-up and the values of the configuration
 * registers (enum npusim_hw_param) that make one NPU behave unlike
 * another: ways per bucket, timestamp width and rate, counter widths
 * and semantics, byte basis, how many entries have counters and what
 * an entry can carry.  The numbers come from the public drivers of the
 * chips; Documentation/networking/device_drivers/ethernet/npusim.rst
 * lists them with their sources.
 */

#include <linux/log2.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "hw.h"

#define NPUSIM_HW_ALL_SLOTS	NPUSIM_HW_FT_MAX_SIZE

static const struct npusim_hw_profile npusim_hw_profiles[] = {
	{
		/* The ideal NPU: friendlier than any real one. */
		.name = "generic",
		.chip_id = 0x5e51,
		.chip_rev = 2,
		.fw_ver = 0x00010200,
		.ft_size = 16384,
		.param = {
			[NPUSIM_HW_PARAM_WAYS] = 4,
			[NPUSIM_HW_PARAM_CLOCK_BITS] = 15,
			[NPUSIM_HW_PARAM_CLOCK_HZ] = 1,
			[NPUSIM_HW_PARAM_PKTS_BITS] = 32,
			[NPUSIM_HW_PARAM_BYTES_BITS] = 48,
			[NPUSIM_HW_PARAM_CLEAR_ON_READ] = 0,
			[NPUSIM_HW_PARAM_L2_BYTES] = 0,
			[NPUSIM_HW_PARAM_STATS_SLOTS] = NPUSIM_HW_ALL_SLOTS,
			[NPUSIM_HW_PARAM_IPV6_NAT] = 1,
			[NPUSIM_HW_PARAM_MAX_VLANS] = 2,
			[NPUSIM_HW_PARAM_PPPOE] = 1,
			[NPUSIM_HW_PARAM_NEXT_HOPS] = NPUSIM_HW_FT_MAX_NH,
		},
	},
	{
		/* MediaTek PPE v1: 2-way buckets, 15-bit timestamps, no MIB */
		.name = "mt7621",
		.chip_id = 0x7621,
		.chip_rev = 1,
		.ft_size = 16384,
		.param = {
			[NPUSIM_HW_PARAM_WAYS] = 2,
			[NPUSIM_HW_PARAM_CLOCK_BITS] = 15,
			[NPUSIM_HW_PARAM_CLOCK_HZ] = 1,
			[NPUSIM_HW_PARAM_PKTS_BITS] = 40,
			[NPUSIM_HW_PARAM_BYTES_BITS] = 48,
			[NPUSIM_HW_PARAM_CLEAR_ON_READ] = 1,
			[NPUSIM_HW_PARAM_L2_BYTES] = 1,
			[NPUSIM_HW_PARAM_STATS_SLOTS] = 0,
			[NPUSIM_HW_PARAM_IPV6_NAT] = 0,
			[NPUSIM_HW_PARAM_MAX_VLANS] = 2,
			[NPUSIM_HW_PARAM_PPPOE] = 1,
			[NPUSIM_HW_PARAM_AGE_TCP] = 7,
			[NPUSIM_HW_PARAM_AGE_UDP] = 12,
			[NPUSIM_HW_PARAM_BIND_HITS] = 30,
			[NPUSIM_HW_PARAM_FULL_POLICY] = NPUSIM_HW_FULL_ACCEPT,
			[NPUSIM_HW_PARAM_CACHE] = 1,
			[NPUSIM_HW_PARAM_NEXT_HOPS] = NPUSIM_HW_FT_MAX_NH,
		},
	},
	{
		/* MediaTek PPE v2: 4-way buckets, 8-bit timestamps, MIB */
		.name = "mt7986",
		.chip_id = 0x7986,
		.chip_rev = 2,
		.ft_size = 16384,
		.param = {
			[NPUSIM_HW_PARAM_WAYS] = 4,
			[NPUSIM_HW_PARAM_CLOCK_BITS] = 8,
			[NPUSIM_HW_PARAM_CLOCK_HZ] = 1,
			[NPUSIM_HW_PARAM_PKTS_BITS] = 40,
			[NPUSIM_HW_PARAM_BYTES_BITS] = 48,
			[NPUSIM_HW_PARAM_CLEAR_ON_READ] = 1,
			[NPUSIM_HW_PARAM_L2_BYTES] = 1,
			[NPUSIM_HW_PARAM_STATS_SLOTS] = NPUSIM_HW_ALL_SLOTS,
			[NPUSIM_HW_PARAM_IPV6_NAT] = 0,
			[NPUSIM_HW_PARAM_MAX_VLANS] = 2,
			[NPUSIM_HW_PARAM_PPPOE] = 1,
			[NPUSIM_HW_PARAM_AGE_TCP] = 7,
			[NPUSIM_HW_PARAM_AGE_UDP] = 12,
			[NPUSIM_HW_PARAM_BIND_HITS] = 30,
			[NPUSIM_HW_PARAM_FULL_POLICY] = NPUSIM_HW_FULL_ACCEPT,
			[NPUSIM_HW_PARAM_CACHE] = 1,
			[NPUSIM_HW_PARAM_NEXT_HOPS] = NPUSIM_HW_FT_MAX_NH,
		},
	},
	{
		/*
		 * Airoha EN7581 (upstream airoha_ppe.c): 32K entries, the
		 * hash addresses one entry, counters on 8K of them
		 */
		.name = "en7581",
		.chip_id = 0x7581,
		.chip_rev = 1,
		.fw_ver = 0x00010000,
		.ft_size = 32768,
		.param = {
			[NPUSIM_HW_PARAM_WAYS] = 1,
			[NPUSIM_HW_PARAM_CLOCK_BITS] = 15,
			[NPUSIM_HW_PARAM_CLOCK_HZ] = 1,
			[NPUSIM_HW_PARAM_PKTS_BITS] = 64,
			[NPUSIM_HW_PARAM_BYTES_BITS] = 64,
			[NPUSIM_HW_PARAM_CLEAR_ON_READ] = 0,
			[NPUSIM_HW_PARAM_L2_BYTES] = 1,
			[NPUSIM_HW_PARAM_STATS_SLOTS] = 8192,
			[NPUSIM_HW_PARAM_IPV6_NAT] = 0,
			[NPUSIM_HW_PARAM_MAX_VLANS] = 2,
			[NPUSIM_HW_PARAM_PPPOE] = 1,
			[NPUSIM_HW_PARAM_AGE_TCP] = 7,
			[NPUSIM_HW_PARAM_AGE_UDP] = 12,
			[NPUSIM_HW_PARAM_BIND_HITS] = 30,
			[NPUSIM_HW_PARAM_FULL_POLICY] = NPUSIM_HW_FULL_EVICT,
			[NPUSIM_HW_PARAM_NEXT_HOPS] = NPUSIM_HW_FT_MAX_NH,
		},
	},
	{
		/*
		 * Qualcomm-like: the IPQ807x PPE's flow table as qca-ssdk
		 * describes it (4K entries, 32-bit packet and 40-bit byte
		 * counters); what it does not say is generic
		 */
		.name = "ipq807x",
		.chip_id = 0x8074,
		.chip_rev = 1,
		.ft_size = 4096,
		.param = {
			[NPUSIM_HW_PARAM_WAYS] = 4,
			[NPUSIM_HW_PARAM_CLOCK_BITS] = 16,
			[NPUSIM_HW_PARAM_CLOCK_HZ] = 1,
			[NPUSIM_HW_PARAM_PKTS_BITS] = 32,
			[NPUSIM_HW_PARAM_BYTES_BITS] = 40,
			[NPUSIM_HW_PARAM_CLEAR_ON_READ] = 0,
			[NPUSIM_HW_PARAM_L2_BYTES] = 1,
			[NPUSIM_HW_PARAM_STATS_SLOTS] = NPUSIM_HW_ALL_SLOTS,
			[NPUSIM_HW_PARAM_IPV6_NAT] = 1,
			[NPUSIM_HW_PARAM_MAX_VLANS] = 2,
			[NPUSIM_HW_PARAM_PPPOE] = 1,
			[NPUSIM_HW_PARAM_NEXT_HOPS] = NPUSIM_HW_FT_MAX_NH,
		},
	},
};

/**
 * struct npusim_hw_param_desc - name and range of a configuration register
 * @name: its name, as the driver shows it
 * @min: the smallest value
 * @max: the largest value
 */
struct npusim_hw_param_desc {
	const char *name;
	u32 min;
	u32 max;
};

static const struct npusim_hw_param_desc npusim_hw_params[] = {
	[NPUSIM_HW_PARAM_WAYS] = { "ways", 1, 4 },
	[NPUSIM_HW_PARAM_CLOCK_BITS] = { "clock_bits", 8, 16 },
	[NPUSIM_HW_PARAM_CLOCK_HZ] = { "clock_hz", 1, 1000 },
	[NPUSIM_HW_PARAM_PKTS_BITS] = { "pkts_bits", 8, 64 },
	[NPUSIM_HW_PARAM_BYTES_BITS] = { "bytes_bits", 8, 64 },
	[NPUSIM_HW_PARAM_CLEAR_ON_READ] = { "clear_on_read", 0, 1 },
	[NPUSIM_HW_PARAM_L2_BYTES] = { "l2_bytes", 0, 1 },
	[NPUSIM_HW_PARAM_STATS_SLOTS] = { "stats_slots", 0,
					  NPUSIM_HW_ALL_SLOTS },
	[NPUSIM_HW_PARAM_IPV6_NAT] = { "ipv6_nat", 0, 1 },
	[NPUSIM_HW_PARAM_MAX_VLANS] = { "max_vlans", 0,
					NPUSIM_HW_FT_MAX_VLANS },
	[NPUSIM_HW_PARAM_PPPOE] = { "pppoe", 0, 1 },
	[NPUSIM_HW_PARAM_AGE_TCP] = { "age_tcp", 0, U16_MAX },
	[NPUSIM_HW_PARAM_AGE_UDP] = { "age_udp", 0, U16_MAX },
	[NPUSIM_HW_PARAM_BIND_HITS] = { "bind_hits", 0, U16_MAX },
	[NPUSIM_HW_PARAM_FULL_POLICY] = { "full_policy", NPUSIM_HW_FULL_REFUSE,
					  NPUSIM_HW_FULL_EVICT },
	[NPUSIM_HW_PARAM_CACHE] = { "cache", 0, 1 },
	[NPUSIM_HW_PARAM_COUNTERS_WRAP_IN] = { "counters_wrap_in", 0, U32_MAX },
	[NPUSIM_HW_PARAM_CLOCK_OFFSET] = { "clock_offset", 0, U16_MAX },
	[NPUSIM_HW_PARAM_IGNORE_PORT] = { "ignore_port", 0, 1 },
	[NPUSIM_HW_PARAM_NEXT_HOPS] = { "next_hops", 1, NPUSIM_HW_FT_MAX_NH },
};

static_assert(ARRAY_SIZE(npusim_hw_params) == NPUSIM_HW_PARAM_MAX);

/**
 * npusim_hw_profile_find() - a profile by name
 * @name: its name; NULL for the default, "generic"
 *
 * Return: the profile, or NULL if there is none of that name.
 */
const struct npusim_hw_profile *npusim_hw_profile_find(const char *name)
{
	unsigned int i;

	if (!name)
		return &npusim_hw_profiles[0];
	for (i = 0; i < ARRAY_SIZE(npusim_hw_profiles); i++)
		if (!strcmp(npusim_hw_profiles[i].name, name))
			return &npusim_hw_profiles[i];
	return NULL;
}

/**
 * npusim_hw_profile_name() - enumerate the profiles
 * @i: 0, 1, ...
 *
 * Return: the name of profile @i (the first is the default), or NULL
 * past the last one.
 */
const char *npusim_hw_profile_name(unsigned int i)
{
	return i < ARRAY_SIZE(npusim_hw_profiles) ?
	       npusim_hw_profiles[i].name : NULL;
}

/**
 * npusim_hw_profile() - the profile a chip was made with
 * @hw: the chip
 *
 * Return: the profile's name.
 */
const char *npusim_hw_profile(struct npusim_hw *hw)
{
	return hw->profile->name;
}

/**
 * npusim_hw_param_name() - the name of a configuration register
 * @param: the register
 *
 * Return: its name, or NULL for an unknown register.
 */
const char *npusim_hw_param_name(enum npusim_hw_param param)
{
	return param < NPUSIM_HW_PARAM_MAX ? npusim_hw_params[param].name :
					     NULL;
}

/**
 * npusim_hw_param() - read a configuration register
 * @hw: the chip
 * @param: the register
 *
 * Return: its value; 0 for an unknown register.
 */
u32 npusim_hw_param(struct npusim_hw *hw, enum npusim_hw_param param)
{
	return param < NPUSIM_HW_PARAM_MAX ? READ_ONCE(hw->param[param]) : 0;
}

/**
 * npusim_hw_param_set() - write a configuration register
 * @hw: the chip
 * @param: the register
 * @val: its new value
 *
 * The test registers NPUSIM_HW_PARAM_COUNTERS_WRAP_IN and _CLOCK_OFFSET
 * can be written at any time: the first applies to the entries written
 * next, the second moves the clock at once (entries hit before look
 * idle for longer, or for less, until their next hit).
 *
 * Return: 0; -EINVAL for an unknown register; -ERANGE for a value out
 * of its range (or ways other than 1, 2 and 4); -EBUSY if the flow table
 * has entries.  On error nothing changed.
 */
int npusim_hw_param_set(struct npusim_hw *hw, enum npusim_hw_param param,
			u32 val)
{
	struct npusim_hw_ft *ft = &hw->ft;
	int err = 0;

	if (param >= NPUSIM_HW_PARAM_MAX)
		return -EINVAL;
	if (val < npusim_hw_params[param].min ||
	    val > npusim_hw_params[param].max)
		return -ERANGE;
	if (param == NPUSIM_HW_PARAM_WAYS && !is_power_of_2(val))
		return -ERANGE;

	spin_lock_bh(&ft->lock);
	if (ft->used && param != NPUSIM_HW_PARAM_COUNTERS_WRAP_IN &&
	    param != NPUSIM_HW_PARAM_CLOCK_OFFSET) {
		err = -EBUSY;
	} else {
		if (param == NPUSIM_HW_PARAM_WAYS)
			write_seqcount_begin(&ft->geom);
		WRITE_ONCE(hw->param[param], val);
		if (param == NPUSIM_HW_PARAM_WAYS) {
			ft->n_buckets = ft->size / val;
			write_seqcount_end(&ft->geom);
		}
		/* the cache may hold stale copies even of an empty table */
		if (param == NPUSIM_HW_PARAM_CACHE)
			memset(ft->cache, 0, sizeof(ft->cache));
		/* every last hit read before means another time now */
		if (param == NPUSIM_HW_PARAM_CLOCK_OFFSET)
			WRITE_ONCE(ft->drops, ft->drops + 1);
	}
	spin_unlock_bh(&ft->lock);
	if (!err && val && (param == NPUSIM_HW_PARAM_AGE_TCP ||
			    param == NPUSIM_HW_PARAM_AGE_UDP))
		npusim_hw_ft_age_start(hw);
	return err;
}
