#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Many UDP flows at once, for npusim-bench's control-plane part.

  flows.py raw N SRC DST PORT --dev IF --dmac MAC
                                N one-way flows from SRC, sent as raw
                                frames out of IF to the router's MAC:
                                source ports 1024..65535, then the next
                                destination port

It needs no socket per flow, so it reaches a million flows: it sends
--rounds datagrams per flow (default 3: the first makes the conntrack
entry, the next ones find it confirmed, and "flow add" offloads it), one
round after the other, and prints "flows=N frames=F seconds=S
start_us=T" (T: when it began to send, microseconds since the epoch).
The server need not answer.
"""

import argparse
import ipaddress
import socket
import struct
import sys
import time


def ip_csum(hdr):
    s = sum(struct.unpack('!10H', hdr))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def cmd_raw(a):
    payload = b'npusim-bench'
    ulen = 8 + len(payload)
    src = ipaddress.IPv4Address(a.src).packed
    dst = ipaddress.IPv4Address(a.dst).packed
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + ulen, 0, 0x4000, 64,
                     socket.IPPROTO_UDP, 0, src, dst)
    ip = ip[:10] + struct.pack('!H', ip_csum(ip)) + ip[12:]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.dev, 0))
    smac = s.getsockname()[4]
    eth = bytes.fromhex(a.dmac.replace(':', '')) + smac + b'\x08\x00'
    head = eth + ip
    ports = 65536 - 1024
    frames = 0
    start_us = time.time_ns() // 1000
    t0 = time.monotonic()
    for _ in range(a.rounds):
        for i in range(a.n):
            udp = struct.pack('!HHHH', 1024 + i % ports, a.port + i // ports,
                              ulen, 0)
            while True:
                try:
                    s.send(head + udp + payload)
                    break
                except OSError:
                    # a full qdisc or ring: wait, lose nothing
                    time.sleep(0.001)
            frames += 1
            # pace it: the router's slow path takes the first frames
            if i % a.burst == a.burst - 1:
                time.sleep(a.pause)
    print('flows=%d frames=%d seconds=%.2f start_us=%d' %
          (a.n, frames, time.monotonic() - t0, start_us))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    q = sub.add_parser('raw')
    q.add_argument('n', type=int)
    q.add_argument('src')
    q.add_argument('dst')
    q.add_argument('port', type=int)
    q.add_argument('--dev', required=True)
    q.add_argument('--dmac', required=True)
    q.add_argument('--rounds', type=int, default=3)
    q.add_argument('--burst', type=int, default=64,
                   help='frames between pauses')
    q.add_argument('--pause', type=float, default=0.002,
                   help='seconds of each pause')
    a = p.parse_args()
    return cmd_raw(a)


if __name__ == '__main__':
    sys.exit(main())
