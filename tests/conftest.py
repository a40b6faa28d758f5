"""Shared test fixtures: the event-loop kind (asyncio, uvloop) and the implementation of
the hot paths (compiled, pure Python), for every test directory.

pytest-asyncio is not used: ``arun(coro)`` runs a coroutine to completion on a fresh
loop of the parametrised kind, with an overall timeout, and closes the loop.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Run from a checkout without installing the package; an installed kucoin_fast (a
# wheel under test, an editable install) wins, so wheel tests never import the sources.
if importlib.util.find_spec("kucoin_fast") is None and ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from kf_shared import IMPL_IDS, IMPLS, LOOP_KINDS, run_on

T = TypeVar("T")


@pytest.fixture(params=LOOP_KINDS)
def loop_kind(request: pytest.FixtureRequest) -> str:
    """The event-loop implementation under test: "asyncio" or "uvloop"."""
    return str(request.param)


@pytest.fixture
def arun(loop_kind: str) -> Callable[..., Any]:
    """``arun(coro, timeout=30)``: run a coroutine on the parametrised loop kind."""
    def runner(coro: Awaitable[T], timeout: float = 30.0) -> T:
        return run_on(loop_kind, coro, timeout)
    return runner


@pytest.fixture(params=IMPLS, ids=IMPL_IDS)
def impl(request: pytest.FixtureRequest) -> Any:
    """One implementation: ``.Connection``, ``.WSAPIResponse``, ``.encode``, ``.sign``..."""
    return request.param


@pytest.fixture(params=IMPLS, ids=IMPL_IDS)
def client_impl(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run the client on one implementation (the one clients created in the test use)."""
    from kucoin_fast._core import build as _impl

    chosen = request.param
    monkeypatch.setattr(_impl, "SELECTED", chosen)
    return chosen
