"""Server side of RFC 6455, by hand: the upgrade request, client-frame parsing (masked,
fragmented, control frames) and unmasked server frames. Standard library only."""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator

OP_CONTINUATION, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_HEADERS_END = b"\r\n\r\n"
_MAX_HEADERS = 16 * 1024


class ProtocolError(Exception):
    """The peer broke RFC 6455 (or sent more than we accept); close with ``code``."""

    def __init__(self, message: str, code: int = 1002) -> None:
        super().__init__(message)
        self.code = code


class UpgradeRequest:
    """A parsed HTTP upgrade request: the request target and lower-cased headers."""

    __slots__ = ("headers", "method", "target")

    def __init__(self, method: str, target: str, headers: dict[str, str]) -> None:
        self.method = method
        self.target = target
        self.headers = headers


def parse_upgrade(buffer: bytearray) -> UpgradeRequest | None:
    """The upgrade request at the start of ``buffer`` (consumed), or None while it is
    incomplete. Raises :class:`ProtocolError` on a malformed or oversized request."""
    end = buffer.find(_HEADERS_END)
    if end < 0:
        if len(buffer) > _MAX_HEADERS:
            raise ProtocolError("HTTP request headers too large")
        return None
    head = bytes(buffer[:end]).decode("latin-1")
    del buffer[: end + len(_HEADERS_END)]
    request_line, *lines = head.split("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise ProtocolError(f"bad request line {request_line[:80]!r}")
    headers = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep:
            raise ProtocolError(f"bad header line {line[:80]!r}")
        headers[name.strip().lower()] = value.strip()
    return UpgradeRequest(parts[0], parts[1], headers)


def upgrade_response(request: UpgradeRequest) -> bytes:
    """``101 Switching Protocols`` for a valid websocket upgrade (RFC 6455 §4.2.2)."""
    headers = request.headers
    key = headers.get("sec-websocket-key")
    if (request.method != "GET" or key is None
            or "websocket" not in headers.get("upgrade", "").lower()
            or headers.get("sec-websocket-version") != "13"):
        raise ProtocolError("not a websocket upgrade request")
    accept = base64.b64encode(hashlib.sha1(key.encode() + _GUID).digest()).decode()
    return ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n").encode()


def http_error(status: str) -> bytes:
    """A minimal HTTP error response that closes the connection."""
    return (f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").encode()


def server_frame(opcode: int, payload: bytes) -> bytes:
    """One unfragmented, unmasked server frame (servers never mask, §5.1)."""
    n = len(payload)
    if n < 126:
        header = bytes((0x80 | opcode, n))
    elif n < 1 << 16:
        header = bytes((0x80 | opcode, 126)) + n.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 127)) + n.to_bytes(8, "big")
    return header + payload


def close_frame(code: int, reason: str = "") -> bytes:
    """A close frame with a status code (§5.5.1)."""
    return server_frame(OP_CLOSE, code.to_bytes(2, "big") + reason.encode()[:120])


def unmask(mask: bytes, data: bytes) -> bytes:
    """XOR ``data`` with the 4-byte ``mask`` (§5.3), as one big-integer operation."""
    n = len(data)
    if not n:
        return b""
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "little") ^ int.from_bytes(key, "little")).to_bytes(n, "little")


class FrameReader:
    """Incremental parser of client frames: feed bytes, iterate complete messages.

    Yields ``(opcode, payload)`` per data message (fragments joined) and per control
    frame (which may arrive between fragments). Client frames must be masked.
    """

    def __init__(self, max_size: int = 1 << 20) -> None:
        self.buffer = bytearray()
        self.max_size = max_size
        self._fragments: list[bytes] = []
        self._fragment_opcode = -1

    def messages(self, data: bytes) -> Iterator[tuple[int, bytes]]:
        """Add ``data`` and yield every message it completes."""
        buf = self.buffer
        buf += data
        pos, size = 0, len(buf)
        try:
            while size - pos >= 2:
                b0, b1 = buf[pos], buf[pos + 1]
                if not b1 & 0x80:
                    raise ProtocolError("client frame not masked")
                n, head = b1 & 0x7F, 2
                if n == 126:
                    if size - pos < 4:
                        break
                    n, head = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
                elif n == 127:
                    if size - pos < 10:
                        break
                    n, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
                if n > self.max_size:
                    raise ProtocolError(f"frame of {n} bytes", 1009)
                end = pos + head + 4 + n
                if end > size:
                    break
                mask = bytes(buf[pos + head : pos + head + 4])
                payload = unmask(mask, bytes(buf[pos + head + 4 : end]))
                pos = end
                message = self._assemble(b0 & 0x80, b0 & 0x0F, payload)
                if message is not None:
                    yield message
        finally:
            del buf[:pos]

    def _assemble(self, fin: int, opcode: int, payload: bytes) -> tuple[int, bytes] | None:
        if opcode >= OP_CLOSE:
            if not fin or len(payload) > 125:
                raise ProtocolError("fragmented or oversized control frame")
            return opcode, payload
        if opcode == OP_CONTINUATION:
            if self._fragment_opcode < 0:
                raise ProtocolError("continuation without a first fragment")
        elif self._fragment_opcode >= 0:
            raise ProtocolError("new message inside a fragmented one")
        elif fin:
            return opcode, payload
        else:
            self._fragment_opcode = opcode
        self._fragments.append(payload)
        if sum(map(len, self._fragments)) > self.max_size:
            raise ProtocolError("message too large", 1009)
        if not fin:
            return None
        message = (self._fragment_opcode, b"".join(self._fragments))
        self._fragments, self._fragment_opcode = [], -1
        return message
