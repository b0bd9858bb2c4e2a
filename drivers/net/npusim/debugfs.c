// SPDX-License-Identifier: GPL-2.0
/*
 * npusim debugfs: /sys/kernel/debug/npusim/npusim<ID>/
 *
 *   hw_info		identification registers of the emulated chip, its
 *			profile and the entries its ageing dropped
 *   model/<PARAM>	the chip's configuration registers (enum
 *			npusim_hw_param), writable while its flow table
 *			is empty
 *   fail_ft_resize	fault injection: 1 makes a reload that changes the
 *			flow table size fail to resize it (-ENOMEM)
 *   ports/<N>/link	"up" or "down", as the port's PHY reports it
 *   ports/<N>/rx_stall	fault injection: 1 stalls the port's host RX ring
 *			(frames for the host queue, then overflow into
 *			rx_fifo_drops; the NPU goes on forwarding), 0
 *			resumes it; nothing but "0" or "1" is taken
 *   ports/<N>/rx_drop	fault injection: percentage (0..100) of arriving
 *			frames dropped as corrupted (rx_crc_errors)
 *
 * As everywhere in the kernel, debugfs failures are not fatal.
 */

#include <linux/debugfs.h>
#include <linux/error-injection.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "npusim.h"

static struct dentry *npusim_ddir;

