"""Pause Python's cyclic garbage collector while a bulk load builds long-lived tables.

Compiling a large cluster (150,000 pods, 10,000 policies) creates ~116,000
container objects the cyclic collector tracks (sets, specs, compiled rules),
none of them garbage: reference counting frees what the load throws away, and
the load makes no garbage cycles. Left running, the collector traces them
again and again, and their number alone can trigger a full (generation 2)
collection over every tracked object of the process in the middle of the
load: a third of the compile's time at that size.

:func:`collector_paused` disables the collector for the duration and restores
the state it found (a caller who disabled it keeps it disabled). When the
block ends normally it also moves the objects it made straight into the
oldest generation (``gc.freeze()`` then ``gc.unfreeze()``: two list splices,
no traversal), so the young collections that follow do not trace them once
more each on their way there; full collections still examine them, as they
do every long-lived object. Left frozen (``gc.freeze()`` alone) they would
never be examined again, but neither would any garbage cycle of the caller's
alive at that moment: that trade is the application's to make (as for a
pre-fork server), not a library's. So nothing stays frozen, and when the
application has frozen objects itself (``gc.get_freeze_count()``) the
promotion is skipped, since unfreezing would release theirs too.

The collector state is process-wide: another thread allocating during the
pause is not collected either, and the promotion moves its young objects too
(a garbage cycle among them waits for the next full collection).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic GC inside the block (or decorated function); restore it after.

    On a normal exit the block's new objects go to the oldest generation
    (unless the application has frozen objects). Exceptions pass through with
    nothing promoted; the collector is re-enabled only if it was enabled on entry.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
    finally:
        if was_enabled:
            gc.enable()
