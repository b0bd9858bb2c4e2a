#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# How lib.sh starts ft_tool.py ($FT_TOOL): "python3 -I -S ft_tool_run.py
# [--netns NS] [--max-time S] ARGS" is "ip netns exec NS timeout S
# python3 ft_tool.py ARGS", started in a fraction of the time, which
# counts in a TCG VM that starts it hundreds of times per run:
#  - Python runs isolated from the environment and the user's
#    site-packages (-I) and without the site module (-S): ft_tool.py
#    needs only the standard library.
#  - ft_tool.py is imported as a module, so that its bytecode is cached
#    (under /tmp, the checkout may be read-only), not compiled at every
#    start.
#  - --netns NS enters the network namespace NS itself (setns), where "ip
#    netns exec" costs a process of its own and a new mount namespace
#    with sysfs mounted again; --max-time S ends the process with
#    SIGALRM after S seconds (0: never), where timeout(1) costs another.
#    A flow's pid is thus ft_tool's own: a signal goes to it directly.

import sys

# The standard library ft_tool.py uses, imported first: its bytecode
# comes from where Debian installs it, not from the cache below.
import argparse  # noqa: F401
import errno  # noqa: F401
import ipaddress  # noqa: F401
import os
import select  # noqa: F401
import signal
import socket  # noqa: F401
import struct  # noqa: F401
import time  # noqa: F401

sys.pycache_prefix = '/tmp/npusim-pycache'
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ft_tool  # noqa: E402


def launch(args):
    while args and args[0] in ('--netns', '--max-time'):
        if len(args) < 2:
            sys.exit('ft_tool_run.py: %s needs a value' % args[0])
        opt, val = args[:2]
        del args[:2]
        if opt == '--netns':
            ft_tool.setns(val)
        elif not val.isdigit():
            sys.exit('ft_tool_run.py: --max-time %r: not seconds' % val)
        else:
            signal.alarm(int(val))
    return ft_tool.main(args)


sys.exit(launch(sys.argv[1:]))
