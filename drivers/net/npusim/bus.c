// SPDX-License-Identifier: GPL-2.0
/*
 * npusim bus: /sys/bus/npusim/{new,del,link,unlink}_device.
 *
 * Input is parsed strictly (input.c): a write is either fully valid
 * and fully carried out, or refused with an errno and a kernel log
 * message, leaving nothing behind.  Numbers are decimal.
 */

#include <linux/device.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/proc_ns.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/net_namespace.h>

#include "npusim.h"

static LIST_HEAD(npusim_bus_dev_list);
/* Protects npusim_bus_dev_list and npusim_bus_enable. */
static DEFINE_MUTEX(npusim_bus_dev_list_lock);
static bool npusim_bus_enable;

static struct npusim_bus_dev *to_npusim_bus_dev(struct device *dev)
{
	return container_of(dev, struct npusim_bus_dev, dev);
}

/*
 * Split a sysfs write, taken by npusim_input_copy(), into at most @max
 * words separated by spaces and tabs.
 * Return: the number of words, or -EINVAL if there are more.
 */
static int npusim_bus_split(char *buf, char **words, int max)
{
	int n = 0;
	char *w;

	while ((w = strsep(&buf, " \t"))) {
		if (!*w)
			continue;
		if (n == max)
			return -EINVAL;
		words[n++] = w;
	}
	return n;
}

