// SPDX-License-Identifier: GPL-2.0
/*
 * npusim emulated hardware: the chip and its identification registers.
 */

#include <linux/error-injection.h>
#include <linux/netdevice.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "hw.h"

/**
 * npusim_hw_create() - power up an emulated chip
 * @id: instance number; makes the serial number and MAC addresses unique
 * @num_ports: number of MAC ports, 1..NPUSIM_HW_MAX_PORTS
 * @profile: the chip model, by name (npusim_hw_profile_name()); NULL
 *	for the default
 *
 * Ports come up disabled, unwired, with a receive unit of 1500 bytes;
 * the flow table is empty, of the profile's size, and the configuration
 * registers have the profile's values.
 *
 * Return: the chip, or an ERR_PTR(): -EINVAL for a bad port count or
 * an unknown profile.
 */
struct npusim_hw *npusim_hw_create(u32 id, unsigned int num_ports,
				   const char *profile)
{
	const struct npusim_hw_profile *prof;
	struct npusim_hw *hw;
	unsigned int i;
	int err;

	prof = npusim_hw_profile_find(profile);
	if (!prof || !num_ports || num_ports > NPUSIM_HW_MAX_PORTS)
		return ERR_PTR(-EINVAL);

	hw = kzalloc(struct_size(hw, ports, num_ports), GFP_KERNEL);
	if (!hw)
		return ERR_PTR(-ENOMEM);
	hw->id = id;
	hw->num_ports = num_ports;
	hw->profile = prof;
	hw->engine_cpu = NPUSIM_HW_ENGINE_CPU_LOCAL;
	memcpy(hw->param, prof->param, sizeof(hw->param));
	hw->serial = ((u64)prof->chip_id << 48) | ((u64)prof->chip_rev << 40) |
		     id;

	hw->engine_dev = npusim_alloc_netdev_dummy();
	if (!hw->engine_dev) {
		err = -ENOMEM;
		goto err_free;
	}
	/* names the engine's threads, "napi/npuID-NAPI_ID" */
	snprintf(hw->engine_dev->name, sizeof(hw->engine_dev->name), "npu%u",
		 id);
	err = npusim_hw_ft_init(hw, prof->ft_size);
	if (err)
		goto err_free_dev;
	INIT_DELAYED_WORK(&hw->age_work, npusim_hw_ft_age_work);
	err = npusim_hw_fdb_init(hw);
	if (err)
		goto err_ft_fini;
	err = npusim_hw_l2_flow_init(hw);
	if (err)
		goto err_fdb_fini;

	for (i = 0; i < num_ports; i++) {
		err = npusim_hw_port_init(hw, &hw->ports[i], i);
		if (err)
			goto err_ports_fini;
	}
	npusim_hw_ft_age_start(hw);
	return hw;

err_ports_fini:
	while (i--)
		npusim_hw_port_fini(&hw->ports[i]);
	npusim_hw_l2_flow_fini(hw);
err_fdb_fini:
	npusim_hw_fdb_fini(hw);
err_ft_fini:
	npusim_hw_ft_fini(&hw->ft);
err_free_dev:
	npusim_free_netdev_dummy(hw->engine_dev);
err_free:
	kfree(hw);
	return ERR_PTR(err);
}
ALLOW_ERROR_INJECTION(npusim_hw_create, ERRNO);

/**
 * npusim_hw_destroy() - power down a chip
 * @hw: the chip
 *
 * Unplugs every wire (the peers see their link go down), stops the
 * ports and drops whatever frames are still queued.
 */
