// SPDX-License-Identifier: GPL-2.0
/*
 * npusim device: the devlink instance and its ports.
 *
 * A device owns one emulated chip for its whole life.  Its ports
 * (devlink port + netdev each) are created at probe and re-created by
 * devlink reload, possibly in another network namespace; the chip and
 * its wires survive a reload, as cables survive a driver restart.
 */

#include <linux/cpumask.h>
#include <linux/ctype.h>
#include <linux/slab.h>
#include <net/devlink.h>

#include "npusim.h"

static int npusim_dev_info_get(struct devlink *devlink,
			       struct devlink_info_req *req,
			       struct netlink_ext_ack *extack)
{
	struct npusim_dev *nsim_dev = devlink_priv(devlink);
	struct npusim_hw *hw = nsim_dev->hw;
	char buf[32];
	u32 fw;
	int err;

	err = npusim_devlink_info_driver_name_put(req);
	if (err)
		return err;

	snprintf(buf, sizeof(buf), "%08x%08x",
		 npusim_hw_reg_read(hw, NPUSIM_HW_REG_SERIAL_HI),
		 npusim_hw_reg_read(hw, NPUSIM_HW_REG_SERIAL_LO));
	err = devlink_info_serial_number_put(req, buf);
	if (err)
		return err;

	snprintf(buf, sizeof(buf), "0x%04x",
		 npusim_hw_reg_read(hw, NPUSIM_HW_REG_CHIP_ID));
	err = devlink_info_version_fixed_put(req,
					     DEVLINK_INFO_VERSION_GENERIC_ASIC_ID,
					     buf);
	if (err)
		return err;

	snprintf(buf, sizeof(buf), "%u",
		 npusim_hw_reg_read(hw, NPUSIM_HW_REG_CHIP_REV));
	err = devlink_info_version_fixed_put(req,
					     DEVLINK_INFO_VERSION_GENERIC_ASIC_REV,
					     buf);
	if (err)
		return err;

	err = devlink_info_version_fixed_put(req, "npusim.profile",
					     npusim_hw_profile(hw));
	if (err)
		return err;

	/* MediaTek's PPEs run no firmware. */
	fw = npusim_hw_reg_read(hw, NPUSIM_HW_REG_FW_VER);
	if (!fw)
		return 0;
	snprintf(buf, sizeof(buf), "%u.%u.%u", NPUSIM_HW_FW_VER_MAJOR(fw),
		 NPUSIM_HW_FW_VER_MINOR(fw), NPUSIM_HW_FW_VER_PATCH(fw));
	return devlink_info_version_running_put(req,
						DEVLINK_INFO_VERSION_GENERIC_FW,
						buf);
}

enum npusim_resource_id {
	NPUSIM_RESOURCE_FLOW_TABLE = 1,
	NPUSIM_RESOURCE_FDB,
};

static u64 npusim_dev_ft_occ_get(void *priv)
{
	struct npusim_dev *nsim_dev = priv;

	return npusim_hw_ft_used(nsim_dev->hw);
}

static u64 npusim_dev_fdb_occ_get(void *priv)
{
	struct npusim_dev *nsim_dev = priv;

	return npusim_hw_fdb_used(nsim_dev->hw);
}

/* The devlink resources; on failure, none is left registered. */
static int npusim_dev_resources_register(struct npusim_dev *nsim_dev)
{
	struct devlink *devlink = npusim_devlink(nsim_dev);
	struct devlink_resource_size_params params;
	int err;

	devlink_resource_size_params_init(&params, NPUSIM_HW_FT_MIN_SIZE,
					  NPUSIM_HW_FT_MAX_SIZE,
					  NPUSIM_HW_FT_MIN_SIZE,
					  DEVLINK_RESOURCE_UNIT_ENTRY);
	err = devl_resource_register(devlink, "flow_table",
				     npusim_hw_ft_size(nsim_dev->hw),
				     NPUSIM_RESOURCE_FLOW_TABLE,
				     DEVLINK_RESOURCE_ID_PARENT_TOP, &params);
	if (err)
		return err;
	devl_resource_occ_get_register(devlink, NPUSIM_RESOURCE_FLOW_TABLE,
				       npusim_dev_ft_occ_get, nsim_dev);

	/* the L2 switch's FDB: a fixed size */
	devlink_resource_size_params_init(&params, NPUSIM_HW_FDB_SIZE,
					  NPUSIM_HW_FDB_SIZE, 1,
					  DEVLINK_RESOURCE_UNIT_ENTRY);
	err = devl_resource_register(devlink, "fdb", NPUSIM_HW_FDB_SIZE,
				     NPUSIM_RESOURCE_FDB,
				     DEVLINK_RESOURCE_ID_PARENT_TOP, &params);
	if (err) {
		/* devlink_free() wants none left */
		devl_resources_unregister(devlink);
		return err;
	}
	devl_resource_occ_get_register(devlink, NPUSIM_RESOURCE_FDB,
				       npusim_dev_fdb_occ_get, nsim_dev);
	return 0;
}

