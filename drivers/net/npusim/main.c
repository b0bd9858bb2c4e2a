// SPDX-License-Identifier: GPL-2.0
/*
 * npusim: an emulated switch with a network processing unit, and its
 * driver.
 *
 * Devices are created through /sys/bus/npusim/new_device.  Each one is
 * a devlink instance whose ports are netdevs sharing one switch id;
 * ports are wired to peer ports with /sys/bus/npusim/link_device, so
 * that packets really flow between them.
 */

#include <linux/module.h>
#include <linux/rcupdate.h>

#include "npusim.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static int __init npusim_module_init(void)
{
	int err;

	err = npusim_debugfs_init();
	if (err)
		return err;

	err = npusim_l3_stats_init();
	if (err)
		goto err_debugfs_exit;

	err = npusim_switch_init();
	if (err)
		goto err_l3_stats_exit;

	err = npusim_bus_init();
	if (err)
		goto err_switch_exit;

	return 0;

err_switch_exit:
	npusim_switch_exit();
err_l3_stats_exit:
	npusim_l3_stats_exit();
err_debugfs_exit:
	npusim_debugfs_exit();
	return err;
}

static void __exit npusim_module_exit(void)
{
	npusim_bus_exit();
	npusim_switch_exit();
	npusim_l3_stats_exit();
	npusim_debugfs_exit();
	/* the RCU callbacks of the devices' flow tables run module code */
	rcu_barrier();
}

module_init(npusim_module_init);
module_exit(npusim_module_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Emulated switch/NPU with nf_flowtable hardware offload");
