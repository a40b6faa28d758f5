"""What every test directory shares (imported as a top-level module: tests/ is on
sys.path through tests/conftest.py): the protocol §2.2 credentials, the event-loop
runner, and the two implementations of the hot paths (compiled, pure Python)."""
from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable
from typing import Any, TypeVar

import kucoin_fast
from kucoin_fast._core import build as _impl
from kucoin_fast._env import NO_EXTENSIONS

T = TypeVar("T")

# The fake credentials of the signing test vectors (kucoin-wsapi-protocol.md §2.2).
KEY = "67b0d1c8e4b0a10001a2b3c4"
SECRET = "b7a8f3e2-1c4d-4e5f-9a8b-7c6d5e4f3a2b"
PASSPHRASE = "my-passphrase"

#: Directory holding the kucoin_fast under test (a wheel, an editable install or an
#: in-place build): what a subprocess needs on PYTHONPATH to import the same package.
PKG_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(kucoin_fast.__file__)))

try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop is a test dependency on POSIX
    uvloop = None

LOOP_KINDS = ["asyncio"] + (["uvloop"] if uvloop is not None else [])
# The CI matrix runs each loop in its own job: KUCOIN_FAST_TEST_LOOP=asyncio|uvloop.
if os.environ.get("KUCOIN_FAST_TEST_LOOP") in LOOP_KINDS:
    LOOP_KINDS = [os.environ["KUCOIN_FAST_TEST_LOOP"]]


def new_loop(kind: str) -> asyncio.AbstractEventLoop:
    """A fresh event loop of ``kind`` ("asyncio" or "uvloop")."""
    if kind == "uvloop":
        assert uvloop is not None
        return uvloop.new_event_loop()  # type: ignore[no-any-return]
    return asyncio.new_event_loop()


def run_on(kind: str, coro: Awaitable[T], timeout: float = 30.0) -> T:
    """Run ``coro`` on a new loop of ``kind`` with an overall timeout; close the loop."""
    loop = new_loop(kind)
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(asyncio.wait_for(coro, timeout))
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def _compiled() -> Any:
    if NO_EXTENSIONS:
        return None
    try:
        return _impl.compiled()
    except ImportError:
        return None


COMPILED = _compiled()
PYTHON = _impl.PYTHON
#: The implementations under test (:class:`kucoin_fast._core.build.Implementation`): the
#: pure-Python build, and the compiled one when built.
IMPLS = [PYTHON] + ([COMPILED] if COMPILED is not None else [])
IMPL_IDS = [impl.name for impl in IMPLS]


def ws_frames(data: bytes) -> list[tuple[bytes, bytes]]:
    """(mask key, unmasked payload) of every WebSocket frame in ``data`` (masked or not;
    an unmasked frame has the key ``b""``)."""
    out, i = [], 0
    while i + 2 <= len(data):
        masked = data[i + 1] & 0x80
        n = data[i + 1] & 0x7F
        i += 2
        if n == 126:
            n = int.from_bytes(data[i:i + 2], "big")
            i += 2
        elif n == 127:
            n = int.from_bytes(data[i:i + 8], "big")
            i += 8
        key = data[i:i + 4] if masked else b""
        i += len(key)
        payload = data[i:i + n]
        if key:
            payload = bytes(b ^ key[j % 4] for j, b in enumerate(payload))
        out.append((key, payload))
        i += n
    return out


class ClientLogCapture(logging.Handler):
    """Every log record at any level (picows logs the upgrade request at level 9),
    formatted with its logger name, except the in-process emulator's own server-side
    records: a secrets test checks what the *client* side lets out."""

    def __init__(self) -> None:
        super().__init__(level=1)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("picows.server", "kucoin_fast.emulator")):
            return
        self.lines.append(self.format(record))
