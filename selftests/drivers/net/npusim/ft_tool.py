#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Traffic helper for the npusim flowtable offload selftests (ft_*.sh).
# Standard library only.  Subcommands:
#
#   udp-send DST PORT [--count N] [--stop FILE] [--sport P] [--size S]
#            [--interval SEC] [--steady]
#	send numbered datagrams, one every SEC seconds (on schedule, so
#	faster after a stall to catch up, unless --steady), until N were sent
#	(N > 0) or FILE exists (SIGTERM/SIGINT: abort); payload = 4-byte
#	sequence number + a pattern derived from it, so that the receiver
#	can check it.  Prints "sent=N" when done.
#   udp-recv PORT [--count N] [--sent FILE] [--timeout SEC] [--echo]
#            [--ready FILE]
#	receive until N distinct datagrams arrived, or until the sender's
#	report FILE ("sent=N", udp-send's output) exists and that many
#	arrived, or until nothing came for SEC seconds (a generous
#	deadline: the result is then short); print "received=R bad=B
#	dup=D bytes=X peer=ADDR".  --echo sends every datagram back.
#   tcp-recv PORT [--expect FILE] [--out FILE] [--ready FILE]
#            [--timeout SEC]
#	accept one connection, read until EOF or RST; with --expect check
#	the stream against FILE's content repeated; --out writes it to FILE;
#	print "peer=ADDR bytes=N bad=B" (B: bytes that differ from FILE).
#   tcp-send DST PORT --file FILE [--bytes N] [--stop FILE] [--rate BPS]
#            [--sport P] [--rst]
#	send FILE's content, repeated, at BPS bytes/s (0: as fast as
#	possible) until N bytes were sent (N > 0) or the stop FILE exists
#	(without --bytes and --stop: FILE once); then close (with RST if
#	--rst, else FIN and wait for the receiver's close).  Prints "sent=N".
#	SIGTERM/SIGINT abort at once, even a blocked send ("sent=N aborted",
#	exit status 1).
#   bucket --size N [--ways W] --count K --dport P[,P...] ...
#	print K client source ports per destination port whose two flow entries (original and
#	reply direction) both fall in one hash bucket of npusim's flow
#	table (see hw/flow_table.c: jhash2 of struct npusim_hw_ft_hkey).
#   ident ...
#	byte-identity test: craft frames on the client's port with an
#	AF_PACKET socket, capture them at the server's port, print one
#	hex line per captured frame (see ft_identical.sh).  The server's
#	side may be tagged (--server-encap vlan:VID or pppoe:SID).

import argparse
import errno
import ipaddress
import os
import select
import signal
import socket
import struct
import sys
import time


