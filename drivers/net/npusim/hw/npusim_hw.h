/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npusim emulated hardware: the interface between the driver and the
 * silicon model.
 *
 * Everything under hw/ describes an imaginary switch chip with an NPU:
 * MAC ports with ingress FIFOs, wires to peer ports, MIB counters and
 * a few identification registers.  It knows nothing of netdevs,
 * devlink or netfilter.  The driver programs it only through the calls
 * below, the way a real driver writes registers and rings; nothing
 * else in hw/ is visible to the driver.
 */
#ifndef _NPUSIM_HW_H
#define _NPUSIM_HW_H

#include <linux/types.h>

struct sk_buff;
struct npusim_hw;
struct npusim_hw_port;

/* Identification registers, read with npusim_hw_reg_read(). */
enum npusim_hw_reg {
	NPUSIM_HW_REG_CHIP_ID,		/* model number */
	NPUSIM_HW_REG_CHIP_REV,		/* silicon revision */
	NPUSIM_HW_REG_FW_VER,		/* NPU firmware, 0x00MMmmpp */
	NPUSIM_HW_REG_SERIAL_LO,	/* unique serial number, low word */
	NPUSIM_HW_REG_SERIAL_HI,	/* unique serial number, high word */
	NPUSIM_HW_REG_NUM_PORTS,	/* MAC ports on this chip */
};

#define NPUSIM_HW_CHIP_ID		0x5e51
#define NPUSIM_HW_CHIP_REV		2
#define NPUSIM_HW_FW_VER		0x00010200
#define NPUSIM_HW_FW_VER_MAJOR(v)	(((v) >> 16) & 0xff)
#define NPUSIM_HW_FW_VER_MINOR(v)	(((v) >> 8) & 0xff)
#define NPUSIM_HW_FW_VER_PATCH(v)	((v) & 0xff)

#define NPUSIM_HW_MAX_PORTS		32
#define NPUSIM_HW_RX_FIFO_LEN		512

/* Receive unit limits: the longest L3 payload a port accepts. */
#define NPUSIM_HW_MIN_MRU		68
#define NPUSIM_HW_MAX_MRU		9000

/* Interrupt causes passed to the port's interrupt handler. */
#define NPUSIM_HW_IRQ_RX		BIT(0)	/* frames wait in the RX FIFO */
#define NPUSIM_HW_IRQ_LINK		BIT(1)	/* link status changed */

/**
 * typedef npusim_hw_irq_handler_t - port interrupt handler
 * @ctx: the context given to npusim_hw_port_set_irq()
 * @cause: NPUSIM_HW_IRQ_* bits
 *
 * Called with BHs disabled or from process context, only while the
 * port is enabled; never after npusim_hw_port_enable(port, false)
 * has returned.
 */
typedef void (*npusim_hw_irq_handler_t)(void *ctx, u32 cause);

/**
 * struct npusim_hw_port_mib - MAC counters of one port (64-bit, never wrap)
 * @rx_frames: frames accepted from the wire
 * @rx_octets: bytes of those frames, Ethernet header included, no FCS
 * @tx_frames: frames put on the wire
 * @tx_octets: bytes of those frames
 * @rx_fifo_drops: frames dropped because the ingress FIFO was full
 * @rx_oversize_drops: frames longer than the port's receive unit
 * @tx_link_drops: frames dropped on transmit because there was no link
 * @tx_errors: frames the MAC could not build (segmentation failed)
 */
struct npusim_hw_port_mib {
	u64 rx_frames;
	u64 rx_octets;
	u64 tx_frames;
	u64 tx_octets;
	u64 rx_fifo_drops;
	u64 rx_oversize_drops;
	u64 tx_link_drops;
	u64 tx_errors;
};

/* chip */
struct npusim_hw *npusim_hw_create(u32 id, unsigned int num_ports);
void npusim_hw_destroy(struct npusim_hw *hw);
u32 npusim_hw_reg_read(struct npusim_hw *hw, enum npusim_hw_reg reg);
struct npusim_hw_port *npusim_hw_port_get(struct npusim_hw *hw,
					  unsigned int index);

/* port configuration */
unsigned int npusim_hw_port_index(const struct npusim_hw_port *port);
void npusim_hw_port_mac_addr(const struct npusim_hw_port *port, u8 *addr);
void npusim_hw_port_set_irq(struct npusim_hw_port *port,
			    npusim_hw_irq_handler_t handler, void *ctx);
void npusim_hw_port_enable(struct npusim_hw_port *port, bool enable);
void npusim_hw_port_set_mru(struct npusim_hw_port *port, unsigned int mru);
bool npusim_hw_port_link_up(struct npusim_hw_port *port);
void npusim_hw_port_read_mib(struct npusim_hw_port *port,
			     struct npusim_hw_port_mib *mib);

/* wires */
int npusim_hw_wire_connect(struct npusim_hw_port *a, struct npusim_hw_port *b);
int npusim_hw_wire_disconnect(struct npusim_hw_port *port);
bool npusim_hw_wire_connected(struct npusim_hw_port *port);

/* datapath */
void npusim_hw_port_xmit(struct npusim_hw_port *port, struct sk_buff *skb);
struct sk_buff *npusim_hw_port_rx(struct npusim_hw_port *port);

#endif /* _NPUSIM_HW_H */
