"""Frame writing in plain Python: the oracle of :mod:`kucoin_fast._core.writer` (same
modes, counters and bytes on the wire)."""
from __future__ import annotations

import os
from typing import Any

from .encode_py import FRAME_HEADROOM, FrameBuffer

_MODES = {False: 0, True: 1, "auto": 2}
_CORK_LIMIT = 64 * 1024
_KEY_BLOCK = 4096


def _mask(payload: bytes, key: bytes) -> bytes:
    """XOR ``payload`` with the repeated 4-byte ``key`` (as one integer)."""
    n = len(payload)
    if not n:
        return b""
    stream = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(stream, "big")).to_bytes(n, "big")


def _header(size: int) -> bytes:
    if size < 126:
        return bytes((0x81, 0x80 | size))
    if size < 65536:
        return bytes((0x81, 0x80 | 126)) + size.to_bytes(2, "big")
    return bytes((0x81, 0x80 | 127)) + size.to_bytes(8, "big")


class Writer:
    """Pure-Python twin of :class:`kucoin_fast._core.encode.Writer` (same modes, counters)."""

    def __init__(self, loop: Any, transport: Any, mode: Any = "auto") -> None:
        if mode not in _MODES:
            raise ValueError("coalesce_writes must be True, False or 'auto'")
        self.mode = _MODES[mode]
        self._loop = loop
        self._ws = transport
        self._write = transport.underlying_transport.write
        self._cork: list[bytes] = []
        self._cork_size = 0
        self._tick_scheduled = False
        self._busy = False
        self._dispatching = False
        self._last = False
        self.queued = 0
        self.written = 0
        self.writes = 0
        self._keys = b""
        self._key_pos = 0

    def _next_key(self) -> bytes:
        if self._key_pos + 4 > len(self._keys):
            self._keys = os.urandom(_KEY_BLOCK)
            self._key_pos = 0
        key = self._keys[self._key_pos:self._key_pos + 4]
        self._key_pos += 4
        return key

    def send(self, buf: FrameBuffer) -> int:
        """Frame, mask and write (or coalesce) ``buf``'s payload; 1 when written now."""
        payload = bytes(buf.data[FRAME_HEADROOM:])
        key = self._next_key()
        frame = _header(len(payload)) + key + _mask(payload, key)
        self.queued += 1
        if self._ws.is_close_frame_sent or self._ws.is_disconnected:
            return 0
        held_back = self.mode == 1 or self._busy or self._dispatching or self._cork
        if self.mode == 0 or not held_back:
            self._write_now(frame)
            self.written = self.queued
            self._busy = True
            return 1
        self._cork.append(frame)
        self._cork_size += len(frame)
        if self._cork_size >= _CORK_LIMIT:
            self.flush()
        elif not (self._dispatching and self._last) and not self._tick_scheduled:
            self._tick_scheduled = True
            self._loop.call_soon(self._tick)
        return 0

    def begin_frame(self, last: bool) -> None:
        """A received frame is being dispatched (``last``: the read's last frame)."""
        if self.mode != 2:
            return
        if not self._dispatching:
            self._dispatching = True
            self._busy = False
        self._last = last

    def end_frame(self) -> None:
        """That frame is done: after the read's last one, write what it held back."""
        if self._last:
            self._dispatching = False
            if self._cork:
                self.flush()
                self._busy = True  # frames the read's replies send later join one write

    def _tick(self) -> None:
        self._tick_scheduled = False
        self._busy = False
        self._dispatching = False  # a read whose last frame never reached end_frame
        if self._cork:
            self.flush()

    def flush(self) -> int:
        """Write every coalesced frame now, with one write."""
        if not self._cork:
            return 0
        data = b"".join(self._cork)
        self._cork.clear()
        self._cork_size = 0
        if not (self._ws.is_close_frame_sent or self._ws.is_disconnected):
            self._write_now(data)
            self.written = self.queued
        return 0

    def discard(self) -> int:
        """Drop the coalesced frames; returns how many frames were never written."""
        self._cork.clear()
        self._cork_size = 0
        return self.queued - self.written

    def _write_now(self, data: bytes) -> None:
        self.writes += 1
        self._write(data)

    @property
    def pending_bytes(self) -> int:
        """Bytes waiting in the coalescing buffer."""
        return self._cork_size


__all__ = ["Writer"]
