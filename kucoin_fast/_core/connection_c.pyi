"""Type stubs for ``kucoin_fast._core.connection_c``: ``connection.py`` compiled by Cython.

The source is the one Python module :mod:`kucoin_fast._core.connection`; these are its
names (the compiled classes have the same methods and attributes).
"""
from typing import Any

from .connection import DEFAULT_MAX_FRAME_SIZE as DEFAULT_MAX_FRAME_SIZE
from .connection import Connection as Connection
from .connection import WSAPIResponse as WSAPIResponse

__pyx_capi__: dict[str, Any]

__all__ = ["DEFAULT_MAX_FRAME_SIZE", "Connection", "WSAPIResponse"]
