"""Ops that are not trading requests: the JSON keepalive (protocol §4.1)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._protocol.ops import OP_PING
from .._wire import pong
from ._registry import CONTROL, op

if TYPE_CHECKING:
    from .._session import Session
    from .._wire import RateLimit


@op(OP_PING, family=CONTROL, limited=False)
def ping(session: Session, rid: str, args: Any, t_in: int, rl: RateLimit | None) -> None:
    """``{"id","op":"ping"}`` -> ``{"id","op":"pong","timestamp"}``; not rate limited."""
    session.venue.counters.pings += 1
    session.emit(pong(rid, session.now()), False)


__all__ = ["ping"]
