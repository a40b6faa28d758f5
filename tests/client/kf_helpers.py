"""Shared constants and helpers of the client tests (imported as a top-level module)."""
from __future__ import annotations

import importlib

import pytest
from kf_shared import KEY, PASSPHRASE, SECRET  # noqa: F401 (re-exported)


def _compiled_available() -> bool:
    try:
        importlib.import_module("kucoin_fast._core.encode")
        importlib.import_module("kucoin_fast._core.parse")
        importlib.import_module("kucoin_fast._core.connection_c")
    except ImportError:
        return False
    return True


#: Marks a test that compares the compiled modules with the Python twins.
COMPILED_OR_SKIP = pytest.mark.skipif(not _compiled_available(),
                                      reason="compiled extensions are not built")
