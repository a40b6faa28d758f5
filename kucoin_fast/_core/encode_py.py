"""Request encoding in plain Python: the oracle of :mod:`kucoin_fast._core.encode`.

Every request is checked with :func:`kucoin_fast._protocol.ops.validate_request`, then written
by one generic JSON writer. How it differs from the compiled encoder: docs/internals.md.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from .._protocol import fields as _fields
from .._protocol import ops as _ops
from .._protocol.errors import InvalidParamsError
from .._protocol.validate import Violation
from . import refs as _refs

FRAME_HEADROOM = 16
_MAX_DEPTH = 32
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
                  "\t": "\\t"}
_ESCAPE_RE = re.compile('[\x00-\x1f"\\\\\ud800-\udfff]')


class _NotJSONError(Exception):
    """A value the encoder cannot represent in JSON (internal)."""


class FrameBuffer:
    """A bytearray with ``FRAME_HEADROOM`` bytes reserved in front of the payload."""

    def __init__(self, initial_capacity: int = 512) -> None:
        self.data = bytearray(FRAME_HEADROOM)
        #: clientOid(s) of the last request encoded (str, tuple, or None).
        self.ref: Any = None

    def reset(self) -> None:
        """Start a new frame."""
        del self.data[FRAME_HEADROOM:]

    def getvalue(self) -> bytes:
        """The current payload (a copy)."""
        return bytes(self.data[FRAME_HEADROOM:])

    @property
    def headroom(self) -> int:
        """Bytes reserved in front of the payload for the WebSocket header."""
        return FRAME_HEADROOM

    def request(self, request_id: int, op: str, args: Any) -> int:
        """:func:`encode_request` into this buffer."""
        return encode_request(self, request_id, op, args)

    def prepared(self, request_id: int, template: OrderTemplate, price: Any, size: Any,
                 client_oid: Any) -> int:
        """:func:`encode_prepared_order` into this buffer."""
        return encode_prepared_order(self, request_id, template, price, size, client_oid)

    def ping(self, ping_number: int) -> int:
        """:func:`encode_ping` into this buffer."""
        return encode_ping(self, ping_number)

    def text(self, payload: bytes) -> int:
        """Put ``payload`` (e.g. the session signature) in as the whole frame."""
        self.reset()
        self.ref = None
        self.data += payload
        return len(payload)


def _escape_char(match: re.Match[str]) -> str:
    ch = match.group()
    return _SHORT_ESCAPES.get(ch) or f"\\u{ord(ch):04x}"


def _json_str(value: str) -> bytes:
    return ('"' + _ESCAPE_RE.sub(_escape_char, value) + '"').encode("utf-8")


def _write_float(out: bytearray, value: float) -> None:
    if not math.isfinite(value):
        raise _NotJSONError("non-finite float")
    out += float.__repr__(value).encode("ascii")


def _write_int(out: bytearray, value: int) -> None:
    if not -_fields.JSON_INT_LIMIT < value < _fields.JSON_INT_LIMIT:
        raise _NotJSONError(f"an int of more than {_fields.DEC_MAX_CHARS} digits")
    out += int.__repr__(value).encode("ascii")


def _write_decimal(out: bytearray, value: Decimal) -> None:
    if not value.is_finite():
        raise _NotJSONError("non-finite Decimal")
    if _fields.plain_length(value) > _fields.DEC_MAX_CHARS:
        raise _NotJSONError(f"a Decimal of more than {_fields.DEC_MAX_CHARS} characters")
    out += _json_str(_fields.decimal_text(value))


def _write_value(out: bytearray, value: Any, depth: int) -> None:
    t = type(value)
    if t is str:
        out += _json_str(value)
    elif t is bool:
        out += b"true" if value else b"false"
    elif t is int:
        _write_int(out, value)
    elif t is float:
        _write_float(out, value)
    elif value is None:
        out += b"null"
    elif isinstance(value, Decimal):
        _write_decimal(out, value)
    elif depth >= _MAX_DEPTH:
        raise _NotJSONError("nested too deeply")
    elif isinstance(value, dict):
        out += b"{"
        first = True
        for key, item in value.items():
            if not isinstance(key, str):
                raise _NotJSONError("object keys must be strings")
            if not first:
                out += b","
            first = False
            out += _json_str(key)
            out += b":"
            _write_value(out, item, depth + 1)
        out += b"}"
    elif isinstance(value, (list, tuple)):
        out += b"["
        for i, item in enumerate(value):
            if i:
                out += b","
            _write_value(out, item, depth + 1)
        out += b"]"
    elif isinstance(value, str):
        out += _json_str(value)
    elif isinstance(value, int):
        _write_int(out, value)
    elif isinstance(value, float):
        _write_float(out, value)
    else:
        raise _NotJSONError(f"{type(value).__name__} is not JSON-serialisable")


def _write_generic_args(out: bytearray, args: Any, op: str) -> None:
    try:
        _write_value(out, args, 0)
    except _NotJSONError as exc:
        raise InvalidParamsError(
            Violation("400100", "args", "must contain only JSON values (" + str(exc) + ")"), op
        ) from exc


def _validated_head(buf: FrameBuffer, request_id: int, op: str, args: Any) -> bytearray:
    """Check ``args`` with the validators (raising before anything is written), then start the
    frame: ``{"id":"N","op":"OP"``; returns the buffer to go on writing into."""
    violation = _ops.validate_request(op, args, strict_keys=True)
    if violation is not None:
        raise InvalidParamsError(violation, op)
    buf.reset()
    out = buf.data
    out += b'{"id":"%d","op":' % request_id
    out += _json_str(op)
    return out


def encode_request(buf: FrameBuffer, request_id: int, op: str, args: Any) -> int:
    """Validate and write the request frame; returns the payload size."""
    out = _validated_head(buf, request_id, op, args)
    out += b',"args":'
    _write_generic_args(out, args, op)
    out += b"}"
    buf.ref = _refs.client_oid_ref(op, args)
    return len(out) - FRAME_HEADROOM


def encode_ping(buf: FrameBuffer, ping_number: int) -> int:
    """Write the keepalive ``{"id":"ping-<n>","op":"ping"}``."""
    buf.ref = None
    buf.reset()
    buf.data += b'{"id":"ping-%d","op":"ping"}' % ping_number
    return len(buf.data) - FRAME_HEADROOM


def validate_request(op: str, args: Any) -> Violation | None:
    """The client's verdict (exactly the validators', plus the JSON-values check)."""
    try:
        encode_request(FrameBuffer(), 1, op, args)
    except InvalidParamsError as exc:
        return exc.violation
    return None


class OrderTemplate:
    """A validated order; per send only clientOid, price and the size field change.

    ``op`` is ``futures.order`` (size field ``size``/``qty``/``valueQty``) or
    ``spot.order`` (``size``/``funds``)."""

    def __init__(self, template: dict[str, Any], op: str | None = None) -> None:
        if template is None:
            raise TypeError("template must be a dict")
        if op is None:
            op = _ops.OP_ORDER
        if op not in _PREPARED_OPS:
            raise ValueError(_NOT_PREPARED)
        size_field = _ops.prepared_size_field(op, template)
        if not isinstance(size_field, str):
            raise InvalidParamsError(size_field, op)
        self.op: str = op
        self.size_field: str = size_field
        self.price_required: bool = template.get("type", "limit") == "limit"
        self._template = dict(template)
        out = bytearray()
        for name, value in template.items():
            if name in ("clientOid", "price", self.size_field):
                continue
            out += b","
            out += _json_str(name)
            out += b":"
            _write_generic_args(out, value, op)
        self._static_args = bytes(out)

    def as_order(self, price: Any, size: Any, client_oid: Any) -> dict[str, Any]:
        """The full order dict a send with these values stands for."""
        return _ops.order_from_template(self._template, self.size_field, price, size,
                                        client_oid)


#: The ops a template can be made of, from the op table.
_PREPARED_OPS = tuple(name for name, row in _ops.OPS.items() if row.prepared)
_NOT_PREPARED = "a prepared order is a " + " or a ".join(_PREPARED_OPS)


def encode_prepared_order(
    buf: FrameBuffer, request_id: int, template: OrderTemplate, price: Any, size: Any,
    client_oid: Any,
) -> int:
    """Write the template's order frame; returns the payload size."""
    op = template.op
    out = _validated_head(buf, request_id, op, template.as_order(price, size, client_oid))
    out += b',"args":{"clientOid":'
    _write_generic_args(out, client_oid, op)
    if price is not None:
        out += b',"price":'
        _write_generic_args(out, price, op)
    out += b","
    out += _json_str(template.size_field)
    out += b":"
    _write_generic_args(out, size, op)
    out += template._static_args
    out += b"}}"
    buf.ref = client_oid
    return len(out) - FRAME_HEADROOM


__all__ = [
    "FRAME_HEADROOM",
    "FrameBuffer",
    "OrderTemplate",
    "encode_ping",
    "encode_prepared_order",
    "encode_request",
    "validate_request",
]
