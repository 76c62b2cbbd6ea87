"""collector_paused: the cyclic GC is off inside, left as it was found after, and what the
block made is moved to the oldest generation (unless the application froze objects)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from netsim.model.cluster import Cluster
from netsim.policy.engine import PolicyEngine
from netsim.policy.gcpause import collector_paused


@pytest.fixture
def restore_gc() -> Iterator[None]:
    was = gc.isenabled()
    yield
    gc.unfreeze()
    if was:
        gc.enable()
    else:
        gc.disable()


def test_disabled_inside_and_enabled_after(restore_gc: None) -> None:
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_caller_who_disabled_it_keeps_it_disabled(restore_gc: None) -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_restored_when_the_block_raises(restore_gc: None) -> None:
    gc.enable()
    with pytest.raises(KeyError), collector_paused():
        raise KeyError("x")
    assert gc.isenabled()


def test_as_a_decorator_it_pauses_each_call(restore_gc: None) -> None:
    seen: list[bool] = []

    @collector_paused()
    def body() -> None:
        seen.append(gc.isenabled())

    gc.enable()
    body()
    body()
    assert seen == [False, False]
    assert gc.isenabled()


@pytest.mark.parametrize("enabled", [True, False])
def test_engine_constructor_leaves_the_collector_as_found(restore_gc: None, enabled: bool) -> None:
    if enabled:
        gc.enable()
    else:
        gc.disable()
    engine = PolicyEngine(Cluster())
    engine.close()
    assert gc.isenabled() is enabled


def in_generation(obj: object, generation: int) -> bool:
    return any(o is obj for o in gc.get_objects(generation))


def test_what_the_block_made_goes_to_the_oldest_generation(restore_gc: None) -> None:
    gc.enable()
    with collector_paused():
        made = [["long-lived"]]
    assert in_generation(made, 2)
    assert gc.get_freeze_count() == 0  # nothing left frozen


def test_nothing_promoted_when_the_block_raises(restore_gc: None) -> None:
    made: list[list[str]] = []
    with pytest.raises(KeyError), collector_paused():
        made.append(["half-built"])
        raise KeyError("x")
    assert not in_generation(made[0], 2)


def test_the_applications_frozen_objects_stay_frozen(restore_gc: None) -> None:
    kept = [["frozen by the application"]]
    gc.freeze()
    frozen = gc.get_freeze_count()
    with collector_paused():
        made = [["young"]]
    assert gc.get_freeze_count() == frozen
    assert not in_generation(made, 2)
    assert not in_generation(kept, 2)
