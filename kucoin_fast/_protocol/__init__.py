"""What both halves read: the op table, codes and texts, field rules, specs, and the typed
shapes of requests, replies and errors."""
from __future__ import annotations

from types import FunctionType
from typing import Any


def rehome(public: str, namespace: dict[str, Any], names: list[str]) -> None:
    """Name ``public`` as the module of the classes and functions ``names`` re-exports
    (reprs, pickling and the API reference then show the public path)."""
    for name in names:
        obj = namespace[name]
        # Classes and functions the package defines (not an alias such as ``WsKey = str``).
        if isinstance(obj, (type, FunctionType)) and obj.__module__.startswith("kucoin_fast."):
            obj.__module__ = public