void npusim_hw_destroy(struct npusim_hw *hw)
{
	unsigned int i;

	npusim_hw_wire_lock();
	for (i = 0; i < hw->num_ports; i++) {
		struct npusim_hw_port *port = &hw->ports[i];
		struct npusim_hw_port *peer;

		peer = rcu_dereference_protected(port->peer, true);
		WRITE_ONCE(port->enabled, false);
		if (!peer)
			continue;
		RCU_INIT_POINTER(port->peer, NULL);
		RCU_INIT_POINTER(peer->peer, NULL);
		npusim_hw_wire_notify(peer);
	}
	npusim_hw_wire_unlock();

	/* No datapath context can still see these ports. */
	synchronize_rcu();
	cancel_delayed_work_sync(&hw->age_work);

	for (i = 0; i < hw->num_ports; i++)
		npusim_hw_port_fini(&hw->ports[i]);
	npusim_hw_l2_flow_fini(hw);
	npusim_hw_fdb_fini(hw);
	npusim_hw_ft_fini(&hw->ft);
	npusim_free_netdev_dummy(hw->engine_dev);
	kfree(hw);
}

/**
 * npusim_hw_set_engine_threaded() - where the packet engine runs
 * @hw: the chip
 * @on: true: each port's engine context runs in a kernel thread of its
 *	own, "napi/npuID-NAPI_ID", which the scheduler may put on any
 *	CPU, as the silicon forwards beside the CPUs; false (at power up):
 *	in the NET_RX softirq of the CPU that queued the frame, usually
 *	the sender's
 *
 * The switch takes effect at each context's next run.  The caller
 * serialises calls.  May sleep.
 *
 * Return: 0, or a negative errno if a thread could not be created (the
 * engine then stays in softirq).
 */
int npusim_hw_set_engine_threaded(struct npusim_hw *hw, bool on)
{
	return dev_set_threaded(hw->engine_dev, on);
}

/**
 * npusim_hw_engine_threaded() - whether the packet engine runs in threads
 * @hw: the chip
 *
 * Return: the state npusim_hw_set_engine_threaded() set.
 */
bool npusim_hw_engine_threaded(struct npusim_hw *hw)
{
	/* dev_set_threaded() leaves it false if it failed */
	return hw->engine_dev->threaded;
}

/**
 * npusim_hw_set_engine_busy_poll() - how long the threaded engine polls on
 * @hw: the chip
 * @usecs: 0 (at power up): an engine context in a thread sleeps as soon
 *	as its ingress FIFO is empty, and the next frame queued wakes it;
 *	else it goes on polling the FIFO for @usecs microseconds after the
 *	last frame it took, as silicon that polls its queues all the time,
 *	so that a sender rarely has to wake it.  Engines in softirq ignore
 *	it (npusim_hw_set_engine_threaded()).
 *
 * Polling costs the CPU the thread runs on while traffic flows.  Takes
 * effect at each engine context's next poll.
 *
 * Return: 0; -ERANGE if @usecs is above NPUSIM_HW_ENGINE_BUSY_POLL_MAX_US
 * (nothing changed).
 */
int npusim_hw_set_engine_busy_poll(struct npusim_hw *hw, u32 usecs)
{
	if (usecs > NPUSIM_HW_ENGINE_BUSY_POLL_MAX_US)
		return -ERANGE;
	WRITE_ONCE(hw->engine_busy_poll_us, usecs);
	return 0;
}

/**
 * npusim_hw_engine_busy_poll() - how long the threaded engine polls on
 * @hw: the chip
 *
 * Return: the microseconds npusim_hw_set_engine_busy_poll() set.
 */
u32 npusim_hw_engine_busy_poll(struct npusim_hw *hw)
{
	return READ_ONCE(hw->engine_busy_poll_us);
}

/**
 * npusim_hw_engine_cpu_valid() - whether the engine can be put on a CPU
 * @cpu: NPUSIM_HW_ENGINE_CPU_LOCAL or a CPU number
 *
 * Return: true if @cpu is NPUSIM_HW_ENGINE_CPU_LOCAL or an online CPU,
 * the values npusim_hw_set_engine_cpu() takes at this moment.
 */
