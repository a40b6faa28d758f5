"""Selects the compiled codecs/dispatcher, or their pure-Python twins.

``KUCOIN_FAST_NO_EXTENSIONS`` (parsed by :mod:`kucoin_fast._env`, the one rule)
selects :mod:`kucoin_fast._reference`. Otherwise the compiled modules are required:
a missing build is an error, not a silent slowdown.
"""
from __future__ import annotations

from typing import Final

from ._env import NO_EXTENSIONS, load_compiled

USING_EXTENSIONS: Final = not NO_EXTENSIONS

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
    for _name in ("_sign", "_encode", "_dispatch"):
        load_compiled(f"{__package__}.{_name}")
    from ._dispatch import Connection, WSAPIResponse  # type: ignore[assignment]
    from ._encode import (  # type: ignore[assignment]
        FrameBuffer,
        OrderTemplate,
        encode_request,
    )
    from ._sign import build_signed_query

__all__ = [
    "USING_EXTENSIONS",
    "Connection",
    "FrameBuffer",
    "OrderTemplate",
    "WSAPIResponse",
    "build_signed_query",
    "encode_request",
]
