"""How the `wcsf-recon` program asks the kernel for memory: without transparent huge pages.

Arrow's allocator (mimalloc) and NumPy mark their memory for 2 MB transparent huge pages. A reconcile
allocates and frees tens of gigabytes of short-lived columns; every fresh huge page is zeroed whole by the
kernel on first touch, however little of it is used. On the 1,000,000-person benchmark the kernel's
page zeroing was 12-16% of all CPU samples (`perf record`). With huge pages off for the process the same
run spent 6 s less in the kernel (system time 8.7-9.8 s against 14.8-18.0 s), finished 3.6-5.0 s sooner
(43.8, 44.6, 48.4 s against 48.6, 48.6, 52.0 s, alternating) and peaked 0.1-0.3 GB lower, with the same
outputs. Only the program does this: a library call must not change a notebook kernel's memory policy.
"""

from __future__ import annotations

import ctypes
import sys

PR_SET_THP_DISABLE = 41  # <linux/prctl.h>; applies to this process and the processes it starts
PR_GET_THP_DISABLE = 42


def without_transparent_huge_pages() -> bool:
    """Turn transparent huge pages off for this process (Linux); True if they are now off.

    Elsewhere, or where the kernel refuses, nothing changes and False is returned: this is speed only."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0:
            return False
        return bool(libc.prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1)
    except (OSError, AttributeError):
        return False
