"""Benchmark clients: one module per client, each exporting ``CLIENT`` (a :class:`BenchClient` subclass).

Adding a client is adding one file here and its name to :data:`CLIENT_MODULES`.
"""
from __future__ import annotations

import importlib

from ._base import BenchClient, ClientUnavailable

#: Module names in table order; the first is the floor every ratio is taken against.
CLIENT_MODULES: tuple[str, ...] = (
    "picows_floor",
    "kucoin_fast_await",
    "kucoin_fast_lowlevel",
    "picows_orjson",
    "aiohttp_orjson",
    "websockets_json",
)
FLOOR = CLIENT_MODULES[0]
#: The hand-rolled client users would write instead (picows + orjson + asyncio.Future):
#: the second reference of every ratio ("vs hand-rolled").
HAND_ROLLED = "picows_orjson"


def load(name: str) -> type[BenchClient]:
    """The client class of module ``benchmarks.clients.<name>``.

    Raises :class:`ClientUnavailable` (with a one-line reason for the table) when the
    client's dependencies, e.g. a kucoin_fast API that has not landed, are missing.
    """
    if name not in CLIENT_MODULES:
        raise KeyError(f"unknown client {name!r}; known: {', '.join(CLIENT_MODULES)}")
    try:
        module = importlib.import_module(f"{__name__}.{name}")
    except ImportError as exc:
        raise ClientUnavailable(f"import failed: {exc}") from exc
    cls: type[BenchClient] = module.CLIENT
    cls.check_available()
    return cls


__all__ = ["CLIENT_MODULES", "FLOOR", "HAND_ROLLED", "BenchClient", "ClientUnavailable", "load"]
