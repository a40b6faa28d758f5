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
    """One implementation: ``.sign``, ``.encode``, ``.dispatch`` modules."""
    return request.param


@pytest.fixture(params=IMPLS, ids=IMPL_IDS)
def client_impl(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run the facade on one implementation (patches the names client.py uses)."""
    from kucoin_fast import client as client_module

    chosen = request.param
    monkeypatch.setattr(client_module, "Connection", chosen.dispatch.Connection)
    monkeypatch.setattr(client_module, "OrderTemplate", chosen.encode.OrderTemplate)
    monkeypatch.setattr(client_module, "build_signed_query", chosen.sign.build_signed_query)
    return chosen
