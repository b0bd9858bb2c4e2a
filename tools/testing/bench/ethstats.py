#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read "ethtool -S" counters on request, without a fork per read.

  ethstats.py IF[,IF...] STAT[,STAT...]

For every line read from stdin, print one line: when the counters were
read (microseconds since the epoch), then the sum over the IFs of each
STAT, in the order given, blank-separated; "-" for a STAT that no IF
has.  A STAT "Section:Field" is a counter of the netns's /proc/net/snmp
instead (e.g. Ip:ForwDatagrams).  Ends at end of input.  npusim-bench
runs it as a coprocess in the router's netns: under QEMU/TCG an exec of
ethtool takes from 0.1 to a few seconds on a busy host, too long and too
variable next to a measurement window of a few seconds; and the time it
reports is that of the reads, not that of a reader the scheduler kept
waiting.  Uses the ETHTOOL_GSTRINGS / ETHTOOL_GSTATS ioctls
(linux/ethtool.h).
"""

import array
import fcntl
import socket
import struct
import sys
import time

SIOCETHTOOL = 0x8946
ETHTOOL_GDRVINFO = 0x03
ETHTOOL_GSTRINGS = 0x1b
ETHTOOL_GSTATS = 0x1d
ETH_SS_STATS = 1
ETH_GSTRING_LEN = 32
DRVINFO_LEN = 196         # sizeof(struct ethtool_drvinfo)
DRVINFO_N_STATS = 180     # offsetof(struct ethtool_drvinfo, n_stats)


def ioctl(sock, ifname, buf):
    addr, _ = buf.buffer_info()
    ifr = struct.pack('16sP', ifname.encode(), addr)
    fcntl.ioctl(sock, SIOCETHTOOL, ifr)


class Port:
    def __init__(self, sock, ifname):
        self.sock, self.ifname = sock, ifname
        drv = array.array('B', struct.pack('I', ETHTOOL_GDRVINFO) +
                          bytes(DRVINFO_LEN - 4))
        ioctl(sock, ifname, drv)
        self.n = struct.unpack_from('I', drv, DRVINFO_N_STATS)[0]
        gs = array.array('B', struct.pack('III', ETHTOOL_GSTRINGS,
                                          ETH_SS_STATS, self.n) +
                         bytes(self.n * ETH_GSTRING_LEN))
        ioctl(sock, ifname, gs)
        raw = gs.tobytes()[12:]
        self.names = [raw[i * ETH_GSTRING_LEN:(i + 1) * ETH_GSTRING_LEN]
                      .split(b'\0', 1)[0].decode() for i in range(self.n)]

    def stats(self):
        buf = array.array('B', struct.pack('II', ETHTOOL_GSTATS, self.n) +
                          bytes(8 * self.n))
        ioctl(self.sock, self.ifname, buf)
        vals = struct.unpack_from('%dQ' % self.n, buf, 8)
        return dict(zip(self.names, vals))


def snmp():
    """/proc/net/snmp of our netns as {"Section:Field": value}."""
    out = {}
    with open('/proc/net/snmp') as f:
        lines = f.read().splitlines()
    for names, vals in zip(lines[::2], lines[1::2]):
        sec, names = names.split(':', 1)
        for k, v in zip(names.split(), vals.split(':', 1)[1].split()):
            out['%s:%s' % (sec, k)] = int(v)
    return out


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ports = [Port(sock, i) for i in sys.argv[1].split(',')]
    want = sys.argv[2].split(',')
    for _ in sys.stdin:
        t0 = time.time_ns()
        tot = snmp() if any(':' in k for k in want) else {}
        for p in ports:
            for k, v in p.stats().items():
                tot[k] = tot.get(k, 0) + v
        t = (t0 + time.time_ns()) // 2000
        print(t, ' '.join(str(tot[k]) if k in tot else '-' for k in want),
              flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
