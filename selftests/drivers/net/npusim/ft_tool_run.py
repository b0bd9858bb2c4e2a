#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# How lib.sh starts ft_tool.py ($FT_TOOL): "python3 -I -S ft_tool_run.py
# ARGS" is "python3 ft_tool.py ARGS", a quarter faster to start, which
# counts in a TCG VM that starts it hundreds of times per run.  Python
# runs isolated from the environment and the user's site-packages (-I)
# and without the site module (-S): ft_tool.py needs only the standard
# library.  ft_tool.py is imported as a module, so that its bytecode is
# cached (under /tmp, the checkout may be read-only), not compiled at
# every start.

import sys

# The standard library ft_tool.py uses, imported first: its bytecode
# comes from where Debian installs it, not from the cache below.
import argparse  # noqa: F401
import errno  # noqa: F401
import ipaddress  # noqa: F401
import os
import select  # noqa: F401
import signal  # noqa: F401
import socket  # noqa: F401
import struct  # noqa: F401
import time  # noqa: F401

sys.pycache_prefix = '/tmp/npusim-pycache'
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ft_tool  # noqa: E402

sys.exit(ft_tool.main())
