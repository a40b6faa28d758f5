"""What the emulated gateway puts on the wire, byte for byte: frame headers, the
handshake frames, the reply envelopes and the malformed frames of the fault switches;
and the JSON decoder of what it reads.

Envelopes and key order: docs/emulator.md.
"""
from __future__ import annotations

import json
import struct
from collections.abc import Callable
from typing import Any, Final

enc: Final[Callable[[str], str]] = json.encoder.encode_basestring_ascii
"""A JSON string literal of ``str`` (ASCII, quotes included)."""
dumps: Final = json.JSONEncoder(separators=(",", ":")).encode
"""Compact JSON, as the gateway writes it."""

loads: Callable[[bytes], Any]
try:  # orjson is optional (bench extra); simdjson is a hard dependency.
    import orjson
    loads = orjson.loads
except ImportError:  # pragma: no cover - depends on the environment
    import simdjson
    loads = simdjson.loads

#: Short-frame headers (FIN + text opcode, 7-bit length), one per payload length.
HDR_TEXT: Final = [bytes((0x81, n)) for n in range(126)]

#: ``userRateLimit`` members: remaining, limit, reset (ms).
RateLimit = tuple[int, int, int]


def frame_header(opcode: int, n: int, fin: bool = True) -> bytes:
    """The unmasked header of a frame of ``n`` payload bytes."""
    b0 = (0x80 if fin else 0) | opcode
    if n < 126:
        return bytes((b0, n))
    if n < 65536:
        return struct.pack("!BBH", b0, 126, n)
    return struct.pack("!BBQ", b0, 127, n)


def text_frame(payload: bytes) -> bytes:
    """``payload`` as one final text frame."""
    n = len(payload)
    if n < 126:
        return HDR_TEXT[n] + payload
    return frame_header(0x1, n) + payload


# ---------------------------------------------------------------- handshake and keepalive
def challenge(session_id: str, timestamp: int, *, spaced: bool, reversed_keys: bool) -> bytes:
    """The session challenge; its exact bytes are what the client signs (protocol §2.1)."""
    sep = ", " if spaced else ","
    colon = ": " if spaced else ":"
    sid = f'"sessionId":"{session_id}"'  # never spaced: the doc's typesetting
    stamp = f'"timestamp"{colon}{timestamp}'
    parts = (stamp, sid) if reversed_keys else (sid, stamp)
    return ("{" + sep.join(parts) + "}").encode()


def welcome(session_id: str, ping_interval_ms: int, ping_timeout_ms: int) -> bytes:
    """The frame that ends the handshake and announces the keepalive timing."""
    return (f'{{"sessionId":"{session_id}","data":"welcome",'
            f'"pingInterval":{ping_interval_ms},"pingTimeout":{ping_timeout_ms}}}').encode()


def pong(rid: str, timestamp: int) -> bytes:
    """The answer to the JSON ping op."""
    return f'{{"id":{enc(rid)},"op":"pong","timestamp":{timestamp}}}'.encode()


# ---------------------------------------------------------------- reply envelopes
def rate_limit_member(rl: RateLimit) -> str:
    """The ``"userRateLimit":{…}`` member (keys in the order real frames use)."""
    return f'"userRateLimit":{{"remaining":{rl[0]},"limit":{rl[1]},"reset":{rl[2]}}}'


def envelope_a(rid: str, op: str, data: str, tin: int, tout: int,
               rl: RateLimit | None) -> bytes:
    """Success: ``data`` is JSON text already."""
    head = (f'{{"id":{enc(rid)},"op":"{op}","code":"200000","data":{data},'
            f'"inTime":{tin},"outTime":{tout}')
    return (head + ("," + rate_limit_member(rl) + "}" if rl is not None else "}")).encode()


def _op_json(op: Any) -> str:
    # The op is echoed as sent, even when it is not a string (unknown-op errors).
    return enc(op) if type(op) is str else dumps(op)


def envelope_b(rid: str, op: Any, code: str, msg: str, tin: int, tout: int,
               rl: RateLimit | None) -> bytes:
    """An error tied to a request: id and op echoed, no data."""
    head = (f'{{"id":{enc(rid)},"op":{_op_json(op)},"code":"{code}","msg":{enc(msg)},'
            f'"inTime":{tin},"outTime":{tout}')
    return (head + ("," + rate_limit_member(rl) + "}" if rl is not None else "}")).encode()


def envelope_c(code: str, msg: str, tin: int, tout: int) -> bytes:
    """An error not tied to a request (handshake, unusable id, server notices)."""
    return f'{{"code":"{code}","msg":{enc(msg)},"inTime":{tin},"outTime":{tout}}}'.encode()


# ---------------------------------------------------------------- malformed frames (faults)
def malformed_frame(kind: str, payload: bytes, oversized: int, n: int) -> bytes:
    """A frame of kind ``kind`` (one of ``MALFORMED_KINDS``) made from the reply
    ``payload``; ``n`` numbers it (unknown and numeric ids stay unique)."""
    if kind == "non_json":
        return text_frame(b"this is not JSON <html>")
    if kind == "truncated_json":
        return text_frame(payload[: max(1, len(payload) // 2)])
    if kind == "binary":
        return frame_header(0x2, len(payload)) + payload
    if kind == "fragmented":
        third = max(1, len(payload) // 3)
        a, b, c = payload[:third], payload[third:2 * third], payload[2 * third:]
        return (frame_header(0x1, len(a), False) + a + frame_header(0x0, len(b), False) + b
                + frame_header(0x0, len(c), True) + c)
    return text_frame(dumps(_altered_reply(kind, payload, oversized, n)).encode())


def _altered_reply(kind: str, payload: bytes, oversized: int, n: int) -> dict[str, Any]:
    try:
        obj = json.loads(payload)
    except ValueError:
        obj = {}
    if not isinstance(obj, dict):
        obj = {}
    if kind == "wrong_types":
        if "code" in obj:
            obj["code"] = int(obj["code"])
        if "inTime" in obj:
            obj["inTime"] = str(obj["inTime"])
    elif kind == "unknown_id":
        obj["id"] = f"unknown-{n}"
    elif kind == "missing_id":
        obj.pop("id", None)
    elif kind == "numeric_id":
        obj["id"] = n
    elif kind == "oversized":
        obj = {"id": f"oversized-{n}", "op": "futures.order", "code": "200000",
               "data": {"pad": ""}}
        base = len(dumps(obj))
        obj["data"]["pad"] = "x" * max(0, oversized - base)
    return obj


__all__ = [
    "HDR_TEXT",
    "RateLimit",
    "challenge",
    "dumps",
    "enc",
    "envelope_a",
    "envelope_b",
    "envelope_c",
    "frame_header",
    "loads",
    "malformed_frame",
    "pong",
    "rate_limit_member",
    "text_frame",
    "welcome",
]
