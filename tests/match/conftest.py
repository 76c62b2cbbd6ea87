"""``new_trie``: CidrTrie tests run once on the pure-Python IPv4 lookup and once on the C
helper (``netsim.match._lpm``). Where the helper is not built, the C run skips with a
message; under CI=true it fails instead, as CI builds it (``pip install -e .`` compiles it)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from needs import unavailable

from netsim.match.cidrtrie import COMPILED, CidrTrie

NOT_BUILT = (
    "the C helper netsim.match._lpm is not built "
    "(pip install -e . compiles it where a C compiler and Python headers exist)"
)


def require_compiled() -> None:
    """Skip (fail under CI=true) when the C helper is not built."""
    if not COMPILED:
        unavailable(NOT_BUILT)


@pytest.fixture(scope="module", params=["python", "c"])
def new_trie(request: pytest.FixtureRequest) -> Callable[[], CidrTrie[Any]]:
    """A factory of empty CidrTries whose ``lookup4`` runs on the path named by the param."""
    if request.param == "c":
        require_compiled()
    return partial(CidrTrie, compiled=request.param == "c")