enum npusim_dev_param_id {
	NPUSIM_DEVLINK_PARAM_ID_BASE = DEVLINK_PARAM_GENERIC_ID_MAX,
	NPUSIM_DEVLINK_PARAM_ID_ENGINE_THREADED,
	NPUSIM_DEVLINK_PARAM_ID_ENGINE_BUSY_POLL_US,
	NPUSIM_DEVLINK_PARAM_ID_ENGINE_CPU,
};

static int npusim_dev_engine_threaded_get(struct devlink *devlink, u32 id,
					  struct devlink_param_gset_ctx *ctx)
{
	struct npusim_dev *nsim_dev = devlink_priv(devlink);

	ctx->val.vbool = npusim_hw_engine_threaded(nsim_dev->hw);
	return 0;
}

/* Under the instance lock, which serialises the chip's switches. */
static int npusim_dev_engine_threaded_apply(struct devlink *devlink, bool on,
					    struct netlink_ext_ack *extack)
{
	struct npusim_dev *nsim_dev = devlink_priv(devlink);
	int err;

	err = npusim_hw_set_engine_threaded(nsim_dev->hw, on);
	if (err)
		NL_SET_ERR_MSG_MOD(extack,
				   "Cannot create the packet engine's threads");
	return err;
}

static int npusim_dev_engine_busy_poll_get(struct devlink *devlink, u32 id,
					   struct devlink_param_gset_ctx *ctx)
{
	struct npusim_dev *nsim_dev = devlink_priv(devlink);

	ctx->val.vu32 = npusim_hw_engine_busy_poll(nsim_dev->hw);
	return 0;
}

static int npusim_dev_engine_busy_poll_validate(struct devlink *devlink,
						u32 id,
						union devlink_param_value val,
						struct netlink_ext_ack *extack)
{
	if (val.vu32 > NPUSIM_HW_ENGINE_BUSY_POLL_MAX_US) {
		/* a plain message: 6.1's extack takes no formatted ones */
		NL_SET_ERR_MSG_MOD(extack, "engine_busy_poll_us is at most "
				   __stringify(NPUSIM_HW_ENGINE_BUSY_POLL_MAX_US));
		return -ERANGE;
	}
	return 0;
}

/*
 * engine_cpu is "local" or a CPU number in decimal, without sign or
 * leading zeros.  Return the CPU, NPUSIM_HW_ENGINE_CPU_LOCAL, or
 * -EINVAL.
 */
static int npusim_dev_engine_cpu_parse(const char *s)
{
	unsigned int cpu;

	if (!strcmp(s, "local"))
		return NPUSIM_HW_ENGINE_CPU_LOCAL;
	if (!isdigit(s[0]) || (s[0] == '0' && s[1]) || kstrtouint(s, 10, &cpu) ||
	    cpu > INT_MAX)
		return -EINVAL;
	return cpu;
}

static int npusim_dev_engine_cpu_get(struct devlink *devlink, u32 id,
				     struct devlink_param_gset_ctx *ctx)
{
	struct npusim_dev *nsim_dev = devlink_priv(devlink);
	int cpu = npusim_hw_engine_cpu(nsim_dev->hw);

	if (cpu == NPUSIM_HW_ENGINE_CPU_LOCAL)
		strscpy(ctx->val.vstr, "local", sizeof(ctx->val.vstr));
	else
		snprintf(ctx->val.vstr, sizeof(ctx->val.vstr), "%d", cpu);
	return 0;
}

static int npusim_dev_engine_cpu_validate(struct devlink *devlink, u32 id,
					  union devlink_param_value val,
					  struct netlink_ext_ack *extack)
{
	int cpu = npusim_dev_engine_cpu_parse(val.vstr);

