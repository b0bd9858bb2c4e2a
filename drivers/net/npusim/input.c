// SPDX-License-Identifier: GPL-2.0
/*
 * npusim input: strict parsing of what users write to npusim's files
 * (the bus files in sysfs and the writable debugfs knobs).
 *
 * A write is taken as a whole: it may end with one newline, must not
 * contain a NUL or any other newline, and must fit the file's buffer;
 * nothing is ever truncated.  Numbers are decimal, or hexadecimal with
 * a "0x" prefix where the file allows it: never octal, no sign, no
 * whitespace.  Booleans are exactly "0" or "1".  Anything else is
 * refused with -EINVAL, a number that does not fit with -ERANGE, and
 * the caller then changes nothing.
 */

#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "npusim.h"

/**
 * npusim_input_copy() - take a write from a kernel buffer (sysfs)
 * @dst: where to put the input, NUL-terminated, without its newline
 * @size: size of @dst; longer input is refused
 * @buf: the written bytes
 * @count: their number
 *
 * Return: 0; -EINVAL if the input has a NUL, a newline other than one
 * at the end, or does not fit @dst.
 */
int npusim_input_copy(char *dst, size_t size, const char *buf, size_t count)
{
	if (count && buf[count - 1] == '\n')
		count--;
	if (count >= size || memchr(buf, '\0', count) ||
	    memchr(buf, '\n', count))
		return -EINVAL;
	memcpy(dst, buf, count);
	dst[count] = '\0';
	return 0;
}

/**
 * npusim_input_copy_user() - take a write from user memory (debugfs)
 * @dst: where to put the input, NUL-terminated, without its newline
 * @size: size of @dst; longer input is refused
 * @ubuf: the written bytes
 * @count: their number
 *
 * Return: as npusim_input_copy(), or -EFAULT.
 */
int npusim_input_copy_user(char *dst, size_t size, const char __user *ubuf,
			   size_t count)
{
	char buf[NPUSIM_INPUT_MAX + 1];

	/* The longest valid input is size - 1 bytes and a newline. */
	if (WARN_ON_ONCE(size > sizeof(buf)) || count > size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	return npusim_input_copy(dst, size, buf, count);
}

/**
 * npusim_input_u32() - parse a number
 * @s: NUL-terminated input from npusim_input_copy()
 * @hex: whether a "0x" (or "0X") prefix selects hexadecimal
 * @val: the number
 *
 * Leading zeros do not select octal: "010" is ten.
 *
 * Return: 0; -EINVAL if @s is not a number; -ERANGE if it does not fit
 * 32 bits.  @val is only written on success.
 */
int npusim_input_u32(const char *s, bool hex, u32 *val)
{
	unsigned int base = 10;
	const char *p;

	if (hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	}
	if (!*s)
		return -EINVAL;
	for (p = s; *p; p++)
		if (base == 16 ? !isxdigit(*p) : !isdigit(*p))
			return -EINVAL;
	/* Only digits are left: kstrtou32() can but find them too big. */
	return kstrtou32(s, base, val);
}

/**
 * npusim_input_bool() - parse a boolean
 * @s: NUL-terminated input from npusim_input_copy()
 * @val: the value
 *
 * Return: 0; -EINVAL unless @s is exactly "0" or "1".
 */
int npusim_input_bool(const char *s, bool *val)
{
	if ((s[0] != '0' && s[0] != '1') || s[1])
		return -EINVAL;
	*val = s[0] == '1';
	return 0;
}

/**
 * npusim_input_u32_user() - parse a number written to a debugfs file
 * @ubuf: the written bytes
 * @count: their number
 * @val: the number, decimal or "0x" hexadecimal
 *
 * Return: 0 or a negative errno, see npusim_input_u32().
 */
int npusim_input_u32_user(const char __user *ubuf, size_t count, u32 *val)
{
	char buf[NPUSIM_INPUT_NUM_MAX + 1];
	int err;

	err = npusim_input_copy_user(buf, sizeof(buf), ubuf, count);
	return err ?: npusim_input_u32(buf, true, val);
}

/**
 * npusim_input_bool_user() - parse a boolean written to a debugfs file
 * @ubuf: the written bytes
 * @count: their number
 * @val: the value
 *
 * Return: 0 or -EINVAL, see npusim_input_bool().
 */
int npusim_input_bool_user(const char __user *ubuf, size_t count, bool *val)
{
	char buf[2];
	int err;

	err = npusim_input_copy_user(buf, sizeof(buf), ubuf, count);
	return err ?: npusim_input_bool(buf, val);
}

static const struct npusim_knob *npusim_knob_of(struct file *file)
{
	/* The file is in use (debugfs' proxy holds it) while we run. */
	return container_of(debugfs_real_fops(file), struct npusim_knob, fops);
}

/**
 * npusim_knob_read() - read handler of a struct npusim_knob
 * @file: the debugfs file; its private data is the knob's owner
 * @ubuf: user buffer
 * @count: its size
 * @ppos: file position
 *
 * Return: bytes read or a negative errno.
 */
ssize_t npusim_knob_read(struct file *file, char __user *ubuf, size_t count,
			 loff_t *ppos)
{
	const struct npusim_knob *knob = npusim_knob_of(file);
	char buf[12];
	int len;

	len = scnprintf(buf, sizeof(buf), "%u\n", knob->get(file->private_data));
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

/**
 * npusim_knob_write() - write handler of a struct npusim_knob
 * @file: the debugfs file; its private data is the knob's owner
 * @ubuf: the written bytes
 * @count: their number
 * @ppos: file position (ignored: a write is taken as a whole)
 *
 * Return: @count, or a negative errno and nothing changed.
 */
ssize_t npusim_knob_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	const struct npusim_knob *knob = npusim_knob_of(file);
	bool on;
	u32 val;
	int err;

	if (knob->max == 1) {
		err = npusim_input_bool_user(ubuf, count, &on);
		val = on;
	} else {
		err = npusim_input_u32_user(ubuf, count, &val);
		if (!err && val > knob->max)
			err = -ERANGE;
	}
	if (!err)
		err = knob->set(file->private_data, val);
	return err ? err : count;
}
