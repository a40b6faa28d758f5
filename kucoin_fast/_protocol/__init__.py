"""What both halves read: the op table, codes and texts, field rules, specs, and the typed
shapes of requests, replies and errors."""
from __future__ import annotations

from typing import Any


def rehome(public: str, namespace: dict[str, Any], names: list[str]) -> None:
    """Name ``public`` as the module of the classes and functions ``names`` re-exports
    (reprs, pickling and the API reference then show the public path)."""
    for name in names:
        obj = namespace[name]
        if isinstance(obj, type) or callable(obj):
            try:
                obj.__module__ = public
            except (AttributeError, TypeError):
                pass