	if (cpu == -EINVAL) {
		NL_SET_ERR_MSG_MOD(extack,
				   "engine_cpu is \"local\" or a CPU number");
		return -EINVAL;
	}
	if (!npusim_hw_engine_cpu_valid(cpu)) {
		NL_SET_ERR_MSG_MOD(extack, "engine_cpu: no such CPU online");
		return -EINVAL;
	}
	return 0;
}

/*
 * The set() of every runtime parameter.  Its signature changed in 6.8
 * (it takes an extended ACK since), so there is one, dispatching by id.
 */
static int npusim_dev_param_apply(struct devlink *devlink, u32 id,
				  struct devlink_param_gset_ctx *ctx,
				  struct netlink_ext_ack *extack)
{
	struct npusim_dev *nsim_dev = devlink_priv(devlink);
	int cpu;

	switch (id) {
	case NPUSIM_DEVLINK_PARAM_ID_ENGINE_THREADED:
		return npusim_dev_engine_threaded_apply(devlink, ctx->val.vbool,
							extack);
	case NPUSIM_DEVLINK_PARAM_ID_ENGINE_BUSY_POLL_US:
		return npusim_hw_set_engine_busy_poll(nsim_dev->hw,
						      ctx->val.vu32);
	case NPUSIM_DEVLINK_PARAM_ID_ENGINE_CPU:
		cpu = npusim_dev_engine_cpu_parse(ctx->val.vstr);
		if (cpu == -EINVAL)
			return cpu;
		/* -EINVAL if the CPU went offline since the validation */
		return npusim_hw_set_engine_cpu(nsim_dev->hw, cpu);
	}
	return -EOPNOTSUPP;
}

#ifdef NPUSIM_PARAM_SET_EXTACK
static int npusim_dev_param_set(struct devlink *devlink, u32 id,
				struct devlink_param_gset_ctx *ctx,
				struct netlink_ext_ack *extack)
{
	return npusim_dev_param_apply(devlink, id, ctx, extack);
}
#else
static int npusim_dev_param_set(struct devlink *devlink, u32 id,
				struct devlink_param_gset_ctx *ctx)
{
	return npusim_dev_param_apply(devlink, id, ctx, NULL);
}
#endif

static const struct devlink_param npusim_dev_params[] = {
	DEVLINK_PARAM_DRIVER(NPUSIM_DEVLINK_PARAM_ID_ENGINE_THREADED,
			     "engine_threaded", DEVLINK_PARAM_TYPE_BOOL,
			     BIT(DEVLINK_PARAM_CMODE_RUNTIME),
			     npusim_dev_engine_threaded_get,
			     npusim_dev_param_set, NULL),
	DEVLINK_PARAM_DRIVER(NPUSIM_DEVLINK_PARAM_ID_ENGINE_BUSY_POLL_US,
			     "engine_busy_poll_us", DEVLINK_PARAM_TYPE_U32,
			     BIT(DEVLINK_PARAM_CMODE_RUNTIME),
			     npusim_dev_engine_busy_poll_get,
			     npusim_dev_param_set,
			     npusim_dev_engine_busy_poll_validate),
	DEVLINK_PARAM_DRIVER(NPUSIM_DEVLINK_PARAM_ID_ENGINE_CPU,
			     "engine_cpu", DEVLINK_PARAM_TYPE_STRING,
			     BIT(DEVLINK_PARAM_CMODE_RUNTIME),
			     npusim_dev_engine_cpu_get,
			     npusim_dev_param_set,
			     npusim_dev_engine_cpu_validate),
};

/*
 * Apply a flow table size set with "devlink resource set".  On failure
 * the table keeps its size, and so does the resource: devlink took the
 * new size as current already, so register the resource again.
 */
static int npusim_dev_ft_resize(struct npusim_dev *nsim_dev,
				struct netlink_ext_ack *extack)
{
	struct devlink *devlink = npusim_devlink(nsim_dev);
	u32 old = npusim_hw_ft_size(nsim_dev->hw);
	u64 size;
	int err;

	err = devl_resource_size_get(devlink, NPUSIM_RESOURCE_FLOW_TABLE, &size);
	if (err)
		return err;
	if (size != old && READ_ONCE(nsim_dev->fail_ft_resize))
		err = -ENOMEM;
	else
		err = npusim_hw_ft_resize(nsim_dev->hw, size);
	if (!err)
		return 0;

