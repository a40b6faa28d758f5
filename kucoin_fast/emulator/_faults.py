"""Fault switches of the emulator, and what they do to replies.

:class:`Faults` is a mutable dataclass read on every reply: every switch may be
changed at runtime (``ex.faults.drop_fraction = 0.5``). The random draws come from
``faults.rng``; set ``seed`` for reproducible runs. :class:`FaultyReplies` is the
reply path of one session while a switch touches replies (``reply_path_plain`` is
False): drop, malformed, duplicate, reorder, latency and jitter.
"""
from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Final

from ._counters import Counters
from ._wire import malformed_frame, text_frame

#: Kinds of malformed server frame the emulator can produce (failure scenarios 10-12).
MALFORMED_KINDS: Final = (
    "non_json",  # a text frame that is not JSON
    "truncated_json",  # the reply cut in half
    "binary",  # the reply sent as a binary frame
    "fragmented",  # the reply split into a text frame plus continuation frames
    "wrong_types",  # the reply with "code" as a JSON number and inTime as a string
    "unknown_id",  # the reply with an id no request used
    "missing_id",  # the reply without its "id" key
    "numeric_id",  # the reply with "id" as a JSON number
    "oversized",  # a valid JSON frame larger than ``oversized_bytes``
)
MALFORMED_MODES: Final = ("inject", "replace")
REORDER_MODES: Final = ("reverse", "random")
CLOSE_MODES: Final = ("close", "fin", "rst")
REFUSE_MODES: Final = ("http", "tcp")

_FRACTIONS: Final = frozenset(
    {"drop_fraction", "duplicate_fraction", "malformed_fraction", "rate_limit_fraction"}
)
# Switches that touch the reply path; when all are off the emulator takes its fast path.
_REPLY_PATH: Final = (
    "latency_ms", "jitter_ms", "drop_fraction", "duplicate_fraction", "reorder_window",
    "close_after", "malformed", "rate_limit_fraction", "blackhole",
)


@dataclass
class Faults:
    """Runtime fault switches (all off by default). See the field comments."""

    #: Fixed delay added to every reply, in ms.
    latency_ms: float = 0.0
    #: Extra uniform random delay in [0, jitter_ms) per reply (may reorder replies).
    jitter_ms: float = 0.0
    #: Fraction of replies silently dropped (the request is still executed).
    drop_fraction: float = 0.0
    #: Fraction of replies sent twice.
    duplicate_fraction: float = 0.0
    #: Hold replies in windows of this many and release each window reordered (0 = off).
    reorder_window: int = 0
    #: "reverse" or "random" (shuffled with ``rng``).
    reorder_mode: str = "reverse"
    #: A partly filled reorder window is released after this many ms.
    reorder_flush_ms: float = 50.0
    #: Close each connection when it has received this many trading requests (None = off).
    close_after: int | None = None
    #: Whether those requests are answered before the close (default: left unanswered).
    close_answer: bool = False
    #: How to close: "close" (close frame 1001, then FIN), "fin" (no close frame), "rst".
    close_mode: str = "close"
    #: Never send the challenge after the upgrade.
    stall_before_challenge: bool = False
    #: Verify the challenge signature but never send the welcome.
    stall_before_welcome: bool = False
    #: Send the challenge with spaces (``{"sessionId":"…", "timestamp": 123}``).
    spaced_challenge: bool = False
    #: Send the challenge keys in the other order (``{"timestamp":…,"sessionId":"…"}``).
    reversed_challenge: bool = False
    #: Half-open peer: authenticated sessions read and discard everything (requests,
    #: pings, protocol pings, close frames) and send nothing, without closing.
    blackhole: bool = False
    #: One of MALFORMED_KINDS, or None.
    malformed: str | None = None
    #: Fraction of replies affected by ``malformed``.
    malformed_fraction: float = 1.0
    #: "inject" sends the malformed frame before the real reply; "replace" sends it instead.
    malformed_mode: str = "inject"
    #: Payload size of the "oversized" frame.
    oversized_bytes: int = 11 * 1024 * 1024
    #: Fraction of trading requests answered with 429000 (not executed).
    rate_limit_fraction: float = 0.0
    #: Refuse the next N connection attempts.
    refuse_connections: int = 0
    #: "http" (HTTP 503 to the upgrade) or "tcp" (TCP closed before any HTTP reply).
    refuse_mode: str = "http"
    #: Close authenticated sessions older than this many seconds (forced expiry).
    session_max_age_s: float | None = None
    #: Seed for ``rng``; setting it reseeds.
    seed: int | None = None
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)
    #: Derived, read-only: True when no switch touches replies, so sessions may take the
    #: plain reply path and the compiled fast path (a field, not a property: the fast
    #: path reads it on every frame). Kept last: see __setattr__.
    reply_path_plain: bool = field(default=True, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.rng.seed(self.seed)
        self._refresh()

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "reply_path_plain":
            raise AttributeError("reply_path_plain is derived from the reply-path switches")
        if name in _FRACTIONS and not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"{name} must be within [0, 1]")
        if name == "malformed" and value is not None and value not in MALFORMED_KINDS:
            raise ValueError(f"malformed must be one of {', '.join(MALFORMED_KINDS)}")
        for fname, choices in (("malformed_mode", MALFORMED_MODES),
                               ("reorder_mode", REORDER_MODES),
                               ("close_mode", CLOSE_MODES), ("refuse_mode", REFUSE_MODES)):
            if name == fname and value not in choices:
                raise ValueError(f"{name} must be one of {', '.join(choices)}")
        if name in ("latency_ms", "jitter_ms", "reorder_flush_ms", "reorder_window",
                    "refuse_connections", "oversized_bytes") and value < 0:
            raise ValueError(f"{name} must be >= 0")
        if name == "close_after" and value is not None and value < 1:
            raise ValueError("close_after must be >= 1 or None")
        object.__setattr__(self, name, value)
        if name == "seed" and "rng" in self.__dict__:
            self.rng.seed(value)
        if name in _REPLY_PATH and "reply_path_plain" in self.__dict__:
            self._refresh()

    def _refresh(self) -> None:
        plain = not (
            self.latency_ms or self.jitter_ms or self.drop_fraction or self.duplicate_fraction
            or self.reorder_window or self.close_after is not None or self.malformed is not None
            or self.rate_limit_fraction or self.blackhole
        )
        object.__setattr__(self, "reply_path_plain", plain)

    def draws_rate_limit(self) -> bool:
        """Whether this request is to be answered 429000 (``rate_limit_fraction``)."""
        return bool(self.rate_limit_fraction) and self.rng.random() < self.rate_limit_fraction

    def closes_after(self, n_requests: int) -> bool:
        """Whether a connection that has received ``n_requests`` is to be closed."""
        return self.close_after is not None and n_requests >= self.close_after

    def reset(self) -> None:
        """Turn every switch off again (the RNG keeps its state)."""
        for f in fields(self):
            if f.init and f.name not in ("rng", "seed"):
                setattr(self, f.name, f.default)


