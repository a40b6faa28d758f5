"""Selects the compiled build or the pure-Python one, as one :class:`Implementation`.

Each build is the connection (``connection.py`` run as Python, or ``connection_c``)
with the scanner, encoder and writer it imports, and the request dispatch.
``KUCOIN_FAST_NO_EXTENSIONS`` selects :data:`PYTHON`; otherwise the compiled build is
required, and the Python twins are imported only when asked for. Details: docs/internals.md.
"""
from __future__ import annotations

import functools
from types import ModuleType
from typing import TYPE_CHECKING, Final

from .._env import NO_EXTENSIONS, load_compiled
from . import sign as _sign

if TYPE_CHECKING:
    from . import connection as _connection
    from . import encode_py as _encode_py
    from . import request_py as _request_py


class Implementation:
    """One build of the hot paths: its ``Connection``, reply, template, buffer and
    dispatch classes, and its encoder, scanner and signing modules. The classes are
    typed as the pure-Python ones, which the compiled ones match (tests/typing)."""

    def __init__(self, name: str, connection: ModuleType, encode: ModuleType,
                 parse: ModuleType, request: ModuleType) -> None:
        self.name: Final = name
        self.encode: Final = encode
        self.parse: Final = parse
        self.sign: Final = _sign
        self.Connection: Final[type[_connection.Connection]] = connection.Connection
        self.WSAPIResponse: Final[type[_connection.WSAPIResponse]] = connection.WSAPIResponse
        self.OrderTemplate: Final[type[_encode_py.OrderTemplate]] = encode.OrderTemplate
        self.FrameBuffer: Final[type[_encode_py.FrameBuffer]] = encode.FrameBuffer
        #: Routes a client's requests to its connections (the facade's request path).
        self.Dispatch: Final[type[_request_py.Dispatch]] = request.Dispatch

    def __repr__(self) -> str:
        return f"Implementation({self.name!r})"


@functools.cache
def python() -> Implementation:
    """The pure-Python build (:data:`PYTHON`), imported on first use."""
    from . import connection, encode_py, parse_py, request_py

    return Implementation("python", connection, encode_py, parse_py, request_py)


@functools.cache
def compiled() -> Implementation:
    """The compiled build (raises ImportError, saying how to build it, when it is not)."""
    return Implementation(
        "compiled", load_compiled(f"{__package__}.connection_c"),
        load_compiled(f"{__package__}.encode"), load_compiled(f"{__package__}.parse"),
        load_compiled(f"{__package__}.request"))


#: The implementation the client uses.
SELECTED: Final = python() if NO_EXTENSIONS else compiled()
USING_EXTENSIONS: Final = not NO_EXTENSIONS
if TYPE_CHECKING:
    #: The pure-Python build (see :func:`python`).
    PYTHON: Implementation
    # Both builds' reply classes have this interface (tests/typing checks the
    # compiled one against it); mypy sees the Python one.
    from .connection import Connection, WSAPIResponse
else:
    Connection = SELECTED.Connection
    WSAPIResponse = SELECTED.WSAPIResponse


def __getattr__(name: str) -> Implementation:
    if name == "PYTHON":
        return python()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["PYTHON", "SELECTED", "USING_EXTENSIONS", "Connection", "Implementation",
           "WSAPIResponse", "compiled", "python"]