static int npusim_hw_info_show(struct seq_file *s, void *unused)
{
	struct npusim_dev *nsim_dev = s->private;
	struct npusim_hw *hw = nsim_dev->hw;
	struct npusim_hw_ft_stats st;

	npusim_hw_ft_stats(hw, &st);
	seq_printf(s, "profile: %s\n", npusim_hw_profile(hw));
	seq_printf(s, "chip_id: 0x%04x\n",
		   npusim_hw_reg_read(hw, NPUSIM_HW_REG_CHIP_ID));
	seq_printf(s, "chip_rev: %u\n",
		   npusim_hw_reg_read(hw, NPUSIM_HW_REG_CHIP_REV));
	seq_printf(s, "fw_ver: 0x%08x\n",
		   npusim_hw_reg_read(hw, NPUSIM_HW_REG_FW_VER));
	seq_printf(s, "serial: %08x%08x\n",
		   npusim_hw_reg_read(hw, NPUSIM_HW_REG_SERIAL_HI),
		   npusim_hw_reg_read(hw, NPUSIM_HW_REG_SERIAL_LO));
	seq_printf(s, "ports: %u\n",
		   npusim_hw_reg_read(hw, NPUSIM_HW_REG_NUM_PORTS));
	seq_printf(s, "clock: %u\n", npusim_hw_clock(hw));
	seq_printf(s, "aged: %llu\n", st.aged);
	seq_printf(s, "overwritten: %llu\n", st.overwritten);
	seq_printf(s, "dropped: %llu\n", st.dropped);
	seq_printf(s, "cache_hits: %llu\n", st.cache_hits);
	seq_printf(s, "cache_stale: %llu\n", st.cache_stale);
	seq_printf(s, "next_hops: %u\n", st.next_hops);
	seq_printf(s, "ipv6_entries: %u\n", st.ext_entries);
	seq_printf(s, "ft_bytes: %llu\n", st.mem_bytes);
	seq_printf(s, "ft_map_bytes: %llu\n", st.map_bytes);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(npusim_hw_info);

static int npusim_port_link_show(struct seq_file *s, void *unused)
{
	struct npusim_port *port = s->private;

	seq_printf(s, "%s\n",
		   npusim_hw_port_link_up(port->hw_port) ? "up" : "down");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(npusim_port_link);

static u32 npusim_port_rx_stall_get(void *priv)
{
	struct npusim_port *port = priv;

	return READ_ONCE(port->rx_stall);
}

static int npusim_port_rx_stall_set(void *priv, u32 val)
{
	struct npusim_port *port = priv;

	WRITE_ONCE(port->rx_stall, val);
	npusim_hw_port_set_rx_stall(port->hw_port, val);
	return 0;
}

NPUSIM_KNOB(npusim_port_rx_stall_knob, 1, npusim_port_rx_stall_get,
	    npusim_port_rx_stall_set);

static u32 npusim_port_rx_drop_get(void *priv)
{
	struct npusim_port *port = priv;

	return npusim_hw_port_rx_drop(port->hw_port);
}

static int npusim_port_rx_drop_set(void *priv, u32 val)
{
	struct npusim_port *port = priv;

	npusim_hw_port_set_rx_drop(port->hw_port, val);
	return 0;
}

NPUSIM_KNOB(npusim_port_rx_drop_knob, NPUSIM_HW_RX_DROP_MAX,
	    npusim_port_rx_drop_get, npusim_port_rx_drop_set);

static u32 npusim_fail_ft_resize_get(void *priv)
{
	struct npusim_dev *nsim_dev = priv;

	return READ_ONCE(nsim_dev->fail_ft_resize);
}

static int npusim_fail_ft_resize_set(void *priv, u32 val)
{
	struct npusim_dev *nsim_dev = priv;

	WRITE_ONCE(nsim_dev->fail_ft_resize, val);
	return 0;
}

NPUSIM_KNOB(npusim_fail_ft_resize_knob, 1, npusim_fail_ft_resize_get,
	    npusim_fail_ft_resize_set);

static u32 npusim_model_get(void *priv)
{
	struct npusim_model_ref *ref = priv;

	return npusim_hw_param(ref->nsim_dev->hw, ref->param);
}

static int npusim_model_set(void *priv, u32 val)
{
	struct npusim_model_ref *ref = priv;

	return npusim_hw_param_set(ref->nsim_dev->hw, ref->param, val);
}

NPUSIM_KNOB(npusim_model_knob, U32_MAX, npusim_model_get, npusim_model_set);

static void npusim_model_debugfs_init(struct npusim_dev *nsim_dev)
{
	struct dentry *dir = debugfs_create_dir("model", nsim_dev->ddir);
	enum npusim_hw_param p;

	for (p = 0; p < NPUSIM_HW_PARAM_MAX; p++) {
		struct npusim_model_ref *ref = &nsim_dev->model_refs[p];

		ref->nsim_dev = nsim_dev;
		ref->param = p;
		npusim_knob_create(npusim_hw_param_name(p), dir, ref,
				   &npusim_model_knob);
	}
}

int npusim_debugfs_init(void)
{
	npusim_ddir = debugfs_create_dir(DRV_NAME, NULL);
	return 0;
}

void npusim_debugfs_exit(void)
{
	debugfs_remove_recursive(npusim_ddir);
}

int npusim_dev_debugfs_init(struct npusim_dev *nsim_dev)
{
	char name[16];

	snprintf(name, sizeof(name), DRV_NAME "%u", nsim_dev->bus_dev->id);
	nsim_dev->ddir = debugfs_create_dir(name, npusim_ddir);
	debugfs_create_file("hw_info", 0400, nsim_dev->ddir, nsim_dev,
			    &npusim_hw_info_fops);
	npusim_knob_create("fail_ft_resize", nsim_dev->ddir, nsim_dev,
			   &npusim_fail_ft_resize_knob);
	npusim_model_debugfs_init(nsim_dev);
	nsim_dev->ports_ddir = debugfs_create_dir("ports", nsim_dev->ddir);
	return 0;
}
ALLOW_ERROR_INJECTION(npusim_dev_debugfs_init, ERRNO);

void npusim_dev_debugfs_exit(struct npusim_dev *nsim_dev)
{
	debugfs_remove_recursive(nsim_dev->ddir);
}

void npusim_port_debugfs_init(struct npusim_port *port)
{
	char name[16];

	snprintf(name, sizeof(name), "%u", port->index);
	port->ddir = debugfs_create_dir(name, port->nsim_dev->ports_ddir);
	debugfs_create_file("link", 0400, port->ddir, port,
			    &npusim_port_link_fops);
	npusim_knob_create("rx_stall", port->ddir, port,
			   &npusim_port_rx_stall_knob);
	npusim_knob_create("rx_drop", port->ddir, port,
			   &npusim_port_rx_drop_knob);
}

void npusim_port_debugfs_exit(struct npusim_port *port)
{
	debugfs_remove_recursive(port->ddir);
}
