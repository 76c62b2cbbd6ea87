"""Pause Python's cyclic garbage collector while a bulk load builds long-lived tables.

Compiling a large cluster (150,000 pods, 10,000 policies) creates ~100,000
container objects the cyclic collector tracks (sets, specs, compiled rules),
none of them garbage: reference counting frees what the load throws away, and
the load makes no reference cycles. Left running, the collector traces them
again and again, and their number alone can trigger a full (generation 2)
collection over every tracked object of the process in the middle of the
load: a third of the compile's time at that size.

:func:`collector_paused` disables the collector for the duration and restores
the state it found (a caller who disabled it keeps it disabled). It does not
``gc.freeze()``: freezing moves *every* tracked object of the process, the
caller's included, out of reach of all later collections, so a caller's
garbage cycles alive at that moment would never be freed; that trade is the
application's to make (as for a pre-fork server), not a library's. The
collector state is process-wide: another thread allocating during the pause
is not collected either, which only delays its collections.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic GC inside the block (or decorated function); restore it after.

    Exceptions pass through; the collector is re-enabled only if it was
    enabled on entry.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
