"""The collector's settings during bulk work are raised or paused, and put back."""

from __future__ import annotations

import gc

from monitor.collections_policy import (
    YOUNG_THRESHOLD,
    collections_paused,
    fewer_collections,
)


def test_fewer_collections_raises_the_young_threshold_and_restores_it() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold() == (max(YOUNG_THRESHOLD, before[0]), *before[1:])
    assert gc.get_threshold() == before


def test_collections_paused_disables_and_restores_the_collector() -> None:
    assert gc.isenabled()
    with collections_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collections_paused():
            pass
        assert not gc.isenabled()  # a collector that was off stays off
    finally:
        gc.enable()