	NL_SET_ERR_MSG_FMT_MOD(extack,
			       "Failed to resize the flow table to %llu entries (%d), kept %u",
			       size, err, old);
	devl_resources_unregister(devlink);
	if (npusim_dev_resources_register(nsim_dev))
		dev_warn(&nsim_dev->bus_dev->dev,
			 "cannot register the flow_table resource again\n");
	return err;
}

static void npusim_dev_ports_destroy(struct npusim_dev *nsim_dev)
{
	unsigned int i = nsim_dev->port_count;

	npusim_ft_release_destroys(nsim_dev);
	while (i--) {
		if (!nsim_dev->ports[i])
			continue;
		npusim_port_destroy(nsim_dev->ports[i]);
		nsim_dev->ports[i] = NULL;
	}
}

static int npusim_dev_ports_create(struct npusim_dev *nsim_dev)
{
	struct npusim_port *port;
	unsigned int i;

	for (i = 0; i < nsim_dev->port_count; i++) {
		port = npusim_port_create(nsim_dev, i);
		if (IS_ERR(port)) {
			npusim_dev_ports_destroy(nsim_dev);
			return PTR_ERR(port);
		}
		nsim_dev->ports[i] = port;
	}
	return 0;
}

static int npusim_dev_reload_down(struct devlink *devlink, bool netns_change,
				  enum devlink_reload_action action,
				  enum devlink_reload_limit limit,
				  struct netlink_ext_ack *extack)
{
	struct npusim_dev *nsim_dev = devlink_priv(devlink);

	/*
	 * devlink wants a driver reinit to leave no trap behind; trap
	 * actions go back to their defaults, as after a driver restart.
	 */
	npusim_dev_ports_destroy(nsim_dev);
	npusim_traps_unregister(nsim_dev);
	return 0;
}

static int npusim_dev_reload_up(struct devlink *devlink,
				enum devlink_reload_action action,
				enum devlink_reload_limit limit,
				u32 *actions_performed,
				struct netlink_ext_ack *extack)
{
	struct npusim_dev *nsim_dev = devlink_priv(devlink);
	int err, resize_err;

	/*
	 * The ports are gone, so every flowtable unbound: table empty.  A
	 * failed resize keeps the old table, which the ports then use: the
	 * reload fails, the device does not.
	 */
	resize_err = npusim_dev_ft_resize(nsim_dev, extack);

	err = npusim_traps_register(nsim_dev);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "Failed to register the traps");
		return err;
	}
	err = npusim_dev_ports_create(nsim_dev);
	if (err) {
		npusim_traps_unregister(nsim_dev);
		NL_SET_ERR_MSG_MOD(extack, "Failed to create the ports");
		return err;
	}
	if (resize_err)
		return resize_err;
	*actions_performed = BIT(DEVLINK_RELOAD_ACTION_DRIVER_REINIT);
	return 0;
}

static const struct devlink_ops npusim_devlink_ops = {
	.info_get	= npusim_dev_info_get,
	.reload_actions	= BIT(DEVLINK_RELOAD_ACTION_DRIVER_REINIT),
	.reload_down	= npusim_dev_reload_down,
	.reload_up	= npusim_dev_reload_up,
	.trap_init	= npusim_trap_init,
	.trap_action_set = npusim_trap_action_set,
	.trap_drop_counter_get = npusim_trap_drop_counter_get,
};

/**
 * npusim_dev_probe() - bring up a device: chip, devlink, ports
 * @bus_dev: the bus device
 *
 * Return: 0 or a negative errno; on error nothing is left behind.
 */