/* Parse "NETNSFD:IFINDEX". */
static int npusim_bus_parse_port(const char *word, int *fd, int *ifindex)
{
	char tmp[32], *colon;
	u32 v;

	if (strscpy(tmp, word, sizeof(tmp)) < 0)
		return -EINVAL;
	colon = strchr(tmp, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	if (npusim_input_u32(tmp, false, &v) || v > INT_MAX)
		return -EINVAL;
	*fd = v;
	if (npusim_input_u32(colon + 1, false, &v) || !v || v > INT_MAX)
		return -EINVAL;
	*ifindex = v;
	return 0;
}

static struct npusim_bus_dev *npusim_bus_dev_find(unsigned int id)
{
	struct npusim_bus_dev *bus_dev;

	lockdep_assert_held(&npusim_bus_dev_list_lock);
	list_for_each_entry(bus_dev, &npusim_bus_dev_list, list)
		if (bus_dev->id == id)
			return bus_dev;
	return NULL;
}

static void npusim_bus_dev_release(struct device *dev)
{
	kfree(to_npusim_bus_dev(dev));
}

static const struct device_type npusim_bus_dev_type = {
	.release = npusim_bus_dev_release,
};

static npusim_bus_type npusim_bus;

static struct npusim_bus_dev *npusim_bus_dev_new(unsigned int id,
						 unsigned int port_count,
						 const char *profile)
{
	struct npusim_bus_dev *bus_dev;
	int err;

	bus_dev = kzalloc(sizeof(*bus_dev), GFP_KERNEL);
	if (!bus_dev)
		return ERR_PTR(-ENOMEM);

	bus_dev->id = id;
	bus_dev->port_count = port_count;
	bus_dev->profile = profile;
	bus_dev->initial_net = current->nsproxy->net_ns;
	bus_dev->probe_err = -ENXIO;
	bus_dev->dev.id = id;
	bus_dev->dev.bus = &npusim_bus;
	bus_dev->dev.type = &npusim_bus_dev_type;
	/* from here on, put_device() frees bus_dev and its name */
	device_initialize(&bus_dev->dev);
	err = dev_set_name(&bus_dev->dev, DRV_NAME "%u", id);
	if (err)
		goto err_put_device;

	/* Probing is synchronous: the device is bound, or probe failed. */
	err = device_add(&bus_dev->dev);
	if (err)
		goto err_put_device;
	if (!bus_dev->dev.driver) {
		err = bus_dev->probe_err;
		device_unregister(&bus_dev->dev);
		return ERR_PTR(err);
	}
	return bus_dev;

err_put_device:
	put_device(&bus_dev->dev);
	return ERR_PTR(err);
}

/* The emulated hardware's name of a profile, or NULL if it has none. */
static const char *npusim_bus_profile(const char *name)
{
	const char *p;
	unsigned int i;

	for (i = 0; (p = npusim_hw_profile_name(i)); i++)
		if (!strcmp(p, name))
			return p;
	return NULL;
}

static void npusim_bus_profile_err(const char *name)
{
	char list[128] = "";
	const char *p;
	unsigned int i;

	for (i = 0; (p = npusim_hw_profile_name(i)); i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", i ? ", " : "", p);
	pr_err("new_device: unknown profile \"%s\"; the profiles are %s\n",
	       name, list);
}

/*
 * new_device: "ID [PORT_COUNT [PROFILE]]", ID 0..NPUSIM_MAX_ID,
 * PORT_COUNT 1..NPUSIM_HW_MAX_PORTS (default 1), PROFILE the emulated
 * chip (default "generic").
 */
static ssize_t new_device_store(npusim_bus_type *bus, const char *buf,
				size_t count)
{
	char copy[NPUSIM_INPUT_MAX + 1], *words[3];
	struct npusim_bus_dev *bus_dev;
	const char *profile = NULL;
	u32 id, port_count = 1;
	int n, err;

	if (npusim_input_copy(copy, sizeof(copy), buf, count)) {
		pr_err("new_device: a NUL, a newline inside or more than %u bytes\n",
		       NPUSIM_INPUT_MAX);
		return -EINVAL;
	}
	n = npusim_bus_split(copy, words, ARRAY_SIZE(words));
	if (n < 1 || npusim_input_u32(words[0], false, &id) ||
	    id > NPUSIM_MAX_ID) {
		pr_err("new_device: expected \"ID [PORT_COUNT [PROFILE]]\" with ID 0..%u\n",
		       NPUSIM_MAX_ID);
		return -EINVAL;
	}
	if (n >= 2 && (npusim_input_u32(words[1], false, &port_count) ||
		       !port_count || port_count > NPUSIM_HW_MAX_PORTS)) {
		pr_err("new_device: PORT_COUNT must be 1..%u\n",
		       NPUSIM_HW_MAX_PORTS);
		return -EINVAL;
	}
	if (n == 3) {
		profile = npusim_bus_profile(words[2]);
		if (!profile) {
			npusim_bus_profile_err(words[2]);
			return -EINVAL;
		}
	}

	mutex_lock(&npusim_bus_dev_list_lock);
	err = -EBUSY;
	if (!npusim_bus_enable)
		goto out_unlock;
	err = -EEXIST;
	if (npusim_bus_dev_find(id)) {
		pr_err("new_device: device %u already exists\n", id);
		goto out_unlock;
	}
	bus_dev = npusim_bus_dev_new(id, port_count, profile);
	if (IS_ERR(bus_dev)) {
		err = PTR_ERR(bus_dev);
		pr_err("new_device: creating device %u failed: %d\n", id, err);
		goto out_unlock;
	}
	list_add_tail(&bus_dev->list, &npusim_bus_dev_list);
	err = 0;
out_unlock:
	mutex_unlock(&npusim_bus_dev_list_lock);
	return err ? err : count;
}
static BUS_ATTR_WO(new_device);

static void npusim_bus_dev_del(struct npusim_bus_dev *bus_dev)
{
	list_del(&bus_dev->list);
	device_unregister(&bus_dev->dev);
}

/* del_device: "ID" */
static ssize_t del_device_store(npusim_bus_type *bus, const char *buf,
				size_t count)
{
	char copy[NPUSIM_INPUT_MAX + 1], *words[1];
	struct npusim_bus_dev *bus_dev;
	int err;
	u32 id;

	if (npusim_input_copy(copy, sizeof(copy), buf, count) ||
	    npusim_bus_split(copy, words, ARRAY_SIZE(words)) != 1 ||
	    npusim_input_u32(words[0], false, &id)) {
		pr_err("del_device: expected \"ID\"\n");
		return -EINVAL;
	}

	mutex_lock(&npusim_bus_dev_list_lock);
	err = -EBUSY;
	if (!npusim_bus_enable)
		goto out_unlock;
	bus_dev = npusim_bus_dev_find(id);
	err = -ENOENT;
	if (!bus_dev) {
		pr_err("del_device: no device %u\n", id);
		goto out_unlock;
	}
	npusim_bus_dev_del(bus_dev);
	err = 0;
out_unlock:
	mutex_unlock(&npusim_bus_dev_list_lock);
	return err ? err : count;
}
static BUS_ATTR_WO(del_device);

/*
 * Find the npusim port "NETNSFD:IFINDEX" names.  Under RTNL, which
 * keeps the netdev, and so the port, alive.
 */
static int npusim_bus_get_port(const char *op, const char *word,
			       struct npusim_port **port)
{
	struct net_device *ndev;
	int fd, ifindex;
	struct net *net;

	ASSERT_RTNL();
	if (npusim_bus_parse_port(word, &fd, &ifindex)) {
		pr_err("%s: expected NETNSFD:IFINDEX, got \"%s\"\n", op, word);
		return -EINVAL;
	}
	net = get_net_ns_by_fd(fd);
	if (IS_ERR(net)) {
		pr_err("%s: fd %d is not a network namespace\n", op, fd);
		return PTR_ERR(net);
	}
	ndev = __dev_get_by_index(net, ifindex);
	put_net(net);
	if (!ndev) {
		pr_err("%s: no ifindex %d in that namespace\n", op, ifindex);
		return -ENODEV;
	}
	if (!npusim_netdev_is_port(ndev)) {
		pr_err("%s: %s is not an npusim port\n", op, ndev->name);
		return -EINVAL;
	}
	*port = netdev_priv(ndev);
	return 0;
}

/*
 * Parse exactly @n (1 or 2) words "NETNSFD:IFINDEX" into @ports.
 * Under RTNL, which keeps the netdevs, and so the ports, alive.
 */
static int npusim_bus_get_ports(const char *op, const char *buf, size_t count,
				struct npusim_port **ports, int n)
{
	char copy[NPUSIM_INPUT_MAX + 1], *words[2];
	int i, err = 0;

	if (npusim_input_copy(copy, sizeof(copy), buf, count) ||
	    npusim_bus_split(copy, words, n) != n) {
		pr_err("%s: expected %s\n", op, n == 1 ? "\"NETNSFD:IFINDEX\"" :
		       "\"NETNSFD:IFINDEX NETNSFD:IFINDEX\"");
		err = -EINVAL;
	}
	for (i = 0; !err && i < n; i++)
		err = npusim_bus_get_port(op, words[i], &ports[i]);
	return err;
}

/* link_device: "NETNSFD:IFINDEX NETNSFD:IFINDEX" */
static ssize_t link_device_store(npusim_bus_type *bus, const char *buf,
				 size_t count)
{
	struct npusim_port *p[2];
	int err;

	rtnl_lock();
	err = npusim_bus_get_ports("link_device", buf, count, p, 2);
	if (err)
		goto out_unlock;
	if (p[0] == p[1]) {
		pr_err("link_device: cannot link %s to itself\n", p[0]->ndev->name);
		err = -EINVAL;
		goto out_unlock;
	}
	err = npusim_hw_wire_connect(p[0]->hw_port, p[1]->hw_port);
	if (err)
		pr_err("link_device: %s or %s is already linked\n",
		       p[0]->ndev->name, p[1]->ndev->name);
out_unlock:
	rtnl_unlock();
	return err ? err : count;
}
static BUS_ATTR_WO(link_device);

/* unlink_device: "NETNSFD:IFINDEX"; unlinks the port and its peer. */
static ssize_t unlink_device_store(npusim_bus_type *bus, const char *buf,
				   size_t count)
{
	struct npusim_port *port;
	int err;

	rtnl_lock();
	err = npusim_bus_get_ports("unlink_device", buf, count, &port, 1);
	if (err)
		goto out_unlock;
	err = npusim_hw_wire_disconnect(port->hw_port);
	if (err)
		pr_err("unlink_device: %s is not linked\n", port->ndev->name);
out_unlock:
	rtnl_unlock();
	return err ? err : count;
}
static BUS_ATTR_WO(unlink_device);

static struct attribute *npusim_bus_attrs[] = {
	&bus_attr_new_device.attr,
	&bus_attr_del_device.attr,
	&bus_attr_link_device.attr,
	&bus_attr_unlink_device.attr,
	NULL,
};
ATTRIBUTE_GROUPS(npusim_bus);

static int npusim_bus_probe(struct device *dev)
{
	struct npusim_bus_dev *bus_dev = to_npusim_bus_dev(dev);

	bus_dev->probe_err = npusim_dev_probe(bus_dev);
	return bus_dev->probe_err;
}

static void npusim_bus_remove(struct device *dev)
{
	npusim_dev_remove(to_npusim_bus_dev(dev));
}

static int npusim_bus_match(struct device *dev,
			    NPUSIM_CONST_DRV struct device_driver *drv)
{
	return 1;
}

static npusim_bus_type npusim_bus = {
	.name		= DRV_NAME,
	.dev_name	= DRV_NAME,
	.bus_groups	= npusim_bus_groups,
	.match		= npusim_bus_match,
	.probe		= npusim_bus_probe,
	.remove		= npusim_bus_remove,
};

static struct device_driver npusim_driver = {
	.name		= DRV_NAME,
	.bus		= &npusim_bus,
	.suppress_bind_attrs = true,
	.probe_type	= PROBE_FORCE_SYNCHRONOUS,
};

int npusim_bus_init(void)
{
	int err;

	err = bus_register(&npusim_bus);
	if (err)
		return err;
	err = driver_register(&npusim_driver);
	if (err)
		goto err_bus_unregister;

	mutex_lock(&npusim_bus_dev_list_lock);
	npusim_bus_enable = true;
	mutex_unlock(&npusim_bus_dev_list_lock);
	return 0;

err_bus_unregister:
	bus_unregister(&npusim_bus);
	return err;
}

void npusim_bus_exit(void)
{
	struct npusim_bus_dev *bus_dev, *tmp;

	mutex_lock(&npusim_bus_dev_list_lock);
	npusim_bus_enable = false;
	list_for_each_entry_safe_reverse(bus_dev, tmp, &npusim_bus_dev_list, list)
		npusim_bus_dev_del(bus_dev);
	mutex_unlock(&npusim_bus_dev_list_lock);

	driver_unregister(&npusim_driver);
	bus_unregister(&npusim_bus);
}
