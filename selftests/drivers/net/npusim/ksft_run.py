#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run one of the kernel's drivers/net Python selftests, unchanged.

usage: ksft_run.py TEST [ARG...]

6.12's NetDrvEpEnv does not know the name of the remote end's interface
(later kernels look it up), while hw/csum.py of the same release needs
it as cfg.remote_ifname.  This gives every NetDrvEpEnv the name from the
REMOTE_IFNAME environment variable, then runs TEST as its own main
program.
"""

import os
import runpy
import sys


def main():
    """Patch NetDrvEpEnv and run the test."""
    test = os.path.abspath(sys.argv[1])
    sys.path.insert(0, os.path.dirname(test))
    # the test's name for the results, from lib.py's import on
    sys.argv = sys.argv[1:]
    from lib.py import NetDrvEpEnv  # pylint: disable=import-outside-toplevel

    init = NetDrvEpEnv.__init__

    def init_with_remote_ifname(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if not hasattr(self, "remote_ifname"):
            self.remote_ifname = os.environ["REMOTE_IFNAME"]

    NetDrvEpEnv.__init__ = init_with_remote_ifname
    runpy.run_path(test, run_name="__main__")


if __name__ == "__main__":
    main()
