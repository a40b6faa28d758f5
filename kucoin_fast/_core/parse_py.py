"""Reply scanning in plain Python: the oracle of :mod:`kucoin_fast._core.parse` (simdjson).

The whole frame goes through ``json.loads``; the fields are read from the dict. The
kinds (:data:`K_REPLY`, :data:`K_PONG`, ...) defined here are the one definition both
scanners use. What a scan leaves behind: docs/internals.md.
"""
from __future__ import annotations

import json
from typing import Any, Final

from .._protocol import codes as _codes
from .._protocol.results import RateLimit

K_MALFORMED: Final = 0
K_REPLY: Final = 1
K_PONG: Final = 2
K_NOTICE: Final = 3
K_CHALLENGE: Final = 4
K_WELCOME: Final = 5
K_ERROR: Final = 6
K_BAD_UTF8: Final = 7

#: ``in_time_raw``/``out_time_raw`` when the frame had no integer ``inTime``/``outTime``.
NO_TIME: Final = -(1 << 63)
#: Our request ids are decimal counters of at most this many digits (no leading zero).
MAX_ID_DIGITS: Final = 18
#: Documents nested deeper than this (objects and arrays) are malformed, in both builds.
MAX_DEPTH: Final = 128
_PING_PREFIX: Final = "ping-"
_SUCCESS: Final = _codes.SUCCESS_CODE


WHY_HANDSHAKE: Final = "neither a challenge nor a welcome"


def handshake_kind(code: Any, session_id: Any, ping_interval: Any) -> int:
    """What a handshake frame is, from its ``code``, ``sessionId`` and ``pingInterval``:
    an error (a non-success code), the challenge (a sessionId, no pingInterval), the
    welcome (a pingInterval), or malformed. ROQ tells them apart the same way."""
    if code is not None and code != _SUCCESS:
        return K_ERROR
    if session_id is not None and ping_interval is None:
        return K_CHALLENGE
    if ping_interval is not None:
        return K_WELCOME
    return K_MALFORMED


def parse_request_id(text: str) -> int:
    """Our id ``text`` as an int, or -1 when it is not one of ours."""
    if not 1 <= len(text) <= MAX_ID_DIGITS or not text.isascii() or not text.isdigit() \
            or text[0] == "0":
        return -1
    return int(text)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def _too_deep(doc: Any) -> bool:
    """True when ``doc`` nests objects/arrays more than :data:`MAX_DEPTH` deep."""
    level: list[Any] = [doc]
    for _ in range(MAX_DEPTH):
        level = [child for value in level
                 for child in (value.values() if type(value) is dict else value)
                 if type(child) is dict or type(child) is list]
        if not level:
            return False
    return True


def load(payload: bytes) -> Any:
    """The JSON document ``payload`` (strict UTF-8, a leading BOM skipped, no NaN or
    Infinity, at most :data:`MAX_DEPTH` deep). Raises ``UnicodeDecodeError`` for bad
    UTF-8, ``ValueError`` for anything else that is not such a document."""
    text = payload.decode()
    if text[:1] == "\ufeff":
        text = text[1:]
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("nested too deep") from None
    if (type(doc) is dict or type(doc) is list) \
            and text.count("[") + text.count("{") > MAX_DEPTH and _too_deep(doc):
        raise ValueError("nested too deep")
    return doc


def _int_or_none(value: Any) -> int | None:
    return value if type(value) is int else None


def _time_raw(value: Any) -> int:
    return value if type(value) is int and NO_TIME < value < (1 << 63) else NO_TIME


def _rate_limit(value: Any) -> RateLimit | None:
    if type(value) is not dict:
        return None
    return RateLimit(_int_or_none(value.get("limit")), _int_or_none(value.get("remaining")),
                     _int_or_none(value.get("reset")))


