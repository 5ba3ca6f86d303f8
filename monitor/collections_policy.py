"""When the cyclic garbage collector runs during bulk work.

The crawl, its parser processes and the evaluation's loading allocate hundreds of
thousands of short-lived, acyclic objects that reference counting frees. At Python's
default threshold (a young collection every 700 allocations) a tenth to a fifth of
their CPU went to collections that found nothing.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

YOUNG_THRESHOLD = 50_000  # allocations between young collections during bulk work


def collect_less_often(young: int = YOUNG_THRESHOLD) -> tuple[int, int, int]:
    """Raise the young generation's threshold to ``young`` (never lower it); returns
    the thresholds before."""
    before = gc.get_threshold()
    gc.set_threshold(max(young, before[0]), *before[1:])
    return before


@contextlib.contextmanager
def fewer_collections(young: int = YOUNG_THRESHOLD) -> Iterator[None]:
    """:func:`collect_less_often` for the block, the thresholds restored after it."""
    before = collect_less_often(young)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextlib.contextmanager
def collections_paused() -> Iterator[None]:
    """No cyclic collection at all for the block (rows becoming views: nothing in
    it makes a cycle), the collector's state restored after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
