"""Selects the compiled build or the pure-Python one, as one :class:`Implementation`.

Each build is the connection (``_connection.py`` run as Python, or ``_connection_c``)
and its kit of scanner, encoder and writer. ``KUCOIN_FAST_NO_EXTENSIONS`` selects
:data:`PYTHON`; otherwise the compiled build is required. Details: docs/internals.md.
"""
from __future__ import annotations

import functools
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING, Any, Final

from .._env import NO_EXTENSIONS, load_compiled
from . import connection as _connection
from . import encode_py as _encode_py
from . import parse_py as _parse_py
from . import request_py as _await_py
from . import sign as _sign
from . import writer_py as _writer_py


class Implementation:
    """One build of the hot paths: ``Connection`` (with its kit bound), the reply and
    template classes, and the encoder, scanner and signing modules."""

    def __init__(self, name: str, connection: ModuleType, encode: ModuleType,
                 writer: ModuleType,
                 parse: ModuleType, await_: ModuleType) -> None:
        self.name: Final = name
        self.connection_module: Final = connection
        self.encode: Final = encode
        self.parse: Final = parse
        self.sign: Final = _sign
        self.kit: Final = SimpleNamespace(FrameBuffer=encode.FrameBuffer, Writer=writer.Writer,
                                          ReplyScan=parse.ReplyScan)
        self.Connection: Final[Any] = functools.partial(connection.Connection, kit=self.kit)
        self.connection_class: Final[type] = connection.Connection
        self.WSAPIResponse: Final[type] = connection.WSAPIResponse
        self.OrderTemplate: Final[type] = encode.OrderTemplate
        self.FrameBuffer: Final[type] = encode.FrameBuffer
        #: Routes a client's requests to its connections (the facade's request path).
        self.Dispatch: Final[Any] = await_.Dispatch

    def __repr__(self) -> str:
        return f"Implementation({self.name!r})"


PYTHON: Final = Implementation("python", _connection, _encode_py, _writer_py, _parse_py,
                                _await_py)


@functools.cache
def compiled() -> Implementation:
    """The compiled build (raises ImportError, saying how to build it, when it is not)."""
    return Implementation(
        "compiled", load_compiled(f"{__package__}.connection_c"),
        load_compiled(f"{__package__}.encode"), load_compiled(f"{__package__}.writer"),
        load_compiled(f"{__package__}.parse"),
        load_compiled(f"{__package__}.request"))


#: The implementation the client uses.
SELECTED: Final = PYTHON if NO_EXTENSIONS else compiled()
USING_EXTENSIONS: Final = SELECTED is not PYTHON
if TYPE_CHECKING:
    # Both builds' reply classes have this interface (the compiled one is checked
    # against it by the typing tests); mypy sees the Python one.
    from .connection import WSAPIResponse
else:
    WSAPIResponse = SELECTED.WSAPIResponse

__all__ = ["PYTHON", "SELECTED", "USING_EXTENSIONS", "Implementation", "WSAPIResponse",
           "compiled"]
