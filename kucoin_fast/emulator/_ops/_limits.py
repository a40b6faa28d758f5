"""The prelude every trading request passes before its handler: it is counted, then
checked against the fault-injected 429000, the id length, the per-connection cap
(429002) and the per-UID pool (429000). Each refusal is a B frame (protocol §8)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from ..._rules import DEFAULT_RATE_LIMIT, ERRORS
from ._registry import OpSpec

if TYPE_CHECKING:
    from .._session import Session
    from .._wire import RateLimit

_ID_TOO_LONG = "Please check the param of your request: Field 'id' is too long."


def admit(session: Session, spec: OpSpec, rid: str,
          t_in: int) -> RateLimit | None | Literal[False]:
    """Count the request and apply the limits. False when an error reply was sent,
    else the userRateLimit triple for the reply (None when rate limiting is off)."""
    session.n_requests += 1
    counters = session.em.counters
    counters.requests += 1
    cfg = session.cfg
    faults = session.faults
    if not faults.reply_path_plain and faults.draws_rate_limit():
        counters.rate_limited += 1
        nominal = cfg.rate_limit or DEFAULT_RATE_LIMIT
        session.reply_error(rid, spec.name, "429000", ERRORS["429000"], t_in,
                            (0, nominal, cfg.rate_limit_window_ms))
        return False
    if cfg.id_max_len is not None and len(rid) > cfg.id_max_len:
        session.reply_error(rid, spec.name, "400102", _ID_TOO_LONG, t_in, None)
        return False
    if cfg.connection_rate_limit is not None and not _connection_window_ok(session, t_in):
        counters.rate_limited += 1
        session.reply_error(rid, spec.name, "429002", ERRORS["429002"], t_in, None)
        return False
    limit = cfg.rate_limit
    if limit is None:  # tested here: a call costs more than the check (hot path)
        return None
    return _uid_pool(session, spec, rid, t_in, limit)


def _connection_window_ok(session: Session, t_in: int) -> bool:
    cfg = session.cfg
    now = t_in / 1e6
    if now - session.conn_window_start >= cfg.connection_rate_window_ms:
        session.conn_window_start = now
        session.conn_window_count = 0
    assert cfg.connection_rate_limit is not None
    if session.conn_window_count >= cfg.connection_rate_limit:
        return False
    session.conn_window_count += 1
    return True


def _uid_pool(session: Session, spec: OpSpec, rid: str, t_in: int,
              limit: int) -> RateLimit | Literal[False]:
    # The compiled fast path keeps the same window on the same Book fields.
    cfg = session.cfg
    book = session.book
    assert book is not None
    now_ms = t_in // 1_000_000
    window = cfg.rate_limit_window_ms
    if now_ms - book.rl_start_ms >= window:
        book.rl_start_ms = now_ms
        book.rl_used = 0
    weight = cfg.weights.get(spec.name, spec.weight)
    reset = book.rl_start_ms + window - now_ms
    if book.rl_used + weight > limit:
        session.em.counters.rate_limited += 1
        session.reply_error(rid, spec.name, "429000", ERRORS["429000"], t_in, (0, limit, reset))
        return False
    book.rl_used += weight
    return limit - book.rl_used, limit, reset


__all__ = ["admit"]