class ReplyScan:
    """One per connection; :meth:`scan_frame` / :meth:`scan_handshake` per frame."""

    def __init__(self) -> None:
        self.kind = K_MALFORMED
        self.why = ""
        self.request_id = -1
        self.op: str | None = None
        self.code: str | None = None
        self.code_ok = False
        self.msg: Any = None
        self.in_time_raw = NO_TIME
        self.out_time_raw = NO_TIME
        self.session_id: Any = None
        self.ping_interval: int | None = None
        self.ping_timeout: int | None = None
        self._doc: dict[str, Any] = {}
        self._id = ""

    def _load(self, payload: bytes) -> dict[str, Any] | None:
        # Every field is reset first: after any scan, all of them describe that frame.
        self.request_id = -1
        self.op = self.code = self.msg = None
        self.code_ok = False
        self.in_time_raw = self.out_time_raw = NO_TIME
        self.session_id = self.ping_interval = self.ping_timeout = None
        self._doc = {}
        self._id = ""
        try:
            doc = load(payload)
        except UnicodeDecodeError:
            self.kind, self.why = K_BAD_UTF8, "not UTF-8"
            return None
        except ValueError:  # not JSON, NaN/Infinity, or nested too deep
            self.kind, self.why = K_MALFORMED, "not valid JSON"
            return None
        if type(doc) is not dict:
            self.kind, self.why = K_MALFORMED, "not a JSON object"
            return None
        self._doc = doc
        return doc

    def scan_frame(self, frame: Any) -> int:
        """Scan one reply frame of a ready connection; returns ``kind``."""
        return self.scan_bytes(frame.get_payload_as_bytes())

    def scan_bytes(self, payload: bytes) -> int:
        """Scan one reply message (a reassembled one); returns ``kind``."""
        doc = self._load(payload)
        if doc is None:
            return self.kind
        rid, code = doc.get("id"), doc.get("code")
        self.msg = doc.get("msg")
        self.in_time_raw = _time_raw(doc.get("inTime"))
        self.out_time_raw = _time_raw(doc.get("outTime"))
        self.code = code if type(code) is str else None
        self.code_ok = code == _SUCCESS
        if type(rid) is not str:
            if rid is None and "id" not in doc and self.code is not None:
                self.kind = K_NOTICE
                return K_NOTICE
            self.kind, self.why = K_MALFORMED, "reply without a string id"
            return K_MALFORMED
        self._id = rid
        if len(rid) > len(_PING_PREFIX) and rid.startswith(_PING_PREFIX):
            self.request_id = parse_request_id(rid[len(_PING_PREFIX):])
            self.kind = K_PONG
            return K_PONG
        self.request_id = parse_request_id(rid)
        op = doc.get("op")
        self.op = op if type(op) is str else None
        self.kind = K_REPLY
        return K_REPLY

    def scan_handshake(self, payload: bytes) -> int:
        """Scan a challenge/welcome message; returns ``kind``."""
        doc = self._load(payload)
        if doc is None:
            return self.kind
        code = doc.get("code")
        self.code = None if code is None else str(code)
        self.msg = doc.get("msg")
        self.in_time_raw = _time_raw(doc.get("inTime"))
        self.session_id = doc.get("sessionId")
        self.ping_interval = _int_or_none(doc.get("pingInterval"))
        self.ping_timeout = _int_or_none(doc.get("pingTimeout"))
        self.kind = handshake_kind(code, self.session_id, self.ping_interval)
        if self.kind == K_MALFORMED:
            self.why = WHY_HANDSHAKE
        return self.kind

    def take_data(self) -> Any:
        """The last reply's ``data`` as Python objects (None when absent)."""
        return self._doc.get("data")

    def take_rate_limit(self) -> RateLimit | None:
        """The last reply's ``userRateLimit`` (or ``rateLimit``), None when absent."""
        doc = self._doc
        value = doc["userRateLimit"] if "userRateLimit" in doc else doc.get("rateLimit")
        return _rate_limit(value)

    def id_text(self, limit: int = -1) -> str:
        """The last reply's id as text (its first ``limit`` characters when >= 0)."""
        return self._id if limit < 0 else self._id[:limit]


__all__ = ["K_BAD_UTF8", "K_CHALLENGE", "K_ERROR", "K_MALFORMED", "K_NOTICE", "K_PONG",
           "K_REPLY", "K_WELCOME", "MAX_DEPTH", "MAX_ID_DIGITS", "NO_TIME", "ReplyScan", "load",
           "parse_request_id"]
