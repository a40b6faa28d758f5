"""The one rule for ``KUCOIN_FAST_NO_EXTENSIONS``, used by the client and the emulator.

``1``, ``true``, ``yes`` or ``on`` (any case) selects the pure-Python modules
everywhere; unset, empty, ``0``, ``false``, ``no`` or ``off`` selects the compiled
ones, and then a missing build is an error, never a silent slowdown. Any other value
is an error too: a typo must not quietly pick the slow path.
"""
from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Final

ENV_VAR: Final = "KUCOIN_FAST_NO_EXTENSIONS"
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"", "0", "false", "no", "off"})


def parse_no_extensions(value: str | None) -> bool:
    """True when ``value`` (the variable's text, None when unset) asks for pure Python."""
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(
        f"{ENV_VAR}={value!r} is not understood: use 1/true/yes/on for the pure-Python "
        "modules, or 0/false/no/off (or leave it unset) for the compiled ones")


#: True when the pure-Python modules are selected (read once, at import).
NO_EXTENSIONS: Final = parse_no_extensions(os.environ.get(ENV_VAR))


def load_compiled(name: str) -> ModuleType:
    """Import the compiled module ``name`` (absolute dotted name), or raise an
    ``ImportError`` that says how to build it or how to opt out."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ImportError(
            f"kucoin_fast's compiled extension {name} is not built ({exc}). Build it with "
            "`python setup.py build_ext --inplace` (or `pip install -e .`), or set "
            f"{ENV_VAR}=1 to run on the pure-Python modules."
        ) from exc


__all__ = ["ENV_VAR", "NO_EXTENSIONS", "load_compiled", "parse_no_extensions"]
