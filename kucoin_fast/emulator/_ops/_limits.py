"""The prelude every trading request passes before its handler: it is counted, then
checked against the fault-injected 429000, the id length, the per-connection cap
(429002) and the per-UID pool (429000): futures ops draw on the futures pool
(``rate_limit``), spot and margin ops on the Spot pool (``spot_rate_limit``). Each
refusal is a B frame (protocol §8)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from ..._protocol.codes import ERRORS
from ..._protocol.specs import DEFAULT_RATE_LIMIT, DEFAULT_SPOT_RATE_LIMIT
from ._registry import MARGIN, SPOT, OpSpec

if TYPE_CHECKING:
    from .._account import AccountState
    from .._session import Session
    from .._wire import RateLimit

#: Families drawing on the Spot pool; every other one (futures) on the futures pool.
_SPOT_POOL = frozenset({SPOT, MARGIN})
_ID_TOO_LONG = "Please check the param of your request: Field 'id' is too long."


def admit(session: Session, spec: OpSpec, rid: str,
          t_in: int) -> RateLimit | None | Literal[False]:
    """Count the request and apply the limits. False when an error reply was sent,
    else the userRateLimit triple for the reply (None when rate limiting is off)."""
    session.n_requests += 1
    counters = session.venue.counters
    counters.requests += 1
    cfg = session.cfg
    faults = session.faults
    if not faults.reply_path_plain and faults.draws_rate_limit():
        counters.rate_limited += 1
        nominal = (cfg.spot_rate_limit or DEFAULT_SPOT_RATE_LIMIT) \
            if spec.family in _SPOT_POOL else (cfg.rate_limit or DEFAULT_RATE_LIMIT)
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
    if spec.family in _SPOT_POOL:
        limit = cfg.spot_rate_limit
        if limit is None:
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


def draw(acct: AccountState, futures: bool, weight: int, limit: int, window: int,
         now_ms: int) -> tuple[bool, int, int]:
    """Take ``weight`` from the account's futures pool (else its Spot pool) if it fits:
    (taken, remaining, ms until the window resets). The WS API and the REST service
    draw on the same pools; the compiled fast path keeps the futures window on the same
    AccountState fields."""
    start, used = (acct.rl_start_ms, acct.rl_used) if futures else acct.spot_rl
    if now_ms - start >= window:
        start, used = now_ms, 0
    ok = used + weight <= limit
    if ok:
        used += weight
    if futures:
        acct.rl_start_ms, acct.rl_used = start, used
    else:
        acct.spot_rl[0], acct.spot_rl[1] = start, used
    return ok, limit - used, start + window - now_ms


def _uid_pool(session: Session, spec: OpSpec, rid: str, t_in: int,
              limit: int) -> RateLimit | Literal[False]:
    cfg = session.cfg
    acct = session.account_state
    assert acct is not None
    ok, remaining, reset = draw(acct, spec.family not in _SPOT_POOL,
                                cfg.weights.get(spec.name, spec.weight), limit,
                                cfg.rate_limit_window_ms, t_in // 1_000_000)
    if not ok:
        session.venue.counters.rate_limited += 1
        session.reply_error(rid, spec.name, "429000", ERRORS["429000"], t_in, (0, limit, reset))
        return False
    return remaining, limit, reset


__all__ = ["admit", "draw"]
