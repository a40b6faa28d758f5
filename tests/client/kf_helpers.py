"""Shared constants and helpers of the client tests (imported as a top-level module)."""
from __future__ import annotations

KEY = "67b0d1c8e4b0a10001a2b3c4"
SECRET = "b7a8f3e2-1c4d-4e5f-9a8b-7c6d5e4f3a2b"
PASSPHRASE = "my-passphrase"

import importlib

import pytest


def _compiled_available() -> bool:
    try:
        importlib.import_module("kucoin_fast._encode")
        importlib.import_module("kucoin_fast._dispatch")
    except ImportError:
        return False
    return True


#: Marks a test that compares the compiled modules with the Python twins.
COMPILED_OR_SKIP = pytest.mark.skipif(not _compiled_available(),
                                      reason="compiled extensions are not built")
