"""Dataplane tests run for real where the machine can (root, ip netns, nft) and skip otherwise."""

from __future__ import annotations

import functools

import pytest

from netsim.dataplane.system import missing_capabilities


@functools.cache
def _missing() -> tuple[str, ...]:
    return tuple(missing_capabilities())


@pytest.fixture(autouse=True)
def _needs_dataplane(request: pytest.FixtureRequest) -> None:
    """Skip ``@pytest.mark.dataplane`` tests, saying what is missing, where they cannot run."""
    if request.node.get_closest_marker("dataplane") and _missing():
        pytest.skip("dataplane test needs " + "; ".join(_missing()))