bool npusim_hw_engine_cpu_valid(int cpu)
{
	return cpu == NPUSIM_HW_ENGINE_CPU_LOCAL ||
	       (cpu >= 0 && cpu < nr_cpu_ids && cpu_online(cpu));
}

/**
 * npusim_hw_set_engine_cpu() - which CPU runs the packet engine
 * @hw: the chip
 * @cpu: NPUSIM_HW_ENGINE_CPU_LOCAL (at power up): each engine context
 *	runs in the NET_RX softirq of the CPU that queued its frames,
 *	usually the sender's; else an online CPU, whose NET_RX softirq
 *	runs them all: a frame queued on another CPU wakes its context
 *	there by an IPI (engine_remote_kicks), so that the silicon
 *	forwards beside the senders.  Engines in threads ignore it
 *	(npusim_hw_set_engine_threaded()): their threads run where the
 *	scheduler puts them.
 *
 * Takes effect at the next frame queued.  If @cpu goes offline later,
 * the engine contexts run where their frames are queued again, until
 * it is back.
 *
 * Return: 0; -EINVAL if @cpu is neither NPUSIM_HW_ENGINE_CPU_LOCAL nor
 * an online CPU (nothing changed).
 */
int npusim_hw_set_engine_cpu(struct npusim_hw *hw, int cpu)
{
	if (!npusim_hw_engine_cpu_valid(cpu))
		return -EINVAL;
	WRITE_ONCE(hw->engine_cpu, cpu);
	return 0;
}

/**
 * npusim_hw_engine_cpu() - which CPU runs the packet engine
 * @hw: the chip
 *
 * Return: the CPU npusim_hw_set_engine_cpu() set, or
 * NPUSIM_HW_ENGINE_CPU_LOCAL.
 */
int npusim_hw_engine_cpu(struct npusim_hw *hw)
{
	return READ_ONCE(hw->engine_cpu);
}

/**
 * npusim_hw_reg_read() - read an identification register
 * @hw: the chip
 * @reg: register
 *
 * Return: the register value; 0 for an unknown register.
 */
u32 npusim_hw_reg_read(struct npusim_hw *hw, enum npusim_hw_reg reg)
{
	switch (reg) {
	case NPUSIM_HW_REG_CHIP_ID:
		return hw->profile->chip_id;
	case NPUSIM_HW_REG_CHIP_REV:
		return hw->profile->chip_rev;
	case NPUSIM_HW_REG_FW_VER:
		return hw->profile->fw_ver;
	case NPUSIM_HW_REG_SERIAL_LO:
		return lower_32_bits(hw->serial);
	case NPUSIM_HW_REG_SERIAL_HI:
		return upper_32_bits(hw->serial);
	case NPUSIM_HW_REG_NUM_PORTS:
		return hw->num_ports;
	}
	return 0;
}

/**
 * npusim_hw_punt_drop() - set the action for one punt reason
 * @hw: the chip
 * @reason: the punt reason
 * @drop: true: the engine drops the frames it would pass to the host
 *	for @reason (counted in the port's rx_punt_drops); false: it
 *	passes them to the host (the reset value)
 *
 * Takes effect on the next frame; frames already on a host RX ring
 * are passed.
 */
void npusim_hw_punt_drop(struct npusim_hw *hw, enum npusim_hw_punt reason,
			 bool drop)
{
	if (WARN_ON_ONCE(reason >= NPUSIM_HW_PUNT_MAX))
		return;
	if (drop)
		set_bit(reason, &hw->punt_drop);
	else
		clear_bit(reason, &hw->punt_drop);
}

/**
 * npusim_hw_port_get() - a port of the chip
 * @hw: the chip
 * @index: port number
 *
 * Return: the port, or NULL if @index is out of range.
 */
struct npusim_hw_port *npusim_hw_port_get(struct npusim_hw *hw,
					  unsigned int index)
{
	return index < hw->num_ports ? &hw->ports[index] : NULL;
}