def pattern(seq, size):
    head = struct.pack('!I', seq & 0xffffffff)
    n = max(size - 4, 0)
    base = bytes((seq * 7 + i) & 0xff for i in range(256))
    body = (base * (n // 256 + 1))[:n]
    return head + body


def family_of(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def ready(path):
    if path:
        with open(path + '.tmp', 'w') as f:
            f.write('%d\n' % os.getpid())
        os.rename(path + '.tmp', path)


class Abort(Exception):
    """SIGTERM or SIGINT: stop at once, even inside a blocking send."""


class Stopper:
    """Stop conditions of a sender: the stop file appears (a clean stop:
    what was sent is delivered, TCP closes), or SIGTERM/SIGINT arrives (an
    abort: the sender reports and exits at once, e.g. when the path is
    down and a send or the close would block)."""

    def __init__(self, path):
        self.path = path
        signal.signal(signal.SIGTERM, self._sig)
        signal.signal(signal.SIGINT, self._sig)

    def _sig(self, signum, frame):
        raise Abort()

    def stop(self):
        return bool(self.path and os.path.exists(self.path))

    def sleep_until(self, due):
        """Sleep until the monotonic time due, in short slices so that a
        stop request is seen; False if stopped meanwhile."""
        while True:
            if self.stop():
                return False
            left = due - time.monotonic()
            if left <= 0:
                return True
            time.sleep(min(left, 0.1))


def cmd_udp_send(a):
    st = {'sent': 0}
    try:
        return udp_send(a, st)
    except Abort:
        print('sent=%d aborted' % st['sent'], flush=True)
        return 1


def udp_send(a, st):
    fam = family_of(a.dst)
    stopper = Stopper(a.stop)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if a.sport or a.src:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a.src or ('::' if fam == socket.AF_INET6 else '0.0.0.0'),
                a.sport))
    start = time.monotonic()
    seq = 0
    while a.count <= 0 or seq < a.count:
        due = start + seq * a.interval
        if a.steady and seq:
            # never faster than one per interval, even after a stall
            due = max(due, last + a.interval)
        if not stopper.sleep_until(due):
            break
        last = time.monotonic()
        while True:
            try:
                s.sendto(pattern(seq, a.size), (a.dst, a.port))
                break
            except OSError as e:
                # ENOBUFS/EAGAIN on a busy qdisc: retry, don't lose it.
                if e.errno not in (errno.ENOBUFS, errno.EAGAIN):
                    raise
                time.sleep(0.01)
        seq += 1
        st['sent'] = seq
    print('sent=%d' % seq, flush=True)
    return 0


def read_sent(path):
    """The count of a sender's "sent=N" report, None while there is none."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    # complete lines only: the report may be being written
    for w in text[:text.rfind('\n') + 1].split():
        if w.startswith('sent='):
            try:
                return int(w[5:])
            except ValueError:
                pass
    return None


def cmd_udp_recv(a):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    # A receiver starved on a loaded host must not lose datagrams to a
    # full socket buffer (rmem_max caps SO_RCVBUF at ~200 KiB, a few
    # hundred datagrams): as root, take 32 MiB.
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUFFORCE, 32 << 20)
    except (OSError, AttributeError):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
    s.bind(('::', a.port))
    ready(a.ready)
    seen = set()
    bad = dup = nbytes = 0
    peer = '-'
    want = a.count if a.count > 0 else None
    last = time.monotonic()
    next_poll = 0
    while want is None or len(seen) < want:
        now = time.monotonic()
        if want is None and a.sent and now >= next_poll:
            want = read_sent(a.sent)
            next_poll = now + 0.2
            if want is not None:
                continue
        if now - last >= a.timeout:
            break
        r, _, _ = select.select([s], [], [], 0.2)
        if not r:
            continue
        data, addr = s.recvfrom(65536)
        last = time.monotonic()
        peer = addr[0]
        if peer.startswith('::ffff:'):
            peer = peer[7:]
        nbytes += len(data)
        if a.echo:
            s.sendto(data, addr)
        if len(data) < 4:
            bad += 1
            continue
        seq = struct.unpack('!I', data[:4])[0]
        if data != pattern(seq, len(data)):
            bad += 1
        elif seq in seen:
            dup += 1
        else:
            seen.add(seq)
    print('received=%d bad=%d dup=%d bytes=%d peer=%s' %
          (len(seen), bad, dup, nbytes, peer), flush=True)
    return 0


def cmd_tcp_recv(a):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('::', a.port))
    s.listen(1)
    ready(a.ready)
    s.settimeout(a.timeout)
    c, addr = s.accept()
    c.settimeout(a.timeout)
    peer = addr[0]
    if peer.startswith('::ffff:'):
        peer = peer[7:]
    ref = b''
    if a.expect:
        with open(a.expect, 'rb') as f:
            ref = f.read()
        ref2 = ref + ref
    n = bad = 0
    out = open(a.out, 'wb') if a.out else None
    try:
        while True:
            try:
                d = c.recv(1 << 16)
            except ConnectionResetError:
                break
            if not d:
                break
            if out:
                out.write(d)
            if ref:
                for i in range(0, len(d), len(ref)):
                    piece = d[i:i + len(ref)]
                    o = (n + i) % len(ref)
                    exp = ref2[o:o + len(piece)]
                    if piece != exp:
                        bad += sum(x != y for x, y in zip(piece, exp))
            n += len(d)
    finally:
        if out:
            out.close()
    print('peer=%s bytes=%d bad=%d' % (peer, n, bad), flush=True)
    return 0


def cmd_tcp_send(a):
    st = {'sent': 0}
    try:
        return tcp_send(a, st)
    except Abort:
        print('sent=%d aborted' % st['sent'], flush=True)
        return 1


def tcp_send(a, st):
    with open(a.file, 'rb') as f:
        data = f.read()
    if not data:
        raise ValueError('%s is empty' % a.file)
    limit = a.bytes
    if limit <= 0 and not a.stop:
        limit = len(data)
    stopper = Stopper(a.stop)
    fam = family_of(a.dst)
    s = None
    deadline = time.monotonic() + a.connect_timeout
    while True:
        s = socket.socket(fam, socket.SOCK_STREAM)
        if a.sport:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('::' if fam == socket.AF_INET6 else '0.0.0.0', a.sport))
        try:
            s.connect((a.dst, a.port))
            break
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    data2 = data + data
    chunk = min(16384, len(data))
    sent = 0
    start = time.monotonic()
    while limit <= 0 or sent < limit:
        due = start + sent / a.rate if a.rate > 0 else 0
        if not stopper.sleep_until(due):
            break
        n = chunk if limit <= 0 else min(chunk, limit - sent)
        o = sent % len(data)
        s.sendall(data2[o:o + n])
        sent += n
        st['sent'] = sent
    if a.rst:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack('ii', 1, 0))
    else:
        s.shutdown(socket.SHUT_WR)
        s.settimeout(a.close_timeout)
        try:
            while s.recv(4096):
                pass
        except OSError:
            pass
    s.close()
    print('sent=%d' % sent, flush=True)
    return 0


# --- jhash2 as in include/linux/jhash.h -------------------------------------

M32 = 0xffffffff


def rol32(x, r):
    return ((x << r) | (x >> (32 - r))) & M32


def jhash_mix(a, b, c):
    a = (a - c) & M32; a ^= rol32(c, 4); c = (c + b) & M32
    b = (b - a) & M32; b ^= rol32(a, 6); a = (a + c) & M32
    c = (c - b) & M32; c ^= rol32(b, 8); b = (b + a) & M32
    a = (a - c) & M32; a ^= rol32(c, 16); c = (c + b) & M32
    b = (b - a) & M32; b ^= rol32(a, 19); a = (a + c) & M32
    c = (c - b) & M32; c ^= rol32(b, 4); b = (b + a) & M32
    return a, b, c


def jhash_final(a, b, c):
    c ^= b; c = (c - rol32(b, 14)) & M32
    a ^= c; a = (a - rol32(c, 11)) & M32
    b ^= a; b = (b - rol32(a, 25)) & M32
    c ^= b; c = (c - rol32(b, 16)) & M32
    a ^= c; a = (a - rol32(c, 4)) & M32
    b ^= a; b = (b - rol32(a, 14)) & M32
    c ^= b; c = (c - rol32(b, 24)) & M32
    return a, b, c


def jhash2(words, initval):
    n = len(words)
    a = b = c = (0xdeadbeef + (n << 2) + initval) & M32
    i = 0
    while n > 3:
        a = (a + words[i]) & M32
        b = (b + words[i + 1]) & M32
        c = (c + words[i + 2]) & M32
        a, b, c = jhash_mix(a, b, c)
        n -= 3
        i += 3
    if n == 3:
        c = (c + words[i + 2]) & M32
    if n >= 2:
        b = (b + words[i + 1]) & M32
    if n >= 1:
        a = (a + words[i]) & M32
        a, b, c = jhash_final(a, b, c)
    return c


FT_SEED = 0x4e505553


def fold(addr):
    """An IPv6 address folded into 32 bits, as the flow table keeps it."""
    w = struct.unpack('4s4s4s4s', addr.packed)
    return bytes(a ^ b ^ c ^ d for a, b, c, d in zip(*w))


def flow_key(in_port, src, dst, sport, dport, l4proto):
    """struct npusim_hw_ft_hkey, as laid out on x86-64 (20 bytes)."""
    s = ipaddress.ip_address(src)
    d = ipaddress.ip_address(dst)
    flags = 0
    if s.version == 6:
        sb, db = fold(s), fold(d)
        flags |= 1
    else:
        sb, db = s.packed, d.packed
    if l4proto == 6:
        flags |= 2
    raw = sb + db + struct.pack('!HH', sport, dport)
    raw += struct.pack('<HHBBH', 0, 0, in_port, flags, 0)
    assert len(raw) == 20
    return list(struct.unpack('<5I', raw))


def bucket_of(size, key, ways=4):
    # reciprocal_scale(): the hash scaled to the number of buckets
    return (jhash2(key, FT_SEED) * (size // ways)) >> 32


def cmd_bucket(a):
    proto = 17 if a.proto == 'udp' else 6
    out = []
    for dport in (int(x) for x in a.dport.split(',')):
        n = 0
        for sp in range(a.first, 65536):
            o = bucket_of(a.size, flow_key(a.in_orig, a.client, a.server,
                                           sp, dport, proto), a.ways)
            r = bucket_of(a.size, flow_key(a.in_reply, a.server, a.client,
                                           dport, sp, proto), a.ways)
            if o == a.bucket and r == a.bucket:
                out.append(sp)
                n += 1
                if n == a.count:
                    break
    print(' '.join(str(p) for p in out))
    return 0


# --- byte-identity test -------------------------------------------------------

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 3
PACKET_OUTGOING = 4
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 1 << 4
TP_STATUS_VLAN_TPID_VALID = 1 << 6


def setns(name):
    # imported here: ctypes is a good part of the start time of the
    # traffic subcommands, which adds up on a slow VM
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open('/run/netns/' + name, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, 'setns %s: %s' % (name, os.strerror(e)))
    os.close(fd)


def raw_socket(ns, dev):
    setns(ns)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    # the stack strips a VLAN tag before the taps: get it back as aux data
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((dev, ETH_P_ALL))
    return s


def recv_frame(sock):
    """(frame as on the wire, sll address) with any VLAN tag put back."""
    data, anc, _, addr = sock.recvmsg(65536, socket.CMSG_SPACE(32))
    for level, typ, cd in anc:
        # struct tpacket_auxdata: 20 bytes
        if level != SOL_PACKET or typ != PACKET_AUXDATA or len(cd) < 20:
            continue
        status, _, _, _, _, tci, tpid = struct.unpack('=IIIHHHH', cd[:20])
        if status & TP_STATUS_VLAN_VALID:
            if not status & TP_STATUS_VLAN_TPID_VALID:
                tpid = 0x8100
            data = data[:12] + struct.pack('!HH', tpid, tci) + data[12:]
    return data, addr


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def mac(s):
    return bytes(int(x, 16) for x in s.split(':'))


def build_frame(a, proto, src, dst, sport, dport, ipid, payload,
                flags=0x10, seq=0, ack=0, smac=None, dmac=None, encap=None):
    """Ethernet [+ 802.1Q tag | PPPoE session] + IPv4/IPv6 + UDP/TCP
    frame with correct checksums; encap is ('vlan', VID), ('pppoe', SID)
    or None."""
    v6 = ':' in src
    sb = ipaddress.ip_address(src).packed
    db = ipaddress.ip_address(dst).packed
    if proto == 'udp':
        l4 = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload
        pnum = 17
    else:
        l4 = struct.pack('!HHIIBBHHH', sport, dport, seq, ack, 5 << 4,
                         flags, 65535, 0, 0) + payload
        pnum = 6
    if v6:
        pseudo = sb + db + struct.pack('!IxxxB', len(l4), pnum)
    else:
        pseudo = sb + db + struct.pack('!xBH', pnum, len(l4))
    c = csum(pseudo + l4)
    if proto == 'udp':
        c = c or 0xffff
        l4 = l4[:6] + struct.pack('!H', c) + l4[8:]
    else:
        l4 = l4[:16] + struct.pack('!H', c) + l4[18:]
    if v6:
        ip = struct.pack('!IHBB', (6 << 28) | (ipid & 0xfffff), len(l4),
                         pnum, 64) + sb + db
        etype = 0x86dd
    else:
        ip = struct.pack('!BBHHHBBH', 0x45, 0, 20 + len(l4), ipid & 0xffff,
                         0x4000, 64, pnum, 0) + sb + db
        ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
        etype = 0x0800
    l2 = mac(dmac) + mac(smac)
    if encap and encap[0] == 'vlan':
        l2 += struct.pack('!HH', 0x8100, encap[1])
    elif encap and encap[0] == 'pppoe':
        ppp = 0x0057 if v6 else 0x0021
        l2 += struct.pack('!HBBHHH', 0x8864, 0x11, 0, encap[1],
                          len(ip) + len(l4) + 2, ppp)
        return l2 + ip + l4
    return l2 + struct.pack('!H', etype) + ip + l4


def parse_encap(s):
    """'vlan:VID' / 'pppoe:SID' / '' -> build_frame()'s encap."""
    if not s:
        return None
    kind, _, num = s.partition(':')
    if kind not in ('vlan', 'pppoe'):
        raise ValueError('bad encapsulation %r' % s)
    return (kind, int(num, 0))


def l3_of(frame):
    """(ethertype of the L3 header, its offset): skips 802.1Q tags and a
    PPPoE session header; (None, 0) for anything else."""
    off = 12
    etype = struct.unpack('!H', frame[off:off + 2])[0]
    off += 2
    while etype == 0x8100 and len(frame) >= off + 4:
        etype = struct.unpack('!H', frame[off + 2:off + 4])[0]
        off += 4
    if etype == 0x8864 and len(frame) >= off + 8:
        ppp = struct.unpack('!H', frame[off + 6:off + 8])[0]
        etype = {0x0021: 0x0800, 0x0057: 0x86dd}.get(ppp)
        off += 8
    return etype, off


def l4_ports(frame):
    """(proto, sport, dport, tcp_flags) of an IPv4/IPv6 frame."""
    etype, off = l3_of(frame)
    if etype == 0x0800 and len(frame) >= off + 20:
        ihl = (frame[off] & 0xf) * 4
        proto = frame[off + 9]
        off += ihl
    elif etype == 0x86dd and len(frame) >= off + 40:
        proto = frame[off + 6]
        off += 40
    else:
        return None
    if proto not in (6, 17) or len(frame) < off + 4:
        return None
    sport, dport = struct.unpack('!HH', frame[off:off + 4])
    flags = frame[off + 13] if proto == 6 and len(frame) > off + 13 else 0
    return ('tcp' if proto == 6 else 'udp', sport, dport, flags)


def capture(sock, want, timeout, match):
    """Frames received (not sent) on sock that match(), up to want."""
    got = []
    end = time.monotonic() + timeout
    while len(got) < want:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            break
        data, addr = recv_frame(sock)
        if addr[2] == PACKET_OUTGOING:
            continue
        if match(data):
            got.append(data)
    return got


def ct_state(path, proto, dport):
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError:
        return 'NONE'
    for ln in lines:
        w = ln.split()
        if len(w) < 3 or w[2] != proto:
            continue
        dp = [x for x in w if x.startswith('dport=')]
        if not dp or dp[0] != 'dport=%d' % dport:
            continue
        if '[HW_OFFLOAD]' in w:
            return 'HW_OFFLOAD'
        if '[OFFLOAD]' in w:
            return 'OFFLOAD'
        return 'CT'
    return 'NONE'


def wait_ct(path, proto, dport, want, timeout):
    end = time.monotonic() + timeout
    st = 'NONE'
    while time.monotonic() < end:
        st = ct_state(path, proto, dport)
        if st == want:
            return st
        time.sleep(0.1)
    return st


def cmd_ident(a):
    """Warm up (handshake) a UDP and a TCP flow, wait for the given ct state,
    then send --count test frames of each and print what the server got."""
    csock = raw_socket(a.client_ns, a.client_dev)
    ssock = raw_socket(a.server_ns, a.server_dev)
    # Frames as the client puts them on the wire, and as the server
    # answers (TCP handshake only), addressed to the router.
    cl = dict(smac=a.client_mac, dmac=a.router_lan_mac)
    sv = dict(smac=a.server_mac, dmac=a.router_wan_mac,
              encap=parse_encap(a.server_encap))
    C, S, V = a.client, a.server, a.visible
    up, tp = a.udp_port, a.tcp_port
    csp_u, csp_t = a.sport, a.sport + 1
    # With DNAT the client talks to a.visible:a.visible_port; the server
    # sees its own address.  Without NAT visible == server.
    vup = a.visible_port or up
    vtp = (a.visible_port + 1) if a.visible_port else tp
    # The server addresses its replies to the address it sees (SNAT: the
    # router's WAN address).
    seen_c = a.seen_client or C
    seen_csp_t = csp_t if not a.seen_client else None

    # The test frames' payloads; the warm-up frames' payloads differ.
    payloads = set(bytes(((i * 13 + j) & 0xff) for j in range(a.size))
                   for i in range(a.count))

    def is_test(fr):
        p = l4_ports(fr)
        return (p is not None and p[0] in ('udp', 'tcp') and
                p[2] in (up, tp) and fr[-a.size:] in payloads)

    # UDP warm-up: two datagrams; both go through the classic path and
    # create the flow.
    for i in range(2):
        csock.send(build_frame(a, 'udp', C, V, csp_u, vup, 0x100 + i,
                               b'warmup%d' % i, **cl))
    # TCP handshake, crafted on both sides.
    isn_c, isn_s = 0x10000000, 0x20000000
    csock.send(build_frame(a, 'tcp', C, V, csp_t, vtp, 0x200, b'',
                           flags=0x02, seq=isn_c, **cl))
    syn = capture(ssock, 1, a.wait, lambda fr: (l4_ports(fr) or (0,))[0] ==
                  'tcp' and l4_ports(fr)[3] & 0x02 and
                  l4_ports(fr)[2] == tp)
    if not syn:
        print('error: SYN not forwarded to the server', file=sys.stderr)
        return 1
    # Where did the SYN come from (after SNAT)?
    fr = syn[0]
    etype, off = l3_of(fr)
    if etype == 0x86dd:
        src_seen = str(ipaddress.ip_address(fr[off + 8:off + 24]))
        off += 40
    else:
        src_seen = str(ipaddress.ip_address(fr[off + 12:off + 16]))
        off += 20
    sp_seen = struct.unpack('!H', fr[off:off + 2])[0]
    if seen_csp_t is None:
        seen_csp_t = sp_seen
    seen_c = src_seen
    ssock.send(build_frame(a, 'tcp', S, seen_c, tp, seen_csp_t, 0x300, b'',
                           flags=0x12, seq=isn_s, ack=isn_c + 1, **sv))
    # The client's ACK must not overtake the SYN-ACK at the router.
    synack = capture(csock, 1, a.wait, lambda fr: (l4_ports(fr) or (0,))[0] ==
                     'tcp' and l4_ports(fr)[3] & 0x12 == 0x12 and
                     l4_ports(fr)[1] == vtp)
    if not synack:
        print('error: SYN-ACK not forwarded to the client', file=sys.stderr)
        return 1
    csock.send(build_frame(a, 'tcp', C, V, csp_t, vtp, 0x201, b'',
                           flags=0x10, seq=isn_c + 1, ack=isn_s + 1, **cl))
    # One more packet after ESTABLISHED (the same wire keeps it behind
    # the ACK): the one that runs "flow add" for TCP.
    csock.send(build_frame(a, 'tcp', C, V, csp_t, vtp, 0x202, b'x' * 10,
                           flags=0x18, seq=isn_c + 1, ack=isn_s + 1, **cl))
    csock.send(build_frame(a, 'udp', C, V, csp_u, vup, 0x102, b'warmup2',
                           **cl))
    su = wait_ct(a.ct, 'udp', vup, a.state, a.wait)
    st = wait_ct(a.ct, 'tcp', vtp, a.state, a.wait)
    if su != a.state or st != a.state:
        print('error: ct state udp=%s tcp=%s, expected %s' %
              (su, st, a.state), file=sys.stderr)
        return 1
    # Frames still queued at the server are warm-up frames: is_test()
    # leaves them out.
    seq = isn_c + 11
    for i in range(a.count):
        pl = bytes(((i * 13 + j) & 0xff) for j in range(a.size))
        csock.send(build_frame(a, 'udp', C, V, csp_u, vup, 0x1000 + i, pl,
                               **cl))
        csock.send(build_frame(a, 'tcp', C, V, csp_t, vtp, 0x2000 + i, pl,
                               flags=0x10, seq=seq, ack=isn_s + 1, **cl))
        seq += len(pl)
        if a.interval:
            time.sleep(a.interval)
    got = capture(ssock, 2 * a.count, a.wait, is_test)
    for fr in got:
        print(fr.hex())
    return 0


def _args_udp_send(q):
    q.add_argument('dst')
    q.add_argument('port', type=int)
    q.add_argument('--count', type=int, default=0)
    q.add_argument('--stop')
    q.add_argument('--sport', type=int, default=0)
    q.add_argument('--src')
    q.add_argument('--size', type=int, default=100)
    q.add_argument('--interval', type=float, default=0.01)
    q.add_argument('--steady', action='store_true')


def _args_udp_recv(q):
    q.add_argument('port', type=int)
    q.add_argument('--count', type=int, default=0)
    q.add_argument('--sent')
    q.add_argument('--timeout', type=float, default=120)
    q.add_argument('--echo', action='store_true')
    q.add_argument('--ready')


def _args_tcp_recv(q):
    q.add_argument('port', type=int)
    q.add_argument('--out')
    q.add_argument('--expect')
    q.add_argument('--ready')
    q.add_argument('--timeout', type=float, default=300)


def _args_tcp_send(q):
    q.add_argument('dst')
    q.add_argument('port', type=int)
    q.add_argument('--file', required=True)
    q.add_argument('--bytes', type=int, default=0)
    q.add_argument('--stop')
    q.add_argument('--rate', type=float, default=0)
    q.add_argument('--sport', type=int, default=0)
    q.add_argument('--rst', action='store_true')
    q.add_argument('--connect-timeout', type=float, default=300)
    q.add_argument('--close-timeout', type=float, default=300)


def _args_bucket(q):
    q.add_argument('--size', type=int, required=True)
    q.add_argument('--ways', type=int, default=4)
    q.add_argument('--count', type=int, required=True)
    q.add_argument('--bucket', type=int, default=0)
    q.add_argument('--in-orig', type=int, required=True)
    q.add_argument('--in-reply', type=int, required=True)
    q.add_argument('--client', required=True)
    q.add_argument('--server', required=True)
    q.add_argument('--dport', required=True, help='comma-separated')
    q.add_argument('--proto', default='udp')
    q.add_argument('--first', type=int, default=20000)


def _args_ident(q):
    q.add_argument('--client-ns', required=True)
    q.add_argument('--client-dev', required=True)
    q.add_argument('--client-mac', required=True)
    q.add_argument('--server-ns', required=True)
    q.add_argument('--server-dev', required=True)
    q.add_argument('--server-mac', required=True)
    q.add_argument('--router-lan-mac', required=True)
    q.add_argument('--router-wan-mac', required=True)
    q.add_argument('--server-encap', default='',
                   help="the server's side is tagged: vlan:VID or pppoe:SID")
    q.add_argument('--client', required=True)
    q.add_argument('--server', required=True)
    q.add_argument('--visible', required=True,
                   help='address the client sends to (DNAT: not the server)')
    q.add_argument('--visible-port', type=int, default=0)
    q.add_argument('--seen-client', default='')
    q.add_argument('--udp-port', type=int, default=7001)
    q.add_argument('--tcp-port', type=int, default=7002)
    q.add_argument('--sport', type=int, default=33000)
    q.add_argument('--count', type=int, default=20)
    q.add_argument('--size', type=int, default=200)
    q.add_argument('--interval', type=float, default=0.005)
    q.add_argument('--ct', required=True, help='nf_conntrack file of the router')
    q.add_argument('--state', default='HW_OFFLOAD')
    q.add_argument('--wait', type=float, default=300,
                   help='deadline of each wait (s), ends when the condition holds')


# subcommand: (its arguments, what runs it)
COMMANDS = {
    'udp-send': (_args_udp_send, cmd_udp_send),
    'udp-recv': (_args_udp_recv, cmd_udp_recv),
    'tcp-recv': (_args_tcp_recv, cmd_tcp_recv),
    'tcp-send': (_args_tcp_send, cmd_tcp_send),
    'bucket': (_args_bucket, cmd_bucket),
    'ident': (_args_ident, cmd_ident),
}


def _formatter(prog):
    # a fixed width: argparse would import shutil to ask the terminal,
    # at every add_argument()
    return argparse.HelpFormatter(prog, width=78)


def main(argv=None):
    """Parse only the arguments of the subcommand asked for: the tests
    start ft_tool hundreds of times on a slow VM, and a parser of every
    subcommand's options costs more than some of their runs.  Anything
    else (no subcommand, an unknown one, --help) goes to the parser of
    them all, for its usage and errors."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in COMMANDS:
        add, run = COMMANDS[argv[0]]
        q = argparse.ArgumentParser(prog='ft_tool.py ' + argv[0],
                                    formatter_class=_formatter)
        add(q)
        return run(q.parse_args(argv[1:]))
    p = argparse.ArgumentParser(prog='ft_tool.py', formatter_class=_formatter)
    sub = p.add_subparsers(dest='cmd', required=True)
    for name, (add, _) in COMMANDS.items():
        add(sub.add_parser(name, formatter_class=_formatter))
    p.parse_args(argv)
    return 2


if __name__ == '__main__':
    sys.exit(main())
