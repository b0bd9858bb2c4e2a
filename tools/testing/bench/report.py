#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn npusim-bench's samples.tsv into a markdown table.

Per mode and protocol: min / median / max over the rounds of the
throughput (iperf3's receiver) and the packet rate at the server's port,
the medians of the router's counters per second, the softirq share of all
CPUs and the softirq time per packet delivered to the server; then the
ratios that the goals name, next to the goals.  Ratios are taken within a
round (samples taken minutes apart on a busy host are not comparable),
then summarised over the rounds.

With --cp CP.TSV (npusim-bench's control-plane part), a second table:
per number of flows, the REPLACE rate, the time until all were
[HW_OFFLOAD], the cost of idle flows before and with STATS, and the
kernel and chip memory per flow; with
--png FILE, those against the number of flows (python3-matplotlib).

usage: report.py SAMPLES.TSV [--cp CP.TSV [--png FILE]] [--md FILE]
"""

import argparse
import os
import re
import statistics
import sys

USER_HZ = 100          # /proc/stat units
JIFFY_US = 1e6 / USER_HZ
MIN_JIFFIES = USER_HZ / 2

# The bare link each router mode is compared with ("added CPU").
BASE = {'rt_none': 'wire', 'rt_sw': 'wire', 'rt_hw': 'wire',
        'rt_hw_cpu': 'wire_cpu', 'vethrt_sw': 'veth'}
ORDER = ['wire', 'wire_thr', 'wire_cpu', 'veth', 'vethrt_sw', 'rt_none',
         'rt_sw', 'rt_hw', 'rt_hw_thr', 'rt_hw_cpu', 'wire2']


def read(path):
    head, labels, rows = [], {}, []
    cols = None
    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            if line.startswith('# mode\t'):
                _, m, label = line.split('\t', 2)
                labels[m] = label
            elif line.startswith('# idle\t'):
                pass
            elif line.startswith('#'):
                head.append(line[2:])
            elif cols is None:
                cols = line.split('\t')
            elif line:
                r = dict(zip(cols, line.split('\t')))
                for k in cols:
                    if k not in ('mode', 'proto'):
                        r[k] = float(r[k])
                rows.append(r)
    return head, labels, rows


def derive(r):
    """Per-sample figures."""
    win = r['window_us'] / 1e6 if r['window_us'] > 0 else float('nan')
    # the router's counters have a window of their own (read later)
    rwin = r.get('router_window_us', r['window_us']) / 1e6
    if rwin <= 0:
        rwin = float('nan')
    pkts = r['rx_pkts']
    r['mbps'] = r['iperf_bps'] / 1e6
    r['kpps'] = pkts / win / 1e3
    r['stack_kpps'] = r['stack_pkts'] / rwin / 1e3
    r['npu_kpps'] = r['npu_fwd_pkts'] / rwin / 1e3
    r['ipfwd_kpps'] = r['ip_fwd_pkts'] / rwin / 1e3
    tot = r['total_jiffies']
    r['si_pct'] = 100.0 * r['softirq_jiffies'] / tot if tot else float('nan')
    r['si_us'] = (r['softirq_jiffies'] * JIFFY_US / pkts if pkts
                  else float('nan'))
    rb = r.get('router_cpu_busy_jiffies', float('nan'))
    rt = r.get('router_cpu_total_jiffies', 0.0)
    r['rcpu_pct'] = 100.0 * rb / rt if rt else float('nan')
    r['rcpu_us'] = rb * JIFFY_US / pkts if pkts and rt else float('nan')
    # all vCPUs, threads included (not in older samples.tsv: nan)
    busy = r.get('busy_jiffies', float('nan'))
    r['cpu_pct'] = 100.0 * busy / (win * USER_HZ)
    r['cpu_nsb'] = (busy * JIFFY_US * 1e3 / r['rx_bytes'] if r['rx_bytes']
                    else float('nan'))


def idle_correct(r, idle):
    """The router vCPU's time per packet less what it does with no
    traffic (IDLE: the same round's sample without traffic)."""
    rt = r.get('router_cpu_total_jiffies', 0.0)
    if not idle or not rt or not r['rx_pkts'] or not idle['router_cpu_total_jiffies']:
        return
    share = idle['router_cpu_busy_jiffies'] / idle['router_cpu_total_jiffies']
    extra = r['router_cpu_busy_jiffies'] - share * rt
    r['rcpu_pct'] = 100.0 * extra / rt
    r['rcpu_us'] = extra * JIFFY_US / r['rx_pkts']


def med(v):
    v = [x for x in v if x == x]
    return statistics.median(v) if v else float('nan')


def mmm(v, fmt):
    v = sorted(x for x in v if x == x)
    if not v:
        return 'n/a'
    return '%s (%s–%s)' % (fmt % statistics.median(v), fmt % v[0],
                           fmt % v[-1])


def fmt1(x, f='%.1f'):
    return 'n/a' if x != x else f % x


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('samples')
    ap.add_argument('--md', help='also write the markdown here')
    ap.add_argument('--cp', help="the control-plane part's cp.tsv")
    ap.add_argument('--png', help='plot the control-plane part here')
    a = ap.parse_args()

    head, labels, rows = read(a.samples)
    for r in rows:
        derive(r)
    by = {}
    for r in rows:
        by.setdefault((r['mode'], r['proto']), {})[r['round']] = r
    idle = by.pop(('idle', 'none'), {})
    for r in rows:
        idle_correct(r, idle.get(r['round']))
    idle_pct = med([100.0 * r['router_cpu_busy_jiffies'] / r['router_cpu_total_jiffies']
                    for r in idle.values() if r.get('router_cpu_total_jiffies')])
    modes = [m for m in ORDER if m in labels] + \
        [m for m in labels if m not in ORDER]
    protos = [p for p in ('tcp', 'udp') if any(k[1] == p for k in by)]

    def added(mode, proto, key):
        """Per round: mode's KEY minus its bare base's KEY."""
        base = BASE.get(mode)
        out = {}
        if not base:
            return out
        for rnd, r in by.get((mode, proto), {}).items():
            b = by.get((base, proto), {}).get(rnd)
            if b:
                out[rnd] = r[key] - b[key]
        return out

    out = []
    out += ['## npusim-bench', '']
    out += ['%s' % h for h in head] + ['']
    out += ['| mode | proto | Mbit/s | kpps at server | router stack kpps '
            '| NPU fwd kpps | IP fwd kpps | router vCPU % '
            '| router vCPU µs/pkt | softirq % | softirq µs/pkt '
            '| added softirq µs/pkt | all vCPUs busy % '
            '| all vCPUs ns/byte |',
            '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|']
    for p in protos:
        for m in modes:
            s = list(by.get((m, p), {}).values())
            if not s:
                continue
            ad = added(m, p, 'si_us')
            router = m in BASE
            out.append('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s '
                       '| %s | %s | %s | %s |' % (
                labels.get(m, m), 'TCP' if p == 'tcp' else 'UDP 64 B',
                mmm([r['mbps'] for r in s], '%.1f'),
                mmm([r['kpps'] for r in s], '%.1f'),
                fmt1(med([r['stack_kpps'] for r in s])),
                fmt1(med([r['npu_kpps'] for r in s])),
                fmt1(med([r['ipfwd_kpps'] for r in s])),
                fmt1(med([r['rcpu_pct'] for r in s]), '%.0f') if router else '',
                mmm([r['rcpu_us'] for r in s], '%.1f') if router else '',
                fmt1(med([r['si_pct'] for r in s]), '%.0f'),
                fmt1(med([r['si_us'] for r in s]), '%.1f'),
                mmm(ad.values(), '%.1f') if ad else '',
                fmt1(med([r['cpu_pct'] for r in s]), '%.0f'),
                fmt1(med([r['cpu_nsb'] for r in s]), '%.2f')))
    out += ['']

    def ratio(m1, m2, proto, key):
        v = []
        for rnd, r in by.get((m1, proto), {}).items():
            b = by.get((m2, proto), {}).get(rnd)
            if b and b[key]:
                v.append(r[key] / b[key])
        return v

    def added_ratio(m1, m2, proto):
        a1 = added(m1, proto, 'si_us')
        a2 = added(m2, proto, 'si_us')
        return [a1[k] / a2[k] for k in a1 if k in a2 and a2[k] > 0]

    def rcpu_ratio(m1, m2, proto):
        return [x for x in ratio(m1, m2, proto, 'rcpu_us') if x == x]

    goals = [
        ('(1) TCP: offload router / veth router + sw flowtable, Mbit/s',
         ratio('rt_hw', 'vethrt_sw', 'tcp', 'mbps'), '>= 1.0'),
        ('(1) TCP: offload router, threaded / veth router + sw flowtable, '
         'Mbit/s', ratio('rt_hw_thr', 'vethrt_sw', 'tcp', 'mbps'), '>= 1.0'),
        ('(1) TCP: offload router, engines on the router vCPU / veth router '
         '+ sw flowtable, Mbit/s',
         ratio('rt_hw_cpu', 'vethrt_sw', 'tcp', 'mbps'), '>= 1.0'),
        ('(1) TCP: bare npusim wire / bare veth pair, Mbit/s',
         ratio('wire', 'veth', 'tcp', 'mbps'), '>= 1.0'),
        ('(1) UDP 64 B: bare npusim wire / bare veth pair, pps (info)',
         ratio('wire', 'veth', 'udp', 'kpps'), '>= 1.0'),
        ('(1) TCP: bare npusim wire, threaded / bare veth pair, Mbit/s',
         ratio('wire_thr', 'veth', 'tcp', 'mbps'), '>= 1.0'),
        ('(1) UDP 64 B: bare npusim wire, threaded / bare veth pair, pps '
         '(info)', ratio('wire_thr', 'veth', 'udp', 'kpps'), '>= 1.0'),
        ('(1) TCP: bare npusim wire, engines on another vCPU / bare veth '
         'pair, Mbit/s', ratio('wire_cpu', 'veth', 'tcp', 'mbps'), '>= 1.0'),
        ('(1) UDP 64 B: bare npusim wire, engines on another vCPU / bare '
         'veth pair, pps (info)', ratio('wire_cpu', 'veth', 'udp', 'kpps'),
         '>= 1.0'),
        ('(1) TCP: CPU per byte (all vCPUs), bare npusim wire, threaded / '
         'bare veth pair (info: what the threads cost)',
         ratio('wire_thr', 'veth', 'tcp', 'cpu_nsb'), ''),
        ('(1) TCP: CPU per byte (all vCPUs), offload router, threaded / '
         'veth router + sw flowtable (info)',
         ratio('rt_hw_thr', 'vethrt_sw', 'tcp', 'cpu_nsb'), ''),
        ('(2) UDP 64 B: router vCPU time per packet, offload / sw flowtable',
         rcpu_ratio('rt_hw', 'rt_sw', 'udp'), '<= 0.20'),
        ('(2) UDP 64 B: added softirq (all vCPUs, emulated NPU included) '
         'per packet, offload / sw flowtable',
         added_ratio('rt_hw', 'rt_sw', 'udp'), '<= 0.20'),
        ('(2) TCP: two port pairs / one pair, Mbit/s',
         ratio('wire2', 'wire', 'tcp', 'mbps'), '>= 1.7 (2 vCPUs)'),
        ('(2) UDP 64 B: two port pairs / one pair, pps (info)',
         ratio('wire2', 'wire', 'udp', 'kpps'), '>= 1.7 (2 vCPUs)'),
    ]
    out += ['| ratio (per round; median (min–max)) | measured | goal |',
            '|---|---|---|']
    for name, v, goal in goals:
        out.append('| %s | %s | %s |' % (name, mmm(v, '%.2f') if v else 'n/a',
                                          goal))
    out += ['',
            'Mbit/s: iperf3 receiver (whole run); kpps: frames received by '
            'the server\'s port in the measurement window; router stack: '
            'frames the router\'s CPU took (npusim: rx_cpu_packets, veth: '
            'rx_packets of its ports); NPU fwd: rx_npu_fwd_packets; IP fwd: '
            'IpForwDatagrams; router vCPU: busy time of the vCPU that RPS '
            'gives the router\'s ports (iperf3 runs on vCPU 0; the emulated '
            'NPU on the sender\'s vCPU), less its busy time without traffic '
            '(%s%% median), per packet at the server; softirq: '
            '/proc/stat of all vCPUs (the emulated NPU runs in softirq too); '
            'added: minus the bare link of the same round (npusim router: '
            'npusim wire, veth router: veth pair); all vCPUs: their busy '
            'time (softirq, threads, iperf3, everything), in %% of one '
            'vCPU and per byte received by the server\'s port.  veth TCP '
            'packets are GSO '
            'super-packets.  Threaded modes run the emulated NPU and the '
            'NAPI polls in threads, not in softirq (their router vCPU '
            'includes the NPU where the scheduler put its threads there).  '
            'The "engines on vCPU N" modes run the emulated NPU in the '
            'softirq of the last vCPU (devlink param engine_cpu), the '
            'router\'s: their router vCPU includes it.'
            % fmt1(idle_pct, '%.1f'),
            '']
    if a.cp and os.path.exists(a.cp):
        out += control_plane(a.cp, a.png,
                             os.path.join(os.path.dirname(a.cp),
                                          'perf-idle.txt'))
    text = '\n'.join(out)
    print(text)
    if a.md:
        with open(a.md, 'w') as f:
            f.write(text)
    return 0


def num(x):
    try:
        return float(x) if x else float('nan')
    except ValueError:
        return x


def read_cp(path):
    rows = []
    with open(path) as f:
        cols = f.readline().rstrip('\n').split('\t')
        for line in f:
            v = line.rstrip('\n').split('\t')
            rows.append({k: num(x) for k, x in zip(cols, v)})
    for r in rows:
        n = r['flows']
        done = r['us_to_installed']
        if done != done:
            done = r['us_to_99pct']
        r['replace_s'] = r['replace_calls'] / (done / 1e6) if done > 0 else float('nan')
        r['s_all'] = r['us_to_all'] / 1e6
        r['s_99'] = r['us_to_99pct'] / 1e6
        base = (r['base_busy_jiffies'] / r['base_total_jiffies']
                if r['base_total_jiffies'] else 0.0)
        idle = (r['idle_busy_jiffies'] / r['idle_total_jiffies']
                if r['idle_total_jiffies'] else float('nan'))
        r['idle_pct'] = 100.0 * (idle - base)
        r['stats_s'] = r['idle_stats_calls'] / r['idle_s']
        extra = r['idle_busy_jiffies'] - base * r['idle_total_jiffies']
        # under half a second of CPU, jiffies are too coarse for a cost
        r['us_per_stats'] = (extra * JIFFY_US / r['idle_stats_calls']
                             if r['idle_stats_calls'] and extra >= MIN_JIFFIES
                             else float('nan'))
        # nf_flowtable asks for two STATS a second for every flow it
        # handed to the hardware (one per direction, installed or not);
        # the VM may serve fewer
        r['stats_asked'] = 2 * n
        # answered for quiet flows, without reading the entry (not in
        # older cp.tsv)
        q = r.get('idle_stats_quiet', float('nan'))
        r['quiet_pct'] = (100.0 * q / r['idle_stats_calls']
                          if r['idle_stats_calls'] else float('nan'))
        # [HW_OFFLOAD] counted in conntrack, or (larger sizes) the least
        # the driver's counters guarantee
        r['hw_str'] = ('%d' % r['hw_offloaded']
                       if r.get('hw_offloaded_from', 'conntrack') == 'conntrack'
                       else '>= %d' % r['hw_offloaded'])
        r['saturated'] = r['stats_s'] < 0.9 * r['stats_asked']
        # what serving them all would cost, in % of one vCPU
        r['full_pct'] = r['us_per_stats'] * r['stats_asked'] / 1e4
        gc = (r['gc_busy_jiffies'] / r['gc_total_jiffies']
              if r.get('gc_total_jiffies') else float('nan'))
        r['gc_pct'] = 100.0 * (gc - base)   # not in older cp.tsv: nan
        r['bytes_flow'] = r['kmem_kb'] * 1024 / n
        r['s_remove'] = r['us_to_remove'] / 1e6
        # below 16K flows the removal takes about a second whatever the
        # flows, fixed costs (conntrack -F starting, the occupancy polled)
        r['us_remove'] = (r['us_to_remove'] / n if n >= 16384
                          else float('nan'))
        # not in older cp.tsv
        r['slot_bytes'] = r.get('ft_bytes', float('nan')) / r['table_size']
    return rows


def idle_split(rows, hi, shares):
    """Goal 3's idle cost split with perf: what the driver's callback
    took of the busy time with the flows idle (the profile of the
    largest size), and so of the projected cost of all STATS served at
    262144 flows (or the largest size, without it)."""
    if 'driver' not in shares:
        return []
    at = next((r for r in rows if r['flows'] == 262144), hi)
    drv = shares['driver']
    full = at['full_pct']
    # the driver's part of a STATS call, and of 256K flows' calls
    us = at['us_per_stats'] * drv / 100.0
    return [
        '| (3) %d idle flows, perf: the driver\'s callback and all it '
        'called / everything else (nf_flowtable: its GC, the STATS work '
        'items, the workqueue), %% of the busy time | %s / %s | where '
        'nf_flowtable dominates, shown |'
        % (hi['flows'], fmt1(drv), fmt1(100.0 - drv)),
        '| (3) %d idle flows, all STATS served (projected), %% of one '
        'vCPU: the driver / everything else | %s / %s | < 25 in all |'
        % (at['flows'], fmt1(full * drv / 100.0, '%.0f'),
           fmt1(full * (100.0 - drv) / 100.0, '%.0f')),
        '| (3) %d idle flows: the driver\'s CPU µs per STATS (its share '
        'of the busy time above, of the CPU µs per STATS); so at 256K idle '
        'flows (524288 STATS/s), %% of one vCPU | %s; %s | < 25 (at most '
        '0.48 µs) |'
        % (at['flows'], fmt1(us, '%.2f'), fmt1(us * 524288 / 1e4, '%.0f'))]


def plot(rows, png):
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        return 'no plot: python3-matplotlib is not installed (scripts/deps)'
    x = [r['flows'] for r in rows]
    fig, ax = plt.subplots(2, 2, figsize=(10, 7))
    series = [
        (ax[0][0], 's_all', 'seconds until all [HW_OFFLOAD]'),
        (ax[0][1], 'replace_s', 'REPLACE per second'),
        (ax[1][0], 'idle_pct', 'idle flows: added CPU (% of all vCPUs)'),
        (ax[1][1], 'bytes_flow', 'kernel memory per flow (bytes)'),
    ]
    for axis, key, title in series:
        axis.plot(x, [r[key] for r in rows], marker='o')
        axis.set_xscale('log', base=2)
        axis.set_xlabel('offloaded flows')
        axis.set_title(title)
        axis.grid(True, alpha=0.3)
    fig.suptitle('npusim: control-plane cost against flows (QEMU/TCG)')
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    return 'plot: %s' % png


def read_perf_idle(path):
    """From npusim-bench's idle profile: the shares of the busy time,
    in %, of the driver's callback with all it called ('driver'), and
    of nf_flowtable's own functions ('nf_flow_table'); {} without it."""
    names = {'npusim_ft_block_cb': 'driver', 'nf_flow_table': 'nf_flow_table'}
    shares = {}
    if not os.path.exists(path):
        return shares
    with open(path) as f:
        for line in f:
            m = re.match(r'# share of the busy time, (\S+) \(.*\): ([0-9.]+) %$',
                         line.rstrip())
            if m and m.group(1) in names:
                shares[names[m.group(1)]] = float(m.group(2))
    return shares


def control_plane(path, png, perf_idle):
    rows = read_cp(path)
    if not rows:
        return []
    out = ['### control plane: N UDP flows offloaded at once', '',
           '| flows | table size | [HW_OFFLOAD] | chip entries (refused, lost) '
           '| REPLACE calls | REPLACE/s '
           '| s to 99% / all entries installed | s to all [HW_OFFLOAD] '
           '| idle added CPU %: no STATS / STATS '
           '| STATS/s served (asked) | % of them quiet | CPU µs per STATS '
           '| kernel bytes per flow | chip bytes per slot '
           '| s to remove all | µs per flow removed |',
           '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|']
    for r in rows:
        inst = r.get('installs', float('nan'))   # not in older cp.tsv
        chip = ('%d (%s, %d)' % (inst, fmt1(r.get('refused', float('nan')), '%d'),
                                 r['lost']) if inst == inst else 'n/a')
        out.append('| %d | %d | %s | %s | %d | %s | %s / %s | %s | %s / %s '
                   '| %s (%d)%s | %s | %s | %s | %s | %s | %s |' % (
            r['flows'], r['table_size'], r['hw_str'], chip,
            r['replace_calls'],
            fmt1(r['replace_s'], '%.0f'), fmt1(r['s_99'], '%.1f'),
            fmt1(r['us_to_installed'] / 1e6, '%.1f'),
            fmt1(r['s_all'], '%.1f'),
            fmt1(r['gc_pct'], '%.1f'), fmt1(r['idle_pct'], '%.1f'),
            fmt1(r['stats_s'], '%.0f'), r['stats_asked'],
            ' saturated' if r['saturated'] else '',
            fmt1(r['quiet_pct'], '%.0f'),
            fmt1(r['us_per_stats'], '%.1f'),
            fmt1(r['bytes_flow'], '%.0f'), fmt1(r['slot_bytes'], '%.1f'),
            fmt1(r['s_remove'], '%.1f'), fmt1(r['us_remove'], '%.0f')))
    out += ['',
            'Three one-way UDP datagrams per flow (flows.py raw), then the '
            'flows idle.  Chip entries: the entries the chip took (two a flow), '
            'those it refused (a full bucket) and those lost (a model that '
            'takes a write to a full bucket and stores nothing); conntrack '
            'shows a flow [HW_OFFLOAD] once one of its directions is offloaded; '
            'beyond 16K flows its table takes too long to read, and the '
            'count is the least the chip entries guarantee (">=": flows less '
            'half the entries refused or lost).  '
            'Times from the first datagram sent; REPLACE/s: over the time '
            'until the chip held every entry, or 99% of them when '
            'some were refused or lost.  Idle added '
            'CPU: busy share of all vCPUs '
            'with the flows idle minus with no flows, first before '
            'nf_flowtable asks for any STATS (its garbage collector alone), '
            'then with STATS asked for every flow every second (two calls a '
            'flow); "saturated": fewer than nine tenths of them were '
            'served.  That is nf_flowtable\'s pace as much as the CPU: its '
            'next round starts a second after the last one ended, and skips '
            'the flows whose STATS are still queued.  Quiet: STATS the '
            'driver answered without reading the entry, which had not '
            'changed since its last read '
            '(flow_table/stats_quiet).  '
            'CPU µs per STATS: that extra busy time over the STATS '
            'calls served (n/a under half a second of it: jiffies are too '
            'coarse).  CPU figures, and the projections made of them, move '
            'between VM boots with the host\'s load (the same driver '
            'measured 0.34 to 0.58 µs of its own time per STATS in five '
            'boots): compare two builds within one boot.  '
            'Kernel bytes per flow: '
            'Slab + Percpu grown, conntrack + nf_flowtable + the driver.  '
            'Chip bytes per slot: the flow table\'s memory (slots, next hops, '
            'IPv6 addresses) with the flows in it, over its size.  Removal: '
            'conntrack -F until the table is empty (DESTROY of both entries '
            'and the conntrack entry; µs per flow from 16K flows: below, the '
            'second or so of fixed costs dominates).', '']
    # a size whose flows were gone before they were measured (they timed
    # out: see --cp-timeout) gives no per-call cost
    valid = [r for r in rows if r['hw_offloaded'] > 0] or rows
    hi = max(valid, key=lambda r: r['flows'])

    def per_call(key, inverse=False):
        # the smallest size that measured it (idle STATS need enough flows)
        v = [r for r in valid if r[key] == r[key] and r[key] > 0]
        if len(v) < 2:
            return 'n/a'
        a = min(v, key=lambda r: r['flows'])
        b = max(v, key=lambda r: r['flows'])
        x = a[key] / b[key] if inverse else b[key] / a[key]
        return '%.2f (%d / %d flows)' % (x, b['flows'], a['flows'])

    cpus = max(1.0, hi['idle_total_jiffies'] / (hi['idle_s'] * USER_HZ)
               if hi['idle_s'] else 1.0)
    out += ['| control plane | measured | goal |', '|---|---|---|',
            '| (3) chip bytes per slot, table of %d | %s | <= 64 |'
            % (hi['table_size'], fmt1(hi['slot_bytes'], '%.1f')),
            '| (3) %d flows: s until all entries installed (99%%), '
            'kernel + chip bytes per flow (two entries) | %s (%s), %s + %s '
            '| reported |'
            % (hi['flows'], fmt1(hi['us_to_installed'] / 1e6, '%.0f'),
               fmt1(hi['s_99'], '%.0f'), fmt1(hi['bytes_flow'], '%.0f'),
               fmt1(2 * hi['slot_bytes'], '%.0f')),
            '| (3) %d idle offloaded flows: added CPU, %% of one vCPU, '
            'no STATS / with STATS%s / all STATS served (projected) '
            '| %s / %s / %s | < 25 (256K flows) |'
            % (hi['flows'], ' (saturated)' if hi['saturated'] else '',
               fmt1(hi['gc_pct'] * cpus, '%.1f'),
               fmt1(hi['idle_pct'] * cpus, '%.1f'),
               fmt1(hi['full_pct'], '%.0f')),
            ] + idle_split(rows, hi, read_perf_idle(perf_idle)) + [
            '| (4) time per REPLACE, ratio | %s | flat (1.0) |'
            % per_call('replace_s', inverse=True),
            '| (4) CPU per STATS, ratio | %s | flat (1.0) |'
            % per_call('us_per_stats'),
            '| (4) time per flow removed, ratio | %s | flat (1.0) |'
            % per_call('us_remove'), '']
    if png:
        out += [plot(rows, png), '']
    return out


if __name__ == '__main__':
    sys.exit(main())
