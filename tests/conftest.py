"""Shared test fixtures: an event-loop runner parametrised over asyncio and uvloop.

pytest-asyncio is not used: ``arun(coro)`` runs a coroutine to completion on a fresh
loop of the parametrised kind, with an overall timeout, and closes the loop.
"""
from __future__ import annotations

import asyncio
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

T = TypeVar("T")

try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop is a test dependency on POSIX
    uvloop = None

LOOP_KINDS = ["asyncio"] + (["uvloop"] if uvloop is not None else [])
# The CI matrix runs each loop in its own job: KUCOIN_FAST_TEST_LOOP=asyncio|uvloop.
if os.environ.get("KUCOIN_FAST_TEST_LOOP") in LOOP_KINDS:
    LOOP_KINDS = [os.environ["KUCOIN_FAST_TEST_LOOP"]]


def _new_loop(kind: str) -> asyncio.AbstractEventLoop:
    if kind == "uvloop":
        assert uvloop is not None
        return uvloop.new_event_loop()  # type: ignore[no-any-return]
    return asyncio.new_event_loop()


def run_on(kind: str, coro: Awaitable[T], timeout: float = 30.0) -> T:
    """Run ``coro`` on a new loop of ``kind`` ("asyncio"/"uvloop") and close the loop."""
    loop = _new_loop(kind)
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(asyncio.wait_for(coro, timeout))
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


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
