"""collector_paused: the cyclic GC is off inside, and left as it was found after."""

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
