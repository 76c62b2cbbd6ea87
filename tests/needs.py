"""What a test needs that CI provides (a tool, a compiled helper): skip without it here,
fail under CI=true, where ``.ci/run`` installs or builds it."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def unavailable(message: str) -> NoReturn:
    """Skip the calling test with ``message``; under CI=true fail with it instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