int npusim_dev_probe(struct npusim_bus_dev *bus_dev)
{
	struct npusim_dev *nsim_dev;
	struct devlink *devlink;
	u64 serial;
	int err;

	devlink = devlink_alloc_ns(&npusim_devlink_ops, sizeof(*nsim_dev),
				   bus_dev->initial_net, &bus_dev->dev);
	if (!devlink)
		return -ENOMEM;
	nsim_dev = devlink_priv(devlink);
	nsim_dev->bus_dev = bus_dev;
	nsim_dev->port_count = bus_dev->port_count;

	nsim_dev->hw = npusim_hw_create(bus_dev->id, bus_dev->port_count,
					bus_dev->profile);
	if (IS_ERR(nsim_dev->hw)) {
		err = PTR_ERR(nsim_dev->hw);
		goto err_devlink_free;
	}

	/* The switch id is the chip's serial number: unique and stable. */
	serial = (u64)npusim_hw_reg_read(nsim_dev->hw, NPUSIM_HW_REG_SERIAL_HI) << 32 |
		 npusim_hw_reg_read(nsim_dev->hw, NPUSIM_HW_REG_SERIAL_LO);
	put_unaligned_be64(serial, nsim_dev->switch_id.id);
	nsim_dev->switch_id.id_len = sizeof(serial);

	nsim_dev->ports = kcalloc(nsim_dev->port_count,
				  sizeof(*nsim_dev->ports), GFP_KERNEL);
	if (!nsim_dev->ports) {
		err = -ENOMEM;
		goto err_hw_destroy;
	}

	npusim_switch_dev_init(nsim_dev);
	npusim_tc_dev_init(nsim_dev);

	err = npusim_dev_debugfs_init(nsim_dev);
	if (err)
		goto err_switch_fini;

	err = npusim_ft_init(nsim_dev);
	if (err)
		goto err_debugfs_exit;

	devl_lock(devlink);
	err = npusim_dev_resources_register(nsim_dev);
	if (err)
		goto err_devl_unlock;

	err = npusim_traps_register(nsim_dev);
	if (err)
		goto err_resources_unregister;

	err = devl_params_register(devlink, npusim_dev_params,
				   ARRAY_SIZE(npusim_dev_params));
	if (err)
		goto err_traps_unregister;

#ifdef NPUSIM_DEVL_REGISTER_LOCKED
	err = devl_register(devlink);
	if (err)
		goto err_params_unregister;

	err = npusim_dev_ports_create(nsim_dev);
	if (err)
		goto err_devl_unregister;
	devl_unlock(devlink);
#else
	err = npusim_dev_ports_create(nsim_dev);
	if (err)
		goto err_params_unregister;
	devl_unlock(devlink);
	devlink_set_features(devlink, DEVLINK_F_RELOAD);
	devlink_register(devlink);
#endif

	dev_set_drvdata(&bus_dev->dev, nsim_dev);
	return 0;

#ifdef NPUSIM_DEVL_REGISTER_LOCKED
err_devl_unregister:
	devl_unregister(devlink);
#endif
err_params_unregister:
	devl_params_unregister(devlink, npusim_dev_params,
			       ARRAY_SIZE(npusim_dev_params));
err_traps_unregister:
	npusim_traps_unregister(nsim_dev);
err_resources_unregister:
	devl_resources_unregister(devlink);
err_devl_unlock:
	devl_unlock(devlink);
	npusim_ft_fini(nsim_dev);
err_debugfs_exit:
	npusim_dev_debugfs_exit(nsim_dev);
err_switch_fini:
	npusim_tc_dev_fini(nsim_dev);
	npusim_switch_dev_fini(nsim_dev);
	kfree(nsim_dev->ports);
err_hw_destroy:
	npusim_hw_destroy(nsim_dev->hw);
err_devlink_free:
	devlink_free(devlink);
	return err;
}

/**
 * npusim_dev_remove() - tear a device down, in the reverse order of probe
 * @bus_dev: the bus device
 */
void npusim_dev_remove(struct npusim_bus_dev *bus_dev)
{
	struct npusim_dev *nsim_dev = dev_get_drvdata(&bus_dev->dev);
	struct devlink *devlink = npusim_devlink(nsim_dev);

#ifdef NPUSIM_DEVL_REGISTER_LOCKED
	devl_lock(devlink);
	npusim_dev_ports_destroy(nsim_dev);
	devl_unregister(devlink);
#else
	devlink_unregister(devlink);
	devl_lock(devlink);
	npusim_dev_ports_destroy(nsim_dev);
#endif
	devl_params_unregister(devlink, npusim_dev_params,
			       ARRAY_SIZE(npusim_dev_params));
	npusim_traps_unregister(nsim_dev);
	devl_resources_unregister(devlink);
	devl_unlock(devlink);

	npusim_ft_fini(nsim_dev);
	npusim_dev_debugfs_exit(nsim_dev);
	npusim_tc_dev_fini(nsim_dev);
	npusim_switch_dev_fini(nsim_dev);
	kfree(nsim_dev->ports);
	npusim_hw_destroy(nsim_dev->hw);
	dev_set_drvdata(&bus_dev->dev, NULL);
	devlink_free(devlink);
}