class FaultyReplies:
    """The reply path of one session while ``faults.reply_path_plain`` is False.

    Frames that leave at once go to ``out`` (the session's buffer, written once per
    socket read); delayed ones, and reordered windows released by a timer, go through
    ``write_now``, which flushes ``out`` first so the order on the wire holds and
    does nothing once the connection is gone (``write_now(b"")`` only flushes).
    """

    __slots__ = ("_counters", "_faults", "_out", "_reorder", "_reorder_timer", "_write_now")

    def __init__(self, faults: Faults, counters: Counters, out: list[bytes],
                 write_now: Callable[[bytes], None]) -> None:
        self._faults = faults
        self._counters = counters
        self._out = out
        self._write_now = write_now
        self._reorder: list[bytes] = []
        self._reorder_timer: asyncio.TimerHandle | None = None

    def emit(self, payload: bytes, request_reply: bool) -> None:
        """Send the reply ``payload`` as the switches say; ``request_reply`` marks the
        replies that ``close_after`` withholds."""
        faults = self._faults
        rng = faults.rng
        counters = self._counters
        if request_reply and faults.close_after is not None and not faults.close_answer:
            return  # executed, but the reply never leaves: the close comes first
        if faults.drop_fraction and rng.random() < faults.drop_fraction:
            counters.replies_dropped += 1
            return
        frames: list[bytes] = []
        if faults.malformed is not None and (faults.malformed_fraction >= 1.0
                                             or rng.random() < faults.malformed_fraction):
            counters.malformed_sent += 1
            frames.append(malformed_frame(faults.malformed, payload, faults.oversized_bytes,
                                          counters.malformed_sent))
            if faults.malformed_mode == "inject":
                frames.append(text_frame(payload))
        else:
            frames.append(text_frame(payload))
        if faults.duplicate_fraction and rng.random() < faults.duplicate_fraction:
            counters.replies_duplicated += 1
            frames.append(frames[-1])
        self._hold_or_send(b"".join(frames))

    def cancel(self) -> None:
        """Forget the reorder timer (the connection is closing)."""
        if self._reorder_timer is not None:
            self._reorder_timer.cancel()
            self._reorder_timer = None

    def _hold_or_send(self, data: bytes) -> None:
        faults = self._faults
        if faults.reorder_window > 1:
            self._reorder.append(data)
            if len(self._reorder) >= faults.reorder_window:
                self._release_reorder()
            elif self._reorder_timer is None:
                self._reorder_timer = asyncio.get_running_loop().call_later(
                    faults.reorder_flush_ms / 1000.0, self._release_reorder)
            return
        self._delayed(data)

    def _release_reorder(self) -> None:
        self.cancel()
        batch = self._reorder
        self._reorder = []
        if self._faults.reorder_mode == "reverse":
            batch.reverse()
        else:
            self._faults.rng.shuffle(batch)
        for data in batch:
            self._delayed(data)
        self._write_now(b"")

    def _delayed(self, data: bytes) -> None:
        faults = self._faults
        delay = faults.latency_ms
        if faults.jitter_ms:
            delay += faults.rng.random() * faults.jitter_ms
        if delay > 0:
            asyncio.get_running_loop().call_later(delay / 1000.0, self._write_now, data)
        else:
            self._out.append(data)


__all__ = [
    "CLOSE_MODES",
    "MALFORMED_KINDS",
    "MALFORMED_MODES",
    "REFUSE_MODES",
    "REORDER_MODES",
    "Faults",
    "FaultyReplies",
]
