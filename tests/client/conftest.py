"""Fixtures for the client tests: the two implementations (compiled and pure Python),
credentials, and an emulator factory."""
from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest

from kucoin_fast import _reference


def _compiled() -> Any:
    try:
        return SimpleNamespace(
            name="compiled",
            sign=importlib.import_module("kucoin_fast._sign"),
            encode=importlib.import_module("kucoin_fast._encode"),
            dispatch=importlib.import_module("kucoin_fast._dispatch"),
        )
    except ImportError:
        return None


COMPILED = _compiled()
PYTHON = SimpleNamespace(name="python", sign=_reference, encode=_reference, dispatch=_reference)
IMPLS = [PYTHON] + ([COMPILED] if COMPILED is not None else [])
IMPL_IDS = [impl.name for impl in IMPLS]


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
