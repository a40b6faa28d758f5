"""Selects the compiled codecs/dispatcher, or their pure-Python twins.

``KUCOIN_FAST_NO_EXTENSIONS=1`` selects :mod:`kucoin_fast._reference`. Otherwise
the compiled modules are required: a missing build is an error, not a silent
slowdown.
"""
from __future__ import annotations

import os
from typing import Final

USING_EXTENSIONS: Final = os.environ.get("KUCOIN_FAST_NO_EXTENSIONS", "") not in ("1", "true", "yes")

if not USING_EXTENSIONS:
    from ._reference import (
        Connection,
        FrameBuffer,
        OrderTemplate,
        WSAPIResponse,
        build_signed_query,
        encode_request,
    )
else:
    try:
        from ._dispatch import Connection, WSAPIResponse  # type: ignore[assignment]
        from ._encode import (  # type: ignore[assignment]
            FrameBuffer,
            OrderTemplate,
            encode_request,
        )
        from ._sign import build_signed_query
    except ImportError as exc:  # pragma: no cover - depends on the build
        raise ImportError(
            "kucoin_fast's compiled extensions are not built "
            f"({exc}). Build them with `python setup.py build_ext --inplace` "
            "(or `pip install -e . --no-build-isolation`), or set "
            "KUCOIN_FAST_NO_EXTENSIONS=1 to run on the pure-Python twins."
        ) from exc

__all__ = [
    "USING_EXTENSIONS",
    "Connection",
    "FrameBuffer",
    "OrderTemplate",
    "WSAPIResponse",
    "build_signed_query",
    "encode_request",
]
