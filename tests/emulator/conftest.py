"""Fixtures of the emulator tests (helpers live in ``emu_helpers``)."""
from __future__ import annotations

import emu_helpers  # noqa: F401  (puts the repository root on sys.path first)
import pytest


@pytest.fixture(params=[True, False], ids=["fast", "python"])
def fast_path(request: pytest.FixtureRequest) -> bool:
    """Run a test on the compiled fast path (when built) and on the pure-Python path."""
    return bool(request.param)
