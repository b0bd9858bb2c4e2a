#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Many UDP flows at once, for npusim-bench's control-plane part.

  flows.py echo PORT            answer every datagram (server side)
  flows.py open N DST PORT      open N flows: N sockets, one datagram each,
                                until each got its answer (client side)

"open" prints "flows=N answered=K seconds=S start_us=T" (T: when it
began to send, microseconds since the epoch); it resends to the flows
that got no answer yet, up to --rounds times.  The router sees one
datagram each way per flow: the answer makes the flow established, and
"flow add" offloads it.
"""

import argparse
import resource
import selectors
import socket
import sys
import time


def cmd_echo(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(('0.0.0.0', a.port))
    while True:
        data, peer = s.recvfrom(64)
        s.sendto(data, peer)


def cmd_open(a):
    want = a.n + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(a.n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        s.connect((a.dst, a.port))
        socks.append(s)
        sel.register(s, selectors.EVENT_READ)
    pending = set(range(a.n))
    index = {s.fileno(): i for i, s in enumerate(socks)}
    start_us = time.time_ns() // 1000
    t0 = time.monotonic()
    for _ in range(a.rounds):
        for i in sorted(pending):
            try:
                socks[i].send(b'npusim-bench')
            except (BlockingIOError, ConnectionRefusedError):
                pass
            # pace the burst a little: the first packets of all flows
            # go through the router's slow path
            if i % 64 == 63:
                time.sleep(0.005)
        end = time.monotonic() + a.wait
        while pending and time.monotonic() < end:
            for key, _ in sel.select(timeout=0.2):
                try:
                    key.fileobj.recv(64)
                except (BlockingIOError, ConnectionRefusedError):
                    continue
                pending.discard(index[key.fileobj.fileno()])
        if not pending:
            break
    print('flows=%d answered=%d seconds=%.2f start_us=%d' %
          (a.n, a.n - len(pending), time.monotonic() - t0, start_us))
    return 0 if not pending else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    q = sub.add_parser('echo')
    q.add_argument('port', type=int)
    q = sub.add_parser('open')
    q.add_argument('n', type=int)
    q.add_argument('dst')
    q.add_argument('port', type=int)
    q.add_argument('--rounds', type=int, default=5)
    q.add_argument('--wait', type=float, default=10.0,
                   help='seconds to wait for answers per round')
    a = p.parse_args()
    return cmd_echo(a) if a.cmd == 'echo' else cmd_open(a)


if __name__ == '__main__':
    sys.exit(main())
