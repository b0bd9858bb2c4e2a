#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run one of the kernel's drivers/net Python selftests, unchanged.

usage: ksft_run.py TEST [ARG...]

6.12's NetDrvEpEnv does not know the name of the remote end's interface
(later kernels look it up), while hw/csum.py of the same release needs
it as cfg.remote_ifname.  This gives every NetDrvEpEnv the name from the
REMOTE_IFNAME environment variable, then runs TEST as its own main
program.

hw/csum.py's receiver (the csum tool, in the background) counts what
arrives for a fixed window, 2 s by default, which starts before the
sender is even launched: on a busy machine launching it takes longer,
and the case fails with nothing received.  Every csum command run in the
background gets a window of CSUM_RX_SECS (default 10) seconds instead;
the tool's -L sets it, and the last -L on its command line wins.
"""

import os
import re
import runpy
import sys


def main():
    """Patch NetDrvEpEnv and run the test."""
    test = os.path.abspath(sys.argv[1])
    sys.path.insert(0, os.path.dirname(test))
    # the test's name for the results, from lib.py's import on
    sys.argv = sys.argv[1:]
    # pylint: disable=import-outside-toplevel
    import lib.py
    from lib.py import NetDrvEpEnv

    init = NetDrvEpEnv.__init__
    bkg = lib.py.bkg
    window = int(os.environ.get("CSUM_RX_SECS", "10"))

    class BkgCsumWindow(bkg):  # pylint: disable=too-few-public-methods
        """bkg, with a longer receive window for the csum tool."""

        def __init__(self, comm, *args, **kwargs):
            if re.match(r"\S*/csum ", comm):
                comm += f" -L {window}"
            super().__init__(comm, *args, **kwargs)

    def init_with_remote_ifname(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if not hasattr(self, "remote_ifname"):
            self.remote_ifname = os.environ["REMOTE_IFNAME"]

    NetDrvEpEnv.__init__ = init_with_remote_ifname
    lib.py.bkg = BkgCsumWindow
    runpy.run_path(test, run_name="__main__")


if __name__ == "__main__":
    main()
